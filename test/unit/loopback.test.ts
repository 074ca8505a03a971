/**
 * Which addresses stay on this machine (src/http/peer.ts `isLoopback`): `/metrics` without a token answers only
 * them, and the embedded database's /sql refuses to listen beyond them unless told to. (`clientAddressOf` is tested
 * in test/security/client-address-behind-proxies.security.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/http/peer.js';

describe('isLoopback', () => {
  it('accepts localhost, 127.0.0.0/8 (also IPv4-mapped) and ::1', () => {
    for (const address of ['localhost', '127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '::1'])
      expect(isLoopback(address), address).toBe(true);
  });

  it('refuses every other address, names that only look local, and no address', () => {
    for (const address of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.1',
      '::ffff:10.0.0.1',
      '128.0.0.1',
      '1.127.0.0',
      'localhost.example.com',
      '::2',
      '',
    ]) {
      expect(isLoopback(address), address).toBe(false);
    }
    expect(isLoopback(undefined)).toBe(false);
  });
});
