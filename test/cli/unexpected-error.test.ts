/**
 * How the CLI ends on a failure (cli/failure.ts, what cli/main.ts calls): an error the user can fix prints its
 * message alone; an unexpected one prints "internal error" without its message, and its stack goes to the log.
 */
import { describe, expect, it } from 'vitest';
import { reportFailure } from '../../src/cli/failure.js';
import { noSuchProject } from '../../src/cli/input-errors.js';

function capture() {
  let written = '';
  const logged: Array<{ err: unknown }> = [];
  return {
    out: { write: (text: string) => void (written += text), log: { error: (obj: { err: unknown }) => void logged.push(obj) } as never },
    written: () => written,
    logged,
  };
}

describe('reportFailure', () => {
  it('prints an unexpected error as an internal error, with no message of its own, and logs it with its stack', () => {
    const { out, written, logged } = capture();
    const bug = new Error('add_identities returned 3 ids for 4 identities (password=hunter2)');
    expect(reportFailure(bug, out)).toBe(1);
    expect(written()).toMatch(/^authsync: internal error\b/);
    expect(written()).not.toContain('hunter2');
    expect(written()).not.toContain('add_identities');
    expect(written()).not.toMatch(/\n\s+at /);
    expect(logged).toEqual([{ err: bug }]);
    expect((logged[0]!.err as Error).stack).toMatch(/\n\s+at /);
  });

  it('prints an AppError’s message alone, without a stack or a log entry', () => {
    const { out, written, logged } = capture();
    expect(reportFailure(noSuchProject('p1'), out)).toBe(1);
    expect(written()).toBe('authsync: No project with the ID p1.\n');
    expect(logged).toEqual([]);
  });

  it('prints a database that cannot be reached with the reason', () => {
    const { out, written, logged } = capture();
    reportFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), out);
    expect(written()).toBe('authsync: Cannot use the database: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(logged).toEqual([]);
  });
});
