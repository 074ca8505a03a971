/**
 * The Neon face's one mapper (sql/neon-errors.ts): Neon's 17 keys in Neon's order, the statuses and Retry-After of
 * the limits, PostgreSQL's fields kept, and an unexpected error logged and answered 500 without its message.
 */
import { describe, expect, it } from 'vitest';
import { errors } from '../../src/errors/known-errors.js';
import { rateLimited } from '../../src/rate-limit/rate-limited.js';
import {
  badRequest,
  fromPgError,
  neonErrorReply,
  poolWaitTimeout,
  queryCancelled,
  requestDeadlineExceeded,
  tooManyUserRequests,
} from '../../src/sql/neon-errors.js';
import { responseTooLarge } from '../../src/sql/results.js';
import { NEON_ERROR_KEYS } from '../helpers/neon-error-keys.js';

function recorder() {
  const logged: unknown[] = [];
  return { logged, log: { error: (obj: unknown) => void logged.push(obj) } as never };
}

function endpointBody(message: string): Record<string, string | null> {
  return Object.fromEntries(
    NEON_ERROR_KEYS.map((key) => [key, key === 'message' ? message : key === 'code' || key === 'severity' ? '' : null]),
  );
}

describe('neonErrorReply', () => {
  it('answers the endpoint’s own errors with code "" and the other fields null, in Neon’s key order', () => {
    const { log, logged } = recorder();
    const reply = neonErrorReply(badRequest('jwk not found'), log);
    expect(reply.status).toBe(400);
    expect(reply.headers).toEqual({});
    expect(reply.body).toBe(JSON.stringify(endpointBody('jwk not found')));
    expect(Object.keys(JSON.parse(reply.body) as object)).toEqual(NEON_ERROR_KEYS);
    expect(logged).toEqual([]);
  });

  it('keeps the statuses of the limits, with Retry-After when the refusal says when', () => {
    const { log } = recorder();
    expect(neonErrorReply(tooManyUserRequests(2), log).status).toBe(429);
    expect(neonErrorReply(poolWaitTimeout(10, 1), log).status).toBe(503);
    expect(neonErrorReply(responseTooLarge(), log).status).toBe(507);
    const limited = neonErrorReply(rateLimited(7, 'failed logins'), log);
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ 'retry-after': '7' });
    expect(JSON.parse(limited.body)).toEqual(endpointBody('Too many failed logins. Try again in 7 seconds.'));
  });

  it('keeps a PostgreSQL error’s fields, and the statement timeout of the request deadline', () => {
    const { log } = recorder();
    const pg = Object.assign(new Error('relation "nope" does not exist'), {
      code: '42P01',
      severity: 'ERROR',
      position: '15',
      file: 'parse_relation.c',
      line: 1449,
      routine: 'parserOpenTable',
    }) as unknown as Error & Record<string, unknown>;
    const body = JSON.parse(neonErrorReply(fromPgError(pg), log).body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(NEON_ERROR_KEYS);
    expect(body).toMatchObject({ message: 'relation "nope" does not exist', code: '42P01', position: '15', line: '1449', hint: null });
    const deadline = neonErrorReply(requestDeadlineExceeded(), log);
    expect(deadline.status).toBe(400);
    expect(JSON.parse(deadline.body)).toMatchObject({
      message: 'canceling statement due to statement timeout',
      code: '57014',
      severity: 'ERROR',
    });
  });

  it('answers a cancelled query with Neon’s two-key body', () => {
    const { log } = recorder();
    const reply = neonErrorReply(queryCancelled(), log);
    expect(reply.status).toBe(400);
    expect(reply.body).toBe('{"message":"Query cancelled, connection was terminated","code":"08P01"}');
  });

  it('logs an unexpected error with its stack and answers 500 "internal error", never its message', () => {
    const { log, logged } = recorder();
    const bug = new Error('password=hunter2 in /srv/app');
    const reply = neonErrorReply(bug, log);
    expect(reply.status).toBe(500);
    expect(reply.body).toBe(JSON.stringify(endpointBody('internal error')));
    expect(reply.body).not.toContain('hunter2');
    expect(logged).toEqual([{ err: bug }]);
  });

  it('takes no Stack details for PostgreSQL fields', () => {
    const { log } = recorder();
    const body = JSON.parse(neonErrorReply(errors.schemaError('bad'), log).body) as Record<string, unknown>;
    expect(body).toEqual(endpointBody('bad'));
  });
});
