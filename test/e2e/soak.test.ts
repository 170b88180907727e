// The bounded soak in CI (bench/soak.ts; `npm run soak` runs it longer): concurrent GET, GETNEXT and
// GETBULK walks of the whole MIB through the real snmpd while a real node writes, desyncs, is
// locked and restarted. Asserted: no error, memory flat, one SHOW STATUS per refresh interval.

import { strict as assert } from 'node:assert';
import { runSoak } from '../../bench/soak';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 90);

describe('soak (bounded)', function () {
  this.timeout((SECONDS + 120) * 1000);

  it(`${SECONDS} s of concurrent walks while the node changes: 0 errors, flat memory, one query per refresh`, async () => {
    const r = await runSoak({ seconds: SECONDS, clientsPerKind: 4, refreshIntervalMs: 500, log: (l) => process.stdout.write(`${l}\n`) });
    assert.equal(r.errors, 0, r.errorSamples.join('\n'));
    assert.ok(r.walks > 100 && r.requests.getnext > 0 && r.requests.getbulk > 0 && r.requests.get > 0, 'every kind of request ran');
    assert.ok(r.stateChanges.restarts >= 1 && r.stateChanges.desyncToggles >= 1 && r.stateChanges.writes > 0, 'the node changed under the load');
    assert.ok(r.stateChanges.statusesSeen.includes('running') && r.stateChanges.statusesSeen.length >= 2, r.stateChanges.statusesSeen.join(','));
    // Memory: after warm-up it stays within noise (GC timing), not growing with the request count.
    assert.ok(r.rssMiB.end - r.rssMiB.start < 16, `RSS ${r.rssMiB.start} -> ${r.rssMiB.end} MiB`);
    // MySQL: one SHOW STATUS per refresh whatever the SNMP rate (a little under 1: each poll waits
    // for the last one's answer before the next interval starts).
    assert.ok(r.queriesPerRefresh > 0.5 && r.queriesPerRefresh <= 1.05, `${r.queriesPerRefresh} SHOW STATUS per refresh`);
  });
});
