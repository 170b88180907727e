// A Galera cluster as the product sees it: per node a real MariaDB, its own snmpd master and
// galera-agentx, and a config shared by the agent and galera-init. Used by the end-to-end tests
// and the demo.

import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentProc, startAgent, stopAgent } from './agent';
import { ROOT, start, tempDir, waitFor } from './proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from './snmp';
import { GaleraNode, createCluster, recoveryCommand, serverArgs, writeGaleraCnf } from './galera';

export interface HarnessNode {
  g: GaleraNode;
  master: Snmpd;
  agent: AgentProc;
  target: string;
  optionFile: string;
}

export interface Harness {
  nodes: HarnessNode[];
  /** over: per-agent changes (init keys, another recovery command), until the next plain bring-up. */
  bringUpAgent(n: HarnessNode, over?: AgentOverrides): Promise<void>;
  bringDownAgent(n: HarnessNode): Promise<void>;
  runInit(n: HarnessNode, extra?: string[]): ChildProcess & { output: () => string };
}

export interface AgentOverrides {
  init?: Record<string, unknown>;
  recoveryCommand?: string[];
}

export const INIT_BIN = path.join(ROOT, 'dist', 'src', 'cli', 'init.js');

export async function createHarness(
  size: number,
  opts: {
    prefix?: string;
    trapPort?: number;
    logLevel?: string;
    /** Members with no data node here (garbd): their gcomm addresses and their agents' SNMP targets. */
    extraMembers?: { gcomm: string; target: string }[];
    /** init keys every node's config gets (init.arbitrators, say). */
    init?: Record<string, unknown>;
  } = {},
): Promise<Harness> {
  const nodes: HarnessNode[] = [];
  const gs = await createCluster(size, opts.prefix ?? 'n');
  const extra = opts.extraMembers ?? [];
  if (extra.length)
    for (const g of gs)
      writeGaleraCnf(g, {
        clusterName: 'gxtest',
        members: [...gs.map((x) => `127.0.0.1:${x.gcommPort}`), ...extra.map((x) => x.gcomm)],
      });
  for (const g of gs) {
    const optionFile = path.join(g.dir, 'agent.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${g.socket}\n`, { mode: 0o600 });
    // Reserve each master's port: the members list names them all before any agent starts.
    const master = await startSnmpd({ trapPort: opts.trapPort });
    nodes.push({ g, master, agent: null as unknown as AgentProc, target: `127.0.0.1:${master.port}`, optionFile });
  }
  for (const n of nodes) await stopSnmpd(n.master);

  const initConfig = (n: HarnessNode): Record<string, unknown> => ({
    members: [...nodes.map((x) => x.target), ...extra.map((x) => x.target)],
    self: n.target,
    ...opts.init,
    snmpTimeoutMs: 500,
    snmpRetries: 1,
    pollIntervalMs: 400,
    startTimeoutSeconds: 120,
    joinCommand: ['/usr/sbin/mariadbd', ...serverArgs(n.g), '--wsrep-start-position={position}'],
    bootstrapCommand: [
      '/usr/sbin/mariadbd',
      ...serverArgs(n.g, { bootstrap: true }),
      '--wsrep-start-position={position}',
    ],
  });

  const h: Harness = {
    nodes,
    async bringUpAgent(n, over = {}) {
      n.master = await startSnmpd({ dir: n.master.dir, port: n.master.port, trapPort: opts.trapPort });
      // The state directory outlives agents and datadirs, as /var/lib/galera-agentx does: it holds the mark.
      const stateDir = path.join(n.g.dir, 'state');
      fs.mkdirSync(stateDir, { recursive: true });
      n.agent = startAgent({
        master: n.master.socket,
        datadir: n.g.datadir,
        optionFile: n.optionFile,
        nodeName: n.g.name,
        recoveryCommand: over.recoveryCommand ?? recoveryCommand(n.g),
        lockFile: path.join(n.g.dir, 'galera-init.lock'),
        extra: {
          stateDir,
          mysql: { optionFile: n.optionFile, refreshIntervalMs: 300 },
          init: { ...initConfig(n), ...over.init },
          log: { level: opts.logLevel ?? 'info' },
          window: { desiredSeconds: 3600, shortSpanSeconds: 10, longSpanSeconds: 300 },
        },
      });
      await waitFor(
        `${n.g.name} agent`,
        async () =>
          ['stopped', 'running', 'locked', 'initiating'].includes(
            await snmpgetOne(n.master.port, 'GALERA-MIB::galeraStatus.0'),
          ),
        15000,
        100,
      );
    },
    async bringDownAgent(n) {
      await stopAgent(n.agent);
      await stopSnmpd(n.master);
    },
    runInit(n, extra = []) {
      const log = path.join(tempDir('gx-init-'), 'init.log');
      const child = start(process.execPath, [INIT_BIN, '--config', n.agent.configFile, ...extra], { logFile: log });
      return Object.assign(child, { output: () => fs.readFileSync(log, 'utf8') });
    },
  };
  for (const n of nodes) await h.bringUpAgent(n);
  return h;
}

export const exitCode = (c: ChildProcess): Promise<number> =>
  new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code ?? -1))));
