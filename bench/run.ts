/**
 * `npm run bench [suite]`: runs a benchmark suite (a script, not a timed test). Suites:
 *   auth  (default) authsync vs Better Auth: sign-ups/s, sign-ins/s, "who am I" req/s and p99, JWT verifications/s.
 *   workers  `authsync start --workers 1` vs `--workers 2`: /users/me req/s and /sql q/s, interleaved (bench/workers.ts).
 * Settings come from BENCH_* environment variables, described in each suite's file.
 */
const suites: Record<string, () => Promise<{ main(): Promise<void> }>> = {
  auth: () => import('./auth/auth-vs-better-auth.js'),
  workers: () => import('./workers.js'),
};

const name = process.argv[2] ?? 'auth';
const suite = suites[name];
if (!suite) {
  console.error(`unknown bench suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
try {
  await (await suite()).main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
