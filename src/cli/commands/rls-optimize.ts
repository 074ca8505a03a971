/** `authsync rls optimize` and `authsync rls lint`: policies that read the identity once per statement. */
import type { Command } from 'commander';
import { openPostgres } from '../../db/postgres.js';
import { DEFAULT_MIN_ROWS, lintPolicies, type LintFinding } from '../../rls/optimize-lint.js';
import { autoOptimizeEnabled, disableAutoOptimize, enableAutoOptimize } from '../../rls/optimize-auto.js';
import { optimizePolicies, type ClauseChange, type OptimizeReport } from '../../rls/optimize-policies.js';
import { cliInputError } from '../input-errors.js';
import { printJson } from '../output.js';

interface OptimizeOptions {
  databaseUrl: string;
  dryRun?: boolean;
  json?: boolean;
  auto?: boolean;
  off?: boolean;
}

export function registerRlsOptimize(rls: Command): void {
  rls
    .command('optimize')
    .description(
      "rewrite policies' (select auth.user_id() = col) into col = (select auth.user_id()): the identity read once per statement, an index on col usable",
    )
    .requiredOption('--database-url <url>', 'the app database, as the owner of its tables (a superuser for --auto)')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'print JSON')
    .option('--auto', 'also install an event trigger that rewrites every policy created or altered from now on (needs a superuser)')
    .option('--off', 'with --auto: remove that event trigger (rewritten policies stay as they are)')
    .action(async (options: OptimizeOptions) => {
      if (options.off && !options.auto) throw cliInputError('--off goes with --auto: authsync rls optimize --auto --off.');
      const db = openPostgres(options.databaseUrl, { max: 1, applicationName: 'authsync-rls-optimize' });
      try {
        if (options.auto && options.off) {
          if (!options.dryRun) await disableAutoOptimize(db);
          if (options.json) printJson({ auto: false, dryRun: Boolean(options.dryRun) });
          else process.stdout.write(options.dryRun ? 'Would remove the event trigger.\n' : 'Automatic policy rewriting is off.\n');
          return;
        }
        if (options.auto && !options.dryRun) await enableAutoOptimize(db);
        const report = await optimizePolicies(db, { dryRun: options.dryRun });
        const auto = await autoOptimizeEnabled(db);
        if (options.json) printJson({ ...report, auto });
        else printReport(report, auto);
      } finally {
        await db.close();
      }
    });
}

const OPTIMIZE_COMMAND = "authsync rls optimize --database-url <this database's URL>";

export function registerRlsLint(rls: Command): void {
  rls
    .command('lint')
    .description('list policies on large tables that read the identity once per row, and compared columns without an index')
    .requiredOption('--database-url <url>', 'the app database')
    .option('--min-rows <n>', `only tables of at least this many rows (estimated by ANALYZE; default ${DEFAULT_MIN_ROWS})`)
    .option('--json', 'print JSON')
    .action(async (options: { databaseUrl: string; minRows?: string; json?: boolean }) => {
      const minRows = options.minRows === undefined ? DEFAULT_MIN_ROWS : Number(options.minRows);
      if (!Number.isSafeInteger(minRows) || minRows < 0) throw cliInputError('--min-rows must be a whole number, 0 or more.');
      const db = openPostgres(options.databaseUrl, { max: 1, applicationName: 'authsync-rls-lint' });
      try {
        const findings = await lintPolicies(db, { minRows, optimizeCommand: OPTIMIZE_COMMAND });
        if (options.json) printJson({ minRows, findings });
        else printFindings(findings, minRows);
      } finally {
        await db.close();
      }
    });
}

function printFindings(findings: LintFinding[], minRows: number): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const finding of findings) {
    const table = `${finding.schema}.${finding.table} (~${finding.rows} rows)`;
    if (finding.kind === 'per-row-identity')
      out(`${table} policy "${finding.policy}": reads the identity once per row and cannot use an index\n  fix: ${finding.fix}`);
    else
      out(
        `${table} column ${finding.column}: compared with the identity (${finding.policies.map((p) => `"${p}"`).join(', ')}) but no index starts with it\n  fix: ${finding.fix}`,
      );
  }
  out(
    findings.length === 0
      ? `No findings on tables of ${minRows} rows or more.`
      : `${findings.length} finding(s) on tables of ${minRows} rows or more.`,
  );
}

function printReport(report: OptimizeReport, auto: boolean): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const policy of report.rewritten) {
    out(`${policy.schema}.${policy.table} "${policy.policy}"`);
    printClause('USING', policy.using);
    printClause('WITH CHECK', policy.withCheck);
  }
  const count = report.rewritten.length;
  out(
    report.dryRun
      ? `${count} ${count === 1 ? 'policy' : 'policies'} would be rewritten (dry run: nothing changed).`
      : `${count} ${count === 1 ? 'policy' : 'policies'} rewritten.`,
  );
  if (report.unrecognised.length > 0) {
    out('Still reading the identity per row, in a form not recognised (left as they are; rewrite them by hand):');
    for (const policy of report.unrecognised) {
      out(`  ${policy.schema}.${policy.table} "${policy.policy}"`);
      if (policy.using) out(`    USING ${policy.using}`);
      if (policy.withCheck) out(`    WITH CHECK ${policy.withCheck}`);
    }
  }
  out(auto ? 'Automatic mode is on: new and altered policies are rewritten as they are created.' : 'Automatic mode is off.');
}

function printClause(name: string, clause: ClauseChange | null): void {
  if (!clause) return;
  process.stdout.write(`  ${name} before: ${clause.before}\n  ${' '.repeat(name.length)} after:  ${clause.after}\n`);
}
