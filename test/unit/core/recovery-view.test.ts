// galeraRecoveryGroup: how the last --wsrep-recover ended, from the recovery source's facts, and
// as the MIB serves it.

import { strict as assert } from 'node:assert';
import { RecoveryFacts, recoveryView, type NodeSnapshot } from '../../../src/core/snapshot';
import { buildView } from '../../../src/snmp/publish';
import { loadMib } from '../../../src/snmp/mib';
import { getExact } from '../../../src/snmp/view';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const base: RecoveryFacts = { position: null, hasData: true, running: false, error: '' };

describe('the recovery outcome', () => {
  const cases: [string, Partial<RecoveryFacts>, ReturnType<typeof recoveryView>][] = [
    ['nothing ran', {}, { outcome: 'none', prepared: 0, ms: 0 }],
    ['a run in progress', { running: true, ms: 40 }, { outcome: 'running', prepared: 0, ms: 40 }],
    ['a position', { position: { uuid: U, seqno: 5n }, ms: 1200 }, { outcome: 'found', prepared: 0, ms: 1200 }],
    [
      'prepared transactions',
      { error: 'the crash left 2 prepared transactions: ...', prepared: 2, ms: 900 },
      { outcome: 'prepared', prepared: 2, ms: 900 },
    ],
    [
      'its timeout',
      { error: 'timed out: ran 600 s, killed at recovery.timeoutMs (600000 ms); ...', ms: 600004 },
      { outcome: 'timedOut', prepared: 0, ms: 600004 },
    ],
    [
      'another failure',
      { error: 'no "Recovered position" in the output (exit 1): x' },
      { outcome: 'failed', prepared: 0, ms: 0 },
    ],
    [
      'a timeout text elsewhere is not a timeout',
      { error: 'cannot run x: timed out: no' },
      { outcome: 'failed', prepared: 0, ms: 0 },
    ],
  ];
  for (const [what, facts, want] of cases) it(what, () => assert.deepEqual(recoveryView({ ...base, ...facts }), want));

  it('is served as galeraRecoveryOutcome, galeraRecoveryPrepared and galeraRecoveryDuration', () => {
    const mib = loadMib();
    const s = {
      at: 1,
      nodeName: 'n1',
      status: 'stopped',
      reason: '',
      seqno: -1n,
      seqnoSource: 'unknown',
      uuid: U,
      safeToBootstrap: false,
      savedView: null,
      serverPid: 0,
      lockPid: 0,
      detectMs: 100,
      instance: 'i',
      sources: [],
    } satisfies NodeSnapshot;
    const get = (snap: NodeSnapshot, name: string): unknown =>
      (getExact(buildView(mib, snap), [...mib.object(name).oid, 0]).value as { value: unknown }).value;
    assert.equal(get(s, 'galeraRecoveryOutcome'), 1, 'none without a recovery view');
    assert.equal(get(s, 'galeraRecoveryPrepared'), 0);
    const stuck = { ...s, recovery: { outcome: 'prepared' as const, prepared: 3, ms: 1500 } };
    assert.equal(get(stuck, 'galeraRecoveryOutcome'), 4);
    assert.equal(get(stuck, 'galeraRecoveryPrepared'), 3);
    assert.equal(get(stuck, 'galeraRecoveryDuration'), 1500);
    assert.equal(get({ ...s, recovery: { outcome: 'timedOut', prepared: 0, ms: 9 } }, 'galeraRecoveryOutcome'), 5);
  });
});
