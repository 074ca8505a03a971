/**
 * Team invitations (Stack's `/team-invitations`): a TEAM_INVITATION verification code for an e-mail address, mailed
 * through the e-mail queue as the `team_invitation` template's link, in the transaction that creates the code; listed
 * and revoked per team; accepted by a signed-in user, who becomes a member with the member's default permissions in the
 * transaction that uses the code. Restricted users (anonymous, an unverified primary e-mail where the project requires
 * verification, restricted by an administrator) can neither accept an invitation nor read its details, as on Stack.
 */
import { checkVerificationCode, consumeVerificationCode, createVerificationCode } from '../auth/verification-codes.js';
import type { AppContext } from '../context/app-context.js';
import { enqueueEmail } from '../email/outbox.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';
import { restrictedReason, type UserRow } from '../users/user-object.js';
import { addMembership } from './memberships.js';
import { requireTeam } from './teams.js';

export interface InvitationRequest {
  projectId: string;
  config: ProjectConfig;
  teamId: string;
  email: string;
  callbackUrl: string;
  /** The client's address, for the e-mail rate limit; undefined for in-process callers. */
  clientAddress?: string | undefined;
}

/** POST /team-invitations/send-code: the code and its mail; returns the invitation's ID. */
export async function sendTeamInvitation(ctx: AppContext, request: InvitationRequest): Promise<{ id: string }> {
  const team = await requireTeam(ctx.db, request.projectId, request.teamId);
  if (!isTrustedUrl(request.config, request.callbackUrl)) throw errors.redirectUrlNotWhitelisted();
  await ctx.limits.emailSend(request.projectId, request.clientAddress, request.email);
  return ctx.db.transaction(async (tx) => {
    const created = await createVerificationCode(tx, {
      projectId: request.projectId,
      config: request.config,
      type: 'TEAM_INVITATION',
      email: request.email,
      data: { team_id: team.id },
      callbackUrl: request.callbackUrl,
    });
    await enqueueEmail(ctx, tx, {
      projectId: request.projectId,
      to: request.email,
      template: 'team_invitation',
      variables: { teamDisplayName: team.display_name, teamInvitationLink: created.link },
      user: null,
    });
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM authsync.verification_codes WHERE project_id = $1 AND type = 'TEAM_INVITATION' AND nonce = $2`,
      [request.projectId, created.nonce],
    );
    return { id: rows[0]!.id };
  });
}

function teamIdOf(data: Record<string, unknown>): string {
  return typeof data.team_id === 'string' ? data.team_id : '';
}

/** TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED for a restricted user: it has not finished signing up. */
export function refuseRestrictedInvitee(user: UserRow | null): void {
  const reason = user ? restrictedReason(user) : null;
  if (reason) throw errors.teamInvitationRestrictedUserNotAllowed(reason.type);
}

/** POST /team-invitations/accept/check-code: valid (not consumed), for a team that still exists. */
export async function checkTeamInvitation(ctx: AppContext, projectId: string, code: string): Promise<void> {
  const found = await checkVerificationCode(ctx.db, { projectId, type: 'TEAM_INVITATION', code });
  await requireTeam(ctx.db, projectId, teamIdOf(found.data));
}

/** POST /team-invitations/accept/details: the team the code invites to (the code checked first, then the user). */
export async function teamInvitationDetails(ctx: AppContext, projectId: string, code: string, user: UserRow | null) {
  const found = await checkVerificationCode(ctx.db, { projectId, type: 'TEAM_INVITATION', code });
  refuseRestrictedInvitee(user);
  const team = await requireTeam(ctx.db, projectId, teamIdOf(found.data));
  return { team_id: team.id, team_display_name: team.display_name };
}

/**
 * POST /team-invitations/accept: the signed-in user joins the team (the code used in the same transaction). A user
 * already in the team keeps its membership and the code is used. A restricted user is refused (the code checked
 * first, and left unused).
 */
export async function acceptTeamInvitation(ctx: AppContext, projectId: string, code: string, user: UserRow): Promise<void> {
  const found = await checkVerificationCode(ctx.db, { projectId, type: 'TEAM_INVITATION', code });
  refuseRestrictedInvitee(user);
  const userId = user.id;
  const teamId = teamIdOf(found.data);
  await ctx.db.transaction(async (tx) => {
    await consumeVerificationCode(tx, found);
    await requireTeam(tx, projectId, teamId);
    const { rowCount } = await tx.query('SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
    if (rowCount === 0) await addMembership(tx, projectId, teamId, userId);
  });
}

export interface SentInvitation {
  id: string;
  team_id: string;
  team_display_name: string;
  recipient_email: string;
  expires_at_millis: number;
}

/** GET /team-invitations?team_id=: the team's unused, unexpired invitations, oldest first. */
export async function listTeamInvitations(ctx: AppContext, projectId: string, teamId: string): Promise<SentInvitation[]> {
  const team = await requireTeam(ctx.db, projectId, teamId);
  const { rows } = await ctx.db.query<{ id: string; email: string; expires_at: Date }>(
    `SELECT id, email, expires_at FROM authsync.verification_codes
     WHERE project_id = $1 AND type = 'TEAM_INVITATION' AND data->>'team_id' = $2 AND used_at IS NULL AND expires_at > now()
     ORDER BY created_at, id`,
    [projectId, teamId],
  );
  return rows.map((row) => sentInvitation(row, team));
}

/** DELETE /team-invitations/{id}?team_id=: the invitation's code can no longer be used. */
export async function revokeTeamInvitation(ctx: AppContext, projectId: string, teamId: string, invitationId: string): Promise<void> {
  await requireTeam(ctx.db, projectId, teamId);
  const { rowCount } = await ctx.db.query(
    `DELETE FROM authsync.verification_codes WHERE id = $1 AND project_id = $2 AND type = 'TEAM_INVITATION' AND data->>'team_id' = $3`,
    [invitationId, projectId, teamId],
  );
  if (rowCount === 0) throw errors.verificationCodeNotFound();
}

/** The user's verified addresses: an invitation to one of them is the user's to see and accept. */
const VERIFIED_EMAILS_OF = `(SELECT c.value FROM authsync.contact_channels c WHERE c.user_id = $2 AND c.type = 'email' AND c.is_verified
   UNION SELECT u.primary_email FROM authsync.users u WHERE u.id = $2 AND u.primary_email_verified)`;

/** GET /team-invitations?user_id=: pending invitations sent to one of the user's verified e-mail addresses. */
export async function listReceivedInvitations(ctx: AppContext, projectId: string, userId: string): Promise<SentInvitation[]> {
  const { rows } = await ctx.db.query<{ id: string; email: string; expires_at: Date; team_id: string; display_name: string }>(
    `SELECT v.id, v.email, v.expires_at, t.id AS team_id, t.display_name FROM authsync.verification_codes v
     JOIN authsync.teams t ON t.id::text = v.data->>'team_id' AND t.project_id = v.project_id
     WHERE v.project_id = $1 AND v.type = 'TEAM_INVITATION' AND v.used_at IS NULL AND v.expires_at > now()
       AND v.email IN ${VERIFIED_EMAILS_OF}
     ORDER BY v.created_at, v.id`,
    [projectId, userId],
  );
  return rows.map((row) => sentInvitation(row, { id: row.team_id, display_name: row.display_name }));
}

/** An invitation in Stack's shape: its code's row and its team. */
function sentInvitation(code: { id: string; email: string; expires_at: Date }, team: { id: string; display_name: string }): SentInvitation {
  return {
    id: code.id,
    team_id: team.id,
    team_display_name: team.display_name,
    recipient_email: code.email,
    expires_at_millis: new Date(code.expires_at).getTime(),
  };
}

/**
 * POST /team-invitations/{id}/accept: the user accepts an invitation sent to one of its verified addresses (else
 * VERIFICATION_CODE_NOT_FOUND, as for an unknown one), joining the team; the invitation is used in the same transaction.
 */
export async function acceptReceivedInvitation(ctx: AppContext, projectId: string, invitationId: string, userId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ team_id: string }>(
      `UPDATE authsync.verification_codes v SET used_at = now()
       WHERE v.id = $3 AND v.project_id = $1 AND v.type = 'TEAM_INVITATION' AND v.used_at IS NULL AND v.expires_at > now()
         AND v.email IN ${VERIFIED_EMAILS_OF}
       RETURNING v.data->>'team_id' AS team_id`,
      [projectId, userId, invitationId],
    );
    if (!rows[0]) throw errors.verificationCodeNotFound();
    const teamId = rows[0].team_id;
    await requireTeam(tx, projectId, teamId);
    const { rowCount } = await tx.query('SELECT 1 FROM authsync.team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
    if (rowCount === 0) await addMembership(tx, projectId, teamId, userId);
  });
}
