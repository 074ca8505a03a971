/**
 * /dashboard/projects/:projectId/users/:userId: one user, its users_sync row as it stands in the app
 * database, and edit, soft delete (users_sync keeps the row with deleted_at set) and erase (the row is
 * removed, so ON DELETE CASCADE / SET NULL foreign keys fire) — both through src/sync's semantics.
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import type { Project } from '../../projects/projects.js';
import { eraseUser } from '../../sync/erase.js';
import { toUserFields } from '../../users/user-input.js';
import type { UserRow } from '../../users/user-object.js';
import type { DashboardEnv } from '../env.js';
import { attempt, readForm } from '../form.js';
import { userUpdateInput } from '../form-input.js';
import { projectPath } from '../paths.js';
import type { DashboardSession } from '../sessions.js';
import { readUsersSyncRow, type UsersSyncLookup } from '../users-sync-view.js';
import { actionForm, copyField, csrfField, type Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, yesNo, type Html } from '../view/html.js';
import { errorPage } from './error-page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOTICES: Record<string, string> = { created: 'Created the user.', saved: 'Saved the user.' };

function userId(c: Context<DashboardEnv>): string | undefined {
  const id = c.req.param('userId') ?? '';
  return UUID.test(id) ? id.toLowerCase() : undefined;
}

export function registerUser(app: Hono<DashboardEnv>, ctx: AppContext): void {
  const base = '/projects/:projectId/users/:userId';
  const notFound = (c: Context<DashboardEnv>) =>
    c.html(errorPage('User not found', 'This project has no such user.', c.get('session')), 404);

  app.get(base, async (c) => {
    const project = c.get('project');
    const id = userId(c);
    const user = id ? await ctx.users.get(project.id, id) : undefined;
    const sync = id ? await readUsersSyncRow(ctx, project.id, id) : undefined;
    if (!id || !sync || (!user && sync.state !== 'found')) return notFound(c);
    return c.html(userPage(c.get('session'), project, id, user, sync, { notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  app.post(base, async (c) => {
    const project = c.get('project');
    const id = userId(c);
    const current = id ? await ctx.users.get(project.id, id) : undefined;
    if (!id || !current) return notFound(c);
    const form = await readForm(c);
    const result = await attempt(async () => ctx.users.update(project.id, id, await toUserFields(userUpdateInput(form), current)));
    if (!result.ok)
      return c.html(
        userPage(c.get('session'), project, id, current, await readUsersSyncRow(ctx, project.id, id), { error: result.error }),
        400,
      );
    return c.redirect(`${projectPath(project.id, `/users/${id}`)}?done=saved`, 303);
  });

  app.post(`${base}/delete`, async (c) => {
    const project = c.get('project');
    const id = userId(c);
    if (!id || !(await ctx.users.delete(project.id, id))) return notFound(c);
    return c.redirect(`${projectPath(project.id, '/users')}?done=deleted`, 303);
  });

  app.post(`${base}/erase`, async (c) => {
    const project = c.get('project');
    const id = userId(c);
    if (!id || !(await eraseUser(ctx, project.id, id))) return notFound(c);
    return c.redirect(`${projectPath(project.id, '/users')}?done=erased`, 303);
  });
}

function userPage(
  session: DashboardSession,
  project: Project,
  id: string,
  user: UserRow | undefined,
  sync: UsersSyncLookup,
  m: Messages,
): Html {
  const base = projectPath(project.id, `/users/${id}`);
  const title = user ? (user.display_name ?? user.primary_email ?? id) : `Deleted user ${id}`;
  return page({
    title: `${title} · Users`,
    session,
    project,
    tab: 'users',
    ...m,
    body: html`<p><a href="${projectPath(project.id, '/users')}">← All users</a></p>
<h1>${title}</h1>
${copyField('user-id', 'User ID', id)}
${user ? editForm(session, base, user) : html`<p>This user was deleted: it no longer signs in, and only its users_sync row remains.</p>`}
<section class="card" aria-labelledby="sync-title">
  <h2 id="sync-title">In neon_auth.users_sync</h2>
  ${syncRow(sync)}
</section>
<section class="card" aria-labelledby="danger-title">
  <h2 id="danger-title">Delete</h2>
  <p><strong>Delete</strong> is the legacy soft delete: the user can no longer sign in; its users_sync row stays with
  <code>deleted_at</code> set, so <code>ON DELETE CASCADE</code> foreign keys do <em>not</em> fire.
  <strong>Erase</strong> removes the users_sync row too, so they do.</p>
  <div class="actions">
    ${user ? actionForm(session, `${base}/delete`, 'Delete user', { confirm: 'Delete this user? It can no longer sign in; users_sync keeps the row with deleted_at set.', danger: true }) : ''}
    ${sync.state === 'found' || user ? actionForm(session, `${base}/erase`, 'Erase user', { confirm: 'Erase this user? Its users_sync row is removed and foreign keys to it cascade. This cannot be undone.', danger: true }) : ''}
  </div>
</section>`,
  });
}

function editForm(session: DashboardSession, action: string, user: UserRow): Html {
  return html`<dl class="row">
  <div><dt>Signed up</dt><dd>${formatDate(user.signed_up_at)}</dd></div>
  <div><dt>Last active</dt><dd>${formatDate(user.last_active_at)}</dd></div>
  <div><dt>Anonymous</dt><dd>${yesNo(user.is_anonymous)}</dd></div>
  <div><dt>Password</dt><dd>${yesNo(user.password_hash !== null)}</dd></div>
</dl>
<section class="card" aria-labelledby="edit-title">
  <h2 id="edit-title">Edit</h2>
  <form method="post" action="${action}">${csrfField(session)}
    <label for="edit-email">E-mail</label><input type="email" id="edit-email" name="primary_email" value="${user.primary_email ?? ''}" autocomplete="off">
    <label for="edit-name">Display name</label><input type="text" id="edit-name" name="display_name" maxlength="256" value="${user.display_name ?? ''}" autocomplete="off">
    <label for="edit-password">New password (leave empty to keep)</label><input type="password" id="edit-password" name="password" autocomplete="new-password">
    <p><label class="inline"><input type="checkbox" name="primary_email_auth_enabled" ${user.primary_email_auth_enabled ? 'checked' : ''}> May sign in with this e-mail</label>
    <label class="inline"><input type="checkbox" name="primary_email_verified" ${user.primary_email_verified ? 'checked' : ''}> E-mail verified</label>
    ${user.password_hash !== null ? html`<label class="inline"><input type="checkbox" name="remove_password"> Remove the password</label>` : ''}</p>
    <button type="submit" class="primary">Save</button>
  </form>
</section>`;
}

function syncRow(sync: UsersSyncLookup): Html {
  if (sync.state === 'unavailable') return html`<p role="alert">${sync.reason}</p>`;
  if (sync.state === 'absent') return html`<p>No row: the user is not in users_sync (erased, or not synced yet).</p>`;
  const { row } = sync;
  return html`<dl class="row">
  <div><dt>updated_at</dt><dd>${formatDate(row.updated_at)}</dd></div>
  <div><dt>deleted_at</dt><dd data-testid="deleted-at">${formatDate(row.deleted_at)}</dd></div></dl>
  <label for="raw-json">raw_json</label>
  <pre id="raw-json" tabindex="0">${JSON.stringify(row.raw_json, null, 2)}</pre>`;
}
