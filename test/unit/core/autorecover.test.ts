// The automatic recovery's rule, case by case: it acts only after a crash its unit gave up on,
// once the condition has lasted, within its crash-loop limit, and never otherwise.

import { strict as assert } from 'node:assert';
import {
  AutoFacts,
  AutoState,
  UnitFacts,
  decideAuto,
  formatAutoState,
  inconsistencyIn,
  parseAutoState,
  parseJournalJson,
  parseUnitShow,
} from '../../../src/core/autorecover';

const NOW = 10_000_000;
const failed: UnitFacts = { activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: 1 };
const base = (over: Partial<AutoFacts> = {}): AutoFacts => ({
  now: NOW,
  afterMs: 30_000,
  maxAttempts: 3,
  windowMs: 1_800_000,
  maintenance: null,
  serverRunning: false,
  initiators: [],
  unit: failed,
  inconsistency: null,
  state: { downSince: NOW - 31_000, attempts: [] },
  ...over,
});
const decide = (f: AutoFacts) => decideAuto(f, 'mariadb.service', 'galera-init --auto-reset');

describe('automatic recovery: the rule', () => {
  it('acts when the unit failed after a crash and has for autoRecoverAfterSeconds', () => {
    const v = decide(base());
    assert.equal(v.act, true, v.reason);
    assert.match(v.reason, /failed \(result exit-code, 1 restarts\) for 31 s/);
    assert.deepEqual(v.state, { attempts: [NOW] }, 'the attempt is counted and the wait starts afresh');
  });

  const units: [string, UnitFacts, boolean][] = [
    ['failed, exit-code', failed, true],
    ['failed, signal (the unit gave up)', { ...failed, result: 'signal' }, true],
    ['failed, core-dump', { ...failed, result: 'core-dump' }, true],
    ['failed, start-limit-hit', { ...failed, result: 'start-limit-hit', nRestarts: 5 }, true],
    ['inactive, result timeout', { activeState: 'inactive', subState: 'dead', result: 'timeout', nRestarts: 0 }, true],
    [
      'inactive, result success: systemctl stop',
      { activeState: 'inactive', subState: 'dead', result: 'success', nRestarts: 0 },
      false,
    ],
    ['inactive, no result', { activeState: 'inactive', subState: 'dead', result: '', nRestarts: 0 }, false],
    ['active', { activeState: 'active', subState: 'running', result: 'success', nRestarts: 0 }, false],
    [
      'activating: its own restart is pending',
      { activeState: 'activating', subState: 'auto-restart', result: 'signal', nRestarts: 1 },
      false,
    ],
    ['activating: starting', { activeState: 'activating', subState: 'start', result: 'success', nRestarts: 0 }, false],
    ['deactivating', { activeState: 'deactivating', subState: 'stop-sigterm', result: 'success', nRestarts: 0 }, false],
  ];
  for (const [name, unit, act] of units)
    it(`unit ${name}: ${act ? 'acts' : 'leaves it'}`, () => assert.equal(decide(base({ unit })).act, act));

  it('a deliberate stop forgets an earlier failure, so a later crash waits its full delay', () => {
    const v = decide(base({ unit: { activeState: 'inactive', subState: 'dead', result: 'success', nRestarts: 0 } }));
    assert.equal(v.act, false);
    assert.match(v.reason, /stopped on purpose/);
    assert.equal(v.state.downSince, undefined);
  });

  it('off when autoRecoverAfterSeconds is 0', () => {
    const v = decide(base({ afterMs: 0 }));
    assert.equal(v.act, false);
    assert.match(v.reason, /off/);
  });

  it('never in maintenance', () => {
    const v = decide(base({ maintenance: 'disk swap' }));
    assert.equal(v.act, false);
    assert.match(v.reason, /maintenance \(disk swap\)/);
  });

  it('never while the server runs, and a running server clears the failure seen', () => {
    const v = decide(base({ serverRunning: true }));
    assert.equal(v.act, false);
    assert.equal(v.state.downSince, undefined);
  });

  it('never while another galera-init decides; the failure seen is kept', () => {
    const v = decide(base({ initiators: [42] }));
    assert.equal(v.act, false);
    assert.match(v.reason, /galera-init pid 42 is deciding/);
    assert.equal(v.state.downSince, NOW - 31_000);
  });

  it('never when the unit cannot be read', () => {
    const v = decide(base({ unit: { error: 'Failed to connect to bus' } }));
    assert.equal(v.act, false);
    assert.match(v.reason, /cannot read mariadb.service: Failed to connect to bus/);
  });

  it('never after Galera shut the node down for an inconsistency, and says what to do', () => {
    const v = decide(base({ inconsistency: 'WSREP: Inconsistency detected: Inconsistent by consensus on 8a1' }));
    assert.equal(v.act, false);
    assert.match(v.reason, /inconsistency: "WSREP: Inconsistency detected/);
    assert.ok(!v.act && v.advice && /galera-init/.test(v.advice));
  });

  it('first sight starts the delay; acting waits the delay out', () => {
    const first = decide(base({ state: { attempts: [] } }));
    assert.equal(first.act, false);
    assert.equal(first.state.downSince, NOW);
    assert.match(first.reason, /for 0 s: acting after 30 s/);
    const early = decide(base({ now: NOW + 29_000, state: first.state }));
    assert.equal(early.act, false);
    assert.equal(early.state.downSince, NOW);
    assert.equal(decide(base({ now: NOW + 30_000, state: first.state })).act, true);
  });

  it('a first sight in the future (clock stepped back) starts the delay again', () => {
    const v = decide(base({ state: { downSince: NOW + 3_600_000, attempts: [] } }));
    assert.equal(v.act, false);
    assert.equal(v.state.downSince, NOW);
  });

  it('stops after maxAttempts in the window, says so and names the reset', () => {
    const state: AutoState = { downSince: NOW - 60_000, attempts: [NOW - 1_000_000, NOW - 500_000, NOW - 100_000] };
    const v = decide(base({ state }));
    assert.equal(v.act, false);
    assert.match(v.reason, /3 automatic recoveries started in the last 1800 s: stopped/);
    assert.ok(!v.act && v.advice?.includes('galera-init --auto-reset'));
  });

  it('attempts older than the window no longer count, and are dropped', () => {
    const state: AutoState = { downSince: NOW - 60_000, attempts: [NOW - 1_900_000, NOW - 500_000, NOW - 100_000] };
    const v = decide(base({ state }));
    assert.equal(v.act, true);
    assert.deepEqual(v.state.attempts, [NOW - 500_000, NOW - 100_000, NOW]);
  });

  it('maxAttempts 0 never acts', () => assert.equal(decide(base({ maxAttempts: 0 })).act, false));

  it('exhaustively: it acts exactly when every condition holds', () => {
    const unitsOf: (UnitFacts | { error: string })[] = [failed, ...units.map((u) => u[1]), { error: 'x' }];
    let acted = 0;
    for (const afterMs of [0, 30_000])
      for (const maintenance of [null, 'm'])
        for (const serverRunning of [false, true])
          for (const initiators of [[], [7]])
            for (const unit of unitsOf)
              for (const inconsistency of [null, 'Inconsistency detected'])
                for (const downSince of [undefined, NOW - 10_000, NOW - 40_000])
                  for (const attempts of [[], [NOW - 1, NOW - 2, NOW - 3]]) {
                    const f = base({ afterMs, maintenance, serverRunning, initiators, unit, inconsistency });
                    f.state = downSince === undefined ? { attempts } : { downSince, attempts };
                    const v = decide(f);
                    const gaveUp =
                      !('error' in unit) &&
                      (unit.activeState === 'failed' ||
                        (unit.activeState === 'inactive' && unit.result !== 'success' && unit.result !== ''));
                    const want =
                      afterMs > 0 &&
                      maintenance === null &&
                      !serverRunning &&
                      initiators.length === 0 &&
                      gaveUp &&
                      inconsistency === null &&
                      downSince === NOW - 40_000 &&
                      attempts.length < 3;
                    assert.equal(v.act, want, JSON.stringify({ f, v }));
                    if (v.act) acted++;
                    else assert.ok(v.reason.length > 0);
                  }
    assert.ok(acted > 0);
  });
});

describe('automatic recovery: its state file', () => {
  it('round-trips', () => {
    const s: AutoState = { downSince: 5, attempts: [1, 2], said: 'waiting' };
    assert.deepEqual(parseAutoState(formatAutoState(s)), s);
    assert.deepEqual(parseAutoState(formatAutoState({ attempts: [] })), { attempts: [] });
  });
  for (const bad of [
    '',
    'x',
    '[]',
    'null',
    '{"attempts":"x","downSince":"y"}',
    '{"attempts":[1,"a",null]}',
    '{"attempts":[],"said":"bogus"}',
  ])
    it(`a damaged file (${JSON.stringify(bad)}) reads as what it can`, () => {
      const s = parseAutoState(bad);
      assert.ok(Array.isArray(s.attempts));
      assert.ok(s.attempts.every((t) => typeof t === 'number'));
      assert.equal(s.downSince, undefined);
    });
});

describe("automatic recovery: the server unit's facts", () => {
  it('parses systemctl show', () => {
    assert.deepEqual(parseUnitShow('ActiveState=failed\nSubState=failed\nResult=exit-code\nNRestarts=2\n'), {
      activeState: 'failed',
      subState: 'failed',
      result: 'exit-code',
      nRestarts: 2,
    });
  });
  it('an answer without ActiveState is an error', () => {
    assert.ok('error' in parseUnitShow(''));
    assert.ok('error' in parseUnitShow('garbage'));
  });
});

describe('automatic recovery: an inconsistency in the journal', () => {
  const STARTING = '7d4958e842da4a758f6c1cdc7b36dcc5';
  const RESTART = '5eb03494b6584870a536b337290809b3';
  const j = (...e: [string, string?][]) =>
    e.map(([message, messageId]) => (messageId ? { message, messageId } : { message }));
  const line = '[ERROR] WSREP: Inconsistency detected: Inconsistent by consensus on 8a1b:42';

  it('is found after the last start', () => {
    assert.equal(inconsistencyIn(j(['Starting MariaDB', STARTING], ['ready'], [line])), line);
  });
  it('is still found after the unit restarted the server by itself', () => {
    assert.equal(
      inconsistencyIn(j(['Starting', STARTING], [line], ['restart', RESTART], ['Starting', STARTING], ['crashed'])),
      line,
    );
  });
  it('is forgotten once a person or galera-init started the server again', () => {
    assert.equal(inconsistencyIn(j(['Starting', STARTING], [line], ['Starting', STARTING], ['crashed'])), null);
  });
  for (const text of [
    'WSREP: Node consistency compromised, leaving cluster...',
    'Inconsistent by consensus',
    'WSREP: Could not reach consensus on 8a1b:42 (rcode: -110), assuming inconsistency.',
    'node consistency compromized, aborting',
  ])
    it(`knows "${text}"`, () => assert.equal(inconsistencyIn(j([text])), text));
  it('a journal without one is null', () => assert.equal(inconsistencyIn(j(['Starting', STARTING], ['ok'])), null));

  it('parses journalctl -o json, byte-array messages and junk included', () => {
    const text = [
      JSON.stringify({ MESSAGE: 'Starting x', MESSAGE_ID: STARTING }),
      JSON.stringify({ MESSAGE: [73, 110, 99] }),
      'not json',
      '',
      JSON.stringify({ OTHER: 1 }),
    ].join('\n');
    assert.deepEqual(parseJournalJson(text), [
      { message: 'Starting x', messageId: STARTING },
      { message: 'Inc' },
      { message: '' },
    ]);
  });
});
