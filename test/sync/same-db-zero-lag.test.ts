/**
 * Same database, zero lag: the users_sync row is written in the sign-up's own transaction, so the app's
 * first request can insert a row referencing the new user by foreign key. 100 sign-ups (password and
 * anonymous, alternating), each followed at once by the insert: none may fail.
 */
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHeaders, useTestServer } from '../helpers/server.js';

describe('users_sync in the same database', () => {
  const t = useTestServer();
  let app: pg.Client;
  beforeAll(async () => {
    app = new pg.Client({ connectionString: t.databaseUrl! });
    await app.connect();
    await app.query(`CREATE TABLE todos (
      id SERIAL PRIMARY KEY,
      task TEXT NOT NULL,
      user_id TEXT NOT NULL REFERENCES neon_auth.users_sync(id) ON DELETE CASCADE
    )`);
  });
  afterAll(async () => {
    await app?.end();
  });

  it('lets a row referencing a new user be inserted right after sign-up, 100 times out of 100', async () => {
    let inserted = 0;
    for (let i = 0; i < 100; i++) {
      const anonymous = i % 2 === 1;
      const response = await fetch(`${t.apiUrl}/auth/${anonymous ? 'anonymous' : 'password'}/sign-up`, {
        method: 'POST',
        headers: clientHeaders(t),
        ...(anonymous ? {} : { body: JSON.stringify({ email: `user${i}@example.com`, password: 'correct horse battery' }) }),
      });
      expect(response.status).toBe(200);
      const { access_token } = (await response.json()) as { access_token: string };
      // The app's first authenticated request: the user's ID from the token, straight into a foreign key.
      const userId = decodeJwt(access_token).sub!;
      await app.query('INSERT INTO todos (task, user_id) VALUES ($1, $2)', [`first task ${i}`, userId]);
      inserted += 1;
    }
    expect(inserted).toBe(100);
    const { rows } = await app.query(
      'SELECT count(*)::int AS n FROM todos t JOIN neon_auth.users_sync u ON u.id = t.user_id WHERE u.deleted_at IS NULL',
    );
    expect(rows[0].n).toBe(100);
  });
});
