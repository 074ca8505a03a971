/**
 * Property: a verification code belongs to the project that sent it. Redeemed (or checked) with another project's keys
 * it is VERIFICATION_CODE_NOT_FOUND, it is not used up, and it still verifies in its own project.
 */
import { expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { api, clientHeaders, describeOnEachStore, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { expectKnownError, PASSWORD, uniqueEmail } from '../api/support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

describeOnEachStore('verification codes are bound to their project on %s', (t) => {
  it('a code of one project does not verify in another', async () => {
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    const otherHeaders = clientHeaders({ ...t, projectId: other.project.id, keys: other.keys } as TestServer);
    const email = uniqueEmail('bound');
    expect(
      (await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: PASSWORD, verification_callback_url: CALLBACK } })).status,
    ).toBe(200);
    const code = linkCode((await waitForMail(t, email)).text, CALLBACK);
    expectKnownError(
      await api(t, 'POST', '/contact-channels/verify/check-code', { headers: otherHeaders, body: { code } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', '/contact-channels/verify', { headers: otherHeaders, body: { code } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );
    expect((await api(t, 'POST', '/contact-channels/verify', { body: { code } })).status).toBe(200);
  });
});
