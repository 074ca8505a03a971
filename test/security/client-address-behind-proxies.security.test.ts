/**
 * The client address the rate limits count: the socket's address, unless AUTHSYNC_TRUSTED_PROXY_HOPS says how many
 * proxies in front of authsync append to X-Forwarded-For; then the entry that many hops from the right, which the
 * nearest untrusted party cannot choose. Entries further left are whatever the client sent. IPv6 clients count per
 * /64, the block one host usually has.
 */
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../../src/http/peer.js';
import { addressBlock } from '../../src/rate-limit/limits.js';

describe('client address', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(clientAddressOf('10.0.0.5', '198.51.100.1', 0)).toBe('10.0.0.5');
    expect(clientAddressOf('10.0.0.5', undefined, 0)).toBe('10.0.0.5');
  });

  it('takes the entry N hops from the right behind N trusted proxies, whatever the client prepended', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1" itself; the one proxy appended the address it saw.
    expect(clientAddressOf('10.0.0.5', '1.1.1.1, 198.51.100.1', 1)).toBe('198.51.100.1');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientAddressOf('10.0.0.6', '1.1.1.1, 198.51.100.1, 10.0.0.5', 2)).toBe('198.51.100.1');
    // Several header lines arrive joined with commas; blanks are skipped.
    expect(clientAddressOf('10.0.0.5', ' 198.51.100.1 ,, ', 1)).toBe('198.51.100.1');
  });

  it('falls back to the leftmost entry, or the socket, when the chain is shorter than configured', () => {
    expect(clientAddressOf('10.0.0.6', '198.51.100.1', 2)).toBe('198.51.100.1');
    expect(clientAddressOf('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
    expect(clientAddressOf('10.0.0.5', ' , ', 1)).toBe('10.0.0.5');
  });

  it('counts IPv4 per address (mapped or not) and IPv6 per /64', () => {
    expect(addressBlock('198.51.100.1')).toBe('198.51.100.1');
    expect(addressBlock('::ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(addressBlock('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('::1')).toBe('0:0:0:0::/64');
    expect(addressBlock('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
