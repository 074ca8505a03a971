/**
 * The config override algorithms without a server: a key replaces everything below it, reset-keys removes a path
 * from dotted and nested keys alike, rendering writes shallow paths first and drops dotted keys into nothing, the
 * checks of each level, and the typed changes of a write (booleans by value or by name, sets and domains by delta).
 */
import { describe, expect, it } from 'vitest';
import { overrideConfig, removeConfigKeys, valueAt } from '../../src/projects/config-override-format.js';
import { renderOverrides, showTypedValues, typedChanges } from '../../src/projects/config-override-render.js';
import { overrideProblem } from '../../src/projects/config-override-schema.js';
import { projectConfigSchema } from '../../src/projects/project-config.js';

const render = (environment: Record<string, never> | object, branch: object = {}) =>
  renderOverrides({ project: {}, branch: branch as never, environment: environment as never });

describe('config override format', () => {
  it('a key replaces the same key and every key below it; other keys stay', () => {
    expect(overrideConfig({ a: 1, 'b.c': 2, 'b.d.e': 3, bc: 4 }, { b: { x: 1 }, 'a.z': 5 })).toEqual({
      a: 1,
      bc: 4,
      b: { x: 1 },
      'a.z': 5,
    });
    expect(overrideConfig({ 'teams.allowClientTeamCreation': true }, { teams: null })).toEqual({ teams: null });
  });

  it('reset-keys removes a path from dotted and nested keys, and drops objects it leaves empty', () => {
    expect(removeConfigKeys({ 'a.b': 1, 'a.b.c': 2, 'a.d': 3 }, ['a.b'])).toEqual({ 'a.d': 3 });
    expect(removeConfigKeys({ a: { b: { c: 1, d: 2 } } }, ['a.b.c'])).toEqual({ a: { b: { d: 2 } } });
    expect(removeConfigKeys({ a: { b: 1 }, 'x.y': 2 }, ['a.b', 'x'])).toEqual({});
    expect(removeConfigKeys({ a: 'text', b: [1, 2] }, ['a.b', 'b.0', 'missing'])).toEqual({ a: 'text', b: [1, 2] });
  });

  it('renders shallow paths first, null as the default, and a dotted key into a missing entry as nothing', () => {
    const config = render({
      teams: { allowClientTeamCreation: true },
      'teams.createPersonalTeamOnSignUp': true,
      'users.allowClientUserDeletion': null,
      'domains.trustedDomains.missing.baseUrl': 'https://a.example.com',
      'domains.trustedDomains.made': { baseUrl: 'https://b.example.com' },
    });
    expect(config.teams).toEqual({ allowClientTeamCreation: true, createPersonalTeamOnSignUp: true });
    expect(config.users).toEqual({ allowClientUserDeletion: false });
    expect(valueAt(config, 'domains.trustedDomains')).toEqual({ made: { baseUrl: 'https://b.example.com', handlerPath: '/handler' } });
    // The environment wins over the branch, key by key.
    expect(
      render({ 'teams.allowClientTeamCreation': false }, { teams: { allowClientTeamCreation: true, createPersonalTeamOnSignUp: true } })
        .teams,
    ).toEqual({
      allowClientTeamCreation: false,
      createPersonalTeamOnSignUp: true,
    });
  });

  it('drops providers without a type, and custom templates unless the e-mail server is dedicated', () => {
    const template = { displayName: 'T', tsxSource: 'x' };
    const id = '11111111-1111-4111-8111-111111111111';
    const shared = render({ 'auth.oauth.providers.a': { allowSignIn: true }, [`emails.templates.${id}`]: template });
    expect(valueAt(shared, 'auth.oauth.providers')).toEqual({});
    expect(valueAt(shared, 'emails.templates')).toEqual({});
    const dedicated = render({ 'emails.server': { isShared: false }, [`emails.templates.${id}`]: template });
    expect(valueAt(dedicated, `emails.templates.${id}`)).toEqual(template);
  });

  it('keeps a `__proto__` key of an override as data, never as a prototype', () => {
    const config = render(
      JSON.parse('{"domains.trustedDomains.__proto__": {"baseUrl": "https://p.example.com"}, "auth": {"__proto__": {"x": 1}}}'),
    );
    const domains = valueAt(config, 'domains.trustedDomains') as object;
    expect(Object.getPrototypeOf(domains)).toBe(Object.prototype);
    expect(Object.keys(domains)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(valueAt(config, 'auth'))).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).baseUrl).toBeUndefined();
  });

  it('checks keys by level, types and choices; null is always admitted', () => {
    expect(
      overrideProblem('environment', { 'teams.allowClientTeamCreation': null, 'auth.oauth.providers.g': { type: 'google' } }),
    ).toBeUndefined();
    expect(overrideProblem('branch', { 'domains.allowLocalhost': true })).toBe(
      'The key "domains.allowLocalhost" is not valid (nested object not found in schema: "domains.allowLocalhost").',
    );
    expect(overrideProblem('project', { 'teams.allowClientTeamCreation': true })).toContain('nested object not found in schema: "teams"');
    expect(overrideProblem('environment', { 'apps.installed.nope': { enabled: true }, apps: { installed: { nope: {} } } })).toEqual(
      expect.stringContaining('must be one of the following values: authentication,'),
    );
    expect(overrideProblem('environment', [])).toBe('Config override must be a non-null object.');
    expect(overrideProblem('environment', { '-bad': 1 })).toMatch(/^Invalid config format: All keys of override must consist/);
  });

  it('a write changes the typed booleans it changed or named, and the sets and domains by what it added and removed', () => {
    const current = projectConfigSchema.parse({
      client_team_creation_enabled: true,
      magic_link_enabled: true,
      domains: [{ domain: 'https://legacy.example.com', handler_path: '/handler' }],
    });
    const before = render({});
    const after = render({
      'teams.allowClientTeamCreation': false,
      'rbac.defaultPermissions.teamCreator': { team_admin: true, extra: true },
      'domains.trustedDomains.w': { baseUrl: 'https://*.wild.example.com' },
      'domains.trustedDomains.bad': { baseUrl: 'http://*:*' },
    });
    expect(typedChanges(before, after, ['teams.allowClientTeamCreation'], current)).toEqual({
      client_team_creation_enabled: false,
      team_creator_default_permissions: ['team_admin', 'extra'],
      domains: [
        { domain: 'https://legacy.example.com', handler_path: '/handler' },
        { domain: 'https://*.wild.example.com', handler_path: '/handler' },
      ],
    });
    // Shown back: the typed values win, and entries the typed config cannot hold stay as written.
    const shown = showTypedValues(after, { ...current, client_team_creation_enabled: true });
    expect(valueAt(shown, 'teams.allowClientTeamCreation')).toBe(true);
    expect(valueAt(shown, 'auth.otp.allowSignIn')).toBe(true);
    expect(valueAt(shown, 'domains.trustedDomains.bad')).toEqual({ baseUrl: 'http://*:*', handlerPath: '/handler' });
    expect(valueAt(shown, 'domains.trustedDomains.domain-0')).toEqual({ baseUrl: 'https://legacy.example.com', handlerPath: '/handler' });
  });
});
