/**
 * /dashboard/projects/:projectId/rls: the JWKS providers /sql accepts tokens from (add, remove), whether each
 * database has the roles and `auth` functions, and the "query as user" panel.
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import type { Project } from '../../projects/projects.js';
import { jwksUrl } from '../../projects/signing-keys.js';
import { addProvider, listProviders, removeProvider } from '../../rls/providers.js';
import { SIGNAL_WARNING } from '../../sql/database-checks.js';
import type { SqlService } from '../../sql/service.js';
import type { UserRow } from '../../users/user-object.js';
import type { DashboardEnv } from '../env.js';
import { attempt, inputError, readForm, type Form } from '../form.js';
import { projectPath } from '../paths.js';
import { queryAsUser, type QueryTable } from '../query-as-user.js';
import { rlsStatus } from '../rls-status.js';
import type { DashboardSession } from '../sessions.js';
import { actionForm, csrfField, type Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { html, yesNo, type Html } from '../view/html.js';

const NOTICES: Record<string, string> = { added: 'Added the provider.', removed: 'Removed the provider.' };
const PICKER_SIZE = 200;
const SHOWN_ROWS = 500;

interface QueryState {
  form: Form;
  user?: UserRow;
  result?: QueryTable;
}

export function registerRls(app: Hono<DashboardEnv>, ctx: AppContext, sqlService: SqlService): void {
  const base = '/projects/:projectId/rls';
  const done = (c: Context<DashboardEnv>, code: string) => c.redirect(`${projectPath(c.get('project').id, '/rls')}?done=${code}`, 303);
  const render = async (c: Context<DashboardEnv>, m: Messages, query: QueryState = { form: {} }, status: 200 | 400 = 200) =>
    c.html(await rlsPage(ctx, sqlService, c.get('session'), c.get('project'), m, query), status);

  app.get(base, (c) => render(c, { notice: NOTICES[c.req.query('done') ?? ''] }));

  app.post(`${base}/providers`, async (c) => {
    const form = await readForm(c);
    const audience = form.audience?.trim();
    const result = await attempt(() =>
      addProvider(ctx.db, c.get('project').id, form.jwks_url?.trim() ?? '', audience ? audience : undefined),
    );
    return result.ok ? done(c, 'added') : render(c, { error: result.error }, { form: {} }, 400);
  });

  app.post(`${base}/providers/remove`, async (c) => {
    const jwks = (await readForm(c)).jwks_url ?? '';
    const result = await attempt(() => removeProvider(ctx.db, c.get('project').id, jwks));
    return result.ok ? done(c, 'removed') : render(c, { error: result.error }, { form: {} }, 400);
  });

  app.post(`${base}/query`, async (c) => {
    const project = c.get('project');
    const form = await readForm(c);
    const result = await attempt(async () => {
      const user = await pickUser(ctx, project.id, form);
      return { user, result: await queryAsUser(ctx, sqlService, user, form.sql ?? '') };
    });
    if (!result.ok) return render(c, { error: result.error }, { form }, 400);
    const count = result.value.result.rows.length;
    return render(
      c,
      { notice: `The query returned ${count} row${count === 1 ? '' : 's'} for ${userLabel(result.value.user)}.` },
      { form, ...result.value },
    );
  });
}

async function pickUser(ctx: AppContext, projectId: string, form: Form): Promise<UserRow> {
  const typed = form.user_lookup?.trim();
  if (typed) {
    const { items } = await ctx.users.list(projectId, { query: typed, limit: 2, includeAnonymous: true, includeRestricted: true });
    const exact = items.filter((u) => u.id === typed.toLowerCase() || u.primary_email === typed.toLowerCase());
    const found = exact.length === 1 ? exact : items;
    if (found.length !== 1) throw inputError(`“${typed}” does not name exactly one user: give the user’s ID or full e-mail.`);
    return found[0]!;
  }
  const user = form.user_id ? await ctx.users.get(projectId, form.user_id) : undefined;
  if (!user) throw inputError('Choose a user to query as.');
  return user;
}

function userLabel(user: UserRow): string {
  return user.primary_email ?? user.display_name ?? user.id;
}

async function rlsPage(
  ctx: AppContext,
  sqlService: SqlService,
  session: DashboardSession,
  project: Project,
  m: Messages,
  query: QueryState,
): Promise<Html> {
  const base = projectPath(project.id, '/rls');
  const [providers, { databases, sql }, users] = await Promise.all([
    listProviders(ctx.db, project.id),
    rlsStatus(ctx, sqlService, project.id),
    ctx.users.list(project.id, { limit: PICKER_SIZE, desc: true, includeAnonymous: true, includeRestricted: true }),
  ]);
  const chosen = query.user?.id ?? query.form.user_id;
  return page({
    title: `RLS · ${project.displayName}`,
    session,
    project,
    tab: 'rls',
    ...m,
    body: html`<h1>Row-level security</h1>
<section class="card" aria-labelledby="providers-title">
  <h2 id="providers-title">Token providers</h2>
  <p>/sql accepts tokens signed by this project’s own keys and by each provider below (Clerk, Auth0, Keycloak, …).</p>
  <div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">JWKS URL</th><th scope="col">Audience</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
      <tr><td data-label="JWKS URL"><code>${jwksUrl(ctx.config.baseUrl, project.id)}</code></td><td data-label="Audience"><code>${project.id}</code></td><td data-label="Action"><span class="muted">this project (always)</span></td></tr>
      ${providers.map(
        (
          p,
        ) => html`<tr><td data-label="JWKS URL"><code>${p.jwksUrl}</code></td><td data-label="Audience">${p.audience ?? html`<span class="muted">any</span>`}</td>
        <td data-label="Action">${actionForm(session, `${base}/providers/remove`, 'Remove', { hidden: { jwks_url: p.jwksUrl }, danger: true, confirm: `Stop accepting tokens from ${p.jwksUrl}?` })}</td></tr>`,
      )}
    </tbody></table></div>
  <form method="post" action="${base}/providers" class="row">${csrfField(session)}
    <div><label for="jwks-url">JWKS URL</label><input type="url" id="jwks-url" name="jwks_url" required placeholder="https://example.clerk.accounts.dev/.well-known/jwks.json"></div>
    <div><label for="audience">Audience (optional)</label><input type="text" id="audience" name="audience" maxlength="512"></div>
    <button type="submit">Add provider</button>
  </form>
</section>
<section class="card" aria-labelledby="databases-title">
  <h2 id="databases-title">Databases</h2>
  <div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Database</th><th scope="col">Roles</th><th scope="col"><code>auth</code> functions</th><th scope="col">Kit version</th></tr></thead>
    <tbody>${databases.map(
      (d) => html`<tr>
      <td data-label="Database"><code>${d.key}</code>${d.purpose === 'app' ? html` <span class="badge">app</span>` : ''}</td>
      <td data-label="Roles">${d.error ? html`<span role="alert">${d.error}</span>` : d.roles.length ? d.roles.join(', ') : html`<span class="badge bad">missing</span>`}</td>
      <td data-label="auth functions">${yesNo(d.authFunctions)}</td>
      <td data-label="Kit version">${d.kitVersion ?? '—'}</td></tr>`,
    )}</tbody></table></div>
  <p class="muted">The kit is installed in the app database when the project is provisioned, at the first /sql request, or with <code>authsync rls install</code>.</p>
  ${
    sql
      ? html`<p id="sql-password-path">/sql password logins (<code>postgresql://user:password@…</code> without a token):
      ${sql.passwordPath.serve ? html`<span class="badge">served</span> (never as a superuser or replication role)` : html`<span class="badge bad">disabled</span> ${sql.passwordPath.reason}.`}</p>
      ${sql.endUsersCanSignal ? html`<p id="sql-signal-warning"><span class="badge bad">warning</span> ${SIGNAL_WARNING}.</p>` : ''}`
      : ''
  }
</section>
<section class="card" aria-labelledby="query-title">
  <h2 id="query-title">Query as user</h2>
  <p>Runs a SELECT through /sql with an access token minted for the user, as the app’s <code>DATABASE_AUTHENTICATED_URL</code> would: you see exactly the rows that user sees.</p>
  <form method="post" action="${base}/query">${csrfField(session)}
    <label for="user-id">User</label>
    <select id="user-id" name="user_id">
      <option value="">Choose a user…</option>
      ${users.items.map((u) => html`<option value="${u.id}" ${u.id === chosen ? 'selected' : ''}>${userLabel(u)}${u.is_anonymous ? ' (anonymous)' : ''}</option>`)}
    </select>
    <label for="user-lookup">…or a user ID or e-mail</label>
    <input type="text" id="user-lookup" name="user_lookup" value="${query.form.user_lookup ?? ''}" autocomplete="off">
    <label for="sql">SELECT</label>
    <textarea id="sql" name="sql" required spellcheck="false">${query.form.sql ?? 'SELECT auth.user_id();'}</textarea>
    <p><button type="submit" class="primary">Run as this user</button></p>
  </form>
  ${query.result ? resultTable(query.result) : ''}
</section>`,
  });
}

function resultTable(result: QueryTable): Html {
  const rows = result.rows.slice(0, SHOWN_ROWS);
  return html`<div class="table-wrap" id="query-result"><table>
  <caption class="muted">${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.rows.length > SHOWN_ROWS ? `, first ${SHOWN_ROWS} shown` : ''}</caption>
  <thead><tr>${result.fields.map((f) => html`<th scope="col">${f.name}</th>`)}</tr></thead>
  <tbody>${rows.map((row) => html`<tr>${row.map((value) => html`<td>${value ?? html`<span class="muted">NULL</span>`}</td>`)}</tr>`)}</tbody>
</table></div>`;
}
