/**
 * Request headers of the Stack API. Every `x-stack-X` header may also arrive as `x-hexclave-X` (SDK 2.8.108
 * sends only those). An empty value counts as absent (the SDK sends empty key headers on admin requests).
 */
export const STACK_HEADER_NAMES = [
  'access-type',
  'project-id',
  'branch-id',
  'publishable-client-key',
  'secret-server-key',
  'super-secret-admin-key',
  'admin-access-token',
  'access-token',
  'refresh-token',
  'allow-anonymous-user',
  'allow-restricted-user',
  'override-error-status',
  'client-version',
  'random-nonce',
  'development-override-key',
  'disable-artificial-development-delay',
  'auth',
] as const;

export type StackHeaderName = (typeof STACK_HEADER_NAMES)[number];

export function stackHeader(headers: Headers, name: StackHeaderName): string | undefined {
  const value = headers.get(`x-stack-${name}`) ?? headers.get(`x-hexclave-${name}`);
  return value === null || value === '' ? undefined : value;
}
