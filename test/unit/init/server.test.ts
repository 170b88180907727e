// galera-init's server start (src/init/server.ts) with the process table stubbed: a start command
// that succeeded and left no server behind is named within the grace, not after
// startTimeoutSeconds (it held the lock for 10 minutes in the production test); a server only a
// full re-read of /proc finds counts as started.

import { strict as assert } from 'node:assert';
import pino from 'pino';
import { buildConfig } from '../../../src/config';
import type { SourceSet } from '../../../src/sources/index';
import { startServer } from '../../../src/init/server';

const none = { servers: [], recoveries: [], initiators: [] };

function sources(o: { full?: () => typeof none }): SourceSet & { fullScans: number } {
  const set = {
    fullScans: 0,
    readOne: () => Promise.resolve(none),
    rescanProcesses: () => {
      set.fullScans++;
      return o.full ? o.full() : none;
    },
  };
  return set as unknown as SourceSet & { fullScans: number };
}

describe('galera-init starts the server', () => {
  const cfg = buildConfig({ datadir: '/srv/gx-data', init: { startTimeoutSeconds: 600 } }, 'test');
  const log = pino({ level: 'silent' });

  it('a command that succeeded and left no server: named after the grace, not the start timeout', async () => {
    const s = sources({});
    const t0 = Date.now();
    const r = await startServer(cfg, s, ['/bin/true'], '', log, 1500);
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /^\/bin\/true succeeded, but no server process of \/srv\/gx-data runs 2 s later/);
    assert.ok(Date.now() - t0 < 60000, 'long before startTimeoutSeconds');
    assert.ok(s.fullScans >= 2, 'the cache is not trusted alone');
  });

  it('a server only a full re-read finds: started', async () => {
    const s = sources({ full: () => ({ ...none, servers: [{ pid: 4242, bootstrap: false }] as never[] }) });
    assert.deepEqual(await startServer(cfg, s, ['/bin/true'], '', log, 1500), { ok: true });
  });

  it('a recovery run of this datadir keeps the grace open (a unit recovering before its server)', async () => {
    let scans = 0;
    const s = sources({
      full: () => (++scans <= 3 ? { ...none, recoveries: [77] as never[] } : none),
    });
    const t0 = Date.now();
    const r = await startServer(cfg, s, ['/bin/true'], '', log, 1500);
    assert.equal(r.ok, false);
    assert.ok(
      Date.now() - t0 >= 2000 + 1500 - 200,
      `the grace counts from the last look that saw the recovery (${Date.now() - t0} ms)`,
    );
  });

  it('a command that failed: its exit code at once', async () => {
    const r = await startServer(cfg, sources({}), ['/bin/false'], '', log, 1500);
    assert.deepEqual(r, { ok: false, error: '/bin/false exited with 1' });
  });
});
