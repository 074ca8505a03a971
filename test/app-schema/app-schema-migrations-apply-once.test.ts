/**
 * The project databases' migrations (migrations/users-sync, migrations/rls-kit) install the schema on a new database,
 * on PostgreSQL and on PGlite; each file is applied exactly once even when several processes provision one database
 * at the same moment; and on the server's own database (a project's default app database) their tracking tables
 * live beside authsync's own (authsync.schema_migrations) without touching it. The users_sync track's batch function
 * runs the statement of src/sync/apply.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { appliedVersions, applyMigrations, listMigrations, SERVER_TRACK } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { installKit, KIT_TRACK, kitIsCurrent } from '../../src/rls/install.js';
import { applySql } from '../../src/sync/apply.js';
import { ensureTarget, USERS_SYNC_TRACK } from '../../src/sync/target-schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startTestServer } from '../helpers/server.js';
import { ensureClusterRoles, FIXTURE_SECRET } from './app-schema-helpers.js';

const databases: TestDatabase[] = [];
const ALL = [...listMigrations(USERS_SYNC_TRACK.dir), ...listMigrations(KIT_TRACK.dir)].map((m) => m.version).sort();

afterAll(async () => {
  for (const d of databases) await d.drop();
});

async function newDatabase(): Promise<TestDatabase> {
  const created = await createTestDatabase('authsync_app_schema');
  databases.push(created);
  return created;
}

async function recorded(db: Database): Promise<string[]> {
  return [...(await appliedVersions(db, USERS_SYNC_TRACK)), ...(await appliedVersions(db, KIT_TRACK))].sort();
}

describe('a new app database', () => {
  it('on PostgreSQL: provisioning applies every file once, a second provisioning nothing, and the kit works', async () => {
    const created = await newDatabase();
    const db = openPostgres(created.url, { max: 2 });
    try {
      expect(await kitIsCurrent(db)).toBe(false);
      await ensureTarget(db);
      await installKit(db, { serverSecret: FIXTURE_SECRET, setPasswords: false });
      expect(await recorded(db)).toEqual(ALL);
      expect(await kitIsCurrent(db)).toBe(true);
      expect(await applyMigrations(db, USERS_SYNC_TRACK)).toEqual([]);
      expect(await applyMigrations(db, KIT_TRACK)).toEqual([]);
      const { rows } = await db.query<{ uid: string | null; session: unknown }>('SELECT auth.user_id() AS uid, auth.session() AS session');
      expect(rows[0]).toEqual({ uid: null, session: null });
      // The worker's batch function runs the same statement as src/sync/apply.ts (written out in the migration).
      const fn = await db.query<{ src: string }>("SELECT prosrc AS src FROM pg_proc WHERE proname = 'apply_outbox_batch'");
      expect(fn.rows[0]!.src).toContain(`EXECUTE '${applySql('>').replaceAll("'", "''")}'`);
    } finally {
      await db.close();
    }
  });

  it('on PGlite (embedded mode): the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-app-schema-'));
    const db = await openPglite(dir);
    try {
      await ensureTarget(db);
      await installKit(db, { serverSecret: FIXTURE_SECRET, setPasswords: false });
      expect(await recorded(db)).toEqual(ALL);
      expect(await applyMigrations(db, USERS_SYNC_TRACK)).toEqual([]);
      expect(await applyMigrations(db, KIT_TRACK)).toEqual([]);
      await installKit(db, { serverSecret: FIXTURE_SECRET, setPasswords: false });
      const { rows } = await db.query<{ uid: string | null }>('SELECT auth.user_id() AS uid');
      expect(rows[0]).toEqual({ uid: null });
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several processes migrating one new database at once', () => {
  it('apply each file exactly once between them, and all succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const created = await newDatabase();
      if (round === 0) await ensureClusterRoles(created.url);
      const processes = [0, 1, 2].map(() => openPostgres(created.url, { max: 1 }));
      try {
        const applied = await Promise.all(
          processes.map(async (db) => [...(await applyMigrations(db, USERS_SYNC_TRACK)), ...(await applyMigrations(db, KIT_TRACK))]),
        );
        expect(applied.flat().sort()).toEqual(ALL);
        expect(await recorded(processes[0]!)).toEqual(ALL);
        // And whole provisionings (the roles, the track, the re-applied grants) side by side.
        await Promise.all(
          processes.map((db) => installKit(db, { serverSecret: FIXTURE_SECRET, setPasswords: false }).then(() => ensureTarget(db))),
        );
      } finally {
        for (const db of processes) await db.close();
      }
    }
  });
});

describe("the server's own database as a project's app database", () => {
  it("keeps the project databases' tracking tables apart from authsync's own", async () => {
    const t = await startTestServer();
    try {
      const { db } = t.server.ctx;
      await provisionProject(t.server.ctx, t.projectId);
      expect(await recorded(db)).toEqual(ALL);
      const own = [...(await appliedVersions(db, SERVER_TRACK))];
      expect(own.sort()).toEqual(listMigrations().map((m) => m.version));
      expect(own.some((version) => ALL.includes(version))).toBe(false);
      const tables = new Set([SERVER_TRACK.table, USERS_SYNC_TRACK.table, KIT_TRACK.table]);
      expect(tables.size).toBe(3);
    } finally {
      await t.stop();
    }
  });
});
