/**
 * `authsync rls lint`: on tables large enough for it to matter, the policies that read the identity once per row
 * (the correlated form, which also keeps PostgreSQL from using an index), and the columns compared with the identity
 * that no index starts with. Each finding carries its fix: the optimize command, a hand rewrite, or a CREATE INDEX.
 */
import type { Database, Queryable } from '../db/database.js';
import { quoteIdent } from '../db/database.js';
import { IDENTITY, readsIdentityPerRow } from './optimize-pattern.js';
import { readPolicies, withCanonicalDeparse, type PolicyRow } from './optimize-policies.js';

/** @default 10000 */
export const DEFAULT_MIN_ROWS = 10_000;

export interface PerRowFinding {
  kind: 'per-row-identity';
  schema: string;
  table: string;
  rows: number;
  policy: string;
  /** The optimize command rewrites it; otherwise it needs a rewrite by hand. */
  rewritable: boolean;
  fix: string;
}

export interface MissingIndexFinding {
  kind: 'missing-index';
  schema: string;
  table: string;
  rows: number;
  column: string;
  policies: string[];
  fix: string;
}

export type LintFinding = PerRowFinding | MissingIndexFinding;

const NAME = `"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*`;
const INITPLAN = `\\( SELECT ${IDENTITY}(?: AS (?:${NAME}))?\\)`;
/** A plain column (optionally qualified) compared with an InitPlan identity, on either side. */
const COMPARED = new RegExp(
  `(?:^|[(\\s])(?:(${NAME})\\.)?(${NAME}) = ${INITPLAN}|${INITPLAN} = (?:(${NAME})\\.)?(${NAME})(?=[)\\s]|$)`,
  'g',
);

const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name);

/** The columns of the policy's own table compared with the identity, in the policy as it is after the rewrite. */
export function comparedColumns(row: Pick<PolicyRow, 'table' | 'using_after' | 'with_check_after'>): string[] {
  const columns = new Set<string>();
  for (const text of [row.using_after, row.with_check_after]) {
    for (const match of (text ?? '').matchAll(COMPARED)) {
      const qualifier = match[1] ?? match[3];
      const column = match[2] ?? match[4];
      // Qualified by another name: a column of another relation (inside an EXISTS, say), not this table's.
      if (column && (!qualifier || unquote(qualifier) === row.table)) columns.add(unquote(column));
    }
  }
  return [...columns];
}

async function indexedFirstColumns(db: Queryable, tableOid: number): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_index i
     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = $1::oid AND i.indisvalid AND i.indpred IS NULL`,
    [tableOid],
  );
  return new Set(rows.map((r) => r.name));
}

async function columnExists(db: Queryable, tableOid: number, column: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attname = $2 AND NOT attisdropped`, [
    tableOid,
    column,
  ]);
  return rows.length > 0;
}

/** Findings for tables of at least `minRows` (estimated) rows; `optimizeCommand` is what the report suggests running. */
export async function lintPolicies(db: Database, options: { minRows?: number; optimizeCommand: string }): Promise<LintFinding[]> {
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  return withCanonicalDeparse(db, async (tx) => {
    const policies = (await readPolicies(tx)).filter((row) => row.rows >= minRows);
    const findings: LintFinding[] = [];
    const compared = new Map<string, { row: PolicyRow; column: string; policies: string[] }>();
    for (const row of policies) {
      const rewritable = row.using_after !== row.using || row.with_check_after !== row.with_check;
      if (rewritable || readsIdentityPerRow(row.using) || readsIdentityPerRow(row.with_check)) {
        findings.push({
          kind: 'per-row-identity',
          schema: row.schema,
          table: row.table,
          rows: row.rows,
          policy: row.policy,
          rewritable,
          fix: rewritable
            ? options.optimizeCommand
            : 'rewrite by hand so that the identity is read in its own subquery: column = (select auth.user_id())',
        });
      }
      for (const column of comparedColumns(row)) {
        const key = `${row.table_oid}:${column}`;
        const entry = compared.get(key) ?? { row, column, policies: [] };
        entry.policies.push(row.policy);
        compared.set(key, entry);
      }
    }
    const indexed = new Map<number, Set<string>>();
    for (const { row, column, policies: names } of compared.values()) {
      if (!indexed.has(row.table_oid)) indexed.set(row.table_oid, await indexedFirstColumns(tx, row.table_oid));
      if (indexed.get(row.table_oid)!.has(column) || !(await columnExists(tx, row.table_oid, column))) continue;
      findings.push({
        kind: 'missing-index',
        schema: row.schema,
        table: row.table,
        rows: row.rows,
        column,
        policies: names,
        fix: `CREATE INDEX ON ${quoteIdent(row.schema)}.${quoteIdent(row.table)} (${quoteIdent(column)});`,
      });
    }
    return findings;
  });
}
