// galera-init's protocol, one explicit round at a time:
//   look (no lock) → lock → own agent shows the lock → this node's facts → ask the peers →
//   decide (pure) → act
// and, after an action, wait until the started server is ready.
// Every effect goes through InitEnv, so the very same code runs against the real world (run.ts)
// and against a simulated cluster with many initiators, random delays and lagging agents
// (test/unit/init/round.model.test.ts).
//
// Why this order: a peer must never decide from an answer that predates this node's decision.
// This node takes its lock and waits until its own agent shows it; from then on every peer that
// asks gets "locked" (then "bootstrapping"/"running" once a server starts, because the lock is
// released only after the agent shows the server). Two initiators whose rounds overlap therefore
// cannot both act: the later one to confirm its lock sees the other locked, or its server.
// The look without the lock decides nothing: it only spares the lock to a node that would wait
// anyway (every node but the most advanced one, on a cold start). Without it every initiator
// would hold its lock on every round and keep the others waiting: the model test found such
// histories with five nodes and a lossy network never converging.

import { Decision, MemberFacts, Policy, arbitrator, decide } from '../core/decide';
import type { NodeStatus } from '../core/status';
import type { SeqnoSource } from '../core/seqno';
import { AgentAnswer, maintenanceAsSilent } from '../snmp/peers';
import type { MarkFacts } from '../core/mark';
import { InitState, Maintenance, maintenanceText, nextInitState } from '../core/initstate';

/** This node's own facts, read under the lock (a --wsrep-recover runs first when it must). */
export interface LocalFacts {
  status: NodeStatus;
  seqno: bigint;
  seqnoSource: SeqnoSource;
  uuid: string | null;
  safeToBootstrap: boolean | null;
  serverRunning: boolean;
  /** The datadir holds user schemas with tables; null (or absent): it could not be read. */
  userData?: boolean | null;
  userSchemas?: string[];
  /** This node's high-water mark, read from the state directory (absent: none, or damaged). */
  mark?: MarkFacts;
  /** The pc.bootstrap statement the running server takes ('' or absent: unknown). */
  pcBootstrap?: string;
  /** Prepared transactions that stopped this node's recovery (0 or absent: none). */
  prepared?: number;
}

/** How galera-init's heuristic rollback (--tc-heuristic-recover=rollback) ended. */
export type RollbackResult = { ok: true; summary: string } | { ok: false; error: string };

/** How the wait for a started server ended (core/status.ts's Readiness is the server's own facts). */
export interface ReadyResult {
  ok: boolean;
  error?: string;
  leftCluster?: boolean;
}

export interface InitEnv {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1): jitter. */
  random(): number;
  /** Takes this node's initiator lock, never waiting; false with who holds it. */
  lock(): { ok: true } | { ok: false; holder: string };
  unlock(): void;
  /** This process's PID, as the agent shows it in galeraLockPid. */
  pid: number;
  /** Whether a server runs on this datadir now (a fresh look). */
  serverRunning(): Promise<boolean>;
  /** With recover, under the lock: runs --wsrep-recover first when the position must be found. */
  localFacts(opts: { recover: boolean }): Promise<LocalFacts>;
  /** Asks the agents behind these member ids; never throws. */
  ask(ids: string[]): Promise<AgentAnswer[]>;
  /** Makes grastate.dat bootstrappable at this node's position (safe_to_bootstrap: 1, or a new file). */
  markSafeToBootstrap(position: { uuid: string | null; seqno: bigint }): void;
  /** Sets grastate.dat aside (a forced join of a node ahead of the cluster: Galera would refuse it). */
  discardState(): void;
  start(action: 'bootstrap' | 'join', position: string): Promise<{ ok: boolean; error?: string }>;
  waitReady(): Promise<ReadyResult>;
  stopServer(): Promise<void>;
  /** This node's maintenance mode (null: off); absent: never in maintenance (the model's nodes). */
  maintenance?(): Maintenance | null;
  /** Writes this round for the agent to serve (galeraInit); absent: not recorded. Never throws. */
  record?(s: InitState): void;
  /**
   * Under the lock: rolls back the prepared transactions that stop this node's recovery
   * (--tc-heuristic-recover=rollback), saying so and what it discards; the next localFacts then
   * recovers again. `why`: the option or the override that allows it. Absent: never offered.
   */
  heuristicRollback?(prepared: number, why: string): Promise<RollbackResult>;
  log: {
    info(fields: Record<string, unknown>, msg: string): void;
    warn(fields: Record<string, unknown>, msg: string): void;
    error(fields: Record<string, unknown>, msg: string): void;
  };
}

export interface Members {
  /** This node's member id (its own agent's target). */
  selfId: string;
  /** The other members' ids, normalised and de-duplicated. */
  peerIds: string[];
  /** This node's nodeName from its config: its identity when it has no peers to ask. */
  selfName: string;
  /** The members init.arbitrators names (garbd): not waited for even when silent. */
  arbitratorIds?: string[];
}

export interface RoundOptions {
  /** What this run last saw of a member that is silent now (initLoop fills it in). */
  lastSeen?: LastSeen;
  policy: Policy;
  pollIntervalMs: number;
  /** Used when the own agent does not publish galeraAgentDetectMs. */
  detectMs: number;
  startTimeoutMs: number;
  /** After the wait for the own agent: bounded by this many detection latencies (plus 1 s). */
  confirmFactor: number;
}

export type RoundResult =
  | { kind: 'decided'; decision: Decision; members: MemberFacts[] }
  /** The round could not reach a decision (lock busy, own agent silent or lagging). */
  | { kind: 'blocked'; reason: string; advice?: string };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** This node as a member of the decision, from what it read of itself (its own agent's identity if it answered). */
export function selfMember(id: string, name: string, instance: string | undefined, l: LocalFacts): MemberFacts {
  return {
    id,
    name,
    instance,
    self: true,
    answered: true,
    status: l.status,
    seqno: l.seqno,
    seqnoSource: l.seqnoSource,
    uuid: l.uuid,
    safeToBootstrap: l.safeToBootstrap,
    userData: l.userData ?? undefined,
    userSchemas: l.userSchemas,
    ...(l.mark ? { mark: l.mark } : {}),
    ...(l.pcBootstrap ? { pcBootstrap: l.pcBootstrap } : {}),
    ...(l.prepared ? { prepared: l.prepared } : {}),
  };
}

/**
 * Arbitrators, as this node's config names them (init.arbitrators) and as their agents say
 * (galeraRole); this node's own role is its own agent's.
 */
export function withRoles(members: MemberFacts[], m: Members, own: AgentAnswer | null | undefined): MemberFacts[] {
  const named = new Set(m.arbitratorIds ?? []);
  return members.map((x) => {
    const role = x.self ? (own?.answered ? own.role : undefined) : x.role;
    return { ...x, ...(role ? { role } : {}), ...(named.has(x.id) ? { namedArbitrator: true } : {}) };
  });
}

/**
 * This node's user data as the peers see it too. Its agent may count a schema directory it cannot
 * look into (MariaDB makes them 0700) as data where galera-init, reading as root, finds it empty:
 * deciding from a smaller set than the peers' could make each side wait for the other. So a
 * schema either one counts is this node's.
 */
export function withAgentUserData(self: MemberFacts, own: AgentAnswer | null | undefined): MemberFacts {
  if (!own?.answered || own.userData !== true) return self;
  const schemas = [...new Set([...(self.userSchemas ?? []), ...(own.userSchemas ?? [])])].sort();
  return { ...self, userData: true, userSchemas: schemas };
}

/**
 * Polls this node's own agent until it shows what peers must see (the lock, or the started
 * server), at most confirmFactor detection latencies plus 1 s. Returns the last answer, or null
 * when the condition never held.
 */
async function untilOwnAgentShows(
  env: InitEnv,
  m: Members,
  o: RoundOptions,
  shows: (a: AgentAnswer) => boolean,
): Promise<{ answer: AgentAnswer | null; ok: boolean }> {
  let answer: AgentAnswer | null = null;
  let limit = o.detectMs * o.confirmFactor + 1000;
  const t0 = env.now();
  for (;;) {
    [answer] = await env.ask([m.selfId]);
    if (answer.answered && answer.detectMs) limit = answer.detectMs * o.confirmFactor + 1000;
    if (answer.answered && shows(answer)) return { answer, ok: true };
    if (env.now() - t0 > limit) return { answer, ok: false };
    await env.sleep(Math.max(10, Math.min(100, (answer.detectMs ?? o.detectMs) / 4)));
  }
}

/** What this run last saw of a member that is silent now: its seqno, and its status. */
export type LastSeen = (id: string) => Pick<MemberFacts, 'lastSeenSeqno' | 'lastSeenStatus' | 'role'>;

/** How long the members that are silent now have been silent (ms): what the quorum policy waits on. */
export type SilenceOf = (members: MemberFacts[]) => number;
const fromNumber = (n: number | SilenceOf): SilenceOf => (typeof n === 'number' ? () => n : n);

/** What this node knows without the lock: the same facts and decision that --dry-run prints. */
export async function look(
  env: InitEnv,
  m: Members,
  policy: Policy,
  waited: number | SilenceOf,
  lastSeen?: LastSeen,
): Promise<{ decision: Decision; members: MemberFacts[]; own: AgentAnswer }> {
  const [local, answers] = await Promise.all([env.localFacts({ recover: false }), env.ask([m.selfId, ...m.peerIds])]);
  const [own, ...rest] = answers.map((a) => (a.answered || !lastSeen ? a : { ...a, ...lastSeen(a.id) }));
  const peers = rest.map(maintenanceAsSilent);
  const name = own.answered && own.name ? own.name : m.selfName;
  const members = withRoles(
    [
      withAgentUserData(selfMember(m.selfId, name, own.answered ? own.instance : undefined, local), own),
      ...(m.peerIds.length ? peers : []),
    ],
    m,
    own,
  );
  return { decision: decide(members, policy, fromNumber(waited)(members)), members, own };
}

/**
 * Whether this node's agent still shows what an earlier round left (this initiator's lock, or a
 * server that is gone): an answer that old would pass the wait for the new lock at once. Agents
 * answer in time order, so once an answer shows neither, a later one that shows the lock shows
 * this round's.
 */
const showsEarlierRound = (own: AgentAnswer, pid: number): boolean =>
  own.answered &&
  (own.lockPid === pid || (own.serverPid ?? 0) > 0 || own.status === 'running' || own.status === 'bootstrapping');

/** This node must take the lock to learn its own position: a --wsrep-recover has to run. */
const needsOwnRecovery = (members: MemberFacts[]): boolean => {
  const self = members.find((x) => x.self);
  return (
    self?.seqnoSource === 'unreadable' || (self?.seqnoSource === 'unknown' && !!self.uuid && self.uuid !== ZERO_UUID)
  );
};

/**
 * What ends a wait on this node's silent agent, by the kind of its failure: snmpd turning the
 * credentials down is not cured by starting the agent.
 */
export function ownAgentAdvice(a: AgentAnswer | null): string {
  if (a?.errorKind === 'auth')
    return "make init.snmpUser, init.authKey and init.privKey (or init.community) match the SNMP user in this node's snmpd.conf";
  return 'start it: systemctl start galera-agentx (and check snmpd on this node)';
}

/**
 * One round: look, then (when this node may act) lock, confirm, read, ask, decide. Leaves the lock
 * held only when it returns an action.
 */
export async function decideRound(
  env: InitEnv,
  m: Members,
  o: RoundOptions,
  waited: number | SilenceOf,
): Promise<RoundResult> {
  const first = await look(env, m, o.policy, waited, o.lastSeen);
  // A refusal is final, so it too is made again from answers gathered under the lock: a peer seen
  // in passing (a bootstrap server in its first second) must not fail the unit.
  const mayAct =
    first.decision.action === 'bootstrap' || first.decision.action === 'join' || first.decision.action === 'refuse';
  if (!mayAct && !needsOwnRecovery(first.members))
    return { kind: 'decided', decision: first.decision, members: first.members };
  if (m.peerIds.length > 0 && showsEarlierRound(first.own, env.pid)) {
    return {
      kind: 'blocked',
      reason: `this node's agent (${m.selfId}) still shows an earlier state (${first.own.status}, lock pid ${first.own.lockPid ?? '?'}): waiting until it catches up, so that it shows this round's lock`,
      advice: `if it lasts, galera-check status on this node says what the agent sees; its galeraAgentDetectMs must cover its slowest detection`,
    };
  }
  const got = env.lock();
  if (!got.ok) return { kind: 'blocked', reason: `the local lock is held (${got.holder})` };
  let keep = false;
  try {
    let selfName = m.selfName;
    let instance: string | undefined;
    let ownAnswer: AgentAnswer | null = null;
    if (m.peerIds.length > 0) {
      const own = await untilOwnAgentShows(
        env,
        m,
        o,
        (a) => a.lockPid === env.pid || a.status === 'running' || a.status === 'bootstrapping',
      );
      if (!own.answer?.answered) {
        if (!o.policy.force) {
          return {
            kind: 'blocked',
            reason: `this node's agent (${m.selfId}) does not answer (${own.answer?.error ?? 'no answer'}), so the other members cannot see this node's lock or state`,
            advice: ownAgentAdvice(own.answer),
          };
        }
        env.log.warn(
          { member: m.selfId },
          "FORCED: this node's agent does not answer; the other members cannot see this lock",
        );
      } else {
        selfName = own.answer.name ?? selfName;
        instance = own.answer.instance;
        ownAnswer = own.answer;
        if (!own.ok) {
          return {
            kind: 'blocked',
            reason: `this node's agent (${m.selfId}) did not show this initiator's lock in time (it shows ${own.answer.status}, lock pid ${own.answer.lockPid ?? '?'})`,
            advice: 'check that the agent watches the same lock file (lockFile) as galera-init',
          };
        }
      }
    }
    let local = await env.localFacts({ recover: true });
    // Forced, the operator has chosen this node whatever its position: it must be known first.
    if (o.policy.force && local.prepared) {
      const rolled = await rollBack(env, local.prepared, 'FORCED (--force)');
      if (rolled) return rolled;
      local = await env.localFacts({ recover: true });
    }
    const answers = (m.peerIds.length ? await env.ask(m.peerIds) : [])
      .map((a) => (a.answered || !o.lastSeen ? a : { ...a, ...o.lastSeen(a.id) }))
      .map(maintenanceAsSilent);
    const decideNow = (l: LocalFacts): { decision: Decision; members: MemberFacts[] } => {
      const ms = withRoles(
        [withAgentUserData(selfMember(m.selfId, selfName, instance, l), ownAnswer), ...answers],
        m,
        ownAnswer,
      );
      return { decision: decide(ms, o.policy, fromNumber(waited)(ms)), members: ms };
    };
    let { decision, members } = decideNow(local);
    // Only a join (a Primary component runs, so this node is not the one to bootstrap) rolls
    // back; then the decision is made again from the position the rollback leaves, which may
    // well be a refusal (this node ahead of the cluster).
    if (decision.action === 'join' && decision.rollbackFirst) {
      const rolled = await rollBack(
        env,
        decision.rollbackFirst,
        o.policy.heuristicRollback ? 'recovery.heuristicRollback' : 'FORCED (--force)',
      );
      if (rolled) return rolled;
      local = await env.localFacts({ recover: true });
      ({ decision, members } = decideNow(local));
      if (decision.action === 'join' && decision.rollbackFirst)
        return {
          kind: 'blocked',
          reason: `the heuristic rollback ran, but the recovery still stops at ${decision.rollbackFirst} prepared transactions`,
          advice:
            'galera-check seqno says what the recovery reports; resolve them by hand (XA RECOVER on a server started with wsrep off)',
        };
    }
    keep = decision.action === 'bootstrap' || decision.action === 'join';
    return { kind: 'decided', decision, members };
  } finally {
    if (!keep) env.unlock();
  }
}

/** Runs the heuristic rollback; a blocked round when it cannot (not offered, or it failed). */
async function rollBack(env: InitEnv, prepared: number, why: string): Promise<RoundResult | null> {
  if (!env.heuristicRollback)
    return { kind: 'blocked', reason: `${prepared} prepared transactions stop this node's recovery` };
  const r = await env.heuristicRollback(prepared, why);
  if (r.ok) return null;
  return {
    kind: 'blocked',
    reason: `the heuristic rollback of ${prepared} prepared transaction${prepared > 1 ? 's' : ''} failed: ${r.error}`,
    advice: 'galera-check seqno says what the recovery reports now; the server error log has the details',
  };
}

/**
 * Carries out a bootstrap or a join decided by decideRound (the lock is held): starts the server,
 * waits until its own agent shows it (so no peer asks in between and finds nobody), then lets the
 * lock go.
 */
export async function act(
  env: InitEnv,
  m: Members,
  o: RoundOptions,
  d: Extract<Decision, { action: 'bootstrap' | 'join' }>,
  self: MemberFacts,
): Promise<{ ok: boolean; error?: string }> {
  try {
    if (d.action === 'bootstrap') env.markSafeToBootstrap({ uuid: self.uuid ?? null, seqno: self.seqno ?? -1n });
    if (d.action === 'join' && d.discardState) env.discardState();
    const started = await env.start(d.action, positionOf(self));
    if (!started.ok) return started;
    if (m.peerIds.length > 0) {
      const shown = await untilOwnAgentShows(
        env,
        m,
        o,
        (a) => (a.serverPid ?? 0) > 0 || a.status === 'running' || a.status === 'bootstrapping',
      );
      if (!shown.ok)
        env.log.warn(
          { member: m.selfId },
          "this node's agent did not show the started server in time; releasing the lock anyway",
        );
    }
    return { ok: true };
  } finally {
    env.unlock();
  }
}

export interface InitLoopOptions extends RoundOptions {
  once: boolean;
  /** 0: wait for ever. */
  waitTimeoutMs: number;
  leftClusterRestarts: number;
}

export type InitOutcome =
  | { code: 'ok'; action: 'done' | 'bootstrap' | 'join' | 'maintenance'; reason: string }
  | { code: 'failed'; reason: string; advice?: string }
  | { code: 'tempfail'; reason: string; advice?: string };

export const positionOf = (l: MemberFacts): string => `${l.uuid ?? ZERO_UUID}:${l.seqno ?? -1n}`;

const summary = (members: MemberFacts[]): Record<string, unknown>[] =>
  members.map((x) => ({
    id: x.id,
    name: x.name,
    answered: x.answered,
    status: x.status,
    seqno: x.seqno?.toString(),
    source: x.seqnoSource,
    cluster: x.clusterStatus,
    userData: x.userData === undefined ? 'unknown' : x.userData ? (x.userSchemas ?? []).join(',') : 'none',
    error: x.error,
  }));

/** galera-init's whole run: rounds until an action succeeds, a refusal, or the wait times out. */
export async function initLoop(env: InitEnv, m: Members, o: InitLoopOptions): Promise<InitOutcome> {
  const t0 = env.now();
  let lastReason = '';
  let restarts = 0;
  // The quorum policy counts a member's silence from the last time it answered, not from this
  // run's start: one unlucky round (an agent restarting) must not count as minutes of silence.
  const heard = new Map<string, number>();
  const lastSeqno = new Map<string, bigint>();
  const lastStatus = new Map<string, NodeStatus>();
  // A member whose agent said it is an arbitrator stays one while it is silent in this run.
  const lastRole = new Map<string, 'data' | 'arbitrator'>();
  const silence: SilenceOf = (ms) => {
    // A silent arbitrator is not waited for, so its silence is not what the quorum policy waits on.
    const silent = ms.filter((x) => !x.answered && !arbitrator(x));
    return silent.length ? Math.min(...silent.map((x) => env.now() - (heard.get(x.id) ?? t0))) : env.now() - t0;
  };
  let state: InitState | null = null;
  const record = (
    round: number,
    decision: InitState['decision'],
    reason: string,
    advice?: string,
    waitingFor?: string[],
  ): void => {
    state = nextInitState(state, { pid: env.pid, round, decision, reason, advice, waitingFor }, env.now());
    env.record?.(state);
  };
  for (let round = 1; ; round++) {
    const maintenance = env.maintenance?.() ?? null;
    if (maintenance) {
      const reason = `this node is ${maintenanceText(maintenance)}`;
      env.log.warn({ reason }, 'maintenance mode: galera-init leaves this node alone');
      record(round, 'maintenance', reason, 'galera-check maintenance off, then start galera-init again');
      return { code: 'ok', action: 'maintenance', reason };
    }
    if (await env.serverRunning()) {
      env.log.info({}, 'the local server is already up: nothing to do');
      record(round, 'done', 'the local server is already up');
      return { code: 'ok', action: 'done', reason: 'the local server is already up' };
    }
    const r = await decideRound(
      env,
      m,
      {
        ...o,
        lastSeen: (id) => ({
          lastSeenSeqno: lastSeqno.get(id),
          lastSeenStatus: lastStatus.get(id),
          role: lastRole.get(id),
        }),
      },
      silence,
    );
    if (r.kind === 'decided') {
      for (const x of r.members) {
        if (!x.answered) continue;
        heard.set(x.id, env.now());
        if (x.status) lastStatus.set(x.id, x.status);
        if (x.role) lastRole.set(x.id, x.role);
        if (x.seqno !== undefined && x.seqnoSource !== 'unknown' && x.seqnoSource !== 'unreadable')
          lastSeqno.set(x.id, x.seqno);
      }
    }
    let reason: string;
    let advice: string | undefined;
    let retry = false;
    if (r.kind === 'decided') {
      const d = r.decision;
      if (d.action === 'done') {
        env.log.info({ reason: d.reason }, 'nothing to do');
        record(round, 'done', d.reason);
        return { code: 'ok', action: 'done', reason: d.reason };
      }
      if (d.action === 'refuse') {
        record(round, 'refuse', d.reason, d.advice);
        env.log.error({ reason: d.reason, advice: d.advice, members: summary(r.members) }, 'refusing to decide');
        return { code: 'failed', reason: d.reason, advice: d.advice };
      }
      if (d.action === 'bootstrap' || d.action === 'join') {
        env.log.info({ members: summary(r.members), decision: d.action, reason: d.reason }, 'decision');
        if (d.forced) env.log.warn({ reason: d.reason }, d.action === 'bootstrap' ? 'FORCED BOOTSTRAP' : 'FORCED JOIN');
        const self = r.members.find((x) => x.self);
        if (!self) {
          // decideRound always lists this node first: a decision without it is a bug, not a state.
          env.unlock();
          throw new Error(`a ${d.action} decision without this node among the members`);
        }
        record(round, d.action, d.reason);
        const started = await act(env, m, o, d, self);
        if (!started.ok) {
          record(
            round,
            d.action,
            `${d.reason}; the server did not start: ${started.error ?? '?'}`,
            'look at the server error log and at the start command',
          );
          env.log.error(
            { err: started.error },
            'the server did not start: look at its error log and at the start command',
          );
          return { code: 'failed', reason: started.error ?? 'the server did not start' };
        }
        const ready = await env.waitReady();
        if (!ready.ok && ready.leftCluster && restarts < o.leftClusterRestarts) {
          restarts++;
          env.log.warn(
            { err: ready.error, restart: restarts, of: o.leftClusterRestarts },
            'the server left the cluster after it started: stopping it and deciding again',
          );
          await env.stopServer();
          continue;
        }
        if (!ready.ok) {
          record(
            round,
            d.action,
            `${d.reason}; the server started but did not become ready: ${ready.error ?? '?'}`,
            'look at the server error log',
          );
          env.log.error({ err: ready.error }, 'the server started but did not become ready');
          return { code: 'failed', reason: ready.error ?? 'not ready' };
        }
        env.log.info(
          { action: d.action },
          d.action === 'bootstrap' ? 'bootstrapped a new cluster from this node' : 'joined the cluster',
        );
        return { code: 'ok', action: d.action, reason: d.reason };
      }
      reason = d.reason;
      advice = d.advice;
      retry = d.retry === true;
      record(round, 'wait', reason, advice, d.waitingFor);
      if (reason !== lastReason)
        env.log.info({ round, members: summary(r.members), reason, advice, waitingFor: d.waitingFor }, 'waiting');
    } else {
      reason = r.reason;
      advice = r.advice;
      retry = true;
      record(round, 'wait', reason, advice);
      if (reason !== lastReason) env.log.info({ round, reason, advice }, 'waiting');
    }
    lastReason = reason;
    if (o.once) return { code: 'tempfail', reason, advice };
    if (o.waitTimeoutMs > 0 && env.now() - t0 > o.waitTimeoutMs) {
      env.log.error({ reason, advice, waitedSeconds: Math.round((env.now() - t0) / 1000) }, 'gave up waiting');
      return { code: 'tempfail', reason, advice };
    }
    // Jitter, so initiators started together do not stay in step; contention backs off wider.
    const spread = retry ? 1.0 : 0.5;
    await env.sleep(o.pollIntervalMs * (1 - spread / 2 + env.random() * spread));
  }
}
