/**
 * Runs before every test file (vitest.config.ts, `setupFiles`): password hashing in this process costs argon2's
 * minimum instead of OWASP's, so that the many sign-ups of the suite do not each pay a full argon2id hash. The tests
 * of hashing itself (test/security/password-hashing.test.ts) put the production cost back. Servers that tests start
 * as child processes (the CLI tests) are other processes and hash at the full cost.
 *
 * Only `password-cost.ts` is imported here, not `passwords.ts`: a module loaded by a setup file is cached before the
 * test file's `vi.mock` calls, and the hashing tests mock the hashing libraries that `passwords.ts` imports.
 */
import { useCheapPasswordHashingForTests } from '../../src/crypto/password-cost.js';

useCheapPasswordHashingForTests(true);
