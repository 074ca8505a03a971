/**
 * Property: the database holds no verification code that a redeem would accept. Only the code's SHA-256 and its last
 * 39 characters (the nonce, which the client is given anyway) are stored: neither the code nor anything in its row
 * verifies the e-mail, while the code from the mail does. (The mail queue itself holds the mail with its link: that is
 * the delivery, not the code store.)
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

describeOnEachStore('verification codes are stored hashed on %s', (t) => {
  it('no stored value redeems; the mailed code does', async () => {
    const email = uniqueEmail('hashed');
    expect(
      (await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: PASSWORD, verification_callback_url: CALLBACK } })).status,
    ).toBe(200);
    const code = linkCode((await waitForMail(t, email)).text, CALLBACK);
    const { rows } = await t.server.ctx.db.query<{ row: string }>(
      'SELECT row_to_json(v)::text AS row FROM authsync.verification_codes v WHERE email = $1',
      [email],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!.row;
    expect(row).not.toContain(code);
    expect(row.toLowerCase()).not.toContain(code.toLowerCase());
    // Every string in the row, and every 45-character window of it, as a code.
    const values = Object.values(JSON.parse(row) as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
    const candidates = new Set<string>();
    for (const value of values) {
      if (value.length === 45) candidates.add(value);
      for (let i = 0; i + 45 <= value.length; i += 1) candidates.add(value.slice(i, i + 45));
    }
    expect(candidates.size).toBeGreaterThan(0);
    for (const candidate of candidates) {
      const res = await api(t, 'POST', '/contact-channels/verify/check-code', { body: { code: candidate } });
      expect(res.json.code, candidate).toBe('VERIFICATION_CODE_NOT_FOUND');
    }
    expect((await api(t, 'POST', '/contact-channels/verify', { body: { code } })).status).toBe(200);
  });
});
