/**
 * @stackframe/js at the oldest and newest 2.8 versions authsync supports (npm aliases), for `describe.each`, and
 * the SDK's client and server apps pointed at a test server. Each call makes a new app, so no SDK cache is shared
 * between the users of one test.
 */
import * as sdk2839 from 'stack-js-2839';
import * as sdk28108 from 'stack-js-28108';
import type { TestServer } from './server.js';

export type StackJs = typeof sdk28108;

export const STACK_JS_VERSIONS: Array<[string, StackJs]> = [
  ['2.8.39', sdk2839 as unknown as StackJs],
  ['2.8.108', sdk28108],
];

type Urls = NonNullable<ConstructorParameters<StackJs['StackClientApp']>[0]['urls']>;

export function stackJsApps(t: TestServer, sdk: StackJs, options: { urls?: Urls } = {}) {
  // Read at call time: the test server's fields are filled in by its beforeAll.
  const common = () => ({
    projectId: t.projectId,
    publishableClientKey: t.keys.publishableClientKey,
    baseUrl: t.url,
    tokenStore: 'memory' as const,
  });
  return {
    clientApp: () => new sdk.StackClientApp({ ...common(), ...(options.urls ? { urls: options.urls } : {}) }),
    serverApp: () => new sdk.StackServerApp({ ...common(), secretServerKey: t.keys.secretServerKey }),
    adminApp: () =>
      new sdk.StackAdminApp({ ...common(), secretServerKey: t.keys.secretServerKey, superSecretAdminKey: t.keys.superSecretAdminKey }),
  };
}
