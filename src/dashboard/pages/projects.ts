/**
 * GET/POST /dashboard/projects: the list of the session's projects (paginated) and creating one. The instance admin
 * sees every project and gets a new project's keys once; an operator sees the projects their teams own and creates
 * one owned by a team of theirs, as POST /internal/projects does (its keys are rotated on its configuration page).
 */
import type { Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { createManagedProject } from '../../internal/managed-projects.js';
import { INTERNAL_PROJECT_ID } from '../../projects/internal-id.js';
import { createProject, type Project, type ProjectKeys } from '../../projects/projects.js';
import { provisionProject } from '../../provisioning/provision.js';
import { listTeams } from '../../teams/teams.js';
import type { TeamRow } from '../../users/team-shape.js';
import type { DashboardEnv } from '../env.js';
import { attempt, inputError, readForm } from '../form.js';
import { projectsOf, requireProjectList } from '../guard.js';
import { DASHBOARD, projectPath } from '../paths.js';
import type { DashboardSession } from '../sessions.js';
import { copyField, csrfField } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, type Html } from '../view/html.js';

const PAGE_SIZE = 25;

export function registerProjects(app: Hono<DashboardEnv>, ctx: AppContext): void {
  app.get('/projects', requireProjectList, async (c) => {
    const pageNumber = Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1);
    return c.html(await projectsPage(ctx, c.get('session'), pageNumber, {}));
  });

  app.post('/projects', requireProjectList, async (c) => {
    const form = await readForm(c);
    const session = c.get('session');
    const { scope } = session;
    const result = await attempt(async () => {
      if (scope.kind !== 'operator') return createProject(ctx.db, ctx.box, { displayName: form.name ?? '' });
      // Only a team of the operator's own is offered; anything else posted (not even a UUID, perhaps) is refused here.
      const teams = (await ownTeams(ctx, session)) ?? [];
      if (!teams.some((team) => team.id === form.owner_team)) throw inputError('Choose one of your teams as the project’s owner.');
      const project = await createManagedProject(ctx, scope.userId, {
        displayName: form.name ?? '',
        ownerTeamId: form.owner_team!,
        config: {},
      });
      return { project, keys: undefined };
    });
    if (!result.ok) return c.html(await projectsPage(ctx, session, 1, { error: result.error, name: form.name ?? '' }), 400);
    const { project, keys } = result.value;
    await provisionProject(ctx, project.id);
    return c.html(createdPage(session, project, keys), 201);
  });
}

/** The internal-project teams an operator may make a project for. */
async function ownTeams(ctx: AppContext, session: DashboardSession): Promise<TeamRow[] | undefined> {
  return session.scope.kind === 'operator' ? listTeams(ctx.db, INTERNAL_PROJECT_ID, session.scope.userId) : undefined;
}

async function projectsPage(
  ctx: AppContext,
  session: DashboardSession,
  pageNumber: number,
  state: { error?: string; name?: string },
): Promise<Html> {
  const all = await projectsOf(ctx, session);
  const teams = await ownTeams(ctx, session);
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const current = Math.min(pageNumber, pages);
  const shown = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
  return page({
    title: 'Projects',
    session,
    error: state.error,
    body: html`<h1>Projects</h1>
<section class="card" aria-labelledby="new-project">
  <h2 id="new-project">Create a project</h2>
  <form method="post" action="${DASHBOARD}/projects" class="row">
    ${csrfField(session)}
    <div><label for="project-name">Name</label><input type="text" id="project-name" name="name" required maxlength="256" value="${state.name ?? ''}"></div>
    ${teams ? teamSelect(teams) : ''}
    <button type="submit" class="primary">Create project</button>
  </form>
</section>
<div class="table-wrap"><table class="responsive">
  <caption class="muted">${all.length} project${all.length === 1 ? '' : 's'}${pages > 1 ? `, page ${current} of ${pages}` : ''}</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Project ID</th><th scope="col">Created</th></tr></thead>
  <tbody>${shown.map(projectRow)}</tbody>
</table></div>
${
  pages > 1
    ? html`<nav class="pager" aria-label="Pages of projects">
  ${current > 1 ? html`<a href="?page=${current - 1}" rel="prev">Previous page</a>` : ''}
  ${current < pages ? html`<a href="?page=${current + 1}" rel="next">Next page</a>` : ''}</nav>`
    : ''
}`,
  });
}

function projectRow(project: Project): Html {
  return html`<tr>
  <td data-label="Name"><a href="${projectPath(project.id, '/configuration')}">${project.displayName}</a></td>
  <td data-label="Project ID"><code>${project.id}</code></td>
  <td data-label="Created">${formatDate(project.createdAt)}</td></tr>`;
}

function teamSelect(teams: TeamRow[]): Html {
  return html`<div><label for="owner-team">Owner team</label><select id="owner-team" name="owner_team" required>
    ${teams.map((team) => html`<option value="${team.id}">${team.display_name}</option>`)}</select></div>`;
}

function createdPage(session: DashboardSession, project: Project, keys: ProjectKeys | undefined): Html {
  if (!keys) {
    return page({
      title: `Created ${project.displayName}`,
      session,
      notice: `Created the project ${project.displayName}.`,
      body: html`<h1>${project.displayName}</h1>
<p>The members of its owner team administer it. Its publishable client key is on its configuration page; rotate its secret server key there to get one.</p>
<p><a href="${projectPath(project.id, '/configuration')}">Go to the project’s configuration</a></p>`,
    });
  }
  return page({
    title: `Created ${project.displayName}`,
    session,
    notice: `Created the project ${project.displayName}.`,
    body: html`<h1>${project.displayName}</h1>
<section class="once" aria-labelledby="keys-once">
  <h2 id="keys-once">Store these keys now: they are shown this once</h2>
  ${copyField('created-project-id', 'Project ID', project.id)}
  ${copyField('created-pck', 'Publishable client key', keys.publishableClientKey)}
  ${copyField('created-ssk', 'Secret server key', keys.secretServerKey)}
  ${copyField('created-sak', 'Super secret admin key', keys.superSecretAdminKey)}
</section>
<p><a href="${projectPath(project.id, '/configuration')}">Go to the project’s configuration</a></p>`,
  });
}
