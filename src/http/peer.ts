/** Who is on the other end: a listen address or a client's address that stays on this machine, and a request's peer. */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** localhost, 127.0.0.0/8 (also as an IPv4-mapped IPv6 address) or ::1. */
export function isLoopback(hostOrAddress: string | undefined): boolean {
  if (hostOrAddress === undefined) return false;
  const v4 = hostOrAddress.startsWith('::ffff:') ? hostOrAddress.slice('::ffff:'.length) : hostOrAddress;
  return hostOrAddress === 'localhost' || hostOrAddress === '::1' || v4.startsWith('127.');
}

/** The client's address as the socket reports it; undefined when the request did not come over a Node socket. */
export function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
