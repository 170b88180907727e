// grastate.dat parsing and the safe_to_bootstrap edit: exact results, so a parser that accepts a
// little more or reports a little less fails here.
import { strict as assert } from 'node:assert';
import { GRASTATE_FILE, GRASTATE_MAX_BYTES, Grastate, parseGrastate } from '../../../src/core/grastate';
import { withSafeToBootstrap } from '../../../src/core/grastate-edit';

const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const U2 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const ok = (seqno: bigint, safe: boolean | null = true, uuid: string | null = U): Grastate => ({ uuid, seqno, safeToBootstrap: safe, problems: [] });

describe('grastate.dat, exactly', () => {
  const long = 'x'.repeat(100);
  const cases: [string, string, Grastate][] = [
    ['a real file', `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   1234\nsafe_to_bootstrap: 1\n`, ok(1234n)],
    ['safe_to_bootstrap 0', `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 0\n`, ok(5n, false)],
    ['indented lines, CRLF', `  uuid: ${U}\r\n\tseqno: 7  \r\n`, ok(7n, null)],
    ['no space after the colon, spaces before it', `uuid:${U}\nseqno :  9\n`, ok(9n, null)],
    ['a key inside another line is not the key', `uuid: ${U}\nseqno: 3\nold uuid: ${U2}\nmy seqno: 8\n`, ok(3n, null)],
    ['an upper-case UUID is made canonical', `uuid: ${U.toUpperCase()}\nseqno: -1\n`, ok(-1n, null)],
    ['a bad uuid, named and cut to 40 characters', `uuid: ${long}\nseqno: 1\n`,
      { uuid: null, seqno: 1n, safeToBootstrap: null, problems: [`uuid '${'x'.repeat(40)}' is not a UUID`] }],
    ['a bad seqno, cut to 40', `uuid: ${U}\nseqno: ${long}\n`,
      { uuid: U, seqno: null, safeToBootstrap: null, problems: [`seqno '${'x'.repeat(40)}' is not a signed 64-bit integer`] }],
    ['a bad safe_to_bootstrap, cut to 20', `uuid: ${U}\nseqno: 1\nsafe_to_bootstrap: ${long}\n`,
      { uuid: U, seqno: 1n, safeToBootstrap: null, problems: [`safe_to_bootstrap '${'x'.repeat(20)}' is neither 0 nor 1`] }],
    ['no uuid line', 'seqno: 1\n', { uuid: null, seqno: 1n, safeToBootstrap: null, problems: ['no uuid line'] }],
    ['no seqno line', `uuid: ${U}\n`, { uuid: U, seqno: null, safeToBootstrap: null, problems: ['no seqno line'] }],
    ['a bad seqno and no uuid', 'seqno: x\n', { uuid: null, seqno: null, safeToBootstrap: null, problems: ["seqno 'x' is not a signed 64-bit integer", 'no uuid line'] }],
    ['neither', '# nothing\n', { uuid: null, seqno: null, safeToBootstrap: null, problems: ['no uuid line', 'no seqno line'] }],
    ['empty', '', { uuid: null, seqno: null, safeToBootstrap: null, problems: ['file is empty'] }],
    ['binary', `uuid: ${U}\0\n`, { uuid: null, seqno: null, safeToBootstrap: null, problems: ['file holds binary data'] }],
  ];
  for (const [what, text, want] of cases) {
    it(`${what}`, () => {
      assert.deepEqual(parseGrastate(text), want);
      assert.deepEqual(parseGrastate(Buffer.from(text)), want, 'a Buffer reads the same');
    });
  }

  it('takes a file of exactly the size limit and refuses one byte more', () => {
    const body = `uuid: ${U}\nseqno: 1\n`;
    const at = body + '#'.repeat(GRASTATE_MAX_BYTES - body.length);
    assert.equal(Buffer.byteLength(at), GRASTATE_MAX_BYTES);
    assert.deepEqual(parseGrastate(at), ok(1n, null));
    assert.deepEqual(parseGrastate(`${at}#`).problems, [`file is ${GRASTATE_MAX_BYTES + 1} bytes, larger than any real grastate.dat`]);
  });

  it('is described for the file watcher', () => {
    assert.deepEqual(GRASTATE_FILE, { name: 'grastate.dat', maxBytes: 65536, parse: parseGrastate });
  });
});

describe('setting safe_to_bootstrap: 1', () => {
  const cases: [string, string, string][] = [
    ['0 becomes 1, the rest kept', `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 0\n`, `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 1\n`],
    ['already 1 without a space: left alone', 'seqno: 5\nsafe_to_bootstrap:1', 'seqno: 5\nsafe_to_bootstrap:1'],
    ['already 1 with odd spacing: left alone', 'safe_to_bootstrap:  1  \nseqno: 5\n', 'safe_to_bootstrap:  1  \nseqno: 5\n'],
    ['already 1, trailing space, last line', 'seqno: 5\nsafe_to_bootstrap:1 ', 'seqno: 5\nsafe_to_bootstrap:1 '],
    ['a commented 1 is not the setting', '# safe_to_bootstrap: 1\nsafe_to_bootstrap: 0\n', '# safe_to_bootstrap: 1\nsafe_to_bootstrap: 1\n'],
    ['a commented 0 is not the setting', '# old safe_to_bootstrap: 0\nsafe_to_bootstrap: 0\n', '# old safe_to_bootstrap: 0\nsafe_to_bootstrap: 1\n'],
    ['only a comment: the line is added', `seqno: 5\n# safe_to_bootstrap: 0\n`, `seqno: 5\n# safe_to_bootstrap: 0\nsafe_to_bootstrap: 1\n`],
    ['missing: added after a final newline', 'seqno: 5\n', 'seqno: 5\nsafe_to_bootstrap: 1\n'],
    ['missing, no final newline: one is added', 'seqno: 5', 'seqno: 5\nsafe_to_bootstrap: 1\n'],
    ['a value of 10 is not 1', 'safe_to_bootstrap: 10\n', 'safe_to_bootstrap: 1\n'],
  ];
  for (const [what, text, want] of cases) it(what, () => assert.equal(withSafeToBootstrap(text), want));
});
