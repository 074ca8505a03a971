/** Runs a CLI action with an opened (migrated, secret-checked) context, closing it afterwards. */
import { pino } from 'pino';
import type { Config } from '../config/index.js';
import type { AppContext } from '../context/app-context.js';
import { getProject } from '../projects/projects.js';
import { openContext } from '../server/app-context.js';
import { noSuchProject } from './input-errors.js';
import { configFrom, type DatabaseOptions } from './shared-options.js';

export async function withContext<T>(config: Config, action: (ctx: AppContext) => Promise<T>): Promise<T> {
  const opened = await openContext(config, { log: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    return await action(opened.ctx);
  } finally {
    await opened.close();
  }
}

/**
 * Runs a command of one project (`--project ID`): opens the context of the server database the options name, and
 * refuses a project ID that names no project there before `action` runs.
 */
export async function withProject<T>(
  options: DatabaseOptions & { project: string },
  action: (ctx: AppContext, projectId: string) => Promise<T>,
): Promise<T> {
  const projectId = options.project.toLowerCase();
  return withContext(configFrom(options), async (ctx) => {
    if (!(await getProject(ctx.db, projectId))) throw noSuchProject(projectId);
    return action(ctx, projectId);
  });
}
