/** withContext for the sync and users commands: a SyncSetupError is the user's to fix, so it prints as a message alone. */
import type { Config } from '../../config/index.js';
import type { AppContext } from '../../context/app-context.js';
import { SyncSetupError } from '../../sync/grants.js';
import { withContext } from '../with-context.js';

export async function withSyncContext<T>(config: Config, action: (ctx: AppContext) => Promise<T>): Promise<T> {
  try {
    return await withContext(config, action);
  } catch (error) {
    // main.ts prints plain Errors without a stack.
    if (error instanceof SyncSetupError) throw new Error(error.message, { cause: error });
    throw error;
  }
}
