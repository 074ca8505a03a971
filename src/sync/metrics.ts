/** users_sync figures in the Prometheus text exposition format, for GET /metrics. */
import type { TargetStatus } from './status.js';

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(statuses: readonly TargetStatus[]): string {
  const families: Array<[string, string, (s: TargetStatus) => number]> = [
    ['authsync_users_sync_pending', 'User changes written to the outbox and not yet applied to the target.', (s) => s.pending],
    ['authsync_users_sync_lag_seconds', 'Age of the oldest change not yet applied to the target (0 when none).', (s) => s.lagSeconds],
    ['authsync_users_sync_last_error', '1 when the last attempt to apply changes to the target failed.', (s) => (s.lastError ? 1 : 0)],
  ];
  const lines: string[] = [];
  for (const [name, help, value] of families) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const s of statuses) {
      lines.push(`${name}{project="${escape(s.projectId)}",target="${escape(s.target)}",mode="${s.mode}"} ${value(s)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
