// The wsrep source against a MySQL-protocol server in the states a Galera node reaches on a bad
// night: ER 1047 on every query (non-Primary), "Too many connections", a hung server. The client
// is the agent's real mysql2 code; the server speaks the real protocol (mysql2's server side).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log';
import { ACCESS_DENIED, MysqlSource, describeMysqlError, mysqlErrorKind, retryDelay } from '../../../src/sources/mysql';
import { FakeMysql, startFakeMysql, syncedStatusRows } from '../../helpers/fakemysql';
import { SLACK, waitFor } from '../../helpers/proc';

describe('the wsrep source against a misbehaving server', function () {
  this.timeout(20000 * SLACK);
  let dir: string;
  let fake: FakeMysql;
  let src: MysqlSource;
  let lines: string[];

  /** The log, line by line, into `lines`. */
  const sink = (): Writable =>
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).trim().split('\n'));
        cb();
      },
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-fakemy-'));
    fake = await startFakeMysql(dir);
    const optionFile = path.join(dir, 'my.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=agentx\npassword=Pw-not-logged-7\nsocket=${fake.socket}\n`, {
      mode: 0o600,
    });
    lines = [];
    await startSource(5000);
  });
  afterEach(async () => {
    await src.stop();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The source against the fake, polling every 30 ms, once it has its first answer. */
  async function startSource(queryTimeoutMs: number): Promise<void> {
    src = new MysqlSource({
      optionFile: path.join(dir, 'my.cnf'),
      refreshIntervalMs: 30,
      // Generous: a first connect slower than this would wait the whole 60 s interval to retry.
      connectTimeoutMs: 5000,
      queryTimeoutMs,
      log: createLogger('info', 'test', sink()),
    });
    src.setActive(true);
    await waitFor('first answer', () => src.facts.reachable, 5000, 10);
  }

  /**
   * The same source with a short query timeout, for the cases that wait on it: each hung poll
   * costs one timeout, and the 5 s one made these cases a third of the unit suite's time.
   */
  async function shortQueryTimeout(): Promise<void> {
    await src.stop();
    await startSource(800);
  }

  const size = (): string => syncedStatusRows().find(([k]) => k === 'wsrep_cluster_size')![1];
  const failuresLogged = (): string[] => lines.filter((l) => l.includes('MySQL status query failed'));

  it("tells when the server drops its connection (a crash or a stop: the process table's mark)", async () => {
    // An idle connection between polls: a slow poll, so the drop falls between two queries.
    await src.stop();
    src = new MysqlSource({
      optionFile: path.join(dir, 'my.cnf'),
      refreshIntervalMs: 60_000,
      connectTimeoutMs: 300,
      queryTimeoutMs: 300,
      log: createLogger('info', 'test', new Writable({ write: (_c, _e, cb) => cb() })),
    });
    src.setActive(true);
    await waitFor('first answer', () => src.facts.reachable, 5000, 10);
    const lost = new Promise((r) => src.once('lost', r));
    fake.dropConnections();
    await lost;
    assert.equal(src.reads.count, 1, 'a drop is no read: the age keeps growing from the last answer');
  });

  it("reads the health rule's variables at every poll, the slow ones only now and then", async () => {
    assert.equal(src.facts.variables?.read_only, 'OFF');
    const from = fake.queries.length;
    fake.variables.read_only = 'ON';
    fake.variables.wsrep_reject_queries = 'ALL';
    await waitFor('read_only ON seen', () => src.facts.variables?.read_only === 'ON', 5000, 10);
    assert.equal(src.facts.variables?.wsrep_reject_queries, 'ALL');
    assert.equal(src.facts.variables?.wsrep_node_name, 'fake', 'the slow ones stay between their reads');
    await waitFor('a few more polls', () => fake.queries.length >= from + 12, 5000, 10);
    const vars = fake.queries.slice(from).filter((q) => q.startsWith('SHOW GLOBAL VARIABLES'));
    const status = fake.queries.slice(from).filter((q) => q.startsWith('SHOW GLOBAL STATUS'));
    assert.ok(vars.length >= status.length - 1, `${vars.length} variable reads for ${status.length} polls`);
    assert.ok(vars.every((q) => q.includes("'wsrep_sst_donor_rejects_queries'")));
    assert.ok(
      vars.filter((q) => q.includes("'wsrep_provider_options'")).length <= 1,
      'wsrep_provider_options is read about once a minute, not at each poll',
    );
  });

  it('reads the real Synced capture through the protocol', () => {
    assert.equal(src.facts.status?.wsrep_cluster_size, size());
    assert.equal(src.facts.status?.wsrep_cluster_status, 'Primary');
  });

  it('a hung server grows old; one that refuses connections (starting, stopping) stays confirmed', async () => {
    await shortQueryTimeout();
    fake.mode = 'hang';
    await waitFor('unreachable', () => !src.facts.reachable, 5000, 10);
    const hungSince = src.reads.lastOkAt;
    const failedAt = src.stats.failures;
    await waitFor('more timeouts', () => src.stats.failures >= failedAt + 2, 5000, 10);
    assert.equal(src.reads.lastOkAt, hungSince, 'no answer confirms nothing');
    assert.match(src.problem() ?? '', /did not answer in time/);
    // Its socket gone, as while a server stops or before it listens: the refusal is an answer.
    await fake.close();
    await waitFor('refused', () => src.facts.closed, 5000, 10);
    const refusedAt = src.reads.lastOkAt;
    await waitFor('the next refusal confirms it again', () => src.reads.lastOkAt > refusedAt, 5000, 10);
    assert.ok(src.reads.lastOkAt > hungSince);
    assert.match(src.problem() ?? '', /socket file not found|connection refused/, 'the row still says why it fails');
  });

  for (const [mode, why] of [
    ['non-primary', /non-Primary/],
    ['too-many', /too many connections/i],
    ['hang', /did not answer in time/],
  ] as const) {
    it(`${mode}: keeps the last status, says why once, and recovers by itself`, async () => {
      if (mode === 'hang') await shortQueryTimeout();
      fake.mode = mode;
      const queriesBefore = fake.queries.length;
      if (mode === 'too-many') fake.dropConnections(); // the limit bites at the next connect
      await waitFor('unreachable', () => !src.facts.reachable, 5000, 10);
      const failedAt = src.stats.failures;
      await waitFor('several failed polls', () => src.stats.failures >= failedAt + 3, 5000, 10);
      assert.match(src.facts.error?.text ?? '', why);
      assert.equal(src.facts.status?.wsrep_cluster_size, size(), 'the last values stay for the snapshot');
      assert.equal(
        src.facts.accepting,
        mode !== 'hang',
        'a server that answers, even with an error, accepts connections',
      );
      assert.equal(failuresLogged().length, 1, failuresLogged().join('\n'));
      if (mode === 'hang') {
        // One stuck query at a time, never a pile: each poll waits for the last one's timeout.
        // Counted at the server: received, unanswered, on a connection still open.
        assert.ok(
          src.stats.failures >= 3 && fake.queries.length - queriesBefore >= 3,
          `${fake.queries.length - queriesBefore} queries reached the hung server`,
        );
        assert.equal(fake.maxInFlight, 1, `${fake.maxInFlight} queries hung at the server at once`);
      }
      fake.mode = 'synced';
      await waitFor('reachable again', () => src.facts.reachable, 10000, 10);
      assert.ok(lines.some((l) => l.includes('MySQL connection regained')));
      assert.ok(!lines.join('\n').includes('Pw-not-logged-7'));
    });
  }
});

describe('MySQL errors by kind', () => {
  it('every access-denied code is auth (galera-init then takes a running process as ready), and the others have their kinds', () => {
    for (const code of [
      'ER_ACCESS_DENIED_ERROR',
      'ER_DBACCESS_DENIED_ERROR',
      'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
      'ER_NOT_SUPPORTED_AUTH_MODE',
    ]) {
      assert.equal(mysqlErrorKind(code), 'auth', code);
    }
    assert.deepEqual(
      ['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'ER_CON_COUNT_ERROR', 'ER_UNKNOWN_COM_ERROR', 'EPIPE', undefined].map(
        mysqlErrorKind,
      ),
      ['refused', 'refused', 'timeout', 'limit', 'nonPrimary', 'other', 'other'],
    );
    assert.equal(
      describeMysqlError(Object.assign(new Error('x'), { code: 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR' })),
      ACCESS_DENIED,
    );
  });
});

describe('the MySQL poll schedule', () => {
  it('polls a server that just appeared every interval, however often it failed', () => {
    assert.equal(retryDelay(9, 300, 5_000), 300);
  });
  it('backs off an older failing server to at most 4 intervals', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 9].map((f) => retryDelay(f, 1000, 120_000)),
      [1000, 1000, 2000, 4000, 4000, 4000],
    );
  });
});
