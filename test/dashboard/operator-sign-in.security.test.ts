/**
 * Signing in to the dashboard with an operator account (a user of the internal project): only users of the internal
 * project get in; a wrong password and an unknown e-mail get the same answer; the API's sign-in rules apply (the
 * internal project's settings, the per-account limit, the second factor, restricted users); the session cookie is
 * HttpOnly and SameSite=Strict and stored only hashed; sign-in and forms keep the dashboard's CSRF rules; and the
 * session ends with the user's internal-project session (sign-out, its revocation, the user's deletion).
 */
import { generateTOTP } from '@oslojs/otp';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/crypto/secrets.js';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { updateProject } from '../../src/projects/projects.js';
import { removeMember } from '../../src/teams/memberships.js';
import { signUp, uniqueEmail } from '../api/support.js';
import { useTestServer } from '../helpers/server.js';
import { createOwnedProject, setInternalSignUp, signUpOperator } from '../internal/support.js';
import { browse, formPost, OPERATOR_SERVER_ENV, passwordSignIn, signInOperator } from './operator-support.js';

const t = useTestServer({ env: { ...OPERATOR_SERVER_ENV, AUTHSYNC_RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3/1h' } });

async function sessionRows(): Promise<Array<{ id_hash: string; refresh_token_id: string | null }>> {
  const { rows } = await t.server.ctx.db.query<{ id_hash: string; refresh_token_id: string | null }>(
    'SELECT id_hash, refresh_token_id FROM authsync.dashboard_sessions ORDER BY created_at',
  );
  return rows;
}

async function operator() {
  await setInternalSignUp(t, true);
  const signedUp = await signUpOperator(t);
  await setInternalSignUp(t, false);
  return signedUp;
}

/** The refusal page with the echoed e-mail taken out, to compare two refusals. */
function withoutEmail(body: string, email: string): string {
  return body.replaceAll(email, '<email>');
}

describe('a user of another project cannot sign in to the dashboard', () => {
  it('an app user with the right password of their own project is refused, and no session is made', async () => {
    const before = (await sessionRows()).length;
    const appUser = await signUp(t, uniqueEmail('app-user'));
    const answer = await passwordSignIn(t, appUser.email, appUser.password);
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('Wrong e-mail or password.');
    expect(answer.setCookie).toBe('');
    expect((await sessionRows()).length).toBe(before);
  });

  it('the same e-mail in both projects: only the internal project’s password counts', async () => {
    const op = await operator();
    const appUser = await signUp(t, op.email, 'the app password is another one');
    expect((await passwordSignIn(t, appUser.email, appUser.password)).status).toBe(401);
    const ok = await passwordSignIn(t, op.email, op.password);
    expect(ok.status).toBe(303);
  });

  it('the admin secret form does not take an app user’s refresh or access token either', async () => {
    const appUser = await signUp(t, uniqueEmail('token-user'));
    for (const secret of [appUser.refreshToken, appUser.accessToken]) expect((await formPost(t, '/sign-in', { secret })).status).toBe(401);
  });
});

describe('a wrong password is refused without saying whether the account exists', () => {
  it('the same status and page for a wrong password and for an unknown e-mail', async () => {
    const op = await operator();
    const unknown = uniqueEmail('nobody');
    const wrong = await passwordSignIn(t, op.email, 'not the password at all');
    const missing = await passwordSignIn(t, unknown, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(missing.status).toBe(401);
    expect(wrong.setCookie).toBe('');
    expect(missing.setCookie).toBe('');
    expect(withoutEmail(wrong.body, op.email)).toBe(withoutEmail(missing.body, unknown));
    expect(wrong.body).toContain('Wrong e-mail or password.');
  });

  it('the per-account limit of the API’s sign-in applies, and says nothing more for an existing account', async () => {
    const op = await operator();
    for (let i = 0; i < 3; i++) expect((await passwordSignIn(t, op.email, `wrong ${i}`)).status).toBe(401);
    const limited = await passwordSignIn(t, op.email, op.password);
    expect(limited.status).toBe(429);
    expect(limited.body).toContain('Too many failed sign-in attempts');
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 3; i++) expect((await passwordSignIn(t, unknown, `wrong ${i}`)).status).toBe(401);
    expect((await passwordSignIn(t, unknown, 'wrong again')).status).toBe(429);
  });
});

describe('the API’s sign-in rules', () => {
  it('password sign-in turned off in the internal project: refused with that reason', async () => {
    const op = await operator();
    await updateProject(t.server.ctx.db, INTERNAL_PROJECT_ID, { config: { credential_enabled: false } });
    t.server.ctx.directory.invalidate(INTERNAL_PROJECT_ID);
    try {
      const answer = await passwordSignIn(t, op.email, op.password);
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('Password authentication is not enabled');
      expect(answer.setCookie).toBe('');
    } finally {
      await updateProject(t.server.ctx.db, INTERNAL_PROJECT_ID, { config: { credential_enabled: true } });
    }
  });

  it('a user with a TOTP gets the code step: no session before the right code, one after', async () => {
    const op = await operator();
    const secret = Buffer.from('twenty bytes secret!');
    await t.server.ctx.users.update(INTERNAL_PROJECT_ID, op.userId, { totp_secret_base64: secret.toString('base64') });
    const first = await passwordSignIn(t, op.email, op.password);
    expect(first.status).toBe(200);
    expect(first.setCookie).toBe('');
    expect(first.body).toContain('Code from your authenticator app');
    const code = /name="attempt_code" value="([^"]+)"/.exec(first.body)![1]!;

    const right = generateTOTP(secret, 30, 6);
    const wrong = await formPost(t, '/sign-in/totp', { attempt_code: code, totp: right === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain(code); // the step again, with the same attempt

    const ok = await formPost(t, '/sign-in/totp', { attempt_code: code, totp: right });
    expect(ok.status).toBe(303);
    const session = await browse(t, ok.headers.get('set-cookie') ?? '');
    expect((await session.get('/projects')).status).toBe(200);

    const reused = await formPost(t, '/sign-in/totp', { attempt_code: code, totp: right });
    expect(reused.status).toBe(400);
    expect(reused.headers.get('set-cookie')).toBeNull();
  });

  it('a user restricted by an admin gets no session, and one restricted later loses theirs', async () => {
    const op = await operator();
    const session = await signInOperator(t, op.email, op.password);
    await t.server.ctx.users.update(INTERNAL_PROJECT_ID, op.userId, { restricted_by_admin: true });
    expect((await session.get('/projects')).status).toBe(303);
    const answer = await passwordSignIn(t, op.email, op.password);
    expect(answer.status).toBe(403);
    expect(answer.setCookie).toBe('');
  });
});

describe('the operator’s session', () => {
  it('is an HttpOnly, SameSite=Strict cookie (no Secure on http), stored only as a hash, tied to an internal-project session', async () => {
    const op = await operator();
    const answer = await passwordSignIn(t, op.email, op.password);
    expect(answer.setCookie).toMatch(/HttpOnly/i);
    expect(answer.setCookie).toMatch(/SameSite=Strict/i);
    expect(answer.setCookie).toMatch(/Path=\/dashboard/);
    expect(answer.setCookie).not.toMatch(/Secure/);
    const id = /authsync_dashboard=([^;]+)/.exec(answer.setCookie)![1]!;
    const row = (await sessionRows()).find((r) => r.id_hash === hashSecret(id));
    expect(row?.refresh_token_id).toEqual(expect.any(String));
    const { rows } = await t.server.ctx.db.query('SELECT project_id, user_id FROM authsync.refresh_tokens WHERE id = $1', [
      row!.refresh_token_id,
    ]);
    expect(rows).toEqual([{ project_id: INTERNAL_PROJECT_ID, user_id: op.userId }]);
  });

  it('keeps the CSRF rules: sign-in from another origin and forms without the token are refused', async () => {
    const op = await operator();
    const foreign = await formPost(t, '/sign-in/password', { email: op.email, password: op.password }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    const totp = await formPost(t, '/sign-in/totp', { attempt_code: 'x', totp: '123456' }, { origin: 'http://evil.example' });
    expect(totp.status).toBe(403);

    const session = await signInOperator(t, op.email, op.password);
    const headers = { cookie: session.cookie };
    expect((await formPost(t, '/projects', { name: 'No token', owner_team: op.teamId }, headers)).status).toBe(403);
    expect(
      (
        await formPost(
          t,
          '/projects',
          { name: 'Foreign', owner_team: op.teamId, _csrf: session.csrf },
          { ...headers, origin: 'http://evil.example' },
        )
      ).status,
    ).toBe(403);
    expect((await formPost(t, '/sign-out', {}, headers)).status).toBe(403);
  });

  it('sign-out ends it and the internal-project session under it', async () => {
    const op = await operator();
    const session = await signInOperator(t, op.email, op.password);
    const before = await t.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [op.userId]);
    const out = await session.post('/sign-out', {});
    expect(out.status).toBe(303);
    expect((await session.get('/projects')).status).toBe(303);
    const after = await t.server.ctx.db.query('SELECT 1 FROM authsync.refresh_tokens WHERE user_id = $1', [op.userId]);
    expect(after.rowCount).toBe(before.rowCount - 1);
  });

  it('ends when its internal-project session is revoked elsewhere, or the user is deleted', async () => {
    const op = await operator();
    const first = await signInOperator(t, op.email, op.password);
    const second = await signInOperator(t, op.email, op.password);
    const { rows } = await t.server.ctx.db.query<{ refresh_token_id: string }>(
      'SELECT refresh_token_id FROM authsync.dashboard_sessions WHERE id_hash = $1',
      [hashSecret(/authsync_dashboard=(.+)/.exec(first.cookie)![1]!)],
    );
    await t.server.ctx.db.query('DELETE FROM authsync.refresh_tokens WHERE id = $1', [rows[0]!.refresh_token_id]);
    expect((await first.get('/projects')).status).toBe(303);
    expect((await second.get('/projects')).status).toBe(200);
    await t.server.ctx.users.delete(INTERNAL_PROJECT_ID, op.userId);
    expect((await second.get('/projects')).status).toBe(303);
  });
});

describe('an account opens no more than its teams own', () => {
  it('an operator who left their only team sees no project, not even those without an owner team', async () => {
    const op = await operator();
    await removeMember(t.server.ctx, INTERNAL_PROJECT_ID, op.teamId, op.userId);
    const session = await signInOperator(t, op.email, op.password);
    const list = await session.get('/projects');
    expect(list.body).toContain('0 projects');
    expect(list.body).not.toContain(t.projectId);
    expect((await session.get(`/projects/${t.projectId}/configuration`)).status).toBe(404);
  });
});

describe('on PGlite', () => {
  const p = useTestServer({ mode: 'pglite', env: OPERATOR_SERVER_ENV });

  it('an operator signs in, opens their team’s project only, and signs out', async () => {
    await setInternalSignUp(p, true);
    const op = await signUpOperator(p);
    const own = await createOwnedProject(p, op);
    const session = await signInOperator(p, op.email, op.password);
    expect((await session.get(`/projects/${own}/configuration`)).status).toBe(200);
    expect((await session.get(`/projects/${p.projectId}/configuration`)).status).toBe(404);
    expect((await passwordSignIn(p, op.email, 'wrong password')).status).toBe(401);
    expect((await session.post('/sign-out', {})).status).toBe(303);
    expect((await session.get('/projects')).status).toBe(303);
  });
});
