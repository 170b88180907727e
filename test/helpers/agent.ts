// The real galera-agentx process, started with a config file written for the test.

import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { ROOT, SLACK, start, stopChild, tempDir } from './proc';

export interface AgentProc {
  child: ChildProcess;
  configFile: string;
  logFile: string;
  dir: string;
  log(): string;
}

export interface AgentOptions {
  master: string;
  datadir: string;
  nodeName?: string;
  lockFile?: string;
  optionFile?: string;
  recoveryCommand?: string[];
  extra?: Record<string, unknown>;
}

export function agentConfig(o: AgentOptions, dir: string): Record<string, unknown> {
  return {
    nodeName: o.nodeName ?? 'test-node',
    datadir: o.datadir,
    lockFile: o.lockFile ?? path.join(dir, 'galera-init.lock'),
    // Never the host's state directory: a test's maintenance mode is its own.
    maintenanceFile: path.join(dir, 'maintenance'),
    agentx: { master: o.master, reconnectMinMs: 100, reconnectMaxMs: 1000, pingIntervalMs: 2000, adminTimeoutMs: 2000 },
    mysql: { optionFile: o.optionFile ?? path.join(dir, 'no-such-my.cnf'), refreshIntervalMs: 300 },
    recovery: o.recoveryCommand ? { command: o.recoveryCommand, timeoutMs: 30000 * SLACK } : { enabled: false },
    notifications: { holdMs: 100 },
    log: { level: 'debug' },
    ...o.extra,
  };
}

export function startAgent(o: AgentOptions): AgentProc {
  const dir = tempDir('gx-agent-');
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, YAML.stringify(agentConfig(o, dir)), { mode: 0o600 });
  const logFile = path.join(dir, 'agent.log');
  const child = start(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'agent.js'), '--config', configFile], {
    logFile,
  });
  return { child, configFile, logFile, dir, log: () => fs.readFileSync(logFile, 'utf8') };
}

export async function stopAgent(a: AgentProc): Promise<void> {
  await stopChild(a.child, 'SIGTERM');
}

/** `extra` for an agent with no server or initiator of its own: the ones other tests run on this
 * machine at the same time must not be taken for its own. */
export const NO_LOCAL_PROCESSES = {
  processes: { serverNames: ['gx-test-no-server'], initiatorNames: ['gx-test-no-initiator'] },
};
