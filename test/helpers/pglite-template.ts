/**
 * A new PGlite data directory costs seconds of initdb in WebAssembly, more than everything else a test server does
 * at start. The PGlite servers of a test run start instead from a copy of one directory, made once per run by the
 * first server that needs it, straight out of PGlite's initdb: nothing of authsync's is in it, so every server still
 * runs its own migrations on its own copy. (The CLI tests start their servers as processes, on new directories.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A directory for this run (made by global-setup.ts, removed after the run) where the template is kept. */
    pgliteTemplateDir: string;
  }
}

/** Puts a copy of the template at `dataDir/pgdata`, where `openPglite` looks for the database. */
export async function seedPgliteDataDir(dataDir: string): Promise<void> {
  const template = path.join(inject('pgliteTemplateDir'), 'pgdata');
  if (!fs.existsSync(template)) await makeOrAwaitTemplate(template);
  fs.cpSync(template, path.join(dataDir, 'pgdata'), { recursive: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Test files run in several processes at once: the first to take the lock (a directory, made atomically) creates the
 * template, the others wait for it; if it does not appear within a minute (its maker died), they make their own.
 */
async function makeOrAwaitTemplate(template: string): Promise<void> {
  try {
    fs.mkdirSync(`${template}.lock`);
  } catch {
    for (let waited = 0; waited < 60_000 && !fs.existsSync(template); waited += 100) await sleep(100);
    if (fs.existsSync(template)) return;
  }
  await createTemplate(template);
}

/** Creates the template in a scratch directory and renames it into place; if another got there first, keeps theirs. */
async function createTemplate(template: string): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(path.dirname(template), 'scratch-'));
  try {
    const db = await PGlite.create(path.join(scratch, 'pgdata'), { extensions: { pgcrypto } });
    await db.close();
    try {
      fs.renameSync(path.join(scratch, 'pgdata'), template);
    } catch (error) {
      if (!fs.existsSync(template)) throw error;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
