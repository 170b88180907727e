// galera-init's round as the agent serves it (galeraInit in GALERA-MIB), and the node's maintenance
// mode. galera-init is no SNMP agent: it writes its state to a small file beside its lock (one
// writer, replaced atomically), the agent watches that file and publishes it. Maintenance is a file
// in the state directory (it must survive a reboot): present means on, its text says why.
// Pure: the formats, their parsers, and the rules that time galeraInitWaiting and galeraInitActed.

/** galeraInitDecision's labels, in the MIB's order (none: no galera-init has written a round). */
export const INIT_DECISIONS = ['none', 'wait', 'join', 'bootstrap', 'refuse', 'done', 'maintenance'] as const;
export type InitDecision = (typeof INIT_DECISIONS)[number];

/** One round of galera-init, as written to its state file. */
export interface InitState {
  pid: number;
  /** Rounds of this run so far. */
  round: number;
  decision: Exclude<InitDecision, 'none'>;
  reason: string;
  advice: string;
  /** The members a wait waits for, as the decision names them. */
  waitingFor: string[];
  /** When this decision began (ms since epoch); a wait: when this run began to wait, whatever the reason. */
  since: number;
  /** When the reason last changed (ms since epoch). */
  reasonSince: number;
  /** When the round was written. */
  at: number;
}

/** The maintenance file: present means on. */
export interface Maintenance {
  reason: string;
  /** When it was turned on (ms since epoch); 0 when the file does not say. */
  since: number;
  /** Who turned it on ('' when the file does not say). */
  by: string;
}

/** What the agent adds: whether the run that wrote the state still runs (its PID among the initiators). */
export type InitView = InitState & { running: boolean };

/** The actions that raise galeraInitActed. */
const ACTED: readonly InitDecision[] = ['join', 'bootstrap', 'refuse'];

const MAX_TEXT = 4096;

/**
 * galera-init's next state: the same `since` while it goes on waiting (the reason may change), a
 * new one when the decision changes; reasonSince moves with the reason.
 */
export function nextInitState(
  prev: InitState | null,
  round: {
    pid: number;
    round: number;
    decision: InitState['decision'];
    reason: string;
    advice?: string;
    waitingFor?: string[];
  },
  now: number,
): InitState {
  const same = prev !== null && prev.pid === round.pid && prev.decision === round.decision;
  return {
    pid: round.pid,
    round: round.round,
    decision: round.decision,
    reason: round.reason,
    advice: round.advice ?? '',
    waitingFor: round.waitingFor ?? [],
    since: same ? prev.since : now,
    reasonSince: same && prev.reason === round.reason ? prev.reasonSince : now,
    at: now,
  };
}

export const formatInitState = (s: InitState): string => `${JSON.stringify(s)}\n`;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The state file's content, validated; null with the problem when it is not one galera-init wrote. */
export function parseInitState(data: Buffer): { state: InitState | null; problems: string[] } {
  const bad = (why: string): { state: null; problems: string[] } => ({ state: null, problems: [why] });
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return bad('not an object');
  const d = doc as Record<string, unknown>;
  if (!Number.isSafeInteger(d.pid) || (d.pid as number) < 1) return bad('no pid');
  if (!Number.isSafeInteger(d.round) || (d.round as number) < 0) return bad('no round');
  if (!(INIT_DECISIONS as readonly unknown[]).includes(d.decision) || d.decision === 'none')
    return bad(`unknown decision ${JSON.stringify(d.decision)}`);
  if (!isText(d.reason) || !isText(d.advice)) return bad('no reason or advice');
  if (!Array.isArray(d.waitingFor) || d.waitingFor.length > 1024 || !d.waitingFor.every(isText))
    return bad('waitingFor is not a list of names');
  if (!isTime(d.since) || !isTime(d.reasonSince) || !isTime(d.at)) return bad('a time is missing');
  return {
    state: {
      pid: d.pid as number,
      round: d.round as number,
      decision: d.decision as InitState['decision'],
      reason: d.reason,
      advice: d.advice,
      waitingFor: d.waitingFor,
      since: d.since,
      reasonSince: d.reasonSince,
      at: d.at,
    },
    problems: [],
  };
}

export const formatMaintenance = (m: Maintenance): string => `${JSON.stringify(m)}\n`;

/**
 * The maintenance file's content. A file that is there is maintenance, whatever it holds: a damaged
 * one must not hand the node back to galera-init and the load balancer.
 */
export function parseMaintenance(data: Buffer): { maintenance: Maintenance; problems: string[] } {
  try {
    const doc = JSON.parse(data.toString('utf8')) as unknown;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const d = doc as Record<string, unknown>;
      return {
        maintenance: {
          reason: isText(d.reason) ? d.reason : '',
          since: isTime(d.since) ? d.since : 0,
          by: isText(d.by) ? d.by : '',
        },
        problems: [],
      };
    }
  } catch {
    /* judged below */
  }
  // Written by hand: its first line is the reason.
  const text = data.toString('utf8').split('\n')[0].trim().slice(0, MAX_TEXT);
  return { maintenance: { reason: text, since: 0, by: '' }, problems: [] };
}

/** The one line that says why a node in maintenance is left alone. */
export const maintenanceText = (m: Maintenance): string =>
  `in maintenance${m.reason ? ` (${m.reason})` : ''}: galera-check maintenance off ends it`;

/** What galeraInitWaiting last told: for which wait (run and start), which reason, when. */
export interface WaitNotice {
  key: string;
  reason: string;
  at: number;
}

/**
 * Whether galeraInitWaiting is due now. A wait is told once it has lasted afterMs, and again when
 * its reason changes, at most once per afterMs (a reason that flips every round pages once per
 * period, with the reason of the moment). Only a wait of a galera-init that still runs: a run that
 * died leaves its last state behind, and nobody waits any more. nextAt: when to look again.
 */
export function waitingNotice(
  s: InitView | null,
  last: WaitNotice | null,
  now: number,
  afterMs: number,
): { due: boolean; notice: WaitNotice | null; nextAt: number | null } {
  if (afterMs <= 0 || !s || !s.running || s.decision !== 'wait') return { due: false, notice: null, nextAt: null };
  const key = `${s.pid}:${s.since}`;
  if (last?.key !== key) {
    if (now - s.since >= afterMs) return { due: true, notice: { key, reason: s.reason, at: now }, nextAt: null };
    return { due: false, notice: null, nextAt: s.since + afterMs };
  }
  if (s.reason === last.reason) return { due: false, notice: last, nextAt: null };
  if (now - last.at >= afterMs) return { due: true, notice: { key, reason: s.reason, at: now }, nextAt: null };
  return { due: false, notice: last, nextAt: last.at + afterMs };
}

/** Identifies one act (a bootstrap, a join or a refusal of one round of one run); undefined otherwise. */
export const actedKey = (s: InitState | null): string | undefined =>
  s && ACTED.includes(s.decision) ? `${s.pid}:${s.round}:${s.decision}` : undefined;

/**
 * Counts the acts the agent has seen, for galeraInitActed. The first look only learns what is
 * there: an agent that restarts after galera-init acted must not tell that act again.
 */
export class ActedCounter {
  count = 0;
  private seen: string | undefined;
  private seeded = false;

  observe(s: InitState | null): void {
    const key = actedKey(s);
    if (!this.seeded) {
      this.seeded = true;
      this.seen = key;
      return;
    }
    if (key !== undefined && key !== this.seen) {
      this.seen = key;
      this.count++;
    }
  }
}
