// What galera-check status --verbose and galera-check cluster say about galera-init's current or
// last round and the maintenance mode (the same facts the agent serves as galeraInit), and
// galera-check maintenance on|off.

import type { Config } from '../config';
import { initStateFileOf } from '../config';
import type { InitView, Maintenance } from '../core/initstate';
import { clearMaintenance, readInitState, readMaintenance, writeMaintenance } from '../sources/initfiles';

const when = (t: number, now: number): string =>
  t > 0
    ? `${new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')} (${Math.max(0, Math.round((now - t) / 1000))} s ago)`
    : '?';

/** The lines, one fact each: maintenance, then galera-init's round with its reason and advice. */
export function initLines(init: InitView | null, maintenance: Maintenance | null, now: number): string {
  const out: string[] = [];
  out.push(
    maintenance
      ? `maintenance: on since ${when(maintenance.since, now)}${maintenance.by ? ` by ${maintenance.by}` : ''}${maintenance.reason ? `: ${maintenance.reason}` : ''}`
      : 'maintenance: off',
  );
  if (!init) {
    out.push('galera-init: none (no run has written its state since the host booted)');
    return `${out.join('\n')}\n`;
  }
  out.push(
    `galera-init: ${init.decision} since ${when(init.since, now)}, round ${init.round}, ${init.running ? `running (pid ${init.pid})` : `not running (was pid ${init.pid})`}`,
  );
  out.push(`  reason:      ${init.reason}`);
  if (init.advice) out.push(`  advice:      ${init.advice}`);
  if (init.waitingFor.length) out.push(`  waiting for: ${init.waitingFor.join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** Whether a PID is a live process (galera-check runs as root: EPERM is not expected, but is alive). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This node's galeraInit facts read from the files themselves (galera-check cluster). */
export function localInitLines(cfg: Config, now = Date.now()): string {
  const s = readInitState(initStateFileOf(cfg));
  return initLines(s ? { ...s, running: alive(s.pid) } : null, readMaintenance(cfg.maintenanceFile), now);
}

/** galera-check maintenance [on|off]: turns it on or off, or says whether it is on. */
export function maintenanceCommand(
  cfg: Config,
  what: 'on' | 'off' | undefined,
  o: { reason?: string; by: string; now?: number },
): string {
  const file = cfg.maintenanceFile;
  if (what === 'on') {
    const m = { reason: o.reason ?? '', since: o.now ?? Date.now(), by: o.by };
    writeMaintenance(file, m);
    return `maintenance on${m.reason ? `: ${m.reason}` : ''} (${file}); galera-init leaves this node alone and it reports unhealthy until: galera-check maintenance off\n`;
  }
  if (what === 'off') {
    const was = clearMaintenance(file);
    return was
      ? 'maintenance off: the node reports its own health again; galera-init decides again the next time it runs (systemctl start galera-init)\n'
      : 'maintenance was already off\n';
  }
  const m = readMaintenance(file);
  return initLines(null, m, o.now ?? Date.now()).split('\n')[0] + '\n';
}
