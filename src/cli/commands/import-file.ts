/**
 * `authsync import file --project ID users.jsonl [--dry-run] [--json]`: users from a JSON-lines file (docs/migration.md,
 * "Import from a file"), under their own IDs. Prints the summary (imported, updated, unchanged, skipped lines with
 * their reason); exits 1 when a line was skipped, after importing the others.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { importUsersFile, type FileImportSummary } from '../../import/file-import.js';
import { cliInputError } from '../input-errors.js';
import { printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';

interface ImportFileOptions extends DatabaseOptions {
  project: string;
  dryRun?: boolean;
  json?: boolean;
}

function summaryLines(summary: FileImportSummary): string[] {
  const lines = [
    `${summary.dryRun ? 'dry run (nothing written): ' : ''}users: ${summary.imported} imported, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.skipped.length} skipped`,
  ];
  for (const skip of summary.skipped) lines.push(`skipped line ${skip.line}${skip.id ? ` (${skip.id})` : ''}: ${skip.reason}`);
  return lines;
}

/** Adds `file` to the `authsync import` command group. */
export function registerImportFile(importCommand: Command): void {
  withDatabaseOptions(
    importCommand
      .command('file')
      .description('import users from a JSON-lines file (one user per line, e.g. converted from Supabase or Better Auth)')
      .argument('<file>', 'the JSONL file')
      .requiredOption('--project <id>', 'project ID')
      .option('--dry-run', 'report what would change, write nothing')
      .option('--json', 'print the summary as JSON'),
  ).action(async (file: string, options: ImportFileOptions) => {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw cliInputError(`No such file: ${file}`);
    const progress = process.stderr.isTTY
      ? (s: FileImportSummary) => process.stderr.write(`\r${s.imported + s.updated + s.unchanged + s.skipped.length} lines`)
      : undefined;
    const summary = await withProject(options, (ctx, projectId) => {
      const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
      return importUsersFile(ctx, projectId, lines, { dryRun: options.dryRun ?? false, ...(progress ? { onProgress: progress } : {}) });
    });
    if (progress) process.stderr.write('\n');
    if (options.json) printJson(summary);
    else process.stdout.write(`${summaryLines(summary).join('\n')}\n`);
    if (summary.skipped.length > 0) process.exitCode = 1;
  });
}
