// The running server's wsrep status over one mysql2 connection. One query in flight at a time,
// each with a timeout, the next one scheduled only after the last ended: a hung server costs one
// stuck query, never a pile of them, and SNMP answers keep coming from the last snapshot.
// Credentials come from a my.cnf-style option file; they are never logged or put in argv.

import * as fs from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import mysql, { Connection } from 'mysql2';
import { clientOptions, parseOptionFile } from '../core/mycnf';
import { parseUuid } from '../core/gtid';
import { CLUSTER_STATUS_TEXT } from '../core/wsrep-status';
import type { ErrorKind } from '../errors';
import type { MysqlFacts, SourceFacts } from '../core/snapshot';
import { Reads, Source } from './source';

const EMPTY: MysqlFacts = {
  reachable: false,
  accepting: false,
  closed: false,
  status: null,
  at: 0,
  error: null,
  variables: null,
  members: null,
};

export interface MysqlSourceOptions {
  /** mysql.enabled: off, the source stays idle (a server's state is not read at all). */
  enabled?: boolean;
  optionFile: string;
  refreshIntervalMs: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  log: Logger;
}

/** The kind of a MySQL client error: what a caller may decide on (a refused login still proves the server up). */
export function mysqlErrorKind(code: string | undefined): ErrorKind {
  if (code !== undefined && AUTH_ERRORS.has(code)) return 'auth';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return 'refused';
    case 'TIMEOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ER_CON_COUNT_ERROR':
    case 'ER_USER_LIMIT_REACHED':
    case 'ER_TOO_MANY_USER_CONNECTIONS':
      return 'limit';
    case 'ER_UNKNOWN_COM_ERROR':
      return 'nonPrimary';
    default:
      return 'other';
  }
}

/** Read at connect and about once a minute (MIB values that change with SET GLOBAL or a restart). */
const SLOW_VARIABLES = [
  'wsrep_provider_options',
  'wsrep_node_name',
  'wsrep_cluster_address',
  // Only where the provider is a plugin (MariaDB 11): which pc.bootstrap statement the server takes.
  'wsrep_provider_pc_bootstrap',
  // The durability settings the high-water mark's tolerance is derived from.
  'innodb_flush_log_at_trx_commit',
  'innodb_flush_log_at_timeout',
  'log_bin',
  'sync_binlog',
];
/** The variables of the health rule (core/health.ts), read at every poll. */
const HEALTH_VARIABLES = ['read_only', 'wsrep_reject_queries', 'wsrep_sst_donor_rejects_queries'];

const CLOSED_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ENOENT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
]);
const AUTH_ERRORS = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

export class MysqlSource extends EventEmitter implements Source<MysqlFacts, SourceFacts> {
  readonly name = 'mysql';
  readonly reads = new Reads();
  facts: MysqlFacts = { ...EMPTY };
  /** A server runs and polling is on: this source has something to read. */
  private wanted = false;
  private serverPids = '';
  private polls = 0;
  private membersConfId: string | null = null;
  readonly stats = { queries: 0, failures: 0, connects: 0 };
  private conn: Connection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  private busy = false;
  private failures = 0;
  /** When the current server process was first seen: a starting server is polled without backoff. */
  private since = 0;
  private lastLogged = '';

  constructor(private readonly opts: MysqlSourceOptions) {
    super();
  }

  start(): Promise<void> {
    return Promise.resolve(); // polling starts with the first server seen (sync)
  }

  /** One poll when a server runs (sync says so), for one-shot tools: no timer is left behind. */
  async readOnce(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.wanted) await this.refreshOnce();
  }

  /** A server's process came, went or changed: poll it, forget the old one's values, or stop. */
  sync(all: SourceFacts): void {
    const pids = all.processes.servers.map((s) => s.pid).join(',');
    if (pids !== this.serverPids) {
      // A different server process: the old one's wsrep values are not its values.
      if (this.serverPids !== '' || pids !== '') this.reset();
      this.serverPids = pids;
    }
    this.wanted = this.opts.enabled !== false && pids !== '';
    this.setActive(this.wanted);
  }

  /** No server runs, or polling is off: nothing to read, and not counted in galeraAgentDataAge. */
  idle(): boolean {
    return !this.wanted;
  }

  /** The last poll's failure, a refusal included (the row is failing while its facts stay fresh). */
  problem(): string | null {
    return this.facts.error?.text ?? null;
  }

  /** Polls while a server runs; stops (and closes the connection) when none does. */
  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.failures = 0;
      this.since = Date.now();
      this.schedule(0);
    } else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.closeConn();
      this.facts = { ...EMPTY };
      this.emit('change', this.facts);
    }
  }

  /** Forgets the last status (a new server process: old values are not its values). */
  reset(): void {
    this.facts = { ...this.facts, status: null, at: 0, reachable: false, variables: null, members: null };
    this.membersConfId = null;
    this.since = Date.now();
    this.failures = 0;
    this.closeConn();
    this.emit('change', this.facts);
    if (this.active) this.schedule(0);
  }

  /** One query, for one-shot tools (galera-check): no timers are left behind. */
  async refreshOnce(): Promise<MysqlFacts> {
    this.active = true;
    await this.poll();
    void this.stop();
    return this.facts;
  }

  stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeConn();
    return Promise.resolve();
  }

  /** Read through a call: setActive() or stop() may have run while poll() awaited. */
  private isActive(): boolean {
    return this.active;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private closeConn(): void {
    const c = this.conn;
    this.conn = null;
    if (c) {
      c.removeAllListeners('error');
      c.removeAllListeners('end');
      c.on('error', () => undefined);
      c.destroy();
    }
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (!this.active || this.busy) return;
    this.busy = true;
    try {
      await this.reads.runAsync(() => this.pollOnce());
    } finally {
      this.busy = false;
    }
    if (this.isActive()) this.schedule(retryDelay(this.failures, this.opts.refreshIntervalMs, Date.now() - this.since));
  }

  /** One round of queries; returns its error (described), or null. */
  private async pollOnce(): Promise<string | null> {
    try {
      const rows = await this.query("SHOW GLOBAL STATUS LIKE 'wsrep\\_%'");
      const status: Record<string, string> = {};
      for (const r of rows) {
        const name = text(r.Variable_name).toLowerCase();
        if (name) status[name] = text(r.Value);
      }
      // Variables change only with SET GLOBAL or a restart: the slow ones once per connection and
      // every 60 polls; the ones in the health rule at each poll, since operators drain a node with
      // SET GLOBAL (read_only, wsrep_reject_queries) and expect the load balancer to follow at once.
      // SHOW is answered even while the server rejects queries (wsrep_reject_queries=ALL).
      const slow = !this.facts.variables || this.polls++ % 60 === 0;
      const variables: Record<string, string> = { ...this.facts.variables };
      for (const r of await this.query(
        `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${(slow ? [...SLOW_VARIABLES, ...HEALTH_VARIABLES] : HEALTH_VARIABLES).map((n) => `'${n}'`).join(',')})`,
      )) {
        variables[text(r.Variable_name).toLowerCase()] = text(r.Value);
      }
      // Members change only with the configuration (conf_id); a non-Primary node cannot read tables.
      let members = this.facts.members;
      const found: Record<string, string | undefined> = status; // any name may be missing
      const confId = found.wsrep_cluster_conf_id ?? null;
      if (confId !== this.membersConfId && status.wsrep_cluster_status === CLUSTER_STATUS_TEXT.primary) {
        this.membersConfId = confId;
        try {
          members = (
            await this.query(
              'SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members ORDER BY node_name',
            )
          ).map((r) => ({
            uuid: parseUuid(text(r.node_uuid)),
            name: text(r.node_name),
            address: text(r.node_incoming_address),
          }));
        } catch {
          members = null; // no SELECT grant on it: the incoming-address list stands in
        }
      }
      this.failures = 0;
      if (this.lastLogged) this.opts.log.info('MySQL connection regained');
      this.lastLogged = '';
      this.facts = {
        reachable: true,
        accepting: true,
        closed: false,
        status,
        at: Date.now(),
        error: null,
        variables,
        members,
      };
      this.emit('change', this.facts);
      return null;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { errno?: number; sqlMessage?: string };
      this.stats.failures++;
      this.failures++;
      const accepting =
        AUTH_ERRORS.has(e.code ?? '') || (typeof e.errno === 'number' && e.errno >= 1000 && e.errno < 3000);
      const why = describeMysqlError(e);
      if (why !== this.lastLogged) {
        this.opts.log.warn(
          { err: why, optionFile: this.opts.optionFile },
          'MySQL status query failed; answering from the last snapshot',
        );
        this.lastLogged = why;
      }
      this.closeConn();
      this.membersConfId = null;
      this.facts = {
        ...this.facts,
        reachable: false,
        accepting,
        closed: CLOSED_ERRORS.has(e.code ?? ''),
        error: { kind: mysqlErrorKind(e.code), text: why },
        variables: null,
      };
      this.emit('change', this.facts);
      // A server that refuses (starting, receiving a state transfer, stopping) answered: its facts
      // are confirmed, and the row says why it fails. One that does not answer (hung, frozen) or
      // refuses our login grows old.
      return this.facts.closed ? null : why;
    }
  }

  private query(sql: string): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      let conn = this.conn;
      if (!conn) {
        let options: mysql.ConnectionOptions;
        try {
          options = connectionOptions(this.opts.optionFile);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        conn = mysql.createConnection({
          ...options,
          connectTimeout: this.opts.connectTimeoutMs,
          multipleStatements: false,
        });
        // The server closed it (a crash, a stop): a mark for the process table to look now.
        const lost = (): void => {
          if (this.conn !== conn) return;
          this.closeConn();
          this.emit('lost');
        };
        conn.on('error', lost);
        conn.on('end', lost);
        this.conn = conn;
        this.stats.connects++;
      }
      this.stats.queries++;
      // The timer guards the connect as well as the query: mysql2's query timeout starts late.
      const guard = setTimeout(() => {
        this.closeConn();
        reject(Object.assign(new Error(`no answer in ${this.opts.queryTimeoutMs} ms`), { code: 'TIMEOUT' }));
      }, this.opts.queryTimeoutMs);
      conn.query({ sql, timeout: this.opts.queryTimeoutMs }, (err, rows) => {
        clearTimeout(guard);
        if (err) reject(err);
        else resolve(rows as Record<string, unknown>[]);
      });
    });
  }
}

/** The client options from a my.cnf-style option file; no file: root over the default socket. */
function connectionOptions(optionFile: string): mysql.ConnectionOptions {
  let text: string;
  try {
    const st = fs.statSync(optionFile);
    if (!st.isFile()) throw new Error('not a regular file');
    text = fs.readFileSync(optionFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { user: 'root', socketPath: '/run/mysqld/mysqld.sock' }; // socket auth
    throw new Error(`cannot read MySQL option file ${optionFile}: ${e.code ?? e.message}`);
  }
  const c = clientOptions(parseOptionFile(text));
  return {
    user: c.user ?? 'root',
    password: c.password,
    socketPath: c.socketPath,
    host: c.socketPath ? undefined : (c.host ?? 'localhost'),
    port: c.socketPath ? undefined : (c.port ?? 3306),
  };
}

/** A statement's outcome: the error described for the operator, and its code for a hint. */
export interface StatementResult {
  ok: boolean;
  error?: string;
  /** The client's error code (ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_WRONG_ARGUMENTS, ECONNREFUSED, ...). */
  code?: string;
}

/** What executeStatement needs of the mysql config: the same credentials and timeouts as the source. */
export type StatementOptions = Pick<MysqlSourceOptions, 'optionFile' | 'connectTimeoutMs' | 'queryTimeoutMs'>;

/**
 * One statement on a connection of its own (the source's poller stays free), with the source's
 * credentials and timeouts. An action, not a fact, so not part of the Source contract: the agent's
 * rare act on its server (pc.bootstrap=YES). Never throws.
 */
export async function executeStatement(o: StatementOptions, sql: string): Promise<StatementResult> {
  let conn: Connection | null = null;
  try {
    conn = mysql.createConnection({ ...connectionOptions(o.optionFile), connectTimeout: o.connectTimeoutMs });
    conn.on('error', () => undefined);
    const c = conn;
    await new Promise<void>((resolve, reject) =>
      c.query({ sql, timeout: o.queryTimeoutMs }, (err) => (err ? reject(err) : resolve())),
    );
    return { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, error: describeMysqlError(e), code: e.code };
  } finally {
    conn?.destroy();
  }
}

/** A value of a mysql2 row as text: strings as they are, Buffers decoded, numbers in decimal; '' otherwise. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
}

/**
 * The wait before the next poll. A server that appeared less than a minute ago (starting, or
 * receiving a state transfer) is asked every interval, so its readiness shows at once; after that
 * failures back off to at most 4 intervals, so a dead server is not hammered.
 */
export function retryDelay(failures: number, intervalMs: number, sinceServerMs: number): number {
  if (failures === 0 || sinceServerMs < 60_000) return intervalMs;
  return intervalMs * Math.min(2 ** (failures - 1), 4);
}

/** How a refused login is described: the server is up, its state cannot be read with these credentials. */
export const ACCESS_DENIED = 'access denied: check user and password in the option file';

export function describeMysqlError(e: NodeJS.ErrnoException & { errno?: number; sqlMessage?: string }): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (server not listening)';
    case 'ENOENT':
      return 'socket file not found (server not running, or wrong socket in the option file)';
    case 'TIMEOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
    case 'ETIMEDOUT':
      return `server did not answer in time (${e.message})`;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return ACCESS_DENIED;
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      return "the account's authentication plugin is not supported by the agent's client: use mysql_native_password or ed25519";
    case 'ER_CON_COUNT_ERROR':
      return 'too many connections (max_connections reached): raise it, or keep a slot for monitoring with extra_port/extra_max_connections';
    case 'ER_USER_LIMIT_REACHED':
    case 'ER_TOO_MANY_USER_CONNECTIONS':
      return `the agent's user is at its connection limit (${(e.sqlMessage ?? '').slice(0, 120)})`;
    case 'ER_UNKNOWN_COM_ERROR':
      return 'WSREP has not yet prepared node for application use (non-Primary)';
    default:
      return `${e.code ?? 'error'}: ${(e.sqlMessage ?? e.message).slice(0, 200)}`;
  }
}
