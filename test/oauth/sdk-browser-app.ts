/**
 * A minimal browser app for the OAuth tests: @stackframe/js bundled for the browser (esbuild, once per run) and served
 * from http://localhost:<port> (a trusted origin, as Stack allows localhost), one page for every path, whose script
 * builds the StackClientApp with the cookie token store (as `window.app`) and, on the callback page, calls
 * `callOAuthCallback()` as Stack's prebuilt callback page does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';

export interface BrowserApp {
  origin: string;
  stop(): Promise<void>;
}

export interface BrowserAppOptions {
  /** The package to bundle (an alias in package.json: `stack-js-28108`, `stack-js-2839`). */
  sdkPackage: string;
  projectId: string;
  publishableClientKey: string;
  baseUrl: string;
}

async function bundle(sdkPackage: string): Promise<string> {
  const result = await build({
    stdin: { contents: `export { StackClientApp } from '${sdkPackage}';`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export async function startBrowserApp(options: BrowserAppOptions): Promise<BrowserApp> {
  const sdk = await bundle(options.sdkPackage);
  const config = JSON.stringify({
    projectId: options.projectId,
    publishableClientKey: options.publishableClientKey,
    baseUrl: options.baseUrl,
    tokenStore: 'cookie',
    // 2.8.39 does not redirect unless told how (2.8.102+ default to the window in a browser).
    redirectMethod: 'window',
    urls: { oauthCallback: '/handler/oauth-callback', afterSignIn: '/signed-in', afterSignUp: '/signed-up', error: '/handler/error' },
  });
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body>
<script>window.process = { env: {} };</script>
<script type="module">
import { StackClientApp } from '/sdk.js';
window.app = new StackClientApp(${config});
window.appReady = true;
if (location.pathname === '/handler/oauth-callback') {
  window.app.callOAuthCallback().then((result) => { window.oauthResult = result; }, (error) => {
    window.oauthError = String(error);
    console.error('callOAuthCallback failed', error);
  });
}
</script></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
