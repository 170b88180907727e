// Seqno and UUID parsing, at their edges.
import { strict as assert } from 'node:assert';
import { parseSeqno, parseUuid } from '../../../src/core/gtid';

const U1 = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';

describe('seqno and uuid parsing', () => {
  const seqnos: [string, string | null][] = [
    ['0', '0'],
    ['-1', '-1'],
    [' 15 ', '15'],
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['9223372036854775808', null],
    ['-9223372036854775809', null],
    ['1e3', null],
    ['0x10', null],
    ['', null],
    ['12abc', null],
    ['+5', null],
    ['99999999999999999999999', null],
    ['--1', null],
    ['1.5', null],
  ];
  for (const [text, want] of seqnos) {
    it(`seqno ${JSON.stringify(text)} -> ${want}`, () => assert.equal(parseSeqno(text)?.toString() ?? null, want));
  }
  it('compares as 64-bit integers: 10 > 9 (the original compared strings)', () => {
    assert.ok(parseSeqno('10')! > parseSeqno('9')!);
  });
  it('accepts canonical UUIDs only', () => {
    assert.equal(parseUuid(U1.toUpperCase()), U1);
    assert.equal(parseUuid('9acf4d34acdb11e6bcc3d3e36276629f'), null);
    assert.equal(parseUuid(`${U1}x`), null);
  });
});

describe('UUIDs at their edges', () => {
  const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
  it('a UUID is trimmed and must be whole', () => {
    assert.equal(parseUuid(` ${U.toUpperCase()} `), U);
    assert.equal(parseUuid(`x${U}`), null);
  });
});
