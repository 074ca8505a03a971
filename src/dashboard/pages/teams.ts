/**
 * /dashboard/projects/:projectId/teams: the project's teams (name, members, created), searchable by name or ID; a
 * team's page with its members and their permissions, its pending invitations, and forms to add or remove a member
 * through the functions the team API uses (so the selected team, the access token and users_sync follow).
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import type { Project } from '../../projects/projects.js';
import { listTeamInvitations } from '../../teams/invitations.js';
import { listMemberProfiles } from '../../teams/member-profiles.js';
import { addMember, removeMember } from '../../teams/memberships.js';
import { listGrants } from '../../teams/permissions.js';
import { getTeam, listTeams } from '../../teams/teams.js';
import type { TeamRow } from '../../users/team-shape.js';
import type { DashboardEnv } from '../env.js';
import { attempt, inputError, readForm } from '../form.js';
import { projectPath } from '../paths.js';
import type { DashboardSession } from '../sessions.js';
import { memberCounts } from '../team-counts.js';
import { actionForm, csrfField, type Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, type Html } from '../view/html.js';
import { errorPage } from './error-page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOTICES: Record<string, string> = {
  added: 'Added the member (with the team_member permission).',
  removed: 'Removed the member.',
};

function uuidParam(c: Context<DashboardEnv>, name: string): string | undefined {
  const id = c.req.param(name) ?? '';
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

export function registerTeams(app: Hono<DashboardEnv>, ctx: AppContext): void {
  const base = '/projects/:projectId/teams';
  const notFound = (c: Context<DashboardEnv>) =>
    c.html(errorPage('Team not found', 'This project has no such team.', c.get('session')), 404);
  const loadTeam = async (c: Context<DashboardEnv>) => {
    const id = uuidParam(c, 'teamId');
    return id ? getTeam(ctx.db, c.get('project').id, id) : undefined;
  };

  app.get(base, async (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 256);
    return c.html(await teamsPage(ctx, c.get('session'), c.get('project'), q));
  });

  app.get(`${base}/:teamId`, async (c) => {
    const team = await loadTeam(c);
    if (!team) return notFound(c);
    return c.html(await teamPage(ctx, c.get('session'), c.get('project'), team, { notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  app.post(`${base}/:teamId/members`, async (c) => {
    const project = c.get('project');
    const team = await loadTeam(c);
    if (!team) return notFound(c);
    const userId = ((await readForm(c)).user_id ?? '').trim();
    const result = await attempt(async () => {
      if (!UUID.test(userId)) throw inputError('User ID: enter a user ID (a UUID).');
      return addMember(ctx, project.id, team.id, userId.toLowerCase());
    });
    if (!result.ok) return c.html(await teamPage(ctx, c.get('session'), project, team, { error: result.error }), 400);
    return c.redirect(`${projectPath(project.id, `/teams/${team.id}`)}?done=added`, 303);
  });

  app.post(`${base}/:teamId/members/:userId/remove`, async (c) => {
    const project = c.get('project');
    const team = await loadTeam(c);
    const userId = uuidParam(c, 'userId');
    if (!team || !userId) return notFound(c);
    const result = await attempt(() => removeMember(ctx, project.id, team.id, userId));
    if (!result.ok) return c.html(await teamPage(ctx, c.get('session'), project, team, { error: result.error }), 400);
    return c.redirect(`${projectPath(project.id, `/teams/${team.id}`)}?done=removed`, 303);
  });
}

async function teamsPage(ctx: AppContext, session: DashboardSession, project: Project, q: string): Promise<Html> {
  const needle = q.toLowerCase();
  const teams = (await listTeams(ctx.db, project.id)).filter(
    (team) => !needle || team.id === needle || team.display_name.toLowerCase().includes(needle),
  );
  const counts = await memberCounts(ctx.db, project.id);
  return page({
    title: `Teams · ${project.displayName}`,
    session,
    project,
    tab: 'teams',
    body: html`<h1>Teams</h1>
<form method="get" action="${projectPath(project.id, '/teams')}" role="search" class="row" aria-label="Search teams">
  <div><label for="q">Name or ID</label><input type="search" id="q" name="q" value="${q}"></div>
  <button type="submit">Search</button>
</form>
<div class="table-wrap">${
      teams.length === 0
        ? html`<p>${q ? 'No team matches.' : 'No teams yet.'}</p>`
        : html`<table class="responsive"><caption class="muted">Oldest first</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Created</th></tr></thead>
<tbody>${teams.map(
            (team) => html`<tr data-team-id="${team.id}">
  <td data-label="Name"><a href="${projectPath(project.id, `/teams/${team.id}`)}">${team.display_name}</a></td>
  <td data-label="Members">${String(counts.get(team.id) ?? 0)}</td>
  <td data-label="Created">${formatDate(new Date(team.created_at))}</td></tr>`,
          )}</tbody></table>`
    }</div>`,
  });
}

async function teamPage(ctx: AppContext, session: DashboardSession, project: Project, team: TeamRow, m: Messages): Promise<Html> {
  const base = projectPath(project.id, `/teams/${team.id}`);
  const members = await listMemberProfiles(ctx.db, project.id, { teamId: team.id });
  const grants = await listGrants(ctx.db, project.id, { teamId: team.id });
  const invitations = await listTeamInvitations(ctx, project.id, team.id);
  const permissionsOf = (userId: string) =>
    grants
      .filter((g) => g.user_id === userId)
      .map((g) => g.id)
      .join(', ');
  return page({
    title: `${team.display_name} · Teams · ${project.displayName}`,
    session,
    project,
    tab: 'teams',
    ...m,
    body: html`<p><a href="${projectPath(project.id, '/teams')}">All teams</a></p>
<h1>${team.display_name}</h1>
<p class="muted">Team ID <code>${team.id}</code> · created ${formatDate(new Date(team.created_at))}</p>
<section aria-labelledby="members-title"><h2 id="members-title">Members</h2>
<div class="table-wrap">${
      members.length === 0
        ? html`<p>No members.</p>`
        : html`<table class="responsive">
<thead><tr><th scope="col">User ID</th><th scope="col">E-mail</th><th scope="col">Name</th><th scope="col">Permissions</th>
<th scope="col">Actions</th></tr></thead>
<tbody>${members.map(
            (member) => html`<tr data-user-id="${member.user_id}">
  <td data-label="User ID"><a href="${projectPath(project.id, `/users/${member.user_id}`)}"><code>${member.user_id}</code></a></td>
  <td data-label="E-mail">${member.user.primary_email ?? ''}</td>
  <td data-label="Name">${member.display_name ?? ''}</td>
  <td data-label="Permissions" data-permissions>${permissionsOf(member.user_id)}</td>
  <td data-label="Actions">${actionForm(session, `${base}/members/${member.user_id}/remove`, 'Remove', {
    confirm: `Remove ${member.user.primary_email ?? member.user_id} from ${team.display_name}?`,
    danger: true,
  })}</td></tr>`,
          )}</tbody></table>`
    }</div>
<form method="post" action="${base}/members" class="row" aria-label="Add member">${csrfField(session)}
  <div><label for="user_id">User ID</label><input type="text" id="user_id" name="user_id" required></div>
  <button type="submit">Add member</button>
</form></section>
<section aria-labelledby="invitations-title"><h2 id="invitations-title">Pending invitations</h2>${
      invitations.length === 0
        ? html`<p>No pending invitations.</p>`
        : html`<table class="responsive">
<thead><tr><th scope="col">Recipient</th><th scope="col">Expires</th></tr></thead>
<tbody>${invitations.map(
            (invitation) => html`<tr data-invitation-id="${invitation.id}">
  <td data-label="Recipient">${invitation.recipient_email}</td>
  <td data-label="Expires">${formatDate(new Date(invitation.expires_at_millis))}</td></tr>`,
          )}</tbody></table>`
    }</section>`,
  });
}
