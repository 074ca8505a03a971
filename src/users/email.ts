/** E-mail addresses: the strict check of the real server, and normalisation (trim, lowercase). */

const EMAIL_PATTERN = /^[^\s@"(),:;<>[\]\\]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A syntactically valid address of at most 256 characters whose domain has a dot and a TLD of 2+ letters. */
export function isValidEmail(email: string): boolean {
  const value = email.trim();
  return value.length > 0 && value.length <= 256 && EMAIL_PATTERN.test(value);
}
