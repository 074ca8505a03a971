/**
 * Seeded random garbage on every endpoint: bodies of every JSON type (and not JSON), odd content types,
 * random header combinations and tokens. Nothing may answer 5xx, and every known error must be well formed
 * (header = body code, a string message). The seed is printed on failure so a case can be replayed.
 */
import { beforeAll, expect, it } from 'vitest';
import { apiEndpoints } from '../../src/api/routes/index.js';
import { describeOnEachStore } from '../helpers/server.js';
import { signUp } from './support.js';

const REQUESTS_PER_ENDPOINT = 25;

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeOnEachStore('fuzzing every endpoint on %s', (t) => {
  let token: string;
  let refreshToken: string;
  let userId: string;
  beforeAll(async () => {
    const user = await signUp(t);
    token = user.accessToken;
    refreshToken = user.refreshToken;
    userId = user.userId;
  });

  it('never answers 5xx', { timeout: 240_000 }, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const strings = () =>
      pick([
        '',
        'a',
        'alice@example.com',
        'x'.repeat(300),
        'y'.repeat(5000),
        '\u0000',
        'ü€😀',
        '\ud800',
        '<script>',
        "'; DROP TABLE authsync.users; --",
        '%00',
        'me',
        userId,
        t.projectId,
        '3b241101-e2bb-4255-8caf-4136c566a962',
        'true',
        '-1',
        'NaN',
        '1e309',
        token,
        refreshToken,
      ]);
    const value = (depth: number): unknown => {
      switch (Math.floor(random() * (depth > 3 ? 5 : 7))) {
        case 0:
          return null;
        case 1:
          return random() < 0.5;
        case 2:
          return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 70, 71, 8]);
        case 3:
          return strings();
        case 4:
          return strings();
        case 5:
          return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
        default: {
          const fields = [
            'email',
            'password',
            'display_name',
            'primary_email',
            'client_metadata',
            'server_metadata',
            'password_hash',
            'user_id',
            'events',
            'grant_type',
            'refresh_token',
            'client_id',
            'client_secret',
            'is_anonymous',
            'primary_email_auth_enabled',
            'risk_scores',
            'expires_in_millis',
            'country_code',
            'selected_team_id',
            'profile_image_url',
            '__proto__',
            'constructor',
          ];
          return Object.fromEntries(Array.from({ length: Math.floor(random() * 6) }, () => [pick(fields), value(depth + 1)]));
        }
      }
    };
    const headerSets = (): Record<string, string> => {
      const prefix = pick(['x-stack-', 'x-hexclave-']);
      const headers: Record<string, string> = {};
      const maybe = (name: string, values: string[]) => {
        if (random() < 0.6) headers[prefix + name] = pick(values);
      };
      maybe('access-type', ['client', 'server', 'admin', 'root', '', 'CLIENT']);
      maybe('project-id', [t.projectId, t.projectId.toUpperCase(), 'internal', '3b241101-e2bb-4255-8caf-4136c566a962', 'x']);
      maybe('publishable-client-key', [t.keys.publishableClientKey, 'wrong']);
      maybe('secret-server-key', [t.keys.secretServerKey, 'wrong']);
      maybe('super-secret-admin-key', [t.keys.superSecretAdminKey, 'wrong']);
      maybe('access-token', [token, 'garbage', token.slice(0, -3), 'a.b.c', `${token.split('.')[0]}.e30.AAAA`]);
      maybe('refresh-token', [refreshToken, 'nope']);
      maybe('branch-id', ['main', 'dev']);
      maybe('allow-anonymous-user', ['true', 'false']);
      maybe('override-error-status', ['true']);
      return headers;
    };

    const failures: string[] = [];
    for (const endpoint of apiEndpoints) {
      for (let i = 0; i < REQUESTS_PER_ENDPOINT; i++) {
        const path = endpoint.path.replace(
          /:(\w+)/g,
          () => encodeURIComponent(pick(['me', userId, 'nope', '3b241101-e2bb-4255-8caf-4136c566a962', t.projectId, '%00', ''])) || 'x',
        );
        const query =
          random() < 0.5
            ? ''
            : `?${new URLSearchParams(Object.fromEntries(Array.from({ length: 3 }, () => [pick(['limit', 'cursor', 'desc', 'query', 'include_anonymous', 'user_id', 'team_id', 'only_anonymous']), String(value(3))]))).toString()}`;
        const contentType = pick([
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/octet-stream',
          'multipart/form-data',
          'application/xml',
          '',
        ]);
        const body =
          endpoint.method === 'GET'
            ? undefined
            : random() < 0.15
              ? pick(['{', 'not json', '\u0000', '[]', 'a=1&b=2', '{"email":"a@b.co"'])
              : JSON.stringify(value(0));
        const headers = { ...headerSets(), ...(contentType ? { 'content-type': contentType } : {}) };
        const description = `seed ${seed}: ${endpoint.method} ${path}${query} ${JSON.stringify(headers)} ${body?.slice(0, 200)}`;
        let response: Response;
        try {
          response = await fetch(`${t.apiUrl}${path}${query}`, {
            method: endpoint.method,
            headers,
            ...(body !== undefined ? { body } : {}),
          });
        } catch (error) {
          failures.push(`${description} → fetch failed: ${(error as Error).message}`);
          continue;
        }
        const text = await response.text();
        if (response.status >= 500) failures.push(`${description} → ${response.status} ${text}`);
        const code = response.headers.get('x-stack-known-error');
        if (code) {
          const parsed = JSON.parse(text) as { code?: string; error?: unknown };
          if (parsed.code !== code || typeof parsed.error !== 'string') failures.push(`${description} → malformed known error ${text}`);
        }
      }
    }
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
    // The server is still healthy afterwards.
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });
});
