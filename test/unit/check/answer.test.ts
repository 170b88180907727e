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

describe("galera-check's answers", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-answer-'));
    fs.writeFileSync(
      path.join(dir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   42\nsafe_to_bootstrap: 0\n',
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = (): ReturnType<typeof buildConfig> =>
    buildConfig(
      {
        datadir: dir,
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
});
