/**
 * PostgreSQL's text output of arrays (src/sql/array-literal.ts), which /sql turns into JSON arrays on PGlite: NULL
 * against "NULL", quoting and backslash escapes, nesting, and the dimension decoration of arrays not starting at 1.
 */
import { describe, expect, it } from 'vitest';
import { parseArrayLiteral } from '../../src/sql/array-literal.js';

describe('parseArrayLiteral', () => {
  it('reads flat arrays, empty ones included', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{1,2,3}')).toEqual(['1', '2', '3']);
    expect(parseArrayLiteral('{t,f}')).toEqual(['t', 'f']);
  });

  it('tells NULL from the string "NULL" and keeps empty strings', () => {
    expect(parseArrayLiteral('{NULL,"NULL",null}')).toEqual([null, 'NULL', 'null']);
    expect(parseArrayLiteral('{"",a}')).toEqual(['', 'a']);
  });

  it('unquotes elements with commas, braces, spaces, quotes and backslashes', () => {
    expect(parseArrayLiteral('{"a,b","{x}","hello world","say \\"hi\\"","back\\\\slash"}')).toEqual([
      'a,b',
      '{x}',
      'hello world',
      'say "hi"',
      'back\\slash',
    ]);
  });

  it('reads nested arrays', () => {
    expect(parseArrayLiteral('{{1,2},{3,NULL}}')).toEqual([
      ['1', '2'],
      ['3', null],
    ]);
    expect(parseArrayLiteral('{{{a}},{{"b,c"}}}')).toEqual([[['a']], [['b,c']]]);
  });

  it('skips the bounds decoration of arrays that do not start at 1', () => {
    expect(parseArrayLiteral('[0:1]={a,b}')).toEqual(['a', 'b']);
    expect(parseArrayLiteral('[0:1][1:2]={{a,b},{c,d}}')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('gives an empty array for text that is not an array literal', () => {
    expect(parseArrayLiteral('')).toEqual([]);
    expect(parseArrayLiteral('abc')).toEqual([]);
  });
});
