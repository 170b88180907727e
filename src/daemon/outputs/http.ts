// A clustercheck-compatible health endpoint: HAProxy's `option httpchk` (or any load balancer)
// gets 200 when the node should take traffic and 503 otherwise, with a one-line reason. Unlike
// clustercheck under xinetd it forks nothing and queries nothing per check: the answer is the
// verdict of the agent's latest snapshot, already in memory.
// Every method and path gets the same answer, as from clustercheck: HAProxy's default check is
// `OPTIONS / HTTP/1.0`, others send GET or HEAD.

import * as http from 'node:http';
import type * as net from 'node:net';
import type { Logger } from 'pino';
import type { HealthVerdict } from '../../core/health';

export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/** 'HOST:PORT', ':PORT' (every address) or '[v6]:PORT', as validated by the config. */
export function parseListen(listen: string): ListenAddress {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? undefined : host, port: Number(listen.slice(i + 1)) };
}

export function healthResponse(v: HealthVerdict): { status: number; body: string } {
  // clustercheck's bodies end in CRLF; some checks match on the whole line.
  return { status: v.healthy ? 200 : 503, body: `${v.reason}\r\n` };
}

/**
 * Connections that have not sent a whole request yet, at most: past it, the oldest is closed to
 * make room. A checker sends its request as soon as it connects, so it is answered long before
 * it could become the oldest; only idle or half-sent connections are ever closed this way.
 */
export const MAX_WAITING = 256;
/**
 * How long a connection may take to send its whole request, from its connect, whatever it trickles
 * meanwhile. HAProxy, keepalived and curl send theirs at once; 2 s is far above a loaded host's
 * scheduling delay and far below HAProxy's default check timeout.
 */
export const HEADER_DEADLINE_MS = 2000;

export class HealthEndpoint {
  private server: http.Server | null = null;
  /** Connections without a whole request yet, oldest first (a Set keeps insertion order). */
  private readonly waitingSockets = new Set<net.Socket>();

  constructor(
    private readonly listen: string,
    private readonly verdict: () => HealthVerdict,
    private readonly log: Logger,
  ) {}

  /** Resolves once listening; a port that cannot be had is logged and the agent goes on without it. */
  async start(): Promise<void> {
    const { host, port } = parseListen(this.listen);
    const server = http.createServer({ requireHostHeader: false }, (req, res) => {
      this.waitingSockets.delete(req.socket);
      const { status, body } = healthResponse(this.verdict());
      // Read and discard any request body; close the connection as clustercheck does, so a
      // checker never holds sockets between checks.
      req.resume();
      res.writeHead(status, {
        'Content-Type': 'text/plain',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    // Any host that reaches the port could hold every connection slot with half-sent requests and
    // take the node out of HAProxy: Node's maxConnections drops the *new* connection (the check)
    // and its headersTimeout is only looked at every connectionsCheckingInterval (30 s). So each
    // connection has its own deadline, and at the cap the oldest waiting one makes room.
    server.headersTimeout = HEADER_DEADLINE_MS;
    server.requestTimeout = HEADER_DEADLINE_MS;
    server.on('connection', (socket: net.Socket) => this.admit(socket));
    this.server = server;
    await new Promise<void>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.log.error(
          { listen: this.listen, err: err.code ?? err.message },
          'cannot serve the health endpoint; SNMP and the track file go on',
        );
        this.server = null;
        resolve();
      });
      server.listen({ host, port }, () => {
        this.log.info({ listen: this.listen }, 'health endpoint listening');
        resolve();
      });
    });
  }

  private admit(socket: net.Socket): void {
    const waiting = this.waitingSockets;
    waiting.add(socket);
    const deadline = setTimeout(() => {
      if (waiting.delete(socket)) socket.destroy();
    }, HEADER_DEADLINE_MS);
    deadline.unref();
    socket.once('close', () => {
      clearTimeout(deadline);
      waiting.delete(socket);
    });
    if (waiting.size > MAX_WAITING) {
      const oldest = waiting.values().next().value as net.Socket;
      waiting.delete(oldest);
      oldest.destroy();
    }
  }

  /** Connections that have not sent a whole request yet (tests). */
  waiting(): number {
    return this.waitingSockets.size;
  }

  /** The bound port (tests), or 0 when not listening. */
  port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
