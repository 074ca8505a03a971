/**
 * The one message mapper of the CLI and the dashboard: every domain error shows its own code, status and public
 * message; a ZodError its issues; anything else only "internal error", never its own message.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { noSuchProject, cliInputError } from '../../src/cli/input-errors.js';
import { loadConfig } from '../../src/config/index.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { inputError, attempt } from '../../src/dashboard/form.js';
import { connectionFailure } from '../../src/db/connection-failure.js';
import { AppError, hasCode } from '../../src/errors/app-error.js';
import { errors, KnownError, TextError } from '../../src/errors/known-errors.js';
import { INTERNAL_ERROR_MESSAGE, userMessage } from '../../src/errors/user-message.js';
import { projectInputError } from '../../src/projects/projects.js';
import { rateLimited } from '../../src/rate-limit/rate-limited.js';
import { checkJwksUrl } from '../../src/rls/providers.js';
import { badRequest, poolWaitTimeout, tooManyUserRequests } from '../../src/sql/neon-errors.js';
import { syncSetupError } from '../../src/sync/grants.js';

const SECRET = 'password=hunter2 at /var/lib/secret-place';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('domain errors are codes of AppError', () => {
  const cases: Array<[string, unknown, string, number, string | RegExp]> = [
    ['project input', projectInputError('The project name must have 1 to 256 characters.'), 'PROJECT_INPUT', 400, /1 to 256/],
    ['sync setup', syncSetupError('"x" is not a database URL.'), 'SYNC_SETUP', 400, '"x" is not a database URL.'],
    ['dashboard input', inputError('Choose a user to query as.'), 'DASHBOARD_INPUT', 400, 'Choose a user to query as.'],
    ['CLI input', cliInputError('Unknown key kind "x".'), 'CLI_INPUT', 400, 'Unknown key kind "x".'],
    ['no such project', noSuchProject('p1'), 'PROJECT_NOT_FOUND', 404, 'No project with the ID p1.'],
    ['rate limited', rateLimited(3, 'sign-ins'), 'RATE_LIMITED', 429, 'Too many sign-ins. Try again in 3 seconds.'],
    ['provider input', thrown(() => checkJwksUrl('not a url')), 'PROVIDER_INPUT', 400, '"not a url" is not a URL.'],
    ['configuration', thrown(() => loadConfig({ port: 'abc' }, {})), 'INVALID_CONFIGURATION', 400, /^Invalid configuration:\n {2}port:/],
    ['sealed value', thrown(() => new SecretBox('a'.repeat(32)).open('v2.x.y.z')), 'SEALED_VALUE_UNREADABLE', 500, /sealed value/],
    ['/sql request', badRequest('jwk not found'), 'SQL_BAD_REQUEST', 400, 'jwk not found'],
    ['/sql pool', poolWaitTimeout(100, 2), 'SQL_POOL_WAIT_TIMEOUT', 503, /all 2 connections/],
    ['/sql in flight', tooManyUserRequests(4), 'SQL_TOO_MANY_USER_REQUESTS', 429, /max is 4/],
    ['known error', errors.userNotFound(), 'USER_NOT_FOUND', 404, 'User not found.'],
    ['text error', new TextError('PROJECT_NOT_FOUND', 404, 'Project not found'), 'PROJECT_NOT_FOUND', 404, 'Project not found'],
  ];
  it.each(cases)('%s', (_name, error, code, status, message) => {
    expect(error).toBeInstanceOf(AppError);
    expect(hasCode(error, code)).toBe(true);
    expect((error as AppError).status).toBe(status);
    const shown = userMessage(error);
    expect(shown.expected).toBe(true);
    if (typeof message === 'string') expect(shown.message).toBe(message);
    else expect(shown.message).toMatch(message);
  });

  it('Stack known errors and plain-text errors are kinds of it', () => {
    expect(errors.emailPasswordMismatch()).toBeInstanceOf(KnownError);
    expect(errors.emailPasswordMismatch()).toBeInstanceOf(AppError);
    expect(rateLimited(1, 'requests')).toBeInstanceOf(TextError);
    expect(rateLimited(1, 'requests').retryAfterSeconds).toBe(1);
  });
});

describe('userMessage', () => {
  it('shows the issues of a ZodError', () => {
    const error = thrown(() => z.object({ name: z.string() }).parse({ name: 1 }));
    const shown = userMessage(error);
    expect(shown.expected).toBe(true);
    expect(shown.message).toMatch(/^name: /);
  });

  it('shows an unexpected error as an internal error, never its message', () => {
    for (const error of [
      new Error(SECRET),
      new TypeError(SECRET),
      Object.assign(new Error(SECRET), { code: '42P01' }),
      SECRET,
      undefined,
    ]) {
      const shown = userMessage(error);
      expect(shown).toEqual({ expected: false, message: INTERNAL_ERROR_MESSAGE });
      expect(shown.message).not.toContain('hunter2');
    }
  });

  it('a database that cannot be reached is the operator’s to fix (CLI), with the reason', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const failure = connectionFailure(refused);
    expect(failure?.code).toBe('DATABASE_UNAVAILABLE');
    expect(userMessage(failure).message).toBe('Cannot use the database: connect ECONNREFUSED 127.0.0.1:1');
    expect(connectionFailure(new Error(SECRET))).toBeUndefined();
    expect(connectionFailure(Object.assign(new Error(SECRET), { code: '42P01' }))).toBeUndefined();
  });
});

describe('dashboard attempt', () => {
  it('turns an expected failure into the page’s message', async () => {
    expect(await attempt(() => Promise.reject(inputError('Choose a user to query as.')))).toEqual({
      ok: false,
      error: 'Choose a user to query as.',
    });
    expect(await attempt(() => Promise.resolve(7))).toEqual({ ok: true, value: 7 });
  });

  it('passes an unexpected error on to the server’s handler (logged there, answered 500), never as the page’s message', async () => {
    const bug = new Error(SECRET);
    await expect(attempt(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
