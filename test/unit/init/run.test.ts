import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clusterHosts, readServerOptions } from '../../../src/sources/servercnf';
import { resolveMembers, formatTable, markSafeToBootstrap, discardState } from '../../../src/init/run';
import { bootstrapGrastate } from '../../../src/core/grastate-edit';
import { silentLogger } from '../../../src/log';
import { buildConfig } from '../../../src/config';

describe("the server's option files", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-cnf-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows !include and !includedir (*.cnf, in name order), later values winning, loops ignored', () => {
    fs.mkdirSync(path.join(dir, 'conf.d'));
    fs.writeFileSync(path.join(dir, 'my.cnf'), `[client]\nport=1\n!includedir ${dir}/conf.d\n!include ${dir}/my.cnf\n`);
    fs.writeFileSync(path.join(dir, 'conf.d', '50-server.cnf'), '[mysqld]\nwsrep_cluster_address = gcomm://old\n');
    fs.writeFileSync(
      path.join(dir, 'conf.d', '60-galera.cnf'),
      '[galera]\nwsrep-cluster-address="gcomm://db1,db2:4567,[fd00::3]:4567?pc.wait_prim=no"\nwsrep_node_address=db2 # me\n',
    );
    fs.writeFileSync(path.join(dir, 'conf.d', 'README'), '[mysqld]\nwsrep_cluster_address=gcomm://ignored\n');
    const o = readServerOptions(path.join(dir, 'my.cnf'));
    assert.equal(o.values.get('wsrep_cluster_address'), 'gcomm://db1,db2:4567,[fd00::3]:4567?pc.wait_prim=no');
    assert.equal(o.values.get('wsrep_node_address'), 'db2');
    assert.equal(o.values.has('port'), false, '[client] is not the server');
    assert.deepEqual(o.problems, []);
    assert.deepEqual(clusterHosts(o.values.get('wsrep_cluster_address')!), ['db1', 'db2', 'fd00::3']);
  });

  it('names a missing file or directory instead of failing', () => {
    fs.writeFileSync(path.join(dir, 'my.cnf'), `!includedir ${dir}/nope\n`);
    assert.match(readServerOptions(path.join(dir, 'my.cnf')).problems.join(), /nope: ENOENT/);
    assert.match(readServerOptions(path.join(dir, 'missing.cnf')).problems.join(), /ENOENT/);
  });

  it('resolves members from the server config, and this node from wsrep_node_address', () => {
    fs.writeFileSync(
      path.join(dir, 'my.cnf'),
      '[galera]\nwsrep_cluster_address=gcomm://10.0.0.1,10.0.0.2,10.0.0.3\nwsrep_node_address=10.0.0.2\n',
    );
    const cfg = buildConfig({ init: { serverConfig: path.join(dir, 'my.cnf'), snmpPort: 1161 } }, 'x');
    const r = resolveMembers(cfg);
    assert.deepEqual(
      r.targets.map((t) => `${t.host}:${t.port}`),
      ['10.0.0.1:1161', '10.0.0.2:1161', '10.0.0.3:1161'],
    );
    assert.equal(r.selfId, '10.0.0.2');
  });

  it('lets its own config win, with per-member overrides, and explains what is missing', () => {
    const cfg = buildConfig(
      { init: { members: ['a:1', { target: 'b:2', community: 'other' }], self: 'a:1', community: 'c' } },
      'x',
    );
    const r = resolveMembers(cfg);
    assert.deepEqual(
      r.targets.map((t) => [t.id, t.community]),
      [
        ['a:1', 'c'],
        ['b:2', 'other'],
      ],
    );
    assert.throws(
      () => resolveMembers(buildConfig({ init: { members: ['a:1'], self: 'z' } }, 'x')),
      /init.self 'z' is not among the members/,
    );
    assert.throws(
      () => resolveMembers(buildConfig({ init: { serverConfig: path.join(dir, 'none.cnf') } }, 'x')),
      /no members: set init.members .* or wsrep_cluster_address/,
    );
    assert.throws(
      () => resolveMembers(buildConfig({ init: { members: ['198.51.100.1', '198.51.100.2'] } }, 'x')),
      /cannot tell which member is this node.*set init.self/,
    );
  });

  it('normalises and de-duplicates the member list: case, brackets, default port; init.self matched the same way', () => {
    const cfg = buildConfig(
      {
        init: {
          members: ['DB1', 'db1:161', 'db2', '[fd00::3]:161', '[FD00::3]', 'db3:1161'],
          self: 'db1',
          snmpPort: 161,
        },
      },
      'x',
    );
    const r = resolveMembers(cfg);
    assert.deepEqual(
      r.targets.map((t) => t.id),
      ['DB1', 'db2', '[fd00::3]:161', 'db3:1161'],
    );
    assert.equal(r.selfId, 'DB1');
    assert.deepEqual(r.dropped, ['db1:161 (same as DB1)', '[FD00::3] (same as [fd00::3]:161)']);
  });

  it('a wsrep_cluster_address that leaves this node out still makes it a member, asked on loopback', () => {
    fs.writeFileSync(path.join(dir, 'my.cnf'), '[galera]\nwsrep_cluster_address=gcomm://198.51.100.2,198.51.100.3\n');
    const r = resolveMembers(buildConfig({ init: { serverConfig: path.join(dir, 'my.cnf'), snmpPort: 1161 } }, 'x'));
    assert.deepEqual(
      r.targets.map((t) => t.id),
      ['127.0.0.1:1161', '198.51.100.2', '198.51.100.3'],
    );
    assert.equal(r.selfId, '127.0.0.1:1161');
  });

  it('this node listed by two of its own names on one port is one member; on two ports it is ambiguous', () => {
    fs.writeFileSync(
      path.join(dir, 'my.cnf'),
      `[galera]\nwsrep_cluster_address=gcomm://127.0.0.1,${os.hostname()},198.51.100.3\n`,
    );
    const r = resolveMembers(buildConfig({ init: { serverConfig: path.join(dir, 'my.cnf') } }, 'x'));
    assert.deepEqual(
      r.targets.map((t) => t.id),
      ['127.0.0.1', '198.51.100.3'],
    );
    assert.deepEqual(r.dropped, [`${os.hostname()} (this node, as 127.0.0.1)`]);
    assert.throws(
      () => resolveMembers(buildConfig({ init: { members: ['127.0.0.1:1', '127.0.0.1:2'] } }, 'x')),
      /cannot tell which member is this node \(2 match/,
    );
  });

  it('rejects malformed member entries at load time', () => {
    assert.throws(() => buildConfig({ init: { members: [{ host: 'a' }] } }, 'x.yaml'), /'init.members' must be a list/);
  });
});

describe("the chosen node's grastate.dat", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-gs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
  const crashed = `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   -1\nsafe_to_bootstrap: 0\n`;

  it('gets safe_to_bootstrap: 1, keeping owner, mode and every other byte; nothing else in the datadir changes', () => {
    const file = path.join(dir, 'grastate.dat');
    fs.writeFileSync(file, crashed, { mode: 0o640 });
    fs.chownSync(file, 4242, 4343);
    fs.writeFileSync(path.join(dir, 'other'), 'x');
    markSafeToBootstrap(dir, silentLogger(), { uuid: U, seqno: 9n });
    const st = fs.statSync(file);
    assert.equal(fs.readFileSync(file, 'utf8'), crashed.replace('safe_to_bootstrap: 0', 'safe_to_bootstrap: 1'));
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o640, 4242, 4343]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['grastate.dat', 'other']);
  });

  it('a file that names no state is written anew at the recovered position (else Galera starts a new history)', () => {
    assert.equal(
      bootstrapGrastate('', { uuid: U, seqno: 33n }),
      `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   33\nsafe_to_bootstrap: 1\n`,
    );
    assert.match(bootstrapGrastate('garbage\n', { uuid: U, seqno: 33n }), /seqno: {3}33/);
    assert.equal(
      bootstrapGrastate('', { uuid: null, seqno: -1n }),
      '\nsafe_to_bootstrap: 1\n',
      'no position: only the flag',
    );
    assert.equal(
      bootstrapGrastate(crashed, { uuid: U, seqno: 40n }),
      crashed.replace(': 0', ': 1'),
      'a file that names its state keeps it',
    );
    fs.chmodSync(dir, 0o750);
    markSafeToBootstrap(dir, silentLogger(), { uuid: null, seqno: -1n });
    assert.deepEqual(fs.readdirSync(dir), [], 'a fresh node gets no file');
    markSafeToBootstrap(dir, silentLogger(), { uuid: U, seqno: 7n });
    assert.match(fs.readFileSync(path.join(dir, 'grastate.dat'), 'utf8'), /seqno: {3}7\nsafe_to_bootstrap: 1/);
  });

  it('a forced join of a node ahead sets grastate.dat aside, never deletes it', () => {
    fs.writeFileSync(path.join(dir, 'grastate.dat'), crashed);
    discardState(dir, silentLogger());
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^grastate\.dat\.discarded-\d{4}-\d\d-\d\dT\d{9}Z$/);
    assert.equal(fs.readFileSync(path.join(dir, files[0]), 'utf8'), crashed);
  });
});

describe('the members table', () => {
  it('shows every member, who answered, and the decision with its reason', () => {
    const t = formatTable(
      [
        {
          id: 'a:161',
          name: 'db-a',
          self: true,
          answered: true,
          status: 'initiating',
          seqno: 9n,
          seqnoSource: 'grastate',
          uuid: null,
          safeToBootstrap: null,
        },
        {
          id: 'c:161',
          name: 'db-c',
          self: false,
          answered: true,
          status: 'running',
          clusterStatus: 'nonPrimary',
          seqno: 12n,
          seqnoSource: 'live',
          uuid: null,
          safeToBootstrap: null,
        },
        { id: 'b:161', self: false, answered: false, error: 'no answer (timeout)' },
      ],
      { action: 'wait', waitingFor: ['b:161'], reason: 'waiting for b:161', advice: 'start the agent of b:161' },
    );
    assert.match(t, /a:161 \(this node\)\s+db-a\s+yes\s+initiating\s+-\s+9\s+grastate/);
    assert.match(t, /c:161\s+db-c\s+yes\s+running\s+nonPrimary\s+12\s+live/);
    assert.match(t, /b:161\s+\?\s+no\s+\?\s+-\s+\?.*no answer \(timeout\)/);
    assert.match(t, /decision: wait\nreason: {3}waiting for b:161\nadvice: {3}start the agent of b:161\n$/);
  });
});
