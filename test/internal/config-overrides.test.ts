/**
 * Stack's layered config API (/internal/config*) on each store: the rendered config, overrides per level with dotted
 * and nested keys, PUT replacing and reset-keys removing, the branch source, Stack's refusals, and the bridge to the
 * typed config both ways (an override write changes what authsync behaves by; a typed change shows in the render).
 */
import { expect, it } from 'vitest';
import { valueAt as at, type ConfigObject } from '../../src/projects/config-override-format.js';
import { getProject, updateProject } from '../../src/projects/projects.js';
import { expectKnownError, PASSWORD, uniqueEmail } from '../api/support.js';
import { adminHeaders, api, describeOnEachStore } from '../helpers/server.js';

describeOnEachStore('config overrides on %s', (t) => {
  const admin = (method: string, route: string, body?: unknown) =>
    api(t, method, route, { headers: adminHeaders(t), ...(body !== undefined ? { body } : {}) });
  const rendered = async () => {
    const res = await admin('GET', '/internal/config');
    expect(res.status, res.text).toBe(200);
    return JSON.parse(res.json.config_string as string) as ConfigObject;
  };
  const levelOverride = async (level: string) =>
    JSON.parse((await admin('GET', `/internal/config/override/${level}`)).json.config_string as string);
  const patch = async (level: string, override: unknown) => {
    const res = await admin('PATCH', `/internal/config/override/${level}`, { config_override_string: JSON.stringify(override) });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ success: true });
  };
  const put = (level: string, override: unknown, source: unknown = { type: 'unlinked' }) =>
    admin('PUT', `/internal/config/override/${level}`, { config_string: JSON.stringify(override), ...(source ? { source } : {}) });
  const reset = (level: string, keys: string[]) => admin('POST', `/internal/config/override/${level}/reset-keys`, { keys });
  const typed = async () => (await getProject(t.server.ctx.db, t.projectId))!.config;
  const clear = async () => {
    for (const level of ['project', 'branch', 'environment']) expect((await put(level, {})).status).toBe(200);
    await admin('PATCH', '/internal/projects/current', { config: { domains: [], magic_link_enabled: false } });
  };

  it('renders the defaults with the typed config’s values, and starts with empty overrides and an unlinked source', async () => {
    const config = await rendered();
    expect(at(config, 'auth')).toMatchObject({
      allowSignUp: true,
      password: { allowSignIn: true },
      otp: { allowSignIn: false },
      passkey: { allowSignIn: false },
      oauth: { accountMergeStrategy: 'link_method', providers: {} },
    });
    expect(at(config, 'domains')).toEqual({ allowLocalhost: true, trustedDomains: {} });
    expect(at(config, 'teams')).toEqual({ allowClientTeamCreation: false, createPersonalTeamOnSignUp: false });
    expect(at(config, 'users')).toEqual({ allowClientUserDeletion: false });
    expect(at(config, 'project')).toEqual({ requirePublishableClientKey: false });
    expect(at(config, 'rbac.defaultPermissions')).toMatchObject({ teamCreator: { team_admin: true }, teamMember: { team_member: true } });
    expect(at(config, 'apps.installed.api-keys')).toEqual({ enabled: false });
    expect(await levelOverride('branch')).toEqual({});
    expect((await admin('GET', '/internal/config/source')).json).toEqual({ source: { type: 'unlinked' } });
  });

  it('a PATCH with dotted keys changes the rendered config and the typed fields authsync acts on', async () => {
    await patch('environment', {
      'users.allowClientUserDeletion': true,
      'teams.allowClientTeamCreation': true,
      'onboarding.requireEmailVerification': true,
      'auth.otp.allowSignIn': true,
    });
    const config = await rendered();
    expect(at(config, 'users.allowClientUserDeletion')).toBe(true);
    expect(at(config, 'onboarding.requireEmailVerification')).toBe(true);
    expect(await typed()).toMatchObject({
      client_user_deletion_enabled: true,
      client_team_creation_enabled: true,
      require_email_verification: true,
      magic_link_enabled: true,
    });
    // The client project shape, which the SDK reads, follows at once.
    const current = await api(t, 'GET', '/projects/current');
    expect(current.json.config).toMatchObject({ client_team_creation_enabled: true, magic_link_enabled: true });
    expect(await levelOverride('environment')).toEqual({
      'users.allowClientUserDeletion': true,
      'teams.allowClientTeamCreation': true,
      'onboarding.requireEmailVerification': true,
      'auth.otp.allowSignIn': true,
    });
    await clear();
    expect(await typed()).toMatchObject({ client_user_deletion_enabled: false, require_email_verification: false });
  });

  it('the environment wins over the branch; PUT replaces a level; reset-keys removes a path and what lies below it', async () => {
    await patch('branch', { 'teams.allowClientTeamCreation': true, 'teams.createPersonalTeamOnSignUp': true });
    await patch('environment', { 'teams.allowClientTeamCreation': false });
    expect(at(await rendered(), 'teams')).toEqual({ allowClientTeamCreation: false, createPersonalTeamOnSignUp: true });
    expect(await typed()).toMatchObject({ client_team_creation_enabled: false, create_team_on_sign_up: true });

    expect((await reset('environment', ['teams'])).status).toBe(200);
    expect(at(await rendered(), 'teams.allowClientTeamCreation')).toBe(true);
    expect((await typed()).client_team_creation_enabled).toBe(true);

    expect((await put('branch', { 'auth.passkey.allowSignIn': true })).status).toBe(200);
    const config = await rendered();
    expect(at(config, 'teams')).toEqual({ allowClientTeamCreation: false, createPersonalTeamOnSignUp: false });
    expect(at(config, 'auth.passkey.allowSignIn')).toBe(true);
    expect(await typed()).toMatchObject({ client_team_creation_enabled: false, create_team_on_sign_up: false });
    expect(await levelOverride('branch')).toEqual({ 'auth.passkey.allowSignIn': true });
    await clear();
  });

  it('nested objects and dotted keys mix; a dotted key into a record entry that does not exist renders as nothing', async () => {
    await patch('environment', {
      domains: { trustedDomains: { a: { baseUrl: 'https://nested.example.com', handlerPath: '/nested' } } },
      'domains.trustedDomains.b.baseUrl': 'https://dotted.example.com',
      'auth.oauth.providers.github': { type: 'github', isShared: true, allowSignIn: true, allowConnectedAccounts: false },
    });
    const config = await rendered();
    expect(at(config, 'domains.trustedDomains')).toEqual({ a: { baseUrl: 'https://nested.example.com', handlerPath: '/nested' } });
    expect(at(config, 'auth.oauth.providers.github')).toEqual({
      type: 'github',
      isShared: true,
      allowSignIn: true,
      allowConnectedAccounts: false,
    });
    // The trusted domain reached the typed config, which redirects and cookies are checked against.
    expect((await typed()).domains).toEqual([{ domain: 'https://nested.example.com', handler_path: '/nested' }]);

    await patch('environment', { 'auth.oauth.providers.github': null });
    expect(at(await rendered(), 'auth.oauth.providers')).toEqual({});
    expect((await reset('environment', ['domains.trustedDomains.a'])).status).toBe(200);
    expect((await typed()).domains).toEqual([]);
    await clear();
  });

  it('a change of the typed config elsewhere shows in the rendered config, and later override writes keep it', async () => {
    const legacy = await admin('PATCH', '/internal/projects/current', {
      config: { magic_link_enabled: true, domains: [{ domain: 'https://legacy.example.com', handler_path: '/handler' }] },
    });
    expect(legacy.status, legacy.text).toBe(200);
    await patch('environment', {
      'users.allowClientUserDeletion': true,
      'domains.trustedDomains.extra': { baseUrl: 'https://extra.example.com', handlerPath: '/h' },
    });
    const config = await rendered();
    expect(at(config, 'auth.otp.allowSignIn')).toBe(true);
    expect(Object.values(at(config, 'domains.trustedDomains') as ConfigObject)).toEqual(
      expect.arrayContaining([
        { baseUrl: 'https://legacy.example.com', handlerPath: '/handler' },
        { baseUrl: 'https://extra.example.com', handlerPath: '/h' },
      ]),
    );
    expect(at(config, 'domains.trustedDomains.extra')).toEqual({ baseUrl: 'https://extra.example.com', handlerPath: '/h' });
    const now = await typed();
    expect(now.magic_link_enabled).toBe(true);
    expect(now.domains).toHaveLength(2);
    await clear();
  });

  it('maps the default permission sets to the typed lists by what a write adds and removes', async () => {
    await patch('environment', { 'rbac.defaultPermissions.teamMember': { team_member: true, read_docs: true } });
    expect((await typed()).team_member_default_permissions).toEqual(['team_member', 'read_docs']);
    expect(at(await rendered(), 'rbac.defaultPermissions.teamMember')).toEqual({ team_member: true, read_docs: true });
    expect((await reset('environment', ['rbac'])).status).toBe(200);
    expect((await typed()).team_member_default_permissions).toEqual([]);
    await admin('PATCH', '/internal/config/override/environment', {
      config_override_string: JSON.stringify({ 'rbac.defaultPermissions.teamMember': { team_member: true } }),
    });
    expect((await typed()).team_member_default_permissions).toEqual(['team_member']);
    await clear();
  });

  it('keeps the branch source through PATCH, replaces it with PUT and unlinks it with DELETE', async () => {
    const github = {
      type: 'pushed-from-github',
      owner: 'org',
      repo: 'repo',
      branch: 'main',
      commit_hash: 'abc',
      config_file_path: 'stack.config.ts',
    };
    expect((await put('branch', { 'teams.allowClientTeamCreation': true }, github)).status).toBe(200);
    await patch('branch', { 'teams.createPersonalTeamOnSignUp': true });
    expect((await admin('GET', '/internal/config/source')).json.source).toEqual(github);
    expect((await admin('DELETE', '/internal/config/source')).json).toEqual({ success: true });
    expect((await admin('GET', '/internal/config/source')).json.source).toEqual({ type: 'unlinked' });
    expect(await levelOverride('branch')).toEqual({ 'teams.allowClientTeamCreation': true, 'teams.createPersonalTeamOnSignUp': true });
    await clear();
  });

  it('refuses bad overrides in Stack’s words and changes nothing', async () => {
    const refused = async (res: Awaited<ReturnType<typeof admin>>, text: string) => {
      expect(res.status).toBe(400);
      expect(res.text).toBe(text);
    };
    const patchText = (level: string, override: unknown) =>
      admin('PATCH', `/internal/config/override/${level}`, {
        config_override_string: typeof override === 'string' ? override : JSON.stringify(override),
      });
    await refused(
      await patchText('environment', { nonExistentField: 1 }),
      'The key "nonExistentField" is not valid (nested object not found in schema: "nonExistentField").',
    );
    await refused(await patchText('environment', '{ invalid json }'), 'Invalid config JSON');
    await refused(
      await patchText('environment', { 'auth.oauth.providers.x': { type: 'nope' } }),
      'auth.oauth.providers.x.type must be one of the following values: google, github, microsoft, spotify, facebook, discord, gitlab, bitbucket, linkedin, apple, x, twitch',
    );
    await refused(
      await patchText('branch', { 'domains.trustedDomains.d': { baseUrl: 'https://e.com' } }),
      'The key "domains.trustedDomains.d" is not valid (nested object not found in schema: "domains.trustedDomains").',
    );
    await refused(
      await patchText('branch', { 'auth.oauth.providers.google': { type: 'google', clientId: 'id' } }),
      'auth.oauth.providers.google contains unknown properties: clientId',
    );
    await refused(
      await patchText('environment', { 'teams.allowClientTeamCreation': 'yes' }),
      'teams.allowClientTeamCreation must be a `boolean` type, but the final value was: `"yes"`.',
    );
    await refused(
      await patchText('branch', { 'project.requirePublishableClientKey': true }),
      'The key "project.requirePublishableClientKey" is not valid (nested object not found in schema: "project").',
    );
    await refused(
      await patchText('environment', { teams: { 'a.b': true } }),
      'Key a.b contains a dot, which is not allowed in config override.',
    );
    await refused(await put('branch', { 'teams.allowClientTeamCreation': true }, null), 'source is required for branch level config');

    const level = await admin('PATCH', '/internal/config/override/organization', { config_override_string: '{}' });
    expect(level.status).toBe(400);
    expect(level.json.code).toBe('SCHEMA_ERROR');
    expect(level.json.error).toContain('params.level must be one of the following values: project, branch, environment');
    const resetLevel = await reset('project', []);
    expect(resetLevel.json.error).toContain('params.level must be one of the following values: branch, environment');
    const badSource = await put('branch', {}, { type: 'pushed-from-github', owner: 'o' });
    expect(badSource.status).toBe(400);
    expect(badSource.json.code).toBe('SCHEMA_ERROR');
    expect(await levelOverride('environment')).toEqual({});
    expect(await levelOverride('branch')).toEqual({});
  });

  it('an override write changes behaviour at once, and the CLI’s update shows in the rendered config', async () => {
    await patch('environment', { 'auth.allowSignUp': false });
    const refused = await api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: PASSWORD } });
    expectKnownError(refused, 'SIGN_UP_NOT_ENABLED', 400);
    // `authsync project update --sign-up-enabled true` calls updateProject.
    await updateProject(t.server.ctx.db, t.projectId, { config: { sign_up_enabled: true } });
    t.server.ctx.directory.invalidate(t.projectId);
    expect(at(await rendered(), 'auth.allowSignUp')).toBe(true);
    const made = await api(t, 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(made.status, made.text).toBe(200);
    await clear();
  });

  it('legacy keys without a typed field go to the environment override and show back in the admin project', async () => {
    const legacy = await admin('PATCH', '/internal/projects/current', {
      config: { allow_user_api_keys: true, passkey_enabled: true, oauth_account_merge_strategy: 'raise_error' },
    });
    expect(legacy.status, legacy.text).toBe(200);
    expect(legacy.json.config).toMatchObject({ allow_user_api_keys: true, allow_team_api_keys: false, passkey_enabled: true });
    expect(legacy.json.config).toMatchObject({ oauth_account_merge_strategy: 'raise_error' });
    const config = await rendered();
    expect(at(config, 'apiKeys.enabled')).toEqual({ user: true, team: false });
    expect(at(config, 'auth.passkey.allowSignIn')).toBe(true);
    expect(at(config, 'auth.oauth.accountMergeStrategy')).toBe('raise_error');
    await patch('environment', { 'apiKeys.enabled.team': true });
    expect((await admin('GET', '/internal/projects/current')).json.config).toMatchObject({
      allow_team_api_keys: true,
      allow_user_api_keys: true,
    });

    // email_theme: one of the project's themes (the built-in dark one here), else Stack's refusal before any change.
    const dark = 'a0172b5d-cff0-463b-83bb-85124697373a';
    const themed = await admin('PATCH', '/internal/projects/current', { config: { email_theme: dark } });
    expect(themed.json.config).toMatchObject({ email_theme: dark });
    expect(at(await rendered(), 'emails.selectedThemeId')).toBe(dark);
    const invalid = await admin('PATCH', '/internal/projects/current', {
      config: { email_theme: 'not-a-theme', magic_link_enabled: true },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toBe('Invalid email theme');
    expect((await typed()).magic_link_enabled).toBe(false);
    await clear();
  });

  it('keeps project-level keys at the project level', async () => {
    await patch('project', { 'project.requirePublishableClientKey': true });
    expect(at(await rendered(), 'project.requirePublishableClientKey')).toBe(true);
    expect(await levelOverride('project')).toEqual({ 'project.requirePublishableClientKey': true });
    await clear();
  });
});
