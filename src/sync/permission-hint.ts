/**
 * What a users_sync target's failure says to an operator. PostgreSQL's "permission denied for schema neon_auth"
 * (42501) almost always means the objects were created by another role than the one authsync connects as, e.g.
 * `authsync rls install` run as a superuser before the project was created with the owner's URL: retrying cannot
 * help, so the message names the role, the database and the one-time fix.
 */
export function targetFailureMessage(error: { message: string; code?: string }, targetUrl: string): string {
  if (error.code !== '42501') return error.message;
  const url = new URL(targetUrl);
  const user = decodeURIComponent(url.username) || 'the connecting role';
  const database = decodeURIComponent(url.pathname.slice(1)) || 'the database';
  return (
    `${error.message}: authsync connects to ${database} as ${user}, and the users_sync schemas there (neon_auth, authsync_sync) ` +
    `belong to another role. Fix once, as a superuser: authsync rls install --database-url <a superuser's URL of ${database}> --owner ${user} ` +
    `(it hands them to ${user}), or ALTER SCHEMA … OWNER TO ${user} for neon_auth and authsync_sync and everything in them`
  );
}
