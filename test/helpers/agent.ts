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
  /** Node flags after the installed ones (the soak's heap snapshot on a signal). */
  nodeFlags?: string[];
}

export function agentConfig(o: AgentOptions, dir: string): Record<string, unknown> {
  return {
    nodeName: o.nodeName ?? 'test-node',
    datadir: o.datadir,
    lockFile: o.lockFile ?? path.join(dir, 'galera-init.lock'),
    // Never the host's /var/lib/galera-agentx: every test agent keeps its mark in its own directory.
    stateDir: dir,
    // Never the host's state directory: a test's maintenance mode is its own.
    maintenanceFile: path.join(dir, 'maintenance'),
    agentx: { master: o.master, reconnectMinMs: 100, reconnectMaxMs: 1000, pingIntervalMs: 2000, adminTimeoutMs: 2000 },
    mysql: { optionFile: o.optionFile ?? path.join(dir, 'no-such-my.cnf'), refreshIntervalMs: 300 },
    recovery: o.recoveryCommand ? { command: o.recoveryCommand, timeoutMs: 30000 * SLACK } : { enabled: false },
    notifications: { holdMs: 100 },
    // The host's free space is no test's subject but the disk's own (traps.test.ts, on a tmpfs): a
    // nearly full build machine must not raise galeraDiskLowAlarm in every other test.
    disk: { lowFreePercent: 0 },
    log: { level: 'debug' },
    ...o.extra,
  };
}

/**
 * The V8 flags the installed galera-agentx runs with: its first line (`#!/usr/bin/env -S node
 * FLAGS`). `node agent.js` skips that line, so an agent started here is given them on the command
 * line: tests, the bench and the soak measure the process operators run (without them the young
 * generation grows to V8's default 16 MiB per semi-space, and RSS with it).
 */
export function installedNodeFlags(): string[] {
  const first = fs.readFileSync(path.join(ROOT, 'dist', 'src', 'cli', 'agent.js'), 'utf8').split('\n')[0];
  return (/^#!\/usr\/bin\/env -S node\s*(.*)$/.exec(first)?.[1] ?? '').split(/\s+/).filter(Boolean);
}

export function startAgent(o: AgentOptions): AgentProc {
  const dir = tempDir('gx-agent-');
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, YAML.stringify(agentConfig(o, dir)), { mode: 0o600 });
  const logFile = path.join(dir, 'agent.log');
  const child = start(
    process.execPath,
    [
      ...installedNodeFlags(),
      ...(o.nodeFlags ?? []),
      path.join(ROOT, 'dist', 'src', 'cli', 'agent.js'),
      '--config',
      configFile,
    ],
    { logFile },
  );
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
