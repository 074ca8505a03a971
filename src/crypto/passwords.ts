/**
 * Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1; `password-cost.ts`, which tests lower for
 * their own process). Imported bcrypt hashes
 * ($2a/$2b/$2y) are verified and replaced by argon2id at the next successful sign-in.
 *
 * Hash jobs (argon2id and bcrypt alike, both native) run on libuv's threadpool, never on the event loop; at most
 * `os.availableParallelism()` of them run at once so that the pool keeps threads free for everything else (DNS,
 * file system), and a burst queues here instead.
 */
import os from 'node:os';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { argon2Params } from './password-cost.js';

export { ARGON2_PARAMS } from './password-cost.js';

const BCRYPT_PATTERN = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const hashing = new Semaphore(Math.max(1, os.availableParallelism()));

export function hashPassword(password: string): Promise<string> {
  const params = argon2Params();
  return hashing.run(() => argonHash(password, params));
}

/** `$argon2id$v=19$m=…,t=…,p=…$`: the prefix of a hash made at the current parameters. */
function currentPrefix(): string {
  const { memoryCost, timeCost, parallelism } = argon2Params();
  return `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`;
}

/** A valid argon2id hash of a random password at the current parameters: verifying against it costs what a real check costs. */
let dummy: { prefix: string; hash: Promise<string> } | undefined;

function dummyHash(): Promise<string> {
  if (dummy?.prefix !== currentPrefix()) dummy = { prefix: currentPrefix(), hash: hashPassword(`dummy-${Math.random()}`) };
  return dummy.hash;
}

export interface PasswordCheck {
  ok: boolean;
  /** A new argon2id hash to store, when the stored one was bcrypt or weaker than the current parameters. */
  rehash?: string;
}

/**
 * Checks a password against a stored hash. With no stored hash (unknown user, or no password set) it still
 * runs a full argon2id verification, so the answer takes the same time either way.
 */
export async function checkPassword(password: string, stored: string | null | undefined): Promise<PasswordCheck> {
  if (!stored) {
    const hash = await dummyHash();
    await hashing.run(() => argonVerify(hash, password));
    return { ok: false };
  }
  if (isBcryptHash(stored)) {
    // A cost-12 bcrypt check takes ~250 ms of CPU: on the main thread (pure-JS bcrypt) a few wrong guesses at once
    // would stall every request of every project, so it runs natively on the threadpool, under the same limit.
    const ok = await hashing.run(() => bcryptVerify(password, stored).catch(() => false));
    return ok ? { ok, rehash: await hashPassword(password) } : { ok };
  }
  const ok = await hashing.run(() => argonVerify(stored, password).catch(() => false));
  if (ok && !stored.startsWith(currentPrefix())) {
    return { ok, rehash: await hashPassword(password) };
  }
  return { ok };
}

export function isBcryptHash(value: string): boolean {
  const match = BCRYPT_PATTERN.exec(value);
  return match !== null && Number(match[1]) >= 4 && Number(match[1]) <= 16;
}
