// gvwstate.dat parsing: exact results for the real file and each way it can be wrong.
import { strict as assert } from 'node:assert';
import { GVWSTATE_FILE, GVWSTATE_MAX_BYTES, Gvwstate, parseGvwstate } from '../../../src/core/gvwstate';
import { fixture } from '../../helpers/fixtures';
import { check, textLike } from '../../helpers/fuzz';

const ME = 'ef7717df-e6e6-11f1-bbaa-8630e67cc465';
const A = 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48';
const uuidN = (n: number): string => `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
const file = (body: string, my = ME): string => `my_uuid: ${my}\n#vwbeg\n${body}#vwend\n`;
const real = file(`view_id: 3 ${A} 3\nbootstrap: 0\nmember: ${A} 0\nmember: ${ME} 0\n`);
const fail = (why: string): Gvwstate => ({ view: null, problems: [why] });
const view = (members: string[], viewId = `${A}:3`): Gvwstate => ({
  view: { myUuid: ME, viewId, members, includesSelf: true },
  problems: [],
});

describe('gvwstate.dat, exactly', () => {
  const long = 'y'.repeat(100);
  const cases: [string, string, Gvwstate][] = [
    ['the real file', real, view([A, ME])],
    [
      'indented, CRLF, several spaces between words',
      `  my_uuid: ${ME}\r\n  #vwbeg  \r\nview_id:  3   ${A}   3\r\nmember:${A}   0\r\nmember :  ${ME} 1\r\n  #vwend\r\n`,
      view([A, ME]),
    ],
    [
      'a two-digit type and a 19-digit seq',
      file(`view_id: 12 ${A} 1234567890123456789\nmember: ${ME} 0\n`),
      view([ME], `${A}:1234567890123456789`),
    ],
    ['a two-digit segment', file(`view_id: 3 ${A} 3\nmember: ${ME} 12\n`), view([ME])],
    ['a member listed twice counts once', file(`view_id: 3 ${A} 3\nmember: ${ME} 0\nmember: ${ME} 0\n`), view([ME])],
    [
      'a key inside another line is not the key',
      `${file(`view_id: 3 ${A} 3\nmember: ${ME} 0\nold member: ${A} 0\n`)}`,
      view([ME]),
    ],
    [
      'not among its members',
      file(`view_id: 3 ${A} 3\nmember: ${A} 0\n`),
      {
        view: { myUuid: ME, viewId: `${A}:3`, members: [A], includesSelf: false },
        problems: ['this node (my_uuid) is not among the saved members'],
      },
    ],
    [
      'a bad my_uuid, cut to 40',
      file(`view_id: 3 ${A} 3\nmember: ${ME} 0\n`, long),
      fail(`my_uuid '${'y'.repeat(40)}' is not a UUID`),
    ],
    ['no my_uuid', `#vwbeg\nview_id: 3 ${A} 3\nmember: ${ME} 0\n#vwend\n`, fail('no my_uuid line')],
    [
      'no #vwbeg (an empty line is no marker)',
      `my_uuid: ${ME}\n\nview_id: 3 ${A} 3\nmember: ${ME} 0\n#vwend\n`,
      fail('the view is cut short (no #vwbeg/#vwend)'),
    ],
    [
      'no #vwend',
      `my_uuid: ${ME}\n#vwbeg\nview_id: 3 ${A} 3\nmember: ${ME} 0\n`,
      fail('the view is cut short (no #vwbeg/#vwend)'),
    ],
    ['no view_id', file(`member: ${ME} 0\n`), fail('no view_id line')],
    ['no members', file(`view_id: 3 ${A} 3\n`), fail('the view has no members')],
    ['empty', '', fail('file is empty')],
    ['binary', `${real}\0`, fail('file holds binary data')],
  ];
  const badViews = [
    '3 x 3',
    `1234 ${A} 3`,
    `x3 ${A} 3`,
    `3x ${A} 3`,
    `3 ${A} 12345678901234567890`,
    `3 ${A} x3`,
    `3 ${A} 3x`,
    `3 ${A}`,
    `3 ${A} 3 4`,
    `3 ${long} 3`,
  ];
  for (const v of badViews) {
    cases.push([
      `view_id '${v.slice(0, 20)}…'`,
      file(`view_id: ${v}\nmember: ${ME} 0\n`),
      fail(`view_id '${v.slice(0, 60)}' is not "<type> <uuid> <seq>"`),
    ]);
  }
  const badMembers = ['x 0', `${ME}`, `${ME} 0 1`, `${ME} 1234`, `${ME} x1`, `${ME} 1x`, `${long} 0`];
  for (const v of badMembers) {
    cases.push([
      `member '${v.slice(0, 20)}…'`,
      file(`view_id: 3 ${A} 3\nmember: ${v}\n`),
      fail(`member '${v.slice(0, 60)}' is not "<uuid> <segment>"`),
    ]);
  }
  for (const [what, text, want] of cases) {
    it(what, () => {
      assert.deepEqual(parseGvwstate(text), want);
      assert.deepEqual(parseGvwstate(Buffer.from(text)), want);
    });
  }

  it('takes 256 members and refuses a 257th', () => {
    const members = (n: number): string[] => Array.from({ length: n }, (_, i) => uuidN(i + 1));
    const text = (n: number): string =>
      file(
        `view_id: 3 ${A} 3\n${members(n)
          .map((m) => `member: ${m} 0\n`)
          .join('')}member: ${ME} 0\n`,
      );
    assert.deepEqual(parseGvwstate(text(255)).view?.members.length, 256);
    assert.deepEqual(parseGvwstate(text(256)), fail('more than 256 members'));
  });

  it('takes a file of exactly the size limit and refuses one byte more', () => {
    const at = real + '#'.repeat(GVWSTATE_MAX_BYTES - real.length);
    assert.deepEqual(parseGvwstate(at), view([A, ME]));
    assert.deepEqual(
      parseGvwstate(`${at}#`),
      fail(`file is ${GVWSTATE_MAX_BYTES + 1} bytes, larger than any real gvwstate.dat`),
    );
  });

  it('is described for the file watcher', () => {
    assert.deepEqual(GVWSTATE_FILE, { name: 'gvwstate.dat', maxBytes: 65536, parse: parseGvwstate });
  });
});

// Against fixtures captured from a real MariaDB 10.11 + Galera 4 node (test/fixtures) and their
// broken variants.
describe('gvwstate.dat parser', () => {
  const three = fixture('gvwstate-3-members.dat');
  it('reads a real file of a 3-node primary component', () => {
    const g = parseGvwstate(three);
    assert.deepEqual(g.problems, []);
    assert.equal(g.view?.myUuid, 'ef7717df-e6e6-11f1-bbaa-8630e67cc465');
    assert.equal(g.view?.viewId, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3');
    assert.equal(g.view?.members.length, 3);
    assert.equal(g.view?.includesSelf, true);
  });
  it('reads the file a lone survivor left (1 member, a later view)', () => {
    const g = parseGvwstate(fixture('gvwstate-1-member.dat'));
    assert.equal(g.view?.viewId, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:5');
    assert.deepEqual(g.view?.members, ['ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48']);
  });
  const broken: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['binary', 'my_uuid: \0\0', /binary/],
    ['cut before #vwend', three.slice(0, three.indexOf('#vwend')), /cut short/],
    ['cut mid-line', three.slice(0, three.indexOf('member:') + 20), /member/],
    ['without my_uuid', three.replace(/^my_uuid.*\n/, ''), /no my_uuid/],
    ['with a bad my_uuid', three.replace('my_uuid: ef77', 'my_uuid: zz77'), /my_uuid/],
    ['with a view_id of two words', three.replace(/view_id: 3 /, 'view_id: '), /view_id/],
    ['with no members', three.replace(/^member.*\n/gm, ''), /no members/],
    ['with a member lacking its segment', three.replace(/(member: [0-9a-f-]+) 0\n/, '$1\n'), /member/],
    ['huge', 'x'.repeat(70000), /larger/],
  ];
  for (const [what, text, why] of broken) {
    it(`gives no view and says why for a file that is ${what}`, () => {
      const g = parseGvwstate(text);
      assert.equal(g.view, null);
      assert.match(g.problems.join(';'), why);
    });
  }
  it('keeps the view but flags a file whose own node is not a member', () => {
    const g = parseGvwstate(three.replace('my_uuid: ef7717df', 'my_uuid: 00000000'));
    assert.equal(g.view?.includesSelf, false);
    assert.match(g.problems[0], /not among/);
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'gvwstate',
    textLike([
      'my_uuid: ',
      '#vwbeg',
      '#vwend',
      'view_id: 3 ',
      'bootstrap: 0',
      'member: ',
      ' 0',
      'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48',
    ]),
    (s) => s,
    (t) => {
      const g = parseGvwstate(t);
      assert.ok(Array.isArray(g.problems));
      if (g.view) {
        assert.ok(g.view.members.length > 0 && g.view.members.every((m) => /^[0-9a-f-]{36}$/.test(m)));
        assert.match(g.view.viewId, /^[0-9a-f-]{36}:\d+$/);
      } else assert.ok(g.problems.length > 0, 'no view without a reason');
    },
  );
});
