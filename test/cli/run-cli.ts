/**
 * Runs the `authsync` CLI from source, in a child process, as a user would run it (no build needed):
 * `node --import tsx src/cli/main.ts …`.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const baseEnv = (env: Record<string, string>) => ({
  ...process.env,
  AUTHSYNC_LOG_LEVEL: 'silent',
  AUTHSYNC_SECRET: '',
  DATABASE_URL: '',
  ...env,
});

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: process.cwd(),
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcessByStdio<null, Readable, Readable>): Promise<CliResult> & { output: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(done, { output: () => stdout + stderr });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return collect(spawnCli(args, env));
}

/** Starts `authsync start` and resolves with its URL once it listens (or rejects with its output if it exits). */
export async function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawnCli(['start', '--port', '0', ...args], env);
  const result = collect(child);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(result.output());
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', onData);
    void result.then((r) => reject(new Error(`authsync start exited (${r.code}): ${r.stdout}${r.stderr}`)));
  });
  return { child, url, result };
}
