// Keeps this node's high-water mark (core/mark.ts) under the state directory: this node's own
// commits while Synced in a Primary component, the seqnos it sees the other members report while
// Primary (from the split-brain watch's rounds: one GET per member serves both), and the last
// bootstrap its server made. Written at most once a second, atomically and fsync'd
// (sources/markfile.ts); a damaged file is logged once and treated as no mark.

import type { Logger } from 'pino';
import type { Config } from '../config';
import {
  CommitSample,
  Durability,
  MARK_WRITE_MS,
  Mark,
  MarkChange,
  MarkView,
  markView,
  observeBootstrap,
  observeCommit,
  observeSeen,
  toleranceOf,
} from '../core/mark';
import { LOCAL_STATE } from '../core/wsrep-status';
import type { NodeSnapshot } from '../core/snapshot';
import type { MemberView } from '../core/splitbrain';
import { readMark, writeMark } from '../sources/markfile';

/** Commit samples older than the longest loss window (35 s) plus a margin are of no use. */
const SAMPLE_SPAN_MS = 60000;

export class MarkKeeper {
  private mark: Mark | null = null;
  private state: 'none' | 'valid' | 'damaged' = 'none';
  private error = '';
  private dirty = false;
  private lastWrite = 0;
  private writeTimer: NodeJS.Timeout | null = null;
  private samples: CommitSample[] = [];
  private bootstrapSeen = 0;
  private primary = false;
  private writeError = '';
  /** How many times the datadir was found below the mark: galeraDatadirBelowMark tells each. */
  belowCount = 0;
  private below = false;

  constructor(
    private readonly cfg: Config,
    private readonly log: Logger,
    /** Called when what the mark publishes changed: the agent rebuilds its view. */
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const r = readMark(this.cfg.stateDir);
    if (r.state === 'valid') {
      this.mark = r.mark;
      this.state = 'valid';
    } else if (r.state === 'damaged') {
      this.state = 'damaged';
      this.error = r.error;
      this.log.error({ file: r.error.split(':')[0] }, r.error);
    }
  }

  stop(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    this.flush();
  }

  /** What the agent publishes (galeraMark) for this snapshot. */
  view(s: NodeSnapshot): MarkView {
    const v = markView(this.state, this.mark, this.error || this.writeError, s);
    if (v.datadirBelow && !this.below) {
      this.belowCount++;
      this.log.warn({ reason: v.reason }, 'restored or replaced datadir: this node is below its own high-water mark');
    }
    this.below = v.datadirBelow;
    return v;
  }

  /** Every snapshot: this node's commits while Synced in a Primary component, and its bootstraps. */
  observe(s: NodeSnapshot, durability: Durability | null, bootstrapPid: number): void {
    const w = s.wsrep;
    const synced =
      !!w?.reachable &&
      w.clusterStatus === 'primary' &&
      (w.localState === LOCAL_STATE.synced || w.localState === LOCAL_STATE.donor);
    this.primary = synced;
    if (!w || !synced || w.localUuid === null || w.lastCommitted === null) return;
    const t = this.now();
    const last = this.samples.at(-1);
    if (!last || last.seqno !== w.lastCommitted) this.samples.push({ t, seqno: w.lastCommitted });
    while (this.samples.length > 2 && this.samples[1].t < t - SAMPLE_SPAN_MS) this.samples.shift();
    this.apply(
      observeCommit(this.mark, {
        uuid: w.localUuid,
        seqno: w.lastCommitted,
        node: s.nodeName,
        at: t,
        durability,
        tolerance: toleranceOf(this.samples, t, durability),
      }),
    );
    if (bootstrapPid > 0 && bootstrapPid !== this.bootstrapSeen) {
      this.bootstrapSeen = bootstrapPid;
      this.apply(observeBootstrap(this.mark, { uuid: w.localUuid, seqno: w.lastCommitted, at: t }));
    }
  }

  private apply(c: MarkChange): void {
    if (c.kind === 'same') return;
    if (c.kind === 'reset') {
      this.log.warn(
        { from: this.mark?.committed.toString(), to: c.mark.committed.toString() },
        `high-water mark reset: ${c.why}`,
      );
      this.samples = this.samples.slice(-1);
    }
    this.mark = c.mark;
    if (this.state !== 'valid') {
      this.state = 'valid';
      this.error = '';
    }
    this.dirty = true;
    // A reset is written at once: a crash must not bring the old mark back.
    if (c.kind === 'reset') this.flush();
    else this.scheduleWrite();
    this.changed();
  }

  private scheduleWrite(): void {
    if (this.writeTimer) return;
    const wait = Math.max(0, this.lastWrite + MARK_WRITE_MS - this.now());
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.dirty || !this.mark) return;
    this.dirty = false;
    this.lastWrite = this.now();
    try {
      writeMark(this.cfg.stateDir, this.mark);
      if (this.writeError) this.log.info('high-water mark: written again');
      this.writeError = '';
    } catch (err) {
      const why = (err as Error).message;
      if (why !== this.writeError) this.log.error({}, why);
      this.writeError = why;
    }
  }

  /**
   * The members' components from one round of the split-brain watch. Only while this node is itself
   * Synced in a Primary component: what a member reports then belongs to this node's history.
   */
  seen(members: MemberView[]): void {
    if (!this.primary || !this.mark) return;
    for (const m of members) {
      if (m.kind !== 'primary' || m.lastCommitted < 0n) continue;
      this.apply(observeSeen(this.mark, { uuid: m.uuid, node: m.name, seqno: m.lastCommitted, at: this.now() }));
    }
  }
}
