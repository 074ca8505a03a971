/**
 * The internal project's IDs. Stack names it with the literal ID `internal`; authsync's project ID columns are UUIDs, so
 * the project is stored under a fixed UUID and `internal` is an alias for it wherever a project ID comes in (request
 * headers, the JWKS path, the CLI's `--project`), and its name where Stack shows the ID (GET /projects/current).
 */

/** The literal ID Stack gives the internal project. */
export const INTERNAL_PROJECT_ALIAS = 'internal';

/** The internal project's ID in the database: a valid version-4 UUID (every UUID check accepts it) ending in "intern" in hex. */
export const INTERNAL_PROJECT_ID = '00000000-0000-4000-8000-696e7465726e';

/** The stored project ID an incoming ID names: `internal` → the fixed UUID; anything else lower-cased. */
export function resolveProjectId(id: string): string {
  return id === INTERNAL_PROJECT_ALIAS ? INTERNAL_PROJECT_ID : id.toLowerCase();
}

/** The ID to show for a stored project ID: `internal` for the internal project, as Stack shows it. */
export function publicProjectId(id: string): string {
  return id === INTERNAL_PROJECT_ID ? INTERNAL_PROJECT_ALIAS : id;
}

export function isInternalProject(id: string): boolean {
  return id === INTERNAL_PROJECT_ID;
}
