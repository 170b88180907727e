// The --wsrep-recover output: the recovered position, from real runs and at its edges.
import { strict as assert } from 'node:assert';
import {
  heuristicRunEnded,
  orphansRolledBack,
  parseRecoveredPosition,
  preparedTransactions,
} from '../../../src/core/recoverlog';
import { SEQNO_MAX, SEQNO_MIN } from '../../../src/core/gtid';
import { fixture } from '../../helpers/fixtures';
import { check, textLike } from '../../helpers/fuzz';

// Against fixtures captured from a real MariaDB 10.11 + Galera 4 node (test/fixtures) and their
// broken variants.
describe('prepared transactions in the --wsrep-recover output', () => {
  it("counts the ones that stop the run, not an application's prepared XA transactions", () => {
    assert.equal(preparedTransactions(fixture('wsrep-recover-mariadb-10.11.log')), 0);
    assert.equal(
      preparedTransactions('[ERROR] Found 3 prepared transactions! It means that server was not shut down properly'),
      3,
    );
    assert.equal(preparedTransactions('[ERROR] Found 1 prepared transaction! You have to start server'), 1);
    assert.equal(preparedTransactions('[Warning] Found 2 prepared XA transactions'), 0);
    assert.equal(preparedTransactions('Found 99999999999 prepared transactions!'), 0, 'no absurd count');
  });
});

// Lines of a real MariaDB 10.11.19 + Galera 4 run: two wsrep XIDs prepared two and five past the
// checkpoint (seqno 5), one application XA transaction.
const ORPHANS = `2026-12-06 10:23:55 0 [Note] Found 3 prepared transaction(s) in InnoDB
2026-12-06 10:23:55 0 [Note] WSREP: Discovered discontinuity in recovered wsrep transaction XIDs. Truncating the recovery list to 0 entries
2026-12-06 10:23:55 0 [Note] WSREP: Last wsrep seqno to be recovered 5
2026-12-06 10:23:55 0 [Warning] Rolled back orphan prepared wsrep transaction 10
2026-12-06 10:23:55 0 [Warning] Rolled back orphan prepared wsrep transaction 8
2026-12-06 10:23:55 0 [Warning] Found 1 prepared XA transactions
2026-12-06 10:23:55 0 [Note] WSREP: Recovered position: 23613f16-f15f-11f1-a2e0-76c916349545:5`;
const HEURISTIC = `2026-12-06 10:26:30 0 [Note] Heuristic crash recovery mode
2026-12-06 10:26:30 0 [Note] Found 1 prepared transaction(s) in InnoDB
2026-12-06 10:26:30 0 [Note] Please restart without --tc-heuristic-recover
2026-12-06 10:26:30 0 [ERROR] Can't init tc log
2026-12-06 10:26:30 0 [ERROR] Aborting`;

describe('what a recovery rolls back by itself, and how a heuristic run ends', () => {
  it('lists the orphan write-sets the recovery rolled back, ascending, once each', () => {
    assert.deepEqual(orphansRolledBack(ORPHANS), [8n, 10n]);
    assert.deepEqual(orphansRolledBack(`${ORPHANS}\n${ORPHANS}`), [8n, 10n]);
    assert.deepEqual(orphansRolledBack(fixture('wsrep-recover-mariadb-10.11.log')), []);
    assert.equal(preparedTransactions(ORPHANS), 0, 'they do not stop the run');
    assert.equal(parseRecoveredPosition(ORPHANS)?.seqno, 5n);
  });

  it("recognises MariaDB's end of a --tc-heuristic-recover run (no position, exit 1) and nothing else", () => {
    assert.equal(heuristicRunEnded(HEURISTIC), true);
    assert.equal(parseRecoveredPosition(HEURISTIC), null);
    assert.equal(heuristicRunEnded(ORPHANS), false);
    assert.equal(heuristicRunEnded('[ERROR] Aborting'), false);
  });
});

describe('--wsrep-recover output parser', () => {
  it('finds the position in a real MariaDB 10.11 run', () => {
    assert.deepEqual(parseRecoveredPosition(fixture('wsrep-recover-mariadb-10.11.log')), {
      uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1',
      seqno: 5n,
    });
  });
  const cases: [string, string, string | null][] = [
    [
      'with a wsrep_gtid_mode suffix',
      '[Note] WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:1234,0-1-1234',
      '1234',
    ],
    [
      'Percona XtraDB Cluster 8',
      '2024-01-01T00:00:00Z 0 [System] [MY-000000] [WSREP] Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:99',
      '99',
    ],
    ['a never-committed node', 'WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1', '-1'],
    [
      'two lines: the last wins',
      'WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:1\nWSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:2',
      '2',
    ],
    [
      'no position (aborted run)',
      fixture('wsrep-recover-mariadb-10.11.log').replace(/.*Recovered position.*\n?/, ''),
      null,
    ],
    ['seqno overflow', 'WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:99999999999999999999', null],
    ['garbage', '\u0000\u0001 Recovered position: :', null],
  ];
  for (const [what, text, want] of cases) {
    it(`${what} -> ${want ?? 'none'}`, () =>
      assert.equal(parseRecoveredPosition(text)?.seqno.toString() ?? null, want));
  }
});

describe('the recovered position at its edges', () => {
  const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
  it('the recovery line with no space after WSREP:, and with no colon after position', () => {
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP:Recovered position: ${U}:5\n`), { uuid: U, seqno: 5n });
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP: Recovered position ${U}:6\n`), { uuid: U, seqno: 6n });
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP: Recovered position:${U}:7\n`), { uuid: U, seqno: 7n });
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'recover-log',
    textLike([
      '[Note] WSREP: Recovered position: ',
      '[WSREP] Recovered position: ',
      '84e32a09-e6d7-11f1-92ef-87e236721ec1:',
      ',0-1-',
      '12',
    ]),
    (s) => s,
    (t) => {
      const p = parseRecoveredPosition(t);
      assert.ok(p === null || (p.seqno >= SEQNO_MIN && p.seqno <= SEQNO_MAX && p.uuid.length === 36));
    },
  );
});
