/**
 * Transport options of every request to a provider: a 10-second limit, and plain http only for a provider on a loopback
 * address (a local identity server in development and tests); anywhere else oauth4webapi requires https.
 */
import * as oauth from 'oauth4webapi';
import { isLoopback } from '../../http/peer.js';

const REQUEST_TIMEOUT_MS = 10_000;

export function httpOptions(url: string): { signal: () => AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  const local = isLoopback(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  return { signal: () => AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(local ? { [oauth.allowInsecureRequests]: true } : {}) };
}
