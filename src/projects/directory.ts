/**
 * The in-memory view of projects that every request consults: the project, the hashes of its live keys,
 * its signing keys. Entries live for `ttlMs` and are dropped at once when a project changes anywhere
 * (NOTIFY on `authsync_project_changes`, sent by every change in the same transaction), so a project created
 * or a key rotated by the CLI or another server is served without a restart. An unknown ID always goes to
 * the database, so a new project is served at once.
 */
import type { KeyObject } from 'node:crypto';
import { RESYNC, type Database } from '../db/database.js';
import { privateKeyFromJwk, publicKeyFromJwk } from '../crypto/es256.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { getProject, getProjectKeyHashes, PROJECT_CHANGES_CHANNEL, type Project, type ProjectKeyKind } from './projects.js';
import { loadActiveSigningKey, loadPublicKey, type Audience } from './signing-keys.js';

export interface ProjectEntry {
  project: Project;
  keyHashes: Record<ProjectKeyKind, string[]>;
}

export interface VerifyingKey {
  kid: string;
  projectId: string;
  audience: Audience;
  key: KeyObject;
  publishUntil: Date | null;
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
}

export class ProjectDirectory {
  private readonly projects = new Map<string, Cached<ProjectEntry | undefined>>();
  private readonly signers = new Map<string, Cached<{ kid: string; key: KeyObject } | undefined>>();
  private readonly verifiers = new Map<string, Cached<VerifyingKey | undefined>>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly ttlMs = 30_000,
  ) {}

  /** Starts following changes made by other processes. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(PROJECT_CHANGES_CHANNEL, (payload) => (payload === RESYNC ? this.clear() : this.invalidate(payload)));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  getProject(projectId: string): Promise<ProjectEntry | undefined> {
    return this.cached(this.projects, projectId, async () => {
      const project = await getProject(this.db, projectId);
      return project ? { project, keyHashes: await getProjectKeyHashes(this.db, projectId) } : undefined;
    });
  }

  signingKey(projectId: string, audience: Audience): Promise<{ kid: string; key: KeyObject } | undefined> {
    return this.cached(this.signers, `${projectId}:${audience}`, async () => {
      const active = await loadActiveSigningKey(this.db, this.box, projectId, audience);
      return active ? { kid: active.kid, key: privateKeyFromJwk(active.privateJwk) } : undefined;
    });
  }

  verifyingKey(kid: string): Promise<VerifyingKey | undefined> {
    return this.cached(this.verifiers, kid, async () => {
      const found = await loadPublicKey(this.db, kid);
      return found ? { kid, projectId: found.projectId, audience: found.audience, key: publicKeyFromJwk(found.publicJwk), publishUntil: found.publishUntil } : undefined;
    });
  }

  invalidate(projectId: string): void {
    this.projects.delete(projectId);
    this.signers.delete(`${projectId}:default`);
    this.signers.delete(`${projectId}:anonymous`);
    for (const [kid, entry] of this.verifiers) {
      void entry.value.then((key) => {
        if (!key || key.projectId === projectId) this.verifiers.delete(kid);
      });
    }
  }

  clear(): void {
    this.projects.clear();
    this.signers.clear();
    this.verifiers.clear();
  }

  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    const entry = { value, expiresAt: now + this.ttlMs };
    map.set(key, entry);
    // Misses and failures are not kept: the next request asks the database again.
    value.then(
      (result) => {
        if (result === undefined && map.get(key) === entry) map.delete(key);
      },
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return value;
  }
}
