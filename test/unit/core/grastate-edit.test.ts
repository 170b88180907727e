// Setting safe_to_bootstrap: 1 in grastate.dat: exact results, so an edit that changes a little
// more or a little less fails here.
import { strict as assert } from 'node:assert';
import { bootstrapGrastate, withSafeToBootstrap } from '../../../src/core/grastate-edit';

const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';

describe('setting safe_to_bootstrap: 1', () => {
  const cases: [string, string, string][] = [
    [
      '0 becomes 1, the rest kept',
      `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 0\n`,
      `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 1\n`,
    ],
    ['already 1 without a space: left alone', 'seqno: 5\nsafe_to_bootstrap:1', 'seqno: 5\nsafe_to_bootstrap:1'],
    [
      'already 1 with odd spacing: left alone',
      'safe_to_bootstrap:  1  \nseqno: 5\n',
      'safe_to_bootstrap:  1  \nseqno: 5\n',
    ],
    ['already 1, trailing space, last line', 'seqno: 5\nsafe_to_bootstrap:1 ', 'seqno: 5\nsafe_to_bootstrap:1 '],
    [
      'a commented 1 is not the setting',
      '# safe_to_bootstrap: 1\nsafe_to_bootstrap: 0\n',
      '# safe_to_bootstrap: 1\nsafe_to_bootstrap: 1\n',
    ],
    [
      'a commented 0 is not the setting',
      '# old safe_to_bootstrap: 0\nsafe_to_bootstrap: 0\n',
      '# old safe_to_bootstrap: 0\nsafe_to_bootstrap: 1\n',
    ],
    [
      'only a comment: the line is added',
      `seqno: 5\n# safe_to_bootstrap: 0\n`,
      `seqno: 5\n# safe_to_bootstrap: 0\nsafe_to_bootstrap: 1\n`,
    ],
    ['missing: added after a final newline', 'seqno: 5\n', 'seqno: 5\nsafe_to_bootstrap: 1\n'],
    ['missing, no final newline: one is added', 'seqno: 5', 'seqno: 5\nsafe_to_bootstrap: 1\n'],
    ['a value of 10 is not 1', 'safe_to_bootstrap: 10\n', 'safe_to_bootstrap: 1\n'],
  ];
  for (const [what, text, want] of cases) it(what, () => assert.equal(withSafeToBootstrap(text), want));
});

describe('safe_to_bootstrap', () => {
  it('is set to 1 and nothing else changes', () => {
    const text =
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   -1\nsafe_to_bootstrap: 0\n';
    assert.equal(withSafeToBootstrap(text), text.replace('safe_to_bootstrap: 0', 'safe_to_bootstrap: 1'));
    assert.equal(withSafeToBootstrap(text.replace(': 0', ': 1')), text.replace(': 0', ': 1'));
    assert.equal(withSafeToBootstrap('version: 2.1\nseqno: 5'), 'version: 2.1\nseqno: 5\nsafe_to_bootstrap: 1\n');
  });
});

describe('the grastate.dat to bootstrap from', () => {
  const U2 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
  const Z = '00000000-0000-0000-0000-000000000000';
  const fresh = (uuid: string, seqno: bigint): string =>
    `# GALERA saved state\nversion: 2.1\nuuid:    ${uuid}\nseqno:   ${seqno}\nsafe_to_bootstrap: 1\n`;
  const cases: [string, string, { uuid: string | null; seqno: bigint }, string][] = [
    [
      'a crashed file (-1) keeps its state; only safe_to_bootstrap changes',
      `uuid: ${U}\nseqno: -1\nsafe_to_bootstrap: 0\n`,
      { uuid: U2, seqno: 40n },
      `uuid: ${U}\nseqno: -1\nsafe_to_bootstrap: 1\n`,
    ],
    ['an empty file: written anew at the recovered position', '', { uuid: U2, seqno: 33n }, fresh(U2, 33n)],
    [
      'a file without a seqno line: anew',
      `uuid: ${U}\nsafe_to_bootstrap: 0\n`,
      { uuid: U2, seqno: 40n },
      fresh(U2, 40n),
    ],
    ['a file without a uuid line: anew', 'seqno: 5\nsafe_to_bootstrap: 0\n', { uuid: U2, seqno: 40n }, fresh(U2, 40n)],
    [
      'no recovered UUID: nothing to write anew, only the flag',
      '',
      { uuid: null, seqno: -1n },
      '\nsafe_to_bootstrap: 1\n',
    ],
    [
      'the zero UUID (a datadir that never ran Galera): only the flag',
      '',
      { uuid: Z, seqno: -1n },
      '\nsafe_to_bootstrap: 1\n',
    ],
  ];
  for (const [what, text, position, want] of cases)
    it(what, () => assert.equal(bootstrapGrastate(text, position), want));
});
