/** Everything a request handler, a CLI command or a test needs, built once at start (see server/app-context.ts). */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Database } from '../db/database.js';
import type { ProjectDirectory } from '../projects/directory.js';
import type { RateLimits } from '../rate-limit/limits.js';
import type { UserStore } from '../users/user-store.js';

export interface AppContext {
  config: Config;
  db: Database;
  log: Logger;
  box: SecretBox;
  directory: ProjectDirectory;
  users: UserStore;
  /**
   * The server secret, read once at start (server/secret.ts): the sealing key, the NOTIFY channel names, the
   * rate-limit keys and the RLS kit's role passwords all derive from it.
   */
  serverSecret: string;
  /** Rate limits shared by every server on the database (sign-in, sign-up, dashboard, /sql passwords). */
  limits: RateLimits;
}
