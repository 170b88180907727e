// npm run bench: galera-agentx through the real snmpd, next to snmpd's own sysUpTime.0 measured in
// the same run on the same client. Prints ratios (the machine's speed cancels out), the
// subagent's CPU per GET (from /proc, utime+stime) and its RSS before and after.

import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as snmp from 'net-snmp';
import { startAgent, stopAgent } from '../test/helpers/agent';
import { cleanupAll, sleep, tempDir, waitFor } from '../test/helpers/proc';
import { snmpgetOne, startSnmpd, stopSnmpd } from '../test/helpers/snmp';
import { loadMib } from '../src/snmp/mib';
import { decisionBench } from './decision';
import { TICK_US, cpuTicks, rssKb } from './procstat';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);

interface Result { name: string; inFlight: number; rps: number; p50: number; p99: number; errors: number }


async function run(port: number, oid: string, name: string, inFlight: number, count: number): Promise<Result> {
  const sessions = Array.from({ length: inFlight }, () => snmp.createSession('127.0.0.1', 'public', { port, version: 1, timeout: 2000, retries: 0 }));
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(sessions.map((s) => (async () => {
    while (next < count) {
      next++;
      const t = process.hrtime.bigint();
      await new Promise<void>((resolve) => s.get([oid], (err: Error | null, vbs: unknown[]) => {
        if (err || snmp.isVarbindError(vbs[0])) errors++;
        lat.push(Number(process.hrtime.bigint() - t) / 1000);
        resolve();
      }));
    }
  })()));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  sessions.forEach((s) => s.close());
  lat.sort((a, b) => a - b);
  return { name, inFlight, rps: count / secs, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)], errors };
}

async function main(): Promise<void> {
  const mib = loadMib();
  // Traps: snmpd forwards the agent's notifications here; arrival is timestamped on receipt.
  const receiver = dgram.createSocket('udp4');
  const arrivals: bigint[] = [];
  receiver.on('message', () => arrivals.push(process.hrtime.bigint()));
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  const master = await startSnmpd({ trapPort: (receiver.address() as { port: number }).port });
  const dir = tempDir('gx-bench-');
  const datadir = path.join(dir, 'data');
  fs.mkdirSync(datadir);
  fs.writeFileSync(path.join(datadir, 'grastate.dat'), 'uuid: 84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno: 123456789012\nsafe_to_bootstrap: 0\n');
  const HOLD_MS = 50; // the production default (notifications.holdMs)
  const agent = startAgent({ master: master.socket, datadir, extra: { log: { level: 'warn' }, notifications: { holdMs: HOLD_MS } } });
  try {
    await waitFor('registration', async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'stopped', 15000, 100);
    const pid = agent.child.pid!;
    const native = '1.3.6.1.2.1.1.3.0';
    const galera = `${mib.object('galeraStatus').oid.join('.')}.0`;
    await run(master.port, galera, 'warm-up', 8, 1000);
    const rss0 = rssKb(pid);
    const results: Result[] = [];
    let agentTicks = 0;
    let agentGets = 0;
    const snmpdPid = Number(fs.readFileSync(path.join(master.dir, 'snmpd.pid'), 'utf8'));
    const masterTicks = { native: 0, agentx: 0 };
    for (const inFlight of [1, 8]) {
      let m0 = cpuTicks(snmpdPid);
      results.push(await run(master.port, native, 'sysUpTime.0 (snmpd native)', inFlight, REQUESTS));
      masterTicks.native += cpuTicks(snmpdPid) - m0;
      const c0 = cpuTicks(pid);
      m0 = cpuTicks(snmpdPid);
      results.push(await run(master.port, galera, 'galeraStatus.0 (AgentX)', inFlight, REQUESTS));
      masterTicks.agentx += cpuTicks(snmpdPid) - m0;
      agentTicks += cpuTicks(pid) - c0;
      agentGets += REQUESTS;
    }
    results.push(await run(master.port, `${mib.object('galeraClusterSize').oid.join('.')}.0`, 'galeraClusterSize.0 (AgentX, wsrep)', 8, REQUESTS));
    const rss1 = rssKb(pid);
    // Trap latency: a live process takes the initiator lock (seen by the lock watcher) -> the
    // status turns locked -> galeraStatusChanged through snmpd -> UDP arrival. Then released.
    const lockFile = path.join(agent.dir, 'galera-init.lock');
    const lat: number[] = [];
    for (let i = 0; i < 40; i++) {
      const n0 = arrivals.length;
      const t0 = process.hrtime.bigint();
      fs.writeFileSync(lockFile, `${process.pid}\npurpose=bench\n`);
      await waitFor('trap', () => arrivals.length > n0, 5000, 1);
      lat.push(Number(arrivals[n0] - t0) / 1e6);
      const n1 = arrivals.length;
      fs.rmSync(lockFile);
      await waitFor('trap back', () => arrivals.length > n1, 5000, 1);
    }
    lat.sort((a, b) => a - b);
    const fmt = (n: number, d = 0): string => n.toFixed(d).padStart(8);
    process.stdout.write(`\ngalera-agentx benchmark: ${REQUESTS} GETs per row, ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}\n\n`);
    process.stdout.write('| object | in flight | GET/s | p50 µs | p99 µs | errors |\n|---|---:|---:|---:|---:|---:|\n');
    for (const r of results) process.stdout.write(`| ${r.name} | ${r.inFlight} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} |\n`);
    process.stdout.write('\n| ratio (galera / native) | in flight | throughput | p50 latency | p99 latency |\n|---|---:|---:|---:|---:|\n');
    for (const k of [1, 8]) {
      const n = results.find((r) => r.inFlight === k && r.name.startsWith('sys'))!;
      const g = results.find((r) => r.inFlight === k && r.name.startsWith('galera'))!;
      process.stdout.write(`| galeraStatus.0 vs sysUpTime.0 | ${k} | ${(g.rps / n.rps).toFixed(2)}x | ${(g.p50 / n.p50).toFixed(2)}x | ${(g.p99 / n.p99).toFixed(2)}x |\n`);
    }
    process.stdout.write(`\ntrap latency (lock taken -> galeraStatusChanged at the receiver, hold ${HOLD_MS} ms, 40 events): p50 ${lat[20].toFixed(1)} ms, max ${lat[39].toFixed(1)} ms\n`);
    process.stdout.write(`\nsubagent CPU per GET: ${(agentTicks * TICK_US / agentGets).toFixed(1)} µs (${agentTicks} ticks over ${agentGets} GETs, includes its 100 ms process scans)\n`);
    process.stdout.write(`snmpd CPU per GET: ${(masterTicks.native * TICK_US / agentGets).toFixed(1)} µs native, ${(masterTicks.agentx * TICK_US / agentGets).toFixed(1)} µs when it forwards to the subagent over AgentX\n`);
    // Yardstick for memory: the same Node binary doing nothing, measured now.
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    await sleep(500);
    const bare = rssKb(idle.pid!);
    idle.kill('SIGKILL');
    process.stdout.write(`subagent RSS: ${(rss0 / 1024).toFixed(1)} MiB after warm-up, ${(rss1 / 1024).toFixed(1)} MiB after ${agentGets} GETs (yardstick: an idle node process, ${(bare / 1024).toFixed(1)} MiB)\n`);
    // Re-registration: snmpd killed, down for 2 s (so the agent's backoff has grown), restarted;
    // from the moment snmpd answers its own sysUpTime.0 to the moment galeraStatus.0 answers.
    const back: number[] = [];
    let m2 = await startSnmpd({ dir: tempDir('gx-rereg-') });
    const reagent = startAgent({ master: m2.socket, datadir, extra: { log: { level: 'warn' }, agentx: { master: m2.socket, reconnectMinMs: 200, reconnectMaxMs: 1000 } } });
    const fresh = (m: { port: number }, oid: string): Promise<boolean> => new Promise((resolve) => {
      const s = snmp.createSession('127.0.0.1', 'public', { port: m.port, version: 1, timeout: 100, retries: 0 });
      s.get([oid], (err: Error | null, vbs: unknown[]) => { s.close(); resolve(!err && !snmp.isVarbindError(vbs[0])); });
    });
    const galeraOid = `${mib.object('galeraStatus').oid.join('.')}.0`;
    await waitFor('registration', () => fresh(m2, galeraOid), 15000, 50);
    for (let i = 0; i < 10; i++) {
      await stopSnmpd(m2, 'SIGKILL');
      await sleep(2000);
      m2 = await startSnmpd({ dir: m2.dir, port: m2.port });
      await waitFor('snmpd', () => fresh(m2, '1.3.6.1.2.1.1.3.0'), 10000, 5);
      const t0 = process.hrtime.bigint();
      await waitFor('OIDs back', () => fresh(m2, galeraOid), 10000, 5);
      back.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await stopAgent(reagent);
    back.sort((a, b) => a - b);
    process.stdout.write(`OIDs back after snmpd returns (10 restarts after 2 s down, reconnect backoff 200 ms..1 s): p50 ${back[5].toFixed(0)} ms, max ${back[9].toFixed(0)} ms\n`);

    process.stdout.write('\ngalera-init: one ask-everyone round + decision, peers asked in parallel:\n');
    await decisionBench(process.stdout);
    const errs = results.reduce((a, r) => a + r.errors, 0);
    if (errs) process.stdout.write(`WARNING: ${errs} requests failed\n`);
  } finally {
    await stopAgent(agent);
    await cleanupAll();
    receiver.close();
  }
}

main().catch((err) => { process.stderr.write(`bench failed: ${(err as Error).stack}\n`); process.exit(1); });
