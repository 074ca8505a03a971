/**
 * Part 3 of `npm run bench:sql`: drizzle-kit's crud policies on a table of 1,000,000 rows (1,000 users, an index on
 * user_id), "list my rows" (`SELECT id, body FROM big WHERE true`, 1,000 rows) through the driver and /sql as one
 * user: with the policies as drizzle-kit writes them, after `authsync rls optimize`, and with a hand-written InitPlan
 * policy (those two interleaved: six rounds of five runs each, the median of the rounds' medians). In ms.
 */
import { neon } from '@neondatabase/serverless';
import type pg from 'pg';
import { openPostgres } from '../src/db/postgres.js';
import { optimizePolicies } from '../src/rls/optimize-policies.js';

export interface PolicyRewriteFigures {
  before: number;
  after: number;
  handWritten: number;
  optimizeMs: number;
  planAfter: string;
  /** Whether PostgreSQL stores the hand-written policy with the same text as the rewritten one. */
  sameText: boolean;
  rounds: { after: number[]; handWritten: number[] };
}

const ROWS = 1_000_000;
const USERS = 1_000;
const drizzleForm = `(select auth.user_id() = "big"."user_id")`;

const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1]!;

export async function benchPolicyRewrite(
  direct: pg.Pool,
  appDatabaseUrl: string,
  authenticatedUrl: string,
  user: { id: string; token: string },
): Promise<PolicyRewriteFigures> {
  await direct.query(`CREATE TABLE big (id int PRIMARY KEY, user_id text NOT NULL DEFAULT (auth.user_id()), body text NOT NULL)`);
  // Row i belongs to user i % 1000; user 0 is the signed-up user whose token lists the rows.
  await direct.query(
    `INSERT INTO big SELECT i, CASE WHEN i % ${USERS} = 0 THEN $1 ELSE 'user ' || (i % ${USERS}) END, 'row ' || i
     FROM generate_series(1, ${ROWS}) i`,
    [user.id],
  );
  await direct.query('CREATE INDEX big_user_id_idx ON big (user_id)');
  await direct.query('ALTER TABLE big ENABLE ROW LEVEL SECURITY');
  // drizzle-kit's statements for crudPolicy({ role: authenticatedRole, read: authUid(t.userId), modify: authUid(t.userId) }).
  await direct.query(
    `CREATE POLICY "crud-authenticated-policy-select" ON "big" AS PERMISSIVE FOR SELECT TO "authenticated" USING (${drizzleForm})`,
  );
  await direct.query(
    `CREATE POLICY "crud-authenticated-policy-insert" ON "big" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK (${drizzleForm})`,
  );
  await direct.query(
    `CREATE POLICY "crud-authenticated-policy-update" ON "big" AS PERMISSIVE FOR UPDATE TO "authenticated" USING (${drizzleForm}) WITH CHECK (${drizzleForm})`,
  );
  await direct.query(
    `CREATE POLICY "crud-authenticated-policy-delete" ON "big" AS PERMISSIVE FOR DELETE TO "authenticated" USING (${drizzleForm})`,
  );
  await direct.query('GRANT SELECT, INSERT, UPDATE, DELETE ON big TO authenticated');
  await direct.query('VACUUM ANALYZE big');

  const sql = neon(authenticatedUrl, { authToken: user.token });
  const listMine = async (runs: number, warmUps: number) => {
    const times: number[] = [];
    for (let r = 0; r < warmUps + runs; r++) {
      const start = performance.now();
      const rows = await sql.query('SELECT id, body FROM big WHERE true');
      const ms = performance.now() - start;
      if (rows.length !== ROWS / USERS) throw new Error(`listed ${rows.length} rows, expected ${ROWS / USERS}`);
      if (r >= warmUps) times.push(ms);
    }
    return median(times);
  };

  // The correlated form scans every row and calls the reader for each: a few seconds a query, so three runs.
  const before = await listMine(3, 0);
  const db = openPostgres(appDatabaseUrl, { max: 1 });
  const started = performance.now();
  try {
    await optimizePolicies(db);
  } finally {
    await db.close();
  }
  const optimizeMs = performance.now() - started;
  const planAfter = ((await sql.query('EXPLAIN SELECT id, body FROM big WHERE true')) as { 'QUERY PLAN': string }[])
    .map((r) => r['QUERY PLAN'].trim())
    .join(' / ');
  // The rewritten policy against the hand-written one, interleaved (the SELECT policy swapped between rounds), so the
  // machine's other load and the cache fall on both alike.
  const { rows } = await direct.query<{ qual: string }>(
    `SELECT qual FROM pg_policies WHERE tablename = 'big' AND policyname = 'crud-authenticated-policy-select'`,
  );
  const forms = { after: rows[0]!.qual, handWritten: `"big"."user_id" = (select auth.user_id())` };
  const times: Record<keyof typeof forms, number[]> = { after: [], handWritten: [] };
  for (let round = 0; round < 6; round++) {
    // Each form goes first in every other round.
    for (const form of round % 2 === 0 ? (['after', 'handWritten'] as const) : (['handWritten', 'after'] as const)) {
      await direct.query(`DROP POLICY "crud-authenticated-policy-select" ON big`);
      await direct.query(`CREATE POLICY "crud-authenticated-policy-select" ON big FOR SELECT TO authenticated USING (${forms[form]})`);
      times[form].push(await listMine(5, 1));
    }
  }
  const after = median(times.after);
  const handWritten = median(times.handWritten);
  await direct.query(`DROP POLICY "crud-authenticated-policy-select" ON big`);
  await direct.query(`CREATE POLICY "crud-authenticated-policy-select" ON big FOR SELECT TO authenticated USING (${forms.handWritten})`);
  const stored = await direct.query<{ qual: string }>(
    `SELECT qual FROM pg_policies WHERE tablename = 'big' AND policyname = 'crud-authenticated-policy-select'`,
  );
  return { before, after, handWritten, optimizeMs, planAfter, sameText: stored.rows[0]!.qual === forms.after, rounds: times };
}
