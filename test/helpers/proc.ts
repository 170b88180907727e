// Processes, ports, dirs and waits for tests. Every process started here is tracked and stopped by
// its PID (never by name) in cleanup; every dir is a temp dir removed in cleanup.

import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const tracked = new Set<ChildProcess>();
const dirs: string[] = [];

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

export function start(cmd: string, args: string[], opts: SpawnOptions & { logFile?: string } = {}): ChildProcess {
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], ...opts });
  if (typeof out === 'number') fs.closeSync(out);
  return track(child);
}

/** A started child's PID; throws when it has none (the spawn failed). */
export function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error(`${child.spawnfile}: not started (no PID)`);
  return child.pid;
}

/** v itself, or an error naming what is missing: for lookups the caller knows must succeed. */
export function present<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`missing: ${what}`);
  return v;
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops one child by PID: the signal, then SIGKILL after graceMs. Resolves when it has exited. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(child.pid, signal);
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(t);
}

export async function cleanupAll(): Promise<void> {
  await Promise.all([...tracked].map((c) => stopChild(c, 'SIGKILL', 1000)));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A temp dir that the mysql user can traverse (the server runs as --user=mysql). */
export function tempDir(prefix = 'gx-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

/**
 * Ports for the servers tests start, taken below the kernel's ephemeral range (32768+): a port the
 * kernel hands out can be taken by any client socket between our probe and the server's bind (seen
 * once: mariadbd "Address already in use"). Each is probed free and never handed out twice here.
 */
const PORT_LOW = 20000;
const PORT_HIGH = 32767;
const handedOut = new Set<number>();

function probe(port: number, kind: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    } else {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    }
  });
}

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW + 1));
    if (handedOut.has(port)) continue;
    if (await probe(port, kind)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free ${kind} port in ${PORT_LOW}-${PORT_HIGH}`);
}

export const freeTcpPort = (): Promise<number> => freePort('tcp');
export const freeUdpPort = (): Promise<number> => freePort('udp');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * How much longer than its nominal deadline a wait may take. A wait returns as soon as its
 * condition holds, so a generous deadline costs a green run nothing; it only decides how long a
 * red one takes to say so. The nominal figures are what a quiet machine needs; with both cores
 * busy (another job, a CI neighbour) a recovery or a server start takes several times longer.
 * How fast things are is the benchmark's business (npm run bench), never a test's.
 * TEST_SLACK=1 shows the nominal deadlines, for hunting a slow path.
 */
export const SLACK = ((): number => {
  const v = Number(process.env.TEST_SLACK ?? '4');
  return Number.isFinite(v) && v >= 1 ? v : 4;
})();

/** Polls until fn returns a truthy value; fails with `what` and the last value after timeoutMs × SLACK. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10000, everyMs = 50): Promise<T> {
  timeoutMs *= SLACK;
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await sleep(everyMs);
  }
}
