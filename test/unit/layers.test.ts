// The layout as a contract: src/'s import graph has no cycle and no import from a lower layer into
// a higher one (scripts/layers.ts, which `npm run layers` prints). And the check itself can fail.

import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { importsOf, violations } from '../../scripts/layers';

describe('the layout of src/', () => {
  const graph = importsOf(path.resolve(__dirname, '..', '..', '..', 'src'));

  it('has no cycle and no import upward or across the units of one layer', () => {
    assert.ok(graph.size > 40, `found ${graph.size} modules`);
    assert.deepEqual(violations(graph), []);
  });

  it('finds an import upward, one across a layer, and a cycle', () => {
    const bad = new Map(graph);
    bad.set('core/status.ts', [...(graph.get('core/status.ts') ?? []), 'sources/lock.ts']);
    bad.set('snmp/peers.ts', [...(graph.get('snmp/peers.ts') ?? []), 'sources/servercnf.ts']);
    bad.set('core/gtid.ts', ['core/seqno.ts']);
    const found = violations(bad).join('\n');
    assert.match(found, /core\/status\.ts imports sources\/lock\.ts: sources is not below core/);
    assert.match(found, /snmp\/peers\.ts imports sources\/servercnf\.ts: sources is not below snmp/);
    assert.match(found, /cycle: .*core\/gtid\.ts -> core\/seqno\.ts/);
  });
});
