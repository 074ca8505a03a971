/**
 * `authsync emails template show|set|reset`: a project's own wording of one of Stack's mail types. The parts are read
 * from files (`-` for standard input), so an HTML part is never mangled by a shell.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  parseTemplateType,
  removeTemplateOverride,
  setTemplateOverride,
  showTemplate,
  type TemplateView,
} from '../../email/template-overrides.js';
import { cliInputError } from '../input-errors.js';
import { printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';

interface TemplateOptions extends DatabaseOptions {
  project: string;
  type: string;
  subject?: string;
  textFile?: string;
  htmlFile?: string;
  json?: boolean;
}

function readPart(file: string | undefined, flag: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw cliInputError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

function printTemplate(view: TemplateView): void {
  const mark = (own: boolean) => (own ? "the project's own" : 'default');
  process.stdout.write(
    `Template ${view.type}\n\nSubject (${mark(view.overridden.subject)}):\n${view.subject}\n\n` +
      `Text part (${mark(view.overridden.text)}):\n${view.text}\n\nHTML part (${mark(view.overridden.html)}):\n${view.html}\n`,
  );
}

export function registerEmailTemplateCommands(emails: Command): void {
  const template = emails
    .command('template')
    .description(`a project's own wording of a mail type ({{placeholders}} as in docs/email.md; values are HTML-escaped in the HTML part)`);

  withDatabaseOptions(
    template
      .command('show')
      .description("show the template a mail type is rendered from, and which parts are the project's own")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--type <type>', 'email_verification, password_reset, magic_link, team_invitation or sign_in_invitation')
      .option('--json', 'print JSON'),
  ).action(async (options: TemplateOptions) => {
    const type = parseTemplateType(options.type);
    const view = await withProject(options, (ctx, projectId) => showTemplate(ctx.db, projectId, type));
    if (options.json) printJson(view);
    else printTemplate(view);
  });

  withDatabaseOptions(
    template
      .command('set')
      .description("set parts of a mail type's template (the parts not given keep what they had)")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--type <type>', 'email_verification, password_reset, magic_link, team_invitation or sign_in_invitation')
      .option('--subject <subject>', 'the subject (one line)')
      .option('--text-file <file>', 'the plain-text part, from a file (- for standard input)')
      .option('--html-file <file>', 'the HTML part, from a file (- for standard input)')
      .option('--json', 'print JSON'),
  ).action(async (options: TemplateOptions) => {
    const type = parseTemplateType(options.type);
    if (options.textFile === '-' && options.htmlFile === '-') throw cliInputError('Only one part can come from standard input.');
    const text = readPart(options.textFile, '--text-file');
    const html = readPart(options.htmlFile, '--html-file');
    const view = await withProject(options, (ctx, projectId) =>
      setTemplateOverride(ctx.db, projectId, type, {
        ...(options.subject !== undefined ? { subject: options.subject } : {}),
        ...(text !== undefined ? { text } : {}),
        ...(html !== undefined ? { html } : {}),
      }),
    );
    if (options.json) printJson(view);
    else printTemplate(view);
  });

  withDatabaseOptions(
    template
      .command('reset')
      .description('go back to the default template of a mail type')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--type <type>', 'email_verification, password_reset, magic_link, team_invitation or sign_in_invitation'),
  ).action(async (options: TemplateOptions) => {
    const type = parseTemplateType(options.type);
    const removed = await withProject(options, (ctx, projectId) => removeTemplateOverride(ctx.db, projectId, type));
    if (!removed) throw cliInputError(`Project ${options.project} has no template of its own for ${type}.`);
    process.stdout.write(`The ${type} mails use the default template again.\n`);
  });
}
