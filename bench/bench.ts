// npm run bench: galera-agentx against two anchors measured in the same run, through one private
// snmpd, by one lean client:
// - snmpd's native sysUpTime.0 (no subagent at all);
// - a C subagent on Net-SNMP's own agent library (bench/csub.c, one read-only scalar), built now
//   with gcc and `net-snmp-config --agent-libs` (libsnmp-dev);
// - galera-agentx's galeraStatus.0.
// The client (bench/getload.c) sends pre-encoded SNMPv2c GETs on one UDP socket, N in flight, and
// reports its own CPU. Ratios are what count: the machine's speed and its other load cancel out
// in a run. Subagent CPU comes from /proc/PID/task/*/schedstat (ns, not 10 ms ticks).
//
// BENCH_REQUESTS (GETs per row and round, default 20000), BENCH_ROUNDS (default 3, the median is
// shown), BENCH_RSS_GETS (default 1000000), BENCH_IDLE_SECONDS (default 10), BENCH_NODE=0 skips
// the real MariaDB node, BENCH_EXTRAS=0 skips the re-registration and galera-init figures.

import { execFile, execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as snmp from 'net-snmp';
import { AgentProc, installedNodeFlags, startAgent, stopAgent } from '../test/helpers/agent';
import { ROOT, cleanupAll, pidOf, present, sleep, start, stopChild, tempDir, waitFor } from '../test/helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../test/helpers/snmp';
import { createAgentUser, createNode, startServer, stopServer, waitSynced } from '../test/helpers/galera';
import { loadMib } from '../src/snmp/mib';
import { decisionBench } from './decision';
import { cpuNs, rssKb } from './procstat';

const pexec = promisify(execFile);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RSS_GETS = Number(process.env.BENCH_RSS_GETS ?? 1_000_000);
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const HOLD_MS = 50; // the production default (notifications.holdMs)
const BACKSTOP_MS = 1000; // the production default (processes.backstopMs)
const C_OID = '1.3.6.1.4.1.8072.9999.9999.77.1.0';
const NATIVE_OID = '1.3.6.1.2.1.1.3.0';
const out = (s: string): void => void process.stdout.write(s);

interface Built {
  getload: string;
  csub: string | null;
  csubSkipped: string;
}

/** Compiles the lean client and the C subagent; the subagent is skipped with a reason when it cannot build. */
function buildC(): Built {
  const dir = tempDir('gx-bench-c-');
  const getload = path.join(dir, 'getload');
  execFileSync('gcc', ['-O2', '-o', getload, path.join(ROOT, 'bench', 'getload.c')], { stdio: 'pipe' });
  const csub = path.join(dir, 'csub');
  try {
    const libs = execFileSync('net-snmp-config', ['--agent-libs'], { encoding: 'utf8' }).trim().split(/\s+/);
    execFileSync('gcc', ['-O2', '-o', csub, path.join(ROOT, 'bench', 'csub.c'), ...libs], { stdio: 'pipe' });
    return { getload, csub, csubSkipped: '' };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return {
      getload,
      csub: null,
      csubSkipped: `the C subagent cannot build (install libsnmp-dev and gcc): ${(e.stderr?.toString() || e.message).split('\n')[0]}`,
    };
  }
}

interface Load {
  gets: number;
  errors: number;
  lost: number;
  secs: number;
  cpuUs: number;
}

async function load(getload: string, port: number, oid: string, inFlight: number, count: number): Promise<Load> {
  const { stdout } = await pexec(getload, [String(port), oid, String(inFlight), String(count)], { timeout: 600_000 });
  return JSON.parse(stdout) as Load;
}

interface Target {
  name: string;
  oid: string;
  pid: number | null;
}
interface Row {
  target: Target;
  inFlight: number;
  rps: number[];
  cpuNs: number;
  snmpdNs: number;
  gets: number;
  clientUs: number;
  errors: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Idle CPU of each PID over the same seconds, in ms per second. */
async function idleCpu(pids: number[], seconds: number): Promise<number[]> {
  const a = pids.map(cpuNs);
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return pids.map((p, i) => (cpuNs(p) - a[i]) / 1e6 / secs);
}

function startCsub(csub: string, master: Snmpd): { child: ReturnType<typeof start>; dir: string } {
  const dir = tempDir('gx-csub-');
  // Its own config and state dirs, no MIB loading: the library's defaults, nothing of the system's.
  const env = { ...process.env, SNMP_PERSISTENT_DIR: dir, SNMPCONFPATH: dir, MIBS: '', MIBDIRS: dir };
  return { child: start(csub, [master.socket], { env, logFile: path.join(dir, 'csub.log') }), dir };
}

function agentExtra(master: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  // Production intervals (the test helper's are shorter), so the idle figures are an operator's.
  return {
    log: { level: 'warn' },
    notifications: { holdMs: HOLD_MS },
    agentx: { master, reconnectMinMs: 200, reconnectMaxMs: 1000, pingIntervalMs: 15000, adminTimeoutMs: 5000 },
    mysql: { enabled: false },
    // Other programs' galera-init runs on a shared test host would show as `initiating`.
    processes: { initiatorNames: ['galera-init-bench'] },
    ...more,
  };
}

async function main(): Promise<void> {
  // The agents get the installed command's V8 flags from the helper; the Node yardstick (an empty
  // timer) runs with the same ones through the environment, so the two compare like for like.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${installedNodeFlags().join(' ')}`.trim();
  let built: Built;
  try {
    built = buildC();
  } catch (err) {
    out(`skipped: the lean load client cannot build (gcc missing?): ${(err as Error).message.split('\n')[0]}\n`);
    return;
  }
  const mib = loadMib();
  const receiver = dgram.createSocket('udp4');
  const arrivals: bigint[] = [];
  receiver.on('message', () => arrivals.push(process.hrtime.bigint()));
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  const master = await startSnmpd({ trapPort: (receiver.address() as { port: number }).port });
  const snmpdPid = Number(fs.readFileSync(path.join(master.dir, 'snmpd.pid'), 'utf8'));
  const dir = tempDir('gx-bench-');
  const datadir = path.join(dir, 'data');
  fs.mkdirSync(datadir);
  fs.writeFileSync(
    path.join(datadir, 'grastate.dat'),
    'uuid: 84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno: 123456789012\nsafe_to_bootstrap: 0\n',
  );
  const agent = startAgent({ master: master.socket, datadir, extra: agentExtra(master.socket) });
  const csub = built.csub ? startCsub(built.csub, master) : null;
  try {
    const galeraOid = `${mib.object('galeraStatus').oid.join('.')}.0`;
    await waitFor(
      'registration',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'stopped',
      15000,
      100,
    );
    const pid = pidOf(agent.child);
    const targets: Target[] = [{ name: 'snmpd native sysUpTime.0', oid: NATIVE_OID, pid: null }];
    if (csub) {
      await waitFor(
        'the C subagent',
        async () => (await load(built.getload, master.port, C_OID, 1, 1)).errors === 0,
        10000,
        100,
      );
      targets.push({ name: 'C subagent (libnetsnmpagent)', oid: C_OID, pid: pidOf(csub.child) });
    }
    targets.push({ name: 'galera-agentx galeraStatus.0', oid: galeraOid, pid });
    for (const t of targets) await load(built.getload, master.port, t.oid, 8, 2000); // warm-up (JIT, caches)
    const rss0 = rssKb(pid);
    const rows: Row[] = [];
    for (const k of [1, 8])
      for (const t of targets)
        rows.push({ target: t, inFlight: k, rps: [], cpuNs: 0, snmpdNs: 0, gets: 0, clientUs: 0, errors: 0 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) {
        const c0 = row.target.pid ? cpuNs(row.target.pid) : 0;
        const s0 = cpuNs(snmpdPid);
        const r = await load(built.getload, master.port, row.target.oid, row.inFlight, REQUESTS);
        if (row.target.pid) row.cpuNs += cpuNs(row.target.pid) - c0;
        row.snmpdNs += cpuNs(snmpdPid) - s0;
        row.rps.push(r.gets / r.secs);
        row.gets += r.gets;
        row.clientUs += r.cpuUs;
        row.errors += r.errors + r.lost;
      }
    }
    const uptime = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    out(
      `\ngalera-agentx benchmark: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${uptime}\n`,
    );
    out(
      `${REQUESTS} GETs per row and round, ${ROUNDS} rounds (median GET/s), lean C client (pre-encoded SNMPv2c GETs, one UDP socket)\n`,
    );
    if (!csub) out(`skipped: ${built.csubSkipped}\n`);
    out(
      '\n| target | in flight | GET/s | vs native | vs C | subagent CPU µs/GET | snmpd CPU µs/GET | client CPU µs/GET | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n',
    );
    const rowOf = (name: string, k: number): Row =>
      present(
        rows.find((r) => r.target.name === name && r.inFlight === k),
        `the row of ${name} at ${k} in flight`,
      );
    for (const row of rows) {
      const n = rowOf(targets[0].name, row.inFlight);
      const c = csub ? rowOf(targets[1].name, row.inFlight) : null;
      const rps = median(row.rps);
      const vsN = (rps / median(n.rps)).toFixed(2);
      const vsC = c ? `${(rps / median(c.rps)).toFixed(2)}x` : '-';
      const sub = row.target.pid ? (row.cpuNs / 1000 / row.gets).toFixed(1) : '-';
      out(
        `| ${row.target.name} | ${row.inFlight} | ${rps.toFixed(0)} | ${vsN}x | ${vsC} | ${sub} | ${(row.snmpdNs / 1000 / row.gets).toFixed(1)} | ${(row.clientUs / row.gets).toFixed(1)} | ${row.errors} |\n`,
      );
    }
    const g1 = rowOf(targets[targets.length - 1].name, 1);
    const g8 = rowOf(targets[targets.length - 1].name, 8);
    const verdict = (ok: boolean): string => (ok ? 'holds' : 'DOES NOT HOLD');
    if (csub) {
      const c1 = rowOf(targets[1].name, 1);
      const c8 = rowOf(targets[1].name, 8);
      const thr = median(g8.rps) / median(c8.rps);
      const cpu1 = g1.cpuNs / g1.gets / (c1.cpuNs / c1.gets);
      out(`\ntarget GET/s at 8 in flight >= 1.0x C: ${thr.toFixed(3)}x, ${verdict(thr >= 1)}\n`);
      out(
        `target CPU per GET at 1 in flight <= 1.5x C: ${(g1.cpuNs / 1000 / g1.gets).toFixed(1)} vs ${(c1.cpuNs / 1000 / c1.gets).toFixed(1)} µs = ${cpu1.toFixed(3)}x, ${verdict(cpu1 <= 1.5)}\n`,
      );
    }

    // At rest: nothing asks anything. MySQL polling is off (no server on this datadir).
    // Yardstick in the same seconds: the same Node binary doing nothing but a 100 ms timer (the
    // floor of any 100 ms poll on this machine under its current load). And how many PIDs the
    // host's other programs started meanwhile (each is looked at).
    const floor = start(process.execPath, ['-e', 'setInterval(() => {}, 100)']);
    await sleep(2000);
    const idlePids = [pid, snmpdPid, pidOf(floor), ...(csub ? [pidOf(csub.child)] : [])];
    // Right after the load, V8's memory reducer runs a few compacting collections (10-20 ms each,
    // ~8 s apart) to give the load's heap back: shown apart, then the idle that lasts.
    const [afterLoad] = await idleCpu([pid], IDLE_S);
    const lp0 = Number(fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop());
    const idle = await idleCpu(idlePids, IDLE_S);
    const born = (Number(fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop()) - lp0) / IDLE_S;
    await stopChild(floor, 'SIGKILL');
    out(
      `\nidle CPU over ${IDLE_S} s, ${IDLE_S + 2} s after the load (ms of each process's own CPU time per s, from schedstat: not wall time, so other load on the host does not count): ` +
        `galera-agentx ${idle[0].toFixed(2)} (MySQL polling off, backstop ${BACKSTOP_MS} ms), snmpd ${idle[1].toFixed(2)}${csub ? `, C subagent ${idle[3].toFixed(2)}` : ''}; ` +
        `yardstick: node with one empty 100 ms timer ${idle[2].toFixed(2)}; PIDs born on the host ${born.toFixed(0)}/s. ` +
        `In the ${IDLE_S} s before (the memory reducer's collections after the load): galera-agentx ${afterLoad.toFixed(2)}\n`,
    );
    out(
      `target idle <= 2 ms/s: ${verdict(idle[0] <= 2)} (${(idle[0] / idle[2]).toFixed(1)}x the 100 ms timer floor${csub ? `, C subagent ${idle[3].toFixed(2)}` : ''})\n`,
    );

    // Status changes must still show at once on the paths that leave a mark: a stand-in server
    // (a script named mariadbd) that writes its pid file in the datadir at start and removes it
    // at a clean stop (SIGTERM), as mariadbd does; the initiator lock taken and released. A start
    // or a crash that leaves none (no pid file, SIGKILL) waits for the backstop: measured after
    // the burst of the last mark is over (2 s). Measured to the galeraStatusChanged trap at the
    // receiver (the value itself changes HOLD_MS earlier, the notification is held).
    const bin = path.join(tempDir('gx-bench-bin-'), 'mariadbd');
    // Blocks on a FIFO it holds open itself: no child process to leak when it is killed.
    execFileSync('mkfifo', [`${bin}.fifo`]);
    fs.writeFileSync(
      bin,
      '#!/bin/bash\npidfile=\nfor a in "$@"; do case $a in --pid-file=*) pidfile=${a#--pid-file=} ;; esac; done\n' +
        '[ -n "$pidfile" ] && echo $$ >"$pidfile"\n' +
        'trap \'[ -n "$pidfile" ] && rm -f "$pidfile"; exit 0\' TERM\n' +
        'exec 3<>"$0.fifo"\nread -r -u 3\n',
      { mode: 0o755 },
    );
    const lockFile = path.join(agent.dir, 'galera-init.lock');
    const pidFile = path.join(datadir, 'mariadbd.pid');
    const lat: { server: number[]; lock: number[]; bare: number[] } = { server: [], lock: [], bare: [] };
    const timed = async (kind: keyof typeof lat, act: () => void): Promise<void> => {
      const n0 = arrivals.length;
      const t0 = process.hrtime.bigint();
      act();
      await waitFor('trap', () => arrivals.length > n0, 10000, 1);
      lat[kind].push(Number(arrivals[n0] - t0) / 1e6);
      // A random pause: the next event must not fall at the same phase of the agent's looks.
      await sleep(HOLD_MS * 3 + Math.random() * 100);
    };
    for (let i = 0; i < 10; i++) {
      let pid = 0;
      await timed('server', () => {
        pid = pidOf(start(bin, [`--datadir=${datadir}`, `--pid-file=${pidFile}`]));
      });
      await timed('server', () => process.kill(pid, 'SIGTERM'));
      await timed('lock', () => fs.writeFileSync(lockFile, `${process.pid}\npurpose=bench\n`));
      await timed('lock', () => fs.rmSync(lockFile));
    }
    for (let i = 0; i < 5; i++) {
      let pid = 0;
      await sleep(2200 + Math.random() * 1000);
      await timed('bare', () => {
        pid = pidOf(start(bin, [`--datadir=${datadir}`]));
      });
      await sleep(2200 + Math.random() * 1000);
      await timed('bare', () => process.kill(pid, 'SIGKILL'));
    }
    const pct = (xs: number[]): string => {
      const s = [...xs].sort((a, b) => a - b);
      return `p50 ${s[Math.floor(s.length / 2)].toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
    };
    out(
      `status change -> galeraStatusChanged trap (hold ${HOLD_MS} ms included): server start (pid file) / clean stop ${pct(lat.server)}; lock taken/released ${pct(lat.lock)}; ` +
        `start or crash with no mark ${pct(lat.bare)} (backstop ${BACKSTOP_MS} ms)\n`,
    );
    const worst = Math.max(...lat.server, ...lat.lock) - HOLD_MS;
    out(
      `target status change visible within 150 ms on the paths that leave a mark (trap latency minus the hold): worst ${worst.toFixed(1)} ms, ${verdict(worst <= 150)}\n`,
    );
    const bare = Math.max(...lat.bare) - HOLD_MS;
    out(
      `no mark: worst ${bare.toFixed(1)} ms, within two backstop periods (${2 * BACKSTOP_MS} ms: a PID caught between fork and exec is named at the next look): ${verdict(bare <= 2 * BACKSTOP_MS)}\n`,
    );

    // Memory under a long run of GETs: RSS every tenth, flat over the second half.
    const rssAt: number[] = [];
    const chunk = Math.ceil(RSS_GETS / 10);
    for (let i = 0; i < 10; i++) {
      await load(built.getload, master.port, galeraOid, 8, chunk);
      rssAt.push(rssKb(pid) / 1024);
    }
    const half = rssAt[4];
    const end = rssAt[9];
    out(
      `\ngalera-agentx RSS: ${(rss0 / 1024).toFixed(1)} MiB after warm-up; after ${chunk * 10} GETs ${end.toFixed(1)} MiB (each tenth: ${rssAt.map((x) => x.toFixed(0)).join(' ')}); second half ${end - half >= 0 ? '+' : ''}${(end - half).toFixed(1)} MiB\n`,
    );
    out(
      `target RSS <= 80 MiB and flat over the second half (< 2 MiB): ${verdict(end <= 80 && end - half < 2)}${csub ? `; C subagent RSS ${(rssKb(pidOf(csub.child)) / 1024).toFixed(1)} MiB` : ''}\n`,
    );

    if (process.env.BENCH_NODE !== '0') await idleAgainstNode();

    if (process.env.BENCH_EXTRAS !== '0') {
      await reRegistration(datadir, galeraOid);
      out('\ngalera-init: one ask-everyone round + decision, peers asked in parallel:\n');
      await decisionBench(process.stdout);
    }
  } finally {
    if (csub) await stopChild(csub.child, 'SIGTERM');
    await stopAgent(agent);
    await cleanupAll();
    receiver.close();
  }
}

/** Idle CPU with MySQL polling on (the default 1 s refresh), against a real one-node Galera. */
async function idleAgainstNode(): Promise<void> {
  let node;
  try {
    node = await createNode('bench');
  } catch (err) {
    out(
      `skipped: idle CPU against a real node (MariaDB cannot start here: ${(err as Error).message.split('\n')[0]})\n`,
    );
    return;
  }
  const m = await startSnmpd();
  startServer(node, { bootstrap: true });
  let agent: AgentProc | null = null;
  try {
    await waitSynced(node, 60000);
    const optionFile = path.join(node.dir, 'agent.cnf');
    await createAgentUser(node, 'agentx', 'bench-pw-7c1d', optionFile);
    agent = startAgent({
      master: m.socket,
      datadir: node.datadir,
      optionFile,
      // The split-brain watch on at its default interval (10 s), its rounds feeding the high-water
      // mark: a second member name for this node's own snmpd gives it one peer to ask, as each
      // peer costs one GET a round on an operator's node.
      extra: agentExtra(m.socket, {
        mysql: { enabled: true, optionFile },
        init: { members: [`127.0.0.1:${m.port}`, `localhost:${m.port}`], self: `127.0.0.1:${m.port}` },
        watch: { credentialsFile: path.join(node.dir, 'no-peers.yaml') },
      }),
    });
    await waitFor(
      'running',
      async () => (await snmpgetOne(m.port, 'GALERA-MIB::galeraStatus.0')) === 'running',
      20000,
      200,
    );
    // Past the start's collections (see the idle figure above).
    await sleep(3000 + IDLE_S * 1000);
    const [ms] = await idleCpu([pidOf(agent.child)], IDLE_S);
    out(
      `idle CPU over ${IDLE_S} s against a real node (MySQL polling on, SHOW STATUS every 1 s, backstop every ${BACKSTOP_MS} ms, the split-brain watch every 10 s with one peer, feeding the mark): galera-agentx ${ms.toFixed(2)} ms/s; target <= 4 ms/s: ${ms <= 4 ? 'holds' : 'DOES NOT HOLD'}\n`,
    );
  } finally {
    if (agent) await stopAgent(agent);
    await stopServer(node, 'SIGKILL');
    await stopSnmpd(m);
  }
}

/**
 * Re-registration: snmpd killed, down for 2 s (so the agent's backoff has grown), restarted; from
 * the moment snmpd answers its own sysUpTime.0 to the moment galeraStatus.0 answers.
 */
async function reRegistration(datadir: string, galeraOid: string): Promise<void> {
  const back: number[] = [];
  let m2 = await startSnmpd({ dir: tempDir('gx-rereg-') });
  const reagent = startAgent({
    master: m2.socket,
    datadir,
    extra: { log: { level: 'warn' }, agentx: { master: m2.socket, reconnectMinMs: 200, reconnectMaxMs: 1000 } },
  });
  const fresh = (m: { port: number }, oid: string): Promise<boolean> =>
    new Promise((resolve) => {
      const s = snmp.createSession('127.0.0.1', 'public', { port: m.port, version: 1, timeout: 100, retries: 0 });
      s.get([oid], (err: Error | null, vbs: unknown[]) => {
        s.close();
        resolve(!err && !snmp.isVarbindError(vbs[0]));
      });
    });
  await waitFor('registration', () => fresh(m2, galeraOid), 15000, 50);
  for (let i = 0; i < 10; i++) {
    await stopSnmpd(m2, 'SIGKILL');
    await sleep(2000);
    m2 = await startSnmpd({ dir: m2.dir, port: m2.port });
    await waitFor('snmpd', () => fresh(m2, NATIVE_OID), 10000, 5);
    const t0 = process.hrtime.bigint();
    await waitFor('OIDs back', () => fresh(m2, galeraOid), 10000, 5);
    back.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await stopAgent(reagent);
  await stopSnmpd(m2);
  back.sort((a, b) => a - b);
  out(
    `\nOIDs back after snmpd returns (10 restarts after 2 s down, reconnect backoff 200 ms..1 s): p50 ${back[5].toFixed(0)} ms, max ${back[9].toFixed(0)} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
