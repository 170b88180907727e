// Command-line reading for the process table: option values, flags, bootstrap detection, names.
import { strict as assert } from 'node:assert';
import { classifyProcesses, isBootstrapCommand, optionValue, sameProcessFacts } from '../../../src/core/procclass';

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
  for (const [argv, want] of cases) it(`${argv.join(' ')} → ${want}`, () => assert.equal(optionValue(argv, 'datadir'), want));
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
  for (const [argv, want] of cases) it(`${argv.join(' ')} → ${want}`, () => assert.equal(isBootstrapCommand(argv), want));
});

describe('the process table, sorted', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/d' };
  it('sorts each list by PID and leaves --help/--version runs out', () => {
    const f = classifyProcesses([
      { pid: 30, comm: 'mariadbd', argv: ['mariadbd'] },
      { pid: 10, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-new-cluster'] },
      { pid: 20, comm: 'mariadbd', argv: ['mariadbd'] },
      { pid: 40, comm: 'mariadbd', argv: ['mariadbd', '--help'] },
      { pid: 41, comm: 'mariadbd', argv: ['mariadbd', '--version'] },
      { pid: 9, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-recover'] },
      { pid: 3, comm: 'mariadbd', argv: ['mariadbd', '--wsrep-recover'] },
      { pid: 8, comm: 'node', argv: ['node', '/usr/bin/galera-init'] },
      { pid: 2, comm: 'galera-init', argv: ['galera-init'] },
    ], opts);
    assert.deepEqual(f, { servers: [{ pid: 10, bootstrap: true }, { pid: 20, bootstrap: false }, { pid: 30, bootstrap: false }], recoveries: [3, 9], initiators: [2, 8] });
  });
});

describe('which processes are ours, by name', () => {
  const opts = { serverNames: ['mariadbd'], initiatorNames: ['galera-init'], datadir: '/d' };
  it('comm alone, argv[0] alone, or a script run by node(js)', () => {
    const f = classifyProcesses([
      { pid: 1, comm: 'mariadbd', argv: ['/opt/x/bin/server', '--datadir=/d'] },
      { pid: 2, comm: 'x', argv: ['/usr/sbin/mariadbd'] },
      { pid: 3, comm: 'x', argv: ['nodejs', '/usr/bin/galera-init'] },
      { pid: 4, comm: 'x', argv: ['xnode', '/usr/bin/galera-init'] },
      { pid: 5, comm: 'x', argv: ['nodex', '/usr/bin/galera-init'] },
      { pid: 6, comm: 'x', argv: ['node'] },
    ], opts);
    assert.deepEqual(f, { servers: [{ pid: 1, bootstrap: false }, { pid: 2, bootstrap: false }], recoveries: [], initiators: [3] });
  });
  it('compares process facts by value', () => {
    const a = { servers: [{ pid: 1, bootstrap: true }], recoveries: [2], initiators: [] };
    assert.equal(sameProcessFacts(a, { servers: [{ pid: 1, bootstrap: true }], recoveries: [2], initiators: [] }), true);
    assert.equal(sameProcessFacts(a, { ...a, recoveries: [] }), false);
  });
});
