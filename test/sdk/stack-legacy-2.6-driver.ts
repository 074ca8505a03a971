/**
 * Runs the real @stackframe/stack 2.6.8 (the SDK generation of Neon's Legacy Neon Auth demo app) against an
 * authsync server, in a child process started by stack-legacy-2.6.test.ts:
 *
 *   node --import tsx test/sdk/stack-legacy-2.6-driver.ts
 *
 * Why a child process: 2.6.8's ESM build imports its own files without extensions ("./lib/stack-app"), which
 * Node's ESM loader refuses and vitest's externalised imports too; tsx's resolver accepts them. No
 * `--conditions=react-server`: nothing in 2.6.8 imports `server-only`, and under that condition React's
 * server entry (no hooks) is picked, so the package index, which also exports the client components, fails.
 *
 * Configuration comes from the environment, as in a Legacy app: NEXT_PUBLIC_STACK_URL (2.6.x reads only this
 * one for the base URL), NEXT_PUBLIC_STACK_PROJECT_ID, NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY and
 * STACK_SECRET_SERVER_KEY. LEGACY_* variables carry the test's own inputs. The driver prints one JSON object
 * on its last stdout line: the outcome of every step and a log of every request the SDK sent.
 */
import { randomUUID } from 'node:crypto';

/** The driver's report, printed as JSON on its last stdout line; the test reads it with these types. */
export interface Step {
  ok: boolean;
  value?: unknown;
  error?: { code: string | null; name: string; message: string };
}
export interface LoggedRequest {
  phase: string;
  method: string;
  origin: string;
  path: string;
  headers: string[];
  accessType: string | null;
  clientVersion: string | null;
  contentType: string | null;
  bodyKeys: string[];
  status: number;
  actualStatus: string | null;
  knownError: string | null;
}
export interface Report {
  email: string;
  steps: Record<string, Step>;
  redirects: string[];
  requests: LoggedRequest[];
}

const env = process.env;
const requests: LoggedRequest[] = [];
const steps: Record<string, Step> = {};
const redirects: string[] = [];
let phase = 'load';

// Record what the SDK sends (header names, never values), and what comes back.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text();
  let bodyKeys: string[] = [];
  if (body) {
    try {
      bodyKeys = Object.keys(JSON.parse(body) as object).sort();
    } catch {
      bodyKeys = [...new URLSearchParams(body).keys()].sort();
    }
  }
  const response = await realFetch(request);
  const headers: string[] = [];
  request.headers.forEach((_value, name) => headers.push(name));
  requests.push({
    phase,
    method: request.method,
    origin: url.origin,
    path: url.pathname + url.search,
    headers: headers.sort(),
    accessType: request.headers.get('x-stack-access-type'),
    clientVersion: request.headers.get('x-stack-client-version'),
    contentType: request.headers.get('content-type'),
    bodyKeys,
    status: response.status,
    actualStatus: response.headers.get('x-stack-actual-status'),
    knownError: response.headers.get('x-stack-known-error'),
  });
  return response;
};

// 2.6.8 builds the e-mail verification callback URL from window.location.href on sign-up, and redirects
// through window.location after sign-out: in an app both run in the browser, on one of the app's pages. A
// location object (and no `document`, so the SDK still does not take this for a browser) stands in for it.
const location = {
  href: 'http://localhost:3000/handler/sign-up',
  search: '',
  assign: (url: string | URL) => void redirects.push(String(url)),
  replace: (url: string | URL) => void redirects.push(String(url)),
};
Object.assign(globalThis, { window: { location } });

const { StackClientApp, StackServerApp } = await import('stack-next-268');

const EMAIL_VERIFICATION = 'http://localhost:3000/handler/email-verification';

function errorInfo(error: unknown): { code: string | null; name: string; message: string } {
  const e = error as { errorCode?: unknown; name?: unknown; message?: unknown };
  let code: string | null;
  try {
    code = typeof e?.errorCode === 'string' ? e.errorCode : null;
  } catch {
    // 2.6.8's errorCode getter throws for a KnownError built without a code.
    code = null;
  }
  return { code, name: String(e?.name ?? typeof error), message: String(e?.message ?? error).slice(0, 300) };
}

/** Runs one step and records its value, or the error it threw. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    const value = await run();
    steps[name] = { ok: true, value: value === undefined ? null : value };
    return value;
  } catch (error) {
    steps[name] = { ok: false, error: errorInfo(error) };
    return undefined;
  }
}

function resultInfo(result: { status: 'ok' } | { status: 'error'; error: unknown }) {
  return result.status === 'ok' ? { status: 'ok' } : { status: 'error', code: errorInfo(result.error).code };
}

const password = 'correct horse battery';
const email = `legacy-${randomUUID()}@example.com`;
const projectId = env.NEXT_PUBLIC_STACK_PROJECT_ID!;

// ---------------------------------------------------------------------------------------------------------
// Phase "env": every app configured from the environment only, as the Legacy demo app does.
phase = 'env';
const envClient = () => new StackClientApp({ tokenStore: 'memory', urls: { emailVerification: EMAIL_VERIFICATION } });
const envServer = () => new StackServerApp({ tokenStore: 'memory', urls: { emailVerification: EMAIL_VERIFICATION } });

const client = envClient();
await step('signedOutGetUser', async () => client.getUser());
await step('signUp', async () => resultInfo(await client.signUpWithCredential({ email, password, noRedirect: true })));
const user = await step('getUserAfterSignUp', async () => {
  const u = await client.getUser();
  return u && { id: u.id, primaryEmail: u.primaryEmail, displayName: u.displayName, hasPassword: u.hasPassword };
});
await step('duplicateSignUp', async () => resultInfo(await envClient().signUpWithCredential({ email, password, noRedirect: true })));
await step('shortPassword', async () =>
  resultInfo(await envClient().signUpWithCredential({ email: `short-${randomUUID()}@example.com`, password: 'short', noRedirect: true })),
);
const authJson = await step('getAuthJson', async () => (await client.getUser())!.getAuthJson());
await step('update', async () => {
  await (await client.getUser())!.update({ displayName: 'Legacy Alice', clientMetadata: { theme: 'dark' } });
  const u = await client.getUser();
  return { displayName: u?.displayName, clientMetadata: u?.clientMetadata };
});
// What the prebuilt pages read: the sign-in/sign-up pages the project's config, account settings the teams.
await step('getProject', async () => {
  const project = await client.getProject();
  return { id: project.id, config: project.config };
});
await step('listTeams', async () => (await (await client.getUser())!.listTeams()).map((team) => team.id));
await step('unknownProject', async () => {
  const app = new StackClientApp({ projectId: randomUUID(), tokenStore: 'memory' });
  return (await app.getProject()).id;
});

await step('signOut', async () => {
  await (await client.getUser())!.signOut();
  return { redirects: [...redirects] };
});
await step('getUserAfterSignOut', async () => client.getUser());
// The signed-out refresh token no longer works, from a fresh app either.
await step('revokedRefreshToken', async () => {
  const u = await envServer().getUser({ tokenStore: { accessToken: 'revoked-session', refreshToken: authJson!.refreshToken! } });
  return u && u.id;
});

await step('wrongPassword', async () =>
  resultInfo(await envClient().signInWithCredential({ email, password: 'wrong horse battery', noRedirect: true })),
);
await step('unknownEmail', async () =>
  resultInfo(await envClient().signInWithCredential({ email: `nobody-${randomUUID()}@example.com`, password, noRedirect: true })),
);
const again = envClient();
await step('signIn', async () => resultInfo(await again.signInWithCredential({ email, password, noRedirect: true })));
await step('getUserAfterSignIn', async () => {
  const u = await again.getUser();
  return u && { id: u.id, displayName: u.displayName, clientMetadata: u.clientMetadata };
});
const signedInAuth = await step('getAuthJsonAfterSignIn', async () => (await again.getUser())!.getAuthJson());

// StackServerApp: the user's session in the ways an app's backend hands it over.
const server = envServer();
await step('serverGetUserByTokens', async () => {
  const u = await server.getUser({ tokenStore: { accessToken: signedInAuth!.accessToken!, refreshToken: signedInAuth!.refreshToken! } });
  return u && { id: u.id, primaryEmail: u.primaryEmail, serverMetadata: u.serverMetadata };
});
await step('serverGetUserByAuthHeader', async () => {
  const headers = new Headers({ 'x-stack-auth': JSON.stringify(signedInAuth) });
  return (await server.getUser({ tokenStore: { headers } }))?.id ?? null;
});
// A Next.js request's cookies as 2.6.8 writes them in the browser: 2.6.8 reads the JSON `stack-access` value
// whole as the access token, the server cannot parse it, and the SDK refreshes with `stack-refresh-<id>`.
await step('serverGetUserByCookies', async () => {
  const cookie = `stack-refresh-${projectId}=${signedInAuth!.refreshToken}; stack-access=${encodeURIComponent(
    JSON.stringify([signedInAuth!.refreshToken, signedInAuth!.accessToken]),
  )}`;
  return (await server.getUser({ tokenStore: { headers: new Headers({ cookie }) } }))?.id ?? null;
});
// An expired access token with a live refresh token (minted by the test): refresh through /auth/oauth/token.
await step('clientExpiredAccessToken', async () => {
  const c = new StackClientApp({
    tokenStore: { accessToken: env.LEGACY_EXPIRED_ACCESS_TOKEN!, refreshToken: env.LEGACY_PRESET_REFRESH_TOKEN! },
  });
  const u = await c.getUser();
  const tokens = u && (await u.getAuthJson());
  return u && { id: u.id, accessTokenChanged: tokens?.accessToken !== env.LEGACY_EXPIRED_ACCESS_TOKEN };
});
await step('serverExpiredAccessToken', async () => {
  const u = await server.getUser({
    tokenStore: { accessToken: env.LEGACY_EXPIRED_ACCESS_TOKEN!, refreshToken: env.LEGACY_PRESET_REFRESH_TOKEN! },
  });
  return u?.id ?? null;
});

// StackServerApp: user management. 2.6.8's getUser(id) lists every user (GET /users, no paging) and picks one.
const tag = randomUUID().slice(0, 8);
const bob = await step('createUser', async () => {
  const u = await server.createUser({ primaryEmail: `bob-${tag}@example.com`, password: 'bob-password-1', displayName: `Bob ${tag}` });
  return { id: u.id, primaryEmail: u.primaryEmail, displayName: u.displayName };
});
await step('createDuplicateUser', async () => {
  await server.createUser({ primaryEmail: `bob-${tag}@example.com`, password: 'bob-password-2' });
  return 'created';
});
await step('listUsers', async () => (await server.listUsers()).map((u) => u.id));
await step('getUserById', async () => {
  const u = await server.getUser(user!.id);
  return u && { id: u.id, primaryEmail: u.primaryEmail, displayName: u.displayName };
});
await step('getUnknownUserById', async () => server.getUser(randomUUID()));
await step('createdUserSignsIn', async () =>
  resultInfo(await envClient().signInWithCredential({ email: `bob-${tag}@example.com`, password: 'bob-password-1', noRedirect: true })),
);
await step('updateUser', async () => {
  const u = await server.getUser(bob!.id);
  await u!.update({ displayName: 'Robert', serverMetadata: { plan: 'team' } });
  const fresh = await envServer().getUser(bob!.id);
  return fresh && { displayName: fresh.displayName, serverMetadata: fresh.serverMetadata };
});
await step('deleteUser', async () => {
  const u = await envServer().getUser(bob!.id);
  await u!.delete();
  return (await envServer().getUser(bob!.id))?.id ?? null;
});
await step('wrongSecretServerKey', async () => {
  const bad = new StackServerApp({ tokenStore: 'memory', secretServerKey: 'ssk_wrong_wrong_wrong_wrong' });
  return (await bad.listUsers()).length;
});

// ---------------------------------------------------------------------------------------------------------
// Phase "explicit": options passed to the constructors, with the NEXT_PUBLIC_STACK_* variables removed.
phase = 'explicit';
const explicit = {
  projectId: env.LEGACY_PROJECT_ID!,
  publishableClientKey: env.LEGACY_PUBLISHABLE_CLIENT_KEY!,
  baseUrl: env.LEGACY_BASE_URL!,
};
delete env.NEXT_PUBLIC_STACK_URL;
delete env.NEXT_PUBLIC_STACK_PROJECT_ID;
delete env.NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY;
delete env.STACK_SECRET_SERVER_KEY;
const explicitClient = new StackClientApp({ ...explicit, tokenStore: 'memory', urls: { emailVerification: EMAIL_VERIFICATION } });
await step('explicitSignIn', async () => resultInfo(await explicitClient.signInWithCredential({ email, password, noRedirect: true })));
await step('explicitGetUser', async () => (await explicitClient.getUser())?.id ?? null);
await step('explicitSignOut', async () => {
  await (await explicitClient.getUser())!.signOut();
  return (await explicitClient.getUser())?.id ?? null;
});
await step('explicitServerGetUserById', async () => {
  const s = new StackServerApp({ ...explicit, secretServerKey: env.LEGACY_SECRET_SERVER_KEY!, tokenStore: 'memory' });
  return (await s.getUser(user!.id))?.primaryEmail ?? null;
});

const report: Report = { email, steps, redirects, requests };
process.stdout.write(`\n${JSON.stringify(report)}\n`);
process.exit(0);
