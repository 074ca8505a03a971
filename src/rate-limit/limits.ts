/**
 * What is limited, and per what: the buckets of each rate-limited action, named from the configuration
 * (`AUTHSYNC_RATE_LIMIT_*`). Sign-in, sign-up and the dashboard take their tokens before the expensive check, so
 * concurrent attempts are counted before any of them is checked; the tokens that count failures only are given back
 * when the attempt succeeds. E-mail addresses and credentials appear in bucket keys only as keyed hashes.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Config, RateLimit } from '../config/index.js';
import { deriveKey } from '../crypto/secrets.js';
import { rateLimited } from './rate-limited.js';
import type { TokenBuckets } from './token-buckets.js';

interface Check {
  bucket: string;
  limit: RateLimit | null;
  /** Given back when the attempt succeeds: the bucket counts failures only. */
  failuresOnly: boolean;
}

/** An attempt that got its tokens. */
export interface Attempt {
  /** The attempt succeeded: gives back the tokens of the buckets that count failures only. */
  succeeded(): Promise<void>;
}

const NOTHING_TO_GIVE_BACK: Attempt = { succeeded: async () => undefined };

export class RateLimits {
  private readonly hashKey: Buffer;

  constructor(
    private readonly buckets: TokenBuckets,
    private readonly config: Config,
    serverSecret: string,
    private readonly log: Logger,
  ) {
    // Keyed, so that the table holds nothing an offline guess of an e-mail address or admin secret could be checked
    // against; derived from the server secret, which every server sharing the database has.
    this.hashKey = deriveKey(serverSecret, 'authsync rate-limit keys v1');
  }

  /**
   * A password sign-in: per client address (every attempt counts) and per account (project and e-mail; an attempt
   * counts until it succeeds), so guesses spread over many addresses still stop at the account's limit.
   */
  signIn(projectId: string, address: string | undefined, email: string): Promise<Attempt> {
    return this.takeAll('sign-in attempts', [
      this.perAddress(`sign-in:${projectId}`, address, this.config.rateLimitSignIn, false),
      { bucket: `sign-in-account:${projectId}:${this.hash(email)}`, limit: this.config.rateLimitSignInPerAccount, failuresOnly: true },
    ]);
  }

  /**
   * A second-factor guess (a TOTP at POST /auth/mfa/sign-in): per client address, and per user with the per-account
   * sign-in limit (a guess counts until one succeeds), so new attempt codes do not buy more guesses at six digits.
   */
  secondFactor(projectId: string, address: string | undefined, userId: string): Promise<Attempt> {
    return this.takeAll('second-factor attempts', [
      this.perAddress(`mfa:${projectId}`, address, this.config.rateLimitSignIn, false),
      { bucket: `mfa-user:${projectId}:${userId}`, limit: this.config.rateLimitSignInPerAccount, failuresOnly: true },
    ]);
  }

  async signUp(projectId: string, address: string | undefined): Promise<void> {
    await this.takeAll('sign-ups', [this.perAddress(`sign-up:${projectId}`, address, this.config.rateLimitSignUp, false)]);
  }

  /**
   * The start of an OAuth sign-in (GET /auth/oauth/authorize): per client address, within the sign-in limit, since each
   * start stores a flow state for 10 minutes. A new user it makes also takes a sign-up token (`signUp`).
   */
  async oauthSignIn(projectId: string, address: string | undefined): Promise<void> {
    await this.takeAll('OAuth sign-ins', [this.perAddress(`oauth-sign-in:${projectId}`, address, this.config.rateLimitSignIn, false)]);
  }

  /**
   * A request that sends a mail (verification, password reset, magic link): per client address, and per recipient
   * (project and address, whoever asks), so neither one visitor nor many can flood an inbox. Taken before the code and
   * the mail are made; an unknown recipient of a password reset counts as well, so the answer tells nothing.
   */
  async emailSend(projectId: string, address: string | undefined, recipient: string): Promise<void> {
    await this.takeAll('e-mails', [
      this.perAddress(`email-send:${projectId}`, address, this.config.rateLimitEmailSend, false),
      { bucket: `email-recipient:${projectId}:${this.hash(recipient)}`, limit: this.config.rateLimitEmailRecipient, failuresOnly: false },
    ]);
  }

  async anonymousSignUp(projectId: string, address: string | undefined): Promise<void> {
    await this.takeAll('anonymous sign-ups', [
      this.perAddress(`anonymous-sign-up:${projectId}`, address, this.config.rateLimitAnonymousSignUp, false),
    ]);
  }

  /**
   * A dashboard sign-in: a token from the client address's bucket and one from the presented credential's, both given
   * back on success. An attacker empties the buckets of their own address and of the secrets they try, never those of
   * the real admin's address and secret, so they cannot lock the admin out from elsewhere.
   */
  dashboardSignIn(address: string | undefined, credential: string): Promise<Attempt> {
    const limit = this.config.rateLimitDashboardSignIn;
    return this.takeAll('sign-in attempts', [
      this.perAddress('dashboard-sign-in', address, limit, true),
      { bucket: `dashboard-sign-in-credential:${this.hash(credential)}`, limit, failuresOnly: true },
    ]);
  }

  /** Refuses a /sql password login from an address whose failed logins used up its bucket. */
  async checkSqlPassword(address: string | undefined): Promise<void> {
    const check = this.perAddress('sql-password', address, this.config.rateLimitSqlPassword, true);
    if (!this.config.rateLimitsEnabled || !check.limit) return;
    const peeked = await this.buckets.peek(check.bucket, check.limit);
    if (!peeked.allowed) throw rateLimited(peeked.retryAfterSeconds, 'failed logins');
  }

  /** Counts a failed /sql password login of an address. */
  async sqlPasswordFailed(address: string | undefined): Promise<void> {
    const check = this.perAddress('sql-password', address, this.config.rateLimitSqlPassword, true);
    if (!this.config.rateLimitsEnabled || !check.limit) return;
    const taken = await this.buckets.take(check.bucket, check.limit);
    if (taken.refusedInARow === 1) this.log.warn({ bucket: check.bucket }, 'rate limit reached');
  }

  /** Takes a token from each bucket in order; on the first refusal, gives back what it took and throws. */
  private async takeAll(what: string, checks: Check[]): Promise<Attempt> {
    if (!this.config.rateLimitsEnabled) return NOTHING_TO_GIVE_BACK;
    const taken: Array<Check & { limit: RateLimit }> = [];
    for (const check of checks) {
      if (!check.limit) continue;
      const result = await this.buckets.take(check.bucket, check.limit);
      if (!result.allowed) {
        await Promise.all(taken.map((t) => this.buckets.giveBack(t.bucket, t.limit)));
        if (result.refusedInARow === 1) this.log.warn({ bucket: check.bucket }, 'rate limit reached');
        throw rateLimited(result.retryAfterSeconds, what);
      }
      taken.push({ ...check, limit: check.limit });
    }
    return {
      succeeded: async () => {
        await Promise.all(taken.filter((t) => t.failuresOnly).map((t) => this.buckets.giveBack(t.bucket, t.limit)));
      },
    };
  }

  /** The bucket of a client address; none (no limit) when the address is unknown, as for in-process callers. */
  private perAddress(name: string, address: string | undefined, limit: RateLimit | null, failuresOnly: boolean): Check {
    return {
      bucket: `${name}:${address === undefined ? '' : addressBlock(address)}`,
      limit: address === undefined ? null : limit,
      failuresOnly,
    };
  }

  private hash(value: string): string {
    return createHmac('sha256', this.hashKey).update(value, 'utf8').digest('base64url');
  }
}

/**
 * The unit an address limit counts: an IPv4 address, or the /64 of an IPv6 address (one host usually has a whole /64,
 * so counting single IPv6 addresses would hand it 2^64 buckets).
 */
export function addressBlock(address: string): string {
  const v4 = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (!net.isIPv6(v4)) return v4;
  const [head = '', tail] = v4.split('%')[0]!.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
