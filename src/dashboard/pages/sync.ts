/**
 * /dashboard/projects/:projectId/sync: each users_sync database of the project with its status, pending
 * changes, current lag (a live chart fed by sync/status.json), last error; and a resync with visible progress.
 */
import type { Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import type { Project } from '../../projects/projects.js';
import { syncStatus, type TargetStatus } from '../../sync/status.js';
import type { DashboardEnv } from '../env.js';
import { projectPath } from '../paths.js';
import { ResyncJobs, type ResyncJob } from '../resync-jobs.js';
import type { DashboardSession } from '../sessions.js';
import { actionForm } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, type Html } from '../view/html.js';

type Health = 'in sync' | 'catching up' | 'error';

function health(s: TargetStatus): Health {
  if (s.lastError && (!s.lastAppliedAt || (s.lastErrorAt ?? '') >= s.lastAppliedAt)) return 'error';
  return s.pending > 0 ? 'catching up' : 'in sync';
}

/** The JSON the Sync page polls (and a monitoring script may). Lag in milliseconds. */
function statusJson(statuses: TargetStatus[]) {
  return {
    targets: statuses.map((s) => ({
      key: s.target,
      purpose: s.purpose,
      mode: s.mode,
      status: health(s),
      pending: s.pending,
      lagMs: Math.round(s.lagSeconds * 1000),
      lastAppliedAt: s.lastAppliedAt,
      lastError: s.lastError,
    })),
  };
}

export function registerSync(app: Hono<DashboardEnv>, ctx: AppContext): void {
  const jobs = new ResyncJobs(ctx);
  const base = '/projects/:projectId/sync';

  app.get(base, async (c) => {
    const project = c.get('project');
    const jobId = c.req.query('job');
    const job = jobId ? await jobs.get(jobId, project.id) : await jobs.running(project.id);
    return c.html(syncPage(c.get('session'), project, await syncStatus(ctx.db, project.id), job));
  });

  app.get(`${base}/status.json`, async (c) => c.json(statusJson(await syncStatus(ctx.db, c.get('project').id))));

  app.post(`${base}/resync`, async (c) => {
    const project = c.get('project');
    const job = await jobs.start(project.id);
    return c.redirect(`${projectPath(project.id, '/sync')}?job=${job.id}`, 303);
  });

  app.get(`${base}/jobs/:jobId`, async (c) => {
    const job = await jobs.get(c.req.param('jobId'), c.get('project').id);
    return job ? c.json(job) : c.json({ error: 'No such resync job.' }, 404);
  });
}

function syncPage(session: DashboardSession, project: Project, statuses: TargetStatus[], job: ResyncJob | undefined): Html {
  const base = projectPath(project.id, '/sync');
  return page({
    title: `Sync · ${project.displayName}`,
    session,
    project,
    tab: 'sync',
    body: html`<h1>users_sync</h1>
<p>Where <code>neon_auth.users_sync</code> is kept for this project. The server’s own database is written in the same
transaction as each user change (no lag); other databases are fed through the outbox.</p>
<div class="table-wrap" data-sync-status-url="${base}/status.json">
<table class="responsive">
<thead><tr><th scope="col">Database</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col">Pending</th>
<th scope="col">Lag</th><th scope="col">Lag, last 2 minutes</th><th scope="col">Last applied</th><th scope="col">Last error</th></tr></thead>
<tbody>${statuses.map(
      (s) => html`<tr data-target="${s.target}">
  <td data-label="Database"><code>${s.target}</code>${s.purpose === 'app' ? html` <span class="badge">app</span>` : ''}</td>
  <td data-label="Mode">${s.mode}</td>
  <td data-label="Status" data-field="status">${health(s)}</td>
  <td data-label="Pending" class="num" data-field="pending">${s.pending}</td>
  <td data-label="Lag" class="num" data-field="lag">${Math.round(s.lagSeconds * 1000)} ms</td>
  <td data-label="Chart"><svg class="lag" viewBox="0 0 200 40" preserveAspectRatio="none" role="img" aria-label="Lag chart: collecting"><polyline points=""></polyline></svg></td>
  <td data-label="Last applied">${s.lastAppliedAt ? formatDate(new Date(s.lastAppliedAt)) : s.mode === 'same-transaction' ? 'with each change' : '—'}</td>
  <td data-label="Last error" data-field="error">${s.lastError ?? '—'}</td></tr>`,
    )}</tbody>
</table></div>
<section class="card" aria-labelledby="resync-title">
  <h2 id="resync-title">Resync</h2>
  <p>Compares every user with each database’s users_sync and repairs what differs: rows missing, edited or deleted by
  hand, or a dropped table.</p>
  ${job ? jobProgress(base, job) : ''}
  ${!job || job.state !== 'running' ? actionForm(session, `${base}/resync`, 'Resync now') : ''}
</section>`,
  });
}

function jobProgress(base: string, job: ResyncJob): Html {
  return html`<div data-job-url="${base}/jobs/${job.id}" data-state="${job.state}">
  <label for="resync-progress">Progress</label>
  <progress id="resync-progress" max="${job.total || 1}" value="${job.state === 'running' ? job.done : job.total || 1}">${job.done} of ${job.total}</progress>
  <p role="status" aria-live="polite" data-field="progress">${job.message}</p>
</div>`;
}
