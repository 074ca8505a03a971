/** The page frame: skip link, top bar (projects, sign-out), the project's tabs, landmarks and the live region. */
import type { Project } from '../../projects/projects.js';
import type { DashboardSession } from '../sessions.js';
import { csrfField, messages, type Messages } from './components.js';
import { html, type Html } from './html.js';
import { ASSET_PREFIX, DASHBOARD } from '../paths.js';

export type ProjectTab = 'configuration' | 'users' | 'sync' | 'rls' | 'emails' | 'teams';

const TABS: Array<[ProjectTab, string]> = [
  ['configuration', 'Configuration'],
  ['users', 'Users'],
  ['teams', 'Teams'],
  ['sync', 'Sync'],
  ['rls', 'RLS'],
  ['emails', 'E-mails'],
];

export interface PageOptions extends Messages {
  title: string;
  session?: DashboardSession;
  project?: Project;
  tab?: ProjectTab;
  body: Html;
}

export function page(options: PageOptions): Html {
  const { session, project } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · authsync</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/dashboard.css">
<script src="${ASSET_PREFIX}/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${session ? topBar(session) : ''}
${project && options.tab ? projectTabs(project, options.tab) : ''}
<main id="main" tabindex="-1">
${messages(options)}
${options.body}
</main>
</body>
</html>`;
}

function topBar(session: DashboardSession): Html {
  return html`<header class="top">
  <a class="brand" href="${DASHBOARD}">authsync</a>
  <nav aria-label="Main">${session.projectId === null ? html`<a href="${DASHBOARD}/projects">Projects</a>` : html`<span class="muted">Signed in to one project</span>`}</nav>
  <form method="post" action="${DASHBOARD}/sign-out">${csrfField(session)}<button type="submit">Sign out</button></form>
</header>`;
}

function projectTabs(project: Project, current: ProjectTab): Html {
  const base = `${DASHBOARD}/projects/${project.id}`;
  return html`<nav class="project" aria-label="Project ${project.displayName}">
  ${TABS.map(([tab, label]) => html`<a href="${base}/${tab}" ${tab === current ? html`aria-current="page"` : ''}>${label}</a>`)}
</nav>`;
}
