/**
 * Query results in Neon's JSON: key order `fields, rows, command, rowCount, rowAsArray`, field keys `name,
 * dataTypeID, tableID, columnID, dataTypeSize, dataTypeModifier, format`. Values are Postgres' text output; in
 * raw mode (what the driver asks for) they stay strings, otherwise Neon's conversion applies. Serialised by hand so
 * that object rows can repeat a column name, as Neon's do.
 */
import { parseArrayLiteral } from './array-literal.js';
import { SqlHttpError } from './neon-errors.js';

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
  rows: (string | null)[][];
  command: string;
  rowCount: number | null;
}

/** Largest response, as Neon. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export function serializeResult(result: QueryOutcome, options: { arrayMode: boolean; raw: boolean }): string {
  const fields = result.fields.map(
    (f) =>
      `{"name":${JSON.stringify(f.name)},"dataTypeID":${f.dataTypeID},"tableID":${f.tableID},"columnID":${f.columnID},` +
      `"dataTypeSize":${f.dataTypeSize},"dataTypeModifier":${f.dataTypeModifier},"format":"text"}`,
  );
  const names = result.fields.map((f) => JSON.stringify(f.name));
  let size = 0;
  const rows = result.rows.map((row) => {
    const values = row.map((value, i) => (value === null ? 'null' : options.raw ? JSON.stringify(value) : textToJson(value, result.fields[i]?.dataTypeID ?? 25)));
    const text = options.arrayMode ? `[${values.join(',')}]` : `{${values.map((v, i) => `${names[i]}:${v}`).join(',')}}`;
    size += text.length + 1;
    if (size > MAX_RESPONSE_BYTES) throw new SqlHttpError(507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`);
    return text;
  });
  return (
    `{"fields":[${fields.join(',')}],"rows":[${rows.join(',')}],"command":${JSON.stringify(result.command)},` +
    `"rowCount":${result.rowCount === null ? 'null' : result.rowCount},"rowAsArray":${options.arrayMode}}`
  );
}

const ARRAY_ELEMENT: Record<number, number> = { 1000: 16, 1005: 21, 1007: 23, 1021: 700, 1022: 701, 199: 114, 3807: 3802 };
/** Array types whose elements stay strings (text, int8, numeric, dates, uuid, …). */
const STRING_ARRAYS = new Set([1009, 1015, 1014, 1016, 1231, 1182, 1115, 1185, 2951, 1001, 1183, 1270, 1041, 651, 1040, 775, 1028, 1002, 1003]);

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
