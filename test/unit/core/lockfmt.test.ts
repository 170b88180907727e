// The lock file format: exact text out, and what a read accepts.
import { strict as assert } from 'node:assert';
import { formatLock, parseLock } from '../../../src/core/lockfmt';
import { check, textLike } from '../../helpers/fuzz';

describe('the lock file format', () => {
  it('writes purpose and host, and starttime only when known', () => {
    assert.equal(formatLock({ pid: 5, starttime: null, purpose: null }, 'h1'), '5\npurpose=unknown host=h1\n');
    assert.equal(
      formatLock({ pid: 5, starttime: 77, purpose: 'galera-init' }, 'h1'),
      '5\npurpose=galera-init host=h1 starttime=77\n',
    );
  });
  const cases: [string, string, ReturnType<typeof parseLock>][] = [
    [
      'what it writes',
      '5\npurpose=galera-init host=h starttime=77\n',
      { pid: 5, starttime: 77, purpose: 'galera-init' },
    ],
    ['a bare PID, spaces around', ' 5 ', { pid: 5, starttime: null, purpose: null }],
    ['PID 1', '1\n', { pid: 1, starttime: null, purpose: null }],
    ['the pid_max ceiling', '4194304\n', { pid: 4194304, starttime: null, purpose: null }],
    ['above pid_max', '4194305\n', null],
    ['PID 0', '0\n', null],
    ['not a number', 'x\n', null],
    ['a number for a purpose is not a starttime', '5\npurpose=123\n', { pid: 5, starttime: null, purpose: '123' }],
    ['a starttime with junk after', '5\nstarttime=12x\n', { pid: 5, starttime: null, purpose: null }],
    ['a starttime with junk before', '5\nstarttime=x12\n', { pid: 5, starttime: null, purpose: null }],
    ['a purpose cut to 32', `5\npurpose=${'p'.repeat(40)}\n`, { pid: 5, starttime: null, purpose: 'p'.repeat(32) }],
    ['an empty purpose', '5\npurpose= starttime\n', { pid: 5, starttime: null, purpose: null }],
  ];
  for (const [what, text, want] of cases) it(what, () => assert.deepEqual(parseLock(text), want));
  it('reads 4096 bytes and refuses more', () => {
    const at = `5\n${' '.repeat(4094)}`;
    assert.equal(at.length, 4096);
    assert.deepEqual(parseLock(at), { pid: 5, starttime: null, purpose: null });
    assert.equal(parseLock(`${at} `), null);
  });
});

describe('lock file format', () => {
  it('round-trips', () => {
    assert.deepEqual(parseLock(formatLock({ pid: 1234, starttime: 99, purpose: 'galera-init' }, 'h')), {
      pid: 1234,
      starttime: 99,
      purpose: 'galera-init',
    });
  });
  const bad = ['', '\n', 'abc', '-5\n', '0\n', '99999999999\n', 'x'.repeat(5000), '12 34\n'];
  for (const text of bad) it(`rejects ${JSON.stringify(text.slice(0, 20))}`, () => assert.equal(parseLock(text), null));
  it('accepts a bare PID (the simplest writer)', () =>
    assert.deepEqual(parseLock('42'), { pid: 42, starttime: null, purpose: null }));
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'lock',
    textLike(['12345', 'purpose=', 'starttime=', 'host=']),
    (s) => s,
    (t) => {
      const l = parseLock(t);
      assert.ok(l === null || (Number.isInteger(l.pid) && l.pid > 0));
    },
  );
});
