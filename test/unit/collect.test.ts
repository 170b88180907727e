// One path from facts to snapshot: the agent (its sources watching) and galera-check (the same
// sources read once) must give the same snapshot and the same galeraSourceTable rows for the same
// node, in every state each source can be in. Real sources on a temp datadir, a fixture /proc and
// a MySQL-protocol server; only the moments of reading differ (timestamps are compared as
// "set or never").

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Agent } from '../../src/daemon/agent';
import { collectOnce } from '../../src/collect';
import { Config, buildConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { NodeSnapshot, snapshotToJson } from '../../src/core/snapshot';
import { createSources } from '../../src/sources/index';
import { FakeMysql, FakeMode, startFakeMysql } from '../helpers/fakemysql';
import { waitFor } from '../helpers/proc';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const grastate = (seqno: number, safe = 0): string =>
  `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   ${seqno}\nsafe_to_bootstrap: ${safe}\n`;

interface Scenario {
  what: string;
  /** Source name -> state its row must show (checked on both paths). */
  rows: Record<string, 'ok' | 'failing' | 'idle'>;
  server?: boolean;
  mysql?: FakeMode | 'off';
  files?: (datadir: string, lockFile: string) => void;
  recover?: string;
  noProc?: boolean;
  /** The agent has settled when this holds. */
  settled?: (s: NodeSnapshot) => boolean;
}

const row = (s: NodeSnapshot, name: string): string => s.sources.find((r) => r.name === name)!.state;

const SCENARIOS: Scenario[] = [
  {
    what: 'stopped cleanly: every file read, nothing to poll or recover',
    files: (d) => fs.writeFileSync(path.join(d, 'grastate.dat'), grastate(5, 1)),
    rows: { processes: 'ok', lock: 'ok', grastate: 'ok', mysql: 'idle', recovery: 'idle', gvwstate: 'ok' },
  },
  {
    what: 'a running server answering Synced',
    server: true,
    mysql: 'synced',
    rows: { mysql: 'ok' },
    settled: (s) => row(s, 'mysql') === 'ok',
  },
  {
    what: "a running server refusing the agent's login",
    server: true,
    mysql: 'denied',
    rows: { mysql: 'failing' },
    settled: (s) => row(s, 'mysql') === 'failing',
  },
  { what: 'a running server with MySQL polling off', server: true, mysql: 'off', rows: { mysql: 'idle' } },
  {
    what: 'a crash: the agent recovers the position, galera-check reuses it',
    rows: { recovery: 'idle' },
    files: (d) => {
      fs.writeFileSync(path.join(d, 'grastate.dat'), grastate(-1));
      fs.writeFileSync(path.join(d, 'ibdata1'), 'x');
    },
    recover: `echo "WSREP: Recovered position: ${U}:42" >&2`,
    settled: (s) => s.seqnoSource === 'recovered',
  },
  {
    what: 'a crash whose recovery fails',
    rows: { recovery: 'failing' },
    files: (d) => {
      fs.writeFileSync(path.join(d, 'grastate.dat'), grastate(-1));
      fs.writeFileSync(path.join(d, 'ibdata1'), 'x');
    },
    recover: 'echo "no position here" >&2; exit 1',
    settled: (s) => row(s, 'recovery') === 'failing',
  },
  {
    what: 'grastate.dat a symlink, gvwstate.dat damaged',
    rows: { grastate: 'failing', gvwstate: 'ok' },
    files: (d) => {
      fs.symlinkSync('/etc/hostname', path.join(d, 'grastate.dat'));
      fs.writeFileSync(path.join(d, 'gvwstate.dat'), 'my_uuid: nonsense\n');
    },
  },
  {
    what: 'the lock held by a live process',
    rows: { lock: 'ok' },
    files: (_d, lock) => fs.writeFileSync(lock, `${process.pid}\n`),
  },
  {
    what: 'the lock file unreadable (a directory)',
    rows: { lock: 'failing' },
    files: (_d, lock) => fs.mkdirSync(lock),
  },
  { what: 'the process table unreadable', rows: { processes: 'failing' }, noProc: true },
];

describe('the agent and galera-check assemble the same snapshot', function () {
  this.timeout(20000);
  let dir: string;
  let fake: FakeMysql | null = null;
  afterEach(async () => {
    await fake?.close();
    fake = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Drops what only says when and how a fact was read: the moments, durations and watches differ
   * (a one-shot read watches nothing), the facts must not.
   */
  const comparable = (s: NodeSnapshot): Record<string, unknown> => {
    const j = snapshotToJson(s) as {
      sources: { lastOkAt: number | string; readMs?: number; live?: boolean }[];
      wsrep: { at: number | string };
    } & Record<string, unknown>;
    delete j.at;
    delete j.instance;
    delete j.window;
    // The agent keeps the mark as it sees commits and writes it at most once a second; the one-shot
    // read finds the file as it was then (test/unit/core/mark.test.ts and the agent's tests check both).
    delete j.mark;
    // A run's duration is its own: galera-check reusing the agent's result ran none.
    if (j.recovery) (j.recovery as { ms: unknown }).ms = 'a duration';
    // The host's filesystem moves between the two reads with everything else written to it.
    const d = j.disk as { freeMiB: unknown; freePercent: unknown; low: unknown } | undefined;
    if (d)
      j.disk = {
        freeMiB: d.freeMiB === null ? null : 'a size',
        freePercent: d.freePercent === null ? null : 'a share',
        low: d.low === null ? null : 'a verdict',
      };
    j.sources = j.sources.map((r) => {
      const { readMs, live, ...rest } = r;
      void readMs;
      void live;
      return { ...rest, lastOkAt: r.lastOkAt !== 0 ? 'set' : 'never' };
    });
    j.wsrep = { ...j.wsrep, at: j.wsrep.at !== 0 ? 'set' : 'never' };
    return j;
  };

  for (const sc of SCENARIOS) {
    it(sc.what, async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-same-'));
      const datadir = path.join(dir, 'data');
      const proc = path.join(dir, 'proc');
      const lockFile = path.join(dir, 'run', 'galera-init.lock');
      fs.mkdirSync(datadir);
      fs.mkdirSync(path.dirname(lockFile));
      if (!sc.noProc) {
        fs.mkdirSync(proc);
        fs.writeFileSync(path.join(proc, 'loadavg'), '0.00 0.01 0.05 1/100 300\n');
        if (sc.server) {
          const d = path.join(proc, '200');
          fs.mkdirSync(d);
          fs.writeFileSync(path.join(d, 'cmdline'), `/usr/sbin/mariadbd\0--datadir=${datadir}\0`);
          fs.writeFileSync(path.join(d, 'comm'), 'mariadbd\n');
        }
      }
      const optionFile = path.join(dir, 'my.cnf');
      if (sc.mysql && sc.mysql !== 'off') {
        fake = await startFakeMysql(dir, sc.mysql);
        fs.writeFileSync(optionFile, `[client]\nuser=agentx\npassword=pw\nsocket=${fake.socket}\n`, { mode: 0o600 });
      }
      sc.files?.(datadir, lockFile);
      const cfg: Config = buildConfig(
        {
          nodeName: 'n1',
          datadir,
          lockFile,
          stateDir: dir,
          mysql: {
            enabled: sc.mysql !== 'off',
            optionFile,
            refreshIntervalMs: 100,
            connectTimeoutMs: 500,
            queryTimeoutMs: 500,
          },
          recovery: { enabled: true, command: ['bash', '-c', sc.recover ?? 'exit 3'], timeoutMs: 5000 },
          processes: { scanIntervalMs: 50 },
        },
        'test',
      );
      const log = silentLogger();
      const agent = new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: proc }) });
      await agent.start();
      try {
        await waitFor(
          `the agent settled (${sc.what})`,
          () => !!agent.snapshot && (sc.settled?.(agent.snapshot) ?? true),
          10000,
          20,
        );
        await new Promise((r) => setTimeout(r, 150)); // a poll or two more: the state holds
        const daemon = agent.snapshot!;
        // galera-check --json: recovery allowed, as for `galera-check seqno`.
        const check = await collectOnce(cfg, log, {
          recover: true,
          sources: createSources(cfg, log, { procDir: proc, recover: true }),
        });
        for (const [name, state] of Object.entries(sc.rows)) {
          assert.equal(row(daemon, name), state, `the agent's ${name} row`);
          assert.equal(row(check, name), state, `galera-check's ${name} row`);
        }
        assert.deepEqual(comparable(check), comparable(daemon));
      } finally {
        await agent.stop();
      }
    });
  }
});
