/** `authsync oauth providers add|list|remove`: a project's OAuth providers. The client secret is never printed. */
import type { Command } from 'commander';
import { printedBaseUrl } from '../../context/base-url.js';
import { getProject } from '../../projects/projects.js';
import {
  addOAuthProvider,
  listOAuthProviders,
  oauthCallbackUrl,
  removeOAuthProvider,
  type OAuthProviderConfig,
  type OAuthProviderType,
} from '../../oauth/provider-config.js';
import type { AppContext } from '../../context/app-context.js';
import { cliInputError, noSuchProject } from '../input-errors.js';
import { printFields, printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';

interface ProviderOptions extends DatabaseOptions {
  project: string;
  provider?: string;
  type?: string;
  clientId?: string;
  clientSecret?: string;
  issuerUrl?: string;
  scope: string[];
  signIn: boolean;
  connectedAccounts: boolean;
  json?: boolean;
}

/** `--scope a --scope b,c` and `--scope "a b"` all give [a, b, c]. */
const collectScopes = (value: string, previous: string[]) => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

/** `--client-secret -` reads the secret from standard input, so that it stays out of the shell history. */
async function readSecret(value: string): Promise<string> {
  if (value !== '-') return value;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

/** What is shown of a provider: everything but the secret, and whether one is set. */
function shown(provider: OAuthProviderConfig, baseUrl: string) {
  return {
    providerId: provider.providerId,
    type: provider.type,
    clientId: provider.clientId,
    clientSecretSet: provider.clientSecret.length > 0,
    issuerUrl: provider.issuerUrl,
    scopes: provider.scopes,
    allowSignIn: provider.allowSignIn,
    allowConnectedAccounts: provider.allowConnectedAccounts,
    callbackUrl: oauthCallbackUrl(baseUrl, provider.providerId),
  };
}

function printProvider(provider: ReturnType<typeof shown>): void {
  printFields({
    provider: provider.providerId,
    type: provider.type,
    'client id': provider.clientId,
    'client secret': provider.clientSecretSet ? 'set' : 'not set',
    'issuer url': provider.issuerUrl ?? undefined,
    scopes: provider.scopes.join(' ') || '(the provider’s base scopes only)',
    'sign-in': provider.allowSignIn ? 'on' : 'off',
    'connected accounts': provider.allowConnectedAccounts ? 'on' : 'off',
    'callback url': provider.callbackUrl,
  });
}

async function inProject<T>(options: ProviderOptions, action: (ctx: AppContext, baseUrl: string) => Promise<T>): Promise<T> {
  const config = configFrom(options);
  options.project = options.project.toLowerCase();
  return withContext(config, async (ctx) => {
    if (!(await getProject(ctx.db, options.project))) throw noSuchProject(options.project);
    return action(ctx, await printedBaseUrl(ctx.db, config));
  });
}

export function registerOAuth(program: Command): void {
  const oauth = program.command('oauth').description('OAuth sign-in (Google, GitHub, Microsoft, OpenID Connect)');
  const providers = oauth.command('providers').description("a project's OAuth providers");

  withDatabaseOptions(
    providers
      .command('add')
      .description('add a provider to a project, or replace its settings; prints the callback URL to register at the provider')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption(
        '--provider <id>',
        'provider ID, as in signInWithOAuth(id): google, github, microsoft, or any name for an OIDC provider',
      )
      .option('--type <type>', 'google, github, microsoft or oidc (default: the provider ID if built in, else oidc)')
      .requiredOption('--client-id <id>', 'the client ID registered at the provider')
      .requiredOption('--client-secret <secret>', 'the client secret registered at the provider ("-": read it from standard input)')
      .option(
        '--issuer-url <url>',
        'OpenID Connect issuer (https), for type oidc; for microsoft, optionally https://login.microsoftonline.com/<tenant>/v2.0',
      )
      .option('--scope <scopes>', 'extra scopes to ask for (repeatable, or a comma-separated list)', collectScopes, [])
      .option('--no-sign-in', 'do not offer the provider for sign-in (connected accounts only)')
      .option('--no-connected-accounts', "do not let apps use the users' provider tokens")
      .option('--json', 'print JSON'),
  ).action(async (options: ProviderOptions) => {
    const clientSecret = await readSecret(options.clientSecret!);
    const added = await inProject(options, async (ctx, baseUrl) => {
      const provider = await addOAuthProvider(ctx.db, ctx.box, options.project, {
        providerId: options.provider!,
        ...(options.type !== undefined ? { type: options.type as OAuthProviderType } : {}),
        clientId: options.clientId!,
        clientSecret,
        ...(options.issuerUrl !== undefined ? { issuerUrl: options.issuerUrl } : {}),
        scopes: options.scope,
        allowSignIn: options.signIn,
        allowConnectedAccounts: options.connectedAccounts,
      });
      return shown(provider, baseUrl);
    });
    if (options.json) printJson(added);
    else {
      printProvider(added);
      process.stdout.write(`\nRegister ${added.callbackUrl} as the redirect URI at the provider.\n`);
    }
  });

  withDatabaseOptions(
    providers
      .command('list')
      .description("list a project's providers (the client secrets are not shown)")
      .requiredOption('--project <id>', 'project ID')
      .option('--json', 'print JSON'),
  ).action(async (options: ProviderOptions) => {
    const list = await inProject(options, async (ctx, baseUrl) =>
      (await listOAuthProviders(ctx.db, ctx.box, options.project)).map((provider) => shown(provider, baseUrl)),
    );
    if (options.json) printJson(list);
    else if (list.length === 0) process.stdout.write('No OAuth providers.\n');
    else
      list.forEach((provider, index) => {
        if (index > 0) process.stdout.write('\n');
        printProvider(provider);
      });
  });

  withDatabaseOptions(
    providers
      .command('remove')
      .description("remove a provider from a project (its users' provider accounts are kept)")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--provider <id>', 'provider ID'),
  ).action(async (options: ProviderOptions) => {
    const removed = await inProject(options, (ctx) => removeOAuthProvider(ctx.db, options.project, options.provider!));
    if (!removed) throw cliInputError(`Project ${options.project} has no OAuth provider ${options.provider}.`);
    process.stdout.write(`Removed ${options.provider}\n`);
  });
}
