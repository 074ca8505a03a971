/** Which redirect URLs a project trusts (src/projects/trusted-urls.ts), Stack's rule case by case. */
import { describe, expect, it } from 'vitest';
import { isTrustedUrl } from '../../src/projects/trusted-urls.js';

const config = (domains: string[], allowLocalhost = false) => ({
  allow_localhost: allowLocalhost,
  domains: domains.map((domain) => ({ domain, handler_path: '/handler' })),
});

describe('isTrustedUrl', () => {
  it('localhost, *.localhost and 127.x only when the project allows localhost', () => {
    for (const url of ['http://localhost:3000/cb', 'https://app.localhost/cb', 'http://127.0.0.1:8080/x', 'http://127.1.2.3/']) {
      expect(isTrustedUrl(config([], true), url), url).toBe(true);
      expect(isTrustedUrl(config([]), url), url).toBe(false);
    }
    expect(isTrustedUrl(config([], true), 'http://localhost.evil.example/cb')).toBe(false);
    expect(isTrustedUrl(config([], true), 'http://128.0.0.1/cb')).toBe(false);
  });

  it('a domain: same scheme, host and port; any path', () => {
    const c = config(['https://app.example.com']);
    expect(isTrustedUrl(c, 'https://app.example.com/handler/oauth-callback?x=1')).toBe(true);
    expect(isTrustedUrl(c, 'https://app.example.com:443/other')).toBe(true);
    expect(isTrustedUrl(c, 'http://app.example.com/')).toBe(false);
    expect(isTrustedUrl(c, 'https://app.example.com:8443/')).toBe(false);
    expect(isTrustedUrl(c, 'https://app.example.com.evil.example/')).toBe(false);
    expect(isTrustedUrl(c, 'https://evil.example/?next=https://app.example.com')).toBe(false);
    expect(isTrustedUrl(c, 'https://user@evil.example/')).toBe(false);
  });

  it('a wildcard domain: any subdomain, default port unless one is given', () => {
    const c = config(['https://*.example.com']);
    expect(isTrustedUrl(c, 'https://a.example.com/cb')).toBe(true);
    expect(isTrustedUrl(c, 'https://a.b.example.com/cb')).toBe(true);
    expect(isTrustedUrl(c, 'https://example.com/cb')).toBe(false);
    expect(isTrustedUrl(c, 'https://a.example.com:8443/cb')).toBe(false);
    expect(isTrustedUrl(c, 'https://aexample.com/cb')).toBe(false);
    expect(isTrustedUrl(config(['https://*.example.com:8443']), 'https://a.example.com:8443/cb')).toBe(true);
  });

  it('anything but an absolute http(s) URL is untrusted', () => {
    const c = config(['https://app.example.com'], true);
    for (const url of ['javascript:alert(1)', '/relative', '//app.example.com/x', 'data:text/html,hi', '', 'not a url']) {
      expect(isTrustedUrl(c, url), url).toBe(false);
    }
  });
});
