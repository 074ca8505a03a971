/**
 * Property: with client access a user reads and changes only their own contact channels. Every channel route aimed at
 * another user's ID is refused with Stack's text (403 for list, create, get, update and delete; 400 for
 * send-verification-code), and the other user's channels are unchanged afterwards.
 */
import { expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { signUp, uniqueEmail, withToken } from '../api/support.js';

describeOnEachStore('contact channels: own user only (client) on %s', (t) => {
  it('a client cannot read or change another user’s channels', async () => {
    const victim = await signUp(t);
    const attacker = await signUp(t);
    const before = await api(t, 'GET', `/contact-channels?user_id=${victim.userId}`, { headers: serverHeaders(t) });
    const channelId = (before.json.items as { id: string }[])[0]!.id;
    const headers = withToken(t, attacker.accessToken);
    const attempts = [
      api(t, 'GET', `/contact-channels?user_id=${victim.userId}`, { headers }),
      api(t, 'POST', '/contact-channels', {
        headers,
        body: { user_id: victim.userId, type: 'email', value: uniqueEmail(), used_for_auth: false },
      }),
      api(t, 'GET', `/contact-channels/${victim.userId}/${channelId}`, { headers }),
      api(t, 'PATCH', `/contact-channels/${victim.userId}/${channelId}`, {
        headers,
        body: { value: uniqueEmail('hijack'), used_for_auth: true },
      }),
      api(t, 'DELETE', `/contact-channels/${victim.userId}/${channelId}`, { headers }),
      api(t, 'POST', `/contact-channels/${victim.userId}/${channelId}/send-verification-code`, {
        headers,
        body: { callback_url: 'http://localhost:3000/handler/email-verification' },
      }),
      // The attacker's own `me` with the victim's channel ID: not found, not the victim's channel.
      api(t, 'PATCH', `/contact-channels/me/${channelId}`, { headers, body: { used_for_auth: false } }),
      api(t, 'GET', `/contact-channels/me/${channelId}`, { headers }),
    ];
    const results = await Promise.all(attempts);
    for (const res of results.slice(0, 5)) {
      expect(res.status, res.text).toBe(403);
      expect(res.headers.get('x-stack-known-error')).toBeNull();
    }
    expect(results[5]!.status).toBe(400);
    expect(results[5]!.text).toBe('Can only send verification code for your own user');
    expect(results[6]!.status).toBe(400);
    expect(results[7]!.status).toBe(404);
    const after = await api(t, 'GET', `/contact-channels?user_id=${victim.userId}`, { headers: serverHeaders(t) });
    expect(after.json).toEqual(before.json);
    const { rows } = await t.server.ctx.db.query('SELECT 1 FROM authsync.emails WHERE recipient = $1', [victim.email]);
    expect(rows).toHaveLength(0);
  });
});
