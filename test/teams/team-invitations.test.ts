/**
 * Team invitations over HTTP on both stores: a team admin sends a code (the `team_invitation` mail through the queue),
 * the code is checked and its team read without using it, the invitation listed, another user accepts and becomes a
 * member with team_member; reused, expired and revoked codes refused with Stack's errors; who may invite.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { expectKnownError, signUp, uniqueEmail, withToken } from '../api/support.js';
import { MEMBER_PERMISSIONS, addMember, permissionsOf, serverTeam } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/team-invitation';

describeOnEachStore('team invitations on %s', (t) => {
  it('send → mail → check, details → accept by another user (team_member); reuse refused; listed until used', async () => {
    const admin = await signUp(t);
    const team = await serverTeam(t, 'Invite Co', admin.userId);
    const id = team.id as string;
    const email = uniqueEmail('invitee');
    const sent = await api(t, 'POST', '/team-invitations/send-code', {
      headers: withToken(t, admin.accessToken),
      body: { team_id: id, email, callback_url: CALLBACK },
    });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json).toEqual({ success: true, id: expect.any(String) });
    const mail = await waitForMail(t, email, { subject: 'You have been invited to join Invite Co' });
    const code = linkCode(mail.text, CALLBACK);

    const listed = await api(t, 'GET', `/team-invitations?team_id=${id}`, { headers: withToken(t, admin.accessToken) });
    expect(listed.json).toEqual({
      items: [
        { id: sent.json.id, team_id: id, team_display_name: 'Invite Co', recipient_email: email, expires_at_millis: expect.any(Number) },
      ],
      is_paginated: false,
    });
    expect((await api(t, 'POST', '/team-invitations/accept/check-code', { body: { code } })).json).toEqual({ is_code_valid: true });
    expect((await api(t, 'POST', '/team-invitations/accept/details', { body: { code } })).json).toEqual({
      team_id: id,
      team_display_name: 'Invite Co',
    });

    expectKnownError(
      await api(t, 'POST', '/team-invitations/accept', { headers: clientHeaders(t), body: { code } }),
      'USER_AUTHENTICATION_REQUIRED',
      401,
    );
    const invitee = await signUp(t, email);
    const accepted = await api(t, 'POST', '/team-invitations/accept', { headers: withToken(t, invitee.accessToken), body: { code } });
    expect(accepted.status, accepted.text).toBe(200);
    expect(await permissionsOf(t, id, invitee.userId)).toEqual(MEMBER_PERMISSIONS);
    expect((await api(t, 'GET', '/teams?user_id=me', { headers: withToken(t, invitee.accessToken) })).json.items).toEqual([
      expect.objectContaining({ id }),
    ]);
    expectKnownError(
      await api(t, 'POST', '/team-invitations/accept', { headers: withToken(t, invitee.accessToken), body: { code } }),
      'VERIFICATION_CODE_ALREADY_USED',
      409,
    );
    expect((await api(t, 'GET', `/team-invitations?team_id=${id}`, { headers: serverHeaders(t) })).json.items).toEqual([]);
  });

  it('expired and revoked codes are refused; an untrusted callback URL, a non-member and a member without $invite_members cannot send', async () => {
    const admin = await signUp(t);
    const member = await signUp(t);
    const outsider = await signUp(t);
    const team = await serverTeam(t, 'Strict', admin.userId);
    const id = team.id as string;
    await addMember(t, id, member.userId);

    const send = (headers: Record<string, string>, email: string, callback_url = CALLBACK) =>
      api(t, 'POST', '/team-invitations/send-code', { headers, body: { team_id: id, email, callback_url } });

    const expiring = uniqueEmail('expiring');
    expect((await send(serverHeaders(t), expiring)).status).toBe(200);
    const expiredCode = linkCode((await waitForMail(t, expiring, { subject: 'You have been invited' })).text, CALLBACK);
    await t.server.ctx.db.query(
      "UPDATE authsync.verification_codes SET expires_at = now() - interval '1 second' WHERE type = 'TEAM_INVITATION' AND email = $1",
      [expiring],
    );
    const someone = await signUp(t);
    expectKnownError(
      await api(t, 'POST', '/team-invitations/accept', { headers: withToken(t, someone.accessToken), body: { code: expiredCode } }),
      'VERIFICATION_CODE_EXPIRED',
      400,
    );

    const revoked = uniqueEmail('revoked');
    const sent = await send(withToken(t, member.accessToken), revoked); // team_member holds $invite_members
    expect(sent.status, sent.text).toBe(200);
    const revokedCode = linkCode((await waitForMail(t, revoked, { subject: 'You have been invited' })).text, CALLBACK);
    expect(
      (await api(t, 'DELETE', `/team-invitations/${sent.json.id}?team_id=${id}`, { headers: withToken(t, admin.accessToken), body: {} }))
        .status,
    ).toBe(200);
    expectKnownError(
      await api(t, 'POST', '/team-invitations/accept', { headers: withToken(t, someone.accessToken), body: { code: revokedCode } }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );
    expect(await permissionsOf(t, id, someone.userId, false)).toEqual([]);

    expectKnownError(await send(serverHeaders(t), uniqueEmail('x'), 'https://evil.example.com/cb'), 'REDIRECT_URL_NOT_WHITELISTED', 400);
    expectKnownError(await send(withToken(t, outsider.accessToken), uniqueEmail('x')), 'TEAM_MEMBERSHIP_NOT_FOUND', 404);
    await api(t, 'DELETE', `/team-permissions/${id}/${member.userId}/team_member`, { headers: serverHeaders(t), body: {} });
    expectKnownError(await send(withToken(t, member.accessToken), uniqueEmail('x')), 'TEAM_PERMISSION_REQUIRED', 401, {
      team_id: id,
      user_id: member.userId,
      permission_id: '$invite_members',
    });
    expect((await api(t, 'GET', `/team-invitations?team_id=${id}`, { headers: withToken(t, outsider.accessToken) })).status).toBe(404);
  });

  it('a client lists invitations with $read_members and $invite_members, revokes with $remove_members; team_id xor user_id', async () => {
    const admin = await signUp(t);
    const team = await serverTeam(t, 'Perms', admin.userId);
    const id = team.id as string;
    const helper = await signUp(t);
    await addMember(t, id, helper.userId);
    await api(t, 'DELETE', `/team-permissions/${id}/${helper.userId}/team_member`, { headers: serverHeaders(t), body: {} });
    const grant = (permission: string) =>
      api(t, 'POST', `/team-permissions/${id}/${helper.userId}/${permission}`, { headers: serverHeaders(t), body: {} });
    const sent = await api(t, 'POST', '/team-invitations/send-code', {
      headers: withToken(t, admin.accessToken),
      body: { team_id: id, email: uniqueEmail('perm'), callback_url: CALLBACK },
    });
    const list = () => api(t, 'GET', `/team-invitations?team_id=${id}`, { headers: withToken(t, helper.accessToken) });
    const denied = (permission: string) => ({ team_id: id, user_id: helper.userId, permission_id: permission });

    await grant('$invite_members');
    expectKnownError(await list(), 'TEAM_PERMISSION_REQUIRED', 401, denied('$read_members'));
    await api(t, 'DELETE', `/team-permissions/${id}/${helper.userId}/$invite_members`, { headers: serverHeaders(t), body: {} });
    await grant('$read_members');
    expectKnownError(await list(), 'TEAM_PERMISSION_REQUIRED', 401, denied('$invite_members'));
    await grant('$invite_members');
    expect((await list()).json.items).toHaveLength(1);

    const revoke = () =>
      api(t, 'DELETE', `/team-invitations/${sent.json.id}?team_id=${id}`, { headers: withToken(t, helper.accessToken), body: {} });
    expectKnownError(await revoke(), 'TEAM_PERMISSION_REQUIRED', 401, denied('$remove_members'));
    expect((await list()).json.items).toHaveLength(1);
    await grant('$remove_members');
    expect((await revoke()).status).toBe(200);
    expect((await list()).json.items).toEqual([]);

    const both = await api(t, 'GET', `/team-invitations?team_id=${id}&user_id=me`, { headers: serverHeaders(t) });
    expect([both.status, both.text]).toEqual([400, 'Cannot specify both team_id and user_id']);
    const neither = await api(t, 'GET', '/team-invitations', { headers: serverHeaders(t) });
    expect([neither.status, neither.text]).toEqual([400, 'Must specify either team_id or user_id']);
    const noTeam = await api(t, 'DELETE', `/team-invitations/${sent.json.id}`, { headers: serverHeaders(t), body: {} });
    expect([noTeam.status, noTeam.text]).toEqual([400, 'team_id is required for deleting a team invitation']);
  });

  it('received invitations: listed for the user whose verified address they went to, accepted by ID; nobody else sees or accepts them', async () => {
    const admin = await signUp(t);
    const team = await serverTeam(t, 'By ID', admin.userId);
    const id = team.id as string;
    const email = uniqueEmail('received');
    const invitee = await signUp(t, email);
    const other = await signUp(t);
    const sent = await api(t, 'POST', '/team-invitations/send-code', {
      headers: serverHeaders(t),
      body: { team_id: id, email, callback_url: CALLBACK },
    });
    const invitationId = sent.json.id as string;
    const mine = () => api(t, 'GET', '/team-invitations?user_id=me', { headers: withToken(t, invitee.accessToken) });

    // Unverified address: not the user's yet.
    expect((await mine()).json.items).toEqual([]);
    await api(t, 'PATCH', `/users/${invitee.userId}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
    expect((await mine()).json).toEqual({
      items: [{ id: invitationId, team_id: id, team_display_name: 'By ID', recipient_email: email, expires_at_millis: expect.any(Number) }],
      is_paginated: false,
    });
    expect((await api(t, 'GET', '/team-invitations?user_id=me', { headers: withToken(t, other.accessToken) })).json.items).toEqual([]);
    expectKnownError(
      await api(t, 'GET', `/team-invitations?user_id=${invitee.userId}`, { headers: withToken(t, other.accessToken) }),
      'CANNOT_GET_OWN_USER_WITHOUT_USER',
      400,
    );
    expectKnownError(
      await api(t, 'POST', `/team-invitations/${invitationId}/accept?user_id=me`, { headers: withToken(t, other.accessToken), body: {} }),
      'VERIFICATION_CODE_NOT_FOUND',
      404,
    );

    const accepted = await api(t, 'POST', `/team-invitations/${invitationId}/accept?user_id=me`, {
      headers: withToken(t, invitee.accessToken),
      body: {},
    });
    expect(accepted.status, accepted.text).toBe(200);
    expect(await permissionsOf(t, id, invitee.userId)).toEqual(MEMBER_PERMISSIONS);
    expect((await mine()).json.items).toEqual([]);
    expect(await permissionsOf(t, id, other.userId, false)).toEqual([]);
  });
});
