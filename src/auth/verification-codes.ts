/**
 * The codes of the e-mail flows (contact channel verification, password reset, magic link / OTP, team invitations),
 * with Stack's mechanics: 45 lower-case Crockford base32 characters, delivered as `?code=` on a trusted callback URL;
 * valid 7 days; single use; the first 6 characters upper-cased are the OTP and the other 39 the nonce. Every attempt
 * counts on all codes sharing the nonce, and a code that has had 20 attempts answers MAX_ATTEMPTS_REACHED, which caps
 * guessing an OTP. Only the code's SHA-256 is stored (plus the nonce, for the shared counter).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashSecret } from '../crypto/secrets.js';
import type { Database, Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';

export type VerificationCodeType =
  | 'CONTACT_CHANNEL_VERIFICATION'
  | 'PASSWORD_RESET'
  | 'ONE_TIME_PASSWORD'
  | 'TEAM_INVITATION'
  /** A sign-in waiting for its second factor (auth/mfa.ts): no e-mail, no link. */
  | 'MFA_ATTEMPT';

export const CODE_LENGTH = 45;
const OTP_LENGTH = 6;
export const CODE_TTL_SECONDS = 7 * 24 * 60 * 60;
export const MAX_ATTEMPTS = 20;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export interface CreatedCode {
  /** The whole code: 45 lower-case Crockford base32 characters. */
  code: string;
  /** Its last 39 characters. */
  nonce: string;
  /** Its first 6 characters, upper-cased. */
  otp: string;
  /** The callback URL with `code` set as a query parameter (its other parameters kept). */
  link: string;
}

export interface VerificationCode {
  id: string;
  projectId: string;
  type: VerificationCodeType;
  email: string;
  data: Record<string, unknown>;
  callbackUrl: string;
}

/** zod field for `{code}` bodies: exactly 45 characters, else SCHEMA_ERROR (as Stack). */
export const verificationCodeField: z.ZodType<string> = z.string().length(CODE_LENGTH);

/** 45 random Crockford base32 characters (5 bits each from a byte: 256 is a multiple of 32, so no bias). */
function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let out = '';
  for (const byte of bytes) out += CROCKFORD[byte & 31];
  return out;
}

/**
 * Checks `callbackUrl` against the project's trusted URLs (else REDIRECT_URL_NOT_WHITELISTED), then stores a new code
 * (7 days). Run it in the transaction of the work the code belongs to (a sign-up), so neither exists without the other.
 */
export async function createVerificationCode(
  tx: Queryable,
  input: {
    projectId: string;
    config: ProjectConfig;
    type: VerificationCodeType;
    email: string;
    data: Record<string, unknown>;
    callbackUrl: string;
  },
): Promise<CreatedCode> {
  if (!isTrustedUrl(input.config, input.callbackUrl)) throw errors.redirectUrlNotWhitelisted();
  const link = new URL(input.callbackUrl);
  const code = newCode();
  link.searchParams.set('code', code);
  // Rows a week past their expiry go in the same statement (one round trip); younger ones still answer "expired".
  await tx.query(
    `WITH old AS (DELETE FROM authsync.verification_codes WHERE expires_at < now() - make_interval(secs => $9))
     INSERT INTO authsync.verification_codes (id, project_id, type, code_hash, nonce, email, data, callback_url, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
    [
      randomUUID(),
      input.projectId,
      input.type,
      hashSecret(code),
      code.slice(OTP_LENGTH),
      input.email,
      JSON.stringify(input.data),
      input.callbackUrl,
      CODE_TTL_SECONDS,
    ],
  );
  return { code, nonce: code.slice(OTP_LENGTH), otp: code.slice(0, OTP_LENGTH).toUpperCase(), link: link.toString() };
}

/**
 * Stores a code that is handed to the client in an answer rather than mailed (no e-mail, no callback URL), valid
 * `ttlSeconds`; checked, counted and consumed like the others.
 */
export async function createAnswerCode(
  db: Queryable,
  input: { projectId: string; type: VerificationCodeType; data: Record<string, unknown>; ttlSeconds: number },
): Promise<string> {
  const code = newCode();
  await db.query(
    `INSERT INTO authsync.verification_codes (id, project_id, type, code_hash, nonce, email, data, callback_url, expires_at)
     VALUES ($1, $2, $3, $4, $5, '', $6, '', now() + make_interval(secs => $7))`,
    [randomUUID(), input.projectId, input.type, hashSecret(code), code.slice(OTP_LENGTH), JSON.stringify(input.data), input.ttlSeconds],
  );
  return code;
}

interface CodeRow {
  id: string;
  project_id: string;
  type: VerificationCodeType;
  code_hash: string;
  email: string;
  data: Record<string, unknown> | string;
  callback_url: string;
  attempts_before: number;
  expired: boolean;
  used: boolean;
}

/**
 * Counts the attempt on every code of the project sharing the nonce, then checks in Stack's order: not found (also a
 * wrong type, or another project's code) → expired → already used → max attempts. Does not consume the code.
 *
 * Pass the database, not a transaction: the attempt must count even when the caller's later work fails and rolls back.
 */
export async function checkVerificationCode(
  db: Queryable,
  input: { projectId: string; type: VerificationCodeType; code: string },
): Promise<VerificationCode> {
  const code = input.code.toLowerCase();
  if (code.length !== CODE_LENGTH) throw errors.verificationCodeNotFound();
  const { rows } = await db.query<CodeRow>(
    `UPDATE authsync.verification_codes SET attempt_count = attempt_count + 1
     WHERE project_id = $1 AND nonce = $2
     RETURNING id, project_id, type, code_hash, email, data, callback_url, attempt_count - 1 AS attempts_before,
               expires_at < now() AS expired, used_at IS NOT NULL AS used`,
    [input.projectId, code.slice(OTP_LENGTH)],
  );
  const hash = hashSecret(code);
  const row = rows.find((r) => r.code_hash === hash && r.type === input.type);
  if (!row) throw errors.verificationCodeNotFound();
  if (row.expired) throw errors.verificationCodeExpired();
  if (row.used) throw errors.verificationCodeAlreadyUsed();
  if (row.attempts_before >= MAX_ATTEMPTS) throw errors.verificationCodeMaxAttemptsReached();
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.type,
    email: row.email,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
    callbackUrl: row.callback_url,
  };
}

/**
 * Marks the code used inside the caller's transaction, so it is used exactly when the caller's work commits.
 * VERIFICATION_CODE_ALREADY_USED when a concurrent request used it first (the row lock makes the second wait for the
 * first, then find used_at set).
 */
export async function consumeVerificationCode(tx: Queryable, code: VerificationCode): Promise<void> {
  const { rowCount } = await tx.query('UPDATE authsync.verification_codes SET used_at = now() WHERE id = $1 AND used_at IS NULL', [
    code.id,
  ]);
  if (rowCount === 0) throw errors.verificationCodeAlreadyUsed();
}

/**
 * The usual redeem: checks the code (its attempt counted on its own), then runs `work` in one transaction that also
 * consumes the code, so the code is used exactly when the work commits. Never call the check from inside a
 * transaction of the same database: on PGlite the database is one connection, and the check would wait for it.
 */
export async function redeemVerificationCode<T>(
  db: Database,
  input: { projectId: string; type: VerificationCodeType; code: string },
  work: (tx: Queryable, code: VerificationCode) => Promise<T>,
): Promise<T> {
  const code = await checkVerificationCode(db, input);
  return db.transaction(async (tx) => {
    await consumeVerificationCode(tx, code);
    return work(tx, code);
  });
}
