/**
 * Property: /sql never holds more than its 10 MiB response limit (Neon's) of any request's answer. Rows are
 * serialised as they arrive; the first row over the limit answers 507 with Neon's message, cancels the query and
 * closes its connection (the backend stops producing rows); a batch's queries share one limit; a single huge row is
 * refused from its length alone. The attack: anyone can create an anonymous user with the publishable client key and
 * send `SELECT repeat('x', 1048576) FROM generate_series(1, 1500)` a few times at once: the old server buffered every
 * row (1.5 GB each) and died of heap exhaustion.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { signUpAnonymous, sqlUrls } from '../rls/support.js';
import { activeQueries, anonymousToken, eventually, memoryOf, postSql, withClient } from './sql-limits-support.js';

const TOO_LARGE = { status: 507, message: 'response is too large (max is 10485760 bytes)' };
const OVERSIZED = (marker: string) => `SELECT nextval('produced_rows'), repeat('x', 1048576) AS ${marker} FROM generate_series(1, 1500)`;

describe('/sql response limit (in-process server)', () => {
  // Timeouts out of the way: this file is about memory (PostgreSQL alone takes seconds to build a 100 MB value here).
  const t = useTestServer({ env: { AUTHSYNC_SQL_STATEMENT_TIMEOUT_ANONYMOUS: '60000' } });
  let urls: ReturnType<typeof sqlUrls>;
  let token: string;
  const database = () => new URL(t.databaseUrl!).pathname.slice(1);

  beforeAll(async () => {
    urls = sqlUrls(t);
    token = (await signUpAnonymous(t)).accessToken;
    // The first /sql request installs the kit (and its roles) in the app database.
    expect((await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, { query: 'SELECT 1' })).status).toBe(200);
    // A sequence the oversized query draws on once per row produced: how far it got shows how many rows PostgreSQL made.
    await withClient(t.databaseUrl!, (c) =>
      c.query('CREATE SEQUENCE produced_rows; GRANT USAGE ON SEQUENCE produced_rows TO anonymous, authenticated'),
    );
  });

  it(
    'three concurrent oversized results: 507 each, before the result is produced; the backends stop; the server serves on',
    { timeout: 60_000 },
    async () => {
      const answers = await Promise.all(
        [1, 2, 3].map(() => postSql(urls.sqlEndpoint, urls.anonymousUrl, token, { query: OVERSIZED('oversized_marker') })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(TOO_LARGE.status);
        expect(answer.body.message).toBe(TOO_LARGE.message);
        expect(Object.keys(answer.body)).toHaveLength(17);
      }
      // Each request stopped after about ten 1 MiB rows (a few more in flight), far from its 1500.
      const produced = await withClient(t.databaseUrl!, async (c) =>
        Number((await c.query<{ n: string }>('SELECT last_value::text AS n FROM produced_rows')).rows[0]!.n),
      );
      console.log(`rows produced by 3 oversized queries of 1500 rows each before they were cancelled: ${produced}`);
      expect(produced).toBeLessThan(3 * 200);
      await eventually(async () => expect(await activeQueries(t.databaseUrl!, database(), 'oversized_marker')).toBe(0), 5_000);
      const after = await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, { query: `SELECT 'still serving'` });
      expect(after.status).toBe(200);
      expect(after.body.rows).toEqual([['still serving']]);
    },
  );

  it('a batch counts all its queries together; a result under the limit is answered in full', { timeout: 60_000 }, async () => {
    const fourMiB = { query: `SELECT repeat('y', 1048576) FROM generate_series(1, 4)` };
    const single = await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, fourMiB);
    expect(single.status).toBe(200);
    expect((single.body.rows as string[][]).map((r) => r[0]!.length)).toEqual([1048576, 1048576, 1048576, 1048576]);
    const batch = await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, { queries: [fourMiB, fourMiB, fourMiB] });
    expect(batch.status).toBe(TOO_LARGE.status);
    expect(batch.body.message).toBe(TOO_LARGE.message);
  });

  it(
    'one huge row (100 MB) answers 507 and its backend stops (the memory it would take: see the server process test)',
    { timeout: 60_000 },
    async () => {
      const answer = await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, {
        query: `SELECT repeat('z', 100000000) AS huge_row_marker`,
      });
      expect(answer.status).toBe(TOO_LARGE.status);
      expect(answer.body.message).toBe(TOO_LARGE.message);
      await eventually(async () => expect(await activeQueries(t.databaseUrl!, database(), 'huge_row_marker')).toBe(0), 5_000);
      expect((await postSql(urls.sqlEndpoint, urls.anonymousUrl, token, { query: 'SELECT 1' })).status).toBe(200);
    },
  );
});

/**
 * The bound asserted on the growth of the server process's peak resident memory (VmHWM over its RSS just before)
 * while 20 oversized requests run at once: each may hold its 10 MiB of JSON text (200 MiB together), plus the message
 * being read and the garbage of the rows it serialised until the collector runs (150 MiB for all). The old server
 * grew by gigabytes and died.
 */
const PEAK_GROWTH_BOUND_MIB = 350;

describe('/sql response limit (a server process under 20 concurrent oversized queries)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let server: Awaited<ReturnType<typeof startCli>> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-result-limit-'));
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.result;
    }
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`grows its peak RSS by less than ${PEAK_GROWTH_BOUND_MIB} MiB and keeps serving`, { timeout: 240_000 }, async () => {
    server = await startCli(['--database-url', db.url, '--data-dir', dataDir], { AUTHSYNC_SQL_STATEMENT_TIMEOUT_ANONYMOUS: '120000' });
    const pid = server.child.pid!;
    await eventually(async () => expect(server!.result.output()).toMatch(/Publishable client key\s+\S+/), 30_000);
    const projectId = /Project ID\s+(\S+)/.exec(server.result.output())![1]!;
    const publishable = /Publishable client key\s+(\S+)/.exec(server.result.output())![1]!;
    const endpoint = `${server.url}/sql`;
    const anonymousUrl = `postgresql://anonymous@${projectId}.localhost/${db.name}`;
    // Four visitors, five requests each: under the per-user cap, so all 20 run at once.
    const tokens = await Promise.all([1, 2, 3, 4].map(() => anonymousToken(`${server!.url}/api/v1`, projectId, publishable)));
    for (const token of tokens) expect((await postSql(endpoint, anonymousUrl, token, { query: 'SELECT 1' })).status).toBe(200);
    await withClient(db.url, (c) => c.query('CREATE SEQUENCE produced_rows; GRANT USAGE ON SEQUENCE produced_rows TO anonymous'));

    const flood = (query: string) =>
      Promise.all(Array.from({ length: 20 }, (_, i) => postSql(endpoint, anonymousUrl, tokens[i % 4], { query })));
    /** Runs 20 at once from a fresh peak (writing 5 to clear_refs resets VmHWM); the growth of the peak over the RSS before. */
    const peakGrowth = async (query: string) => {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const before = memoryOf(pid);
      const answers = await flood(query);
      for (const answer of answers) {
        expect(answer.status).toBe(TOO_LARGE.status);
        expect(answer.body.message).toBe(TOO_LARGE.message);
      }
      const after = memoryOf(pid);
      return { before: before.rssMiB, peak: after.peakMiB, growth: after.peakMiB - before.rssMiB };
    };
    // Many 1 MiB rows: each request keeps at most 10 MiB of JSON text.
    const manyRows = await peakGrowth(OVERSIZED('child_oversized'));
    // One 100 MB row: refused from its length as its first bytes arrive, never buffered.
    const hugeRow = await peakGrowth(`SELECT repeat('h', 100000000) AS child_huge`);
    console.log(
      `server RSS, 20 concurrent: 1500 rows of 1 MiB each: ${manyRows.before.toFixed(0)} MiB before, peak ${manyRows.peak.toFixed(0)} MiB; ` +
        `one 100 MB row each: ${hugeRow.before.toFixed(0)} MiB before, peak ${hugeRow.peak.toFixed(0)} MiB; ${memoryOf(pid).rssMiB.toFixed(0)} MiB after`,
    );
    expect(manyRows.growth).toBeLessThan(PEAK_GROWTH_BOUND_MIB);
    expect(hugeRow.growth).toBeLessThan(PEAK_GROWTH_BOUND_MIB);
    expect(server.child.exitCode).toBeNull();
    const still = await postSql(endpoint, anonymousUrl, tokens[0], { query: `SELECT 'still serving'` });
    expect(still.status).toBe(200);
    expect(still.body.rows).toEqual([['still serving']]);
  });
});
