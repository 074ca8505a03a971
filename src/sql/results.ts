/**
 * Query results in Neon's JSON: key order `fields, rows, command, rowCount, rowAsArray`, field keys `name,
 * dataTypeID, tableID, columnID, dataTypeSize, dataTypeModifier, format`. Values are Postgres' text output; in
 * raw mode (what the driver asks for) they stay strings, otherwise Neon's conversion applies. Serialised by hand so
 * that object rows can repeat a column name, as Neon's do.
 */
import type { AppError } from '../errors/app-error.js';
import { parseArrayLiteral } from './array-literal.js';
import { sqlError } from './neon-errors.js';

export interface Field {
  name: string;
  dataTypeID: number;
  tableID: number;
  columnID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
}

export interface QueryOutcome {
  fields: Field[];
  /** Each row already in Neon's JSON (an array or an object, as the request asked), serialised as it arrived. */
  rows: string[];
  command: string;
  rowCount: number | null;
}

/** How a request wants its rows: Neon-Array-Mode (per query) and Neon-Raw-Text-Output. */
export interface RowFormat {
  arrayMode: boolean;
  raw: boolean;
}

/** Largest response, as Neon. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export function responseTooLarge(): AppError {
  return sqlError('SQL_RESPONSE_TOO_LARGE', 507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`);
}

/**
 * The bytes a request's answer may still take: every query of a batch draws on the same budget, row by row as the
 * rows arrive. The first row over the limit marks the budget overflowed and calls `onOverflow` once (which cancels
 * the query and closes its connection); nothing more is kept after that.
 */
export class ResponseBudget {
  private used = 0;
  private overflowed = false;
  onOverflow: (() => void) | undefined;

  constructor(readonly limit = MAX_RESPONSE_BYTES) {}

  get exceeded(): boolean {
    return this.overflowed;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** Counts `bytes`; false (and overflowed) when they do not fit. */
  take(bytes: number): boolean {
    if (this.overflowed) return false;
    this.used += bytes;
    if (this.used <= this.limit) return true;
    this.overflow();
    return false;
  }

  overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.onOverflow?.();
  }
}

/** Serialises one row (Postgres' text values, in column order) to Neon's JSON. */
export function rowEncoder(
  fields: readonly Pick<Field, 'name' | 'dataTypeID'>[],
  format: RowFormat,
): (row: readonly (string | null)[]) => string {
  const names = fields.map((f) => JSON.stringify(f.name));
  const value = (text: string | null, i: number) =>
    text === null ? 'null' : format.raw ? JSON.stringify(text) : textToJson(text, fields[i]?.dataTypeID ?? 25);
  if (format.arrayMode) return (row) => `[${row.map(value).join(',')}]`;
  return (row) => `{${row.map((text, i) => `${names[i]}:${value(text, i)}`).join(',')}}`;
}

/**
 * Collects a query's rows as JSON text against the request's budget: each row is serialised as it arrives and only
 * that text is kept. Returns false once the budget is exceeded (the rows are then dropped).
 */
export class RowCollector {
  readonly rows: string[] = [];
  private encode: ((row: readonly (string | null)[]) => string) | undefined;

  constructor(
    private readonly format: RowFormat,
    private readonly budget: ResponseBudget,
  ) {}

  add(row: readonly (string | null)[], fields: readonly Pick<Field, 'name' | 'dataTypeID'>[]): boolean {
    if (this.budget.exceeded) return false;
    this.encode ??= rowEncoder(fields, this.format);
    const text = this.encode(row);
    // Bytes as sent (UTF-8), and the comma between rows.
    if (!this.budget.take(Buffer.byteLength(text) + 1)) {
      this.rows.length = 0;
      return false;
    }
    this.rows.push(text);
    return true;
  }
}

/** A query's answer in Neon's JSON; its rows are already serialised (see RowCollector). */
export function serializeResult(result: QueryOutcome, options: { arrayMode: boolean }): string {
  const fields = result.fields.map(
    (f) =>
      `{"name":${JSON.stringify(f.name)},"dataTypeID":${f.dataTypeID},"tableID":${f.tableID},"columnID":${f.columnID},` +
      `"dataTypeSize":${f.dataTypeSize},"dataTypeModifier":${f.dataTypeModifier},"format":"text"}`,
  );
  return (
    `{"fields":[${fields.join(',')}],"rows":[${result.rows.join(',')}],"command":${JSON.stringify(result.command)},` +
    `"rowCount":${result.rowCount === null ? 'null' : result.rowCount},"rowAsArray":${options.arrayMode}}`
  );
}

const ARRAY_ELEMENT: Record<number, number> = { 1000: 16, 1005: 21, 1007: 23, 1021: 700, 1022: 701, 199: 114, 3807: 3802 };
/** Array types whose elements stay strings (text, int8, numeric, dates, uuid, …). */
const STRING_ARRAYS = new Set([
  1009, 1015, 1014, 1016, 1231, 1182, 1115, 1185, 2951, 1001, 1183, 1270, 1041, 651, 1040, 775, 1028, 1002, 1003,
]);

/** Neon's `pg_text_to_json`: JSON for bools, small ints, floats, json; arrays element-wise; everything else a string. */
export function textToJson(text: string, oid: number): string {
  switch (oid) {
    case 16:
      return text === 't' ? 'true' : 'false';
    case 21:
    case 23:
      return text;
    case 700:
    case 701: {
      const n = Number(text);
      return Number.isFinite(n) && /^[-+0-9.eE]+$/.test(text) ? text : JSON.stringify(text);
    }
    case 114:
    case 3802:
      return text;
  }
  const element = ARRAY_ELEMENT[oid] ?? (STRING_ARRAYS.has(oid) ? 25 : undefined);
  if (element !== undefined) return arrayToJson(parseArrayLiteral(text), element);
  return JSON.stringify(text);
}

type Nested = (string | null | Nested)[];

function arrayToJson(items: Nested, element: number): string {
  return `[${items.map((item) => (item === null ? 'null' : Array.isArray(item) ? arrayToJson(item, element) : textToJson(item, element))).join(',')}]`;
}
