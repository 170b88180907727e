// Snapshot -> the instances GALERA-MIB serves, and status changes -> notifications.

import type { Mib } from './mib';
import { Oid, Value, ValueType, VarBind } from './agentx/pdu';
import { Instance, View, getExact, makeView } from './view';
import { NodeSnapshot, WindowEstimate, dataAge } from '../core/snapshot';
import type { WsrepHealth } from '../core/health';
import type { Window } from '../core/window';

const GAUGE_MAX = 0xffffffff;

const int = (value: number): Value => ({ type: ValueType.Integer, value });
const gauge = (value: number): Value => ({ type: ValueType.Gauge32, value: Math.max(0, Math.min(GAUGE_MAX, Math.round(value))) });
const str = (value: string): Value => ({ type: ValueType.OctetString, value });

/** Clips text to a byte budget without splitting a UTF-8 character. */
export function clipUtf8(text: string, maxBytes: number): Buffer {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return buf;
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

export { int as intValue };

export function buildView(mib: Mib, s: NodeSnapshot, now: () => number = Date.now): View {
  const instances: Instance[] = [];
  const scalar = (name: string, value: Instance['value']): void => {
    instances.push({ oid: [...mib.object(name).oid, 0], value });
  };
  const e = (obj: string, label: string): Value => int(mib.enumValue(obj, label));
  scalar('galeraStatus', e('galeraStatus', s.status));
  scalar('galeraSeqno', str(s.seqno.toString()));
  scalar('galeraSeqnoSource', e('galeraSeqnoSource', s.seqnoSource));
  scalar('galeraStateUuid', str(s.uuid ?? ''));
  scalar('galeraSafeToBootstrap', e('galeraSafeToBootstrap', s.safeToBootstrap === null ? 'unknown' : String(s.safeToBootstrap)));
  scalar('galeraStatusReason', { type: ValueType.OctetString, value: clipUtf8(s.reason, 255) });
  scalar('galeraServerPid', gauge(s.serverPid));
  scalar('galeraLockPid', gauge(s.lockPid));
  scalar('galeraNodeName', { type: ValueType.OctetString, value: clipUtf8(s.nodeName, 255) });
  scalar('galeraSavedPcMembers', gauge(s.savedView?.members.length ?? 0));
  scalar('galeraSavedPcViewId', str(s.savedView?.viewId ?? ''));
  scalar('galeraAgentDataAge', () => gauge(dataAge(s, now())));
  scalar('galeraAgentDetectMs', gauge(s.detectMs));
  scalar('galeraAgentInstance', str(s.instance));
  // galeraSourceIndex: the source's place in the sources' list (src/sources/index.ts).
  for (const [i, src] of s.sources.entries()) {
    const idx = i + 1;
    const col = (name: string, value: Instance['value']): void => { instances.push({ oid: [...mib.object(name).oid, idx], value }); };
    col('galeraSourceName', str(src.name));
    col('galeraSourceState', e('galeraSourceState', src.state));
    col('galeraSourceAge', () => gauge(src.lastOkAt ? now() - src.lastOkAt : GAUGE_MAX));
    col('galeraSourceError', { type: ValueType.OctetString, value: clipUtf8(src.error, 255) });
  }
  if (s.wsrep) addWsrep(mib, s.wsrep, instances, now);
  if (s.window) addWindow(mib, s.window, instances);
  const objects: Oid[] = [...mib.objects.values()].map((o) => o.oid);
  return makeView(objects, instances);
}

const truth = (b: boolean | null): Value => int(b === null ? 2 : b ? 1 : 2); // TruthValue: true(1) false(2)
const big64 = (n: bigint | null): Value => ({ type: ValueType.Counter64, value: n ?? 0n });
const thousandths = (n: number | null): Value => gauge(n === null ? 0 : n * 1000);

function addWsrep(mib: Mib, w: WsrepHealth, out: Instance[], now: () => number): void {
  const scalar = (name: string, value: Instance['value']): void => { out.push({ oid: [...mib.object(name).oid, 0], value }); };
  scalar('galeraWsrepReachable', truth(w.reachable));
  scalar('galeraWsrepDataAge', () => gauge(w.at ? now() - w.at : GAUGE_MAX));
  scalar('galeraClusterStatus', int(mib.enumValue('galeraClusterStatus', w.clusterStatus)));
  scalar('galeraClusterSize', gauge(w.clusterSize ?? 0));
  scalar('galeraClusterConfId', str((w.confId ?? -1n).toString()));
  scalar('galeraClusterStateUuid', str(w.clusterUuid ?? ''));
  scalar('galeraLocalState', int(w.localState ?? mib.enumValue('galeraLocalState', 'unknown')));
  scalar('galeraLocalStateComment', { type: ValueType.OctetString, value: clipUtf8(w.localStateComment, 255) });
  scalar('galeraReady', truth(w.ready));
  scalar('galeraConnected', truth(w.connected));
  scalar('galeraLocalIndex', int(w.localIndex ?? -1));
  scalar('galeraWsrepNodeName', { type: ValueType.OctetString, value: clipUtf8(w.nodeName, 255) });
  scalar('galeraIncomingAddresses', { type: ValueType.OctetString, value: clipUtf8(w.incomingAddresses, 255) });
  scalar('galeraLastCommitted', str((w.lastCommitted ?? -1n).toString()));
  scalar('galeraFlowControlPaused', gauge(w.fcPaused === null ? 0 : Math.min(1, Math.max(0, w.fcPaused)) * 1e6));
  scalar('galeraFlowControlSent', big64(w.fcSent));
  scalar('galeraFlowControlRecv', big64(w.fcRecv));
  scalar('galeraLocalRecvQueue', gauge(w.recvQueue ?? 0));
  scalar('galeraLocalRecvQueueAvg', thousandths(w.recvQueueAvg));
  scalar('galeraLocalSendQueue', gauge(w.sendQueue ?? 0));
  scalar('galeraLocalSendQueueAvg', thousandths(w.sendQueueAvg));
  scalar('galeraCertDepsDistance', thousandths(w.certDepsDistance));
  scalar('galeraReceivedBytes', big64(w.receivedBytes));
  scalar('galeraReplicatedBytes', big64(w.replicatedBytes));
  scalar('galeraGcacheSize', gauge(w.gcacheBytes === null ? 0 : w.gcacheBytes / 1024));
  scalar('galeraDesyncCount', gauge(w.desyncCount ?? 0));
  w.members.slice(0, 1024).forEach((m, i) => {
    const col = (name: string, value: Value): void => { out.push({ oid: [...mib.object(name).oid, i + 1], value }); };
    col('galeraMemberName', { type: ValueType.OctetString, value: clipUtf8(m.name, 255) });
    col('galeraMemberAddress', { type: ValueType.OctetString, value: clipUtf8(m.address, 255) });
    col('galeraMemberUuid', str(m.uuid ?? ''));
  });
}

const windowSeconds = (w: Window): Value => gauge(w.kind === 'seconds' ? Math.min(w.seconds, GAUGE_MAX - 1) : GAUGE_MAX);

function addWindow(mib: Mib, w: WindowEstimate, out: Instance[]): void {
  const scalar = (name: string, value: Value): void => { out.push({ oid: [...mib.object(name).oid, 0], value }); };
  scalar('galeraWriteRateShort', gauge(w.rateShort ?? 0));
  scalar('galeraWriteRateLong', gauge(w.rateLong ?? 0));
  scalar('galeraWindowShort', windowSeconds(w.short));
  scalar('galeraWindowLong', windowSeconds(w.long));
  scalar('galeraWindowDesired', gauge(w.desiredSeconds));
  scalar('galeraWindowLow', truth(w.low));
  scalar('galeraWindowKnown', truth(w.short.kind !== 'unknown'));
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
