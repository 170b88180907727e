// The agent as a composition root, in process (no AgentX session): its sources injected, its
// snapshot read directly.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Agent } from '../../../src/daemon/agent';
import { buildConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import { dataAge } from '../../../src/core/snapshot';
import { createSources } from '../../../src/sources/index';

describe('the agent in process', function () {
  this.timeout(10000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-agent-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an idle stopped node's facts stay fresh: galeraAgentDataAge stays under the backstop period", async () => {
    // Nothing changes on such a node: no file event, no lock event. Its facts are still confirmed
    // (an lstat of each file every 2 s, a live watch on the lock), so monitoring that alarms on a
    // stale agent (the shipped Nagios check warns at 5 s) must not fire on a healthy idle node.
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
      { nodeName: 'n1', datadir, lockFile: path.join(dir, 'init.lock'), processes: { scanIntervalMs: 50 } },
      'test',
    );
    const log = silentLogger();
    const agent = new Agent(cfg, log, { snmp: false, sources: createSources(cfg, log, { procDir: proc }) });
    await agent.start();
    try {
      await new Promise((r) => setTimeout(r, 4500));
      agent.recompute();
      const s = agent.snapshot!;
      assert.deepEqual(
        s.sources.map((r) => r.state),
        ['ok', 'ok', 'ok', 'idle', 'idle', 'ok'],
      );
      const age = dataAge(s, Date.now());
      assert.ok(age <= 2200, `galeraAgentDataAge ${age} ms after 4.5 s idle (${JSON.stringify(s.sources)})`);
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
});
