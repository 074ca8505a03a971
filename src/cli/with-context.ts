/** Runs a CLI action with an opened (migrated, secret-checked) context, closing it afterwards. */
import { pino } from 'pino';
import type { Config } from '../config/index.js';
import type { AppContext } from '../context/app-context.js';
import { openContext } from '../server/app-context.js';

export async function withContext<T>(config: Config, action: (ctx: AppContext) => Promise<T>): Promise<T> {
  const opened = await openContext(config, { log: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    return await action(opened.ctx);
  } finally {
    await opened.close();
  }
}
