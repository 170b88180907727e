// A real snmptrapd as the trap receiver: one line per notification, parsed into trap OID + varbinds.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { freeUdpPort, start, stopChild, tempDir, waitFor } from './proc';

export interface Trap {
  trapOid: string;
  varbinds: Map<string, string>;
  line: string;
}
export interface Trapd {
  port: number;
  child: ChildProcess;
  log: string;
  traps(): Trap[];
}

export async function startTrapd(): Promise<Trapd> {
  const dir = tempDir('gx-trapd-');
  const port = await freeUdpPort();
  const conf = path.join(dir, 'snmptrapd.conf');
  fs.writeFileSync(conf, 'disableAuthorization yes\nformat2 TRAP %V\\t %v\\n\n');
  const log = path.join(dir, 'traps.log');
  const child = start('snmptrapd', ['-f', '-C', '-c', conf, '-Lf', log, '-On', `udp:127.0.0.1:${port}`], {
    env: { ...process.env, MIBDIRS: dir, MIBS: '', SNMP_PERSISTENT_DIR: dir },
  });
  await waitFor(
    'snmptrapd to start',
    () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('NET-SNMP'),
    5000,
  );
  const traps = (): Trap[] => parseTrapLog(log);
  return { port, child, log, traps };
}

export async function stopTrapd(t: Trapd): Promise<void> {
  await stopChild(t.child);
}

/** The traps in a log written by snmptrapd with `format2 TRAP %V\t %v\n` and -On. */
export function parseTrapLog(log: string): Trap[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TRAP '))
    .map((line) => {
      const varbinds = new Map<string, string>();
      for (const part of line.slice(5).split('\t ')) {
        const m = /^(\S+) = (?:[\w-]+: )?(.*)$/.exec(part.trim());
        if (m) varbinds.set(m[1].replace(/^\./, ''), m[2].replace(/^"(.*)"$/, '$1'));
      }
      return { trapOid: (varbinds.get('1.3.6.1.6.3.1.1.4.1.0') ?? '').replace(/^\./, ''), varbinds, line };
    });
}
