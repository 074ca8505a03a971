/**
 * The real Stack SDK (@stackframe/js) against authsync, at the oldest and newest versions the registry
 * serves (2.8.39 sends x-stack-* headers, 2.8.108 only x-hexclave-*), on PostgreSQL and on PGlite.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sdk2839 from 'stack-js-2839';
import * as sdk28108 from 'stack-js-28108';
import { describeOnEachStore, type TestServer } from '../helpers/server.js';

type Sdk = typeof sdk28108;
const versions: Array<[string, Sdk]> = [
  ['2.8.39', sdk2839 as unknown as Sdk],
  ['2.8.108', sdk28108],
];
// Outside browsers the SDK needs the e-mail verification callback URL spelled out.
const CALLBACK = { verificationCallbackUrl: 'http://localhost:3000/handler/email-verification' };

describeOnEachStore('Stack SDK on %s', (t) => {
  describe.each(versions)('@stackframe/js %s', (_version, sdk) => {
    const clientApp = () =>
      new sdk.StackClientApp({
        projectId: t.projectId,
        publishableClientKey: t.keys.publishableClientKey,
        baseUrl: t.url,
        tokenStore: 'memory',
        urls: { emailVerification: 'http://localhost:3000/handler/email-verification' },
      });
    const serverApp = (secretServerKey = t.keys.secretServerKey) =>
      new sdk.StackServerApp({
        projectId: t.projectId,
        publishableClientKey: t.keys.publishableClientKey,
        secretServerKey,
        baseUrl: t.url,
        tokenStore: 'memory',
        urls: { emailVerification: 'http://localhost:3000/handler/email-verification' },
      });

    it('signs up, refuses a duplicate and a short password, signs in, updates, refreshes and signs out', async () => {
      const email = `alice-${randomUUID()}@example.com`;
      const client = clientApp();
      expect(await client.getUser()).toBeNull();

      const signUp = await client.signUpWithCredential({ email, password: 'correct horse battery', noRedirect: true, ...CALLBACK });
      expect(signUp.status).toBe('ok');
      const user = await client.getUser();
      expect(user?.primaryEmail).toBe(email);

      const duplicate = await clientApp().signUpWithCredential({ email, password: 'correct horse battery', noRedirect: true, ...CALLBACK });
      expect(duplicate.status).toBe('error');
      expect(duplicate.status === 'error' && duplicate.error.errorCode).toBe('USER_EMAIL_ALREADY_EXISTS');

      const short = await clientApp().signUpWithCredential({
        email: `short-${randomUUID()}@example.com`,
        password: 'short',
        noRedirect: true,
        ...CALLBACK,
      });
      expect(short.status === 'error' && short.error.errorCode).toBe('PASSWORD_TOO_SHORT');

      const auth = await user!.getAuthJson();
      expect(auth.accessToken).toMatch(/^ey/);
      expect(auth.refreshToken).toMatch(/^[a-z2-7]{45}$/);

      await user!.update({ displayName: 'Alice', clientMetadata: { theme: 'dark' } });
      const updated = await client.getUser();
      expect(updated?.displayName).toBe('Alice');
      expect(updated?.clientMetadata).toEqual({ theme: 'dark' });

      await updated!.signOut({ redirectUrl: 'http://localhost:3000' } as never).catch(() => undefined);
      expect(await client.getUser()).toBeNull();

      const wrong = await clientApp().signInWithCredential({ email, password: 'wrong horse battery', noRedirect: true, ...CALLBACK });
      expect(wrong.status === 'error' && wrong.error.errorCode).toBe('EMAIL_PASSWORD_MISMATCH');

      const again = clientApp();
      const signIn = await again.signInWithCredential({ email, password: 'correct horse battery', noRedirect: true, ...CALLBACK });
      expect(signIn.status).toBe('ok');
      const signedIn = await again.getUser();
      expect(signedIn?.id).toBe(user!.id);
      expect(signedIn?.displayName).toBe('Alice');

      const project = await again.getProject();
      expect(project.id).toBe(t.projectId);
    });

    it('refreshes the access token after it expires', async () => {
      const email = `refresh-${randomUUID()}@example.com`;
      const client = clientApp();
      expect((await client.signUpWithCredential({ email, password: 'correct horse battery', noRedirect: true, ...CALLBACK })).status).toBe(
        'ok',
      );
      const user = await client.getUser();
      const { refreshToken } = await user!.getAuthJson();
      // An expired access token with a live refresh token: the SDK must go through /auth/oauth/token.
      const expired = await mintExpiredToken(t, user!.id);
      const restored = await serverApp().getUser({ tokenStore: { accessToken: expired, refreshToken: refreshToken! } });
      expect(restored?.id).toBe(user!.id);
    });

    it('manages users with StackServerApp', async () => {
      const server = serverApp();
      const tag = randomUUID().slice(0, 8);
      const bob = await server.createUser({
        primaryEmail: `bob-${tag}@example.com`,
        password: 'bob-password-1',
        primaryEmailAuthEnabled: true,
        displayName: `Bob ${tag}`,
        serverMetadata: { plan: 'pro' },
      });
      expect(bob.primaryEmail).toBe(`bob-${tag}@example.com`);
      expect(bob.serverMetadata).toEqual({ plan: 'pro' });
      await server.createUser({ primaryEmail: `carol-${tag}@example.com`, displayName: `Carol ${tag}` });

      await expect(
        server.createUser({ primaryEmail: `bob-${tag}@example.com`, primaryEmailAuthEnabled: true, password: 'bob-password-2' }),
      ).rejects.toThrow();

      const found = await server.listUsers({ query: tag });
      expect(found.map((u) => u.displayName).sort()).toEqual([`Bob ${tag}`, `Carol ${tag}`]);
      const firstPage = await server.listUsers({ query: tag, limit: 1 });
      expect(firstPage).toHaveLength(1);
      expect(firstPage.nextCursor).toBeTruthy();
      const secondPage = await server.listUsers({ query: tag, limit: 1, cursor: firstPage.nextCursor! });
      expect(secondPage).toHaveLength(1);
      expect(secondPage[0]!.id).not.toBe(firstPage[0]!.id);

      const fetched = await server.getUser(bob.id);
      expect(fetched?.displayName).toBe(`Bob ${tag}`);

      // The user's own session, read by the server with the user's tokens.
      const client = clientApp();
      expect(
        (await client.signInWithCredential({ email: `bob-${tag}@example.com`, password: 'bob-password-1', noRedirect: true, ...CALLBACK }))
          .status,
      ).toBe('ok');
      const tokens = await (await client.getUser())!.getAuthJson();
      const viaTokens = await server.getUser({ tokenStore: { accessToken: tokens.accessToken!, refreshToken: tokens.refreshToken! } });
      expect(viaTokens?.id).toBe(bob.id);
      expect(viaTokens?.serverMetadata).toEqual({ plan: 'pro' });

      await fetched!.update({ displayName: 'Robert', serverMetadata: { plan: 'team' } });
      const renamed = await server.getUser(bob.id);
      expect(renamed?.displayName).toBe('Robert');
      expect(renamed?.serverMetadata).toEqual({ plan: 'team' });

      await renamed!.delete();
      expect(await server.getUser(bob.id)).toBeNull();
      expect(await server.getUser(randomUUID())).toBeNull();
    });

    it('rejects a wrong secret server key', async () => {
      await expect(serverApp('ssk_wrong_wrong_wrong_wrong').listUsers()).rejects.toThrow();
    });
  });
});

/** An access token of the project, for the user, that expired a minute ago (signed with the real key). */
async function mintExpiredToken(t: TestServer, userId: string): Promise<string> {
  const { signEs256 } = await import('../../src/crypto/es256.js');
  const { issuerFor } = await import('../../src/auth/access-tokens.js');
  const signer = await t.server.ctx.directory.signingKey(t.projectId, 'default');
  const now = Math.floor(Date.now() / 1000);
  return signEs256(
    {
      sub: userId,
      branch_id: 'main',
      refresh_token_id: randomUUID(),
      iss: issuerFor(t.server.ctx.config.baseUrl, t.projectId, 'default'),
      iat: now - 700,
      aud: t.projectId,
      exp: now - 60,
      project_id: t.projectId,
      role: 'authenticated',
      name: null,
      email: null,
      email_verified: false,
      selected_team_id: null,
      signed_up_at: now - 700,
      is_anonymous: false,
      is_restricted: false,
      restricted_reason: null,
      requires_totp_mfa: false,
    },
    signer!.kid,
    signer!.key,
  );
}
