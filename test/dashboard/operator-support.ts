/**
 * Operators in the dashboard over plain HTTP: users of the internal project (signed up through its API with Stack's
 * development keys, as test/internal does) who sign in to the dashboard with e-mail and password, then read pages and
 * post forms with their session cookie and CSRF token.
 */
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { DEV_KEYS_ENV } from '../internal/support.js';
import { ADMIN_SECRET } from './support.js';

/** A server whose internal project has the development keys and whose admin secret is known. */
export const OPERATOR_SERVER_ENV = { ...DEV_KEYS_ENV, AUTHSYNC_ADMIN_SECRET: ADMIN_SECRET };

export interface SignInAnswer {
  status: number;
  location: string | null;
  setCookie: string;
  body: string;
}

export function formPost(t: TestServer, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${t.url}/dashboard${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(t.url).origin, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export async function passwordSignIn(t: TestServer, email: string, password: string): Promise<SignInAnswer> {
  const response = await formPost(t, '/sign-in/password', { email, password });
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookie: response.headers.get('set-cookie') ?? '',
    body: await response.text(),
  };
}

export interface Browsing {
  cookie: string;
  csrf: string;
  /** GET a dashboard path: status and body. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** POST a form with the CSRF token: status and body. */
  post(path: string, fields: Record<string, string>): Promise<{ status: number; body: string }>;
}

/** A session from a sign-in answer's cookie (the CSRF token read from the projects page's sign-out form). */
export async function browse(t: TestServer, cookieHeader: string): Promise<Browsing> {
  const value = /authsync_dashboard=([^;]+)/.exec(cookieHeader)?.[1];
  expect(value, cookieHeader).toBeDefined();
  const cookie = `authsync_dashboard=${value}`;
  const get = async (path: string) => {
    const response = await fetch(`${t.url}/dashboard${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, body: await response.text() };
  };
  const projects = await get('/projects');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(projects.body)?.[1] ?? '';
  return {
    cookie,
    csrf,
    get,
    async post(path, fields) {
      const response = await formPost(t, path, { _csrf: csrf, ...fields }, { cookie });
      return { status: response.status, body: await response.text() };
    },
  };
}

/** Signs an operator in to the dashboard, expecting success. */
export async function signInOperator(t: TestServer, email: string, password: string): Promise<Browsing> {
  const answer = await passwordSignIn(t, email, password);
  expect(answer.status, answer.body).toBe(303);
  expect(answer.location).toBe('/dashboard/projects');
  return browse(t, answer.setCookie);
}

export async function signInAdmin(t: TestServer): Promise<Browsing> {
  const response = await formPost(t, '/sign-in', { secret: ADMIN_SECRET });
  expect(response.status).toBe(303);
  return browse(t, response.headers.get('set-cookie') ?? '');
}
