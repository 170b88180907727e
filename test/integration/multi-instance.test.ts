// Two real MariaDB instances on one host, each with its own agent (and galera-check). The servers
// are started as mysqld_multi or mariadb@.service would: --defaults-file only, no --datadir on the
// command line, from a cwd that is not their datadir. One bootstraps a new cluster, the other node
// stays stopped: the stopped node's agent must say stopped, not bootstrapping.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { AgentProc, agentConfig, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, ROOT, SLACK, start, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd } from '../helpers/snmp';
import { GaleraNode, createNode, stopServer, waitSynced } from '../helpers/galera';

const pexec = promisify(execFile);
const SERVER = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';

describe('two MariaDB instances on one host (datadir from --defaults-file)', function () {
  this.timeout(120000 * SLACK);
  const snmpd: Snmpd[] = [];
  const agents: AgentProc[] = [];
  let n1: GaleraNode;
  let n2: GaleraNode;
  const status = (i: number): Promise<string> => snmpgetOne(snmpd[i].port, 'GALERA-MIB::galeraStatus.0');
  const check = async (node: GaleraNode): Promise<string> => {
    const dir = tempDir('gx-mi-check-');
    const cfg = path.join(dir, 'config.yaml');
    fs.writeFileSync(cfg, YAML.stringify(agentConfig({ master: '/nonexistent', datadir: node.datadir }, dir)), {
      mode: 0o600,
    });
    return (
      await pexec(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'check.js'), '--config', cfg, 'status'])
    ).stdout.trim();
  };

  /**
   * Stopped. Other projects' tests on a shared host may run a galera-init at the same time: it
   * cannot be attributed to a datadir (its title hides its --config), so it shows as initiating.
   */
  const assertStopped = (what: string, v: string): void => {
    if (v === 'initiating' && foreignInitiator()) return;
    assert.equal(v, 'stopped', what);
  };
  const foreignInitiator = (): boolean =>
    fs.readdirSync('/proc').some((p) => {
      try {
        return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'galera-init';
      } catch {
        return false;
      }
    });

  before(async () => {
    n1 = await createNode('mi1');
    n2 = await createNode('mi2');
    for (const node of [n1, n2]) {
      const master = await startSnmpd();
      snmpd.push(master);
      agents.push(startAgent({ master: master.socket, datadir: node.datadir, nodeName: node.name }));
    }
    for (let i = 0; i < 2; i++)
      await waitFor(
        `agent ${i + 1} registered`,
        async () => ['stopped', 'initiating'].includes(await status(i)),
        15000,
        100,
      );
  });

  after(async () => {
    if (n2) await stopServer(n2, 'SIGKILL');
    for (const a of agents) await stopAgent(a);
    await cleanupAll();
  });

  it("the bootstrapping instance is the other node's: this node stays stopped", async () => {
    // The datadir is only in the option file; the cwd is the node's dir, not its datadir.
    n2.child = start(SERVER, [`--defaults-file=${n2.cnf}`, '--user=mysql', '--wsrep-new-cluster'], {
      logFile: path.join(n2.dir, 'stdout.log'),
      cwd: n2.dir,
    });
    const pid = n2.child.pid!;
    // Frozen before it is ready: a bootstrap that has not finished.
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('node 2 bootstrapping', async () => (await status(1)) === 'bootstrapping', 10000, 50);
      assertStopped('node 1 agent', await status(0));
      assertStopped('node 1 galera-check', await check(n1));
      assert.equal(await check(n2), 'bootstrapping');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitSynced(n2);
    assertStopped('node 1 agent', await status(0));
    assertStopped('node 1 galera-check', await check(n1));
    assert.doesNotMatch(agents[0].log(), /"status":"bootstrapping"/);
  });
});
