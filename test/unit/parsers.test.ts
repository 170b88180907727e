// Parsers of outside text, against fixtures captured from a real MariaDB 10.11 + Galera 4 node
// (test/fixtures) and their broken variants.

import { samePidNamespace } from '../../src/sources/processes';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseGrastate } from '../../src/core/grastate';
import { parseRecoveredPosition } from '../../src/core/recoverlog';
import { parseGvwstate } from '../../src/core/gvwstate';
import { formatLock, parseLock } from '../../src/core/lockfmt';
import { classifyProcesses, isBootstrapCommand } from '../../src/core/procclass';
import { clientOptions, parseOptionFile } from '../../src/core/mycnf';
import { parseWsrepStatus } from '../../src/core/wsrep-status';
import { wsrepInput } from '../../src/core/snapshot';

const FX = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');
const fixture = (name: string): string => fs.readFileSync(path.join(FX, name), 'utf8');

describe('grastate.dat parser', () => {
  it('reads a real crashed node\'s file: uuid, seqno -1, safe_to_bootstrap', () => {
    const g = parseGrastate(fixture('grastate-crashed.dat'));
    assert.equal(g.uuid, '84e32a09-e6d7-11f1-92ef-87e236721ec1');
    assert.equal(g.seqno, -1n);
    assert.equal(g.safeToBootstrap, true);
    assert.deepEqual(g.problems, []);
  });
  const real = fixture('grastate-crashed.dat');
  const broken: [string, string | Buffer, Partial<{ uuid: string | null; seqno: bigint | null; safe: boolean | null }>, RegExp][] = [
    ['empty', '', { uuid: null, seqno: null }, /empty/],
    ['binary', Buffer.from([0x23, 0, 0xff]), { uuid: null, seqno: null }, /binary/],
    ['huge', 'x'.repeat(70000), { uuid: null, seqno: null }, /larger/],
    ['truncated after uuid', real.slice(0, real.indexOf('seqno')), { uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1', seqno: null }, /no seqno/],
    ['truncated mid-seqno', real.replace('seqno:   -1', 'seqno:   -'), { seqno: null }, /not a signed 64-bit/],
    ['seqno out of range', real.replace('seqno:   -1', 'seqno:   9223372036854775808'), { seqno: null }, /not a signed 64-bit/],
    ['uuid garbage', real.replace(/uuid:.*$/m, 'uuid: not-a-uuid'), { uuid: null, seqno: -1n }, /not a UUID/],
    ['safe_to_bootstrap garbage', real.replace('safe_to_bootstrap: 1', 'safe_to_bootstrap: yes'), { safe: null }, /neither 0 nor 1/],
    ['CRLF line ends and extra keys', real.replace(/\n/g, '\r\n') + 'future_key: 3\r\n', { seqno: -1n }, /^$/],
  ];
  for (const [what, text, want, problem] of broken) {
    it(`gives defined values for a file that is ${what}`, () => {
      const g = parseGrastate(text);
      if ('uuid' in want) assert.equal(g.uuid, want.uuid);
      if ('seqno' in want) assert.equal(g.seqno, want.seqno);
      if ('safe' in want) assert.equal(g.safeToBootstrap, want.safe);
      assert.match(g.problems.join('; '), problem);
    });
  }
});

describe('gvwstate.dat parser', () => {
  const three = fixture('gvwstate-3-members.dat');
  it('reads a real file of a 3-node primary component', () => {
    const g = parseGvwstate(three);
    assert.deepEqual(g.problems, []);
    assert.equal(g.view?.myUuid, 'ef7717df-e6e6-11f1-bbaa-8630e67cc465');
    assert.equal(g.view?.viewId, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3');
    assert.equal(g.view?.members.length, 3);
    assert.equal(g.view?.includesSelf, true);
  });
  it('reads the file a lone survivor left (1 member, a later view)', () => {
    const g = parseGvwstate(fixture('gvwstate-1-member.dat'));
    assert.equal(g.view?.viewId, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:5');
    assert.deepEqual(g.view?.members, ['ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48']);
  });
  const broken: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['binary', 'my_uuid: \0\0', /binary/],
    ['cut before #vwend', three.slice(0, three.indexOf('#vwend')), /cut short/],
    ['cut mid-line', three.slice(0, three.indexOf('member:') + 20), /member/],
    ['without my_uuid', three.replace(/^my_uuid.*\n/, ''), /no my_uuid/],
    ['with a bad my_uuid', three.replace('my_uuid: ef77', 'my_uuid: zz77'), /my_uuid/],
    ['with a view_id of two words', three.replace(/view_id: 3 /, 'view_id: '), /view_id/],
    ['with no members', three.replace(/^member.*\n/gm, ''), /no members/],
    ['with a member lacking its segment', three.replace(/(member: [0-9a-f-]+) 0\n/, '$1\n'), /member/],
    ['huge', 'x'.repeat(70000), /larger/],
  ];
  for (const [what, text, why] of broken) {
    it(`gives no view and says why for a file that is ${what}`, () => {
      const g = parseGvwstate(text);
      assert.equal(g.view, null);
      assert.match(g.problems.join(';'), why);
    });
  }
  it('keeps the view but flags a file whose own node is not a member', () => {
    const g = parseGvwstate(three.replace('my_uuid: ef7717df', 'my_uuid: 00000000'));
    assert.equal(g.view?.includesSelf, false);
    assert.match(g.problems[0], /not among/);
  });
});

describe('--wsrep-recover output parser', () => {
  it('finds the position in a real MariaDB 10.11 run', () => {
    assert.deepEqual(parseRecoveredPosition(fixture('wsrep-recover-mariadb-10.11.log')), { uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1', seqno: 5n });
  });
  const cases: [string, string, string | null][] = [
    ['with a wsrep_gtid_mode suffix', '[Note] WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:1234,0-1-1234', '1234'],
    ['Percona XtraDB Cluster 8', '2024-01-01T00:00:00Z 0 [System] [MY-000000] [WSREP] Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:99', '99'],
    ['a never-committed node', 'WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1', '-1'],
    ['two lines: the last wins', 'WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:1\nWSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:2', '2'],
    ['no position (aborted run)', fixture('wsrep-recover-mariadb-10.11.log').replace(/.*Recovered position.*\n?/, ''), null],
    ['seqno overflow', 'WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:99999999999999999999', null],
    ['garbage', '\u0000\u0001 Recovered position: :', null],
  ];
  for (const [what, text, want] of cases) {
    it(`${what} -> ${want ?? 'none'}`, () => assert.equal(parseRecoveredPosition(text)?.seqno.toString() ?? null, want));
  }
});

describe('lock file format', () => {
  it('round-trips', () => {
    assert.deepEqual(parseLock(formatLock({ pid: 1234, starttime: 99, purpose: 'galera-init' }, 'h')), { pid: 1234, starttime: 99, purpose: 'galera-init' });
  });
  const bad = ['', '\n', 'abc', '-5\n', '0\n', '99999999999\n', 'x'.repeat(5000), '12 34\n'];
  for (const text of bad) it(`rejects ${JSON.stringify(text.slice(0, 20))}`, () => assert.equal(parseLock(text), null));
  it('accepts a bare PID (the simplest writer)', () => assert.deepEqual(parseLock('42'), { pid: 42, starttime: null, purpose: null }));
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
  for (const [argv, want] of boot) it(`${argv.slice(1).join(' ')} is ${want ? '' : 'not '}a bootstrap`, () => assert.equal(isBootstrapCommand(argv), want));

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
    const facts = classifyProcesses([
      { pid: 1, comm: 'mariadbd', argv: ['/usr/sbin/mariadbd', '--wsrep-new-cluster'] },
      { pid: 2, comm: 'mariadbd', argv: ['mariadbd', '--datadir=/other'] },
      { pid: 3, comm: 'mysqld', argv: ['mysqld', '--datadir=/var/lib/mysql/', '--wsrep-recover'] },
      { pid: 4, comm: 'node', argv: ['node', '/usr/bin/galera-init'] },
      { pid: 5, comm: 'galera-init', argv: ['galera-init'] },
      { pid: 6, comm: 'bash', argv: ['bash', '-c', 'mariadbd'] },
      { pid: 7, comm: 'mariadbd', argv: ['mariadbd', '--version'] },
      { pid: 8, comm: 'mariadbd', argv: [] }, // a zombie nobody reaped
    ], opts);
    assert.deepEqual(facts, { servers: [{ pid: 1, bootstrap: true }], recoveries: [3], initiators: [4, 5] });
  });
});

describe('my.cnf option files', () => {
  it('reads [client] and lets [galera-agentx] win, with quotes and comments', () => {
    const o = clientOptions(parseOptionFile(`# c\n[mysqld]\nuser=mysql\n[client]\nuser = monitor\npassword = "p#ss word"\nsocket=/run/mysqld/mysqld.sock # trailing\n[galera-agentx]\nuser=agentx\n`));
    assert.deepEqual(o, { user: 'agentx', password: 'p#ss word', socketPath: '/run/mysqld/mysqld.sock' });
  });
  it('ignores bad ports and lines outside sections', () => {
    assert.deepEqual(clientOptions(parseOptionFile('user=x\n[client]\nport=99999\nhost=db\n')), { host: 'db' });
  });
});

describe('wsrep status values', () => {
  it('reads a real SHOW STATUS capture', () => {
    const rows = Object.fromEntries(fixture('show-status-wsrep-synced.tsv').trim().split('\n').slice(1).map((l) => l.split('\t', 2) as [string, string]));
    const v = wsrepInput(parseWsrepStatus(rows, null, null, true, 1), true);
    assert.equal(v.localState, 4);
    assert.equal(v.clusterStatus, 'Primary');
    assert.equal(v.ready, true);
    assert.equal(v.lastCommitted, 1n);
    assert.equal(v.uuid, rows.wsrep_local_state_uuid);
  });
  it('turns nonsense into unknowns, not exceptions', () => {
    assert.deepEqual(wsrepInput(parseWsrepStatus({ wsrep_local_state: '9', wsrep_last_committed: 'NaN', wsrep_local_state_uuid: 'x', wsrep_cluster_status: 'Weird' }, null, null, true, 1), true),
      { reachable: true, accepting: true, lastCommitted: null, uuid: null, localState: null, clusterStatus: null, ready: null });
  });
  it('one parse: an empty wsrep_local_state is unknown, for readiness and for the MIB alike', () => {
    const h = parseWsrepStatus({ wsrep_local_state: '', wsrep_cluster_status: 'Primary' }, null, null, true, 1);
    assert.equal(h.localState, null);
    assert.equal(wsrepInput(h, true).localState, null);
  });
  it('Galera\'s own words for the cluster status, as statusOf\'s reasons quote them', () => {
    const cs = (v: string): string | null => wsrepInput(parseWsrepStatus({ wsrep_cluster_status: v }, null, null, true, 1), true).clusterStatus;
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'x'].map(cs), ['Primary', 'non-Primary', 'Disconnected', null]);
  });
});
