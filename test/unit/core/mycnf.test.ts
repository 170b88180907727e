// my.cnf option files: exactly which lines are sections, keys, comments and values.
import { strict as assert } from 'node:assert';
import { clientOptions, parseOptionFile } from '../../../src/core/mycnf';
import { check, textLike } from '../../helpers/fuzz';

const flat = (text: string): Record<string, Record<string, string>> =>
  Object.fromEntries([...parseOptionFile(text)].map(([s, m]) => [s, Object.fromEntries(m)]));

describe('my.cnf option files, exactly', () => {
  const cases: [string, string, Record<string, Record<string, string>>][] = [
    ['indented section and key', '  [client]  \n  user = bob  \n', { client: { user: 'bob' } }],
    ['a section name is trimmed and lower-cased', '[ Client ]\nuser=a', { client: { user: 'a' } }],
    [
      '# ; and ! lines are not keys',
      '[client]\n# user=x\n; host=y\n!includedir /etc/x\nuser=a',
      { client: { user: 'a' } },
    ],
    [
      '#, ; and ! inside a value are kept',
      '[client]\npassword=pw#\nhost=h;\nuser=bob!',
      { client: { password: 'pw#', host: 'h;', user: 'bob!' } },
    ],
    ['a bare key: value empty, dashes as underscores', '[client]\nskip-ssl', { client: { skip_ssl: '' } }],
    ['a key that is empty', '[client]\n=x', { client: { '': 'x' } }],
    [
      'quotes are taken off',
      '[client]\npassword="a b # c"\nuser=\'u\'',
      { client: { password: 'a b # c', user: 'u' } },
    ],
    [
      'a quote that does not close the value is kept, the comment goes',
      '[client]\npassword="ab" # c\nuser=x"ab"',
      { client: { password: '"ab"', user: 'x"ab"' } },
    ],
    ['a trailing comment goes with all the space before it', '[client]\nuser=bob   # me', { client: { user: 'bob' } }],
    ['a # without space before it is part of the value', '[client]\nuser=bob#me', { client: { user: 'bob#me' } }],
    ['a header with junk after it is not a header', '[client] junk\nuser=x', {}],
    ['a header with junk before it is not a header', 'x[client]\nuser=x', {}],
    ['keys before any section are ignored', 'user=x\n[client]\n', { client: {} }],
    [
      'a section seen twice is one section',
      '[client]\nuser=a\n[mysqld]\nport=1\n[CLIENT]\nhost=h',
      { client: { user: 'a', host: 'h' }, mysqld: { port: '1' } },
    ],
    ['CRLF', '[client]\r\nuser=a\r\n', { client: { user: 'a' } }],
  ];
  for (const [what, text, want] of cases) it(what, () => assert.deepEqual(flat(text), want));
});

describe('client options from my.cnf', () => {
  const port = (p: string): number | undefined => clientOptions(parseOptionFile(`[client]\nport=${p}\n`)).port;
  it('a port from 1 to 65535, whole', () => {
    assert.deepEqual(['3307', '1', '65535', '0', '65536', '1.5', '-1', 'x', ''].map(port), [
      3307,
      1,
      65535,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
  it('no port line, no port', () =>
    assert.equal(clientOptions(parseOptionFile('[client]\nuser=a\n=5')).port, undefined));
  it('[galera-agentx] wins over [client]; an empty password is a password', () => {
    assert.deepEqual(
      clientOptions(parseOptionFile('[client]\nuser=a\nhost=h\nsocket=/s\n[galera-agentx]\nuser=b\npassword=\n')),
      { user: 'b', password: '', host: 'h', socketPath: '/s' },
    );
  });
});

describe('my.cnf option files', () => {
  it('reads [client] and lets [galera-agentx] win, with quotes and comments', () => {
    const o = clientOptions(
      parseOptionFile(
        `# c\n[mysqld]\nuser=mysql\n[client]\nuser = monitor\npassword = "p#ss word"\nsocket=/run/mysqld/mysqld.sock # trailing\n[galera-agentx]\nuser=agentx\n`,
      ),
    );
    assert.deepEqual(o, { user: 'agentx', password: 'p#ss word', socketPath: '/run/mysqld/mysqld.sock' });
  });
  it('ignores bad ports and lines outside sections', () => {
    assert.deepEqual(clientOptions(parseOptionFile('user=x\n[client]\nport=99999\nhost=db\n')), { host: 'db' });
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'mycnf',
    textLike([
      '[client]',
      '[mysqld]',
      '[galera-agentx]',
      'user=',
      'password=',
      'socket=',
      'port=',
      '"',
      "'",
      '!include ',
    ]),
    (s) => s,
    (t) => {
      const o = clientOptions(parseOptionFile(t));
      assert.ok(o.port === undefined || (Number.isInteger(o.port) && o.port > 0 && o.port < 65536));
    },
  );
});
