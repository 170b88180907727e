// The agent as a composition root, in process (no AgentX session): its sources injected, its
// snapshot read directly.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Agent } from '../../../src/daemon/agent';
import { buildConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import { getExact, View } from '../../../src/snmp/view';
import { SLACK, waitFor } from '../../helpers/proc';
import { createSources } from '../../../src/sources/index';
import type { DiskFacts } from '../../../src/core/disk';
import { formatInitState, formatMaintenance, nextInitState } from '../../../src/core/initstate';

describe('the agent in process', function () {
  this.timeout(10000 * SLACK);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-agent-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an idle stopped node's published ages stay under 2 s with no recompute (galeraAgentDataAge, galeraSourceAge)", async () => {
    // Nothing changes on such a node: no file event, no lock event, so no recompute. Its facts are
    // still confirmed (the lock and the state files under live watches, the process table by the
    // backstop every second), and the view published at the last recompute must say so: the
    // shipped Nagios check and the Zabbix trigger alarm on a stale agent.
    const datadir = path.join(dir, 'data');
    const proc = path.join(dir, 'proc');
    fs.mkdirSync(datadir);
    fs.mkdirSync(proc);
    fs.writeFileSync(path.join(proc, 'loadavg'), '0.00 0.01 0.05 1/100 300\n');
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   5\nsafe_to_bootstrap: 1\n',
    );
    const cfg = buildConfig(
      {
        nodeName: 'n1',
        datadir,
        lockFile: path.join(dir, 'init.lock'),
        maintenanceFile: path.join(dir, 'maintenance'),
      },
      'test',
    );
    const log = silentLogger();
    // The host's filesystem moves with everything else on it: a disk that holds still.
    const statDisk = (): DiskFacts => ({ availBytes: 5n << 30n, totalBytes: 10n << 30n, error: '' });
    const agent = new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: proc, statDisk }) });
    await agent.start();
    try {
      // Settled: the lock's and the state files' watches are up.
      await waitFor('the watches', () => agent.snapshot!.sources.filter((r) => r.live).length === 5);
      agent.recompute();
      const recomputes = agent.stats.recomputes;
      const view = (agent as unknown as { view: View }).view;
      const gauge = (name: string, idx = 0): number =>
        Number((getExact(view, [...agent.mib.object(name).oid, idx]).value as { value: unknown }).value);
      assert.deepEqual(
        agent.snapshot!.sources.map((r) => r.state),
        ['ok', 'ok', 'ok', 'idle', 'idle', 'ok', 'ok', 'ok', 'ok', 'ok'],
      );
      let worst = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 4500) {
        await new Promise((r) => setTimeout(r, 50));
        worst = Math.max(worst, gauge('galeraAgentDataAge'));
        for (let i = 1; i <= 10; i++) if (i !== 4 && i !== 5) worst = Math.max(worst, gauge('galeraSourceAge', i));
      }
      assert.equal(agent.stats.recomputes, recomputes, 'nothing changed, nothing recomputed');
      assert.ok(worst <= 2000, `an age reached ${worst} ms in 4.5 s idle (${JSON.stringify(agent.snapshot!.sources)})`);
      assert.equal(gauge('galeraSourceAge', 2), 0, 'the lock under a live watch');
    } finally {
      await agent.stop();
    }
  });

  it('a stop leaves the unhealthy weight in the track file; a handover (upgrade) leaves the file alone', async () => {
    const track = path.join(dir, 'keepalived.track');
    const agentWith = (): Agent => {
      const cfg = buildConfig(
        { nodeName: 'n1', datadir: dir, lockFile: path.join(dir, 'init.lock'), keepalived: { trackFile: track } },
        'test',
      );
      const log = silentLogger();
      return new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: dir }) });
    };
    // The weight the running agent last wrote: healthy.
    fs.writeFileSync(track, '0\n');
    await agentWith().stop({ handover: true });
    assert.equal(fs.readFileSync(track, 'utf8'), '0\n');
    await agentWith().stop();
    assert.equal(fs.readFileSync(track, 'utf8'), '-50\n');
  });

  it('writes no weight before the server has answered or failed once (a restart must not move the VIP)', async () => {
    const track = path.join(dir, 'keepalived.track');
    const cnf = path.join(dir, 'my.cnf');
    fs.writeFileSync(cnf, `[client]\nsocket = ${path.join(dir, 'no-server.sock')}\n`, { mode: 0o600 });
    const cfg = buildConfig(
      {
        nodeName: 'n1',
        datadir: dir,
        lockFile: path.join(dir, 'init.lock'),
        keepalived: { trackFile: track },
        mysql: { optionFile: cnf },
      },
      'test',
    );
    const log = silentLogger();
    const agent = new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: dir }) });
    agent.recompute();
    assert.equal(fs.existsSync(track), false, 'a weight was written before the server was read');
    await agent.start();
    try {
      // No server process: a real verdict, unhealthy.
      for (let i = 0; i < 200 && !fs.existsSync(track); i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(fs.readFileSync(track, 'utf8'), '-50\n');
    } finally {
      await agent.stop();
    }
  });
  it("a restart tells neither galera-init's last act nor a maintenance already on; the next of each is told once", async () => {
    // The sources start one after the other and each first read schedules a recompute: a look
    // taken before the state files are read saw "no act, no maintenance", and the read that
    // followed was news. Found on the 3-node cluster: every agent restart re-sent the last bootstrap.
    const lockFile = path.join(dir, 'init.lock');
    const maintenanceFile = path.join(dir, 'maintenance');
    const act = (pid: number, round: number): string =>
      formatInitState(nextInitState(null, { pid, round, decision: 'bootstrap', reason: `act ${round}` }, Date.now()));
    fs.writeFileSync(`${lockFile}.state`, act(999999, 3));
    fs.writeFileSync(maintenanceFile, formatMaintenance({ reason: 'disk swap', since: Date.now(), by: 'test' }));
    // A datadir as a node has one: its grastate.dat is read (and told) before the state files are.
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   5\nsafe_to_bootstrap: 1\n',
    );
    const cfg = buildConfig({ nodeName: 'n1', datadir, lockFile, maintenanceFile }, 'test');
    const log = silentLogger();
    const agent = new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: dir }) });
    const sent: string[] = [];
    (agent as unknown as { send: (name: string) => Promise<void> }).send = (name) => {
      sent.push(name);
      return Promise.resolve();
    };
    await agent.start();
    try {
      // Nothing counted at the first look; and nothing told while a held change would be due.
      assert.equal((agent as unknown as { acts: { count: number } }).acts.count, 0, 'the last act counted as new');
      const quiet = Date.now() + 10 * cfg.notifications.holdMs;
      await waitFor('a quiet hold period', () => Date.now() >= quiet, 5000);
      assert.equal(sent.join(', '), '', 'told at start');
      fs.writeFileSync(`${lockFile}.state`, act(999999, 4));
      await waitFor('the new act told', () => sent.includes('galeraInitActed'), 5000);
      fs.rmSync(maintenanceFile);
      await waitFor('maintenance off told', () => sent.includes('galeraMaintenanceChanged'), 5000);
      assert.deepEqual(sent, ['galeraInitActed', 'galeraMaintenanceChanged']);
    } finally {
      await agent.stop();
    }
  });
});
