// Snapshot -> the instances GALERA-MIB serves, and status changes -> notifications.

import type { Mib } from './mib';
import { Oid, Value, ValueType, VarBind } from './agentx/pdu';
import { Instance, View, makeView } from './view';
import { NodeSnapshot, SOURCE_NAMES, dataAge } from '../core/snapshot';
import type { NodeStatus } from '../core/status';

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
  scalar('galeraAgentDataAge', () => gauge(dataAge(s, now())));
  for (const src of s.sources) {
    const idx = SOURCE_NAMES.indexOf(src.name) + 1;
    const col = (name: string, value: Instance['value']): void => { instances.push({ oid: [...mib.object(name).oid, idx], value }); };
    col('galeraSourceName', str(src.name));
    col('galeraSourceState', e('galeraSourceState', src.state));
    col('galeraSourceAge', () => gauge(src.lastOkAt ? now() - src.lastOkAt : GAUGE_MAX));
    col('galeraSourceError', { type: ValueType.OctetString, value: clipUtf8(src.error, 255) });
  }
  const objects: Oid[] = [...mib.objects.values()].map((o) => o.oid);
  return makeView(objects, instances);
}

/** The varbinds of galeraStatusChanged (after snmpTrapOID.0; the master adds sysUpTime.0). */
export function statusChangedVarbinds(mib: Mib, s: NodeSnapshot, prev: NodeStatus): VarBind[] {
  const n = mib.notifications.get('galeraStatusChanged');
  if (!n) throw new Error('GALERA-MIB has no galeraStatusChanged');
  const byName: Record<string, Value> = {
    galeraNodeName: { type: ValueType.OctetString, value: clipUtf8(s.nodeName, 255) },
    galeraStatus: int(mib.enumValue('galeraStatus', s.status)),
    galeraPrevStatus: int(mib.enumValue('galeraPrevStatus', prev)),
    galeraSeqno: str(s.seqno.toString()),
    galeraStatusReason: { type: ValueType.OctetString, value: clipUtf8(s.reason, 255) },
  };
  return [
    { oid: SNMP_TRAP_OID, value: { type: ValueType.ObjectIdentifier, value: n.oid } },
    ...n.objects.map((name) => ({ oid: [...mib.object(name).oid, 0], value: byName[name] })),
  ];
}

export const SNMP_TRAP_OID: Oid = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];

/**
 * Reports a value once it has held for holdMs: a value that flips and flips back within the hold
 * time is never reported, and a burst of changes is reported once, with the final value and the
 * value last reported as "previous".
 */
export class HeldChange<T> {
  private reported: T;
  private pending: NodeJS.Timeout | null = null;

  constructor(initial: T, private readonly holdMs: number, private readonly report: (next: T, prev: T) => void) {
    this.reported = initial;
  }

  update(value: T): void {
    if (value === this.reported) {
      if (this.pending) { clearTimeout(this.pending); this.pending = null; }
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
