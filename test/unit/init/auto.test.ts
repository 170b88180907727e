// galera-init --auto's pass: it reads only what can matter, keeps its state, prints why it does
// not act, and runs the boot's decision (once) when it does.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { defaultConfig } from '../../../src/config';
import { AutoState, UnitFacts } from '../../../src/core/autorecover';
import { writeMaintenance } from '../../../src/sources/initfiles';
import { AutoIO, maintenanceReason, realAutoIO, resetAuto, runAuto } from '../../../src/init/auto';

const log = pino({ level: 'silent' });
const failed: UnitFacts = { activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: 0 };

function world(over: Partial<{ servers: number[]; unit: UnitFacts; state: AutoState; now: number }> = {}) {
  const calls: string[] = [];
  let state: AutoState = over.state ?? { attempts: [] };
  const io: AutoIO = {
    now: () => over.now ?? 100_000,
    processes: () => Promise.resolve({ servers: over.servers ?? [], initiators: [] }),
    unit: () => {
      calls.push('unit');
      return Promise.resolve(over.unit ?? failed);
    },
    inconsistency: () => {
      calls.push('journal');
      return Promise.resolve(null);
    },
    maintenance: () => null,
    readState: () => state,
    writeState: (s) => {
      calls.push('write');
      state = s;
    },
  };
  return { io, calls, state: () => state };
}

async function pass(io: AutoIO): Promise<{ code: number; out: string; decided: number }> {
  const cfg = defaultConfig();
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  let decided = 0;
  const code = await runAuto(
    cfg,
    log,
    out,
    () => {
      decided++;
      return Promise.resolve(0);
    },
    io,
  );
  return { code, out: text, decided };
}

describe('galera-init --auto: one pass', () => {
  it('a failed unit seen for the first time: waits, keeps when, says why', async () => {
    const w = world();
    const r = await pass(w.io);
    assert.equal(r.code, 0);
    assert.equal(r.decided, 0);
    assert.match(r.out, /^galera-init --auto: not acting: mariadb.service failed .* acting after 30 s\n$/);
    assert.deepEqual(w.state(), { downSince: 100_000, attempts: [], said: 'waiting' });
  });

  it('30 s later: runs the decision once and counts it', async () => {
    const w = world({ state: { downSince: 60_000, attempts: [] } });
    const r = await pass(w.io);
    assert.equal(r.decided, 1);
    assert.equal(r.out, '');
    assert.deepEqual(w.state(), { attempts: [100_000] });
  });

  it('says why once per change of why, not at every pass', async () => {
    const w = world();
    assert.match((await pass(w.io)).out, /acting after 30 s/);
    assert.equal((await pass(w.io)).out, '', 'the same why: silent');
    const stopped = world({
      state: w.state(),
      unit: { activeState: 'inactive', subState: 'dead', result: 'success', nRestarts: 0 },
    });
    assert.match((await pass(stopped.io)).out, /stopped on purpose/);
    assert.equal((await pass(stopped.io)).out, '');
  });

  it('a running server: neither the unit nor the journal is read, and nothing is written twice', async () => {
    const w = world({ servers: [9] });
    const r = await pass(w.io);
    assert.equal(r.decided, 0);
    assert.match(r.out, /the server runs/);
    assert.deepEqual(w.calls, ['write'], 'only what it said is kept');
    await pass(w.io);
    assert.deepEqual(w.calls, ['write'], 'the next pass reads and writes nothing more');
  });

  it('a clean stop: the journal is not read', async () => {
    const w = world({ unit: { activeState: 'inactive', subState: 'dead', result: 'success', nRestarts: 0 } });
    const r = await pass(w.io);
    assert.equal(r.decided, 0);
    assert.match(r.out, /stopped on purpose/);
    assert.ok(!w.calls.includes('journal'));
  });
});

describe('galera-init --auto: files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-auto-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = defaultConfig();
  cfg.init.autoRecoverStateFile = path.join(dir, 'state', 'auto-recover.json');

  it('the state file is written, read back, and reset', () => {
    const io = realAutoIO(cfg, log);
    assert.deepEqual(io.readState(), { attempts: [] }, 'no file: an empty state');
    io.writeState({ downSince: 5, attempts: [1] });
    assert.deepEqual(io.readState(), { downSince: 5, attempts: [1] });
    resetAuto(io);
    assert.deepEqual(io.readState(), { attempts: [] });
  });

  it('maintenance: the file galera-check maintenance writes; absent is off, present is on with its reason', () => {
    const f = path.join(dir, 'state', 'maintenance');
    assert.equal(maintenanceReason(f), null);
    writeMaintenance(f, { reason: 'disk swap', since: 1, by: 'root' });
    assert.equal(maintenanceReason(f), 'disk swap');
    writeMaintenance(f, { reason: '', since: 1, by: 'root' });
    assert.equal(maintenanceReason(f), 'on');
    fs.rmSync(f);
    fs.mkdirSync(f);
    assert.match(maintenanceReason(f) ?? '', /cannot be read \(EISDIR\)/, 'unreadable counts as on');
  });
});
