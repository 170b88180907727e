// grastate.dat parsing: exact results, so a parser that accepts a
// little more or reports a little less fails here.
import { strict as assert } from 'node:assert';
import { GRASTATE_FILE, GRASTATE_MAX_BYTES, Grastate, parseGrastate } from '../../../src/core/grastate';
import { SEQNO_MAX, SEQNO_MIN } from '../../../src/core/gtid';
import { fixture } from '../../helpers/fixtures';
import { check, textLike } from '../../helpers/fuzz';

const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const U2 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const ok = (seqno: bigint, safe: boolean | null = true, uuid: string | null = U): Grastate => ({
  uuid,
  seqno,
  safeToBootstrap: safe,
  problems: [],
});

describe('grastate.dat, exactly', () => {
  const long = 'x'.repeat(100);
  const cases: [string, string, Grastate][] = [
    [
      'a real file',
      `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   1234\nsafe_to_bootstrap: 1\n`,
      ok(1234n),
    ],
    ['safe_to_bootstrap 0', `uuid: ${U}\nseqno: 5\nsafe_to_bootstrap: 0\n`, ok(5n, false)],
    ['indented lines, CRLF', `  uuid: ${U}\r\n\tseqno: 7  \r\n`, ok(7n, null)],
    ['no space after the colon, spaces before it', `uuid:${U}\nseqno :  9\n`, ok(9n, null)],
    ['a key inside another line is not the key', `uuid: ${U}\nseqno: 3\nold uuid: ${U2}\nmy seqno: 8\n`, ok(3n, null)],
    ['an upper-case UUID is made canonical', `uuid: ${U.toUpperCase()}\nseqno: -1\n`, ok(-1n, null)],
    [
      'a bad uuid, named and cut to 40 characters',
      `uuid: ${long}\nseqno: 1\n`,
      { uuid: null, seqno: 1n, safeToBootstrap: null, problems: [`uuid '${'x'.repeat(40)}' is not a UUID`] },
    ],
    [
      'a bad seqno, cut to 40',
      `uuid: ${U}\nseqno: ${long}\n`,
      {
        uuid: U,
        seqno: null,
        safeToBootstrap: null,
        problems: [`seqno '${'x'.repeat(40)}' is not a signed 64-bit integer`],
      },
    ],
    [
      'a bad safe_to_bootstrap, cut to 20',
      `uuid: ${U}\nseqno: 1\nsafe_to_bootstrap: ${long}\n`,
      {
        uuid: U,
        seqno: 1n,
        safeToBootstrap: null,
        problems: [`safe_to_bootstrap '${'x'.repeat(20)}' is neither 0 nor 1`],
      },
    ],
    ['no uuid line', 'seqno: 1\n', { uuid: null, seqno: 1n, safeToBootstrap: null, problems: ['no uuid line'] }],
    ['no seqno line', `uuid: ${U}\n`, { uuid: U, seqno: null, safeToBootstrap: null, problems: ['no seqno line'] }],
    [
      'a bad seqno and no uuid',
      'seqno: x\n',
      {
        uuid: null,
        seqno: null,
        safeToBootstrap: null,
        problems: ["seqno 'x' is not a signed 64-bit integer", 'no uuid line'],
      },
    ],
    [
      'neither',
      '# nothing\n',
      { uuid: null, seqno: null, safeToBootstrap: null, problems: ['no uuid line', 'no seqno line'] },
    ],
    ['empty', '', { uuid: null, seqno: null, safeToBootstrap: null, problems: ['file is empty'] }],
    [
      'binary',
      `uuid: ${U}\0\n`,
      { uuid: null, seqno: null, safeToBootstrap: null, problems: ['file holds binary data'] },
    ],
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
    assert.deepEqual(parseGrastate(`${at}#`).problems, [
      `file is ${GRASTATE_MAX_BYTES + 1} bytes, larger than any real grastate.dat`,
    ]);
  });

  it('is described for the file watcher', () => {
    assert.deepEqual(GRASTATE_FILE, { name: 'grastate.dat', maxBytes: 65536, parse: parseGrastate });
  });
});

// Against fixtures captured from a real MariaDB 10.11 + Galera 4 node (test/fixtures) and their
// broken variants.
describe('grastate.dat parser', () => {
  it("reads a real crashed node's file: uuid, seqno -1, safe_to_bootstrap", () => {
    const g = parseGrastate(fixture('grastate-crashed.dat'));
    assert.equal(g.uuid, '84e32a09-e6d7-11f1-92ef-87e236721ec1');
    assert.equal(g.seqno, -1n);
    assert.equal(g.safeToBootstrap, true);
    assert.deepEqual(g.problems, []);
  });
  const real = fixture('grastate-crashed.dat');
  const broken: [
    string,
    string | Buffer,
    Partial<{ uuid: string | null; seqno: bigint | null; safe: boolean | null }>,
    RegExp,
  ][] = [
    ['empty', '', { uuid: null, seqno: null }, /empty/],
    ['binary', Buffer.from([0x23, 0, 0xff]), { uuid: null, seqno: null }, /binary/],
    ['huge', 'x'.repeat(70000), { uuid: null, seqno: null }, /larger/],
    [
      'truncated after uuid',
      real.slice(0, real.indexOf('seqno')),
      { uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1', seqno: null },
      /no seqno/,
    ],
    ['truncated mid-seqno', real.replace('seqno:   -1', 'seqno:   -'), { seqno: null }, /not a signed 64-bit/],
    [
      'seqno out of range',
      real.replace('seqno:   -1', 'seqno:   9223372036854775808'),
      { seqno: null },
      /not a signed 64-bit/,
    ],
    ['uuid garbage', real.replace(/uuid:.*$/m, 'uuid: not-a-uuid'), { uuid: null, seqno: -1n }, /not a UUID/],
    [
      'safe_to_bootstrap garbage',
      real.replace('safe_to_bootstrap: 1', 'safe_to_bootstrap: yes'),
      { safe: null },
      /neither 0 nor 1/,
    ],
    ['CRLF line ends and extra keys', real.replace(/\n/g, '\r\n') + 'future_key: 3\r\n', { seqno: -1n }, /^$/],
  ];
  for (const [what, text, want, problem] of broken) {
    it(`gives defined values for a file that is ${what}`, () => {
      const g = parseGrastate(text);
      if ('uuid' in want) assert.equal(g.uuid, want.uuid);
      if ('seqno' in want) assert.equal(g.seqno, want.seqno);
      if ('safe' in want) assert.equal(g.safeToBootstrap, want.safe);
      assert.match(g.problems.join('; '), problem);
    });
  }
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'grastate',
    textLike([
      '# GALERA saved state',
      'version: 2.1',
      'uuid:',
      'seqno:',
      'safe_to_bootstrap:',
      '84e32a09-e6d7-11f1-92ef-87e236721ec1',
    ]),
    (s) => s,
    (t) => {
      const g = parseGrastate(t);
      assert.ok(g.seqno === null || (g.seqno >= SEQNO_MIN && g.seqno <= SEQNO_MAX));
      assert.ok(g.uuid === null || /^[0-9a-f-]{36}$/.test(g.uuid));
      assert.ok(Array.isArray(g.problems));
    },
  );
});
