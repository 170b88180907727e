// The split-brain watch around its rule: what a member's answer becomes (a lying or broken one is
// unknown, never a side), where the agent's peer credentials may live, the notifications it
// raises and clears, and the fence file galera-check healthy reads.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as snmp from 'net-snmp';
import { buildConfig, defaultConfig, loadConfig } from '../../../src/config';
import { Notifier, NotifyContext } from '../../../src/daemon/notifier';
import { readFence } from '../../../src/sources/fence';
import { withPeerCredentials } from '../../../src/members';
import { loadMib } from '../../../src/snmp/mib';
import { componentFromVarbinds } from '../../../src/snmp/peers';
import type { NodeSnapshot } from '../../../src/core/snapshot';

const mib = loadMib();
const T = snmp.ObjectType;
const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const vb = (type: number, value: unknown) => ({ oid: '1.3', type, value });
// In the watch's order: name, reachable, server pid, cluster status, uuid, conf id, size, last committed.
const answer = (over: Record<number, ReturnType<typeof vb>> = {}) => {
  const v = [
    vb(T.OctetString, Buffer.from('db3')),
    vb(T.Integer, 1),
    vb(T.Gauge, 4242),
    vb(T.Integer, 1),
    vb(T.OctetString, Buffer.from(U)),
    vb(T.OctetString, Buffer.from('8')),
    vb(T.Gauge, 1),
    vb(T.OctetString, Buffer.from('1200')),
  ];
  for (const [i, x] of Object.entries(over)) v[Number(i)] = x;
  return v;
};

describe('the split-brain watch', () => {
  describe("a member's answer", () => {
    it('a Primary component, typed', () => {
      assert.deepEqual(componentFromVarbinds(mib, 'db3:161', answer()), {
        id: 'db3:161',
        kind: 'primary',
        name: 'db3',
        uuid: U,
        confId: 8n,
        size: 1,
        lastCommitted: 1200n,
      });
    });
    it("an arbitrator (garbd) is never a side, though its agent reads no server; an older agent's answer without galeraRole still counts", () => {
      const garbd = answer({ 1: vb(T.Integer, 2) });
      assert.equal(componentFromVarbinds(mib, 'p', [...garbd, vb(T.Integer, 2)]).kind, 'notPrimary');
      assert.equal(componentFromVarbinds(mib, 'p', [...garbd, vb(T.Integer, 1)]).kind, 'unknown');
      assert.equal(componentFromVarbinds(mib, 'p', [...answer(), vb(T.NoSuchObject, null)]).kind, 'primary');
      assert.equal(componentFromVarbinds(mib, 'p', answer()).kind, 'primary');
    });

    it('non-Primary, and no server at all, are not Primary; an unreadable running server is unknown', () => {
      assert.equal(componentFromVarbinds(mib, 'p', answer({ 3: vb(T.Integer, 2) })).kind, 'notPrimary');
      assert.equal(
        componentFromVarbinds(mib, 'p', answer({ 1: vb(T.Integer, 2), 2: vb(T.Gauge, 0) })).kind,
        'notPrimary',
      );
      assert.deepEqual(componentFromVarbinds(mib, 'p', answer({ 1: vb(T.Integer, 2) })), {
        id: 'p',
        kind: 'unknown',
        why: "db3's agent cannot read its server",
      });
    });
    const lies: [string, Record<number, ReturnType<typeof vb>>, RegExp][] = [
      ['size 0 in a Primary component', { 6: vb(T.Gauge, 0) }, /galeraClusterSize is 0/],
      ['a state UUID that is not one', { 4: vb(T.OctetString, Buffer.from('not-a-uuid')) }, /not a UUID/],
      [
        "a negative conf id (non-Primary's -1) while claiming Primary",
        { 5: vb(T.OctetString, Buffer.from('-1')) },
        /conf id/,
      ],
      ['a seqno that is not a number', { 7: vb(T.OctetString, Buffer.from('12x')) }, /not a seqno/],
      ['a missing object (an older agent)', { 5: vb(snmp.ObjectType.NoSuchObject, null) }, /galeraClusterConfId/],
      ['an empty node name', { 0: vb(T.OctetString, Buffer.from('')) }, /galeraNodeName is empty/],
    ];
    for (const [what, over, why] of lies)
      it(`${what}: unknown, never a side`, () => {
        const v = componentFromVarbinds(mib, 'p', answer(over));
        assert.equal(v.kind, 'unknown');
        assert.match((v as { why: string }).why, why);
      });
    it('the wrong number of values: unknown', () => {
      assert.equal(componentFromVarbinds(mib, 'p', answer().slice(0, 5)).kind, 'unknown');
    });
  });

  describe('credentials', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-watch-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const cfgWith = (file: string) => {
      const c = buildConfig(
        {
          mysql: { enabled: false },
          init: { members: ['db1', 'db2:1161'], self: 'db1' },
          watch: { credentialsFile: file },
        },
        'test',
      );
      return c;
    };

    it('come from the credentials file, with per-member overrides; absent, from init', () => {
      const f = path.join(dir, 'peers.yaml');
      assert.equal(withPeerCredentials(cfgWith(f)).init.community, 'public');
      fs.writeFileSync(f, 'community: s3cret\nmembers:\n  - {target: "db2:1161", community: other}\n', { mode: 0o600 });
      const c = withPeerCredentials(cfgWith(f));
      assert.equal(c.init.community, 's3cret');
      assert.deepEqual(c.init.members, [{ target: 'db1' }, { target: 'db2:1161', community: 'other' }]);
    });

    it('a credentials file others may read is refused, with the fix', () => {
      const f = path.join(dir, 'peers.yaml');
      fs.writeFileSync(f, 'community: s3cret\n', { mode: 0o640 });
      fs.chmodSync(f, 0o640);
      assert.throws(() => withPeerCredentials(cfgWith(f)), /readable by others \(mode 0640\).*chmod 0600/);
      fs.chmodSync(f, 0o600);
      fs.writeFileSync(f, 'datadir: /x\n');
      assert.throws(() => withPeerCredentials(cfgWith(f)), /unknown key 'datadir'/);
    });

    it("the agent's group-readable config may not hold SNMP secrets", () => {
      const f = path.join(dir, 'agent.yaml');
      fs.writeFileSync(
        f,
        'mysql: {enabled: false}\ninit:\n  community: s3cret\n  members: [{target: db2, authKey: k}]\n',
      );
      fs.chmodSync(f, 0o640);
      assert.throws(
        () => loadConfig(f),
        /readable by its group and holds SNMP secrets \(init.community, init.members\[0\].authKey\); move them to watch.credentialsFile/,
      );
      fs.chmodSync(f, 0o600);
      assert.equal(loadConfig(f).init.community, 's3cret');
      fs.writeFileSync(f, 'mysql: {enabled: false}\ninit:\n  community: public\n');
      fs.chmodSync(f, 0o640);
      assert.equal(loadConfig(f).init.community, 'public');
    });
  });

  it('galeraSplitBrain on the first sighting, again when fenced, galeraSplitBrainCleared when gone', () => {
    const sent: string[] = [];
    const n = new Notifier(mib, 0, (name) => sent.push(name));
    const ctx = (split: boolean, fenced: boolean): NotifyContext => ({
      serverRunning: true,
      mysqlPolled: false,
      mysqlClosed: false,
      mysqlError: '',
      promotions: 0,
      promotedReason: '',
      split,
      fenced,
    });
    const s = { status: 'running', wsrep: null, window: null } as unknown as NodeSnapshot;
    const clock = { tick: () => new Promise((r) => setTimeout(r, 5)) };
    return (async () => {
      n.observe(s, ctx(false, false));
      await clock.tick();
      assert.deepEqual(sent, []);
      n.observe(s, ctx(true, false));
      await clock.tick();
      n.observe(s, ctx(true, true));
      await clock.tick();
      n.observe(s, ctx(false, false));
      await clock.tick();
      n.stop();
      assert.deepEqual(sent, ['galeraSplitBrain', 'galeraSplitBrain', 'galeraSplitBrainCleared']);
    })();
  });

  it('galera-check reads a fresh fence file, and ignores an old one (an agent that died)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-fence-'));
    try {
      const cfg = defaultConfig();
      cfg.watch.fenceFile = path.join(dir, 'fenced');
      assert.equal(readFence(cfg), null);
      fs.writeFileSync(cfg.watch.fenceFile, 'this node is on the side that must not take traffic\n');
      assert.match(readFence(cfg) ?? '', /must not take traffic/);
      assert.equal(readFence(cfg, Date.now() + 36000), null, 'older than 3 intervals + 5 s');
      cfg.watch.intervalSeconds = 0;
      assert.equal(readFence(cfg), null, 'the watch is off');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
