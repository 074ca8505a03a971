/**
 * `authsync project update --client-team-creation-enabled / --create-team-on-sign-up` on the server's PostgreSQL: the
 * running server applies them at once (GET /projects/current's client_team_creation_enabled; a personal team on the
 * next sign-up), and a bad value is a clear error.
 */
import { describe, expect, it } from 'vitest';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';
import { signUp, withToken } from '../api/support.js';
import { runCli } from '../cli/run-cli.js';

describe('team settings from the CLI on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  const cli = (...args: string[]) =>
    runCli(['project', 'update', '--id', t.projectId, ...args, '--json', '--database-url', t.databaseUrl!, '--data-dir', t.dataDir]);

  it('turns client team creation and personal teams on and off', async () => {
    const on = await cli('--client-team-creation-enabled', 'true', '--create-team-on-sign-up', 'true');
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ clientTeamCreationEnabled: true, createTeamOnSignUp: true });
    const project = await api(t, 'GET', '/projects/current', { headers: clientHeaders(t) });
    expect((project.json.config as Record<string, unknown>).client_team_creation_enabled).toBe(true);
    const alice = await signUp(t);
    const me = await api(t, 'GET', '/users/me', { headers: withToken(t, alice.accessToken) });
    expect(me.json.selected_team).toMatchObject({ display_name: `${alice.email}'s Team` });

    const off = await cli('--create-team-on-sign-up', 'false');
    expect(JSON.parse(off.stdout)).toMatchObject({ clientTeamCreationEnabled: true, createTeamOnSignUp: false });
    const bob = await signUp(t);
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, bob.accessToken) })).json.selected_team).toBeNull();

    const bad = await cli('--create-team-on-sign-up', 'maybe');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/true|false/);
  });
});
