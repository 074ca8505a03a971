/**
 * /dashboard/projects/:projectId/configuration: the values an app needs (with copy buttons and an env block),
 * rename, key rotation (the new secret server key shown once), sign-up on/off, trusted domains, OAuth providers
 * (oauth-providers.ts), and whether /sql accepts anonymous users' tokens for the role authenticated.
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { rotateProjectKey, updateProject, type Project } from '../../projects/projects.js';
import { rotateSigningKeys } from '../../projects/signing-keys.js';
import { listOAuthProviders } from '../../oauth/provider-config.js';
import { appEnv, envBlock } from '../app-env.js';
import type { DashboardEnv } from '../env.js';
import { attempt, inputError, readForm } from '../form.js';
import { projectPath } from '../paths.js';
import { OAUTH_NOTICES, oauthProvidersSection, registerOAuthProviderRoutes } from './oauth-providers.js';
import type { DashboardSession } from '../sessions.js';
import { actionForm, copyBlock, copyField, csrfField, type Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { html, type Html } from '../view/html.js';

const NOTICES: Record<string, string> = {
  renamed: 'Renamed the project.',
  settings: 'Saved the sign-up setting.',
  'sql-settings': 'Saved the /sql setting.',
  'magic-link-settings': 'Saved the e-mail code sign-in setting.',
  'domain-added': 'Added the trusted domain.',
  'domain-removed': 'Removed the trusted domain.',
  'signing-rotated': 'New signing keys are in use. The old ones stay in the JWKS until the tokens they signed expire.',
  ...OAUTH_NOTICES,
};

export function registerConfiguration(app: Hono<DashboardEnv>, ctx: AppContext): void {
  const base = '/projects/:projectId/configuration';
  const done = (c: Context<DashboardEnv>, code: string) =>
    c.redirect(`${projectPath(c.get('project').id, '/configuration')}?done=${code}`, 303);
  const failed = async (c: Context<DashboardEnv>, error: string) =>
    c.html(await configurationPage(ctx, c.get('session'), c.get('project'), { error }), 400);

  app.get(base, async (c) =>
    c.html(await configurationPage(ctx, c.get('session'), c.get('project'), { notice: NOTICES[c.req.query('done') ?? ''] })),
  );

  app.post(`${base}/rename`, async (c) => {
    const form = await readForm(c);
    const result = await attempt(() => updateProject(ctx.db, c.get('project').id, { displayName: form.name ?? '' }));
    return result.ok ? done(c, 'renamed') : failed(c, result.error);
  });

  app.post(`${base}/settings`, async (c) => {
    const form = await readForm(c);
    await updateProject(ctx.db, c.get('project').id, { config: { sign_up_enabled: form.sign_up_enabled === 'on' } });
    return done(c, 'settings');
  });

  app.post(`${base}/magic-link-settings`, async (c) => {
    const form = await readForm(c);
    await updateProject(ctx.db, c.get('project').id, { config: { magic_link_enabled: form.magic_link_enabled === 'on' } });
    return done(c, 'magic-link-settings');
  });

  app.post(`${base}/sql-settings`, async (c) => {
    const form = await readForm(c);
    await updateProject(ctx.db, c.get('project').id, {
      config: { sql_anonymous_tokens_as_authenticated: form.sql_anonymous_tokens_as_authenticated === 'on' },
    });
    return done(c, 'sql-settings');
  });

  app.post(`${base}/domains`, async (c) => {
    const project = c.get('project');
    const domain = (await readForm(c)).domain?.trim() ?? '';
    const result = await attempt(async () => {
      if (!/^https?:\/\/[^/\s]+$/i.test(domain))
        throw inputError('A trusted domain is an origin such as https://app.example.com (scheme and host, no path).');
      if (project.config.domains.some((d) => d.domain === domain)) throw inputError(`${domain} is already trusted.`);
      return updateProject(ctx.db, project.id, { config: { domains: [...project.config.domains, { domain, handler_path: '/handler' }] } });
    });
    return result.ok ? done(c, 'domain-added') : failed(c, result.error);
  });

  app.post(`${base}/domains/remove`, async (c) => {
    const project = c.get('project');
    const domain = (await readForm(c)).domain ?? '';
    await updateProject(ctx.db, project.id, { config: { domains: project.config.domains.filter((d) => d.domain !== domain) } });
    return done(c, 'domain-removed');
  });

  registerOAuthProviderRoutes(app, ctx, base, { done, failed });

  app.post(`${base}/rotate-secret-server-key`, async (c) => {
    const project = c.get('project');
    const key = await rotateProjectKey(ctx.db, ctx.box, project.id, 'secret_server');
    return c.html(
      await configurationPage(
        ctx,
        c.get('session'),
        project,
        { notice: 'Rotated the secret server key: the old one no longer works.' },
        key,
      ),
    );
  });

  app.post(`${base}/rotate-signing-keys`, async (c) => {
    // Keep the old keys published for one access-token lifetime plus a margin for clock skew (as `authsync keys rotate`).
    await rotateSigningKeys(ctx.db, ctx.box, c.get('project').id, ctx.config.accessTokenTtlSeconds + 300);
    return done(c, 'signing-rotated');
  });
}

async function configurationPage(
  ctx: AppContext,
  session: DashboardSession,
  project: Project,
  m: Messages,
  newSecretServerKey?: string,
): Promise<Html> {
  const [env, oauthProviders] = await Promise.all([appEnv(ctx, project), listOAuthProviders(ctx.db, ctx.box, project.id)]);
  const action = (rest: string) => projectPath(project.id, `/configuration${rest}`);
  return page({
    title: `Configuration · ${project.displayName}`,
    session,
    project,
    tab: 'configuration',
    ...m,
    body: html`<h1>${project.displayName}</h1>
${
  newSecretServerKey
    ? html`<section class="once" aria-labelledby="new-ssk">
  <h2 id="new-ssk">New secret server key: shown this once</h2>
  ${copyField('new-secret-server-key', 'Secret server key', newSecretServerKey)}
  <p>It is already in the env block below. The old key stopped working.</p>
</section>`
    : ''
}
<section class="card" aria-labelledby="connect">
  <h2 id="connect">Connect an app</h2>
  ${copyField('project-id', 'Project ID', env.projectId)}
  ${copyField('publishable-client-key', 'Publishable client key', env.publishableClientKey ?? '')}
  ${copyField('jwks-url', 'JWKS URL', env.jwksUrl)}
  <p class="muted">Paste the JWKS URL where a backend or an RLS provider asks for one; tokens carry the project ID as <code>aud</code>.</p>
  ${copyBlock('env-block', 'Environment for your app', envBlock(env, newSecretServerKey))}
</section>
<section class="card" aria-labelledby="name-title">
  <h2 id="name-title">Name</h2>
  <form method="post" action="${action('/rename')}" class="row">${csrfField(session)}
    <div><label for="project-name">Project name</label><input type="text" id="project-name" name="name" required maxlength="256" value="${project.displayName}"></div>
    <button type="submit">Rename</button></form>
</section>
<section class="card" aria-labelledby="signup-title">
  <h2 id="signup-title">Sign-up</h2>
  <form method="post" action="${action('/settings')}" class="row">${csrfField(session)}
    <label class="inline"><input type="checkbox" name="sign_up_enabled" ${project.config.sign_up_enabled ? 'checked' : ''}> New users may sign up</label>
    <button type="submit">Save</button></form>
</section>
<section class="card" aria-labelledby="magic-link-title">
  <h2 id="magic-link-title">Sign-in by e-mail code</h2>
  <p>A magic link or a one-time password sent by e-mail signs a user in, and signs up a new one when sign-up is on.</p>
  <form method="post" action="${action('/magic-link-settings')}" class="row">${csrfField(session)}
    <label class="inline"><input type="checkbox" name="magic_link_enabled" ${project.config.magic_link_enabled ? 'checked' : ''}> Users may sign in with a magic link or OTP</label>
    <button type="submit">Save</button></form>
</section>
<section class="card" aria-labelledby="sql-title">
  <h2 id="sql-title">Anonymous users on /sql</h2>
  <p>Anonymous users’ tokens run as the role <code>anonymous</code>. Anyone can create an anonymous user, so letting them act as
  <code>authenticated</code> opens every policy written <code>TO authenticated</code> to every visitor.</p>
  <form method="post" action="${action('/sql-settings')}" class="row">${csrfField(session)}
    <label class="inline"><input type="checkbox" name="sql_anonymous_tokens_as_authenticated" ${project.config.sql_anonymous_tokens_as_authenticated ? 'checked' : ''}> Accept anonymous users’ tokens for the role <code>authenticated</code> too</label>
    <button type="submit">Save</button></form>
</section>
<section class="card" aria-labelledby="domains-title">
  <h2 id="domains-title">Trusted domains</h2>
  ${
    project.config.domains.length === 0
      ? html`<p class="muted">None yet.${project.config.allow_localhost ? ' Redirects to localhost are allowed.' : ''}</p>`
      : html`<ul>${project.config.domains.map(
          (d) => html`<li class="row"><code>${d.domain}</code>
        ${actionForm(session, action('/domains/remove'), `Remove ${d.domain}`, { hidden: { domain: d.domain }, danger: true })}</li>`,
        )}</ul>`
  }
  <form method="post" action="${action('/domains')}" class="row">${csrfField(session)}
    <div><label for="domain">Add a domain</label><input type="url" id="domain" name="domain" placeholder="https://app.example.com" required></div>
    <button type="submit">Add domain</button></form>
</section>
${oauthProvidersSection(session, oauthProviders, action('/oauth-providers'), ctx.config.baseUrl)}
<section class="card" aria-labelledby="keys-title">
  <h2 id="keys-title">Keys</h2>
  <p>Rotating the secret server key shows the new key once; apps using the old key stop working at once.
  Rotating the signing keys keeps the old public keys in the JWKS until the tokens they signed have expired.</p>
  <div class="actions">
    ${actionForm(session, action('/rotate-secret-server-key'), 'Rotate secret server key', { confirm: 'Rotate the secret server key? Apps using the current key stop working at once.', danger: true })}
    ${actionForm(session, action('/rotate-signing-keys'), 'Rotate signing keys', { confirm: 'Rotate the signing keys?' })}
  </div>
</section>`,
  });
}
