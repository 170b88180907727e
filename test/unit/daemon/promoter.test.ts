// The promoter's notification text is typed from the MIB (galeraNotifyText: a DisplayString,
// clipped to 255 bytes on a character boundary), not by hand.

import { strict as assert } from 'node:assert';
import { defaultConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { Promoter } from '../../../src/daemon/promoter';
import { loadMib } from '../../../src/snmp/mib';
import { ValueType } from '../../../src/snmp/agentx/pdu';
import type { Value } from '../../../src/snmp/agentx/pdu';
import type { NodeSnapshot } from '../../../src/core/snapshot';
import type { WsrepSource } from '../../../src/sources/mysql';

describe("the promoter's notification", () => {
  it('carries the reason as galeraNotifyText, typed by the MIB', async () => {
    const cfg = defaultConfig();
    cfg.init.promoteNonPrimaryAfterSeconds = 1;
    let t = 10000;
    const executed: string[] = [];
    const wsrep = {
      execute: (sql: string) => {
        executed.push(sql);
        return Promise.resolve({ ok: true });
      },
    } as unknown as WsrepSource;
    const sent: [string, Record<string, Value>][] = [];
    const p = new Promoter(
      cfg,
      createLogger('silent', 'test'),
      loadMib(),
      wsrep,
      (text, extra) => sent.push([text, extra]),
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
    assert.equal(executed.length, 1, 'pc.bootstrap ran');
    assert.equal(sent.length, 1);
    const [text, extra] = sent[0];
    assert.match(text, /^non-Primary for 2 s/);
    assert.deepEqual(extra, { galeraNotifyText: { type: ValueType.OctetString, value: text } });
  });
});
