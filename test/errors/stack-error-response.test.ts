/**
 * The Stack face's one mapper (api/respond.ts): known errors with `x-stack-known-error`, other AppErrors as plain
 * text (a 429 with Retry-After), PostgreSQL's data exceptions as SCHEMA_ERROR, and an unexpected error logged and
 * answered 500 without its message.
 */
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/api/respond.js';
import { AppError } from '../../src/errors/app-error.js';
import { errors, TextError } from '../../src/errors/known-errors.js';
import { rateLimited } from '../../src/rate-limit/rate-limited.js';

const options = { overrideErrorStatus: false, requestId: 'req-1' };

function recorder() {
  const logged: unknown[] = [];
  return { logged, log: { error: (obj: unknown) => void logged.push(obj) } as never };
}

describe('errorResponse', () => {
  it('answers a known error as Stack’s JSON with x-stack-known-error', async () => {
    const res = errorResponse(errors.passwordTooShort(8), options, recorder().log);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-stack-known-error')).toBe('PASSWORD_TOO_SHORT');
    expect(await res.text()).toBe(
      '{"code":"PASSWORD_TOO_SHORT","details":{"min_length":8},"error":"Password too short. Minimum length is 8."}',
    );
  });

  it('answers other AppErrors as plain text, without a known-error code', async () => {
    const res = errorResponse(new TextError('PROJECT_NOT_FOUND', 404, 'Project not found'), options, recorder().log);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-stack-known-error')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Project not found');
  });

  it('answers a rate limit as a plain-text 429 with Retry-After, and with the override header as 200', async () => {
    const res = errorResponse(rateLimited(5, 'sign-in attempts'), options, recorder().log);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.text()).toBe('Too many sign-in attempts. Try again in 5 seconds.');
    const overridden = errorResponse(rateLimited(5, 'sign-in attempts'), { ...options, overrideErrorStatus: true }, recorder().log);
    expect(overridden.status).toBe(200);
    expect(overridden.headers.get('x-stack-actual-status')).toBe('429');
  });

  it('answers PostgreSQL’s data exceptions as SCHEMA_ERROR', async () => {
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const res = errorResponse(nul, options, recorder().log);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-stack-known-error')).toBe('SCHEMA_ERROR');
  });

  it('logs an unexpected error with its stack and answers 500 without its message', async () => {
    const { log, logged } = recorder();
    for (const bug of [new Error('password=hunter2'), Object.assign(new Error('password=hunter2'), { code: '42P01' })]) {
      const res = errorResponse(bug, options, log);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Internal server error');
    }
    expect(logged).toHaveLength(2);
    expect((logged[0] as { err: Error }).err.stack).toContain('password=hunter2');
  });

  it('keeps an AppError’s public message apart from its cause', async () => {
    const error = new AppError('SECRET_MISMATCH', 500, 'The server secret is not the one…', { cause: new Error('password=hunter2') });
    const res = errorResponse(error, options, recorder().log);
    expect(await res.text()).toBe('The server secret is not the one…');
  });
});
