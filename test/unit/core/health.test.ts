// Whether the node should take traffic: keepalived's idea of a healthy node, and the verdict with
// its reason behind the track file, the HTTP endpoint and galera-check healthy.
import { strict as assert } from 'node:assert';
import { healthVerdict, isHealthy } from '../../../src/core/health';
import { WsrepStatus, parseWsrepStatus } from '../../../src/core/wsrep-status';
import { syncedStatus } from '../../helpers/fixtures';

describe('a healthy node, for keepalived', () => {
  const h = (o: Partial<WsrepStatus>): WsrepStatus => ({
    ...parseWsrepStatus({}, null, null, true, 1),
    clusterStatus: 'primary',
    ready: true,
    localState: 4,
    ...o,
  });
  const cases: [string, Partial<WsrepStatus>, boolean, boolean, boolean][] = [
    ['Synced, Primary, ready', {}, true, false, true],
    ['no server', {}, false, false, false],
    ['unreachable', { reachable: false }, true, false, false],
    ['non-Primary', { clusterStatus: 'nonPrimary' }, true, false, false],
    ['not ready', { ready: false }, true, false, false],
    ['ready unknown', { ready: null }, true, false, false],
    ['Joined', { localState: 3 }, true, true, false],
    ['donor, donors not healthy', { localState: 2 }, true, false, false],
    ['donor, donors healthy', { localState: 2 }, true, true, true],
  ];
  for (const [what, o, running, donorOk, want] of cases)
    it(what, () => assert.equal(isHealthy(h(o), running, donorOk), want));
});

describe('a healthy node, from the real Synced capture', () => {
  const status = syncedStatus();
  it('a Donor is healthy only when configured so', () => {
    const donor = parseWsrepStatus({ ...status, wsrep_local_state: '2' }, null, null, true, 1);
    assert.equal(isHealthy(donor, true, false), false);
    assert.equal(isHealthy(donor, true, true), true);
  });
});

describe('the health verdict', () => {
  const synced = syncedStatus();
  const cases: [string, Record<string, string> | null, boolean, boolean, boolean, RegExp][] = [
    ['a Synced Primary ready node', synced, true, true, false, /^Galera node is synced\.$/],
    ['no server', synced, false, true, false, /not running/],
    ['an unreadable server', null, true, false, false, /not readable/],
    [
      'non-Primary',
      { ...synced, wsrep_cluster_status: 'non-Primary' },
      true,
      true,
      false,
      /not in the Primary component \(nonPrimary\)/,
    ],
    ['not ready', { ...synced, wsrep_ready: 'OFF' }, true, true, false, /not ready/],
    [
      'a Joiner',
      { ...synced, wsrep_local_state: '1', wsrep_local_state_comment: 'Joining' },
      true,
      true,
      false,
      /not synced \(Joining\)/,
    ],
    [
      'a Donor',
      { ...synced, wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
      true,
      true,
      false,
      /not synced \(Donor\/Desynced\)/,
    ],
  ];
  for (const [what, status, running, reachable, donor, re] of cases) {
    it(`${what}: ${re.source}`, () => {
      const v = healthVerdict(parseWsrepStatus(status, null, null, reachable, 1), running, donor);
      assert.match(v.reason, re);
      assert.equal(v.healthy, what.startsWith('a Synced'));
      assert.ok(!v.reason.includes('\n'), 'one line');
    });
  }
  it('a state without its comment is named by number, or unknown', () => {
    const v = (o: Record<string, string>): string =>
      healthVerdict(
        parseWsrepStatus({ ...synced, wsrep_local_state_comment: '', ...o }, null, null, true, 1),
        true,
        false,
      ).reason;
    assert.equal(v({ wsrep_local_state: '1' }), 'Galera node is not synced (state 1).');
    assert.equal(v({ wsrep_local_state: 'x' }), 'Galera node is not synced (unknown state).');
    assert.equal(
      v({ wsrep_local_state: '1', wsrep_local_state_comment: 'Joining' }),
      'Galera node is not synced (Joining).',
    );
  });
  it('a Donor serves when donorIsHealthy says so', () => {
    const v = healthVerdict(
      parseWsrepStatus(
        { ...synced, wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' },
        null,
        null,
        true,
        1,
      ),
      true,
      true,
    );
    assert.deepEqual(v, { healthy: true, reason: 'Galera node is Donor/Desynced, serving (donorIsHealthy).' });
  });
});

describe('maintenance, in the health rule', () => {
  const synced = parseWsrepStatus(syncedStatus(), null, null, true, 1);
  it('a node in maintenance is unhealthy whatever its server does, and the reason says why', () => {
    assert.equal(healthVerdict(synced, true, false).healthy, true, 'the same node, not in maintenance');
    assert.deepEqual(healthVerdict(synced, true, false, { reason: 'disk swap', since: 1, by: 'root' }), {
      healthy: false,
      reason: 'Galera node is in maintenance (disk swap).',
    });
    assert.deepEqual(healthVerdict(synced, false, true, { reason: '', since: 0, by: '' }), {
      healthy: false,
      reason: 'Galera node is in maintenance.',
    });
  });
});
