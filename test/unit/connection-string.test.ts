/**
 * The `Neon-Connection-String` header as Neon's proxy reads it (src/sql/connection-string.ts): user, password and
 * database URL-decoded, the first DNS label of the host as the endpoint ID, query parameters ignored; everything else
 * refused with the message Neon gives.
 */
import { describe, expect, it } from 'vitest';
import { parseConnectionString } from '../../src/sql/connection-string.js';

describe('parseConnectionString', () => {
  it('reads a Neon connection string: endpoint ID from the first host label, query ignored', () => {
    expect(parseConnectionString('postgresql://alice@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require')).toEqual({
      user: 'alice',
      password: '',
      database: 'neondb',
      hostname: 'ep-cool-darkness-123456.us-east-2.aws.neon.tech',
      port: '',
      endpointId: 'ep-cool-darkness-123456',
    });
  });

  it('URL-decodes the user, the password and the database, and keeps the port', () => {
    expect(parseConnectionString('postgres://al%40ice:p%3As%2Fs@project.localhost:5433/my%20db')).toEqual({
      user: 'al@ice',
      password: 'p:s/s',
      database: 'my db',
      hostname: 'project.localhost',
      port: '5433',
      endpointId: 'project',
    });
  });

  it('takes the first path segment as the database', () => {
    expect(parseConnectionString('postgres://bob@h.example.com/app/extra').database).toBe('app');
  });

  it('gives no endpoint ID for IP addresses (IPv4 or bracketed IPv6)', () => {
    expect(parseConnectionString('postgres://bob@127.0.0.1/app')).toMatchObject({ hostname: '127.0.0.1', endpointId: '' });
    expect(parseConnectionString('postgres://bob@[::1]:5432/app')).toMatchObject({ hostname: '::1', port: '5432', endpointId: '' });
  });

  it('refuses a missing header, a non-URL, another scheme, and URLs without user or database', () => {
    expect(() => parseConnectionString(undefined)).toThrow('invalid header: neon-connection-string');
    expect(() => parseConnectionString('')).toThrow('invalid header: neon-connection-string');
    expect(() => parseConnectionString('host=h user=u dbname=d')).toThrow('invalid connection string: not a URL');
    expect(() => parseConnectionString('mysql://u@h.example.com/d')).toThrow('the scheme must be postgres or postgresql');
    expect(() => parseConnectionString('https://u@h.example.com/d')).toThrow('the scheme must be postgres or postgresql');
    expect(() => parseConnectionString('postgres://h.example.com/d')).toThrow('missing username');
    expect(() => parseConnectionString('postgres://u@h.example.com')).toThrow('missing dbname');
    expect(() => parseConnectionString('postgres://u@h.example.com/')).toThrow('missing dbname');
  });

  it('refuses bad percent-encoding in any part', () => {
    expect(() => parseConnectionString('postgres://u%ZZ@h.example.com/d')).toThrow('bad percent-encoding');
    expect(() => parseConnectionString('postgres://u:p%E0%A4@h.example.com/d')).toThrow('bad percent-encoding');
    expect(() => parseConnectionString('postgres://u@h.example.com/d%')).toThrow('bad percent-encoding');
  });

  it('remembers a header without a password (the same frozen result), never one with a password', () => {
    const tokenHeader = 'postgres://authenticated@cached-project.localhost/app';
    const first = parseConnectionString(tokenHeader);
    expect(Object.isFrozen(first)).toBe(true);
    expect(parseConnectionString(tokenHeader)).toBe(first);

    const passwordHeader = 'postgres://authenticated:secret@cached-project.localhost/app';
    const withPassword = parseConnectionString(passwordHeader);
    expect(withPassword.password).toBe('secret');
    expect(Object.isFrozen(withPassword)).toBe(false);
    expect(parseConnectionString(passwordHeader)).not.toBe(withPassword);
  });
});
