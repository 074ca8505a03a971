/** What an import did: the users by outcome (skipped ones with their reason), and the teams and memberships. */
import type { WriteOutcome } from './write-user.js';

export interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: { id: string; reason: string }[];
  teams: { imported: number; updated: number; unchanged: number };
  memberships: { added: number; unchanged: number };
  /** The run continued one that had been interrupted. */
  resumed: boolean;
  dryRun: boolean;
}

export function emptySummary(): ImportSummary {
  return {
    imported: 0,
    updated: 0,
    unchanged: 0,
    skipped: [],
    teams: { imported: 0, updated: 0, unchanged: 0 },
    memberships: { added: 0, unchanged: 0 },
    resumed: false,
    dryRun: false,
  };
}

/** Adds one user's outcome; a skipped user is listed once, with its latest reason. */
export function countUser(summary: ImportSummary, id: string, outcome: WriteOutcome): void {
  summary.skipped = summary.skipped.filter((s) => s.id !== id);
  if (typeof outcome === 'object') summary.skipped.push({ id, reason: outcome.skipped });
  else summary[outcome] += 1;
}

/** The summary as lines for a person. */
export function summaryLines(summary: ImportSummary): string[] {
  const lines = [
    `${summary.dryRun ? 'dry run (nothing written): ' : ''}users: ${summary.imported} imported, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.skipped.length} skipped`,
    `teams: ${summary.teams.imported} imported, ${summary.teams.updated} updated, ${summary.teams.unchanged} unchanged; memberships: ${summary.memberships.added} added, ${summary.memberships.unchanged} unchanged`,
  ];
  if (summary.resumed) lines.push('(continued an interrupted run)');
  for (const skip of summary.skipped) lines.push(`skipped ${skip.id}: ${skip.reason}`);
  return lines;
}
