// galera-agentx and galera-check on a real MariaDB + Galera node (one-node cluster, --user=mysql):
// bootstrapping -> running, the live seqno over a real password-protected connection, and after a
// kill -9 the seqno recovered by a real --wsrep-recover run.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { AgentProc, agentConfig, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, ROOT, SLACK, sleep, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpget, snmpgetOne, startSnmpd } from '../helpers/snmp';
import {
  GaleraNode,
  connect,
  createAgentUser,
  createNode,
  recoveryCommand,
  serverArgs,
  sql,
  startServer,
  stopServer,
  waitSynced,
  wsrepStatus,
} from '../helpers/galera';

const pexec = promisify(execFile);
const PASSWORD = 'S3cret-ÿ-pw-6e1f';

describe('a real MariaDB Galera node', function () {
  this.timeout(120000 * SLACK);
  let master: Snmpd;
  let node: GaleraNode;
  let agent: AgentProc;
  let optionFile: string;
  const get = (name: string): Promise<string> => snmpgetOne(master.port, `GALERA-MIB::${name}.0`);

  before(async () => {
    master = await startSnmpd();
    node = await createNode('n1');
    optionFile = path.join(tempDir('gx-cred-'), 'my.cnf');
    agent = startAgent({
      master: master.socket,
      datadir: node.datadir,
      optionFile,
      recoveryCommand: recoveryCommand(node),
      nodeName: 'n1',
    });
    await waitFor('registration', async () => (await get('galeraStatus')) === 'stopped', 15000, 100);
  });

  after(async () => {
    if (node) await stopServer(node, 'SIGKILL');
    if (agent) await stopAgent(agent);
    await cleanupAll();
  });

  it('shows bootstrapping while a --wsrep-new-cluster server is not ready, then running', async () => {
    const child = startServer(node, { bootstrap: true });
    // Frozen before it can open its socket: a bootstrap server that accepts no connection.
    process.kill(child.pid!, 'SIGSTOP');
    try {
      await waitFor('bootstrapping', async () => (await get('galeraStatus')) === 'bootstrapping', 10000, 100);
      assert.match(await get('galeraStatusReason'), /bootstrap a new cluster/);
    } finally {
      process.kill(child.pid!, 'SIGCONT');
    }
    await waitSynced(node);
    // Credentials arrive after the server: the agent reads the option file at each connect.
    await createAgentUser(node, 'agentx', PASSWORD, optionFile);
    await waitFor('running', async () => (await get('galeraStatus')) === 'running', 15000, 100);
    assert.equal(await get('galeraServerPid'), String(child.pid));
  });

  it('publishes the live wsrep_last_committed, following writes', async () => {
    await sql(node, 'CREATE DATABASE IF NOT EXISTS gx');
    await sql(node, 'CREATE TABLE IF NOT EXISTS gx.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    for (let i = 0; i < 5; i++) await sql(node, 'INSERT INTO gx.t (v) VALUES (1)');
    const live = (await wsrepStatus(node)).wsrep_last_committed;
    await waitFor('the live seqno', async () => (await get('galeraSeqno')) === live, 10000, 100);
    assert.equal(await get('galeraSeqnoSource'), 'live');
    assert.equal(await get('galeraStateUuid'), (await wsrepStatus(node)).wsrep_local_state_uuid);
  });

  it('with a wrong password keeps serving the last values, says why, and recovers when fixed', async () => {
    const good = fs.readFileSync(optionFile, 'utf8');
    fs.writeFileSync(optionFile, good.replace(PASSWORD, 'wrong-password'), { mode: 0o600 });
    // The agent keeps its connection; the option file is read again when it reconnects.
    const sessions = await sql<{ ID: number }[]>(
      node,
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'agentx'",
    );
    for (const { ID } of sessions) await sql(node, `KILL ${ID}`);
    try {
      await waitFor('unreachable', async () => (await get('galeraWsrepReachable')) === 'false', 10000, 100);
      assert.match(
        await snmpgetOne(master.port, 'GALERA-MIB::galeraSourceError.4'),
        /access denied: check user and password/,
      );
      assert.equal(await get('galeraStatus'), 'running', 'a server that refuses our login still accepts connections');
      assert.notEqual(await get('galeraSeqno'), '-1', 'the last live seqno is kept');
      assert.ok(!agent.log().includes('wrong-password'));
    } finally {
      fs.writeFileSync(optionFile, good, { mode: 0o600 });
    }
    await waitFor('reachable again', async () => (await get('galeraWsrepReachable')) === 'true', 15000, 100);
  });

  it('at max_connections: answers at once from the snapshot, says so once, and recovers when a slot frees', async () => {
    const seqno = await get('galeraSeqno');
    // MariaDB's floor for max_connections is 10: root sessions fill the slots until refused, and
    // the agent's user, KILLed, finds none when it reconnects.
    const root = await connect(node);
    const hogs: Awaited<ReturnType<typeof connect>>[] = [];
    try {
      await root.query('SET GLOBAL max_connections = 10');
      for (let i = 0; i < 12; i++) {
        try {
          hogs.push(await connect(node));
        } catch (err) {
          assert.match((err as Error).message, /Too many connections/);
          break;
        }
      }
      const [sessions] = await root.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'agentx'");
      for (const { ID } of sessions as { ID: number }[]) await root.query(`KILL ${ID}`);
      await waitFor('unreachable', async () => (await get('galeraWsrepReachable')) === 'false', 10000, 100);
      assert.match(await snmpgetOne(master.port, 'GALERA-MIB::galeraSourceError.4'), /too many connections/);
      // snmpget (1 s timeout, no retry) gets every answer: nothing waits on the refused server.
      const quick = await snmpget(
        master.port,
        ['GALERA-MIB::galeraStatus.0', 'GALERA-MIB::galeraSeqno.0', 'GALERA-MIB::galeraClusterSize.0'],
        ['-t', '1', '-r', '0'],
      );
      assert.deepEqual(quick, ['running', seqno, '1'], 'status, the last live seqno and the last size');
      await sleep(1500); // a few more refused polls
      assert.equal(
        agent
          .log()
          .split('\n')
          .filter((l) => l.includes('too many connections')).length,
        1,
        'one line, not one per poll',
      );
      // A slot frees: two hogs leave (one was root's extra SUPER slot), max_connections stays 10.
      for (let i = 0; i < 2; i++) await hogs.pop()!.end();
      await waitFor(
        'reachable with a slot free',
        async () => (await get('galeraWsrepReachable')) === 'true',
        15000,
        100,
      );
      const [[limit]] = (await root.query('SELECT @@GLOBAL.max_connections AS m')) as unknown as [{ m: number }[]];
      assert.equal(Number(limit.m), 10, 'recovered at the same limit, not by raising it');
    } finally {
      await root.query('SET GLOBAL max_connections = 151');
      for (const h of hogs) await h.end();
      await root.end();
    }
    await waitFor('reachable again', async () => (await get('galeraWsrepReachable')) === 'true', 15000, 100);
  });

  it('galera-check prints the same status and seqno, one word each', async () => {
    const dir = tempDir('gx-check-');
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      cfg,
      YAML.stringify(
        agentConfig(
          { master: master.socket, datadir: node.datadir, optionFile, recoveryCommand: recoveryCommand(node) },
          dir,
        ),
      ),
      { mode: 0o600 },
    );
    const bin = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
    const status = (await pexec(process.execPath, [bin, '--config', cfg, 'status'])).stdout;
    const seqno = (await pexec(process.execPath, [bin, '--config', cfg, 'seqno'])).stdout;
    assert.equal(status, 'running\n');
    assert.equal(seqno, `${(await wsrepStatus(node)).wsrep_last_committed}\n`);
    const json = JSON.parse((await pexec(process.execPath, [bin, '--config', cfg, '--json'])).stdout) as {
      seqnoSource: string;
    };
    assert.equal(json.seqnoSource, 'live');
  });

  it('never shows the MySQL password in its log, its command line or the MIB', async () => {
    assert.ok(!agent.log().includes(PASSWORD), 'not in the log');
    assert.ok(!fs.readFileSync(`/proc/${agent.child.pid}/cmdline`, 'utf8').includes(PASSWORD), 'not in argv');
    const walk = (
      await snmpget(master.port, ['GALERA-MIB::galeraStatusReason.0', 'GALERA-MIB::galeraSourceError.4'])
    ).join('\n');
    assert.ok(!walk.includes(PASSWORD), 'not in SNMP');
  });

  it('after kill -9, recovers the seqno with --wsrep-recover (under the lock) and serves it', async () => {
    const before = (await wsrepStatus(node)).wsrep_last_committed;
    await stopServer(node, 'SIGKILL');
    await waitFor('the recovered seqno', async () => (await get('galeraSeqnoSource')) === 'recovered', 30000, 100);
    assert.equal(await get('galeraSeqno'), before);
    // The recovery process leaves the process table at the next scan.
    await waitFor('stopped', async () => (await get('galeraStatus')) === 'stopped', 5000, 50);
    // The recovery held the lock: the status went through locked.
    assert.match(
      agent.log(),
      /"status":"locked","seqno":"-1","source":"unknown","reason":"lock held by pid \d+ \(wsrep-recover\)"/,
    );
    assert.match(agent.log(), /recovered the seqno/);
    // galera-check reuses the agent's result (no second InnoDB run) and prints the same seqno.
    const dir = tempDir('gx-check2-');
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      cfg,
      YAML.stringify(
        agentConfig(
          {
            master: master.socket,
            datadir: node.datadir,
            optionFile,
            lockFile: path.join(agent.dir, 'galera-init.lock'),
            recoveryCommand: ['false'],
          },
          dir,
        ),
      ),
      { mode: 0o600 },
    );
    const out = (
      await pexec(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'check.js'), '--config', cfg, 'seqno'])
    ).stdout;
    assert.equal(out, `${before}\n`);
  });

  it("reads a clean shutdown's seqno from grastate.dat", async () => {
    // Restarted after the kill -9: the MySQL source comes back by itself, live again.
    startServer(node, { bootstrap: true });
    await waitSynced(node);
    await waitFor(
      'live after the restart',
      async () => (await get('galeraSeqnoSource')) === 'live' && (await get('galeraWsrepReachable')) === 'true',
      15000,
      100,
    );
    await sql(node, 'INSERT INTO gx.t (v) VALUES (2)');
    const last = (await wsrepStatus(node)).wsrep_last_committed;
    await stopServer(node, 'SIGTERM');
    await waitFor('grastate seqno', async () => (await get('galeraSeqnoSource')) === 'grastate', 30000, 100);
    assert.equal(await get('galeraSeqno'), last);
  });

  it('two galera-init started at the same instant on this node: one server, both exit 0', async () => {
    await stopServer(node, 'SIGTERM');
    await waitFor('stopped', async () => (await get('galeraStatus')) === 'stopped', 10000, 100);
    const dir = tempDir('gx-twin-');
    const cfg = path.join(dir, 'config.yaml');
    const self = `127.0.0.1:${master.port}`;
    const server = [
      '/usr/sbin/mariadbd',
      ...serverArgs(node, { bootstrap: true }),
      '--wsrep-start-position={position}',
    ];
    fs.writeFileSync(
      cfg,
      YAML.stringify({
        ...agentConfig(
          {
            master: master.socket,
            datadir: node.datadir,
            optionFile,
            lockFile: path.join(agent.dir, 'galera-init.lock'),
            recoveryCommand: recoveryCommand(node),
          },
          dir,
        ),
        init: {
          members: [self],
          self,
          pollIntervalMs: 200,
          snmpTimeoutMs: 500,
          bootstrapCommand: server,
          joinCommand: server,
          startTimeoutSeconds: 60,
        },
      }),
      { mode: 0o600 },
    );
    const bin = path.join(ROOT, 'dist', 'src', 'cli', 'init.js');
    const twins = await Promise.all(
      [0, 1].map(() =>
        pexec(process.execPath, [bin, '--config', cfg]).then(
          (r) => ({ code: 0, log: r.stderr }),
          (e: { code: number; stderr: string }) => ({ code: e.code, log: e.stderr }),
        ),
      ),
    );
    assert.deepEqual(
      twins.map((t) => t.code),
      [0, 0],
    );
    // Exactly one tried to start a server; the other found the lock taken, then the server up.
    assert.equal(
      twins.filter((t) => /starting the server/.test(t.log)).length,
      1,
      twins.map((t) => t.log).join('\n---\n'),
    );
    const servers = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const c = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return c.startsWith('/usr/sbin/mariadbd') && c.includes(node.datadir);
        } catch {
          return false;
        }
      });
    assert.equal(servers.length, 1, `one server for the datadir, got ${servers.length}`);
    await waitSynced(node);
    process.kill(Number(servers[0]), 'SIGKILL');
  });
});
