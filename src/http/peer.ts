/**
 * Who is on the other end: a listen address or a client's address that stays on this machine, a request's peer, and the
 * client's address and country as trusted proxies report them.
 */
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

/**
 * The client's address behind `trustedHops` reverse proxies. Each proxy appends the address it received the request
 * from to `X-Forwarded-For`, so with N trusted proxies the client is the Nth entry from the right (when the header
 * has fewer entries, the leftmost one). With 0 the header is ignored, whatever it says: anyone can send one.
 */
export function clientAddressOf(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedHops: number,
): string | undefined {
  if (trustedHops === 0 || !forwardedFor) return socketAddress;
  const hops = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (hops.length === 0) return socketAddress;
  return hops[Math.max(0, hops.length - trustedHops)];
}

/** A Hono request's client address (see clientAddressOf). */
export function clientAddress(c: Context, trustedHops: number): string | undefined {
  return clientAddressOf(peerAddress(c), c.req.header('x-forwarded-for'), trustedHops);
}

/** The geo headers a CDN or proxy sets with the client's country, in the order they are read (Vercel's, Cloudflare's). */
export const COUNTRY_HEADERS = ['x-vercel-ip-country', 'cf-ipcountry'] as const;

/**
 * The client's country (ISO 3166-1 alpha-2, upper case) from the geo header of the proxy in front: only when there is
 * a trusted proxy (`trustedHops` > 0), since without one the header is whatever the client sent. Cloudflare's `XX`
 * (unknown) and anything that is not two letters is no country.
 */
export function countryCodeOf(headers: Headers, trustedHops: number): string | null {
  if (trustedHops === 0) return null;
  for (const name of COUNTRY_HEADERS) {
    const value = headers.get(name)?.trim().toUpperCase();
    if (value !== undefined && /^[A-Z]{2}$/.test(value) && value !== 'XX') return value;
  }
  return null;
}
