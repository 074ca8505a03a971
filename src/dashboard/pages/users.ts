/**
 * /dashboard/projects/:projectId/users: the searchable, server-paginated list of a project's users (live ones
 * from authsync.users, deleted ones from the users_sync tombstones) and the form that creates a user.
 */
import type { Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import type { Project } from '../../projects/projects.js';
import { toUserFields } from '../../users/user-input.js';
import type { UserRow } from '../../users/user-object.js';
import type { DashboardEnv } from '../env.js';
import { attempt, readForm, type Form } from '../form.js';
import { userCreateInput } from '../form-input.js';
import { projectPath } from '../paths.js';
import type { DashboardSession } from '../sessions.js';
import { listDeletedUsers, type DeletedUser } from '../users-sync-view.js';
import { csrfField, type Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, yesNo, type Html } from '../view/html.js';

const PAGE_SIZE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ListQuery {
  q: string;
  show: 'active' | 'deleted';
  cursor?: string;
  offset: number;
}

export function registerUsers(app: Hono<DashboardEnv>, ctx: AppContext): void {
  app.get('/projects/:projectId/users', async (c) => {
    const cursor = c.req.query('cursor');
    const query: ListQuery = {
      q: (c.req.query('q') ?? '').slice(0, 256),
      show: c.req.query('show') === 'deleted' ? 'deleted' : 'active',
      ...(cursor && UUID.test(cursor) ? { cursor } : {}),
      offset: Math.max(0, Number.parseInt(c.req.query('offset') ?? '0', 10) || 0),
    };
    const notice =
      c.req.query('done') === 'deleted'
        ? 'Deleted the user: users_sync keeps its row with deleted_at set.'
        : c.req.query('done') === 'erased'
          ? 'Erased the user: its users_sync row is gone.'
          : undefined;
    return c.html(await usersPage(ctx, c.get('session'), c.get('project'), query, { notice }));
  });

  app.post('/projects/:projectId/users', async (c) => {
    const project = c.get('project');
    const form = await readForm(c);
    const result = await attempt(async () => ctx.users.create(project.id, await toUserFields(userCreateInput(form))));
    if (!result.ok)
      return c.html(
        await usersPage(ctx, c.get('session'), project, { q: '', show: 'active', offset: 0 }, { error: result.error }, form),
        400,
      );
    return c.redirect(`${projectPath(project.id, `/users/${result.value.id}`)}?done=created`, 303);
  });
}

async function usersPage(
  ctx: AppContext,
  session: DashboardSession,
  project: Project,
  query: ListQuery,
  m: Messages,
  form: Form = {},
): Promise<Html> {
  const base = projectPath(project.id, '/users');
  const params = (extra: Record<string, string>) =>
    new URLSearchParams({ ...(query.q ? { q: query.q } : {}), show: query.show, ...extra }).toString();
  let table: Html;
  let pager: Html;
  if (query.show === 'active') {
    const { items, nextCursor } = await ctx.users.list(project.id, {
      limit: PAGE_SIZE,
      desc: true,
      includeAnonymous: true,
      includeRestricted: true,
      ...(query.q ? { query: query.q } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    table = activeTable(project, items);
    pager = html`${query.cursor ? html`<a href="${base}?${params({})}">First page</a>` : ''}
      ${nextCursor ? html`<a href="${base}?${params({ cursor: nextCursor })}" rel="next">Next page</a>` : ''}`;
  } else {
    const { items, more } = await listDeletedUsers(ctx, project.id, {
      ...(query.q ? { query: query.q } : {}),
      offset: query.offset,
      limit: PAGE_SIZE,
    });
    table = deletedTable(project, items);
    pager = html`${query.offset > 0 ? html`<a href="${base}?${params({ offset: String(Math.max(0, query.offset - PAGE_SIZE)) })}" rel="prev">Previous page</a>` : ''}
      ${more ? html`<a href="${base}?${params({ offset: String(query.offset + PAGE_SIZE) })}" rel="next">Next page</a>` : ''}`;
  }
  return page({
    title: `Users · ${project.displayName}`,
    session,
    project,
    tab: 'users',
    ...m,
    body: html`<h1>Users</h1>
<form method="get" action="${base}" role="search" class="row" aria-label="Search users">
  <div><label for="q">Search by e-mail, name or ID</label><input type="search" id="q" name="q" value="${query.q}"></div>
  <div><label for="show">Show</label><select id="show" name="show">
    <option value="active" ${query.show === 'active' ? 'selected' : ''}>Users</option>
    <option value="deleted" ${query.show === 'deleted' ? 'selected' : ''}>Deleted users</option></select></div>
  <button type="submit">Search</button>
</form>
<div class="table-wrap" aria-live="polite">${table}</div>
<nav class="pager" aria-label="Pages of users">${pager}</nav>
<section class="card" aria-labelledby="new-user">
  <h2 id="new-user">Create a user</h2>
  <form method="post" action="${base}">${csrfField(session)}
    <label for="new-email">E-mail</label><input type="email" id="new-email" name="primary_email" value="${form.primary_email ?? ''}" autocomplete="off">
    <label for="new-name">Display name</label><input type="text" id="new-name" name="display_name" maxlength="256" value="${form.display_name ?? ''}" autocomplete="off">
    <label for="new-password">Password (optional)</label><input type="password" id="new-password" name="password" autocomplete="new-password">
    <p><label class="inline"><input type="checkbox" name="primary_email_auth_enabled" checked> May sign in with this e-mail</label>
    <label class="inline"><input type="checkbox" name="primary_email_verified"> E-mail verified</label></p>
    <button type="submit" class="primary">Create user</button>
  </form>
</section>`,
  });
}

function activeTable(project: Project, users: UserRow[]): Html {
  if (users.length === 0) return html`<p>No users found.</p>`;
  return html`<table class="responsive"><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">E-mail</th><th scope="col">Name</th><th scope="col">Signed up</th><th scope="col">Last active</th>
<th scope="col">Verified</th><th scope="col">Anonymous</th><th scope="col">Deleted</th></tr></thead>
<tbody>${users.map(
    (u) => html`<tr>
  <td data-label="E-mail"><a href="${projectPath(project.id, `/users/${u.id}`)}">${u.primary_email ?? '(no e-mail)'}</a></td>
  <td data-label="Name">${u.display_name ?? ''}</td>
  <td data-label="Signed up">${formatDate(u.signed_up_at)}</td>
  <td data-label="Last active">${formatDate(u.last_active_at)}</td>
  <td data-label="Verified">${yesNo(u.primary_email_verified)}</td>
  <td data-label="Anonymous">${yesNo(u.is_anonymous)}</td>
  <td data-label="Deleted">${yesNo(false)}</td></tr>`,
  )}</tbody></table>`;
}

function deletedTable(project: Project, users: DeletedUser[]): Html {
  if (users.length === 0) return html`<p>No deleted users found.</p>`;
  return html`<table class="responsive"><caption class="muted">Most recently deleted first</caption>
<thead><tr><th scope="col">E-mail</th><th scope="col">Name</th><th scope="col">Signed up</th><th scope="col">Deleted</th><th scope="col">In users_sync</th></tr></thead>
<tbody>${users.map(
    (u) => html`<tr>
  <td data-label="E-mail"><a href="${projectPath(project.id, `/users/${u.id}`)}">${u.email ?? '(no e-mail)'}</a></td>
  <td data-label="Name">${u.name ?? ''}</td>
  <td data-label="Signed up">${formatDate(u.signedUpAt)}</td>
  <td data-label="Deleted">${formatDate(u.deletedAt)}</td>
  <td data-label="In users_sync">${u.kind === 'erased' ? 'erased (row removed)' : 'soft-deleted (deleted_at set)'}</td></tr>`,
  )}</tbody></table>`;
}
