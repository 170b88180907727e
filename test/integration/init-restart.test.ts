// galera-init after the start: a server that comes up and then leaves the cluster (what Galera does
// after "Receiving IST failed, node restart required", seen here on MariaDB 10.11 + Galera 4 in the
// e2e stories) is stopped and the decision made again, a bounded number of times.
// The server is a stand-in process named mariadbd that speaks the MySQL protocol (mysql2's server
// side) with the status of a real node: Disconnected on its first start(s), Synced after.

import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { agentConfig } from '../helpers/agent';
import { alive, cleanupAll, ROOT, SLACK, tempDir, waitFor } from '../helpers/proc';
import { readLockState } from '../../src/sources/lock';

const pexec = promisify(execFile);

interface Run {
  code: number;
  log: string;
  pids: number[];
}

interface RunOptions {
  command?: (server: string[]) => string[];
  startTimeoutSeconds?: number;
  leftClusterSeconds?: number;
}

/** A node whose start command runs a stand-in server in the given modes, one per start. */
function prepare(
  modes: string[],
  restartAttempts: number,
  o: RunOptions = {},
): { cfg: string; pidsFile: string; lockFile: string } {
  const dir = tempDir('gx-restart-');
  const datadir = path.join(dir, 'data');
  fs.mkdirSync(datadir);
  fs.writeFileSync(
    path.join(datadir, 'grastate.dat'),
    '# GALERA saved state\nversion: 2.1\nuuid: 84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno: 10\nsafe_to_bootstrap: 1\n',
  );
  const pidsFile = path.join(dir, 'started');
  const bin = path.join(tempDir('gx-bin-'), 'mariadbd');
  // comm = mariadbd (the script's name), argv names the datadir: the agent's code takes it for the server.
  fs.writeFileSync(
    bin,
    `#!${process.execPath}
const fs = require('fs');
const n = fs.existsSync(${JSON.stringify(pidsFile)}) ? fs.readFileSync(${JSON.stringify(pidsFile)}, 'utf8').trim().split('\\n').length : 0;
fs.appendFileSync(${JSON.stringify(pidsFile)}, process.pid + '\\n');
const modes = ${JSON.stringify(modes)};
const mode = modes[Math.min(n, modes.length - 1)];
// 'exit': a server that dies while starting (a bad option, a full disk), before it answers.
if (mode === 'exit') setTimeout(() => process.exit(1), 300);
else require(${JSON.stringify(path.join(ROOT, 'dist', 'test', 'helpers', 'fakemysql.js'))}).startFakeMysql(${JSON.stringify(dir)}, mode);
setInterval(() => {}, 1000);
`,
    { mode: 0o755 },
  );
  const optionFile = path.join(dir, 'my.cnf');
  fs.writeFileSync(optionFile, `[client]\nuser=agentx\nsocket=${path.join(dir, 'fake-mysqld.sock')}\n`, {
    mode: 0o600,
  });
  const cfg = path.join(dir, 'config.yaml');
  const self = '127.0.0.1:1';
  const server = (o.command ?? ((x: string[]) => x))([
    bin,
    `--datadir=${datadir}`,
    '--wsrep-start-position={position}',
  ]);
  fs.writeFileSync(
    cfg,
    YAML.stringify({
      ...agentConfig({ master: path.join(dir, 'no-master'), datadir, optionFile }, dir),
      init: {
        members: [self],
        self,
        pollIntervalMs: 200,
        bootstrapCommand: server,
        joinCommand: server,
        startTimeoutSeconds: o.startTimeoutSeconds ?? 30,
        leftClusterSeconds: o.leftClusterSeconds ?? 1,
        restartAttempts,
      },
    }),
    { mode: 0o600 },
  );
  return { cfg, pidsFile, lockFile: path.join(dir, 'galera-init.lock') };
}

async function runWith(modes: string[], restartAttempts: number, o: RunOptions = {}): Promise<Run> {
  const { cfg, pidsFile } = prepare(modes, restartAttempts, o);
  const r = await pexec(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'init.js'), '--config', cfg]).then(
    (x) => ({ code: 0, log: x.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, log: e.stderr }),
  );
  const pids = fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number) : [];
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  return { ...r, pids };
}

describe('galera-init when the started server leaves the cluster', function () {
  this.timeout(60000 * SLACK);
  after(cleanupAll);

  it('stops it, decides again and starts it again; done once it is Synced', async () => {
    const r = await runWith(['disconnected', 'synced'], 2);
    assert.equal(r.code, 0, r.log);
    assert.equal(r.pids.length, 2, 'started twice');
    assert.equal((r.log.match(/left the cluster after it started/g) ?? []).length, 1);
    assert.match(r.log, /bootstrapped a new cluster from this node/);
  });

  it('gives up after restartAttempts with exit 1 and says why', async () => {
    const r = await runWith(['disconnected'], 1);
    assert.equal(r.code, 1, r.log);
    assert.equal(r.pids.length, 2, 'the first start and one restart');
    assert.match(r.log, /Disconnected from the cluster.*did not become ready/);
    assert.ok(!/MySQL status query failed/.test(r.log), 'no line per poll while the server starts');
  });
});

describe('galera-init when the start fails', function () {
  this.timeout(60000 * SLACK);
  after(cleanupAll);

  it('a start command that fails: exit 1 naming its exit status, no server', async () => {
    const r = await runWith(['synced'], 0, { command: () => ['/bin/sh', '-c', 'exit 3'] });
    assert.equal(r.code, 1, r.log);
    assert.deepEqual(r.pids, []);
    assert.match(r.log, /the server did not start/);
    assert.match(r.log, /\/bin\/sh exited with 3/);
  });

  it('a start command that succeeds but never gives a server process: exit 1 after startTimeoutSeconds', async () => {
    const t0 = Date.now();
    const r = await runWith(['synced'], 0, { command: () => ['/bin/true'], startTimeoutSeconds: 1 });
    assert.equal(r.code, 1, r.log);
    assert.match(r.log, /no server process after 1 s/);
    assert.ok(Date.now() - t0 >= 1000, 'it waited the timeout');
  });

  it('a server that exits while starting: exit 1, "the server process exited", not a wait for the timeout', async () => {
    const t0 = Date.now();
    const r = await runWith(['exit'], 0, { startTimeoutSeconds: 30 });
    assert.equal(r.code, 1, r.log);
    assert.equal(r.pids.length, 1);
    assert.match(r.log, /the server process exited; see its error log/);
    assert.ok(Date.now() - t0 < 15000, `gave up at once, not after 30 s (${Date.now() - t0} ms)`);
  });

  it('a server that answers but never becomes Synced+Primary: exit 1 after startTimeoutSeconds, naming its state', async () => {
    const r = await runWith(['disconnected'], 0, { startTimeoutSeconds: 2, leftClusterSeconds: 0 });
    assert.equal(r.code, 1, r.log);
    assert.match(r.log, /not Synced in a Primary component after 2 s \(cluster Disconnected, local state 0\)/);
  });

  it('a server that refuses the login: taken as ready at once, with one warning (exit 0)', async () => {
    const t0 = Date.now();
    const r = await runWith(['denied'], 0, { startTimeoutSeconds: 30 });
    assert.equal(r.code, 0, r.log);
    assert.equal((r.log.match(/taking a running process as ready/g) ?? []).length, 1, r.log);
    assert.match(r.log, /access denied/);
    assert.ok(Date.now() - t0 < 15000, `did not wait the 30 s timeout (${Date.now() - t0} ms)`);
  });
});

describe('galera-init stopped by SIGTERM', function () {
  this.timeout(30000 * SLACK);
  after(cleanupAll);

  /** Runs galera-init on cfg; resolves its exit (code, signal) and keeps its log. */
  const launch = (cfg: string) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'init.js'), '--config', cfg], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (b: Buffer) => {
      log += b.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, exited, log: () => log };
  };
  /** SIGTERM, then: dies of the signal within 2 s. */
  const term = async (r: ReturnType<typeof launch>): Promise<void> => {
    const t0 = Date.now();
    r.child.kill('SIGTERM');
    assert.deepEqual(await r.exited, { code: null, signal: 'SIGTERM' }, r.log());
    assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
  };
  const saidSo = (r: ReturnType<typeof launch>): void =>
    assert.match(r.log(), /stopped by a signal: this run starts nothing more/);

  it('while it waits for a silent peer: dies of the signal at once, starts nothing', async () => {
    const dir = tempDir('gx-sigterm-');
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid: 84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno: 10\nsafe_to_bootstrap: 0\n',
    );
    const started = path.join(dir, 'started');
    const cfg = path.join(dir, 'config.yaml');
    // A peer that never answers (nothing listens on UDP port 9 here): no bootstrap on incomplete
    // information, so it waits; the start command would leave a trace if it ever ran.
    const never = ['/bin/sh', '-c', `echo started > ${started}`];
    fs.writeFileSync(
      cfg,
      YAML.stringify({
        ...agentConfig({ master: path.join(dir, 'no-master'), datadir }, dir),
        init: {
          members: ['127.0.0.1:1', '127.0.0.1:9'],
          self: '127.0.0.1:1',
          pollIntervalMs: 200,
          snmpTimeoutMs: 200,
          bootstrapCommand: never,
          joinCommand: never,
        },
      }),
      { mode: 0o600 },
    );
    const r = launch(cfg);
    await waitFor('waiting', () => /"msg":"waiting"/.test(r.log()), 15000, 20);
    await term(r);
    saidSo(r);
    assert.ok(!fs.existsSync(started), 'nothing was started');
  });

  it('while it holds its lock (caught in the act): the lock is released, a server it started keeps running', async () => {
    // A round holds the lock from the decision until its agent shows the started server (a short
    // window): the test watches the lock file and sends SIGTERM the moment it names galera-init.
    const { cfg, pidsFile, lockFile } = prepare(['disconnected'], 0, {
      startTimeoutSeconds: 60,
      leftClusterSeconds: 0,
    });
    const r = launch(cfg);
    await waitFor(
      'its lock held',
      () => {
        const l = readLockState(lockFile);
        return l.state === 'held' && l.pid === r.child.pid;
      },
      15000,
      1,
    );
    await term(r);
    assert.equal(readLockState(lockFile).state, 'free', 'no lock left behind');
    saidSo(r);
    const servers = fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number) : [];
    for (const pid of servers) {
      assert.ok(alive(pid), "a server it started is the server unit's: it keeps running");
      process.kill(pid, 'SIGKILL');
    }
  });
});
