/**
 * Small helpers shared by the API, security and CLI tests: users made through the real HTTP API, tokens
 * signed with a project's own key (to build expired or forged tokens), and row counts to prove that a
 * rejected write changed nothing.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { signEs256 } from '../../src/crypto/es256.js';
import type { Audience } from '../../src/projects/signing-keys.js';
import { api, clientHeaders, type TestServer } from '../helpers/server.js';

export interface SignedUp {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}

export const PASSWORD = 'correct horse battery';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function signUp(t: TestServer, email = uniqueEmail(), password = PASSWORD): Promise<SignedUp> {
  const res = await api(t, 'POST', '/auth/password/sign-up', { body: { email, password } });
  expect(res.status, res.text).toBe(200);
  return {
    email,
    password,
    userId: res.json.user_id as string,
    accessToken: res.json.access_token as string,
    refreshToken: res.json.refresh_token as string,
  };
}

export async function signIn(t: TestServer, email: string, password = PASSWORD) {
  return api(t, 'POST', '/auth/password/sign-in', { body: { email, password } });
}

/** Expects a known error exactly as the SDK decodes it: status, header = body code, details when given. */
export function expectKnownError(
  res: { status: number; headers: Headers; json: Record<string, unknown> },
  code: string,
  status: number,
  details?: Record<string, unknown> | 'none',
): void {
  expect(res.json?.code, JSON.stringify(res.json)).toBe(code);
  expect(res.status).toBe(status);
  expect(res.headers.get('x-stack-known-error')).toBe(code);
  expect(typeof res.json.error).toBe('string');
  if (details === 'none') expect(res.json).not.toHaveProperty('details');
  else if (details !== undefined) expect(res.json.details).toEqual(details);
}

/** A JWT signed with the project's real active key, with any payload/header the test wants. */
export async function signWithProjectKey(
  t: TestServer,
  payload: Record<string, unknown>,
  audience: Audience = 'default',
  projectId = t.projectId,
): Promise<string> {
  const signer = await t.server.ctx.directory.signingKey(projectId, audience);
  if (!signer) throw new Error('no signing key');
  return signEs256(payload, signer.kid, signer.key);
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function countRows(t: TestServer, table: 'users' | 'refresh_tokens', projectId = t.projectId): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: number | string }>(
    `SELECT count(*)::int AS n FROM authsync.${table} WHERE project_id = $1`,
    [projectId],
  );
  return Number(rows[0]!.n);
}

export async function userRow(t: TestServer, userId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await t.server.ctx.db.query<Record<string, unknown>>('SELECT * FROM authsync.users WHERE id = $1', [userId]);
  return rows[0];
}

/** Client headers carrying a user's access token (and the allow-anonymous header the SDK always sends). */
export function withToken(t: TestServer, accessToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return clientHeaders(t, { 'x-stack-access-token': accessToken, ...extra });
}

/** Raw fetch for requests the `api` helper cannot express (custom content types, raw bytes). */
export async function raw(t: TestServer, method: string, route: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}) {
  const response = await fetch(`${t.apiUrl}${route}`, {
    method,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}
