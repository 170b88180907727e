// The promoter runs pc.bootstrap=YES and counts the promotion; the notification table tells it
// (galeraPromotedPrimary, with the reason typed from the MIB: see notifier.test.ts).

import { strict as assert } from 'node:assert';
import { defaultConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { Promoter } from '../../../src/daemon/promoter';
import { loadMib } from '../../../src/snmp/mib';
import type { NodeSnapshot } from '../../../src/core/snapshot';

describe('the promoter', () => {
  it('runs pc.bootstrap=YES on a lone non-Primary survivor, counts it and says so, with the reason', async () => {
    const cfg = defaultConfig();
    cfg.init.promoteNonPrimaryAfterSeconds = 1;
    let t = 10000;
    const executed: string[] = [];
    const execute = (sql: string): Promise<{ ok: boolean }> => {
      executed.push(sql);
      return Promise.resolve({ ok: true });
    };
    let told = 0;
    const p = new Promoter(
      cfg,
      createLogger('silent', 'test'),
      loadMib(),
      execute,
      () => told++,
      () => t,
    );
    // A lone survivor (no peers to ask), running non-Primary.
    const snap = {
      nodeName: 'n1',
      status: 'running',
      seqno: 10n,
      seqnoSource: 'live',
      uuid: null,
      safeToBootstrap: null,
      serverPid: 7,
      savedView: null,
      wsrep: { reachable: true, clusterStatus: 'nonPrimary' },
    } as unknown as NodeSnapshot;
    p.observe(snap);
    t += 1500;
    await p.tick();
    assert.deepEqual(executed, ["SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"], 'pc.bootstrap ran');
    assert.equal(told, 1, 'the agent is asked for a snapshot, which the notifier sees');
    assert.equal(p.promotions.count, 1);
    assert.match(p.promotions.reason, /^non-Primary for 2 s/);
    p.observe(snap);
    t += 500;
    await p.tick();
    assert.equal(executed.length, 1, 'not again before the delay has passed anew');
  });
});
