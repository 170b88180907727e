import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessSource } from '../../../src/sources/processes';
import { silentLogger } from '../../../src/log';

describe('the process table', () => {
  it('does not take a zombie mariadbd (unreaped, empty cmdline) for a running server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-zombie-'));
    const bin = path.join(dir, 'mariadbd');
    fs.writeFileSync(bin, `#!${process.execPath}\nprocess.exit(0);\n`, { mode: 0o755 });
    // A parent that never reaps: bash execs into sleep, which ignores SIGCHLD, so the child stays a zombie.
    const parent = spawn('bash', ['-c', `${bin} --datadir=${dir} & exec sleep 30`]);
    try {
      const src = new ProcessSource({
        serverNames: ['mariadbd'],
        initiatorNames: ['galera-init'],
        datadir: dir,
        scanIntervalMs: 100,
        fullScanIntervalMs: 100,
        log: silentLogger(),
      });
      // Our zombie by PID: other mariadbd servers may run on this host (other tests), and one
      // started without --datadir counts as this node's, so "no servers at all" would be wrong.
      let zombie = 0;
      for (let i = 0; i < 50 && !zombie; i++) {
        await new Promise((r) => setTimeout(r, 50));
        for (const p of fs.readdirSync('/proc')) {
          if (!/^\d+$/.test(p)) continue;
          try {
            const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
            const m = /^\d+ \(mariadbd\) Z (\d+) /.exec(st);
            if (m && Number(m[1]) === parent.pid) zombie = Number(p);
          } catch {
            /* gone */
          }
        }
      }
      assert.ok(zombie, 'a zombie mariadbd exists');
      assert.deepEqual(
        src.scan().servers.filter((s) => s.pid === zombie),
        [],
      );
    } finally {
      parent.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
