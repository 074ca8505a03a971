/**
 * A project's metrics for GET /internal/metrics, in Stack's shape, computed from authsync's own tables: users (sign-up
 * time, last activity, country, auth methods), sessions, teams and the mail queue. Stack fills some fields from an
 * analytics store of events (page views, clicks, referrers, each day's token refreshes, payments) that authsync does
 * not have: those answer what Stack answers for a project without such events (zeros, empty lists). docs/metrics.md
 * says which field comes from where.
 *
 * Days are UTC days; a daily series has 31 points, from 30 days before today to today, as Stack's.
 */
import type { Queryable } from '../db/database.js';
import { USER_COLUMNS, toServerUser, type ServerUser, type UserRow } from '../users/user-object.js';

const WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How many users `recently_registered` lists (Stack's page size), and `recently_active`. */
const RECENTLY_REGISTERED = 100;
const RECENTLY_ACTIVE = 5;
/** How many mails `email_overview.recent_emails` lists. */
const RECENT_EMAILS = 100;
/** A user counts as online when active within this long. */
const ONLINE_MS = 5 * 60 * 1000;

export interface DataPoint {
  date: string;
  activity: number;
}

export interface MetricsOptions {
  /** Count anonymous users too (`include_anonymous=true`). @default false */
  includeAnonymous?: boolean;
  /** The moment the metrics are for. @default now */
  now?: Date;
}

/** The 31 UTC days of the window, oldest first, as `YYYY-MM-DD`. */
export function windowDays(now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: WINDOW_DAYS + 1 }, (_, i) => new Date(today - (WINDOW_DAYS - i) * DAY_MS).toISOString().slice(0, 10));
}

function series(days: readonly string[], counts: ReadonlyMap<string, number> = new Map()): DataPoint[] {
  return days.map((date) => ({ date, activity: counts.get(date) ?? 0 }));
}

function byDay(rows: ReadonlyArray<{ day: string; n: number }>): Map<string, number> {
  return new Map(rows.map((row) => [row.day, Number(row.n)]));
}

const DAY_SQL = (column: string) => `to_char((${column} AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')`;

export async function projectMetrics(db: Queryable, projectId: string, options: MetricsOptions = {}) {
  const now = options.now ?? new Date();
  const includeAnonymous = options.includeAnonymous ?? false;
  const days = windowDays(now);
  const since = new Date(`${days[0]}T00:00:00Z`);
  // $1 project, $2 whether anonymous users count.
  const params = [projectId, includeAnonymous];
  const counted = `u.project_id = $1 AND ($2 OR NOT u.is_anonymous)`;
  // Active: signed in at least once (a session) or active after signing up. A user made by a server and never signed
  // in has last_active_at = signed_up_at and no session: not active.
  const everActive = `(u.last_active_at > u.signed_up_at OR EXISTS (SELECT 1 FROM authsync.refresh_tokens r WHERE r.user_id = u.id))`;

  const [counts, registered, active, countries, methods, recentlyRegistered, recentlyActive, dailyNew, emails] = await Promise.all([
    db.query<{ total: number; anonymous: number; verified: number; teams: number; mau: number; online: number }>(
      `SELECT
         (SELECT count(*)::int FROM authsync.users u WHERE u.project_id = $1) AS total,
         (SELECT count(*)::int FROM authsync.users u WHERE u.project_id = $1 AND u.is_anonymous) AS anonymous,
         (SELECT count(*)::int FROM authsync.users u WHERE u.project_id = $1 AND NOT u.is_anonymous
            AND (u.primary_email_verified OR EXISTS (SELECT 1 FROM authsync.contact_channels c
                 WHERE c.user_id = u.id AND c.type = 'email' AND c.is_verified))) AS verified,
         (SELECT count(*)::int FROM authsync.teams t WHERE t.project_id = $1) AS teams,
         (SELECT count(*)::int FROM authsync.users u WHERE ${counted} AND u.last_active_at >= $3 AND ${everActive}) AS mau,
         (SELECT count(*)::int FROM authsync.users u WHERE ${counted} AND u.last_active_at >= $4 AND ${everActive}) AS online`,
      [...params, since, new Date(now.getTime() - ONLINE_MS)],
    ),
    db.query<{ day: string; n: number }>(
      `SELECT ${DAY_SQL('u.signed_up_at')} AS day, count(*)::int AS n FROM authsync.users u
       WHERE ${counted} AND u.signed_up_at >= $3 GROUP BY 1`,
      [...params, since],
    ),
    // A day's active users: those with a session made or used that day, or whose last activity was that day. Only each
    // session's first and latest use are kept, so this is a lower bound for days before a session's latest use.
    db.query<{ day: string; n: number }>(
      `SELECT day, count(DISTINCT user_id)::int AS n FROM (
         SELECT r.user_id, ${DAY_SQL('r.created_at')} AS day FROM authsync.refresh_tokens r WHERE r.project_id = $1 AND r.created_at >= $3
         UNION ALL
         SELECT r.user_id, ${DAY_SQL('r.last_used_at')} FROM authsync.refresh_tokens r WHERE r.project_id = $1 AND r.last_used_at >= $3
         UNION ALL
         SELECT u.id, ${DAY_SQL('u.last_active_at')} FROM authsync.users u
         WHERE u.project_id = $1 AND u.last_active_at >= $3 AND u.last_active_at > u.signed_up_at
       ) a JOIN authsync.users u ON u.id = a.user_id AND ${counted}
       GROUP BY day`,
      [...params, since],
    ),
    db.query<{ country_code: string; n: number }>(
      `SELECT u.country_code, count(*)::int AS n FROM authsync.users u
       WHERE ${counted} AND u.country_code IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
      params,
    ),
    // Sign-in methods, one per method a user has (Stack counts its auth methods the same way).
    db.query<{ method: string; n: number }>(
      `SELECT method, count(*)::int AS n FROM (
         SELECT 'password' AS method FROM authsync.users u WHERE ${counted} AND u.password_hash IS NOT NULL
         UNION ALL SELECT 'otp' FROM authsync.users u WHERE ${counted} AND u.otp_auth_enabled
         UNION ALL SELECT 'passkey' FROM authsync.users u WHERE ${counted} AND u.passkey_auth_enabled
         UNION ALL SELECT lower(a.provider_id) FROM authsync.oauth_accounts a JOIN authsync.users u ON u.id = a.user_id
           WHERE ${counted} AND a.allow_sign_in
       ) m GROUP BY method ORDER BY n DESC, method`,
      params,
    ),
    db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM authsync.users WHERE project_id = $1 AND ($2 OR NOT is_anonymous)
       ORDER BY signed_up_at DESC, id DESC LIMIT ${RECENTLY_REGISTERED}`,
      params,
    ),
    db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM authsync.users WHERE project_id = $1 AND ($2 OR NOT is_anonymous)
       ORDER BY last_active_at DESC, id DESC LIMIT ${RECENTLY_ACTIVE}`,
      params,
    ),
    // New that day (Stack: a user's first day of activity): signed up that day and a session made that day.
    db.query<{ day: string; n: number }>(
      `SELECT ${DAY_SQL('u.signed_up_at')} AS day, count(*)::int AS n FROM authsync.users u
       WHERE ${counted} AND u.signed_up_at >= $3 AND EXISTS (SELECT 1 FROM authsync.refresh_tokens r
         WHERE r.user_id = u.id AND ${DAY_SQL('r.created_at')} = ${DAY_SQL('u.signed_up_at')})
       GROUP BY 1`,
      [...params, since],
    ),
    emailMetrics(db, projectId, days, since),
  ]);

  const c = counts.rows[0]!;
  const nonAnonymous = Number(c.total) - Number(c.anonymous);
  const dailyActive = series(days, byDay(active.rows));
  const zeros = series(days);
  const toUser = (row: UserRow): ServerUser => toServerUser(row);
  return {
    total_users: includeAnonymous ? Number(c.total) : nonAnonymous,
    daily_users: series(days, byDay(registered.rows)),
    daily_active_users: dailyActive,
    users_by_country: Object.fromEntries(countries.rows.map((row) => [row.country_code, Number(row.n)])),
    recently_registered: recentlyRegistered.rows.map(toUser),
    recently_active: recentlyActive.rows.map(toUser),
    login_methods: methods.rows.map((row) => ({ method: row.method, count: Number(row.n) })),
    auth_overview: {
      verified_users: Number(c.verified),
      unverified_users: nonAnonymous - Number(c.verified),
      anonymous_users: Number(c.anonymous),
      total_teams: Number(c.teams),
      mau: Number(c.mau),
      // Returning and reactivated users need each day's activity, which is not kept (see daily_active_users).
      daily_active_users_split: { total: dailyActive, new: series(days, byDay(dailyNew.rows)), retained: zeros, reactivated: zeros },
      daily_active_teams_split: { total: zeros, new: zeros, retained: zeros, reactivated: zeros },
      total_users_filtered: includeAnonymous ? Number(c.total) : nonAnonymous,
    },
    payments_overview: {
      subscriptions_by_status: {},
      active_subscription_count: 0,
      total_one_time_purchases: 0,
      daily_subscriptions: zeros,
      revenue_cents: 0,
      mrr_cents: 0,
      total_orders: 0,
      checkout_conversion_rate: 0,
    },
    email_overview: emails,
    analytics_overview: {
      daily_page_views: zeros,
      daily_clicks: zeros,
      daily_visitors: zeros,
      daily_revenue: days.map((date) => ({ date, new_cents: 0, refund_cents: 0 })),
      total_revenue_cents: 0,
      total_replays: 0,
      recent_replays: 0,
      visitors: 0,
      avg_session_seconds: 0,
      online_live: Number(c.online),
      revenue_per_visitor: 0,
      top_referrers: [],
      top_region: null,
    },
  };
}

/** A mail's status as Stack names its outbox statuses: the development mailbox stands where Stack's own (Inbucket) is. */
const STACK_EMAIL_STATUS: Record<string, string> = { queued: 'QUEUED', sent: 'SENT', dev_mailbox: 'SENT', failed: 'SERVER_ERROR' };

/** The mail queue's side: authsync's statuses in Stack's three (`ok`: handed to SMTP or the development mailbox). */
async function emailMetrics(db: Queryable, projectId: string, days: readonly string[], since: Date) {
  const STATUS = `CASE status WHEN 'failed' THEN 'error' WHEN 'queued' THEN 'in-progress' ELSE 'ok' END`;
  const [totals, daily, recent] = await Promise.all([
    db.query<{ status: string; n: number }>(
      `SELECT ${STATUS} AS status, count(*)::int AS n FROM authsync.emails WHERE project_id = $1 GROUP BY 1`,
      [projectId],
    ),
    db.query<{ day: string; status: string; n: number }>(
      `SELECT ${DAY_SQL('created_at')} AS day, ${STATUS} AS status, count(*)::int AS n FROM authsync.emails
       WHERE project_id = $1 AND created_at >= $2 GROUP BY 1, 2`,
      [projectId, since],
    ),
    db.query<{ id: string; status: string; subject: string; created_at: Date }>(
      `SELECT id, status, subject, created_at FROM authsync.emails WHERE project_id = $1
       ORDER BY created_at DESC, id DESC LIMIT ${RECENT_EMAILS}`,
      [projectId],
    ),
  ]);
  const byStatus: Record<string, number> = Object.fromEntries(totals.rows.map((row) => [row.status, Number(row.n)]));
  const perDay = new Map(days.map((date) => [date, { date, ok: 0, error: 0, in_progress: 0 }]));
  for (const row of daily.rows) {
    const entry = perDay.get(row.day);
    if (!entry) continue;
    const key = row.status === 'in-progress' ? 'in_progress' : (row.status as 'ok' | 'error');
    entry[key] += Number(row.n);
  }
  const finished = (byStatus.ok ?? 0) + (byStatus.error ?? 0);
  return {
    emails_by_status: byStatus,
    total_emails: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
    daily_emails: [...perDay.values()].map(({ date, ok, error, in_progress }) => ({ date, activity: ok + error + in_progress })),
    daily_emails_by_status: [...perDay.values()],
    emails_sent: finished,
    recent_emails: recent.rows.map((row) => ({
      id: row.id,
      status: STACK_EMAIL_STATUS[row.status] ?? row.status.toUpperCase(),
      subject: row.subject,
      created_at_millis: row.created_at.getTime(),
    })),
    // Delivery reports, bounces and clicks are not tracked: an SMTP server's acceptance is the last thing known.
    deliverability_status: { delivered: 0, bounced: 0, error: byStatus.error ?? 0, in_progress: byStatus['in-progress'] ?? 0 },
    deliverability_rate: 0,
    bounce_rate: 0,
    click_rate: 0,
  };
}
