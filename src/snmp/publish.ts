// Snapshot -> the instances GALERA-MIB serves, and status changes -> notifications.

import { Mib, MibObject, RawValue, clipUtf8, typedValue } from './mib';
import { Oid, Value, ValueType, VarBind } from './agentx/pdu';
import { Instance, View, getExact, makeView } from './view';
import { NodeSnapshot, WindowEstimate, dataAge, sourceAge } from '../core/snapshot';
import { WsrepStatus, listCount } from '../core/wsrep-status';
import type { Window } from '../core/window';
import type { WatchState } from '../core/splitbrain';
import { schemaList } from '../core/userdata';
import { MarkView, lossWindow, markTop } from '../core/mark';

/** What a gauge says for "as much as it can say": an age never seen, an unbounded window. */
const GAUGE_MAX = 0xffffffff;

export { clipUtf8 };

/** A raw value, or a function for values that depend on the time of the request (ages). */
type Raw = RawValue | (() => RawValue);

/**
 * Instance OIDs, one array per object and index for the process's life: a view is rebuilt at every
 * recompute, and a fresh array per instance each time was a good part of its allocation.
 */
const instanceOids = new WeakMap<MibObject, Oid[]>();
function instanceOid(o: MibObject, index: number): Oid {
  let byIndex = instanceOids.get(o);
  if (!byIndex) instanceOids.set(o, (byIndex = []));
  return (byIndex[index] ??= Object.freeze<Oid>([...o.oid, index]));
}

/** The objects' OIDs of a MIB, listed once. */
const objectOids = new WeakMap<Mib, Oid[]>();
function objectsOf(mib: Mib): Oid[] {
  let oids = objectOids.get(mib);
  if (!oids) objectOids.set(mib, (oids = [...mib.objects.values()].map((o) => o.oid)));
  return oids;
}

/** Adds instances to a view: every value typed by the MIB, never by hand. */
function publisher(
  mib: Mib,
  out: Instance[],
): { scalar: (name: string, raw: Raw) => void; column: (name: string, index: number, raw: Raw) => void } {
  const put = (o: MibObject, index: number, raw: Raw): void => {
    out.push({
      oid: instanceOid(o, index),
      value: typeof raw === 'function' ? () => typedValue(o, raw()) : typedValue(o, raw),
    });
  };
  return {
    scalar: (name, raw) => put(mib.object(name), 0, raw),
    column: (name, index, raw) => put(mib.object(name), index, raw),
  };
}

export function buildView(
  mib: Mib,
  s: NodeSnapshot,
  now: () => number = Date.now,
  watch: WatchState = WATCH_OFF,
): View {
  const instances: Instance[] = [];
  const { scalar, column } = publisher(mib, instances);
  scalar('galeraStatus', s.status);
  scalar('galeraSeqno', s.seqno);
  scalar('galeraSeqnoSource', s.seqnoSource);
  scalar('galeraStateUuid', s.uuid ?? '');
  scalar('galeraSafeToBootstrap', s.safeToBootstrap === null ? 'unknown' : String(s.safeToBootstrap));
  scalar('galeraStatusReason', s.reason);
  scalar('galeraServerPid', s.serverPid);
  scalar('galeraLockPid', s.lockPid);
  scalar('galeraNodeName', s.nodeName);
  scalar('galeraSavedPcMembers', s.savedView?.members.length ?? 0);
  scalar('galeraSavedPcViewId', s.savedView?.viewId ?? '');
  const held = s.userData?.held;
  scalar('galeraUserData', held === true ? 'true' : held === false ? 'false' : 'unknown');
  scalar('galeraUserSchemas', held ? schemaList(s.userData?.schemas ?? []) : '');
  scalar('galeraRole', s.role ?? 'data');
  scalar('galeraRecoveryOutcome', s.recovery?.outcome ?? 'none');
  scalar('galeraRecoveryPrepared', s.recovery?.prepared ?? 0);
  scalar('galeraRecoveryDuration', s.recovery?.ms ?? 0);
  scalar('galeraDiskFree', s.disk?.freeMiB ?? GAUGE_MAX);
  scalar('galeraDiskFreePercent', s.disk?.freePercent ?? GAUGE_MAX);
  const low = s.disk?.low;
  scalar('galeraDiskSpaceLow', low === true ? 'true' : low === false ? 'false' : 'unknown');
  scalar('galeraAgentDataAge', () => dataAge(s, now()));
  scalar('galeraAgentDetectMs', s.detectMs);
  scalar('galeraAgentInstance', s.instance);
  // galeraSourceIndex: the source's place in the sources' list (src/sources/index.ts).
  for (const [i, src] of s.sources.entries()) {
    const idx = i + 1;
    column('galeraSourceName', idx, src.name);
    column('galeraSourceState', idx, src.state);
    column('galeraSourceAge', idx, () => sourceAge(src, now()) ?? GAUGE_MAX);
    column('galeraSourceError', idx, src.error);
  }
  addInit(mib, s, instances, now);
  if (s.wsrep) addWsrep(mib, s.wsrep, instances, now);
  if (s.window) addWindow(mib, s.window, instances);
  addWatch(mib, watch, instances, now);
  if (s.mark) addMark(mib, s.mark, instances);
  return makeView(objectsOf(mib), instances);
}

const WATCH_OFF: WatchState = {
  state: 'off',
  fenced: false,
  sides: '',
  unknown: '',
  reason: 'the watch is off',
  at: 0,
};

function addWatch(mib: Mib, w: WatchState, out: Instance[], now: () => number): void {
  const { scalar } = publisher(mib, out);
  scalar('galeraWatchState', w.state);
  scalar('galeraWatchFenced', w.fenced);
  scalar('galeraWatchSides', w.sides);
  scalar('galeraWatchUnknown', w.unknown);
  scalar('galeraWatchReason', w.reason);
  scalar('galeraWatchAge', () =>
    w.at && w.state !== 'off' ? Math.floor(Math.max(0, now() - w.at) / 1000) : GAUGE_MAX,
  );
}

const secondsSince = (t: number, now: number): number => (t > 0 ? Math.max(0, Math.floor((now - t) / 1000)) : 0);

/** galeraInit: galera-init's current or last round, and the maintenance mode. */
function addInit(mib: Mib, s: NodeSnapshot, out: Instance[], now: () => number): void {
  const { scalar } = publisher(mib, out);
  const i = s.init ?? null;
  scalar('galeraInitDecision', i?.decision ?? 'none');
  scalar('galeraInitReason', i?.reason ?? '');
  scalar('galeraInitAdvice', i?.advice ?? '');
  scalar('galeraInitWaitingFor', i?.waitingFor.join(', ') ?? '');
  scalar('galeraInitDecisionAge', () => (i ? secondsSince(i.since, now()) : 0));
  scalar('galeraInitRounds', i?.round ?? 0);
  scalar('galeraInitPid', i?.running ? i.pid : 0);
  const m = s.maintenance ?? null;
  scalar('galeraMaintenance', m !== null);
  scalar('galeraMaintenanceReason', m?.reason ?? '');
  scalar('galeraMaintenanceAge', () => (m ? secondsSince(m.since, now()) : 0));
}

/** Averages and distances are published in thousandths (the MIB's UNITS), 0 when unknown. */
const thousandths = (n: number | null): number => (n === null ? 0 : n * 1000);

function addWsrep(mib: Mib, w: WsrepStatus, out: Instance[], now: () => number): void {
  const { scalar, column } = publisher(mib, out);
  // TruthValue: an unknown (null) reads as false(2), as before.
  scalar('galeraWsrepReachable', w.reachable);
  scalar('galeraWsrepDataAge', () => (w.at ? now() - w.at : GAUGE_MAX));
  scalar('galeraClusterStatus', w.clusterStatus);
  scalar('galeraClusterSize', w.clusterSize ?? 0);
  scalar('galeraClusterConfId', w.confId ?? -1n);
  scalar('galeraClusterStateUuid', w.clusterUuid ?? '');
  scalar('galeraLocalState', w.localState ?? 'unknown');
  scalar('galeraLocalStateComment', w.localStateComment);
  scalar('galeraReady', w.ready ?? false);
  scalar('galeraConnected', w.connected ?? false);
  scalar('galeraLocalIndex', w.localIndex ?? -1);
  scalar('galeraWsrepNodeName', w.nodeName);
  scalar('galeraIncomingAddresses', w.incomingAddresses);
  scalar('galeraLastCommitted', w.lastCommitted ?? -1n);
  scalar('galeraFlowControlPaused', w.fcPaused === null ? 0 : Math.min(1, Math.max(0, w.fcPaused)) * 1e6);
  scalar('galeraFlowControlSent', w.fcSent ?? 0n);
  scalar('galeraFlowControlRecv', w.fcRecv ?? 0n);
  scalar('galeraLocalRecvQueue', w.recvQueue ?? 0);
  scalar('galeraLocalRecvQueueAvg', thousandths(w.recvQueueAvg));
  scalar('galeraLocalSendQueue', w.sendQueue ?? 0);
  scalar('galeraLocalSendQueueAvg', thousandths(w.sendQueueAvg));
  scalar('galeraCertDepsDistance', thousandths(w.certDepsDistance));
  scalar('galeraReceivedBytes', w.receivedBytes ?? 0n);
  scalar('galeraReplicatedBytes', w.replicatedBytes ?? 0n);
  scalar('galeraGcacheSize', w.gcacheBytes === null ? 0 : w.gcacheBytes / 1024);
  scalar('galeraDesyncCount', w.desyncCount ?? 0);
  scalar('galeraLocalCertFailures', w.certFailures ?? 0n);
  scalar('galeraLocalBfAborts', w.bfAborts ?? 0n);
  scalar('galeraEvsState', w.evsState ?? 'unknown');
  scalar('galeraEvsDelayed', w.evsDelayed);
  scalar('galeraEvsDelayedCount', listCount(w.evsDelayed));
  scalar('galeraEvsEvictList', w.evsEvictList);
  scalar('galeraEvsEvictCount', listCount(w.evsEvictList));
  scalar('galeraPcBootstrapStatement', w.pcBootstrap);
  w.members.slice(0, 1024).forEach((m, i) => {
    column('galeraMemberName', i + 1, m.name);
    column('galeraMemberAddress', i + 1, m.address);
    column('galeraMemberUuid', i + 1, m.uuid ?? '');
  });
}

const windowSeconds = (w: Window): number => (w.kind === 'seconds' ? Math.min(w.seconds, GAUGE_MAX - 1) : GAUGE_MAX);

function addWindow(mib: Mib, w: WindowEstimate, out: Instance[]): void {
  const { scalar } = publisher(mib, out);
  scalar('galeraWriteRateShort', w.rateShort ?? 0);
  scalar('galeraWriteRateLong', w.rateLong ?? 0);
  scalar('galeraWindowShort', windowSeconds(w.short));
  scalar('galeraWindowLong', windowSeconds(w.long));
  scalar('galeraWindowDesired', w.desiredSeconds);
  scalar('galeraWindowLow', w.low);
  scalar('galeraWindowKnown', w.short.kind !== 'unknown');
}

function addMark(mib: Mib, v: MarkView, out: Instance[]): void {
  const { scalar } = publisher(mib, out);
  const m = v.mark;
  const top = m ? markTop(m) : null;
  const b = m?.lastBootstrap;
  scalar('galeraMarkState', v.state);
  scalar('galeraMarkUuid', m?.uuid ?? '');
  scalar('galeraMarkCommitted', m?.committed ?? -1n);
  scalar('galeraMarkTopSeqno', top?.seqno ?? -1n);
  scalar('galeraMarkTopNode', top?.node ?? '');
  scalar('galeraMarkTolerance', m ? Number(m.tolerance > BigInt(GAUGE_MAX) ? BigInt(GAUGE_MAX) : m.tolerance) : 0);
  scalar('galeraMarkRule', m ? lossWindow(m.durability).rule : '');
  scalar('galeraMarkLastBootstrap', b ? `${b.uuid}:${b.seqno} at ${new Date(b.at).toISOString()}` : '');
  scalar('galeraMarkDatadirBelow', v.datadirBelow);
  scalar('galeraMarkReason', v.reason);
  scalar(
    'galeraMarkSeen',
    m
      ? Object.entries(m.seen)
          .map(([k, x]) => `${k}=${x}`)
          .join(' ')
      : '',
  );
}

/**
 * The varbinds of a notification: snmpTrapOID.0, then the MIB's OBJECTS in order, each taken from
 * the view being served (so a trap says exactly what a GET would), unless `extra` gives it (the
 * accessible-for-notify "previous" values).
 */
export function notificationVarbinds(mib: Mib, view: View, name: string, extra: Record<string, Value> = {}): VarBind[] {
  const n = mib.notifications.get(name);
  if (!n) throw new Error(`GALERA-MIB has no notification ${name}`);
  return [
    { oid: SNMP_TRAP_OID, value: { type: ValueType.ObjectIdentifier, value: n.oid } },
    ...n.objects.map((obj) => {
      const oid = [...mib.object(obj).oid, 0];
      return { oid, value: extra[obj] ?? getExact(view, oid).value };
    }),
  ];
}

export const SNMP_TRAP_OID: Oid = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
