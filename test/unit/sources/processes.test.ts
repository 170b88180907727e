// Which server is this node's on a host that runs several: the datadir a server will really use,
// from its command line, its option files or its cwd. Against a fixture /proc (cmdline, comm, a
// cwd symlink, loadavg) and option files in test/fixtures/multi-instance.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { optionFilesOf } from '../../../src/core/procclass';
import { ProcessSource, optionFileDatadir } from '../../../src/sources/processes';
import { readServerOptions } from '../../../src/sources/servercnf';
import { silentLogger } from '../../../src/log';
import { waitFor } from '../../helpers/proc';

const FX = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'multi-instance');

describe('server attribution: option files', () => {
  it('plans the files a server reads from its command line', () => {
    const cases: [string[], string[], string][] = [
      [['mariadbd'], ['/etc/my.cnf', '/etc/mysql/my.cnf'], ''],
      [['mariadbd', '--defaults-file=/a.cnf'], ['/a.cnf'], ''],
      [['mariadbd', '--defaults-file', '/a.cnf', '--defaults-extra-file=/b.cnf'], ['/a.cnf'], ''],
      [['mariadbd', '--defaults-extra-file=/b.cnf'], ['/etc/my.cnf', '/etc/mysql/my.cnf', '/b.cnf'], ''],
      [['mariadbd', '--defaults_group_suffix=.n2'], ['/etc/my.cnf', '/etc/mysql/my.cnf'], '.n2'],
      [['mariadbd', '--no-defaults', '--defaults-file=/a.cnf'], [], ''],
    ];
    for (const [argv, files, suffix] of cases)
      assert.deepEqual(optionFilesOf(argv), { files, groupSuffix: suffix }, argv.join(' '));
  });

  it('reads [group<suffix>] only with --defaults-group-suffix', () => {
    assert.equal(readServerOptions(path.join(FX, 'node1.cnf')).values.get('datadir'), '/srv/mysql/node1');
    assert.equal(readServerOptions(path.join(FX, 'node1.cnf'), '.node2').values.get('datadir'), '/srv/mysql/node2');
    assert.equal(readServerOptions(path.join(FX, 'node1.cnf'), '.other').values.get('datadir'), '/srv/mysql/node1');
  });

  it('takes the datadir from --defaults-file, includes followed, the last value winning', () => {
    assert.equal(optionFileDatadir(['mariadbd', `--defaults-file=${FX}/node1.cnf`], '/'), '/srv/mysql/node1');
    assert.equal(optionFileDatadir(['mariadbd', `--defaults-file=${FX}/node2.cnf`], '/'), '/srv/mysql/node2');
    // A relative --defaults-file is the server's: resolved against its cwd.
    assert.equal(optionFileDatadir(['mariadbd', '--defaults-file=node2.cnf'], FX), '/srv/mysql/node2');
    assert.equal(
      optionFileDatadir(['mariadbd', `--defaults-file=${FX}/node1.cnf`, '--defaults-group-suffix=.node2'], '/'),
      '/srv/mysql/node2',
    );
    assert.equal(optionFileDatadir(['mariadbd', '--no-defaults', `--defaults-extra-file=${FX}/extra.cnf`], '/'), null);
    assert.equal(optionFileDatadir(['mariadbd', `--defaults-file=${FX}/missing.cnf`], '/'), null);
  });
});

describe('server attribution: the process source on a fixture /proc', () => {
  let proc: string;
  let tmp: string;
  const setLastPid = (n: number): void => fs.writeFileSync(path.join(proc, 'loadavg'), `0.00 0.01 0.05 1/100 ${n}\n`);
  const addProc = (pid: number, argv: string[], cwd: string, comm = 'mariadbd'): void => {
    const d = path.join(proc, String(pid));
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'cmdline'), argv.join('\0') + '\0');
    fs.writeFileSync(path.join(d, 'comm'), `${comm}\n`);
    fs.writeFileSync(
      path.join(d, 'status'),
      `Name:\t${comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t${pid}\nNgid:\t0\nPid:\t${pid}\n`,
    );
    fs.symlinkSync(cwd, path.join(d, 'cwd'));
  };
  /** Every cached PID old enough to be off its re-read schedule. */
  const age = (src: ProcessSource): void => {
    const s = src as unknown as { cache: Map<number, { firstSeen: number; nextCheck: number }>; pending: Set<number> };
    s.cache.forEach((c) => {
      c.firstSeen -= 100_000;
      c.nextCheck = 0;
    });
    s.pending.clear();
  };
  const source = (datadir: string): ProcessSource =>
    new ProcessSource({
      serverNames: ['mariadbd'],
      initiatorNames: ['galera-init'],
      datadir,
      procDir: proc,
      scanIntervalMs: 100,
      fullScanIntervalMs: 60000,
      log: silentLogger(),
    });

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-attr-'));
    proc = path.join(tmp, 'proc');
    fs.mkdirSync(proc);
    setLastPid(100);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('two instances by --defaults-file: each node sees its own, the bootstrap stays with node2', () => {
    addProc(20, ['/usr/sbin/mariadbd', `--defaults-file=${FX}/node1.cnf`, '--user=mysql'], '/srv/mysql/node1');
    addProc(21, ['/usr/sbin/mariadbd', `--defaults-file=${FX}/node2.cnf`, '--wsrep-new-cluster'], '/srv/mysql/node2');
    assert.deepEqual(source('/srv/mysql/node1').scan().servers, [{ pid: 20, bootstrap: false }]);
    assert.deepEqual(source('/srv/mysql/node2').scan().servers, [{ pid: 21, bootstrap: true }]);
    assert.deepEqual(source('/srv/mysql/node3').scan().servers, []);
  });

  it('option files win over the cwd; the cwd decides when they name no datadir', () => {
    addProc(30, ['/usr/sbin/mariadbd', `--defaults-file=${FX}/node1.cnf`], '/srv/mysql/node2');
    addProc(31, ['/usr/sbin/mariadbd', '--no-defaults', '--wsrep-new-cluster'], '/srv/mysql/node2');
    const n1 = source('/srv/mysql/node1').scan();
    assert.deepEqual(n1.servers, [{ pid: 30, bootstrap: false }]);
    const n2 = source('/srv/mysql/node2').scan();
    assert.deepEqual(n2.servers, [{ pid: 31, bootstrap: true }]);
  });

  it('looks at /proc only when a PID was born; a watched server that exits shows on the next tick', () => {
    addProc(40, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1'], '/srv/mysql/node1');
    const src = source('/srv/mysql/node1');
    src.scan();
    assert.equal(src.facts.servers.length, 1);
    const scans = src.stats.scans;
    for (let i = 0; i < 5; i++) src.tick();
    assert.equal(src.stats.scans, scans, 'no listing while the last PID stands still');
    assert.equal(src.stats.probes, 0);
    // A new process: the last PID moves, the next tick probes the new PIDs by number.
    addProc(102, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1', '--wsrep-recover'], '/srv/mysql/node1');
    src.tick();
    assert.deepEqual(src.facts.recoveries, [], 'the PID counter has not moved yet');
    setLastPid(102);
    src.tick();
    assert.equal(src.stats.scans, scans, 'two PIDs born: probed, not listed');
    assert.equal(src.stats.probes, 2);
    assert.deepEqual(src.facts.recoveries, [102]);
    // A thread of the server (/proc/TID answers, with the server's command line) is not a server.
    addProc(103, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1'], '/srv/mysql/node1');
    fs.writeFileSync(path.join(proc, '103', 'status'), 'Name:\tmariadbd\nTgid:\t40\nPid:\t103\n');
    setLastPid(103);
    src.tick();
    assert.deepEqual(src.facts.servers, [{ pid: 40, bootstrap: false }]);
    fs.rmSync(path.join(proc, '103'), { recursive: true }); // a real listing of /proc shows no thread
    // Many PIDs born at once: one listing instead.
    addProc(500, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1', '--wsrep-new-cluster'], '/srv/mysql/node1');
    setLastPid(500);
    src.tick();
    assert.equal(src.stats.scans, scans + 1);
    assert.deepEqual(
      src.facts.servers.map((s) => s.pid),
      [40, 500],
    );
    // A server exits: no new PID, but its own re-read sees it gone (old enough to be off the
    // young re-read schedule: only being a watched server gets it re-read).
    age(src);
    fs.rmSync(path.join(proc, '40'), { recursive: true });
    src.tick();
    assert.equal(src.stats.scans, scans + 1);
    assert.deepEqual(
      src.facts.servers.map((s) => s.pid),
      [500],
    );
  });

  it('a young process that exec()s into the server is seen without a new PID', () => {
    // (Processes present at the first listing are old: they are not re-read for an exec.)
    const src = source('/srv/mysql/node1');
    src.scan();
    addProc(101, ['/bin/sh', '/usr/bin/mysqld_safe'], '/', 'sh');
    setLastPid(101);
    src.tick();
    assert.deepEqual(src.facts.servers, []);
    fs.rmSync(path.join(proc, '101'), { recursive: true });
    addProc(101, ['/usr/sbin/mariadbd', `--defaults-file=${FX}/node1.cnf`], '/');
    // Its next check (the next tick) is due.
    const c = (src as unknown as { cache: Map<number, { nextCheck: number }> }).cache.get(101)!;
    c.nextCheck = Date.now();
    src.tick();
    assert.deepEqual(src.facts.servers, [{ pid: 101, bootstrap: false }]);
  });

  it("a child systemd forked but had not exec()'d at the first listing is looked at again", () => {
    // At boot the agent starts beside galera-init: its first listing may catch the server's unit
    // between fork and exec, named "(mariadbd)". Old news like the rest, it stayed unseen until the
    // full re-read a minute later (suite run 14: galeraStatus stopped for the 40 s a test waited).
    addProc(60, ['(mariadbd)'], '/', '(mariadbd)');
    addProc(61, ['/bin/sh', '/usr/bin/some-daemon'], '/', 'sh');
    const src = source('/srv/mysql/node1');
    src.scan();
    assert.deepEqual(src.facts.servers, []);
    fs.rmSync(path.join(proc, '60'), { recursive: true });
    addProc(60, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1'], '/srv/mysql/node1');
    const cache = (src as unknown as { cache: Map<number, { nextCheck: number }> }).cache;
    assert.equal(cache.get(61)!.nextCheck, 0, 'an ordinary process at the first listing is not re-read');
    cache.get(60)!.nextCheck = Date.now();
    src.tick();
    assert.deepEqual(src.facts.servers, [{ pid: 60, bootstrap: false }]);
  });

  it('a process caught inside exec() (new name, no command line yet) is looked at again', () => {
    // exec() sets /proc/PID/comm before the new command line exists: a look in between reads the
    // new name and an empty cmdline, which is also what a kernel thread shows. Taking it for one
    // hid `exec -a galera-init sleep 30` from the agent until the next full listing (60 s).
    const src = source('/srv/mysql/node1');
    src.scan();
    addProc(101, ['galera-init', '30'], '/', 'sleep');
    fs.writeFileSync(path.join(proc, '101', 'cmdline'), '');
    setLastPid(101);
    src.tick();
    assert.deepEqual(src.facts.initiators, []);
    fs.writeFileSync(path.join(proc, '101', 'cmdline'), 'galera-init\x0030\x00');
    const c = (src as unknown as { cache: Map<number, { nextCheck: number }> }).cache.get(101)!;
    c.nextCheck = Date.now();
    src.tick();
    assert.deepEqual(src.facts.initiators, [101]);
  });

  it('a wrapped PID counter re-reads every PID (a reused PID is another process)', () => {
    addProc(60, ['/usr/bin/sleep', '100'], '/', 'sleep');
    const src = source('/srv/mysql/node1');
    src.scan();
    fs.rmSync(path.join(proc, '60'), { recursive: true });
    addProc(60, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1'], '/');
    age(src);
    setLastPid(90);
    src.tick();
    assert.deepEqual(src.facts.servers, [{ pid: 60, bootstrap: false }]);
  });
  it('sleeps until a mark: a file created in a watched directory shows the server at once, a log write does not wake it', async () => {
    const run = path.join(tmp, 'run');
    const datadir = path.join(tmp, 'data');
    fs.mkdirSync(run);
    fs.mkdirSync(datadir);
    fs.writeFileSync(path.join(datadir, 'ib_logfile0'), '');
    const src = new ProcessSource({
      serverNames: ['mariadbd'],
      initiatorNames: ['galera-init'],
      datadir,
      procDir: proc,
      scanIntervalMs: 20,
      fullScanIntervalMs: 60000,
      watchDirs: [datadir, run],
      log: silentLogger(),
    });
    await src.start();
    try {
      assert.deepEqual(src.watchedDirs().sort(), [datadir, run].sort());
      // A busy server's writes are not marks: no look for them.
      fs.appendFileSync(path.join(datadir, 'ib_logfile0'), 'redo');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(src.stats.marks, 0, 'a write to a log file');
      // No timer runs at rest: a server that appears without a mark stays unseen until a look.
      addProc(101, ['/usr/sbin/mariadbd', `--datadir=${datadir}`, `--pid-file=${run}/mysqld.pid`], datadir);
      setLastPid(101);
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(src.facts.servers, [], 'nothing looks between marks and backstops');
      const changed = new Promise((r) => src.once('change', r));
      fs.writeFileSync(path.join(run, 'mysqld.pid'), '101\n');
      await changed;
      assert.deepEqual(src.facts.servers, [{ pid: 101, bootstrap: false }]);
      assert.equal(src.stats.bursts, 1);
      // grastate.dat rewritten in place (seqno -1 as the provider loads) is a mark too.
      await new Promise((r) => setTimeout(r, 2100)); // the burst ends 2 s after the last mark
      const marks = src.stats.marks;
      fs.writeFileSync(path.join(datadir, 'grastate.dat'), 'seqno: -1\n');
      await waitFor('the grastate.dat mark', () => src.stats.marks > marks, 5000, 5);
      // A clean stop removes the pid file; the exit shows in the burst that starts.
      const gone = new Promise((r) => src.once('change', r));
      fs.rmSync(path.join(run, 'mysqld.pid'));
      fs.rmSync(path.join(proc, '101'), { recursive: true });
      await gone;
      assert.deepEqual(src.facts.servers, []);
    } finally {
      await src.stop();
    }
  });

  it("watches a running server's --socket and --pid-file directories, and stops when it is gone", async () => {
    const sock = path.join(tmp, 'sockdir');
    fs.mkdirSync(sock);
    const src = source('/srv/mysql/node1');
    addProc(40, ['/usr/sbin/mariadbd', '--datadir=/srv/mysql/node1', `--socket=${sock}/my.sock`], '/srv/mysql/node1');
    await src.start();
    try {
      assert.deepEqual(src.watchedDirs(), [sock]);
      fs.rmSync(path.join(proc, '40'), { recursive: true });
      const gone = new Promise((r) => src.once('change', r));
      fs.writeFileSync(path.join(sock, 'my.sock'), ''); // stands for the socket going away
      await gone;
      assert.deepEqual(src.watchedDirs(), []);
    } finally {
      await src.stop();
    }
  });
});
