// Command-line reading for the process table: option values, flags, bootstrap detection, names.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  ProcEntry,
  classifyProcesses,
  isBootstrapCommand,
  optionValue,
  sameProcessFacts,
} from '../../../src/core/procclass';
import { samePidNamespace } from '../../../src/sources/processes';
import { check } from '../../helpers/fuzz';

describe('command-line options', () => {
  const cases: [string[], string | undefined][] = [
    [['mysqld', '--datadir', '/x'], '/x'],
    [['mysqld', '--datadir=/x'], '/x'],
    [['mysqld', '--user', 'u', '--datadir', '/x'], '/x'],
    [['mysqld', '--datadir'], undefined],
    [['mysqld', '--datadir', '--user=x'], undefined],
    [['mysqld', '--datadir', 'x--'], 'x--'],
    [['mysqld', '--user', 'x'], undefined],
    [['--datadir=/x'], undefined],
  ];
  for (const [argv, want] of cases)
    it(`${argv.join(' ')} → ${want}`, () => assert.equal(optionValue(argv, 'datadir'), want));
});

describe('a bootstrap command line', () => {
  const cases: [string[], boolean][] = [
    [['mysqld', '--wsrep-new-cluster'], true],
    [['mysqld', '--wsrep_new_cluster'], true],
    [['mysqld', '--wsrep-new-cluster=1'], true],
    [['mysqld', '--wsrep_new_cluster=ON'], true],
    [['--wsrep-new-cluster'], false],
    [['mysqld', '--wsrep-cluster-address= gcomm:// '], true],
    [['mysqld', '--wsrep-cluster-address=gcomm://?pc.wait_prim=no'], true],
    [['mysqld', '--wsrep-cluster-address=xgcomm://'], false],
    [['mysqld', '--wsrep-cluster-address=gcomm://a,b'], false],
  ];
  for (const [argv, want] of cases)
    it(`${argv.join(' ')} → ${want}`, () => assert.equal(isBootstrapCommand(argv), want));
});

describe('the process table, sorted', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/d' };
  it('sorts each list by PID and leaves --help/--version runs out', () => {
    const f = classifyProcesses(
      [
        { pid: 30, comm: 'mariadbd', argv: ['mariadbd'] },
        { pid: 10, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-new-cluster'] },
        { pid: 20, comm: 'mariadbd', argv: ['mariadbd'] },
        { pid: 40, comm: 'mariadbd', argv: ['mariadbd', '--help'] },
        { pid: 41, comm: 'mariadbd', argv: ['mariadbd', '--version'] },
        { pid: 9, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-recover'] },
        { pid: 3, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-recover'] },
        { pid: 8, comm: 'node', argv: ['node', '/usr/bin/galera-init'] },
        { pid: 2, comm: 'galera-init', argv: ['galera-init'] },
      ],
      opts,
    );
    assert.deepEqual(f, {
      servers: [
        { pid: 10, bootstrap: true },
        { pid: 20, bootstrap: false },
        { pid: 30, bootstrap: false },
      ],
      recoveries: [3, 9],
      initiators: [2, 8],
    });
  });
});

describe('the process table of an arbitrator (role: arbitrator)', () => {
  it('counts garbd as the server whatever its working directory; a data node does not', () => {
    const table: ProcEntry[] = [
      { pid: 7, comm: 'garbd', argv: ['/usr/bin/garbd', '--cfg', '/etc/garbd.cnf'], datadir: '/' },
    ];
    const opts = { serverNames: ['garbd'], initiatorNames: ['galera-init'], datadir: '/var/lib/mysql' };
    assert.deepEqual(classifyProcesses(table, { ...opts, anyDatadir: true }).servers, [{ pid: 7, bootstrap: false }]);
    assert.deepEqual(classifyProcesses(table, opts).servers, []);
  });
});

describe('the automatic recovery pass', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/d' };
  it('is no initiator while it only looks (--auto), and one once its title says galera-init', () => {
    const f = classifyProcesses(
      [
        { pid: 5, comm: 'node', argv: ['node', '/usr/bin/galera-init', '--auto', '--config', '/etc/x.yaml'] },
        { pid: 6, comm: 'galera-init', argv: ['galera-init'] },
        { pid: 7, comm: 'node', argv: ['node', '/usr/bin/galera-init', '--config', '/etc/auto.yaml'] },
      ],
      opts,
    );
    assert.deepEqual(f.initiators, [6, 7]);
  });
});

describe('which processes are ours, by name', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/d' };
  it('comm alone, argv[0] alone, or a script run by node(js)', () => {
    const f = classifyProcesses(
      [
        { pid: 1, comm: 'mariadbd', argv: ['/opt/x/bin/server', '--datadir=/d'] },
        { pid: 2, comm: 'x', argv: ['/usr/sbin/mariadbd'] },
        { pid: 3, comm: 'x', argv: ['nodejs', '/usr/bin/galera-init'] },
        { pid: 4, comm: 'x', argv: ['xnode', '/usr/bin/galera-init'] },
        { pid: 5, comm: 'x', argv: ['nodex', '/usr/bin/galera-init'] },
        { pid: 6, comm: 'x', argv: ['node'] },
      ],
      opts,
    );
    assert.deepEqual(f, {
      servers: [
        { pid: 1, bootstrap: false },
        { pid: 2, bootstrap: false },
      ],
      recoveries: [],
      initiators: [3],
    });
  });
  it('compares process facts by value', () => {
    const a = { servers: [{ pid: 1, bootstrap: true }], recoveries: [2], initiators: [] };
    assert.equal(
      sameProcessFacts(a, { servers: [{ pid: 1, bootstrap: true }], recoveries: [2], initiators: [] }),
      true,
    );
    assert.equal(sameProcessFacts(a, { ...a, recoveries: [] }), false);
  });
});

describe('process classification', () => {
  const opts = { serverNames: ['mariadbd', 'mysqld'], initiatorNames: ['galera-init'], datadir: '/var/lib/mysql' };
  const boot: [string[], boolean][] = [
    [['mariadbd', '--wsrep-new-cluster'], true],
    [['mariadbd', '--wsrep_new_cluster'], true],
    [['mariadbd', '--wsrep-cluster-address=gcomm://'], true],
    [['mariadbd', '--wsrep_cluster_address=gcomm://?pc.wait_prim=no'], true],
    [['mariadbd', '--wsrep-cluster-address', 'gcomm://'], true],
    [['mariadbd', '--wsrep-cluster-address=gcomm://10.0.0.1,10.0.0.2'], false],
    [['mariadbd', '--user=mysql'], false],
  ];
  for (const [argv, want] of boot)
    it(`${argv.slice(1).join(' ')} is ${want ? '' : 'not '}a bootstrap`, () =>
      assert.equal(isBootstrapCommand(argv), want));

  it('leaves out servers and initiators of another PID namespace (a container on this host)', () => {
    const entries = [
      { pid: 1, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-new-cluster'] },
      { pid: 2, comm: 'mariadbd', argv: ['mariadbd'] },
      { pid: 3, comm: 'galera-init', argv: ['galera-init'] },
      { pid: 4, comm: 'galera-init', argv: ['galera-init'] },
    ];
    const facts = classifyProcesses(entries, { ...opts, sameHost: (pid) => pid % 2 === 0 });
    assert.deepEqual(facts.servers, [{ pid: 2, bootstrap: false }]);
    assert.deepEqual(facts.initiators, [4]);
    assert.equal(samePidNamespace('/proc', process.pid), true);
    assert.equal(samePidNamespace('/proc', 999999999), true, 'unknown counts as the same');
  });

  it('sorts servers, recoveries and initiators of this datadir', () => {
    const facts = classifyProcesses(
      [
        { pid: 1, comm: 'mariadbd', argv: ['/usr/sbin/mariadbd', '--wsrep-new-cluster'] },
        { pid: 2, comm: 'mariadbd', argv: ['mariadbd', '--datadir=/other'] },
        { pid: 3, comm: 'mysqld', argv: ['mysqld', '--datadir=/var/lib/mysql/', '--wsrep-recover'] },
        { pid: 4, comm: 'node', argv: ['node', '/usr/bin/galera-init'] },
        { pid: 5, comm: 'galera-init', argv: ['galera-init'] },
        { pid: 6, comm: 'bash', argv: ['bash', '-c', 'mariadbd'] },
        { pid: 7, comm: 'mariadbd', argv: ['mariadbd', '--version'] },
        { pid: 8, comm: 'mariadbd', argv: [] }, // a zombie nobody reaped
      ],
      opts,
    );
    assert.deepEqual(facts, { servers: [{ pid: 1, bootstrap: true }], recoveries: [3], initiators: [4, 5] });
  });
});

// Which server is this node's on a host that runs several (the rest: test/unit/sources/processes.test.ts).
describe('server attribution: the classifier', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/srv/mysql/node1' };
  const e = (pid: number, argv: string[], datadir?: string): ProcEntry => ({
    pid,
    comm: 'mariadbd',
    argv: ['/usr/sbin/mariadbd', ...argv],
    ...(datadir !== undefined ? { datadir } : {}),
  });

  it('another instance bootstrapping does not make this node bootstrapping', () => {
    const f = classifyProcesses([e(10, ['--wsrep-new-cluster'], '/srv/mysql/node2')], opts);
    assert.deepEqual(f.servers, []);
  });

  it('--datadir on the command line wins over what the option files or the cwd say', () => {
    assert.deepEqual(classifyProcesses([e(10, ['--datadir=/srv/mysql/node1'], '/srv/mysql/node2')], opts).servers, [
      { pid: 10, bootstrap: false },
    ]);
    assert.deepEqual(classifyProcesses([e(10, ['--datadir=/srv/mysql/node2'], '/srv/mysql/node1')], opts).servers, []);
  });

  it('a server whose datadir nobody can tell is taken for ours (one node per host)', () => {
    assert.deepEqual(classifyProcesses([e(10, ['--wsrep-new-cluster'])], opts).servers, [{ pid: 10, bootstrap: true }]);
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check<ProcEntry[]>(
    'proc-table',
    fc.array(
      fc.record({
        pid: fc.nat(),
        comm: fc.constantFrom('mariadbd', 'mysqld', 'galera-init', 'node', 'x'),
        argv: fc.array(
          fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.constantFrom(
              '--wsrep-new-cluster',
              '--datadir=/d',
              '--wsrep-recover',
              '--wsrep_cluster_address=gcomm://',
              'node',
              '/usr/bin/galera-init',
            ),
          ),
          { maxLength: 6 },
        ),
      }),
      { maxLength: 10 },
    ),
    (s) => JSON.parse(s) as ProcEntry[],
    (entries) => {
      const f = classifyProcesses(entries, {
        serverNames: ['mariadbd', 'mysqld'],
        initiatorNames: ['galera-init'],
        datadir: '/d',
      });
      for (const s of f.servers) assert.ok(entries.some((e) => e.pid === s.pid && e.argv.length > 0));
    },
  );
});
