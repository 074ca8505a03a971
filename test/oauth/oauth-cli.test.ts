/**
 * `authsync oauth providers add|list|remove` against a running server's database: what is added is listed and
 * stored, the client secret never appears in the output, mistakes end with a clear message (exit 1, never an
 * internal error), and removal removes.
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { getOAuthProvider } from '../../src/oauth/provider-config.js';
import { runCli } from '../cli/run-cli.js';
import { useTestServer } from '../helpers/server.js';

const SECRET = 'gh-secret-not-to-be-printed-0123456789';

describe('authsync oauth providers', () => {
  const t = useTestServer({ mode: 'postgres' });
  let db: string[];
  beforeAll(() => {
    db = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
  });

  it('add stores the provider, prints the callback URL to register, and never the client secret', async () => {
    const res = await runCli([
      'oauth',
      'providers',
      'add',
      '--project',
      t.projectId,
      '--provider',
      'github',
      '--client-id',
      'gh-client',
      '--client-secret',
      SECRET,
      '--scope',
      'read:org',
      '--scope',
      'repo,gist',
      '--no-connected-accounts',
      '--json',
      ...db,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
    expect(JSON.parse(res.stdout)).toEqual({
      providerId: 'github',
      type: 'github',
      clientId: 'gh-client',
      clientSecretSet: true,
      issuerUrl: null,
      scopes: ['read:org', 'repo', 'gist'],
      allowSignIn: true,
      allowConnectedAccounts: false,
      callbackUrl: `${t.url}/api/v1/auth/oauth/callback/github`,
    });
    const stored = await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'github');
    expect(stored).toMatchObject({ clientSecret: SECRET, scopes: ['read:org', 'repo', 'gist'], allowConnectedAccounts: false });
  });

  it('add takes an OIDC provider by issuer URL; list shows both without secrets', async () => {
    const add = await runCli([
      'oauth',
      'providers',
      'add',
      '--project',
      t.projectId,
      '--provider',
      'keycloak',
      '--client-id',
      'kc',
      '--client-secret',
      'kc-secret-value',
      '--issuer-url',
      'https://sso.example.com/realms/app',
      '--no-sign-in',
      ...db,
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`Register ${t.url}/api/v1/auth/oauth/callback/keycloak as the redirect URI`);
    expect(add.stdout).not.toContain('kc-secret-value');

    const json = await runCli(['oauth', 'providers', 'list', '--project', t.projectId, '--json', ...db]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((p) => [p.providerId, p.type, p.allowSignIn, p.clientSecretSet])).toEqual([
      ['github', 'github', true, true],
      ['keycloak', 'oidc', false, true],
    ]);
    expect(listed[1]!.issuerUrl).toBe('https://sso.example.com/realms/app');

    const text = await runCli(['oauth', 'providers', 'list', '--project', t.projectId, ...db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/client secret\s+set/);
    expect(text.stdout).not.toContain(SECRET);
    expect(text.stdout).not.toContain('kc-secret-value');
  });

  it('add --client-secret - reads the secret from standard input', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'oauth',
        'providers',
        'add',
        '--project',
        t.projectId,
        '--provider',
        'google',
        '--client-id',
        'g',
        '--client-secret',
        '-',
        ...db,
      ],
      { env: { ...process.env, AUTHSYNC_LOG_LEVEL: 'silent', AUTHSYNC_SECRET: '', DATABASE_URL: '' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdin.end('secret-from-stdin\n');
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).not.toContain('secret-from-stdin');
    const stored = await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'google');
    expect(stored?.clientSecret).toBe('secret-from-stdin');
    await runCli(['oauth', 'providers', 'remove', '--project', t.projectId, '--provider', 'google', ...db]);
  });

  it('refuses bad input with a clear message and exit code 1', async () => {
    const add = (...args: string[]) =>
      runCli(['oauth', 'providers', 'add', '--project', t.projectId, '--client-id', 'c', '--client-secret', 's', ...args, ...db]);
    const cases: Array<[string[], RegExp]> = [
      [['--provider', 'okta'], /OpenID Connect provider: give its issuer URL/],
      [['--provider', 'Bad ID'], /provider ID must be 1 to 64 characters/],
      [['--provider', 'google', '--issuer-url', 'https://accounts.google.com'], /fixed endpoints/],
      [['--provider', 'x', '--type', 'facebook'], /provider type must be one of/],
      [['--provider', 'okta', '--issuer-url', 'http://sso.example.com'], /must use https/],
    ];
    for (const [args, message] of cases) {
      const res = await add(...args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toContain('internal error');
    }
    const unknown = await runCli(['oauth', 'providers', 'list', '--project', '00000000-0000-4000-8000-000000000000', ...db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No project with the ID/);
  });

  it('remove removes the provider, and says so when there is none', async () => {
    const removed = await runCli(['oauth', 'providers', 'remove', '--project', t.projectId, '--provider', 'keycloak', ...db]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'keycloak')).toBeUndefined();
    const again = await runCli(['oauth', 'providers', 'remove', '--project', t.projectId, '--provider', 'keycloak', ...db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/has no OAuth provider keycloak/);
  });
});
