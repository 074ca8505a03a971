/**
 * The rewrite of a policy expression from the correlated form drizzle-orm's `authUid` generates,
 * `(select auth.user_id() = user_id)`, to the InitPlan form `user_id = (select auth.user_id())`.
 *
 * Both give the same boolean for every row (the subquery has no FROM: it returns one row, the comparison), but
 * PostgreSQL runs the correlated form once per row, so the identity reader is called per row and no index on
 * `user_id` can be used; the InitPlan form reads the identity once per statement and the comparison becomes an index
 * condition.
 *
 * The rewrite works on PostgreSQL's own deparse of the stored expression (`pg_get_expr`, with `search_path` set to
 * `pg_catalog, pg_temp` so that every other name is schema-qualified), which is canonical: the subquery is always
 * `( SELECT (<a> = <b>))`, the identity `auth.user_id()`, `auth.uid()` or `(auth.session() ->> 'sub'::text)`, the
 * column qualified (`todos.user_id`), a cast `(x)::text`. Only that exact shape is rewritten, one side an identity
 * reader (optionally cast), the other a column (optionally cast); everything else, string literals and quoted names
 * included, is copied unchanged, so the rewrite can only move an identity read out of its per-row subquery.
 *
 * It is one SQL expression, so the same text runs in the CLI's query and in the event trigger's function
 * (optimize-auto.ts); there is no second implementation to drift.
 */

/** A name as deparsed: plain lower-case, or double-quoted. */
const NAME = `(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
/** The casts the comparison may carry (deparsed type names). */
const CAST = `::(?:text|uuid|character varying|bigint|integer)`;
const READER = `(?:auth\\.user_id\\(\\)|auth\\.uid\\(\\)|\\(auth\\.(?:session|jwt)\\(\\) ->> 'sub'::text\\))`;
/** An identity reader, as deparsed: `auth.user_id()`, `(auth.uid())::text`, `(auth.session() ->> 'sub'::text)`. */
export const IDENTITY = `(?:${READER}|\\(${READER}\\)${CAST})`;
const COLUMN_REF = `${NAME}\\.${NAME}`;
/** A qualified column, as deparsed inside a subquery: `todos.user_id`, `(todos.owner)::text`. */
const COLUMN = `(?:${COLUMN_REF}|\\(${COLUMN_REF}\\)${CAST})`;

/**
 * A tokenizer over the deparsed text (PostgreSQL's regexes prefer the longest match among alternatives, so a
 * correlated form wins over its first character): 1 the form identity-first (2 identity, 3 column), 4 the form
 * column-first (5 column, 6 identity), 7 anything else: a string literal, a quoted name, a run of plain characters, or
 * one character.
 */
export const TOKENS = [
  `(\\( SELECT \\((${IDENTITY}) = (${COLUMN})\\)\\))`,
  `(\\( SELECT \\((${COLUMN}) = (${IDENTITY})\\)\\))`,
  `('(?:[^']|'')*'|"(?:[^"]|"")*"|[^'"(]+|.)`,
].join('|');

/**
 * SQL: the InitPlan form of the expression `expr` (SQL text of a `text` value; it appears twice). NULL stays NULL; an
 * expression the tokens do not cover exactly (never, for deparsed text) is returned unchanged.
 */
export function initPlanFormSql(expr: string): string {
  return `(SELECT CASE WHEN string_agg(coalesce(t.m[1], t.m[4], t.m[7]), '' ORDER BY t.n) = ${expr}
    THEN string_agg(CASE WHEN t.m[1] IS NOT NULL THEN '(' || t.m[3] || ' = ( SELECT ' || t.m[2] || '))'
                         WHEN t.m[4] IS NOT NULL THEN '(' || t.m[5] || ' = ( SELECT ' || t.m[6] || '))'
                         ELSE t.m[7] END, '' ORDER BY t.n)
    ELSE ${expr} END
  FROM pg_catalog.regexp_matches(${expr}, $re$${TOKENS}$re$, 'g') WITH ORDINALITY AS t(m, n))`;
}

const INITPLAN = new RegExp(`\\( SELECT ${IDENTITY}(?: AS ${NAME})?\\)`, 'g');
const LITERALS = /'(?:[^']|'')*'|"(?:[^"]|"")*"/g;
const READER_CALL = /\bauth\.(?:user_id|uid|session|jwt)\(\)/;

/**
 * Whether a deparsed expression still reads the identity outside an InitPlan `( SELECT auth.user_id() …)`: a form
 * the rewrite does not recognise (a comparison inside a larger subquery, a bare `auth.user_id()` call), which
 * PostgreSQL may evaluate per row. Used for reporting only.
 */
export function readsIdentityPerRow(expr: string | null): boolean {
  if (!expr) return false;
  return READER_CALL.test(expr.replace(INITPLAN, '(initplan)').replace(LITERALS, "''"));
}
