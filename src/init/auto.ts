// galera-init --auto: one quick pass of the automatic recovery (galera-recover.timer runs it every
// few seconds). It reads the facts core/autorecover.ts's rule needs, keeps its small state file,
// and, when the rule says so, runs the very same decision as a boot (run.ts), logged as automatic.
// It needs root for what galera-init does anyway (start the server, --wsrep-recover), never the
// agent: the agent stays unprivileged.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { EXIT } from '../errors';
import {
  AutoState,
  AutoVerdict,
  EMPTY_AUTO_STATE,
  UnitFacts,
  decideAuto,
  formatAutoState,
  inconsistencyIn,
  parseAutoState,
  parseJournalJson,
  parseUnitShow,
  unitGaveUp,
} from '../core/autorecover';
import { createSources } from '../sources/index';
import { readMaintenance } from '../sources/initfiles';

const pexec = promisify(execFile);

export const RESET_COMMAND = 'galera-init --auto-reset';

/** The world the pass reads; the real one below, a stub in the unit tests. */
export interface AutoIO {
  now(): number;
  /** This datadir's server PIDs and the galera-init processes deciding (from the process table). */
  processes(): Promise<{ servers: number[]; initiators: number[] }>;
  unit(name: string): Promise<UnitFacts | { error: string }>;
  /** The inconsistency line in the server unit's journal since its last deliberate start, or null. */
  inconsistency(name: string): Promise<string | null>;
  /** The maintenance mode's reason, or null when it is off. */
  maintenance(): string | null;
  readState(): AutoState;
  writeState(s: AutoState): void;
}

/** The maintenance mode as a pass reads it (cfg.maintenanceFile): its reason, 'on' without one, null when off. */
export function maintenanceReason(file: string): string | null {
  // An unreadable file reads as on, with its error for a reason: never started on a guess.
  const m = readMaintenance(file);
  return m ? m.reason || 'on' : null;
}

export function realAutoIO(cfg: Config, log: Logger): AutoIO {
  const file = cfg.init.autoRecoverStateFile;
  return {
    now: () => Date.now(),
    processes: async () => {
      const sources = createSources(cfg, log.child({}, { level: 'error' }));
      try {
        const p = await sources.readOne('processes');
        return {
          servers: p.servers.map((s) => s.pid),
          initiators: p.initiators.filter((pid) => pid !== process.pid),
        };
      } finally {
        await sources.stop();
      }
    },
    unit: async (name) => {
      try {
        const { stdout } = await pexec(
          'systemctl',
          ['show', name, '-p', 'ActiveState,SubState,Result,NRestarts', '--no-pager'],
          { timeout: 10000 },
        );
        return parseUnitShow(stdout);
      } catch (err) {
        return { error: (err as Error).message.split('\n')[0] };
      }
    },
    inconsistency: async (name) => {
      try {
        // This boot's lines of the unit: the server's own (its stderr is its error log on Debian)
        // and systemd's about it, whose catalog ids tell a person's start from the unit's restart.
        const { stdout } = await pexec(
          'journalctl',
          ['-u', name, '-b', '-o', 'json', '-n', '20000', '--no-pager', '--output-fields=MESSAGE,MESSAGE_ID'],
          { timeout: 20000, maxBuffer: 64 * 1024 * 1024 },
        );
        return inconsistencyIn(parseJournalJson(stdout));
      } catch (err) {
        // No journal to read is no proof of an inconsistency; the log says we could not look.
        log.warn({ err: (err as Error).message.split('\n')[0] }, "cannot read the server's journal");
        return null;
      }
    },
    maintenance: () => maintenanceReason(cfg.maintenanceFile),
    readState: () => {
      try {
        return parseAutoState(fs.readFileSync(file, 'utf8'));
      } catch {
        return EMPTY_AUTO_STATE;
      }
    },
    writeState: (s) => {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, formatAutoState(s), { mode: 0o644 });
      fs.renameSync(tmp, file);
    },
  };
}

/** One pass: the facts, the rule, the state kept. */
export async function autoPass(cfg: Config, io: AutoIO): Promise<AutoVerdict> {
  const unitName = cfg.init.autoRecoverUnit;
  const state = io.readState();
  const p = await io.processes();
  const unit = p.servers.length ? { error: 'not read (the server runs)' } : await io.unit(unitName);
  const gaveUp = !('error' in unit) && unitGaveUp(unit);
  const verdict = decideAuto(
    {
      now: io.now(),
      afterMs: cfg.init.autoRecoverAfterSeconds * 1000,
      maxAttempts: cfg.init.autoRecoverMaxAttempts,
      windowMs: cfg.init.autoRecoverWindowSeconds * 1000,
      maintenance: io.maintenance(),
      serverRunning: p.servers.length > 0,
      initiators: p.initiators,
      unit,
      // Read only when it can matter: the journal is the slowest fact.
      inconsistency: gaveUp && p.initiators.length === 0 ? await io.inconsistency(unitName) : null,
      state,
    },
    unitName,
    RESET_COMMAND,
  );
  if (JSON.stringify(verdict.state) !== JSON.stringify(state)) io.writeState(verdict.state);
  return verdict;
}

/**
 * galera-init --auto: prints why it does not act (one line, exit 0), or runs the decision as at
 * boot, and returns its exit code.
 */
export async function runAuto(
  cfg: Config,
  log: Logger,
  out: NodeJS.WritableStream,
  runDecision: (log: Logger) => Promise<number>,
  io: AutoIO = realAutoIO(cfg, log),
): Promise<number> {
  const said = io.readState().said;
  const v = await autoPass(cfg, io);
  if (!v.act) {
    // Once per change of why (a pass runs every 10 s: a line each would bury the journal), and
    // always to a person at a terminal.
    if (v.kind !== said || (out as { isTTY?: boolean }).isTTY === true)
      out.write(`galera-init --auto: not acting: ${v.reason}${v.advice ? `; ${v.advice}` : ''}\n`);
    return EXIT.OK;
  }
  const auto = log.child({ automatic: true });
  auto.warn({ reason: v.reason }, 'automatic recovery: deciding as at boot');
  const code = await runDecision(auto);
  auto.info({ code }, code === EXIT.OK ? 'automatic recovery: done' : 'automatic recovery: failed');
  return code;
}

/** galera-init --auto-reset: forgets the failure and the recoveries counted, so the limit starts afresh. */
export function resetAuto(io: Pick<AutoIO, 'writeState'>): void {
  io.writeState(EMPTY_AUTO_STATE);
}
