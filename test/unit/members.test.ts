import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clusterHosts, readServerOptions } from '../../src/sources/servercnf';
import { resolveMembers } from '../../src/members';
import { buildConfig } from '../../src/config';

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

  it('resolves init.arbitrators to member ids, however spelled, and refuses one that is no member', () => {
    fs.writeFileSync(
      path.join(dir, 'my.cnf'),
      '[galera]\nwsrep_cluster_address=gcomm://10.0.0.1,10.0.0.2,garbd.example\nwsrep_node_address=10.0.0.2\n',
    );
    const init = { serverConfig: path.join(dir, 'my.cnf'), snmpPort: 1161 };
    const r = resolveMembers(buildConfig({ init: { ...init, arbitrators: ['GARBD.example:1161'] } }, 'x'));
    assert.deepEqual(r.arbitratorIds, ['garbd.example']);
    assert.deepEqual(resolveMembers(buildConfig({ init }, 'x')).arbitratorIds, []);
    assert.throws(
      () => resolveMembers(buildConfig({ init: { ...init, arbitrators: ['10.0.0.9'] } }, 'x')),
      /init.arbitrators: '10.0.0.9' is not among the members 10.0.0.1, 10.0.0.2, garbd.example/,
    );
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
