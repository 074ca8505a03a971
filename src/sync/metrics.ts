/**
 * users_sync figures in the Prometheus text exposition format, for GET /metrics; team data's part of the backlog for
 * the targets of projects that keep it (`sync teams`).
 */
import type { TargetStatus } from './status.js';

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(statuses: readonly TargetStatus[]): string {
  const families: Array<[string, string, (s: TargetStatus) => number, ((s: TargetStatus) => boolean)?]> = [
    [
      'authsync_users_sync_pending',
      'Changes (users and team data) written to the outbox and not yet applied to the target.',
      (s) => s.pending,
    ],
    ['authsync_users_sync_lag_seconds', 'Age of the oldest change not yet applied to the target (0 when none).', (s) => s.lagSeconds],
    ['authsync_users_sync_last_error', '1 when the last attempt to apply changes to the target failed.', (s) => (s.lastError ? 1 : 0)],
    [
      'authsync_team_data_pending',
      'Team copies (teams_sync, team_members_sync) written to the outbox and not yet applied to the target.',
      (s) => s.teamPending,
      (s) => s.teamData,
    ],
    [
      'authsync_team_data_lag_seconds',
      'Age of the oldest team copy not yet applied to the target (0 when none).',
      (s) => s.teamLagSeconds,
      (s) => s.teamData,
    ],
  ];
  const lines: string[] = [];
  for (const [name, help, value, applies] of families) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const s of statuses) {
      if (applies && !applies(s)) continue;
      lines.push(`${name}{project="${escape(s.projectId)}",target="${escape(s.target)}",mode="${s.mode}"} ${value(s)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
