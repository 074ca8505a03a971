/**
 * A user's country is recorded at sign-up from the geo header of the proxy in front of authsync (`x-vercel-ip-country`,
 * else `cf-ipcountry`), and only when a trusted proxy is configured (AUTHSYNC_TRUSTED_PROXY_HOPS > 0): a client talking
 * to authsync directly cannot set its own country by sending the header.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countryCodeOf } from '../../src/http/peer.js';
import { updateProject } from '../../src/projects/projects.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { api, clientHeaders, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';

const ALLOW_ANONYMOUS = { 'x-stack-allow-anonymous-user': 'true' };

async function countryOf(t: TestServer, userId: string): Promise<string | null> {
  const res = await api(t, 'GET', `/users/${userId}`, { headers: serverHeaders(t) });
  expect(res.status, res.text).toBe(200);
  return res.json.country_code as string | null;
}

async function passwordSignUp(t: TestServer, headers: Record<string, string>, token?: string): Promise<string> {
  const res = await api(t, 'POST', '/auth/password/sign-up', {
    headers: clientHeaders(t, { ...headers, ...(token ? { ...ALLOW_ANONYMOUS, 'x-stack-access-token': token } : {}) }),
    body: { email: uniqueEmail('geo'), password: PASSWORD },
  });
  expect(res.status, res.text).toBe(200);
  return res.json.user_id as string;
}

async function anonymousSignUp(t: TestServer, headers: Record<string, string>): Promise<{ userId: string; accessToken: string }> {
  const res = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t, headers) });
  expect(res.status, res.text).toBe(200);
  return { userId: res.json.user_id as string, accessToken: res.json.access_token as string };
}

describe('country code without a trusted proxy', () => {
  const t = useTestServer();

  it('ignores the geo headers a client sends itself', async () => {
    const geo = { 'x-vercel-ip-country': 'US', 'cf-ipcountry': 'CH' };
    expect(await countryOf(t, await passwordSignUp(t, geo))).toBeNull();
    expect(await countryOf(t, (await anonymousSignUp(t, geo)).userId)).toBeNull();
    const metrics = await api(t, 'GET', '/internal/metrics', {
      headers: {
        'x-stack-access-type': 'admin',
        'x-stack-project-id': t.projectId,
        'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
      },
    });
    expect(metrics.json.users_by_country).toEqual({});
  });
});

const CALLBACK = 'http://localhost:3000/handler/magic-link-callback';

/** A new user made by an e-mail code sign-in: the request for the code carrying `sendHeaders`, the sign-in `headers`. */
async function codeSignUp(t: TestServer, headers: Record<string, string>, sendHeaders: Record<string, string> = {}): Promise<string> {
  const email = uniqueEmail('geo-otp');
  const sent = await api(t, 'POST', '/auth/otp/send-sign-in-code', {
    headers: clientHeaders(t, sendHeaders),
    body: { email, callback_url: CALLBACK },
  });
  expect(sent.status, sent.text).toBe(200);
  const mail = await waitForMail(t, email, { subject: 'Sign in to' });
  const res = await api(t, 'POST', '/auth/otp/sign-in', {
    headers: clientHeaders(t, headers),
    body: { code: linkCode(mail.text, CALLBACK) },
  });
  expect(res.status, res.text).toBe(200);
  expect(res.json.is_new_user).toBe(true);
  return res.json.user_id as string;
}

describe('country code behind a trusted proxy', () => {
  const t = useTestServer({ env: { AUTHSYNC_TRUSTED_PROXY_HOPS: '1' } });
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  it("records the proxy's country at sign-up, Vercel's header first", async () => {
    expect(await countryOf(t, await passwordSignUp(t, { 'x-vercel-ip-country': 'us', 'cf-ipcountry': 'DE' }))).toBe('US');
    expect(await countryOf(t, await passwordSignUp(t, { 'cf-ipcountry': 'DE' }))).toBe('DE');
    // Not a country: Cloudflare's "unknown", or not two letters.
    expect(await countryOf(t, await passwordSignUp(t, { 'cf-ipcountry': 'XX' }))).toBeNull();
    expect(await countryOf(t, await passwordSignUp(t, { 'x-vercel-ip-country': 'USA' }))).toBeNull();
    expect(await countryOf(t, await passwordSignUp(t, {}))).toBeNull();
    // An e-mail code sign-up takes the country of the request that asked for the code, else its own.
    expect(await countryOf(t, await codeSignUp(t, { 'cf-ipcountry': 'US' }, { 'cf-ipcountry': 'CA' }))).toBe('CA');
    expect(await countryOf(t, await codeSignUp(t, { 'cf-ipcountry': 'NZ' }))).toBe('NZ');
  });

  it("keeps an anonymous user's country when it becomes a real account, and takes one it lacked", async () => {
    const canadian = await anonymousSignUp(t, { 'cf-ipcountry': 'CA' });
    expect(await countryOf(t, canadian.userId)).toBe('CA');
    expect(await passwordSignUp(t, { 'cf-ipcountry': 'FR' }, canadian.accessToken)).toBe(canadian.userId);
    expect(await countryOf(t, canadian.userId)).toBe('CA');

    const unknown = await anonymousSignUp(t, {});
    expect(await passwordSignUp(t, { 'cf-ipcountry': 'FR' }, unknown.accessToken)).toBe(unknown.userId);
    expect(await countryOf(t, unknown.userId)).toBe('FR');
  });

  it('does not change the country at sign-in', async () => {
    const email = uniqueEmail('geo');
    const up = await api(t, 'POST', '/auth/password/sign-up', {
      headers: clientHeaders(t, { 'cf-ipcountry': 'JP' }),
      body: { email, password: PASSWORD },
    });
    const userId = up.json.user_id as string;
    const signIn = await api(t, 'POST', '/auth/password/sign-in', {
      headers: clientHeaders(t, { 'cf-ipcountry': 'BR' }),
      body: { email, password: PASSWORD },
    });
    expect(signIn.status, signIn.text).toBe(200);
    expect(await countryOf(t, userId)).toBe('JP');
  });
});

describe('countryCodeOf', () => {
  it('reads the geo headers only with trusted proxies', () => {
    const headers = new Headers({ 'cf-ipcountry': ' ch ' });
    expect(countryCodeOf(headers, 0)).toBeNull();
    expect(countryCodeOf(headers, 1)).toBe('CH');
    expect(countryCodeOf(new Headers({ 'x-vercel-ip-country': '12', 'cf-ipcountry': 'AQ' }), 2)).toBe('AQ');
    expect(countryCodeOf(new Headers(), 1)).toBeNull();
  });
});
