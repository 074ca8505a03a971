/**
 * Stack's recipe for a new project through the real SDK (@stackframe/js 2.8.39 and 2.8.108, spec §4.5), on
 * PostgreSQL: sign up on `internal` (sign-up turned on for the test), `user.createProject(...)` with the personal
 * team, `project.app.createInternalApiKey(...)`, then the new keys work: the server app creates a user, the client
 * app signs in as that user.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { STACK_JS_VERSIONS } from '../helpers/stack-js.js';
import { DEV_KEYS_ENV, setInternalSignUp } from './support.js';
import { DEVELOPMENT_KEYS } from '../../src/internal/internal-project.js';

const PASSWORD = 'correct horse battery';
const CALLBACK = 'http://localhost:3000/handler/email-verification';

const t = useTestServer({ env: DEV_KEYS_ENV });

beforeAll(async () => {
  await setInternalSignUp(t, true);
});

describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (_version, sdk) => {
  it('signs up on internal, creates a project, makes its keys, and the keys work', async () => {
    const internalApp = new sdk.StackClientApp({
      projectId: 'internal',
      publishableClientKey: DEVELOPMENT_KEYS.publishableClientKey,
      baseUrl: t.url,
      tokenStore: 'memory',
    });
    const email = `operator-${randomUUID().slice(0, 8)}@example.com`;
    const signUp = await internalApp.signUpWithCredential({
      email,
      password: PASSWORD,
      noRedirect: true,
      verificationCallbackUrl: CALLBACK,
    });
    expect(signUp.status).toBe('ok');
    const operator = await internalApp.getUser({ or: 'throw' });
    expect(operator.selectedTeam?.displayName).toBe(`${email}'s Team`);

    const project = await operator.createProject({ displayName: 'SDK project', teamId: operator.selectedTeam!.id });
    expect(project.displayName).toBe('SDK project');
    expect(project.id).toMatch(/^[0-9a-f-]{36}$/);
    const owned = await operator.listOwnedProjects();
    expect(owned.map((p) => p.id)).toContain(project.id);

    const keys = await project.app.createInternalApiKey({
      description: 'sdk key',
      expiresAt: new Date(Date.now() + 3_600_000),
      hasPublishableClientKey: true,
      hasSecretServerKey: true,
      hasSuperSecretAdminKey: false,
    });
    expect(keys.publishableClientKey).toMatch(/^pck_/);
    expect(keys.secretServerKey).toMatch(/^ssk_/);

    const server = new sdk.StackServerApp({
      projectId: project.id,
      publishableClientKey: keys.publishableClientKey!,
      secretServerKey: keys.secretServerKey!,
      baseUrl: t.url,
      tokenStore: 'memory',
    });
    const userEmail = `app-user-${randomUUID().slice(0, 8)}@example.com`;
    const created = await server.createUser({ primaryEmail: userEmail, password: PASSWORD, primaryEmailAuthEnabled: true });
    expect(created.primaryEmail).toBe(userEmail);

    const client = new sdk.StackClientApp({
      projectId: project.id,
      publishableClientKey: keys.publishableClientKey!,
      baseUrl: t.url,
      tokenStore: 'memory',
    });
    expect((await client.signInWithCredential({ email: userEmail, password: PASSWORD, noRedirect: true })).status).toBe('ok');
    expect((await client.getUser({ or: 'throw' })).id).toBe(created.id);
    expect((await server.listUsers()).map((u) => u.id)).toEqual([created.id]);
  });
});
