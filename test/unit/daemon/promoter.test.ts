// The promoter runs pc.bootstrap=YES and counts the promotion; the notification table tells it
// (galeraPromotedPrimary, with the reason typed from the MIB: see notifier.test.ts).

import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { defaultConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { Promoter, pcBootstrapHint } from '../../../src/daemon/promoter';
import type { StatementResult } from '../../../src/sources/mysql';
import { PC_BOOTSTRAP_OPTIONS, PC_BOOTSTRAP_VARIABLE } from '../../../src/core/wsrep-status';
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

describe('the pc.bootstrap statement the promoter runs (MariaDB 11.8: the provider as a plugin)', () => {
  const ERR_READ_ONLY = {
    ok: false,
    code: 'ER_WRONG_ARGUMENTS',
    error:
      'ER_WRONG_ARGUMENTS: Incorrect arguments to SET: wsrep_provider_options cannot be changed while the wsrep-provider plugin is loaded',
  };
  /** One tick of a lone non-Primary survivor whose server offers `pcBootstrap`; what ran and what was logged. */
  async function promoteWith(
    pcBootstrap: string,
    result: StatementResult,
  ): Promise<{ executed: string[]; lines: string[]; count: number }> {
    const cfg = defaultConfig();
    cfg.init.promoteNonPrimaryAfterSeconds = 1;
    let t = 10000;
    const executed: string[] = [];
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const p = new Promoter(
      cfg,
      createLogger('info', 'test', sink),
      loadMib(),
      (sql) => {
        executed.push(sql);
        return Promise.resolve(result);
      },
      () => undefined,
      () => t,
    );
    p.observe({
      nodeName: 'n1',
      status: 'running',
      seqno: 10n,
      seqnoSource: 'live',
      uuid: null,
      safeToBootstrap: null,
      serverPid: 7,
      savedView: null,
      wsrep: { reachable: true, clusterStatus: 'nonPrimary', pcBootstrap },
    } as unknown as NodeSnapshot);
    t += 1500;
    await p.tick();
    return { executed, lines, count: p.promotions.count };
  }

  it('runs SET GLOBAL wsrep_provider_pc_bootstrap=ON where the server has that variable', async () => {
    const r = await promoteWith(PC_BOOTSTRAP_VARIABLE, { ok: true });
    assert.deepEqual(r.executed, ['SET GLOBAL wsrep_provider_pc_bootstrap=ON']);
    assert.equal(r.count, 1);
    assert.ok(r.lines.some((l) => l.includes('PROMOTED') && l.includes('wsrep_provider_pc_bootstrap=ON')));
  });
  it('runs the classic statement where the server has not been read yet', async () => {
    assert.deepEqual((await promoteWith('', { ok: true })).executed, [PC_BOOTSTRAP_OPTIONS]);
  });
  it('names a read-only wsrep_provider_options as the cause, not a missing SUPER, and the statement that works', async () => {
    const r = await promoteWith(PC_BOOTSTRAP_OPTIONS, ERR_READ_ONLY);
    assert.equal(r.count, 0);
    const line = r.lines.find((l) => l.includes('failed'))!;
    assert.ok(line, r.lines.join(''));
    assert.doesNotMatch(line, /SUPER/);
    assert.match(line, /cannot be changed while the wsrep-provider plugin is loaded/);
    assert.match(line, /SET GLOBAL wsrep_provider_pc_bootstrap=ON/);
  });
  it('names the missing privilege when that is the error', async () => {
    const r = await promoteWith(PC_BOOTSTRAP_VARIABLE, {
      ok: false,
      code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
      error: 'ER_SPECIFIC_ACCESS_DENIED_ERROR: Access denied; you need (at least one of) the SUPER privilege(s)',
    });
    assert.match(
      r.lines.find((l) => l.includes('failed'))!,
      /lacks the privilege the error names: GRANT SUPER/,
    );
  });
  it('gives no privilege hint for an unrelated failure', () => {
    assert.equal(pcBootstrapHint(PC_BOOTSTRAP_OPTIONS, { ok: false, code: 'ECONNREFUSED' }), 'see the error');
  });
});
