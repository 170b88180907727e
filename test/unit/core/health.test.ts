// Whether the node should take traffic: keepalived's idea of a healthy node, and the verdict with
// its reason behind the track file, the HTTP endpoint and galera-check healthy.
import { strict as assert } from 'node:assert';
import { DEFAULT_HEALTH_POLICY, HealthPolicy, healthVerdict, isHealthy } from '../../../src/core/health';
import { WsrepStatus, parseWsrepStatus } from '../../../src/core/wsrep-status';
import { syncedStatus } from '../../helpers/fixtures';

/** clustercheck's defaults, with a Donor allowed to serve or not. */
const donors = (donorIsHealthy: boolean): HealthPolicy => ({ ...DEFAULT_HEALTH_POLICY, donorIsHealthy });

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
    it(what, () => assert.equal(isHealthy(h(o), running, donors(donorOk)), want));
});

describe('a healthy node, from the real Synced capture', () => {
  const status = syncedStatus();
  it('a Donor is healthy only when configured so', () => {
    const donor = parseWsrepStatus({ ...status, wsrep_local_state: '2' }, null, null, true, 1);
    assert.equal(isHealthy(donor, true, donors(false)), false);
    assert.equal(isHealthy(donor, true, donors(true)), true);
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
      // Seen in the campaign (seed 20261207 round 38): a full datadir, a write-set not applied.
      'an Inconsistent node, out of the cluster',
      {
        ...synced,
        wsrep_cluster_status: 'Disconnected',
        wsrep_local_state: '0',
        wsrep_local_state_comment: 'Inconsistent',
      },
      true,
      true,
      false,
      /^Galera node is Inconsistent: .*see the error log\); fix the cause, then systemctl restart mariadb/,
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
      const v = healthVerdict(parseWsrepStatus(status, null, null, reachable, 1), running, donors(donor));
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
        DEFAULT_HEALTH_POLICY,
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
      donors(true),
    );
    assert.deepEqual(v, { healthy: true, reason: 'Galera node is Donor/Desynced, serving (donorIsHealthy).' });
  });
});

describe('read_only, wsrep_reject_queries and wsrep_sst_donor_rejects_queries in the rule', () => {
  const synced = syncedStatus();
  const donorStatus = { ...synced, wsrep_local_state: '2', wsrep_local_state_comment: 'Donor/Desynced' };
  const verdict = (
    status: Record<string, string>,
    variables: Record<string, string>,
    policy: Partial<HealthPolicy> = {},
  ): { healthy: boolean; reason: string } =>
    healthVerdict(parseWsrepStatus(status, variables, null, true, 1), true, { ...DEFAULT_HEALTH_POLICY, ...policy });
  const SYNCED = { healthy: true, reason: 'Galera node is synced.' };

  it('the variables as MariaDB spells them parse to typed values; missing ones to unknown', () => {
    const w = (v: Record<string, string>) => parseWsrepStatus(synced, v, null, true, 1);
    assert.deepEqual(
      [w({}).readOnly, w({}).rejectQueries, w({}).donorRejectsQueries],
      [null, null, null],
      'an older server, or a failed read: unknown, which never makes a node unhealthy',
    );
    const on = w({ read_only: 'ON', wsrep_reject_queries: 'ALL_KILL', wsrep_sst_donor_rejects_queries: 'ON' });
    assert.deepEqual([on.readOnly, on.rejectQueries, on.donorRejectsQueries], [true, 'ALL_KILL', true]);
    const off = w({ read_only: 'OFF', wsrep_reject_queries: 'NONE', wsrep_sst_donor_rejects_queries: 'OFF' });
    assert.deepEqual([off.readOnly, off.rejectQueries, off.donorRejectsQueries], [false, 'NONE', false]);
    // MariaDB 12 extends read_only with NO_LOCK and NO_LOCK_NO_ADMIN: still read-only.
    assert.equal(w({ read_only: 'NO_LOCK_NO_ADMIN' }).readOnly, true);
    assert.equal(w({ wsrep_reject_queries: "ALL'; DROP" }).rejectQueries, null, 'garbage is unknown');
  });

  it('a read-only Synced node serves by default (clustercheck available_when_readonly=1)', () => {
    assert.deepEqual(verdict(synced, { read_only: 'ON' }), SYNCED);
  });
  it('readOnlyIsHealthy off: a read-only node is out, with the reason and the option named', () => {
    assert.deepEqual(verdict(synced, { read_only: 'ON' }, { readOnlyIsHealthy: false }), {
      healthy: false,
      reason: 'Galera node is read-only (read_only=ON, readOnlyIsHealthy off).',
    });
    assert.deepEqual(verdict(synced, { read_only: 'OFF' }, { readOnlyIsHealthy: false }), SYNCED);
    assert.deepEqual(verdict(synced, {}, { readOnlyIsHealthy: false }), SYNCED, 'unknown is not read-only');
  });
  it('a read-only Donor is out when read-only nodes are, even when donors serve', () => {
    assert.equal(
      verdict(donorStatus, { read_only: 'ON' }, { donorIsHealthy: true, readOnlyIsHealthy: false }).healthy,
      false,
    );
    assert.equal(verdict(donorStatus, { read_only: 'ON' }, { donorIsHealthy: true }).healthy, true);
  });

  for (const value of ['ALL', 'ALL_KILL'])
    it(`wsrep_reject_queries=${value}: out by default, whatever the state; in with rejectQueriesIsHealthy`, () => {
      const reason = `Galera node rejects client queries (wsrep_reject_queries=${value}).`;
      assert.deepEqual(verdict(synced, { wsrep_reject_queries: value }), { healthy: false, reason });
      assert.deepEqual(verdict(donorStatus, { wsrep_reject_queries: value }, { donorIsHealthy: true }), {
        healthy: false,
        reason,
      });
      assert.deepEqual(verdict(synced, { wsrep_reject_queries: value }, { rejectQueriesIsHealthy: true }), SYNCED);
    });
  it('wsrep_reject_queries=NONE changes nothing', () => {
    assert.deepEqual(verdict(synced, { wsrep_reject_queries: 'NONE' }), SYNCED);
  });
  it('the older reasons come first: a non-Primary node that rejects queries says non-Primary', () => {
    assert.match(
      verdict(
        { ...synced, wsrep_cluster_status: 'non-Primary' },
        { wsrep_reject_queries: 'ALL', read_only: 'ON' },
        {
          readOnlyIsHealthy: false,
        },
      ).reason,
      /not in the Primary component/,
    );
  });

  it('wsrep_sst_donor_rejects_queries=ON: a Donor that may serve is out, with the variable named', () => {
    assert.deepEqual(verdict(donorStatus, { wsrep_sst_donor_rejects_queries: 'ON' }, { donorIsHealthy: true }), {
      healthy: false,
      reason: 'Galera node is Donor/Desynced and rejects client queries (wsrep_sst_donor_rejects_queries=ON).',
    });
    assert.equal(
      verdict(
        donorStatus,
        { wsrep_sst_donor_rejects_queries: 'ON' },
        {
          donorIsHealthy: true,
          donorRejectsQueriesIsHealthy: true,
        },
      ).healthy,
      true,
    );
    assert.equal(
      verdict(donorStatus, { wsrep_sst_donor_rejects_queries: 'OFF' }, { donorIsHealthy: true }).healthy,
      true,
    );
  });
  it('wsrep_sst_donor_rejects_queries is about donors only: a Synced node with it ON serves', () => {
    assert.deepEqual(verdict(synced, { wsrep_sst_donor_rejects_queries: 'ON' }), SYNCED);
  });
  it('without donorIsHealthy a Donor is out for being a Donor, the older reason', () => {
    assert.match(
      verdict(donorStatus, { wsrep_sst_donor_rejects_queries: 'ON' }).reason,
      /^Galera node is not synced \(Donor\/Desynced\)\.$/,
    );
  });
  it('every reason is one line ending in a full stop', () => {
    for (const [st, v, p] of [
      [synced, { read_only: 'ON' }, { readOnlyIsHealthy: false }],
      [synced, { wsrep_reject_queries: 'ALL_KILL' }, {}],
      [donorStatus, { wsrep_sst_donor_rejects_queries: 'ON' }, { donorIsHealthy: true }],
    ] as [Record<string, string>, Record<string, string>, Partial<HealthPolicy>][])
      assert.match(verdict(st, v, p).reason, /^Galera node [^\n]+\.$/);
  });
});

describe('maintenance, in the health rule', () => {
  const synced = parseWsrepStatus(syncedStatus(), null, null, true, 1);
  it('a node in maintenance is unhealthy whatever its server does, and the reason says why', () => {
    assert.equal(healthVerdict(synced, true, DEFAULT_HEALTH_POLICY).healthy, true, 'the same node, not in maintenance');
    assert.deepEqual(
      healthVerdict(synced, true, DEFAULT_HEALTH_POLICY, { reason: 'disk swap', since: 1, by: 'root' }),
      {
        healthy: false,
        reason: 'Galera node is in maintenance (disk swap).',
      },
    );
    assert.deepEqual(
      healthVerdict(
        synced,
        false,
        { ...DEFAULT_HEALTH_POLICY, donorIsHealthy: true },
        { reason: '', since: 0, by: '' },
      ),
      {
        healthy: false,
        reason: 'Galera node is in maintenance.',
      },
    );
  });
});
