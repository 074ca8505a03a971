/**
 * The /sql endpoint's work, independent of HTTP framing: route the connection string to a project database,
 * authenticate (bearer token → verified claims for `authenticated`/`anonymous`; otherwise the URL password, checked
 * by PostgreSQL), borrow a connection logged in as that role, install the identity, run the queries.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import { pgliteHandle } from '../db/pglite.js';
import { AppError } from '../errors/app-error.js';
import { installKit, kitIsCurrent } from '../rls/install.js';
import { IdentityStore } from '../rls/identity-store.js';
import { JwksCache } from '../rls/jwks-cache.js';
import { END_USER_ROLES, endUserLogin, type EndUserLogin, type EndUserRole } from '../rls/end-user-roles.js';
import { openClient, openEndUserConnection, type RoleConnection } from '../rls/role-connection.js';
import { TokenVerifier } from '../rls/verify-token.js';
import { parseConnectionString, type ConnectionInfo } from './connection-string.js';
import { abortConnection } from './cancel.js';
import { collectorFor, executeOnClient, inOneWrite, runQuery } from './execute-pg.js';
import { executeEmbedded } from './execute-pglite.js';
import { badRequest, fromPgError, isPgError, queryCancelled, requestDeadlineExceeded, sqlError } from './neon-errors.js';
import { InFlightLimit } from './in-flight.js';
import { MessageGuard } from './message-guard.js';
import { ConnectionPools, RESET_SESSION_SQL, resetSession } from './pools.js';
import type { SqlRequest } from './request.js';
import { ResponseBudget, responseTooLarge, type QueryOutcome } from './results.js';
import { connectedAsPowerfulRole, PasswordPathGuard, refusedRole } from './password-path.js';
import { TargetResolver, type SqlTarget } from './targets.js';
import { checkTokenRole } from './token-role.js';

/** Installs an identity on an end-user connection (kit version 6): the connection's key, then the identity's id. */
const USE_IDENTITY_SQL = 'SELECT authsync_rls.use_identity($1, $2)';

const CREATE_EXTENSION =
  /^\s*CREATE\s+EXTENSION\s+(IF\s+NOT\s+EXISTS\s+)?("pg_session_jwt"|pg_session_jwt)(\s+(WITH\s+)?(SCHEMA\s+auth|VERSION\s+'?[\w.]+'?|CASCADE)\s*)*;?\s*$/i;

export interface SqlCall {
  connectionString: string | undefined;
  authorization: string | undefined;
  request: SqlRequest;
  signal?: AbortSignal;
  /** The client's address, for the limit on failed password logins; undefined for in-process callers. */
  clientAddress?: string | undefined;
}

export class SqlService {
  readonly pools: ConnectionPools;
  /** Requests in flight per end user (AUTHSYNC_SQL_MAX_REQUESTS_PER_USER). */
  private readonly inFlight: InFlightLimit;
  readonly targets: TargetResolver;
  private readonly verifier: TokenVerifier;
  private readonly kits = new Map<string, Promise<void>>();
  private readonly identities = new Map<string, IdentityStore>();
  private readonly logins = new Map<EndUserRole, EndUserLogin>();
  /** When the password path is served (AUTHSYNC_SQL_PASSWORD_AUTH, trust detection) and for which roles. */
  readonly passwordPath: PasswordPathGuard;

  constructor(private readonly ctx: AppContext) {
    this.pools = new ConnectionPools({ maxPerDatabase: ctx.config.sqlMaxConnectionsPerDatabase, waitMs: ctx.config.sqlPoolWaitMs });
    this.inFlight = new InFlightLimit(ctx.config.sqlMaxRequestsPerUser);
    this.passwordPath = new PasswordPathGuard(ctx.config, [this.endUserLogin('authenticated').user]);
    this.targets = new TargetResolver(ctx);
    this.verifier = new TokenVerifier(ctx, new JwksCache());
  }

  async run(call: SqlCall): Promise<QueryOutcome[]> {
    const info = parseConnectionString(call.connectionString);
    const token = bearerToken(call.authorization);
    const target = await this.targets.resolve(info);
    if (token !== undefined) return this.runWithToken(call, info, token, target);
    return this.runWithPassword(call, info, target);
  }

  async close(): Promise<void> {
    await this.pools.close();
    await this.targets.close();
  }

  /** Installs (or upgrades) the kit in a target database once per process. */
  ensureKit(target: SqlTarget): Promise<void> {
    let ready = this.kits.get(target.dbKey);
    if (!ready) {
      ready = (async () => {
        if (!(await kitIsCurrent(target.privileged)))
          await installKit(target.privileged, { serverSecret: this.ctx.serverSecret, setPasswords: !target.embedded });
      })();
      this.kits.set(target.dbKey, ready);
      ready.catch(() => this.kits.delete(target.dbKey));
    }
    return ready;
  }

  /**
   * `CREATE EXTENSION [IF NOT EXISTS] pg_session_jwt`, as the Neon docs tell users to run: the kit provides the
   * extension's functions, so the statement installs (or confirms) the kit and answers as CREATE EXTENSION would.
   */
  private async interceptExtension(request: SqlRequest, target: SqlTarget): Promise<void> {
    for (const query of request.queries) {
      if (!CREATE_EXTENSION.test(query.query)) continue;
      await this.ensureKit(target);
      query.synthetic = { fields: [], rows: [], command: 'CREATE', rowCount: null };
    }
  }

  private async runWithToken(call: SqlCall, info: ConnectionInfo, token: string, target: SqlTarget): Promise<QueryOutcome[]> {
    if (!(END_USER_ROLES as readonly string[]).includes(info.user)) throw badRequest('jwk not found');
    if (target.projectId === undefined) throw badRequest('several projects use this database: address it as <project-id>.<host>');
    const role = info.user as EndUserRole;
    // A refused token is an AppError with Neon's message (a 400); anything else is unexpected.
    const verified = await this.verifier.verify(token, target.projectId);
    await checkTokenRole(this.ctx, target.projectId, role, verified);
    const { payload } = verified;
    await this.ensureKit(target).catch((error: unknown) => {
      this.ctx.log.error({ err: error }, 'installing the RLS kit failed');
      throw sqlError('SQL_KIT_UNAVAILABLE', 500, 'could not set up the JWT authorization database extension');
    });
    if (target.embedded) return this.runEmbedded(call, target, role, payload);
    const leave = this.inFlight.enter(
      `${target.projectId}|${typeof payload.sub === 'string' ? payload.sub : createHash('sha256').update(token).digest('base64url')}`,
    );
    try {
      return await this.runAsEndUser(call, token, payload, target, role);
    } finally {
      leave();
    }
  }

  private async runAsEndUser(
    call: SqlCall,
    token: string,
    payload: Record<string, unknown>,
    target: SqlTarget,
    role: EndUserRole,
  ): Promise<QueryOutcome[]> {
    // The token's identity is recorded once per database (a round trip the first time only); the connection is taken
    // after that, so it is not held while waiting.
    const recorded = this.identityStoreFor(target).idFor(token, payload);
    const identityId =
      typeof recorded === 'string' ? recorded : await recorded.catch((error: unknown) => Promise.reject(identityError(error)));
    const key = `${target.dbKey}|${role}`;
    const login = this.endUserLogin(role);
    const conn = await this.pools
      .acquire(
        key,
        target.dbKey,
        () => openEndUserConnection({ ...target.connect, login, options: this.sessionOptions(role) }, target.privileged, this.ctx.log),
        (closed) => void target.privileged.query('SELECT authsync_rls.forget_backend($1)', [closed.pid]).catch(() => undefined),
      )
      .catch((error: unknown) => {
        throw connectError(error, role);
      });
    return this.runOn(key, conn, call, target, { id: identityId, forget: () => this.identityStoreFor(target).forget(token) });
  }

  private async runWithPassword(call: SqlCall, info: ConnectionInfo, target: SqlTarget): Promise<QueryOutcome[]> {
    if ((END_USER_ROLES as readonly string[]).includes(info.user) || !info.password)
      throw badRequest('missing authentication credentials: required password');
    if (target.embedded) return this.runEmbedded(call, target, info.user, undefined);
    // An address whose failed logins used up its bucket is refused before trying another password.
    await this.ctx.limits.checkSqlPassword(call.clientAddress);
    // Closed while the database accepts any password (or by configuration); never a superuser or replication role.
    await this.passwordPath.check(target, info.user, target.privileged);
    const key = `${target.dbKey}|${info.user}|${createHash('sha256').update(info.password).digest('base64url')}`;
    const conn = await this.pools
      .acquire(key, target.dbKey, async () => {
        const client = await openClient({
          ...target.connect,
          user: info.user,
          password: info.password,
          options: this.sessionOptions(undefined),
        });
        if (await connectedAsPowerfulRole(client).catch(() => true)) {
          await client.end().catch(() => undefined);
          throw refusedRole(info.user);
        }
        return { client, role: info.user, pid: (client as unknown as { processID?: number }).processID ?? 0, resetSql: RESET_SESSION_SQL };
      })
      .catch(async (error: unknown) => {
        if (error instanceof AppError) throw error;
        // A refused login (wrong password, unknown role) takes a token from the address's bucket.
        if (isPgError(error) && (error.code === '28P01' || error.code === '28000'))
          await this.ctx.limits.sqlPasswordFailed(call.clientAddress);
        throw connectError(error, info.user);
      });
    return this.runOn(key, conn, call, target, undefined);
  }

  /**
   * Runs a request on a pooled connection. With a token, the request's identity is installed first, on the
   * connection itself (authsync_rls.use_identity with the connection's key and the identity's id), in the same write
   * as the request's SQL, so it costs no round trip of its own; PostgreSQL runs them in order. A single query goes
   * out with the session reset (which also forgets the identity) behind it, each with its own Sync; a
   * batch goes out in one write too (see executeOnClient) and is reset when released. After an error the connection
   * is closed instead. Three things stop a request at once (the backend is cancelled and the connection closed, never
   * pooled again): the client going away, an answer outgrowing Neon's 10 MiB as its rows arrive (507), and the
   * request outliving its deadline, the role's statement timeout plus a second, whatever its SQL set (57014).
   */
  private async runOn(
    key: string,
    conn: RoleConnection,
    call: SqlCall,
    target: SqlTarget,
    identity: Identity | undefined,
  ): Promise<QueryOutcome[]> {
    let healthy = false;
    let sentReset: Promise<unknown> | undefined;
    let stopped: 'cancelled' | 'too large' | 'deadline' | undefined;
    const stop = (reason: typeof stopped) => {
      if (stopped) return;
      stopped = reason;
      abortConnection(conn.client);
    };
    const onAbort = () => stop('cancelled');
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const budget = new ResponseBudget();
    budget.onOverflow = () => stop('too large');
    const guard = MessageGuard.of(conn.client);
    guard.watch(
      () => budget.remaining,
      () => budget.overflow(),
    );
    const deadline = setTimeout(() => stop('deadline'), this.requestDeadlineMs(conn.role));
    try {
      await this.interceptExtension(call.request, target);
      const single = call.request.batch ? undefined : call.request.queries[0]!;
      const client = conn.client;
      const install = () => (identity === undefined ? undefined : client.query(USE_IDENTITY_SQL, [conn.installKey, identity.id]));
      let installed: Promise<unknown> | undefined;
      let pending: Promise<QueryOutcome[]>;
      if (single && !single.synthetic) {
        let outcome: Promise<QueryOutcome>;
        const rows = collectorFor(call.request, single, budget);
        [installed, outcome, sentReset] = inOneWrite(
          client,
          () => [install(), runQuery(client, single, rows), client.query(conn.resetSql)] as const,
        );
        sentReset.catch(() => undefined);
        pending = outcome.then((result) => [result]);
      } else {
        [installed, pending] = inOneWrite(client, () => [install(), executeOnClient(client, call.request, budget)] as const);
      }
      if (installed) {
        // If the install failed, the request's SQL found no identity (the readers raise); its answer is not used.
        pending.catch(() => undefined);
        await installed.catch((error: unknown) => {
          // The identity's row is gone (crash recovery empties unlogged tables): this request fails, and the next one
          // with the token records it again.
          if ((error as { code?: string }).code === 'P0002') identity?.forget();
          return Promise.reject(identityError(error));
        });
      }
      const results = await pending;
      // Messages already read when the connection was given up on may still have completed the queries.
      if (stopped) throw new Error(`request stopped: ${stopped}`);
      healthy = true;
      return results;
    } catch (error) {
      if (stopped === 'cancelled') throw queryCancelled();
      if (stopped === 'too large') throw responseTooLarge();
      if (stopped === 'deadline') throw requestDeadlineExceeded();
      if (error instanceof AppError) throw error;
      if (isPgError(error)) throw fromPgError(error);
      throw error;
    } finally {
      clearTimeout(deadline);
      guard.unwatch();
      call.signal?.removeEventListener('abort', onAbort);
      this.pools.release(key, conn, healthy, healthy ? resetSession(conn, sentReset) : undefined);
    }
  }

  /**
   * Settings pinned in the startup packet of every /sql connection (see openClient): the statement timeout of the
   * end-user role (password sessions have none: authsync's request deadline bounds them), the lock timeout and the
   * idle-in-transaction timeout. search_path, TimeZone and DateStyle stay the database's.
   */
  private sessionOptions(role: EndUserRole | undefined): string {
    const { config } = this.ctx;
    const settings = [
      `lock_timeout=${config.sqlLockTimeoutMs}`,
      `idle_in_transaction_session_timeout=${config.sqlIdleInTransactionTimeoutMs}`,
    ];
    if (role) settings.unshift(`statement_timeout=${this.statementTimeoutMs(role)}`);
    return settings.map((setting) => `-c ${setting}`).join(' ');
  }

  private statementTimeoutMs(role: string): number {
    return role === 'anonymous' ? this.ctx.config.sqlStatementTimeoutAnonymousMs : this.ctx.config.sqlStatementTimeoutAuthenticatedMs;
  }

  /** How long a request may run, whatever its SQL sets: the role's statement timeout (password sessions: authenticated's) and a second. */
  private requestDeadlineMs(role: string): number {
    return this.statementTimeoutMs(role) + 1000;
  }

  /** One identity store per database, shared by all its end-user connections. */
  private identityStoreFor(target: SqlTarget): IdentityStore {
    let store = this.identities.get(target.dbKey);
    if (!store) {
      store = new IdentityStore(target.privileged);
      this.identities.set(target.dbKey, store);
    }
    return store;
  }

  private async runEmbedded(
    call: SqlCall,
    target: SqlTarget,
    role: string,
    claims: Record<string, unknown> | undefined,
  ): Promise<QueryOutcome[]> {
    const pglite = pgliteHandle(this.ctx.db);
    if (!pglite) throw sqlError('SQL_EMBEDDED_UNAVAILABLE', 500, 'embedded database unavailable');
    try {
      await this.interceptExtension(call.request, target);
      return await executeEmbedded(pglite, call.request, { role, ...(claims ? { claims } : {}) }, this.requestDeadlineMs(role));
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (isPgError(error)) throw fromPgError(error);
      throw error;
    }
  }

  /** This instance's login role for `role` (its name and password derive from the server secret). */
  private endUserLogin(role: EndUserRole): EndUserLogin {
    let login = this.logins.get(role);
    if (login === undefined) {
      login = endUserLogin(this.ctx.serverSecret, role);
      this.logins.set(role, login);
    }
    return login;
  }
}

interface Identity {
  /** The token's row in authsync_rls.identities. */
  id: string;
  /** Drops the token's recorded id. */
  forget(): void;
}

/** PostgreSQL refused to install the identity (its message is authsync's own, from the kit): 500 with it; else unexpected. */
function identityError(error: unknown): unknown {
  if (!isPgError(error)) return error;
  return sqlError('SQL_IDENTITY_NOT_SET', 500, `could not set the session identity: ${error.message}`);
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  if (!authorization.startsWith('Bearer '))
    throw badRequest('missing authentication credentials: required authorization bearer token in JWT format');
  return authorization.slice('Bearer '.length).trim();
}

/** Errors while connecting: a wrong password or database is the client's (400); anything else is ours (500). */
function connectError(error: unknown, role: string): unknown {
  if (error instanceof AppError) return error;
  if (isPgError(error)) {
    if (error.code === '28P01' || error.code === '28000') return badRequest(`password authentication failed for user '${role}'`);
    if (error.code === '3D000') return fromPgError(error);
    return fromPgError(error, 500);
  }
  // Not PostgreSQL's answer (a refused connection, a DNS failure...): logged, and answered as an internal error.
  return error;
}
