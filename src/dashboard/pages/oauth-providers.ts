/**
 * The "OAuth providers" section of a project's Configuration page: the providers the project offers (never their
 * client secrets), the callback URL to register at each, a form to add one (or replace its settings), and removal.
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import {
  addOAuthProvider,
  oauthCallbackUrl,
  removeOAuthProvider,
  type OAuthProviderConfig,
  type OAuthProviderType,
} from '../../oauth/provider-config.js';
import type { DashboardEnv } from '../env.js';
import { attempt, readForm } from '../form.js';
import type { DashboardSession } from '../sessions.js';
import { actionForm, csrfField } from '../view/components.js';
import { html, type Html } from '../view/html.js';

export const OAUTH_NOTICES: Record<string, string> = {
  'oauth-added': 'Saved the OAuth provider. Register its callback URL at the provider.',
  'oauth-removed': 'Removed the OAuth provider. Its users keep their accounts, should it come back.',
};

interface Outcomes {
  done(c: Context<DashboardEnv>, code: string): Response;
  failed(c: Context<DashboardEnv>, error: string): Promise<Response>;
}

export function registerOAuthProviderRoutes(app: Hono<DashboardEnv>, ctx: AppContext, base: string, { done, failed }: Outcomes): void {
  app.post(`${base}/oauth-providers`, async (c) => {
    const form = await readForm(c);
    const result = await attempt(() =>
      addOAuthProvider(ctx.db, ctx.box, c.get('project').id, {
        providerId: form.provider_id?.trim() ?? '',
        ...(form.type ? { type: form.type as OAuthProviderType } : {}),
        clientId: form.client_id ?? '',
        clientSecret: form.client_secret ?? '',
        ...(form.issuer_url?.trim() ? { issuerUrl: form.issuer_url.trim() } : {}),
        scopes: (form.scopes ?? '').split(/[\s,]+/).filter(Boolean),
        allowSignIn: form.allow_sign_in === 'on',
        allowConnectedAccounts: form.allow_connected_accounts === 'on',
      }),
    );
    return result.ok ? done(c, 'oauth-added') : failed(c, result.error);
  });

  app.post(`${base}/oauth-providers/remove`, async (c) => {
    const providerId = (await readForm(c)).provider_id ?? '';
    await removeOAuthProvider(ctx.db, c.get('project').id, providerId);
    return done(c, 'oauth-removed');
  });
}

const TYPE_NAMES: Record<OAuthProviderType, string> = {
  google: 'Google',
  github: 'GitHub',
  microsoft: 'Microsoft',
  oidc: 'OpenID Connect',
};

const onOff = (on: boolean) => (on ? html`<span class="badge">on</span>` : html`<span class="muted">off</span>`);

export function oauthProvidersSection(session: DashboardSession, providers: OAuthProviderConfig[], action: string, baseUrl: string): Html {
  return html`<section class="card" aria-labelledby="oauth-title">
  <h2 id="oauth-title">OAuth providers</h2>
  <p>Sign-in with Google, GitHub, Microsoft or any OpenID Connect server, with the client ID and secret you registered there.
  Register the callback URL shown for each provider as its redirect URI. Client secrets are stored encrypted and never shown.</p>
  ${
    providers.length === 0
      ? html`<p class="muted">None yet.</p>`
      : html`<div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Provider</th><th scope="col">Client ID</th><th scope="col">Extra scopes</th>
      <th scope="col">Sign-in</th><th scope="col">Connected accounts</th><th scope="col">Callback URL</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>${providers.map(
      (p) => html`<tr>
      <td data-label="Provider"><code>${p.providerId}</code> <span class="muted" data-type>${TYPE_NAMES[p.type]}</span>${p.issuerUrl ? html`<br><code data-issuer>${p.issuerUrl}</code>` : ''}</td>
      <td data-label="Client ID"><code>${p.clientId}</code></td>
      <td data-label="Extra scopes">${p.scopes.length ? html`<code>${p.scopes.join(' ')}</code>` : html`<span class="muted">none</span>`}</td>
      <td data-label="Sign-in">${onOff(p.allowSignIn)}</td>
      <td data-label="Connected accounts">${onOff(p.allowConnectedAccounts)}</td>
      <td data-label="Callback URL"><code>${oauthCallbackUrl(baseUrl, p.providerId)}</code></td>
      <td data-label="Action">${actionForm(session, `${action}/remove`, 'Remove', { hidden: { provider_id: p.providerId }, danger: true, confirm: `Remove the OAuth provider ${p.providerId}? Its users can no longer sign in with it.` })}</td></tr>`,
    )}</tbody></table></div>`
  }
  <h3>Add a provider</h3>
  <p class="muted">Adding a provider ID that exists replaces its settings.</p>
  <form method="post" action="${action}">${csrfField(session)}
    <div><label for="oauth-provider-id">Provider ID</label><input type="text" id="oauth-provider-id" name="provider_id" required maxlength="64" pattern="[a-z0-9\\-]{1,64}" placeholder="github" list="oauth-built-ins" autocomplete="off">
      <datalist id="oauth-built-ins"><option value="google"><option value="github"><option value="microsoft"></datalist></div>
    <div><label for="oauth-type">Type</label><select id="oauth-type" name="type">
      <option value="">From the provider ID (OpenID Connect unless built in)</option>
      <option value="google">Google</option><option value="github">GitHub</option><option value="microsoft">Microsoft</option><option value="oidc">OpenID Connect</option>
    </select></div>
    <div><label for="oauth-client-id">Client ID</label><input type="text" id="oauth-client-id" name="client_id" required autocomplete="off"></div>
    <div><label for="oauth-client-secret">Client secret</label><input type="password" id="oauth-client-secret" name="client_secret" required autocomplete="new-password"></div>
    <div><label for="oauth-issuer-url">Issuer URL (OpenID Connect, or a Microsoft tenant)</label><input type="url" id="oauth-issuer-url" name="issuer_url" placeholder="https://sso.example.com/realms/app"></div>
    <div><label for="oauth-scopes">Extra scopes (optional)</label><input type="text" id="oauth-scopes" name="scopes" placeholder="read:org"></div>
    <label class="inline"><input type="checkbox" name="allow_sign_in" checked> Offer for sign-in</label>
    <label class="inline"><input type="checkbox" name="allow_connected_accounts" checked> Let apps use users’ provider tokens (connected accounts)</label>
    <div><button type="submit">Add OAuth provider</button></div></form>
</section>`;
}
