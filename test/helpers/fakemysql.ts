// A MySQL-protocol server (mysql2's own server side) that answers the agent's queries the way a
// Galera node does in states a real one reaches only by accident: Synced, every query refused with
// ER 1047 (a node that lost its primary component), or "Too many connections" at the handshake.
// The client side under test is the real mysql2 client of the agent.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as mysql from 'mysql2';

export type FakeMode = 'synced' | 'disconnected' | 'non-primary' | 'too-many' | 'hang' | 'denied';

export interface FakeMysql {
  socket: string;
  mode: FakeMode;
  queries: string[];
  connections: number;
  /** SHOW GLOBAL VARIABLES: the rows it answers, for the names the query lists. */
  variables: Record<string, string>;
  /** Queries received and not yet answered on a connection still open, now and at most. */
  inFlight: number;
  maxInFlight: number;
  /** Closes every open connection, as KILL CONNECTION does: the client must reconnect. */
  dropConnections(): void;
  close(): Promise<void>;
}

import { syncedStatus } from './fixtures';

/** SHOW GLOBAL STATUS rows captured from a real Synced node. */
export function syncedStatusRows(): [string, string][] {
  return Object.entries(syncedStatus());
}

const column = (name: string): Record<string, unknown> => ({
  catalog: 'def',
  schema: '',
  table: '',
  orgTable: '',
  name,
  orgName: name,
  characterSet: 33,
  columnLength: 1024,
  columnType: 253 /* VAR_STRING */,
  flags: 0,
  decimals: 0,
});

export async function startFakeMysql(dir: string, mode: FakeMode = 'synced'): Promise<FakeMysql> {
  const socket = path.join(dir, 'fake-mysqld.sock');
  fs.rmSync(socket, { force: true }); // left by a predecessor that was killed
  const open = new Set<mysql.Connection>();
  const fake: FakeMysql = {
    socket,
    mode,
    queries: [],
    connections: 0,
    variables: { wsrep_node_name: 'fake', read_only: 'OFF', wsrep_reject_queries: 'NONE' },
    inFlight: 0,
    maxInFlight: 0,
    dropConnections: () => {
      for (const c of open) (c as unknown as { stream: { destroy(): void } }).stream.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const c of open) (c as unknown as { stream: { destroy(): void } }).stream.destroy();
        server.close(() => resolve());
      }),
  };
  const rows = syncedStatusRows();
  const server = mysql.createServer((conn: mysql.Connection) => {
    const c = conn as unknown as {
      serverHandshake(a: object): void;
      writeError(a: object): void;
      writeColumns(c: object[]): void;
      writeTextRow(r: unknown[]): void;
      writeEof(): void;
      on(ev: string, f: (...a: unknown[]) => void): void;
      sequenceId: number;
      handlePacket(p?: { sequenceId: number }): void;
      stream: { destroy(): void; end(): void; on(ev: string, f: () => void): void };
    };
    fake.connections++;
    open.add(conn);
    // A query left unanswered stays in flight until its connection closes (the client gave up).
    let pending = 0;
    c.stream.on('close', () => {
      open.delete(conn);
      fake.inFlight -= pending;
      pending = 0;
    });
    c.on('error', () => undefined);
    // mysql2's server side never takes the client's sequence id: each command from the client
    // starts at 0, and the answer goes on from there.
    const handle = c.handlePacket.bind(c);
    c.handlePacket = (p) => {
      if (p) c.sequenceId = p.sequenceId;
      handle(p);
    };
    if (fake.mode === 'too-many') {
      // What MariaDB sends in place of the greeting when max_connections is reached.
      c.writeError({ code: 1040, message: 'Too many connections' });
      c.stream.end();
      return;
    }
    if (fake.mode === 'denied') {
      // A login the server refuses (wrong user or password): up and answering, state unreadable.
      c.writeError({ code: 1045, message: "Access denied for user 'agentx'@'localhost' (using password: NO)" });
      c.stream.end();
      return;
    }
    c.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.14-MariaDB-fake',
      connectionId: fake.connections,
      statusFlags: 2,
      characterSet: 33,
      capabilityFlags: 0xf7ff,
    });
    c.on('query', (sql: unknown) => {
      fake.queries.push(String(sql));
      if (fake.mode === 'hang') {
        pending++;
        fake.inFlight++;
        fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
        return;
      }
      if (fake.mode === 'non-primary') {
        c.writeError({ code: 1047, message: 'WSREP has not yet prepared node for application use' });
        return;
      }
      const q = String(sql);
      c.writeColumns([column('Variable_name'), column('Value')]);
      // Disconnected: what a node shows after "Receiving IST failed, node restart required".
      const left: Record<string, string> = {
        wsrep_cluster_status: 'Disconnected',
        wsrep_local_state: '0',
        wsrep_local_state_comment: 'Initialized',
        wsrep_ready: 'OFF',
        wsrep_connected: 'OFF',
        wsrep_cluster_size: '0',
      };
      if (q.startsWith('SHOW GLOBAL STATUS'))
        for (const [k, v] of rows) c.writeTextRow([k, fake.mode === 'disconnected' ? (left[k] ?? v) : v]);
      else if (q.startsWith('SHOW GLOBAL VARIABLES'))
        for (const [k, v] of Object.entries(fake.variables)) if (q.includes(`'${k}'`)) c.writeTextRow([k, v]);
      c.writeEof();
    });
  });
  await new Promise<void>((resolve) =>
    (server.listen as unknown as (p: string, cb: () => void) => void)(socket, () => resolve()),
  );
  return fake;
}
