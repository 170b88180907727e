// A clustercheck-compatible health endpoint: HAProxy's `option httpchk` (or any load balancer)
// gets 200 when the node should take traffic and 503 otherwise, with a one-line reason. Unlike
// clustercheck under xinetd it forks nothing and queries nothing per check: the answer is the
// verdict of the agent's latest snapshot, already in memory.
// Every method and path gets the same answer, as from clustercheck: HAProxy's default check is
// `OPTIONS / HTTP/1.0`, others send GET or HEAD.

import * as http from 'node:http';
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

export class HealthEndpoint {
  private server: http.Server | null = null;

  constructor(
    private readonly listen: string,
    private readonly verdict: () => HealthVerdict,
    private readonly log: Logger,
  ) {}

  /** Resolves once listening; a port that cannot be had is logged and the agent goes on without it. */
  async start(): Promise<void> {
    const { host, port } = parseListen(this.listen);
    const server = http.createServer({ requireHostHeader: false }, (req, res) => {
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
    // A checker that connects and says nothing must not hold a socket for long.
    server.headersTimeout = 5000;
    server.requestTimeout = 5000;
    server.maxConnections = 256;
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
