/**
 * The team object in Stack's two shapes (server: everything; client: without `created_at_millis` and
 * `server_metadata`). It lives beside the user because the user object embeds the selected team in the same shapes;
 * the teams API (src/teams) returns them too.
 */
export interface TeamRow {
  id: string;
  project_id: string;
  display_name: string;
  profile_image_url: string | null;
  client_metadata: unknown;
  client_read_only_metadata: unknown;
  server_metadata: unknown;
  /** A Date from a column, an ISO string when read as JSON (the user's selected team). */
  created_at: Date | string;
}

export function toServerTeam(team: TeamRow) {
  return {
    id: team.id,
    display_name: team.display_name,
    profile_image_url: team.profile_image_url,
    created_at_millis: new Date(team.created_at).getTime(),
    client_metadata: team.client_metadata ?? null,
    client_read_only_metadata: team.client_read_only_metadata ?? null,
    server_metadata: team.server_metadata ?? null,
  };
}

export function toClientTeam(team: TeamRow) {
  return {
    id: team.id,
    display_name: team.display_name,
    profile_image_url: team.profile_image_url,
    client_metadata: team.client_metadata ?? null,
    client_read_only_metadata: team.client_read_only_metadata ?? null,
  };
}
