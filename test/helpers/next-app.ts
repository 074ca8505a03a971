/**
 * A real Next.js app from test/fixtures/<name>, built (`next build`) and served (`next start`) for browser tests.
 *
 * The fixture is copied to a directory under the system's temp dir, beside a node_modules of links into the
 * repository's: `next` is the copy of Next the fixture needs (an npm alias such as `next-15`), and
 * `@stackframe/stack` the SDK version under test (an alias such as `stack-next-268`), so the app imports them by
 * their real names. The fixture's next.config makes every package's `next/*` imports resolve to that same copy.
 *
 * Next inlines NEXT_PUBLIC_* variables into the build, so the build is keyed by the fixture's files, the two
 * packages' versions and those variables: a second start with the same inputs reuses it. Nothing is downloaded:
 * telemetry is off and Next's compiler is the optional npm package installed beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface NextAppOptions {
  /** The folder under test/fixtures. */
  fixture: string;
  /** The npm alias of Next that builds and runs the app (linked as `next`). */
  nextPackage: string;
  /** Packages linked under another name: `{ '@stackframe/stack': 'stack-next-268' }`. */
  packages: Record<string, string>;
  /** The app's environment, at build time and at run time. */
  env: Record<string, string>;
}

export interface NextApp {
  /** http://localhost:<port>: localhost, an origin authsync trusts by default. */
  origin: string;
  /** Everything the app's server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve('.');
const NODE_MODULES = path.join(ROOT, 'node_modules');

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

function packageVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(NODE_MODULES, name, 'package.json'), 'utf8')) as { version: string }).version;
}

function buildKey(options: NextAppOptions, fixtureDir: string): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(fixtureDir))
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(fixtureDir, file)));
  for (const name of [options.nextPackage, ...Object.values(options.packages)]) hash.update(`${name}@${packageVersion(name)}\0`);
  const inlined = Object.entries(options.env).filter(([name]) => name.startsWith('NEXT_PUBLIC_'));
  hash.update(JSON.stringify(inlined.sort()));
  return hash.digest('hex').slice(0, 16);
}

/** A copy of a folder made of hard links where the file system allows them (the same disk), else of copies. */
function mirror(source: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) mirror(from, to);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else {
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
      }
    }
  }
}

/**
 * node_modules for the copied app: a symbolic link per package of the repository's, with the renamed ones in place.
 * Next itself is mirrored, not linked: it requires its own files by name (`next/dist/...`), and from its real path in
 * the repository those would resolve to the repository's other copy of Next.
 */
function linkNodeModules(appDir: string, options: NextAppOptions): void {
  const target = path.join(appDir, 'node_modules');
  const renamed: Record<string, string> = { ...options.packages };
  mirror(path.join(NODE_MODULES, options.nextPackage), path.join(target, 'next'));
  const link = (name: string, source: string) => {
    fs.mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
    fs.symlinkSync(path.join(NODE_MODULES, source), path.join(target, name), 'dir');
  };
  for (const entry of fs.readdirSync(NODE_MODULES)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of fs.readdirSync(path.join(NODE_MODULES, entry))) {
        const name = `${entry}/${scoped}`;
        if (!(name in renamed)) link(name, name);
      }
    } else if (!(entry in renamed) && entry !== 'next') {
      link(entry, entry);
    }
  }
  for (const [name, source] of Object.entries(renamed)) link(name, source);
}

/** Next's CLI through the app's own node_modules/next link. */
function nextBin(appDir: string): string {
  return path.join(appDir, 'node_modules/next/dist/bin/next');
}

function nextEnv(options: NextAppOptions): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', ...options.env };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** Builds the app unless a build with the same inputs exists; returns the app's directory. */
export async function buildNextApp(options: NextAppOptions): Promise<string> {
  const fixtureDir = path.join(ROOT, 'test/fixtures', options.fixture);
  const appDir = path.join(os.tmpdir(), `authsync-next-${options.fixture}-${buildKey(options, fixtureDir)}`);
  if (fs.existsSync(path.join(appDir, '.next', 'BUILD_ID'))) return appDir;
  // A fresh directory, built under a temporary name and renamed when done: a failed or interrupted build is never reused.
  const staging = `${appDir}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(fixtureDir, staging, { recursive: true });
  linkNodeModules(staging, options);
  await run(process.execPath, [nextBin(staging), 'build'], staging, nextEnv(options));
  fs.rmSync(appDir, { recursive: true, force: true });
  fs.renameSync(staging, appDir);
  return appDir;
}

async function waitForServer(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url, { redirect: 'manual' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`next start did not answer within 30 s:\n${output()}`);
}

/** Builds (or reuses the build of) the app and serves it with `next start` on a free port. */
export async function startNextApp(options: NextAppOptions): Promise<NextApp> {
  const appDir = await buildNextApp(options);
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin(appDir), 'start', '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: appDir,
    env: nextEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForServer(`http://127.0.0.1:${port}/`, child, () => output);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    origin: `http://localhost:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
}
