// Hard recoveries on a real 2-node MariaDB Galera cluster (issue 21 item 3), one snmpd + agent per
// node. A crash that leaves a transaction prepared: MariaDB Galera refuses XA while the provider is
// on, so the server runs with the provider off, prepares an XA transaction under a server XID (the
// "MySQLXid" one its two-phase commit with the binary log uses), and is killed. b's recovery runs
// with log_bin on and its binary log gone (MariaDB: "critical recovery information (last binlog
// ...) was manually deleted"), so nothing resolves it and --wsrep-recover stops at "Found 1
// prepared transactions!". Without a binary log, 10.11 rolls such a transaction back by itself
// (measured), as it does a prepared write-set under a
// wsrep XID that does not continue the node's sequence is rolled back by MariaDB 10.11's recovery
// itself, "Rolled back orphan prepared wsrep transaction N": the agent logs those, see
// test/unit/core/recoverlog.test.ts.) Then: the agent says why the seqno is unknown; a wrapped slow
// recovery is named a timeout; galera-init waits without recovery.heuristicRollback and, with it,
// rolls back, says so, and joins the running node at the position the recovery then finds.

import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { AgentProc, agentConfig, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, ROOT, SLACK, start, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../helpers/snmp';
import {
  GaleraNode,
  connect,
  createCluster,
  errorLogTail,
  readGrastate,
  recoveryCommand,
  rowCount,
  serverArgs,
  sql,
  startCluster,
  stopServer,
  stopServerByPid,
  waitSynced,
  wsrepStatus,
} from '../helpers/galera';
import { createSources } from '../../src/sources/index';
import { defaultConfig } from '../../src/config';
import { silentLogger } from '../../src/log';

const pexec = promisify(execFile);
const SERVER = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';
/** galeraSourceTable's index of the recovery source (its place in src/sources/index.ts). */
const RECOVERY_ROW =
  createSources(defaultConfig(), silentLogger())
    .list.map((s) => s.name)
    .indexOf('recovery') + 1;

/**
 * A server XID (sql/handler.h): "MySQLXid", the server id, the transaction's number as a
 * little-endian uint64; format 1, no branch qualifier. The server id is a C ulong: 8 bytes here.
 */
export function serverXid(n: bigint): string {
  const id = Buffer.alloc(8);
  id.writeBigUInt64LE(n);
  return Buffer.concat([Buffer.from('MySQLXid'), Buffer.alloc(SERVER_ID_BYTES), id]).toString('hex');
}
const SERVER_ID_BYTES = 8; // measured: a 20-byte form is taken for an application's XID

/** b's recovery: log_bin on, and its binary log gone (an empty directory). */
const binlogGone = (node: GaleraNode): string[] => [
  ...recoveryCommand(node),
  `--log-bin=${path.join(node.dir, 'binlog', 'bin')}`,
];

interface Member {
  node: GaleraNode;
  /** root over the node's socket: what galera-init reads the started server's state with. */
  optionFile: string;
  master: Snmpd;
  agent: AgentProc;
  target: string;
}

describe('hard recoveries on a real Galera node', function () {
  this.timeout(240000 * SLACK);
  let a: Member;
  let b: Member;
  let committed = '';
  let uuid = '';
  const get = (m: Member, name: string): Promise<string> => snmpgetOne(m.master.port, `GALERA-MIB::${name}.0`);

  before(async () => {
    const nodes = await createCluster(2, 'h');
    await startCluster(nodes);
    const members: Member[] = [];
    for (const node of nodes) {
      const master = await startSnmpd();
      if (node === nodes[1]) {
        fs.mkdirSync(path.join(node.dir, 'binlog'));
        execFileSync('chown', ['mysql:mysql', path.join(node.dir, 'binlog')]);
      }
      const optionFile = path.join(tempDir('gx-hr-'), 'my.cnf');
      fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
      const agent = startAgent({
        master: master.socket,
        datadir: node.datadir,
        optionFile,
        nodeName: node.name,
        recoveryCommand: node === nodes[1] ? binlogGone(node) : recoveryCommand(node),
      });
      members.push({ node, master, agent, optionFile, target: `127.0.0.1:${master.port}` });
    }
    [a, b] = members;
    for (const m of members)
      await waitFor(`${m.node.name}'s agent: running`, async () => (await get(m, 'galeraStatus')) === 'running', 30000);
    await sql(a.node, 'CREATE DATABASE gx');
    await sql(a.node, 'CREATE TABLE gx.t (id INT PRIMARY KEY)');
    await sql(a.node, 'INSERT INTO gx.t VALUES (1), (2), (3)');
    await waitFor('b has the rows', async () => (await rowCount(b.node, 'gx.t')) === 3, 30000);
  });

  after(async () => {
    for (const m of [a, b]) {
      if (!m) continue;
      await stopServerByPid(m.node, 'SIGKILL');
      await stopAgent(m.agent);
      await stopSnmpd(m.master);
    }
    await cleanupAll();
  });

  it('prepared transactions: the agent publishes seqno unknown, the count and the fix', async () => {
    // b crashes; a alone is non-Primary (1 of 2) until told to go on.
    await stopServer(b.node, 'SIGKILL');
    // pc.bootstrap only once a has seen b go: given before, a still counts b, and b's departure
    // then takes its component down again.
    await waitFor('a alone', async () => (await wsrepStatus(a.node)).wsrep_cluster_size === '1', 30000);
    await sql(a.node, "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
    await waitFor('a Primary', async () => (await wsrepStatus(a.node)).wsrep_cluster_status === 'Primary', 30000);
    await waitFor(
      "b's agent recovers its position",
      async () => (await get(b, 'galeraSeqnoSource')) === 'recovered',
      60000,
      200,
    );
    committed = await get(b, 'galeraSeqno');
    uuid = /uuid:\s*(\S+)/.exec(readGrastate(b.node))?.[1] ?? '';
    assert.match(uuid, /^[0-9a-f-]{36}$/);

    // The provider off, as XA needs; b's own option file otherwise.
    b.node.child = start(SERVER, [...serverArgs(b.node), '--wsrep-provider=none', '--wsrep-on=OFF'], {
      logFile: path.join(b.node.dir, 'stdout-xa.log'),
      cwd: b.node.dir,
    });
    await waitFor(
      'b up with wsrep off',
      async () => {
        if (b.node.child?.exitCode !== null) throw new Error(`b exited: ${errorLogTail(b.node)}`);
        return sql(b.node, 'SELECT 1').then(
          () => true,
          () => false,
        );
      },
      60000,
      200,
    );
    const xid = `X'${serverXid(9n)}','',1`;
    const c = await connect(b.node);
    try {
      await c.query(`XA START ${xid}`);
      await c.query('INSERT INTO gx.t VALUES (10)');
      await c.query(`XA END ${xid}`);
      await c.query(`XA PREPARE ${xid}`);
    } finally {
      c.destroy();
    }
    await stopServer(b.node, 'SIGKILL');

    await waitFor(
      "b's agent: the recovery stopped at the prepared transaction",
      async () => (await get(b, 'galeraRecoveryOutcome')) === 'prepared',
      60000,
      200,
    );
    assert.equal(await get(b, 'galeraSeqno'), '-1');
    assert.equal(await get(b, 'galeraSeqnoSource'), 'unknown');
    assert.equal(await get(b, 'galeraRecoveryPrepared'), '1');
    assert.ok(Number(await get(b, 'galeraRecoveryDuration')) > 0);
    const why = await snmpgetOne(b.master.port, `GALERA-MIB::galeraSourceError.${RECOVERY_ROW}`);
    assert.match(
      why,
      /the crash left 1 prepared transaction: no position until resolved\. Fix: recovery\.heuristicRollback \(galera-init rolls it back with --tc-heuristic-recover=rollback before a join\), or galera-init --force/,
    );
    process.stdout.write(`      ${why}\n`);
  });

  it('a slow recovery (the command wrapped to sleep first) is named a timeout, with the time it ran and the key', async () => {
    const dir = tempDir('gx-slow-');
    const cfg = path.join(dir, 'config.yaml');
    const slow = ['/bin/sh', '-c', 'sleep 59.731; exec "$@"', 'sh', ...recoveryCommand(b.node)];
    const conf = agentConfig({ master: b.master.socket, datadir: b.node.datadir, recoveryCommand: slow }, dir);
    fs.writeFileSync(cfg, YAML.stringify({ ...conf, recovery: { command: slow, timeoutMs: 2000 } }), { mode: 0o600 });
    const t0 = Date.now();
    const r = await pexec(process.execPath, [
      path.join(ROOT, 'dist', 'src', 'cli', 'check.js'),
      '--config',
      cfg,
      '--json',
      'seqno',
    ]);
    const took = Date.now() - t0;
    const j = JSON.parse(r.stdout) as {
      seqno: string;
      recovery: { outcome: string; ms: number };
      sources: { name: string; error: string }[];
    };
    assert.equal(j.seqno, '-1');
    assert.equal(j.recovery.outcome, 'timedOut');
    assert.ok(j.recovery.ms >= 2000 && j.recovery.ms < 30000, `ran ${j.recovery.ms} ms`);
    assert.match(
      j.sources.find((s) => s.name === 'recovery')?.error ?? '',
      /^timed out: ran 2 s, killed at recovery\.timeoutMs \(2000 ms\); a large InnoDB may need longer: raise recovery\.timeoutMs$/,
    );
    assert.ok(took < 30000, `galera-check took ${took} ms: the sleep was not killed`);
    // The whole process group went with it: no sleep and no mariadbd left on b's datadir.
    const left = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes(b.node.datadir) || cmd.includes('sleep\u000059.731');
        } catch {
          return false;
        }
      });
    const what = left.map((p) => {
      try {
        return `${p}: ${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
      } catch {
        return `${p}: gone`;
      }
    });
    assert.deepEqual(left, [], `the wrapper and its children are gone: ${what.join('; ')}`);
  });

  /** galera-init on b with the two members; resolves with its exit code and its log. */
  async function initOnB(o: { heuristicRollback: boolean; once: boolean }): Promise<{ code: number; log: string }> {
    const dir = tempDir('gx-hinit-');
    const cfg = path.join(dir, 'config.yaml');
    const server = [SERVER, ...serverArgs(b.node), '--wsrep-start-position={position}'];
    fs.writeFileSync(
      cfg,
      YAML.stringify({
        ...agentConfig(
          {
            master: b.master.socket,
            datadir: b.node.datadir,
            optionFile: b.optionFile,
            lockFile: path.join(b.agent.dir, 'galera-init.lock'),
            recoveryCommand: recoveryCommand(b.node),
          },
          dir,
        ),
        nodeName: b.node.name,
        recovery: { command: binlogGone(b.node), timeoutMs: 120000, heuristicRollback: o.heuristicRollback },
        init: {
          members: [a.target, b.target],
          self: b.target,
          pollIntervalMs: 300,
          snmpTimeoutMs: 1000,
          joinCommand: server,
          bootstrapCommand: server,
          startTimeoutSeconds: 120,
        },
      }),
      { mode: 0o600 },
    );
    const args = [path.join(ROOT, 'dist', 'src', 'cli', 'init.js'), '--config', cfg, ...(o.once ? ['--once'] : [])];
    return pexec(process.execPath, args, { timeout: 240000 * SLACK }).then(
      (r) => ({ code: 0, log: r.stderr + r.stdout }),
      (e: { code: number; stderr: string; stdout: string }) => ({ code: e.code, log: e.stderr + e.stdout }),
    );
  }

  it('galera-init without recovery.heuristicRollback: waits, names the transaction and the fix, runs nothing', async () => {
    const r = await initOnB({ heuristicRollback: false, once: true });
    assert.equal(r.code, 75, r.log);
    assert.match(
      r.log,
      /Primary \(seqno \d+\), but the crash left 1 prepared transaction on this node: neither its recovery nor its server starts until they are resolved/,
    );
    assert.match(r.log, /set recovery\.heuristicRollback: true/);
    assert.doesNotMatch(r.log, /HEURISTIC ROLLBACK/);
    assert.doesNotMatch(r.log, /starting the server/);
  });

  it('galera-init with recovery.heuristicRollback: rolls back, says so, and joins at the position then known', async () => {
    await sql(a.node, 'INSERT INTO gx.t VALUES (4)');
    const r = await initOnB({ heuristicRollback: true, once: false });
    assert.equal(r.code, 0, r.log);
    assert.match(
      r.log,
      /HEURISTIC ROLLBACK \(recovery\.heuristicRollback\): rolling back the 1 prepared transaction the crash left/,
    );
    assert.equal((r.log.match(/HEURISTIC ROLLBACK/g) ?? []).length, 1, 'one line, one run');
    assert.match(r.log, /rolled back 1 prepared transaction/);
    // The decision that joined saw this node's position, found by the recovery after the rollback.
    assert.match(r.log, new RegExp(`"seqno":"${committed}","source":"recovered"`));
    assert.match(r.log, /joined the cluster/);
    await waitSynced(b.node, 60000);
    // The prepared row is gone; the row written while b was down came by the state transfer.
    const ids = (await sql<{ id: number }[]>(b.node, 'SELECT id FROM gx.t ORDER BY id', { causal: true })).map(
      (x) => x.id,
    );
    assert.deepEqual(ids, [1, 2, 3, 4]);
    process.stdout.write(`      b recovered at ${uuid}:${committed} after the rollback and joined\n`);
  });
});
