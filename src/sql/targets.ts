/**
 * Which database a /sql request goes to, from its connection string. The first DNS label of the host names the
 * project (`<project-id>.<anything>`, as Neon's endpoint ID); otherwise host:port/database must be the app database
 * of exactly one project. A token is only ever checked against, and run in, the project it was routed to.
 */
import type { AppContext } from '../context/app-context.js';
import type { Database, Queryable } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import { listProjectDatabases } from '../projects/databases.js';
import { isProjectId } from '../projects/projects.js';
import type { ConnectionInfo } from './connection-string.js';
import { badRequest } from './neon-errors.js';

export interface SqlTarget {
  /** undefined when several projects share the database (only the password path can use it then). */
  projectId: string | undefined;
  /** host:port/database, or "embedded". */
  dbKey: string;
  connect: { host: string; port: number; database: string };
  /** The user of the database's owner URL (what the password path probe tries a wrong password for). */
  ownerUser: string | undefined;
  /** A connection of the database's owner (authsync's own, or the project's app database URL). */
  privileged: Queryable;
  embedded: boolean;
}

interface AppDatabase {
  projectId: string;
  url: string | null;
}

export class TargetResolver {
  private appDatabases: { value: Promise<AppDatabase[]>; readAt: number; expiresAt: number } | undefined;
  private readonly ownerPools = new Map<string, Database>();

  constructor(private readonly ctx: AppContext) {}

  async resolve(info: ConnectionInfo): Promise<SqlTarget> {
    let all = await this.list();
    if (isProjectId(info.endpointId)) {
      const projectId = info.endpointId.toLowerCase();
      if (!all.some((d) => d.projectId === projectId)) {
        this.refresh();
        all = await this.list();
      }
      const app = all.find((d) => d.projectId === projectId);
      if (!app) throw badRequest(`unknown project ${projectId}: no such endpoint`);
      const target = this.targetFor(app.url, projectId);
      if (!target.embedded && target.connect.database !== info.database)
        throw badRequest(`database "${info.database}" is not the app database of project ${projectId}`);
      return target;
    }
    const key = normalizeKey(`${info.hostname}:${info.port || '5432'}/${info.database}`);
    const matching = (databases: AppDatabase[]) =>
      databases
        .filter((d) => d.url !== null || this.ctx.config.databaseUrl !== undefined)
        .filter((d) => normalizeKey(keyOf(d.url ?? this.ctx.config.databaseUrl!)) === key);
    let matches = matching(all);
    if (matches.length === 0) {
      // A project made since the list was read (by the CLI or another server): read it again before refusing, at most
      // every quarter second, so requests for databases that are no project's cannot turn into a stream of reads.
      if (this.appDatabases && Date.now() - this.appDatabases.readAt > 250) this.refresh();
      matches = matching(await this.list());
    }
    if (matches.length === 0)
      throw badRequest(
        `no project database matches ${info.hostname}/${info.database}: use the host <project-id>.<host> from "authsync project create"`,
      );
    const projects = new Set(matches.map((m) => m.projectId));
    return this.targetFor(matches[0]!.url, projects.size === 1 ? matches[0]!.projectId : undefined);
  }

  /** A project's app database as /sql reaches it (for the checks at start and at project creation). */
  async forProject(projectId: string): Promise<SqlTarget | undefined> {
    this.refresh();
    const app = (await this.list()).find((d) => d.projectId === projectId);
    return app ? this.targetFor(app.url, projectId) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.ownerPools.values()].map((db) => db.close().catch(() => undefined)));
    this.ownerPools.clear();
  }

  private targetFor(url: string | null, projectId: string | undefined): SqlTarget {
    if (url === null && this.ctx.db.kind === 'pglite') {
      return {
        projectId,
        dbKey: 'embedded',
        connect: { host: '', port: 0, database: '' },
        ownerUser: undefined,
        privileged: this.ctx.db,
        embedded: true,
      };
    }
    const effective = url ?? this.ctx.config.databaseUrl!;
    const parsed = new URL(effective);
    const connect = {
      host: decodeURIComponent(parsed.hostname),
      port: Number(parsed.port || 5432),
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username),
    };
    const dbKey = keyOf(effective);
    let privileged: Queryable = this.ctx.db;
    if (url !== null) {
      let pool = this.ownerPools.get(dbKey);
      if (!pool) {
        pool = openPostgres(url, { max: 4, applicationName: 'authsync-rls' });
        this.ownerPools.set(dbKey, pool);
      }
      privileged = pool;
    }
    return { projectId, dbKey, connect, ownerUser: decodeURIComponent(parsed.username) || undefined, privileged, embedded: false };
  }

  private list(): Promise<AppDatabase[]> {
    if (this.appDatabases && this.appDatabases.expiresAt > Date.now()) return this.appDatabases.value;
    const value = listProjectDatabases(this.ctx.db, this.ctx.box).then((rows) =>
      rows.filter((r) => r.purpose === 'app').map((r) => ({ projectId: r.projectId, url: r.url })),
    );
    // Short-lived: a project created by the CLI or another server is served within a few seconds.
    this.appDatabases = { value, readAt: Date.now(), expiresAt: Date.now() + 3_000 };
    value.catch(() => (this.appDatabases = undefined));
    return value;
  }

  /** Forgets the cached list (a project was created here). */
  refresh(): void {
    this.appDatabases = undefined;
  }
}

function keyOf(url: string): string {
  const parsed = new URL(url);
  return `${decodeURIComponent(parsed.hostname)}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username)}`;
}

function normalizeKey(key: string): string {
  return key.replace(/^(localhost|\[::1\]|::1):/, '127.0.0.1:').toLowerCase();
}
