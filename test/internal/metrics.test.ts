/**
 * GET /internal/metrics: Stack's shape with admin access only; totals, daily series, countries, sign-in methods and
 * recent users from authsync's own tables, anonymous users left out unless `include_anonymous=true`; the fields that
 * need analytics authsync does not keep are zeros and empty lists.
 */
import { expect, it } from 'vitest';
import type { projectMetrics } from '../../src/internal/metrics.js';
import { windowDays } from '../../src/internal/metrics.js';
import { createProject } from '../../src/projects/projects.js';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { expectKnownError, signUp, uniqueEmail } from '../api/support.js';

function adminHeaders(t: TestServer, projectId = t.projectId, adminKey = t.keys.superSecretAdminKey): Record<string, string> {
  return { 'x-stack-access-type': 'admin', 'x-stack-project-id': projectId, 'x-stack-super-secret-admin-key': adminKey };
}

type Metrics = Awaited<ReturnType<typeof projectMetrics>>;

const today = () => new Date().toISOString().slice(0, 10);
const last = (points: Array<{ activity: number }>) => points[points.length - 1]!.activity;

describeOnEachStore('GET /internal/metrics on %s', (t) => {
  it('answers an empty project with zeros, 31-day series and empty lists', async () => {
    const empty = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Empty' });
    const res = await api(t, 'GET', '/internal/metrics', { headers: adminHeaders(t, empty.project.id, empty.keys.superSecretAdminKey) });
    expect(res.status, res.text).toBe(200);
    const body = res.json as unknown as Metrics;
    expect(Object.keys(body).sort()).toEqual(
      [
        'analytics_overview',
        'auth_overview',
        'daily_active_users',
        'daily_users',
        'email_overview',
        'login_methods',
        'payments_overview',
        'recently_active',
        'recently_registered',
        'total_users',
        'users_by_country',
      ].sort(),
    );
    const days = windowDays(new Date());
    expect(days).toHaveLength(31);
    expect(days[30]).toBe(today());
    const zeros = days.map((date) => ({ date, activity: 0 }));
    expect(body).toMatchObject({
      total_users: 0,
      daily_users: zeros,
      daily_active_users: zeros,
      users_by_country: {},
      recently_registered: [],
      recently_active: [],
      login_methods: [],
    });
    expect(body.auth_overview).toEqual({
      verified_users: 0,
      unverified_users: 0,
      anonymous_users: 0,
      total_teams: 0,
      mau: 0,
      daily_active_users_split: { total: zeros, new: zeros, retained: zeros, reactivated: zeros },
      daily_active_teams_split: { total: zeros, new: zeros, retained: zeros, reactivated: zeros },
      total_users_filtered: 0,
    });
    expect(body.payments_overview).toMatchObject({ subscriptions_by_status: {}, daily_subscriptions: zeros, revenue_cents: 0 });
    expect(body.email_overview).toMatchObject({
      emails_by_status: {},
      total_emails: 0,
      daily_emails: zeros,
      emails_sent: 0,
      recent_emails: [],
    });
    expect(body.email_overview.daily_emails_by_status).toEqual(days.map((date) => ({ date, ok: 0, error: 0, in_progress: 0 })));
    expect(body.analytics_overview).toMatchObject({
      daily_page_views: zeros,
      daily_clicks: zeros,
      daily_visitors: zeros,
      daily_revenue: days.map((date) => ({ date, new_cents: 0, refund_cents: 0 })),
      online_live: 0,
      top_referrers: [],
      top_region: null,
    });
  });

  it('is for admin access only', async () => {
    expectKnownError(await api(t, 'GET', '/internal/metrics', { headers: serverHeaders(t) }), 'INSUFFICIENT_ACCESS_TYPE', 401, {
      actual_access_type: 'server',
      allowed_access_types: ['admin'],
    });
    expectKnownError(await api(t, 'GET', '/internal/metrics?include_anonymous=maybe', { headers: adminHeaders(t) }), 'SCHEMA_ERROR', 400);
  });

  it('counts users, sign-ups, activity, countries and sign-in methods, without anonymous users by default', async () => {
    const alice = await signUp(t, uniqueEmail('alice'));
    const bob = await signUp(t, uniqueEmail('bob'));
    const anonymous = await api(t, 'POST', '/auth/anonymous/sign-up', { body: {} });
    expect(anonymous.status, anonymous.text).toBe(200);
    // Made by a server, never signed in: registered, not active.
    const made = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { primary_email: uniqueEmail('made'), country_code: 'CH' },
    });
    expect(made.status, made.text).toBe(201);
    await api(t, 'PATCH', `/users/${alice.userId}`, { headers: serverHeaders(t), body: { country_code: 'AQ' } });
    const team = await api(t, 'POST', '/teams', { headers: serverHeaders(t), body: { display_name: 'Metrics team' } });
    expect(team.status, team.text).toBe(201);

    const res = await api(t, 'GET', '/internal/metrics', { headers: adminHeaders(t) });
    expect(res.status, res.text).toBe(200);
    const body = res.json as unknown as Metrics;
    expect(body.total_users).toBe(3);
    expect(last(body.daily_users)).toBe(3);
    expect(last(body.daily_active_users)).toBe(2);
    expect(body.users_by_country).toEqual({ AQ: 1, CH: 1 });
    expect(body.login_methods).toEqual([{ method: 'password', count: 2 }]);
    expect(body.recently_registered.map((u: { id: string }) => u.id)).toEqual([made.json.id, bob.userId, alice.userId]);
    expect(body.recently_registered[0]).toMatchObject({ country_code: 'CH', is_anonymous: false, primary_email: made.json.primary_email });
    expect(body.recently_active.every((u: { is_anonymous: boolean }) => !u.is_anonymous)).toBe(true);
    expect(body.auth_overview).toMatchObject({
      verified_users: 0,
      unverified_users: 3,
      anonymous_users: 1,
      total_teams: 1,
      mau: 2,
      total_users_filtered: 3,
    });
    expect(last(body.auth_overview.daily_active_users_split.total)).toBe(2);
    expect(last(body.auth_overview.daily_active_users_split.new)).toBe(2);
    expect(body.analytics_overview.online_live).toBe(2);

    const withAnonymous = await api(t, 'GET', '/internal/metrics?include_anonymous=true', { headers: adminHeaders(t) });
    const all = withAnonymous.json as unknown as Metrics;
    expect(all.total_users).toBe(4);
    expect(last(all.daily_users)).toBe(4);
    expect(last(all.daily_active_users)).toBe(3);
    expect(all.recently_registered.map((u: { id: string }) => u.id)).toEqual([
      made.json.id,
      anonymous.json.user_id,
      bob.userId,
      alice.userId,
    ]);
    expect(all.auth_overview.mau).toBe(3);

    // A deleted user is gone from every count.
    expect((await api(t, 'DELETE', `/users/${bob.userId}`, { headers: serverHeaders(t) })).status).toBe(200);
    const after = (await api(t, 'GET', '/internal/metrics', { headers: adminHeaders(t) })).json as unknown as Metrics;
    expect(after.total_users).toBe(2);
    expect(after.login_methods).toEqual([{ method: 'password', count: 1 }]);
  });

  it("reports the project's mail queue, statuses in Stack's words", async () => {
    const project = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Mail' });
    const statuses = ['sent', 'dev_mailbox', 'dev_mailbox', 'failed', 'queued'];
    for (const [i, status] of statuses.entries()) {
      await t.server.ctx.db.query(
        `INSERT INTO authsync.emails (id, project_id, recipient, template, subject, text_body, html_body, status, message_id, created_at)
         VALUES (gen_random_uuid(), $1, 'someone@example.com', 'test', $2, '', '', $3, gen_random_uuid()::text, now() - make_interval(secs => $4))`,
        [project.project.id, `Mail ${i}`, status, statuses.length - i],
      );
    }
    const res = await api(t, 'GET', '/internal/metrics', {
      headers: adminHeaders(t, project.project.id, project.keys.superSecretAdminKey),
    });
    const email = (res.json as unknown as Metrics).email_overview;
    expect(email.emails_by_status).toEqual({ ok: 3, error: 1, 'in-progress': 1 });
    expect(email.total_emails).toBe(5);
    expect(email.emails_sent).toBe(4);
    expect(last(email.daily_emails)).toBe(5);
    expect(email.daily_emails_by_status[30]).toEqual({ date: today(), ok: 3, error: 1, in_progress: 1 });
    expect(email.recent_emails.map((m) => [m.subject, m.status])).toEqual([
      ['Mail 4', 'QUEUED'],
      ['Mail 3', 'SERVER_ERROR'],
      ['Mail 2', 'SENT'],
      ['Mail 1', 'SENT'],
      ['Mail 0', 'SENT'],
    ]);
    expect(email.deliverability_status).toEqual({ delivered: 0, bounced: 0, error: 1, in_progress: 1 });
  });
});
