// galera-check's answers on a node with nothing running: one word each, the health rule's reason
// with its exit code, and the snapshot as JSON (bigints as decimal strings).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildConfig } from '../../../src/config';
import { EXIT } from '../../../src/errors';
import { silentLogger } from '../../../src/log';
import { answer } from '../../../src/check/answer';
import pino from 'pino';
import { writeMark } from '../../../src/sources/markfile';

describe("galera-check's answers", () => {
  let dir: string;
  let stateDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-answer-'));
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-answer-state-'));
    fs.writeFileSync(
      path.join(dir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   42\nsafe_to_bootstrap: 0\n',
    );
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const cfg = (): ReturnType<typeof buildConfig> =>
    buildConfig(
      {
        datadir: dir,
        stateDir,
        lockFile: path.join(dir, 'lock'),
        mysql: { enabled: false },
        recovery: { enabled: false },
        // Other runs on this host may have a galera-init of their own: it is not attributed to a datadir.
        processes: { initiatorNames: ['gx-answer-test-initiator'] },
      },
      'test',
    );
  const ask = (what: 'status' | 'seqno' | 'healthy' | undefined, json = false): ReturnType<typeof answer> =>
    answer(cfg(), silentLogger(), what, { json, recover: true });

  it('status and seqno: one word each, exit 0', async () => {
    assert.deepEqual(await ask('status'), { out: 'stopped\n', code: EXIT.OK });
    assert.deepEqual(await ask('seqno'), { out: '42\n', code: EXIT.OK });
  });
  it('healthy: the reason, and FAILED when the node should not take traffic', async () => {
    assert.deepEqual(await ask('healthy'), { out: 'Galera node is not running.\n', code: EXIT.FAILED });
  });
  it('--json: the snapshot alone, bigints as decimal strings; healthy keeps its exit code', async () => {
    const j = await ask(undefined, true);
    const snap = JSON.parse(j.out) as { status: string; seqno: string; seqnoSource: string };
    assert.deepEqual([snap.status, snap.seqno, snap.seqnoSource, j.code], ['stopped', '42', 'grastate', EXIT.OK]);
    const h = await ask('healthy', true);
    assert.equal((JSON.parse(h.out) as { status: string }).status, 'stopped');
    assert.equal(h.code, EXIT.FAILED);
  });

  describe('the high-water mark', () => {
    const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
    const mark = (committed: bigint): void =>
      writeMark(stateDir, {
        uuid: U,
        node: 'n1',
        committed,
        seen: {},
        lastBootstrap: null,
        durability: null,
        tolerance: 0n,
        at: 0,
      });
    const warned = async (what: 'status' | 'mark'): Promise<{ out: string; lines: string[] }> => {
      const lines: string[] = [];
      const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
      const a = await answer(cfg(), log, what, { json: false, recover: true });
      return { out: a.out, lines };
    };
    it('none yet: says so, and nothing on stderr', async () => {
      const r = await warned('mark');
      assert.match(r.out, /^no mark yet: /);
      assert.deepEqual(r.lines, []);
    });
    it('a datadir below its own mark: "restored or replaced datadir", and the other answers warn on stderr', async () => {
      mark(100n);
      const r = await warned('mark');
      assert.equal(
        r.out,
        `restored or replaced datadir: its position 42 is 58 transactions below this node's mark 100 (tolerance 0); mark 100 in ${U} (tolerance 0)\n`,
      );
      const s = await warned('status');
      assert.equal(s.out, 'stopped\n', 'stdout keeps its one word');
      assert.ok(s.lines.some((l) => l.includes('restored or replaced datadir')));
    });
    it('at or below the datadir: the mark, no warning', async () => {
      mark(42n);
      const r = await warned('mark');
      assert.equal(r.out, `mark 42 in ${U} (tolerance 0)\n`);
      assert.deepEqual(r.lines, []);
    });
    it('a damaged file: "no mark", with the file and why', async () => {
      fs.writeFileSync(path.join(stateDir, 'high-water-mark.json'), 'garbage');
      const r = await warned('mark');
      assert.match(r.out, /^no mark: .*high-water-mark\.json: damaged \(not JSON .*\), treated as no mark/);
      assert.equal(r.lines.length, 1);
    });
  });
});
