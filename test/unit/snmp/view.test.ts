import { strict as assert } from 'node:assert';
import { ValueType } from '../../../src/snmp/agentx/pdu';
import { getBulk, getExact, getNext, makeView } from '../../../src/snmp/view';

const int = (value: number) => ({ type: ValueType.Integer as const, value });
// objects 1.1 (scalar) and 1.2 (column with rows 1 and 3)
const view = makeView(
  [
    [1, 1],
    [1, 2],
  ],
  [
    { oid: [1, 2, 3], value: int(23) },
    { oid: [1, 1, 0], value: int(10) },
    { oid: [1, 2, 1], value: () => int(21) },
  ],
);

describe('the MIB view', () => {
  it('GET: value, noSuchInstance for a missing row, noSuchObject outside', () => {
    assert.deepEqual(getExact(view, [1, 1, 0]).value, int(10));
    assert.deepEqual(getExact(view, [1, 2, 1]).value, int(21));
    assert.equal(getExact(view, [1, 2, 2]).value.type, ValueType.NoSuchInstance);
    assert.equal(getExact(view, [1, 1]).value.type, ValueType.NoSuchObject);
    assert.equal(getExact(view, [1, 9, 0]).value.type, ValueType.NoSuchObject);
  });

  const next: [number[], boolean, number[], number[] | null][] = [
    [[], false, [], [1, 1, 0]],
    [[1, 1, 0], false, [], [1, 2, 1]],
    [[1, 1, 0], true, [], [1, 1, 0]],
    [[1, 2, 1], false, [], [1, 2, 3]],
    [[1, 2, 3], false, [], null],
    [[1, 1, 0], false, [1, 2, 1], null], // end is exclusive
    [[0], false, [1, 2], [1, 1, 0]],
  ];
  for (const [start, include, end, want] of next) {
    it(`GETNEXT from ${start.join('.') || '(empty)'}${include ? ' inclusive' : ''}${end.length ? ` to ${end.join('.')}` : ''} -> ${want?.join('.') ?? 'endOfMibView'}`, () => {
      const vb = getNext(view, { start, include, end });
      if (want) assert.deepEqual(vb.oid, want);
      else assert.equal(vb.value.type, ValueType.EndOfMibView);
    });
  }

  it('GETBULK: non-repeaters once, repeaters until the end of the view', () => {
    const r = getBulk(view, 1, 5, [
      { start: [1, 1], include: false, end: [] },
      { start: [1, 1, 0], include: false, end: [] },
    ]);
    assert.deepEqual(
      r.map((v) => v.oid.join('.')),
      ['1.1.0', '1.2.1', '1.2.3', '1.2.3'],
    );
    assert.equal(r[r.length - 1].value.type, ValueType.EndOfMibView);
  });

  it('refuses duplicate instances', () => {
    assert.throws(
      () =>
        makeView(
          [],
          [
            { oid: [1], value: int(1) },
            { oid: [1], value: int(2) },
          ],
        ),
      /duplicate/,
    );
  });
});

describe('GETBULK bounds', () => {
  const all = { start: [], include: false, end: [] };
  const oids = (vbs: { oid: readonly number[] }[]): string[] => vbs.map((v) => v.oid.join('.'));
  it('stops after maxRepetitions rounds', () => assert.deepEqual(oids(getBulk(view, 0, 2, [all])), ['1.1.0', '1.2.1']));
  it('maxRepetitions 0: the non-repeaters only', () =>
    assert.deepEqual(oids(getBulk(view, 1, 0, [all, all])), ['1.1.0']));
  it('stops at the size limit', () => assert.deepEqual(oids(getBulk(view, 0, 10, [all], 2)), ['1.1.0', '1.2.1']));
  it('a duplicate instance is refused by name', () => {
    assert.throws(
      () =>
        makeView(
          [],
          [
            { oid: [1, 1, 0], value: int(1) },
            { oid: [1, 1, 0], value: int(2) },
          ],
        ),
      /^Error: duplicate instance 1\.1\.0$/,
    );
  });
});
