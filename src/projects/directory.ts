/**
 * The in-memory view of projects that every request consults: the project, the hashes of its live keys,
 * its signing keys. Entries live for `ttlMs` and are dropped at once when a project changes anywhere
 * (a NOTIFY on the internal project-changes channel, sent by every change in the same transaction; its name
 * comes from the server secret, see db/channels.ts), so a project created or a key rotated by the CLI or another
 * server is served without a restart. An unknown ID always goes to the database, so a new project is served at
 * once. Dropping a project's entries costs the same however many projects and keys are cached.
 */
import type { KeyObject } from 'node:crypto';
import { RESYNC, type Database } from '../db/database.js';
import { privateKeyFromJwk, publicKeyFromJwk } from '../crypto/es256.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { resolveProjectId } from './internal-id.js';
import { getProject, getProjectKeyHashes, isProjectId, type Project, type ProjectKeyKind } from './projects.js';
import { AUDIENCES, loadActiveSigningKey, loadPublicKey, type Audience } from './signing-keys.js';

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
  /** The cached verifying keys of each project (a kid's project is known once its load resolves). */
  private readonly kidsByProject = new Map<string, Set<string>>();
  /** Counts invalidations; a verifier load that started before its project's last invalidation is not kept. */
  private generation = 0;
  private readonly invalidatedAt = new Map<string, number>();
  private clearedAt = 0;
  private unlisten: (() => Promise<void>) | undefined;
  private loadCount = 0;
  private invalidationCount = 0;

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly ttlMs = 30_000,
  ) {}

  /** Database loads since start (tests and diagnostics: notifications authsync did not send must cause none). */
  get loads(): number {
    return this.loadCount;
  }

  /** Project changes acted on (notifications and direct calls) since start. */
  get invalidations(): number {
    return this.invalidationCount;
  }

  /** Starts following changes made by other processes. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen('project_changes', (payload) => {
      if (payload === RESYNC) this.clear();
      else if (isProjectId(payload)) this.invalidate(payload.toLowerCase());
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  getProject(id: string): Promise<ProjectEntry | undefined> {
    // `internal` names the internal project's UUID; anything that is no project ID is no project (never a query error).
    const projectId = resolveProjectId(id);
    if (!isProjectId(projectId)) return Promise.resolve(undefined);
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
    const started = this.generation;
    return this.cached(this.verifiers, kid, async () => {
      const found = await loadPublicKey(this.db, kid);
      if (!found) return undefined;
      const key = {
        kid,
        projectId: found.projectId,
        audience: found.audience,
        key: publicKeyFromJwk(found.publicJwk),
        publishUntil: found.publishUntil,
      };
      // The project changed (or everything was dropped) while this load ran: answer it, but do not keep it.
      if ((this.invalidatedAt.get(key.projectId) ?? 0) > started || this.clearedAt > started) this.verifiers.delete(kid);
      else this.kidsOf(key.projectId).add(kid);
      return key;
    });
  }

  /** Drops everything cached about one project. */
  invalidate(projectId: string): void {
    this.invalidationCount += 1;
    this.generation += 1;
    this.invalidatedAt.set(projectId, this.generation);
    this.projects.delete(projectId);
    for (const audience of AUDIENCES) this.signers.delete(`${projectId}:${audience}`);
    for (const kid of this.kidsByProject.get(projectId) ?? []) this.verifiers.delete(kid);
    this.kidsByProject.delete(projectId);
  }

  clear(): void {
    this.generation += 1;
    this.clearedAt = this.generation;
    this.invalidatedAt.clear();
    this.projects.clear();
    this.signers.clear();
    this.verifiers.clear();
    this.kidsByProject.clear();
  }

  private kidsOf(projectId: string): Set<string> {
    let kids = this.kidsByProject.get(projectId);
    if (!kids) {
      kids = new Set();
      this.kidsByProject.set(projectId, kids);
    }
    return kids;
  }

  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    this.loadCount += 1;
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
