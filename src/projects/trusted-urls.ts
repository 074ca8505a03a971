/**
 * Which URLs a project trusts as redirect targets (OAuth redirect_uri, after_callback_redirect_url, error redirects),
 * by Stack's rule: localhost, *.localhost and 127.x.x.x when the project allows localhost; otherwise the scheme, host
 * and port of one of its domains (the path is ignored), where a domain may name hosts by wildcard
 * (`https://*.example.com`). Anything that is not an absolute http(s) URL is untrusted.
 */
import type { ProjectConfig } from './project-config.js';

export function isTrustedUrl(config: Pick<ProjectConfig, 'allow_localhost' | 'domains'>, candidate: string): boolean {
  const url = parseHttpUrl(candidate);
  if (!url) return false;
  if (config.allow_localhost && isLocalHost(url.hostname)) return true;
  return config.domains.some(({ domain }) => matchesDomain(url, domain));
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function matchesDomain(url: URL, domain: string): boolean {
  const wildcard = /^(https?):\/\/\*\.([^/:]+)(?::(\d+))?\/?/i.exec(domain);
  if (wildcard) {
    const [, scheme, suffix, port = ''] = wildcard;
    return url.protocol === `${scheme!.toLowerCase()}:` && url.hostname.endsWith(`.${suffix!.toLowerCase()}`) && url.port === port;
  }
  const trusted = parseHttpUrl(domain);
  return trusted !== undefined && trusted.protocol === url.protocol && trusted.host === url.host;
}
