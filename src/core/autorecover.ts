// The automatic recovery's rule: whether `galera-init --auto` (run by galera-recover.timer) may
// start the normal decision on this node now. Pure: the facts come from the process table, the
// server's systemd unit, its journal and a small state file (src/init/auto.ts reads them).
//
// It acts only after a crash the server's own unit did not mend (the unit failed, or stopped with
// a result other than success), never after a deliberate stop (`systemctl stop` leaves the unit
// inactive with Result=success), never after Galera shut the node down for an inconsistency, and
// never more than maxAttempts times in windowMs (a crash loop is a human's problem).

/** What `systemctl show UNIT -p ActiveState,SubState,Result,NRestarts` says. */
export interface UnitFacts {
  activeState: string;
  subState: string;
  result: string;
  nRestarts: number;
}

/** What the automatic recovery keeps between passes (in the state directory: it survives a reboot). */
export interface AutoState {
  /** When the current "down and given up" condition was first seen (ms); absent: not now. */
  downSince?: number;
  /** When the last automatic recoveries started (ms), oldest first. */
  attempts: number[];
  /** Why the last pass did not act, as a kind: a pass says why only when it changes. */
  said?: NotActing;
}

/** Why a pass did not act, as a kind (the reason's text carries times that change every pass). */
export type NotActing =
  | 'off'
  | 'maintenance'
  | 'running'
  | 'initiator'
  | 'unit-unknown'
  | 'unit-busy'
  | 'stopped'
  | 'inconsistent'
  | 'waiting'
  | 'limit';

export interface AutoFacts {
  now: number;
  /** init.autoRecoverAfterSeconds in ms; 0: the automatic recovery is off. */
  afterMs: number;
  maxAttempts: number;
  windowMs: number;
  /** This node's maintenance mode (galera-check maintenance on): its reason, or null when off. */
  maintenance: string | null;
  serverRunning: boolean;
  /** Other galera-init processes deciding on this node now. */
  initiators: number[];
  /** The server's unit, or the error that kept it from being read. */
  unit: UnitFacts | { error: string };
  /** The journal line where Galera shut the server down for an inconsistency, since its last start. */
  inconsistency: string | null;
  state: AutoState;
}

export type AutoVerdict =
  | { act: true; reason: string; state: AutoState }
  | { act: false; kind: NotActing; reason: string; advice?: string; state: AutoState };

export const EMPTY_AUTO_STATE: AutoState = { attempts: [] };

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The unit is starting, running, stopping or about to restart the server itself. */
const unitBusy = (u: UnitFacts): boolean =>
  u.activeState === 'active' ||
  u.activeState === 'activating' ||
  u.activeState === 'deactivating' ||
  u.activeState === 'reloading' ||
  u.subState === 'auto-restart';

/** The unit gave up on a server that ended badly: failed, or inactive with a failure result. */
export const unitGaveUp = (u: UnitFacts): boolean =>
  u.activeState === 'failed' || (u.activeState === 'inactive' && u.result !== 'success' && u.result !== '');

/** The one rule, and the state to keep for the next pass. */
export function decideAuto(f: AutoFacts, unitName: string, resetCommand: string): AutoVerdict {
  const attempts = f.state.attempts.filter((t) => t <= f.now && f.now - t < f.windowMs);
  const no = (kind: NotActing, reason: string, downSince?: number, advice?: string): AutoVerdict => {
    const state: AutoState = downSince === undefined ? { attempts, said: kind } : { downSince, attempts, said: kind };
    return advice === undefined ? { act: false, kind, reason, state } : { act: false, kind, reason, advice, state };
  };
  if (f.afterMs <= 0) return no('off', 'automatic recovery is off (init.autoRecoverAfterSeconds: 0)');
  if (f.maintenance !== null) return no('maintenance', `this node is in maintenance (${f.maintenance})`);
  if (f.serverRunning) return no('running', 'the server runs');
  // A galera-init of a boot or a person is deciding; its waits are its own.
  if (f.initiators.length > 0)
    return no('initiator', `galera-init pid ${f.initiators.join(',')} is deciding`, f.state.downSince);
  const u = f.unit;
  if ('error' in u)
    return no(
      'unit-unknown',
      `cannot read ${unitName}: ${u.error}`,
      undefined,
      `check that init.autoRecoverUnit names the server's unit`,
    );
  if (unitBusy(u))
    return no('unit-busy', `${unitName} is ${u.activeState} (${u.subState}): its own start or restart comes first`);
  if (!unitGaveUp(u))
    return no(
      'stopped',
      `${unitName} is ${u.activeState} with result ${u.result || 'none'}: stopped on purpose (or never started), left alone`,
      undefined,
      'start it with: systemctl start galera-init',
    );
  if (f.inconsistency !== null)
    return no(
      'inconsistent',
      `Galera shut this server down for an inconsistency: "${f.inconsistency}"`,
      undefined,
      'find out which node diverged before starting it: the journal of the server says which transaction failed; then systemctl start galera-init',
    );
  const since = f.state.downSince !== undefined && f.state.downSince <= f.now ? f.state.downSince : f.now;
  const down = f.now - since;
  const how = `${unitName} ${u.activeState} (result ${u.result}, ${u.nRestarts} restarts)`;
  if (down < f.afterMs) return no('waiting', `${how} for ${secs(down)}: acting after ${secs(f.afterMs)}`, since);
  if (attempts.length >= f.maxAttempts)
    return no(
      'limit',
      `${how}, and ${attempts.length} automatic recoveries started in the last ${secs(f.windowMs)}: stopped (a crash loop needs a person)`,
      since,
      `find out why the server fails (its journal), then: ${resetCommand}, or systemctl start galera-init`,
    );
  return {
    act: true,
    reason: `${how} for ${secs(down)} (automatic recovery ${attempts.length + 1} of ${f.maxAttempts} in ${secs(f.windowMs)})`,
    state: { attempts: [...attempts, f.now] },
  };
}

const KINDS: readonly NotActing[] = [
  'off',
  'maintenance',
  'running',
  'initiator',
  'unit-unknown',
  'unit-busy',
  'stopped',
  'inconsistent',
  'waiting',
  'limit',
];

/** The state file's text. */
export const formatAutoState = (s: AutoState): string => `${JSON.stringify(s)}\n`;

/** The state from its file's text; a damaged file is an empty state (it only delays or allows one pass). */
export function parseAutoState(text: string): AutoState {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const attempts = Array.isArray(v.attempts)
      ? v.attempts.filter((t): t is number => typeof t === 'number' && Number.isFinite(t))
      : [];
    const s: AutoState = { attempts };
    if (typeof v.downSince === 'number' && Number.isFinite(v.downSince)) s.downSince = v.downSince;
    if (typeof v.said === 'string' && (KINDS as readonly string[]).includes(v.said)) s.said = v.said as NotActing;
    return s;
  } catch {
    return { attempts: [] };
  }
}

/** One entry of the server unit's journal (journalctl -o json). */
export interface JournalEntry {
  message: string;
  /** MESSAGE_ID, for systemd's own lines about the unit. */
  messageId?: string;
}

// systemd's catalog ids (sd-messages.h): a unit starts; a restart of a unit is scheduled.
const UNIT_STARTING = '7d4958e842da4a758f6c1cdc7b36dcc5';
const RESTART_SCHEDULED = '5eb03494b6584870a536b337290809b3';

// Galera's words when it takes a node out for an inconsistency (a write set that applied on the
// others failed here, or the members voted this node inconsistent). Galera 4's replicator_smm.cpp
// logs "Inconsistency detected: " followed by "Inconsistent by consensus on UUID:SEQNO", "Could
// not reach consensus on ... assuming inconsistency." or "Failed on preordered ...: inconsistency.";
// Galera 3 said "Node consistency compromised".
const INCONSISTENT =
  /Inconsistency detected|Inconsistent by consensus|assuming inconsistency|consistency compromi[sz]ed/i;

/**
 * The line where Galera shut the server down for an inconsistency since a person or galera-init
 * last started it, or null. The unit's own restarts (Restart=on-abnormal) do not count as a start:
 * an inconsistent node that crashed and was restarted by its unit is still inconsistent.
 */
export function inconsistencyIn(entries: JournalEntry[]): string | null {
  let from = 0;
  let restartScheduled = false;
  entries.forEach((e, i) => {
    if (e.messageId === RESTART_SCHEDULED) restartScheduled = true;
    else if (e.messageId === UNIT_STARTING) {
      if (!restartScheduled) from = i;
      restartScheduled = false;
    }
  });
  for (const e of entries.slice(from)) if (INCONSISTENT.test(e.message)) return e.message.trim().slice(0, 300);
  return null;
}

/** Parses `systemctl show -p ActiveState,SubState,Result,NRestarts` output. */
export function parseUnitShow(text: string): UnitFacts | { error: string } {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const active = m.get('ActiveState');
  if (!active) return { error: `no ActiveState in systemctl's answer (${text.trim().slice(0, 100) || 'empty'})` };
  return {
    activeState: active,
    subState: m.get('SubState') ?? '',
    result: m.get('Result') ?? '',
    nRestarts: Number(m.get('NRestarts') ?? 0) || 0,
  };
}

/** Parses journalctl -o json lines (one object a line); lines that are not JSON are skipped. */
export function parseJournalJson(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      // journald gives a message that is not valid UTF-8 as an array of bytes.
      const msg = Array.isArray(o.MESSAGE)
        ? Buffer.from(o.MESSAGE as number[]).toString('utf8')
        : typeof o.MESSAGE === 'string'
          ? o.MESSAGE
          : '';
      const entry: JournalEntry = { message: msg };
      if (typeof o.MESSAGE_ID === 'string') entry.messageId = o.MESSAGE_ID;
      out.push(entry);
    } catch {
      continue;
    }
  }
  return out;
}
