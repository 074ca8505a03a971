/**
 * Error texts as Stack's server words them, byte for byte, on a real server: SCHEMA_ERROR's "Request validation failed
 * on METHOD PATH:" form with its problem lines, the empty e-mail at sign-in, the access-type family, and the plain-text
 * 400 of a password sent with its hash. (Every known error's own text is checked against the SDK in
 * test/api/sdk-error-decoding.test.ts.)
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, serverHeaders, useTestServer } from '../helpers/server.js';
import { PASSWORD, signUp, uniqueEmail, withToken } from '../api/support.js';

const t = useTestServer({ mode: 'postgres' });

function schemaError(text: string) {
  return { code: 'SCHEMA_ERROR', details: { message: text }, error: text };
}

it('answers an empty e-mail at sign-in with SCHEMA_ERROR "body.email must not be empty"', async () => {
  const res = await api(t, 'POST', '/auth/password/sign-in', { body: { email: '', password: 'some-password' } });
  expect(res.status).toBe(400);
  expect(res.json).toEqual(
    schemaError('Request validation failed on POST /api/v1/auth/password/sign-in:\n  - body.email must not be empty'),
  );
});

it('names unknown properties, missing fields and wrong types as Stack does', async () => {
  const alice = await signUp(t);
  const unknown = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { client_read_only_metadata: {} } });
  expect(unknown.json).toEqual(
    schemaError('Request validation failed on PATCH /api/v1/users/me:\n  - body contains unknown properties: client_read_only_metadata'),
  );

  const missing = await api(t, 'POST', '/auth/password/sign-up', { body: { password: PASSWORD } });
  expect(missing.json).toEqual(
    schemaError('Request validation failed on POST /api/v1/auth/password/sign-up:\n  - body.email must be defined'),
  );

  const wrongType = await api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: 123 } });
  expect(wrongType.json).toEqual(
    schemaError(
      'Request validation failed on POST /api/v1/auth/password/sign-up:\n  - body.password must be a `string` type, but the final value was: `123`.',
    ),
  );
});

it('refuses a session longer than 367 days and a TOTP secret that is not base64, in Stack’s words', async () => {
  const alice = await signUp(t);
  const tooLong = await api(t, 'POST', '/auth/sessions', {
    headers: serverHeaders(t),
    body: { user_id: alice.userId, expires_in_millis: 368 * 24 * 3600 * 1000 },
  });
  expect(tooLong.json).toEqual(
    schemaError(
      'Request validation failed on POST /api/v1/auth/sessions:\n  - body.expires_in_millis must be less than or equal to 31708800000',
    ),
  );
  const longest = await api(t, 'POST', '/auth/sessions', {
    headers: serverHeaders(t),
    body: { user_id: alice.userId, expires_in_millis: 367 * 24 * 3600 * 1000 },
  });
  expect(longest.status, longest.text).toBe(200);

  const notBase64 = await api(t, 'PATCH', `/users/${alice.userId}`, {
    headers: serverHeaders(t),
    body: { totp_secret_base64: 'not base64!' },
  });
  expect(notBase64.json).toEqual(
    schemaError(`Request validation failed on PATCH /api/v1/users/${alice.userId}:\n  - body.totp_secret_base64 is not valid base64`),
  );
  const secret = await api(t, 'PATCH', `/users/${alice.userId}`, {
    headers: serverHeaders(t),
    body: { totp_secret_base64: 'SGVsbG8gV29ybGQ=' },
  });
  expect(secret.status, secret.text).toBe(200);
});

it('words the access-type errors as Stack does', async () => {
  const noType = await api(t, 'GET', '/users/me', { headers: { 'x-stack-project-id': t.projectId } });
  expect(noType.json.error).toBe(
    "You must specify an access level for this Stack project. Make sure project API keys are provided (eg. x-stack-publishable-client-key) and you set the x-stack-access-type header to 'client', 'server', or 'admin'.\n\nFor more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication",
  );
  const insufficient = await api(t, 'GET', '/users', { headers: clientHeaders(t) });
  expect(insufficient.json.error).toBe("The x-stack-access-type header must be 'server' or 'admin', but was 'client'.");
  const badKey = await api(t, 'GET', '/users', { headers: serverHeaders(t, { 'x-stack-secret-server-key': 'ssk_wrong' }) });
  expect(badKey.json.error).toBe(
    `The secret server key is not valid for the project ${JSON.stringify(t.projectId)}. Does the project and/or the key exist?`,
  );
});

it('answers a password sent with its hash with Stack’s plain-text 400', async () => {
  const res = await api(t, 'POST', '/users', {
    headers: serverHeaders(t),
    body: {
      primary_email: uniqueEmail(),
      password: PASSWORD,
      password_hash: '$2a$10$abcdefghijklmnopqrstuuJ3Xl6p3yXo9s5fXy1Tq2M3m4N5o6P7q',
    },
  });
  expect(res.status).toBe(400);
  expect(res.headers.get('x-stack-known-error')).toBeNull();
  expect(res.text).toBe('Cannot set both password and password_hash at the same time.');
});
