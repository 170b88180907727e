// galeraStatusChanged as a real snmptrapd receives it (snmpd forwards the agent's AgentX Notify),
// and what happens to a notification while the AgentX session is down: it is not queued.
// No MariaDB: the lock file alone moves the status (stopped <-> locked).

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AgentProc, NO_LOCAL_PROCESSES, startAgent, stopAgent } from '../helpers/agent';
import {
  alive,
  cleanupAll,
  freeUdpPort,
  present,
  ROOT,
  SLACK,
  start,
  stopChild,
  tempDir,
  waitFor,
} from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../helpers/snmp';
import { Trap, Trapd, startTrapd, stopTrapd } from '../helpers/traps';
import { loadMib } from '../../src/snmp/mib';

const mib = loadMib();
const pexec = promisify(execFile);
const oid = (name: string): string => `${mib.object(name).oid.join('.')}.0`;
const STATUS = { locked: '4', stopped: '5' };

describe('notifications through a real snmpd to a real snmptrapd', function () {
  this.timeout(60000 * SLACK);
  let trapd: Trapd;
  let master: Snmpd;
  let agent: AgentProc;
  let lock: string;
  const statusTraps = (): Trap[] =>
    trapd.traps().filter((t) => t.trapOid === mib.notifications.get('galeraStatusChanged')!.oid.join('.'));

  before(async () => {
    trapd = await startTrapd();
    master = await startSnmpd({ trapPort: trapd.port });
    const dir = tempDir('gx-traps-');
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    lock = path.join(dir, 'galera-init.lock');
    agent = startAgent({ master: master.socket, datadir, lockFile: lock, nodeName: 'trapnode' });
    await waitFor(
      'registration',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'stopped',
      15000,
      100,
    );
  });
  after(async () => {
    await stopAgent(agent);
    await stopTrapd(trapd);
    await cleanupAll();
  });

  it('galeraStatusChanged: the new status, the previous one and the node name, both ways', async () => {
    const owner = start('sleep', ['600']);
    try {
      fs.writeFileSync(lock, `${owner.pid}\npurpose=galera-init\n`);
      await waitFor('the locked trap', () => statusTraps().length >= 1, 10000, 100);
      fs.rmSync(lock);
      await waitFor('the stopped trap', () => statusTraps().length >= 2, 10000, 100);
    } finally {
      await stopChild(owner);
    }
    const [to, back] = statusTraps();
    assert.deepEqual(
      [to.varbinds.get(oid('galeraStatus')), to.varbinds.get(oid('galeraPrevStatus'))],
      [STATUS.locked, STATUS.stopped],
      to.line,
    );
    assert.deepEqual(
      [back.varbinds.get(oid('galeraStatus')), back.varbinds.get(oid('galeraPrevStatus'))],
      [STATUS.stopped, STATUS.locked],
      back.line,
    );
    assert.equal(to.varbinds.get(oid('galeraNodeName')), 'trapnode');
  });

  it('a change while the session is down is not queued: the next change after re-registration is sent', async () => {
    const before = statusTraps().length;
    const owner = start('sleep', ['600']);
    try {
      await stopSnmpd(master, 'SIGKILL');
      await waitFor('the agent to lose the master', () => /lost the AgentX master/.test(agent.log()), 10000, 50);
      const sent = (agent.log().match(/"notification":"galeraStatusChanged"/g) ?? []).length;
      fs.writeFileSync(lock, `${owner.pid}\npurpose=galera-init\n`);
      await waitFor(
        'the agent to try to send it',
        () => (agent.log().match(/"notification":"galeraStatusChanged"/g) ?? []).length > sent,
        10000,
        50,
      );
      master = await startSnmpd({ dir: master.dir, port: master.port, trapPort: trapd.port });
      await waitFor(
        'registered again, locked',
        async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'locked',
        15000,
        100,
      );
      // Not replayed: the next trap to arrive is the next change (locked -> stopped), not the one
      // made during the outage (stopped -> locked).
      fs.rmSync(lock);
      await waitFor('the next change, sent', () => statusTraps().length >= before + 1, 10000, 100);
      assert.equal(statusTraps().length, before + 1, 'the change made during the outage is not replayed');
      const t = statusTraps()[before];
      assert.deepEqual(
        [t.varbinds.get(oid('galeraStatus')), t.varbinds.get(oid('galeraPrevStatus'))],
        [STATUS.stopped, STATUS.locked],
        t.line,
      );
    } finally {
      await stopChild(owner);
    }
  });
});

// galera-init's round as the NMS sees it: a real galera-init waits for a member whose agent is away;
// its agent, which only reads galera-init's state file, sends galeraInitWaiting with the reason and
// the advice once the wait has lasted init.notifyWaitingAfterSeconds, and galeraInitActed when the
// member is back and galera-init bootstraps (the server: a stand-in named mariadbd that speaks
// MySQL with a Synced node's status). Then maintenance mode, turned on and off with galera-check.
describe("galera-init's wait and act, and maintenance, through a real snmpd to a real snmptrapd", function () {
  this.timeout(120000 * SLACK);
  const INIT = path.join(ROOT, 'dist', 'src', 'cli', 'init.js');
  const CHECK = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
  const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
  const WAIT_S = 2;
  const grastate = (seqno: number): string =>
    `# GALERA saved state\nversion: 2.1\nuuid: ${U}\nseqno: ${seqno}\nsafe_to_bootstrap: 0\n`;
  const named = (name: string) => (t: Trap) => t.trapOid === mib.notifications.get(name)!.oid.join('.');
  let trapd: Trapd;
  let masterA: Snmpd;
  let masterB: Snmpd | null = null;
  let agentA: AgentProc;
  let agentB: AgentProc | null = null;
  let dir: string;
  let portB: number;
  let pidsFile: string;

  before(async () => {
    trapd = await startTrapd();
    masterA = await startSnmpd({ trapPort: trapd.port });
    portB = await freeUdpPort();
    dir = tempDir('gx-inittraps-');
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(path.join(datadir, 'grastate.dat'), grastate(10));
    pidsFile = path.join(dir, 'started');
    // comm = mariadbd (the script's name) and its argv names the datadir: the agent takes it for the server.
    const bin = path.join(tempDir('gx-bin-'), 'mariadbd');
    fs.writeFileSync(
      bin,
      `#!${process.execPath}
require('fs').appendFileSync(${JSON.stringify(pidsFile)}, process.pid + '\\n');
require(${JSON.stringify(path.join(ROOT, 'dist', 'test', 'helpers', 'fakemysql.js'))}).startFakeMysql(${JSON.stringify(dir)}, 'synced');
setInterval(() => {}, 1000);
`,
      { mode: 0o755 },
    );
    const optionFile = path.join(dir, 'my.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=agentx\nsocket=${path.join(dir, 'fake-mysqld.sock')}\n`, {
      mode: 0o600,
    });
    const server = [bin, `--datadir=${datadir}`, '--wsrep-start-position={position}'];
    agentA = startAgent({
      master: masterA.socket,
      datadir,
      nodeName: 'a-node',
      optionFile,
      extra: {
        mysql: { optionFile, refreshIntervalMs: 300 },
        init: {
          members: [`127.0.0.1:${masterA.port}`, `127.0.0.1:${portB}`],
          self: `127.0.0.1:${masterA.port}`,
          snmpTimeoutMs: 300,
          snmpRetries: 0,
          pollIntervalMs: 300,
          startTimeoutSeconds: 30,
          bootstrapCommand: server,
          joinCommand: server,
          notifyWaitingAfterSeconds: WAIT_S,
        },
      },
    });
    await waitFor(
      'registration',
      async () => (await snmpgetOne(masterA.port, 'GALERA-MIB::galeraInitDecision.0')) === 'none',
      15000,
      100,
    );
  });
  after(async () => {
    const pids = fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number) : [];
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (agentB) await stopAgent(agentB);
    if (masterB) await stopSnmpd(masterB);
    await stopAgent(agentA);
    await stopSnmpd(masterA);
    await stopTrapd(trapd);
    await cleanupAll();
  });

  it(`galeraInitWaiting within notifyWaitingAfterSeconds + 5 s, with the reason and the advice; galeraInitActed when it bootstraps`, async () => {
    const logFile = path.join(dir, 'init.log');
    const init = start(process.execPath, [INIT, '--config', agentA.configFile], { logFile });
    const exited = new Promise<number | null>((r) =>
      init.exitCode !== null ? r(init.exitCode) : init.once('exit', (code) => r(code)),
    );
    const stateFile = path.join(agentA.dir, 'galera-init.lock.state');
    const waiting = present(
      await waitFor(
        'galeraInitWaiting',
        () => {
          const t = trapd.traps().find(named('galeraInitWaiting'));
          return t ? { t, seenAt: Date.now() } : undefined;
        },
        (WAIT_S + 15) * 1000,
        50,
      ),
      'galeraInitWaiting',
    );
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { since: number; decision: string };
    assert.equal(state.decision, 'wait');
    const late = waiting.seenAt - state.since;
    console.log(
      `      galeraInitWaiting arrived ${late} ms after the wait began (notifyWaitingAfterSeconds: ${WAIT_S})`,
    );
    assert.ok(late >= WAIT_S * 1000, `sent ${late} ms after the wait began: not before ${WAIT_S} s`);
    assert.ok(late <= (WAIT_S + 5) * 1000, `sent ${late} ms after the wait began: within ${WAIT_S} + 5 s`);
    const vb = (t: Trap, name: string): string => t.varbinds.get(oid(name)) ?? '';
    assert.match(
      vb(waiting.t, 'galeraInitReason'),
      new RegExp(`^no bootstrap on incomplete information: waiting for 127\\.0\\.0\\.1:${portB} \\(`),
      waiting.t.line,
    );
    assert.match(
      vb(waiting.t, 'galeraInitAdvice'),
      new RegExp(`^start the agent \\(or the host\\) of 127\\.0\\.0\\.1:${portB}`),
    );
    assert.equal(vb(waiting.t, 'galeraInitWaitingFor'), `127.0.0.1:${portB}`);
    assert.equal(vb(waiting.t, 'galeraNodeName'), 'a-node');
    assert.equal(await snmpgetOne(masterA.port, 'GALERA-MIB::galeraInitDecision.0'), 'wait');
    const { stdout } = await pexec(process.execPath, [CHECK, '--config', agentA.configFile, '--verbose', 'status']);
    assert.match(
      stdout,
      /^initiating\nmaintenance: off\ngalera-init: wait since .*, round \d+, running \(pid \d+\)\n {2}reason: +no bootstrap/,
    );
    assert.equal(trapd.traps().filter(named('galeraInitActed')).length, 0, 'no act while it waits');

    // The member comes back, behind this node: galera-init bootstraps.
    const datadirB = path.join(dir, 'data-b');
    fs.mkdirSync(datadirB);
    fs.writeFileSync(path.join(datadirB, 'grastate.dat'), grastate(5));
    masterB = await startSnmpd({ port: portB });
    agentB = startAgent({ master: masterB.socket, datadir: datadirB, nodeName: 'b-node', extra: NO_LOCAL_PROCESSES });
    const acted = (await waitFor(
      'galeraInitActed',
      () => trapd.traps().find(named('galeraInitActed')) ?? null,
      30000,
      50,
    )) as Trap;
    assert.equal(
      vb(acted, 'galeraInitDecision'),
      String(mib.object('galeraInitDecision').enumValues!.bootstrap),
      acted.line,
    );
    assert.match(vb(acted, 'galeraInitReason'), /bootstrapping: this node is the most advanced: seqno 10/);
    assert.equal(await exited, 0, fs.readFileSync(logFile, 'utf8'));
    assert.match(fs.readFileSync(logFile, 'utf8'), /bootstrapped a new cluster from this node/);
    assert.equal(trapd.traps().filter(named('galeraInitActed')).length, 1, 'one act, told once');
  });

  it('maintenance on: the MIB, the trap and the health rule say so, and galera-init leaves the node alone; off again', async () => {
    const changed = (): Trap[] => trapd.traps().filter(named('galeraMaintenanceChanged'));
    await pexec(process.execPath, [CHECK, '--config', agentA.configFile, 'maintenance', 'on', '--reason', 'disk swap']);
    const on = present(await waitFor('galeraMaintenanceChanged (on)', () => changed()[0], 10000, 50), 'on');
    assert.equal(on.varbinds.get(oid('galeraMaintenance')), '1', on.line);
    assert.equal(on.varbinds.get(oid('galeraMaintenanceReason')), 'disk swap');
    assert.equal(await snmpgetOne(masterA.port, 'GALERA-MIB::galeraMaintenance.0'), 'true');
    const healthy = (await pexec(process.execPath, [CHECK, '--config', agentA.configFile, 'healthy']).catch(
      (e: { code: number; stdout: string }) => e,
    )) as { code: number; stdout: string };
    assert.deepEqual([healthy.code, healthy.stdout], [1, 'Galera node is in maintenance (disk swap).\n']);
    const r = await pexec(process.execPath, [INIT, '--config', agentA.configFile]);
    assert.match(r.stderr, /maintenance mode: galera-init leaves this node alone/);
    await waitFor(
      'galeraInitDecision maintenance',
      async () => (await snmpgetOne(masterA.port, 'GALERA-MIB::galeraInitDecision.0')) === 'maintenance',
      10000,
      100,
    );
    await pexec(process.execPath, [CHECK, '--config', agentA.configFile, 'maintenance', 'off']);
    const off = present(await waitFor('galeraMaintenanceChanged (off)', () => changed()[1], 10000, 50), 'off');
    assert.equal(off.varbinds.get(oid('galeraMaintenance')), '2', off.line);
  });
});

// A datadir filling up, on a filesystem of its own (a 32 MiB tmpfs, so nothing else moves it): the
// real agent's statfs as the MIB serves it, its alarm as snmptrapd receives it, and the clear when
// the space is freed.
describe('a datadir filling up: galeraDiskLowAlarm and galeraDiskRecovered through a real snmpd to a real snmptrapd', function () {
  this.timeout(60000 * SLACK);
  let trapd: Trapd | undefined;
  let master: Snmpd | undefined;
  let agent: AgentProc | undefined;
  let mnt = '';
  let datadir = '';
  const MiB = 1 << 20;
  const diskTraps = (name: string): Trap[] =>
    trapd!.traps().filter((t) => t.trapOid === mib.notifications.get(name)!.oid.join('.'));
  const get = async (name: string): Promise<string> => snmpgetOne(master!.port, `GALERA-MIB::${name}.0`);
  const freeNow = (): { mib: number; percent: number } => {
    const st = fs.statfsSync(datadir);
    // As df: the free share of used + available.
    const user = st.blocks - st.bfree + st.bavail;
    return { mib: Math.floor((st.bavail * st.bsize) / MiB), percent: Math.floor((st.bavail * 100) / user) };
  };

  before(async function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: a tmpfs for the datadir needs root (mount)');
      this.skip();
    }
    mnt = tempDir('gx-diskfs-');
    await pexec('mount', ['-t', 'tmpfs', '-o', 'size=32m,mode=0755', 'tmpfs', mnt]);
    datadir = path.join(mnt, 'data');
    fs.mkdirSync(datadir);
    trapd = await startTrapd();
    master = await startSnmpd({ trapPort: trapd.port });
    agent = startAgent({
      master: master.socket,
      datadir,
      lockFile: path.join(mnt, 'galera-init.lock'),
      nodeName: 'disknode',
      extra: { disk: { lowFreePercent: 50 } },
    });
    await waitFor('registration', async () => (await get('galeraDiskSpaceLow')) === 'false', 15000, 100);
  });
  after(async () => {
    if (agent) await stopAgent(agent);
    if (trapd) await stopTrapd(trapd);
    if (mnt) await pexec('umount', [mnt]).catch(() => undefined);
    await cleanupAll();
  });

  it('serves what df shows; raises the alarm below disk.lowFreePercent and clears it once freed', async () => {
    const before = freeNow();
    assert.deepEqual(
      [Number(await get('galeraDiskFree')), Number(await get('galeraDiskFreePercent'))],
      [before.mib, before.percent],
    );
    // 20 MiB written for real (a sparse file takes no room): 12 of 32 MiB left, 37 %.
    const filler = path.join(datadir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (let i = 0; i < 20; i++) fs.writeSync(fd, Buffer.alloc(MiB, 1));
    fs.closeSync(fd);
    const full = freeNow();
    assert.ok(full.percent < 50, `${full.percent} % free after the filler`);
    await waitFor('galeraDiskLowAlarm', () => diskTraps('galeraDiskLowAlarm').length >= 1, 10000, 100);
    const raised = diskTraps('galeraDiskLowAlarm')[0];
    assert.deepEqual(
      [
        raised.varbinds.get(oid('galeraNodeName')),
        Number(raised.varbinds.get(oid('galeraDiskFree'))),
        Number(raised.varbinds.get(oid('galeraDiskFreePercent'))),
      ],
      ['disknode', full.mib, full.percent],
      raised.line,
    );
    assert.equal(await get('galeraDiskSpaceLow'), 'true');
    assert.equal(diskTraps('galeraDiskRecovered').length, 0);
    // The same fact for a person on the node.
    const check = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
    const { stdout } = await pexec(process.execPath, [check, '--config', agent!.configFile, '--verbose', 'status']);
    assert.match(
      stdout,
      /\ndisk: \d+ % free \(\d+ MiB\) on the datadir's filesystem: below disk\.lowFreePercent \(50 %\)\n/,
      stdout,
    );

    fs.rmSync(filler);
    await waitFor('galeraDiskRecovered', () => diskTraps('galeraDiskRecovered').length >= 1, 10000, 100);
    const cleared = diskTraps('galeraDiskRecovered')[0];
    assert.ok(Number(cleared.varbinds.get(oid('galeraDiskFreePercent'))) >= 50, cleared.line);
    assert.equal(await get('galeraDiskSpaceLow'), 'false');
    assert.equal(diskTraps('galeraDiskLowAlarm').length, 1, 'one alarm for one crossing');
  });
});
