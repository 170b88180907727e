// A private snmpd (the real Net-SNMP master) and the real net-snmp CLI clients, for tests.

import { ChildProcess, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, freeUdpPort, start, stopChild, tempDir, waitFor } from './proc';

const pexec = promisify(execFile);

export const MIB_DIRS = `${path.join(ROOT, 'mibs')}:${path.join(ROOT, 'mibs', 'ietf')}`;

export interface Snmpd {
  dir: string;
  port: number;
  socket: string;
  child: ChildProcess;
  trapPort?: number;
}

export async function startSnmpd(opts: { dir?: string; port?: number; trapPort?: number } = {}): Promise<Snmpd> {
  const dir = opts.dir ?? tempDir('gx-snmpd-');
  const port = opts.port ?? (await freeUdpPort());
  const socket = path.join(dir, 'agentx.sock');
  fs.rmSync(socket, { force: true });
  const args = [path.join(ROOT, 'snmpd', 'private-snmpd.sh'), dir, String(port)];
  if (opts.trapPort) args.push(String(opts.trapPort));
  const child = start('bash', args, { logFile: path.join(dir, 'stdout.log') });
  await waitFor(
    'snmpd to answer',
    async () => (await snmpget(port, ['SNMPv2-MIB::sysUpTime.0'], ['-t', '0.3', '-r', '0'])).length > 0,
    10000,
    100,
  );
  return { dir, port, socket, child, trapPort: opts.trapPort };
}

export async function stopSnmpd(s: Snmpd, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await stopChild(s.child, signal);
}

/** Runs a net-snmp CLI tool with GALERA-MIB loaded; returns stdout (throws on a non-zero exit). */
export async function snmpTool(tool: string, args: string[]): Promise<string> {
  const { stdout } = await pexec(tool, args, {
    env: {
      ...process.env,
      MIBDIRS: MIB_DIRS,
      MIBS: 'GALERA-MIB:SNMPv2-MIB',
      SNMP_PERSISTENT_DIR: path.join(ROOT, '.tmp', 'snmp-client'),
    },
    timeout: 20000,
  });
  return stdout;
}

/** snmpget -Oqv: one line per value. */
export async function snmpget(port: number, oids: string[], extra: string[] = []): Promise<string[]> {
  const out = await snmpTool('snmpget', [
    '-v2c',
    '-c',
    'public',
    '-OqvU',
    '-t',
    '2',
    '-r',
    '1',
    ...extra,
    `127.0.0.1:${port}`,
    ...oids,
  ]);
  // One line per value; an empty string is an empty line, so only the final newline goes.
  return out.replace(/\n$/, '').split('\n');
}

export async function snmpgetOne(port: number, oid: string): Promise<string> {
  return (await snmpget(port, [oid]))[0];
}
