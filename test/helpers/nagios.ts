// Runs the shipped Nagios command lines (integrations/nagios/*.cfg) with the real check_snmp, as
// Nagios would: the service's check_command gives the command and its !ARGs, macros are expanded.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './proc';

const DIR = path.join(ROOT, 'integrations', 'nagios');
export const PLUGINS = '/usr/lib/nagios/plugins';

/**
 * check_snmp --rate keeps the last value in a state file: a directory of this test process, not
 * /var/lib/monitoring-plugins (the Nagios host's), removed when the process exits.
 */
const STATE_DIR = path.join(os.tmpdir(), `gx-nagios-state-${process.pid}`);
function stateDir(): string {
  if (!fs.existsSync(STATE_DIR)) {
    fs.mkdirSync(STATE_DIR, { recursive: true });
    process.once('exit', () => fs.rmSync(STATE_DIR, { recursive: true, force: true }));
  }
  return STATE_DIR;
}

function objects(file: string, type: string): Record<string, string>[] {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const out: Record<string, string>[] = [];
  for (const m of text.matchAll(new RegExp(`define\\s+${type}\\s*\\{([^}]*)\\}`, 'g'))) {
    const o: Record<string, string> = {};
    for (const line of m[1].split('\n')) {
      const kv = /^\s*(\w+)\s+(.*?)\s*$/.exec(line);
      if (kv && !line.trim().startsWith('#')) o[kv[1]] = kv[2];
    }
    out.push(o);
  }
  return out;
}

export interface CheckResult {
  code: number;
  state: 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
  output: string;
}

function commandOf(description: string): { line: string; args: string[] } {
  const svc = objects('galera-services.cfg', 'service').find((s) => s.service_description === description);
  if (!svc) throw new Error(`no service '${description}' in galera-services.cfg`);
  const [name, ...args] = svc.check_command.split('!');
  const cmd = objects('galera-commands.cfg', 'command').find((c) => c.command_name === name);
  if (!cmd) throw new Error(`no command '${name}' in galera-commands.cfg`);
  return { line: cmd.command_line, args };
}

/** A service whose check is a rate (check_snmp --rate): its first run only stores the counter. */
export function isRateService(description: string): boolean {
  return /\s--rate\b/.test(commandOf(description).line);
}

/** Where and how a check polls: the host's _SNMP_AUTH, its address, a network namespace to run in. */
export interface CheckTarget {
  /** The host's _SNMP_AUTH (default SNMPv2c, community public). */
  auth?: string;
  /** $HOSTADDRESS$ (default 127.0.0.1). */
  address?: string;
  /** Run check_snmp inside this network namespace (the NMS on a test bridge). */
  netns?: string;
}

/** Runs the service with this description against target.address (127.0.0.1):port, as Nagios would. */
export function runService(description: string, port: number, target: CheckTarget = {}): Promise<CheckResult> {
  const { line: commandLine, args } = commandOf(description);
  let line = commandLine
    .replace(/\$USER1\$/g, PLUGINS)
    .replace(/\$HOSTADDRESS\$/g, target.address ?? '127.0.0.1')
    .replace(/\$_HOSTSNMP_PORT\$/g, String(port))
    .replace(/\$_HOSTSNMP_AUTH\$/g, target.auth ?? '-P 2c -C public');
  args.forEach((a, i) => {
    line = line.replace(new RegExp(`\\$ARG${i + 1}\\$`, 'g'), a);
  });
  if (/\$\w+\$/.test(line)) throw new Error(`unexpanded macro in: ${line}`);
  return new Promise((resolve) => {
    execFile(
      target.netns ? 'ip' : 'bash',
      [...(target.netns ? ['netns', 'exec', target.netns, 'bash'] : []), '-c', line],
      {
        env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent', NAGIOS_PLUGIN_STATE_DIRECTORY: stateDir() },
        timeout: 20000,
      },
      (err, stdout) => {
        const code = err ? Number((err as { code?: number }).code ?? 3) : 0;
        resolve({
          code,
          state: (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[code] ?? 'UNKNOWN',
          output: stdout.trim(),
        });
      },
    );
  });
}

export function serviceNames(): string[] {
  return objects('galera-services.cfg', 'service').map((s) => s.service_description);
}

export function commandOids(): string[] {
  return objects('galera-commands.cfg', 'command').map((c) => /-o\s+(\S+)/.exec(c.command_line)?.[1] ?? '');
}

/**
 * Runs every shipped service against one host, each rate twice (check_snmp --rate stores the
 * counter at its first run, and its clock is in seconds: the second run waits 1.1 s). Returns what
 * was not OK or had no perfdata, "service: output" each; empty when the host is healthy.
 */
export async function servicesNotOk(port: number, target: CheckTarget = {}): Promise<string[]> {
  const bad: string[] = [];
  for (const svc of serviceNames()) {
    if (isRateService(svc)) {
      const first = await runService(svc, port, target);
      if (first.state !== 'OK') bad.push(`${svc} (first run): ${first.output}`);
      await new Promise((r) => setTimeout(r, 1100));
    }
    const r = await runService(svc, port, target);
    if (r.state !== 'OK') bad.push(`${svc}: ${r.output}`);
    else if (!/\|\s*\S+=\d+/.test(r.output)) bad.push(`${svc}: no perfdata in ${r.output}`);
  }
  return bad;
}
