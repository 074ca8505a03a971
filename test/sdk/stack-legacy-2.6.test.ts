/**
 * The real @stackframe/stack 2.6.8 (what Neon's Legacy Neon Auth demo app pins) against authsync on
 * PostgreSQL. 2.6.8 loads in Node only through tsx (its ESM build has extensionless imports), so it runs in a
 * child process, stack-legacy-2.6-driver.ts, configured like a Legacy app through NEXT_PUBLIC_STACK_URL and
 * friends; this file checks the driver's JSON report: each SDK call's outcome and every request it sent.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, serverHeaders, type TestServer, useTestServer } from '../helpers/server.js';
import type { Report } from './stack-legacy-2.6-driver.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const driver = path.join(root, 'test/sdk/stack-legacy-2.6-driver.ts');

function runDriver(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', driver], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The same session's access token, re-signed with the project's key so that it expired a minute ago. */
async function expire(t: TestServer, accessToken: string): Promise<string> {
  const { signEs256 } = await import('../../src/crypto/es256.js');
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const signer = await t.server.ctx.directory.signingKey(t.projectId, 'default');
  const now = Math.floor(Date.now() / 1000);
  return signEs256({ ...payload, iat: now - 700, exp: now - 60 }, signer!.kid, signer!.key);
}

describe('@stackframe/stack 2.6.8 on postgres', () => {
  const t = useTestServer({ mode: 'postgres' });
  let report: Report;
  let presetUserId: string;
  let expiredToken: string;

  beforeAll(async () => {
    // A user whose session the driver resumes with an expired access token.
    const presetEmail = `preset-${Date.now()}@example.com`;
    const created = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { primary_email: presetEmail, password: 'preset-password-1', primary_email_auth_enabled: true },
    });
    expect(created.status).toBe(201);
    presetUserId = created.json.id as string;
    const signIn = await api(t, 'POST', '/auth/password/sign-in', { body: { email: presetEmail, password: 'preset-password-1' } });
    expect(signIn.status).toBe(200);
    expiredToken = await expire(t, signIn.json.access_token as string);

    const run = await runDriver({
      NEXT_PUBLIC_STACK_URL: t.url,
      NEXT_PUBLIC_STACK_PROJECT_ID: t.projectId,
      NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY: t.keys.publishableClientKey,
      STACK_SECRET_SERVER_KEY: t.keys.secretServerKey,
      LEGACY_BASE_URL: t.url,
      LEGACY_PROJECT_ID: t.projectId,
      LEGACY_PUBLISHABLE_CLIENT_KEY: t.keys.publishableClientKey,
      LEGACY_SECRET_SERVER_KEY: t.keys.secretServerKey,
      LEGACY_EXPIRED_ACCESS_TOKEN: expiredToken,
      LEGACY_PRESET_REFRESH_TOKEN: signIn.json.refresh_token as string,
    });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.code !== 0 || !last.startsWith('{')) {
      throw new Error(`driver exited with ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
    }
    report = JSON.parse(last) as Report;
  }, 180_000);

  const value = (name: string): unknown => {
    const s = report.steps[name];
    expect(s, `step ${name} ran`).toBeDefined();
    expect(s!.error, `step ${name} threw`).toBeUndefined();
    return s!.value;
  };

  it('reads its base URL from NEXT_PUBLIC_STACK_URL and sends every request to the server', () => {
    const envPhase = report.requests.filter((r) => r.phase === 'env');
    expect(envPhase.length).toBeGreaterThan(20);
    expect(new Set(report.requests.map((r) => r.origin))).toEqual(new Set([t.url]));
    expect(report.requests.every((r) => r.path.startsWith('/api/v1/'))).toBe(true);
  });

  it('signs up, refuses a duplicate and a short password, updates the user and reads the project', () => {
    expect(value('signedOutGetUser')).toBeNull();
    expect(value('signUp')).toEqual({ status: 'ok' });
    const user = value('getUserAfterSignUp') as { id: string; primaryEmail: string; hasPassword: boolean };
    expect(user.primaryEmail).toBe(report.email);
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.hasPassword).toBe(true);
    expect(value('duplicateSignUp')).toEqual({ status: 'error', code: 'USER_EMAIL_ALREADY_EXISTS' });
    expect(value('shortPassword')).toEqual({ status: 'error', code: 'PASSWORD_TOO_SHORT' });
    const auth = value('getAuthJson') as { accessToken: string; refreshToken: string };
    expect(auth.accessToken).toMatch(/^ey/);
    expect(auth.refreshToken).toMatch(/^[a-z2-7]{45}$/);
    expect(value('update')).toEqual({ displayName: 'Legacy Alice', clientMetadata: { theme: 'dark' } });
    expect(value('getProject')).toEqual({
      id: t.projectId,
      config: {
        signUpEnabled: true,
        credentialEnabled: true,
        magicLinkEnabled: false,
        clientTeamCreationEnabled: false,
        clientUserDeletionEnabled: expect.any(Boolean),
        oauthProviders: [],
      },
    });
    expect(value('listTeams')).toEqual([]);
    expect(report.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/teams?user_id=me' && r.status === 200)).toBe(true);
  });

  it('refuses an unknown project ID (with a code 2.6.x does not know, so as a plain error)', () => {
    const unknown = report.steps.unknownProject!;
    expect(unknown.ok).toBe(false);
    expect(unknown.error!.message).toContain('CURRENT_PROJECT_NOT_FOUND');
  });

  it('signs out: the session is revoked and the SDK redirects to the after-sign-out page', () => {
    expect(value('signOut')).toEqual({ redirects: ['/'] });
    expect(value('getUserAfterSignOut')).toBeNull();
    expect(value('revokedRefreshToken')).toBeNull();
    const deletes = report.requests.filter((r) => r.method === 'DELETE' && r.path === '/api/v1/auth/sessions/current');
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    expect(deletes[0]!.status).toBe(200);
    // The revoked refresh token was refused with a known error the SDK understands.
    const refused = report.requests.filter((r) => r.path === '/api/v1/auth/oauth/token' && r.knownError);
    expect(refused.map((r) => r.knownError)).toContain('REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED');
  });

  it('signs in with the right password only', () => {
    expect(value('wrongPassword')).toEqual({ status: 'error', code: 'EMAIL_PASSWORD_MISMATCH' });
    expect(value('unknownEmail')).toEqual({ status: 'error', code: 'EMAIL_PASSWORD_MISMATCH' });
    expect(value('signIn')).toEqual({ status: 'ok' });
    const user = value('getUserAfterSignUp') as { id: string };
    expect(value('getUserAfterSignIn')).toEqual({ id: user.id, displayName: 'Legacy Alice', clientMetadata: { theme: 'dark' } });
  });

  it("reads the user's session on the server: tokens, x-stack-auth header, 2.6.x cookies, expired access token", () => {
    const user = value('getUserAfterSignUp') as { id: string };
    expect(value('serverGetUserByTokens')).toEqual({ id: user.id, primaryEmail: report.email, serverMetadata: null });
    expect(value('serverGetUserByAuthHeader')).toBe(user.id);
    expect(value('serverGetUserByCookies')).toBe(user.id);
    expect(value('clientExpiredAccessToken')).toEqual({ id: presetUserId, accessTokenChanged: true });
    expect(value('serverExpiredAccessToken')).toBe(presetUserId);
    // The cookie value is not a JWT: the server says so, and the SDK refreshes.
    expect(report.requests.some((r) => r.knownError === 'UNPARSABLE_ACCESS_TOKEN')).toBe(true);
    expect(report.requests.some((r) => r.knownError === 'ACCESS_TOKEN_EXPIRED')).toBe(true);
  });

  it('manages users with StackServerApp', () => {
    const bob = value('createUser') as { id: string; primaryEmail: string; displayName: string };
    expect(bob.primaryEmail).toMatch(/^bob-.*@example\.com$/);
    const duplicate = report.steps.createDuplicateUser!;
    expect(duplicate.ok).toBe(false);
    expect(duplicate.error!.code).toBe('USER_EMAIL_ALREADY_EXISTS');
    const user = value('getUserAfterSignUp') as { id: string };
    const listed = value('listUsers') as string[];
    expect(listed).toEqual(expect.arrayContaining([user.id, bob.id, presetUserId]));
    expect(value('getUserById')).toEqual({ id: user.id, primaryEmail: report.email, displayName: 'Legacy Alice' });
    expect(value('getUnknownUserById')).toBeNull();
    expect(value('createdUserSignsIn')).toEqual({ status: 'ok' });
    expect(value('updateUser')).toEqual({ displayName: 'Robert', serverMetadata: { plan: 'team' } });
    expect(value('deleteUser')).toBeNull();
    const wrongKey = report.steps.wrongSecretServerKey!;
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.error!.code).toBe('INVALID_SECRET_SERVER_KEY');
  });

  it('works with explicit constructor options and no NEXT_PUBLIC_STACK_* variables', () => {
    const user = value('getUserAfterSignUp') as { id: string };
    expect(value('explicitSignIn')).toEqual({ status: 'ok' });
    expect(value('explicitGetUser')).toBe(user.id);
    expect(value('explicitSignOut')).toBeNull();
    expect(value('explicitServerGetUserById')).toBe(report.email);
    expect(report.requests.filter((r) => r.phase === 'explicit').length).toBeGreaterThan(3);
  });

  it('sends what 2.6.x sends: x-stack-* headers only, no allow-anonymous, a form-encoded refresh without them', () => {
    const apiCalls = report.requests.filter((r) => r.path !== '/api/v1/auth/oauth/token');
    for (const r of apiCalls) {
      expect(r.clientVersion).toBe('js @stackframe/stack@2.6.8');
      expect(r.headers.filter((h) => h.startsWith('x-hexclave-'))).toEqual([]);
      expect(r.headers).not.toContain('x-stack-allow-anonymous-user');
      expect(r.headers).toContain('x-stack-override-error-status');
      expect(r.headers).toContain('x-stack-random-nonce');
      expect(['client', 'server']).toContain(r.accessType);
    }
    const refreshes = report.requests.filter((r) => r.path === '/api/v1/auth/oauth/token');
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    for (const r of refreshes) {
      expect(r.method).toBe('POST');
      expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(r.bodyKeys).toEqual(['client_id', 'client_secret', 'grant_type', 'refresh_token']);
      expect(r.headers.filter((h) => h.startsWith('x-stack-'))).toEqual([]);
    }
    // 2.6.8's server app finds a user by ID by listing them all, without paging parameters.
    expect(report.requests.some((r) => r.accessType === 'server' && r.method === 'GET' && r.path === '/api/v1/users')).toBe(true);
    expect(report.requests.some((r) => /^\/api\/v1\/users\?/.test(r.path))).toBe(false);
    // Sign-up carries the verification callback URL built from the page's location.
    const signUp = report.requests.find((r) => r.path === '/api/v1/auth/password/sign-up')!;
    expect(signUp.bodyKeys).toEqual(['email', 'password', 'verification_callback_url']);
    // Every answer the SDK got was a success or a known error.
    for (const r of report.requests) {
      expect(r.status === 200 || r.status === 201 || r.knownError !== null, `${r.method} ${r.path} → ${r.status}`).toBe(true);
    }
  });
});
