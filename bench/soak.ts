// The soak: a real single-node Galera server, a real snmpd and the agent, polled through the
// master by many concurrent GET / GETNEXT-walk / GETBULK-walk clients of the whole MIB while the
// node keeps changing: writes (the seqno moves), wsrep_desync on and off (local state and its
// traps), the initiator lock taken and released, and the server stopped and restarted (status and
// seqno source change, the MySQL source goes and comes back).
//
// It reports what an operator would ask before trusting the agent on a database node: requests,
// errors, latency, the agent's memory at the start and the end, its CPU per request, and how many
// SHOW STATUS queries it sent per refresh interval whatever the SNMP load.
//
// `npm run soak` runs it for 120 s (`-- --seconds N` for longer); the test suite runs a bounded
// one and asserts on the report (no timing thresholds: errors, memory growth, query count).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as snmp from 'net-snmp';
import { AgentProc, startAgent, stopAgent } from '../test/helpers/agent';
import { cleanupAll, pidOf, sleep, tempDir, waitFor } from '../test/helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd } from '../test/helpers/snmp';
import { GaleraNode, createNode, sql, startServer, stopServer, waitSynced } from '../test/helpers/galera';
import { loadMib } from '../src/snmp/mib';
import { TICK_US, cpuTicks, rssKb } from './procstat';

const rssMiB = (pid: number): number => rssKb(pid) / 1024;

export interface SoakOptions {
  seconds: number;
  /** Concurrent clients of each kind (GET, GETNEXT walk, GETBULK walk). */
  clientsPerKind: number;
  refreshIntervalMs: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seconds: number;
  requests: { get: number; getnext: number; getbulk: number; total: number };
  walks: number;
  errors: number;
  errorSamples: string[];
  latencyUs: { p50: number; p99: number; max: number };
  rssMiB: { start: number; end: number; samples: number[] };
  /**
   * The agent's live JS heap (every object a heap snapshot holds; the snapshot collects all garbage
   * first) after the warm-up, before the first restart, and at the end: what a leak raises.
   */
  liveHeapMiB: { start: number; end: number };
  /** The agent's V8 flags, as on its command line (the installed command's first line). */
  nodeFlags: string[];
  cpuUsPerRequest: number;
  serverUpSeconds: number;
  showStatusQueries: number;
  /** SHOW STATUS queries per refresh interval of server uptime: 1 is the design. */
  queriesPerRefresh: number;
  stateChanges: {
    writes: number;
    desyncToggles: number;
    lockToggles: number;
    restarts: number;
    statusesSeen: string[];
    statusPollFailures: number;
  };
}

interface Counters {
  get: number;
  getnext: number;
  getbulk: number;
  walks: number;
  errors: number;
  samples: string[];
  lat: number[];
  /** Set while the load is paused (a heap snapshot stops the agent's event loop). */
  pause: Promise<void> | null;
}

async function request(
  s: snmp.Session,
  kind: 'get' | 'getnext' | 'getbulk',
  oids: string[],
  c: Counters,
): Promise<unknown[] | null> {
  if (c.pause) await c.pause;
  const t = process.hrtime.bigint();
  return new Promise((resolve) => {
    const done = (err: Error | null, vbs: unknown[]): void => {
      c.lat.push(Number(process.hrtime.bigint() - t) / 1000);
      c[kind]++;
      if (err) {
        c.errors++;
        if (c.samples.length < 5) c.samples.push(`${kind} ${oids[0]}: ${err.message}`);
        resolve(null);
      } else resolve(vbs);
    };
    if (kind === 'get') s.get(oids, done);
    else if (kind === 'getnext') s.getNext(oids, done);
    else s.getBulk(oids, 0, 25, done);
  });
}

/** Walks the whole MIB with GETNEXT or GETBULK; returns the number of instances seen. */
async function walk(s: snmp.Session, kind: 'getnext' | 'getbulk', root: string, c: Counters): Promise<void> {
  let oid = root;
  let seen = 0;
  for (;;) {
    const answer = await request(s, kind, [oid], c);
    if (!answer) return;
    // net-snmp gives a GETBULK's repetitions of one OID as one array.
    const vbs = (kind === 'getbulk' ? answer[0] : answer) as { oid: string; type: number }[];
    let end = false;
    for (const vb of vbs) {
      if (!vb.oid.startsWith(`${root}.`) || vb.type === snmp.ObjectType.EndOfMibView) {
        end = true;
        break;
      }
      if (snmp.isVarbindError(vb)) {
        c.errors++;
        if (c.samples.length < 5) c.samples.push(`${kind} ${vb.oid}: ${snmp.varbindError(vb)}`);
        end = true;
        break;
      }
      oid = vb.oid;
      seen++;
    }
    if (end) break;
  }
  c.walks++;
  if (seen < 40) {
    c.errors++;
    if (c.samples.length < 5) c.samples.push(`${kind} walk saw only ${seen} instances`);
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? ((): void => undefined);
  const mib = loadMib();
  const root = mib.root.join('.');
  // Every readable scalar: not a table column, not a notification-only object (galeraNotifyObjects).
  const notifyArc = `${mib.object('galeraPrevStatus').oid.slice(0, -1).join('.')}.`;
  const scalars = [...mib.objects.values()]
    .filter(
      (x) =>
        x.column === undefined &&
        !`${x.oid.join('.')}.`.startsWith(notifyArc) &&
        !x.name.endsWith('Table') &&
        !x.name.endsWith('Entry'),
    )
    .map((x) => `${x.oid.join('.')}.0`);
  let master: Snmpd | null = null;
  let agent: AgentProc | null = null;
  let node: GaleraNode | null = null;
  try {
    master = await startSnmpd();
    node = await createNode('soak');
    startServer(node, { bootstrap: true });
    await waitSynced(node);
    let upSince = Date.now();
    let upMs = 0;
    await sql(node, 'CREATE DATABASE IF NOT EXISTS soak');
    await sql(node, 'CREATE TABLE IF NOT EXISTS soak.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    const dir = tempDir('gx-soak-');
    const optionFile = path.join(dir, 'my.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
    // A heap snapshot on SIGWINCH (SIGUSR2 is the agent's upgrade exit): V8 collects all garbage
    // before it writes one, so the snapshot's size is the live heap, wherever the collector's
    // sawtooth stands.
    const heapDir = tempDir('gx-soak-heap-');
    agent = startAgent({
      nodeFlags: ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${heapDir}`],
      master: master.socket,
      datadir: node.datadir,
      optionFile,
      nodeName: 'soak',
      extra: { mysql: { optionFile, refreshIntervalMs: o.refreshIntervalMs }, log: { level: 'info' } },
    });
    const port = master.port;
    await waitFor(
      'the agent',
      async () => (await snmpgetOne(port, 'GALERA-MIB::galeraStatus.0')) === 'running',
      20000,
      100,
    );
    const pid = pidOf(agent.child);
    // From the spawn arguments: the agent sets its process title, which overwrites /proc/PID/cmdline.
    const argv = agent.child.spawnargs;
    const script = argv.findIndex((a) => a.endsWith('agent.js'));
    const nodeFlags = script > 0 ? argv.slice(1, script) : [];
    const n = node;

    // The counter includes the statement that reads it: a segment from one read to the next
    // holds the agent's queries plus our closing read. It starts again at 0 with each server.
    const showStatusCount = async (): Promise<number> =>
      Number((await sql<{ Value: string }[]>(n, "SHOW GLOBAL STATUS LIKE 'Com_show_status'"))[0].Value);
    let queries = 0;
    let base = await showStatusCount();

    const c: Counters = { get: 0, getnext: 0, getbulk: 0, walks: 0, errors: 0, samples: [], lat: [], pause: null };
    const deadline = Date.now() + o.seconds * 1000;
    const sessions: snmp.Session[] = [];
    const session = (): snmp.Session => {
      const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 2000, retries: 0 });
      sessions.push(s);
      return s;
    };
    // Every task is caught where it starts: one failing must end the run through the finally
    // below (which stops what was started), never as an unhandled rejection.
    const taskErrors: unknown[] = []; // filled from the tasks' callbacks: an array, as flow analysis cannot see those
    const task = (p: Promise<void>): Promise<void> =>
      p.catch((err: unknown) => {
        taskErrors.push(err);
      });
    const clients: Promise<void>[] = [];
    for (let i = 0; i < o.clientsPerKind; i++) {
      const g = session();
      clients.push(
        task(
          (async () => {
            let k = i;
            while (Date.now() < deadline) {
              // Five scalars a GET, rotating through the MIB: every scalar is asked for.
              const oids = Array.from({ length: 5 }, () => scalars[k++ % scalars.length]);
              const vbs = await request(g, 'get', oids, c);
              for (const vb of vbs ?? [])
                if (snmp.isVarbindError(vb)) {
                  c.errors++;
                  if (c.samples.length < 5)
                    c.samples.push(`get ${(vb as { oid: string }).oid}: ${snmp.varbindError(vb)}`);
                }
            }
          })(),
        ),
      );
      const nx = session();
      clients.push(
        task(
          (async () => {
            while (Date.now() < deadline) await walk(nx, 'getnext', root, c);
          })(),
        ),
      );
      const bk = session();
      clients.push(
        task(
          (async () => {
            while (Date.now() < deadline) await walk(bk, 'getbulk', root, c);
          })(),
        ),
      );
    }

    // The node changes under the load.
    const changes = {
      writes: 0,
      desyncToggles: 0,
      lockToggles: 0,
      restarts: 0,
      statusesSeen: new Set<string>(),
      statusPollFailures: 0,
    };
    const lockFile = path.join(agent.dir, 'galera-init.lock');
    const rss: number[] = [];
    const watcher = task(
      (async () => {
        while (Date.now() < deadline) {
          // A poll that gets no answer is counted as such, never as a status seen.
          const st = await snmpgetOne(port, 'GALERA-MIB::galeraStatus.0').catch(() => null);
          if (st === null) changes.statusPollFailures++;
          else changes.statusesSeen.add(st);
          await sleep(100);
        }
      })(),
    );
    // Set by the restarter while the other tasks await: read it through isUp(), which TypeScript does
    // not narrow (a plain variable read after an await would look constant to its flow analysis).
    const server = { up: true };
    const isUp = (): boolean => server.up;
    const writer = task(
      (async () => {
        let desync = false;
        let t = 0;
        while (Date.now() < deadline) {
          await sleep(200);
          t++;
          if (!server.up) continue;
          try {
            await sql(n, 'INSERT INTO soak.t (v) VALUES (1)');
            changes.writes++;
            if (t % 25 === 0) {
              desync = !desync;
              await sql(n, `SET GLOBAL wsrep_desync = ${desync ? 'ON' : 'OFF'}`);
              changes.desyncToggles++;
            }
          } catch {
            /* the server is going down for a restart */
          }
          if (t % 35 === 0 && isUp()) {
            if (fs.existsSync(lockFile)) fs.rmSync(lockFile);
            else fs.writeFileSync(lockFile, `${process.pid}\npurpose=soak\n`);
            changes.lockToggles++;
          }
        }
        if (desync && server.up) await sql(n, 'SET GLOBAL wsrep_desync = OFF').catch(() => undefined);
      })(),
    );
    // A restart every 40 s (the first at a third of the run): stopped -> bootstrapping -> running.
    const restarter = task(
      (async () => {
        const every = Math.min(40_000, (o.seconds * 1000) / 3);
        let next = Date.now() + every;
        while (Date.now() < deadline - 15_000) {
          await sleep(250);
          if (Date.now() < next) continue;
          queries += (await showStatusCount()) - base - 1;
          upMs += Date.now() - upSince;
          server.up = false;
          fs.rmSync(lockFile, { force: true }); // so the status can show stopped (locked outranks it)
          await stopServer(n, 'SIGTERM');
          await sleep(1000);
          startServer(n, { bootstrap: true });
          await waitSynced(n, 60000);
          upSince = Date.now();
          base = await showStatusCount();
          server.up = true;
          changes.restarts++;
          next = Date.now() + every;
        }
      })(),
    );
    // The live heap: the load paused (the agent answers nothing while it writes the snapshot),
    // SIGWINCH, the snapshot read when complete, its objects' sizes summed.
    const liveHeap = async (): Promise<number> => {
      let resume = (): void => undefined;
      c.pause = new Promise<void>((r) => (resume = r));
      try {
        await sleep(300); // requests in flight drain
        process.kill(pid, 'SIGWINCH');
        const snap = await waitFor(
          'the agent heap snapshot',
          () => {
            const f = fs.readdirSync(heapDir).find((x) => x.endsWith('.heapsnapshot'));
            if (!f) return null;
            const file = path.join(heapDir, f);
            try {
              const j = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshot;
              fs.rmSync(file);
              return j;
            } catch {
              return null; // still being written
            }
          },
          60000,
          250,
        );
        if (!snap) throw new Error('no heap snapshot'); // waitFor returns only a truthy value
        return liveBytes(snap) / 1048576;
      } finally {
        c.pause = null;
        resume();
      }
    };
    // Memory and CPU: start after a warm-up, RSS sampled every 5 s.
    await sleep(Math.min(5000, o.seconds * 100));
    const heapStart = await liveHeap();
    const rssStart = rssMiB(pid);
    const cpu0 = cpuTicks(pid);
    const req0 = c.get + c.getnext + c.getbulk;
    const sampler = task(
      (async () => {
        while (Date.now() < deadline) {
          rss.push(Number(rssMiB(pid).toFixed(1)));
          await sleep(5000);
        }
      })(),
    );
    await Promise.all([...clients, watcher, writer, restarter, sampler]);
    if (taskErrors.length > 0) throw taskErrors[0];
    const cpu1 = cpuTicks(pid);
    const rssEnd = rssMiB(pid);
    const heapEnd = await liveHeap();
    if (server.up) {
      queries += (await showStatusCount()) - base - 1;
      upMs += Date.now() - upSince;
    }
    for (const s of sessions) s.close();
    const total = c.get + c.getnext + c.getbulk;
    c.lat.sort((a, b) => a - b);
    const pct = (p: number): number => Math.round(c.lat[Math.min(c.lat.length - 1, Math.floor(c.lat.length * p))] ?? 0);
    const report: SoakReport = {
      seconds: o.seconds,
      requests: { get: c.get, getnext: c.getnext, getbulk: c.getbulk, total },
      walks: c.walks,
      errors: c.errors,
      errorSamples: c.samples,
      latencyUs: { p50: pct(0.5), p99: pct(0.99), max: Math.round(c.lat[c.lat.length - 1] ?? 0) },
      rssMiB: { start: Number(rssStart.toFixed(1)), end: Number(rssEnd.toFixed(1)), samples: rss },
      liveHeapMiB: { start: Number(heapStart.toFixed(2)), end: Number(heapEnd.toFixed(2)) },
      nodeFlags,
      cpuUsPerRequest: Number((((cpu1 - cpu0) * TICK_US) / Math.max(1, total - req0)).toFixed(1)),
      serverUpSeconds: Number((upMs / 1000).toFixed(1)),
      showStatusQueries: queries,
      queriesPerRefresh: Number((queries / (upMs / o.refreshIntervalMs)).toFixed(2)),
      stateChanges: { ...changes, statusesSeen: [...changes.statusesSeen].sort() },
    };
    log(formatSoak(report));
    return report;
  } finally {
    if (agent) await stopAgent(agent);
    if (node) await stopServer(node, 'SIGTERM').catch(() => undefined);
    await cleanupAll();
  }
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[] } };
  nodes: number[];
}

/** The sum of every node's self size in a V8 heap snapshot. */
function liveBytes(h: HeapSnapshot): number {
  const fields = h.snapshot.meta.node_fields;
  const at = fields.indexOf('self_size');
  let sum = 0;
  for (let i = at; i < h.nodes.length; i += fields.length) sum += h.nodes[i];
  return sum;
}

export function formatSoak(r: SoakReport): string {
  return [
    `soak: ${r.seconds} s, ${os.cpus().length} cores (${os.cpus()[0].model}), node ${process.version}`,
    `| figure | value |`,
    `|---|---|`,
    `| requests (GET / GETNEXT / GETBULK) | ${r.requests.total} (${r.requests.get} / ${r.requests.getnext} / ${r.requests.getbulk}), ${r.walks} full-MIB walks |`,
    `| errors | ${r.errors}${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''} |`,
    `| latency per request | p50 ${r.latencyUs.p50} µs, p99 ${r.latencyUs.p99} µs, max ${r.latencyUs.max} µs |`,
    `| agent RSS | ${r.rssMiB.start} MiB after warm-up → ${r.rssMiB.end} MiB at the end (every 5 s: ${r.rssMiB.samples.join(', ')}) |`,
    `| agent live heap (snapshot, after a full collection) | ${r.liveHeapMiB.start} MiB after warm-up → ${r.liveHeapMiB.end} MiB at the end |`,
    `| agent's V8 flags | ${r.nodeFlags.join(' ') || 'none'} |`,
    `| agent CPU per request | ${r.cpuUsPerRequest} µs |`,
    `| SHOW STATUS queries | ${r.showStatusQueries} in ${r.serverUpSeconds} s of server uptime = ${r.queriesPerRefresh} per refresh interval |`,
    `| node changes | ${r.stateChanges.writes} writes, ${r.stateChanges.desyncToggles} desync toggles, ${r.stateChanges.lockToggles} lock toggles, ${r.stateChanges.restarts} restarts; statuses seen: ${r.stateChanges.statusesSeen.join(', ')} (${r.stateChanges.statusPollFailures} status polls unanswered) |`,
  ].join('\n');
}

if (require.main === module) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.SOAK_SECONDS ?? 120);
  if (!Number.isFinite(seconds) || seconds < 20) {
    process.stderr.write('usage: npm run soak [-- --seconds N]   (N >= 20)\n');
    process.exit(64);
  }
  runSoak({ seconds, clientsPerKind: 4, refreshIntervalMs: 500, log: (l) => process.stdout.write(`${l}\n`) })
    .then((r) => process.exit(r.errors === 0 ? 0 : 1))
    .catch((err: unknown) => {
      process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
