// The split-brain watch: every watch.intervalSeconds it asks every other member's agent for its
// component (one GET each, in parallel, with the peer client's timeout and retries), adds this
// node's own from its snapshot, and applies the rule (core/splitbrain.ts). Off the SNMP request
// path: the agent serves the last verdict from memory. While this node is fenced it keeps a fence
// file fresh, so galera-check healthy (a separate process) says what the agent says.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { NodeSnapshot } from '../core/snapshot';
import { MemberView, SplitVerdict, WatchState, describeSide, splitVerdict } from '../core/splitbrain';

export type { WatchState };
import { resolveMembers, withPeerCredentials } from '../members';
import type { Mib } from '../snmp/mib';
import { PeerTarget, askComponent } from '../snmp/peers';

/** This node's component, from its own server: trusted, as the rule requires. */
export function selfView(id: string, s: NodeSnapshot): MemberView {
  const w = s.wsrep;
  if (s.serverPid > 0 && !w?.reachable) return { id, kind: 'unknown', why: 'this node cannot read its server' };
  if (!w?.reachable || w.clusterStatus !== 'primary') return { id, kind: 'notPrimary', name: s.nodeName };
  if (w.clusterUuid === null || w.confId === null || w.confId < 0n || !w.clusterSize || w.lastCommitted === null)
    return { id, kind: 'unknown', why: 'this node reads an incomplete wsrep status' };
  return {
    id,
    kind: 'primary',
    name: s.nodeName,
    uuid: w.clusterUuid,
    confId: w.confId,
    size: w.clusterSize,
    lastCommitted: w.lastCommitted,
  };
}

export class Watch {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private peers: PeerTarget[] = [];
  private selfId = '';
  private members = 0;
  private previousTop: string | null = null;
  private latest: NodeSnapshot | null = null;
  state: WatchState = {
    state: 'off',
    fenced: false,
    sides: '',
    unknown: '',
    reason: 'the watch has not started',
    at: 0,
  };

  /** changed is called after every round that changed the state (the agent recomputes). */
  constructor(
    private readonly cfg: Config,
    private readonly log: Logger,
    private readonly mib: Mib,
    private readonly changed: () => void,
    /** Every round's answers, before the verdict: the high-water mark keeps the positions in them. */
    private readonly round: (peers: MemberView[]) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const off = (reason: string): void => {
      this.state = { ...this.state, state: 'off', reason };
    };
    if (this.cfg.watch.intervalSeconds === 0) {
      off('watch.intervalSeconds is 0');
      return;
    }
    try {
      const { targets, selfId } = resolveMembers(withPeerCredentials(this.cfg));
      this.selfId = selfId;
      this.members = targets.length;
      this.peers = targets.filter((t) => t.id !== selfId);
    } catch (err) {
      const why = `the members cannot be resolved: ${(err as Error).message}`;
      this.log.info({ err: (err as Error).message }, 'split-brain watch off: the members cannot be resolved');
      off(why);
      return;
    }
    if (this.peers.length === 0) {
      off('no other member to watch');
      return;
    }
    this.log.info(
      { intervalSeconds: this.cfg.watch.intervalSeconds, peers: this.peers.map((p) => p.id) },
      'split-brain watch on',
    );
    this.state = { ...this.state, reason: 'the first round is under way' };
    this.timer = setInterval(() => void this.tick(), this.cfg.watch.intervalSeconds * 1000);
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.writeFence(false);
  }

  observe(s: NodeSnapshot): void {
    this.latest = s;
  }

  /** One round: ask every peer, judge, publish. A round still running when the next is due is not doubled. */
  async tick(): Promise<void> {
    const s = this.latest;
    if (this.busy || !s) return;
    this.busy = true;
    try {
      const peers = await Promise.all(this.peers.map((t) => askComponent(this.mib, t)));
      if (!this.timer) return; // stopped meanwhile
      this.round(peers);
      // The snapshot as it is now, not as it was when the round began.
      const v = splitVerdict({
        members: this.members,
        self: selfView(this.selfId, this.latest ?? s),
        peers,
        previousTop: this.previousTop,
      });
      this.previousTop = v.top;
      this.publish(v);
    } finally {
      this.busy = false;
    }
  }

  private publish(v: SplitVerdict): void {
    const next: WatchState = {
      state: v.state,
      fenced: v.fenced,
      sides: v.sides.map(describeSide).join(' / '),
      unknown: v.unknown.join('; '),
      reason: v.reason,
      at: this.now(),
    };
    const prev = this.state;
    this.state = next;
    this.writeFence(next.fenced);
    if (prev.state !== next.state || prev.fenced !== next.fenced || prev.sides !== next.sides) {
      const fields = {
        state: next.state,
        fenced: next.fenced,
        sides: next.sides,
        unknown: next.unknown,
        reason: next.reason,
      };
      if (next.state === 'split')
        this.log.warn(fields, next.fenced ? 'SPLIT BRAIN: this node is fenced' : 'SPLIT BRAIN');
      else this.log.info(fields, 'split-brain watch');
    }
    this.changed();
  }

  /** Kept fresh while fenced (galera-check takes an old file for an agent that died), gone otherwise. */
  private writeFence(fenced: boolean): void {
    const file = this.cfg.watch.fenceFile;
    if (!file) return;
    try {
      if (!fenced) {
        fs.rmSync(file, { force: true });
        return;
      }
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      fs.writeFileSync(tmp, `${this.state.reason}\n`, { mode: 0o644 });
      fs.renameSync(tmp, file);
    } catch (err) {
      this.log.error(
        { file, err: (err as NodeJS.ErrnoException).code ?? (err as Error).message },
        'cannot write the fence file; galera-check healthy will not show the fencing (HTTP and the track file do)',
      );
    }
  }
}
