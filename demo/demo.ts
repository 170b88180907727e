// The demo (README's first command): a real 3-node MariaDB Galera cluster on loopback, each node
// with its own private snmpd and galera-agentx (as on real hosts), a real snmptrapd, and a live
// table of what an NMS sees. The story: galera-init forms the cluster; a node stops (the table and
// a trap show it); every node crashes; galera-init brings the cluster back from the most advanced
// node with every row. Ctrl-C or the end of the story tears everything down.
//
//   node dist/demo/demo.js [--non-interactive]     (non-interactive when not on a TTY or CI=true)

import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as snmp from 'net-snmp';
import { ROOT, cleanupAll, sleep, waitFor } from '../test/helpers/proc';
import { snmpTool } from '../test/helpers/snmp';
import { Trapd, startTrapd } from '../test/helpers/traps';
import { rowCount, sql, stopServerByPid, waitSynced } from '../test/helpers/galera';
import { Harness, createHarness, exitCode } from '../test/helpers/harness';
import { stopAgent } from '../test/helpers/agent';
import { loadMib } from '../src/snmp/mib';

const pexec = promisify(execFile);
const mib = loadMib();
const interactive = process.stdout.isTTY && !process.argv.includes('--non-interactive') && process.env.CI !== 'true';
const COLS = [
  'galeraStatus',
  'galeraSeqno',
  'galeraSeqnoSource',
  'galeraLocalState',
  'galeraClusterStatus',
  'galeraClusterSize',
  'galeraWindowShort',
] as const;
const label = (obj: string, v: unknown): string => {
  if (Buffer.isBuffer(v)) return v.toString();
  const e = Object.entries(mib.object(obj).enumValues ?? {}).find(([, n]) => n === v);
  if (e) return e[0];
  if (obj === 'galeraWindowShort') return v === 4294967295 ? 'unbounded' : `${String(v)}s`;
  return String(v);
};

async function poll(h: Harness): Promise<string[][]> {
  return Promise.all(
    h.nodes.map(
      (n) =>
        new Promise<string[]>((resolve) => {
          const s = snmp.createSession('127.0.0.1', 'public', {
            port: n.master.port,
            version: 1,
            timeout: 400,
            retries: 0,
          });
          s.get(
            COLS.map((c) => `${mib.object(c).oid.join('.')}.0`),
            (err: Error | null, vbs: { value: unknown }[]) => {
              s.close();
              resolve([
                n.g.name,
                `udp 127.0.0.1:${n.master.port}`,
                ...(err ? COLS.map(() => '(no answer)') : vbs.map((vb, i) => label(COLS[i], vb.value))),
              ]);
            },
          );
        }),
    ),
  );
}

function render(rows: string[][]): string {
  const head = ['node', 'snmpd', 'status', 'seqno', 'source', 'local state', 'cluster', 'size', 'window'];
  const w = head.map((x, c) => Math.max(x.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((x, c) => x.padEnd(w[c])).join('  ');
  return `${line(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n${rows.map(line).join('\n')}\n`;
}

/** The notifications of the current step (up to 8), or the last 4 when it has none yet. */
function lastTraps(trapd: Trapd, since: number): string {
  const all = trapd.traps();
  const shown = all.length > since ? all.slice(since).slice(-8) : all.slice(-4);
  const names = new Map([...mib.notifications].map(([name, x]) => [x.oid.join('.'), name]));
  const nodeOid = `${mib.object('galeraNodeName').oid.join('.')}.0`;
  return shown
    .map((t) => {
      const vals = [...t.varbinds]
        .filter(([k]) => !k.startsWith('1.3.6.1.2.1.1.3') && !k.startsWith('1.3.6.1.6.3.1.1.4.1') && k !== nodeOid)
        .map(([k, v]) => `${[...mib.objects.values()].find((o) => `${o.oid.join('.')}.0` === k)?.name ?? k}=${v}`);
      return `  trap ${names.get(t.trapOid) ?? t.trapOid} from ${t.varbinds.get(nodeOid)}: ${vals.join(' ')}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
  let h: Harness | null = null;
  let trapd: Trapd | null = null;
  let live: NodeJS.Timeout | null = null;
  let caption = '';
  let stepStart = 0;
  const say = (s: string): void => {
    caption = s;
    stepStart = trapd?.traps().length ?? 0;
    if (!interactive) process.stdout.write(`\n== ${s}\n`);
  };
  const show = async (): Promise<void> => {
    if (!h || !trapd) return;
    const text = `${render(await poll(h))}\nlast notifications received by snmptrapd:\n${lastTraps(trapd, stepStart) || '  (none yet)'}\n`;
    if (interactive)
      process.stdout.write(`\x1b[H\x1b[2J== galera-agentx demo (Ctrl-C to stop)\n\n${caption}\n\n${text}`);
    else process.stdout.write(text);
  };
  const teardown = async (): Promise<void> => {
    if (live) clearInterval(live);
    if (h) {
      for (const n of h.nodes) await stopServerByPid(n.g, 'SIGKILL').catch(() => undefined);
      for (const n of h.nodes) await stopAgent(n.agent).catch(() => undefined);
    }
    await cleanupAll();
  };
  // Ctrl-C, a closed terminal (SIGHUP) or a kill: the cluster must not outlive the demo.
  for (const sig of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) {
    process.on(sig, () => {
      void teardown().then(() => {
        try {
          process.stdout.write('\ntorn down\n');
        } catch {
          /* terminal gone */
        }
        process.exit(130);
      });
    });
  }
  const pause = async (ms: number): Promise<void> => {
    if (interactive) await sleep(ms);
    else await show();
  };
  try {
    process.stdout.write(
      'Setting up: snmptrapd, 3 MariaDB Galera nodes (as --user=mysql), an snmpd + galera-agentx per node...\n',
    );
    // Local consts for the steps below; h and trapd are what teardown and show() find.
    const sink = await startTrapd();
    trapd = sink;
    const harness = await createHarness(3, { prefix: 'demo', trapPort: sink.port, logLevel: 'info' });
    h = harness;
    if (interactive) live = setInterval(() => void show(), 500);
    const [a, b, c] = h.nodes;

    say('1. Every node is down. What snmpget and galera-check say on node 1:');
    if (!interactive) {
      process.stdout.write(
        `$ snmpget -v2c -c public ${a.target} GALERA-MIB::galeraStatus.0 GALERA-MIB::galeraSeqno.0\n`,
      );
      process.stdout.write(
        (
          await snmpTool('snmpget', [
            '-v2c',
            '-c',
            'public',
            a.target,
            'GALERA-MIB::galeraStatus.0',
            'GALERA-MIB::galeraSeqno.0',
          ])
        ).replace(/^/gm, '  '),
      );
      const check = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
      process.stdout.write(
        `$ galera-check status\n  ${(await pexec(process.execPath, [check, '--config', a.agent.configFile, 'status'])).stdout.trim()}\n`,
      );
    }
    await pause(3000);

    say('2. galera-init starts on all three at the same moment: exactly one bootstraps, two join.');
    const first = h.nodes.map((n) => harness.runInit(n));
    await Promise.all(first.map(exitCode));
    for (const n of h.nodes) await waitSynced(n.g, 60000);
    const booted = h.nodes.filter((_, i) => /bootstrapped a new cluster/.test(first[i].output())).map((n) => n.g.name);
    say(`2. The cluster is up: ${booted.join(', ')} bootstrapped, the others joined. Writing 100 rows...`);
    await sql(a.g, 'CREATE DATABASE demo');
    await sql(a.g, 'CREATE TABLE demo.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    for (let i = 0; i < 100; i++) await sql(h.nodes[i % 3].g, `INSERT INTO demo.t (v) VALUES (${i})`);
    await pause(3000);

    say(`3. ${c.g.name} stops cleanly: the table shows the size drop; the survivors send galeraClusterSizeChanged.`);
    await stopServerByPid(c.g, 'SIGTERM');
    await waitFor(
      'the size trap',
      () => sink.traps().some((t) => t.varbinds.get(`${mib.object('galeraClusterSize').oid.join('.')}.0`) === '2'),
      20000,
    );
    await pause(4000);

    say(`4. 50 more rows on ${a.g.name} and ${b.g.name} (${c.g.name} misses them), then both crash (kill -9).`);
    for (let i = 0; i < 50; i++) await sql(a.g, `INSERT INTO demo.t (v) VALUES (${i})`);
    const want = await rowCount(a.g, 'demo.t');
    await stopServerByPid(a.g, 'SIGKILL');
    await stopServerByPid(b.g, 'SIGKILL');
    say(
      `4. Everything is down. The agents recover the crashed nodes' seqnos with --wsrep-recover (source "recovered"); ${c.g.name} is behind.`,
    );
    for (const n of [a, b])
      await waitFor(
        'recovered',
        async () => (await poll(harness)).find((r) => r[0] === n.g.name)?.[4] === 'recovered',
        30000,
        200,
      );
    await pause(4000);

    say(
      `5. galera-init on all three: ${c.g.name} (stale) must not bootstrap; the most advanced does, the others join.`,
    );
    const again = h.nodes.map((n) => harness.runInit(n));
    await Promise.all(again.map(exitCode));
    for (const n of h.nodes) await waitSynced(n.g, 60000);
    const winner = h.nodes.filter((_, i) => /bootstrapped a new cluster/.test(again[i].output())).map((n) => n.g.name);
    const counts = await Promise.all(h.nodes.map((n) => rowCount(n.g, 'demo.t')));
    say(
      `5. Back: ${winner.join(', ')} bootstrapped. Rows on each node: ${counts.join(', ')} (expected ${want}): ${counts.every((x) => x === want) ? 'nothing lost' : 'ROWS LOST'}.`,
    );
    await pause(5000);
    if (interactive) await show();
    process.stdout.write('\nDone: tearing everything down.\n');
    if (!counts.every((x) => x === want)) process.exitCode = 1;
  } finally {
    await teardown();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  void cleanupAll().then(() => process.exit(1));
});
