/** `authsync rls optimize` and `authsync rls lint`: policies that read the identity once per statement. */
import type { Command } from 'commander';
import { openPostgres } from '../../db/postgres.js';
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
