// The README's first command, non-interactive: the whole story must run and lose nothing.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, SLACK } from '../helpers/proc';

const pexec = promisify(execFile);

describe('the demo', function () {
  this.timeout(300000 * SLACK);
  it('runs its story on a real 3-node cluster and ends with every row on every node', async () => {
    const { stdout } = await pexec(
      process.execPath,
      [path.join(ROOT, 'dist', 'demo', 'demo.js'), '--non-interactive'],
      { timeout: 280000 * SLACK, maxBuffer: 16 << 20 },
    );
    assert.match(stdout, /== 2\. The cluster is up: demo\d bootstrapped/);
    assert.match(stdout, /trap galeraClusterSizeChanged from demo\d: galeraClusterSize=2 galeraPrevClusterSize=3/);
    assert.match(stdout, /source "recovered"/);
    assert.match(stdout, /Rows on each node: 150, 150, 150 \(expected 150\): nothing lost/);
    assert.doesNotMatch(stdout, /== 5\. Back: demo3 bootstrapped/, 'the stale node never bootstraps');
    assert.match(stdout, /Done: tearing everything down/);
  });
});
