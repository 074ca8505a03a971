/**
 * The layered config through the real SDK's admin app (@stackframe/js 2.8.39 and 2.8.108), on PostgreSQL:
 * `project.updateConfig(...)` then `project.getConfig()`, and the change reaches what authsync behaves by (the client
 * project's config); on 2.8.108 also `pushConfig` with its source, `updatePushedConfig`, `resetConfigOverrideKeys`.
 */
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';

const t = useTestServer();

describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (version, sdk) => {
  const adminApp = () => stackJsApps(t, sdk).adminApp();

  it('updateConfig changes the rendered config and the project’s behaviour', async () => {
    const project = await adminApp().getProject();
    await project.updateConfig({ 'teams.allowClientTeamCreation': true, 'users.allowClientUserDeletion': true });
    const config = (await project.getConfig()) as { teams: Record<string, boolean>; users: Record<string, boolean> };
    expect(config.teams.allowClientTeamCreation).toBe(true);
    expect(config.users.allowClientUserDeletion).toBe(true);
    const clientProject = await stackJsApps(t, sdk).clientApp().getProject();
    expect(clientProject.config.clientTeamCreationEnabled).toBe(true);
    expect(clientProject.config.clientUserDeletionEnabled).toBe(true);
    await project.updateConfig({ 'teams.allowClientTeamCreation': false, 'users.allowClientUserDeletion': false });
    expect((await stackJsApps(t, sdk).clientApp().getProject()).config.clientTeamCreationEnabled).toBe(false);
  });

  // Only 2.8.108's admin app has these methods: the test exists for that version only (nothing is skipped).
  if (version === '2.8.108') {
    it('pushConfig keeps its source through updatePushedConfig; resetConfigOverrideKeys removes keys', async () => {
      const project = await adminApp().getProject();
      await project.pushConfig({ 'teams.createPersonalTeamOnSignUp': true }, { source: { type: 'pushed-from-unknown' } });
      await project.updatePushedConfig({ 'auth.passkey.allowSignIn': true });
      expect(await project.getPushedConfigSource()).toEqual({ type: 'pushed-from-unknown' });
      expect(await project.getConfigOverride('branch')).toEqual({
        'teams.createPersonalTeamOnSignUp': true,
        'auth.passkey.allowSignIn': true,
      });
      await project.resetConfigOverrideKeys('branch', ['teams']);
      expect(await project.getConfigOverride('branch')).toEqual({ 'auth.passkey.allowSignIn': true });
      await project.unlinkPushedConfigSource();
      expect(await project.getPushedConfigSource()).toEqual({ type: 'unlinked' });
    });
  }
});
