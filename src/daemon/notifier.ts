// Notifications as a table: each row watches one value of the snapshot and names the notification
// it sends and the MIB object that carries the previous value. The table is checked against the
// MIB when the agent starts, so a misspelt name fails at start, not at the first trap.

import type { Mib } from '../snmp/mib';
import type { Value } from '../snmp/agentx/pdu';
import type { NodeSnapshot } from '../core/snapshot';

export type Watched = string | number | boolean;

/** Facts a rule may need beyond the snapshot. */
export interface NotifyContext {
  serverRunning: boolean;
  mysqlPolled: boolean;
  /** The last MySQL failure was the server closing its doors (a clean stop), not a loss. */
  mysqlClosed: boolean;
  mysqlError: string;
  /** Promotions of this node by the agent (promoter.ts), and the last one's reason. */
  promotions: number;
  promotedReason: string;
  /** The split-brain watch (watch.ts): two Primary components seen, and whether this node is fenced. */
  split: boolean;
  fenced: boolean;
  /** How many times the agent found the datadir below its own high-water mark (daemon/mark.ts). */
  datadirBelowMark?: number;
  /** galeraInitWaiting notices due so far, and galera-init's acts seen (core/initstate.ts's rules count them). */
  initWaitingNotices?: number;
  initActs?: number;
}

export interface NotificationRule {
  key: string;
  /** Every notification the rule may send (checked against the MIB at start). */
  notifications: readonly string[];
  /** The one to send for this change (a raise/clear pair picks by the new value). */
  pick: (next: Watched) => string;
  /** The notification's object that carries the previous value, or null. */
  previous: string | null;
  /** The value now; undefined while it is unknown (nothing is reported, the held value stays). */
  value: (s: NodeSnapshot, c: NotifyContext) => Watched | undefined;
  /** The watch starts from this value instead of its first known value. */
  initial?: Watched;
  /** When true the watch ends silently: its pending change and held value are dropped. */
  endsWhen?: (s: NodeSnapshot, c: NotifyContext) => boolean;
  /** More objects of the notification, set from the new value (e.g. the error text of a loss). */
  extra?: (next: Watched, c: NotifyContext) => Record<string, Watched>;
}

/** The agent's notifications. wsrep values are watched only while known: a server that stops is
 *  reported by galeraStatusChanged, not by a cascade of "unknown" traps. Alarms come in pairs. */
export const RULES: readonly NotificationRule[] = [
  {
    key: 'status',
    notifications: ['galeraStatusChanged'],
    pick: () => 'galeraStatusChanged',
    previous: 'galeraPrevStatus',
    value: (s) => s.status,
  },
  {
    key: 'localState',
    notifications: ['galeraLocalStateChanged'],
    pick: () => 'galeraLocalStateChanged',
    previous: 'galeraPrevLocalState',
    value: (s) => (s.wsrep?.reachable && s.wsrep.localState !== null ? s.wsrep.localState : undefined),
  },
  {
    key: 'clusterStatus',
    notifications: ['galeraClusterStatusChanged'],
    pick: () => 'galeraClusterStatusChanged',
    previous: 'galeraPrevClusterStatus',
    value: (s) => (s.wsrep?.reachable && s.wsrep.clusterStatus !== 'unknown' ? s.wsrep.clusterStatus : undefined),
  },
  {
    key: 'clusterSize',
    notifications: ['galeraClusterSizeChanged'],
    pick: () => 'galeraClusterSizeChanged',
    previous: 'galeraPrevClusterSize',
    value: (s) => (s.wsrep?.reachable && s.wsrep.clusterSize !== null ? s.wsrep.clusterSize : undefined),
  },
  {
    // An alarm is a state, not an edge: an agent that starts (or restarts) while the window is
    // already low must raise it, or a node whose agent came up in the middle of a write burst
    // never pages. So the watch starts from "not low", as the MySQL-lost alarm does.
    key: 'windowLow',
    notifications: ['galeraWindowLowAlarm', 'galeraWindowRecovered'],
    previous: null,
    initial: false,
    pick: (low) => (low ? 'galeraWindowLowAlarm' : 'galeraWindowRecovered'),
    value: (s) => (s.window && s.window.short.kind !== 'unknown' ? s.window.low : undefined),
  },
  {
    // The datadir's filesystem below disk.lowFreePercent: a state, raised by an agent that starts
    // with the disk already low, as the window's alarm is.
    key: 'diskLow',
    notifications: ['galeraDiskLowAlarm', 'galeraDiskRecovered'],
    previous: null,
    initial: false,
    pick: (low) => (low ? 'galeraDiskLowAlarm' : 'galeraDiskRecovered'),
    value: (s) => (typeof s.disk?.low === 'boolean' ? s.disk.low : undefined),
  },
  {
    // Lost: a server runs, the agent had read it since it started, and now cannot. A clean stop
    // resets our connection and then refuses connections until the process exits: that is the
    // server closing (galeraStatusChanged tells it), not a loss. A server that stops ends the
    // condition silently: "regained" would say the opposite of what happened.
    key: 'mysqlLost',
    notifications: ['galeraMysqlLost', 'galeraMysqlRegained'],
    previous: null,
    initial: false,
    pick: (lost) => (lost ? 'galeraMysqlLost' : 'galeraMysqlRegained'),
    // Only an answer is a regain. A server that closes its doors after a loss (killed while frozen,
    // or stopping) has not come back: say nothing until it answers or its process is gone, or a
    // "regained" can beat the process table's news of the stop on a busy host.
    value: (s, c) => {
      if (!c.mysqlPolled || (s.wsrep?.at ?? 0) <= 0 || s.wsrep?.reachable) return false;
      return c.mysqlClosed ? undefined : true;
    },
    endsWhen: (_s, c) => !c.serverRunning,
    extra: (lost, c): Record<string, Watched> => (lost ? { galeraNotifyText: c.mysqlError || 'unknown error' } : {}),
  },
  {
    // An act of the agent, not a value of the server: the promoter counts its promotions, and each
    // new count is told once, with the reason (the members' seqnos) as the text.
    key: 'promoted',
    notifications: ['galeraPromotedPrimary'],
    pick: () => 'galeraPromotedPrimary',
    previous: null,
    initial: 0,
    value: (_s, c) => c.promotions,
    extra: (_n, c): Record<string, Watched> => ({ galeraNotifyText: c.promotedReason }),
  },
  {
    // A split is an alarm (raised from "no split", so an agent started during one pages), and told
    // again when this node's fencing changes: the first sighting alerts at once, the fencing comes
    // a round later, and the NMS must see both.
    key: 'splitBrain',
    notifications: ['galeraSplitBrain', 'galeraSplitBrainCleared'],
    previous: null,
    initial: 0,
    pick: (v) => (v === 0 ? 'galeraSplitBrainCleared' : 'galeraSplitBrain'),
    value: (_s, c) => (c.split ? (c.fenced ? 2 : 1) : 0),
  },
  {
    // Each time the datadir is found below the mark (a restore or a new disk), told once; the
    // reason is in galeraMarkReason, which the notification carries from the view.
    key: 'datadirBelowMark',
    notifications: ['galeraDatadirBelowMark'],
    pick: () => 'galeraDatadirBelowMark',
    previous: null,
    initial: 0,
    value: (_s, c) => c.datadirBelowMark ?? 0,
  },
  {
    // Timed by waitingNotice (core/initstate.ts): each notice the agent finds due is told once,
    // with the reason and advice of the view being served.
    key: 'initWaiting',
    notifications: ['galeraInitWaiting'],
    pick: () => 'galeraInitWaiting',
    previous: null,
    initial: 0,
    value: (_s, c) => c.initWaitingNotices ?? 0,
  },
  {
    // A bootstrap, a join or a refusal that galera-init wrote since the agent's first look.
    key: 'initActed',
    notifications: ['galeraInitActed'],
    pick: () => 'galeraInitActed',
    previous: null,
    initial: 0,
    value: (_s, c) => c.initActs ?? 0,
  },
  {
    // From the agent's first look: a node that boots in maintenance is not news, a change is.
    key: 'maintenance',
    notifications: ['galeraMaintenanceChanged'],
    pick: () => 'galeraMaintenanceChanged',
    previous: null,
    value: (s) => (s.maintenance ? `on ${s.maintenance.reason}` : 'off'),
  },
];

/** Every name a rule uses must be in the MIB, and every object it sets in its notification. */
export function checkRules(mib: Mib, rules: readonly NotificationRule[]): void {
  for (const r of rules) {
    const carries = (name: string, objects: string[]): void => {
      const n = mib.notifications.get(name);
      if (!n) throw new Error(`notification rule ${r.key}: ${mib.module} has no notification ${name}`);
      for (const o of objects) {
        if (!n.objects.includes(o)) throw new Error(`notification rule ${r.key}: ${name} does not carry ${o}`);
        mib.object(o);
      }
    };
    for (const name of r.notifications) carries(name, r.previous ? [r.previous] : []);
    // Extra objects depend on the new value: those of a raise/clear pair's two sides.
    if (r.extra) {
      for (const v of [true, false]) {
        const name = r.pick(v);
        if (!r.notifications.includes(name))
          throw new Error(`notification rule ${r.key}: picks ${name}, not in its list`);
        carries(name, Object.keys(r.extra(v, CHECK_CONTEXT)));
      }
    }
  }
}

const CHECK_CONTEXT: NotifyContext = {
  serverRunning: true,
  mysqlPolled: true,
  mysqlClosed: false,
  mysqlError: 'x',
  promotions: 1,
  promotedReason: 'x',
  split: false,
  fenced: false,
};

/**
 * Reports a value once it has held for holdMs: a value that flips and flips back within the hold
 * time is never reported, and a burst of changes is reported once, with the final value and the
 * value last reported as "previous".
 */
export class HeldChange<T> {
  private reported: T;
  private pending: NodeJS.Timeout | null = null;

  constructor(
    initial: T,
    private readonly holdMs: number,
    private readonly report: (next: T, prev: T) => void,
  ) {
    this.reported = initial;
  }

  update(value: T): void {
    if (value === this.reported) {
      if (this.pending) {
        clearTimeout(this.pending);
        this.pending = null;
      }
      return;
    }
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = null;
      const prev = this.reported;
      this.reported = value;
      this.report(value, prev);
    }, this.holdMs);
  }

  stop(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }
}

/** Drives the rules over successive snapshots and hands each notification to `send`. */
export class Notifier {
  private readonly watches = new Map<string, HeldChange<Watched>>();
  /** The context of the latest snapshot: a change fires after its hold, with what is true then. */
  private ctx: NotifyContext | null = null;

  constructor(
    private readonly mib: Mib,
    private readonly holdMs: number,
    private readonly send: (notification: string, extra: Record<string, Value>) => void,
    private readonly rules: readonly NotificationRule[] = RULES,
  ) {
    checkRules(mib, rules);
  }

  observe(s: NodeSnapshot, c: NotifyContext): void {
    this.ctx = c;
    for (const r of this.rules) {
      if (r.endsWhen?.(s, c)) {
        this.watches.get(r.key)?.stop();
        this.watches.delete(r.key);
        continue;
      }
      const v = r.value(s, c);
      if (v === undefined) continue;
      let h = this.watches.get(r.key);
      if (!h) {
        // Fires with the latest context (this.ctx, set above), not this observation's.
        h = new HeldChange<Watched>(r.initial ?? v, this.holdMs, (next, prev) =>
          this.fire(r, next, prev, this.ctx ?? c),
        );
        this.watches.set(r.key, h);
      }
      h.update(v);
    }
  }

  private fire(r: NotificationRule, next: Watched, prev: Watched, c: NotifyContext): void {
    const extra: Record<string, Value> = {};
    if (r.previous) extra[r.previous] = this.mib.scalar(r.previous, prev);
    for (const [o, raw] of Object.entries(r.extra?.(next, c) ?? {})) extra[o] = this.mib.scalar(o, raw);
    this.send(r.pick(next), extra);
  }

  stop(): void {
    for (const h of this.watches.values()) h.stop();
    this.watches.clear();
  }
}
