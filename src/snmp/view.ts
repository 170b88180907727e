// The set of instances the agent serves, kept sorted, and the GET / GETNEXT / GETBULK semantics of
// RFC 2741 7.2.3 over it. Pure and synchronous: a request is answered from memory, never by waiting.

import { Oid, SearchRange, Value, ValueType, VarBind, compareOids, isPrefix } from './agentx/pdu';

export interface Instance {
  oid: Oid;
  /** A value, or a function for values that depend on the time of the request (ages). */
  value: Value | (() => Value);
}

export interface View {
  /** The object OIDs (scalars' and columns' OIDs without instance) that exist in the MIB. */
  readonly objects: readonly Oid[];
  readonly instances: readonly Instance[];
}

/** Sorts and freezes a list of instances; duplicates are a programming error. */
export function makeView(objects: readonly Oid[], instances: Instance[]): View {
  const sorted = [...instances].sort((a, b) => compareOids(a.oid, b.oid));
  for (let i = 1; i < sorted.length; i++) {
    if (compareOids(sorted[i - 1].oid, sorted[i].oid) === 0)
      throw new Error(`duplicate instance ${sorted[i].oid.join('.')}`);
  }
  return { objects, instances: sorted };
}

const valueOf = (inst: Instance): Value => (typeof inst.value === 'function' ? inst.value() : inst.value);

/** Index of the first instance >= oid (or > oid when !include). */
function lowerBound(view: View, oid: Oid, include: boolean): number {
  let lo = 0;
  let hi = view.instances.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareOids(view.instances[mid].oid, oid);
    if (c < 0 || (c === 0 && !include)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function getExact(view: View, oid: Oid): VarBind {
  const inst = view.instances.at(lowerBound(view, oid, true)); // lowerBound is 0..length
  if (inst && compareOids(inst.oid, oid) === 0) return { oid, value: valueOf(inst) };
  // noSuchInstance when the object exists but this instance does not (a missing table row);
  // noSuchObject otherwise, as an SNMP agent would say (RFC 3416 4.2.1).
  const known = view.objects.some((o) => isPrefix(o, oid) && oid.length > o.length);
  return { oid, value: { type: known ? ValueType.NoSuchInstance : ValueType.NoSuchObject } };
}

export function getNext(view: View, range: SearchRange): VarBind {
  const inst = view.instances.at(lowerBound(view, range.start, range.include));
  if (inst && (range.end.length === 0 || compareOids(inst.oid, range.end) < 0)) {
    return { oid: inst.oid, value: valueOf(inst) };
  }
  return { oid: range.start, value: { type: ValueType.EndOfMibView } };
}

/** RFC 2741 7.2.3.3: non-repeaters once each, then up to maxRepetitions rounds of the rest. */
export function getBulk(
  view: View,
  nonRepeaters: number,
  maxRepetitions: number,
  ranges: SearchRange[],
  limit = 2048,
): VarBind[] {
  const out: VarBind[] = [];
  const n = Math.min(nonRepeaters, ranges.length);
  for (let i = 0; i < n; i++) out.push(getNext(view, ranges[i]));
  let repeaters = ranges.slice(n);
  for (let rep = 0; rep < maxRepetitions && repeaters.length > 0 && out.length < limit; rep++) {
    let allDone = true;
    const nextRound: SearchRange[] = [];
    for (const r of repeaters) {
      const vb = getNext(view, r);
      out.push(vb);
      if (vb.value.type !== ValueType.EndOfMibView) allDone = false;
      nextRound.push({ start: vb.oid, include: false, end: r.end });
    }
    if (allDone) break;
    repeaters = nextRound;
  }
  return out;
}
