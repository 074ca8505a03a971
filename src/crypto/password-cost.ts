/**
 * The cost of argon2id for this process. Production always uses `ARGON2_PARAMS` (OWASP's minimum): nothing in
 * `src/` lowers it, no flag or environment variable reaches it, and the lint forbids importing the test switch
 * into `src/`. Tests lower it for their own process (`test/setup/cheap-password-hashing.ts`), since each sign-up
 * would otherwise pay a full hash; the tests of hashing itself put the production cost back.
 *
 * Kept apart from `passwords.ts` (and free of imports) so that a test setup file can set it without loading the
 * hashing libraries, which test files mock.
 */

export interface Argon2Params {
  /** Algorithm 2 = argon2id (a const enum in @node-rs/argon2's types, so spelled out here). */
  readonly algorithm: 2;
  /** KiB of memory. */
  readonly memoryCost: number;
  /** Passes over the memory. */
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1. */
export const ARGON2_PARAMS: Argon2Params = Object.freeze({ algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** argon2's smallest cost (8 KiB, one pass): about 0.1 ms instead of about 15 ms. Tests only. */
export const TEST_ARGON2_PARAMS: Argon2Params = Object.freeze({ algorithm: 2, memoryCost: 8, timeCost: 1, parallelism: 1 });

let current: Argon2Params = ARGON2_PARAMS;

/** The parameters new hashes get, and below which a stored hash is replaced at the next sign-in. */
export function argon2Params(): Argon2Params {
  return current;
}

/**
 * Tests only: `true` hashes at `TEST_ARGON2_PARAMS` from now on in this process, `false` back at `ARGON2_PARAMS`.
 * Never call it from `src/` (the lint refuses the import there).
 */
export function useCheapPasswordHashingForTests(cheap: boolean): void {
  current = cheap ? TEST_ARGON2_PARAMS : ARGON2_PARAMS;
}
