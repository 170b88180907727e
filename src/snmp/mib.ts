// GALERA-MIB as the one source of OIDs, types and enums: the MIB file is parsed at start (with
// net-snmp's ModuleStore) and everything the agent serves or sends is looked up here by name.
// Moving the module to a real enterprise number is therefore an edit of the MIB file alone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createModuleStore } from 'net-snmp';
import { Oid, Value, ValueType, parseOid } from './agentx/pdu';

export interface MibObject {
  name: string;
  oid: Oid;
  /** The ASN.1 tag of the base type (INTEGER, OCTET STRING, Gauge32, ...). */
  type: ValueType;
  /** label -> number, for enumerated INTEGERs. */
  enumValues?: Record<string, number>;
  /** For columns: the entry's OID (rows are entry.column.index). */
  column?: number;
  /** The SYNTAX's name as written (a base type or a TEXTUAL-CONVENTION: TruthValue, GaleraUuid, ...). */
  syntax: string;
  /** MAX-ACCESS: read-only objects are served; accessible-for-notify ones only travel in notifications. */
  access: string;
  /** For OCTET STRINGs: the largest SIZE allowed (DisplayString: 255), in bytes. */
  maxSize?: number;
}

/**
 * A JS value to serve as an object of the MIB: a number, a bigint, a string (text, or an enum's
 * label), a boolean (TruthValue), a Buffer (octets) or an OID.
 */
export type RawValue = number | bigint | string | boolean | Buffer | Oid;

export interface Mib {
  module: string;
  root: Oid;
  objects: Map<string, MibObject>;
  notifications: Map<string, { oid: Oid; objects: string[] }>;
  /** Looks up an object by name, failing loudly: a typo in code is a bug, not a missing value. */
  object(name: string): MibObject;
  enumValue(object: string, label: string): number;
  /**
   * The value of an object (a scalar, a column or an accessible-for-notify object) typed as the MIB
   * declares it, converted from a plain JS value: see typedValue.
   */
  scalar(name: string, raw: RawValue): Value;
}

export const DEFAULT_MIB_FILE = path.resolve(__dirname, '..', '..', '..', 'mibs', 'GALERA-MIB.txt');

interface ModuleEntry {
  OID?: string;
  MACRO?: string;
  SYNTAX?: unknown;
  OBJECTS?: string[];
  'MAX-ACCESS'?: string;
}

/** A module as net-snmp parses it: a name looked up may be missing. */
type MibModule = Record<string, (ModuleEntry & Record<string, unknown>) | undefined>;

const BASE_TYPES: Record<string, ValueType> = {
  INTEGER: ValueType.Integer,
  Integer32: ValueType.Integer,
  'OCTET STRING': ValueType.OctetString,
  DisplayString: ValueType.OctetString,
  Unsigned32: ValueType.Gauge32,
  Gauge32: ValueType.Gauge32,
  Counter32: ValueType.Counter32,
  Counter64: ValueType.Counter64,
  TimeTicks: ValueType.TimeTicks,
  IpAddress: ValueType.IpAddress,
  'OBJECT IDENTIFIER': ValueType.ObjectIdentifier,
  Opaque: ValueType.Opaque,
  TruthValue: ValueType.Integer,
};

/** RFC 2579: DisplayString ::= OCTET STRING (SIZE (0..255)). */
const DISPLAY_STRING_MAX = 255;

interface Syntax {
  type: ValueType;
  enums?: Record<string, number>;
  maxSize?: number;
}

/** Resolves a SYNTAX (possibly a local TEXTUAL-CONVENTION) to its base type, enumeration and SIZE. */
function resolveSyntax(mod: MibModule, syntax: unknown, depth = 0): Syntax {
  if (depth > 8) throw new Error('TEXTUAL-CONVENTION loop');
  if (typeof syntax === 'string') {
    const base = syntax.replace(/\s*\(.*$/s, '').trim();
    if (base in BASE_TYPES)
      return { type: BASE_TYPES[base], maxSize: base === 'DisplayString' ? DISPLAY_STRING_MAX : undefined };
    const tc = mod[base];
    if (tc && tc.MACRO === 'TEXTUAL-CONVENTION') return resolveSyntax(mod, tc.SYNTAX, depth + 1);
    throw new Error(`unsupported SYNTAX ${syntax}`);
  }
  if (syntax && typeof syntax === 'object') {
    const [name, spec] = Object.entries(syntax as Record<string, unknown>)[0];
    const base = resolveSyntax(mod, name, depth + 1);
    if (name === 'INTEGER' && spec && typeof spec === 'object' && !Array.isArray(spec)) {
      const enums: Record<string, number> = {};
      for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
        if (typeof v === 'number') enums[k] = v;
        else if (/^\d+$/.test(k) && typeof v === 'string') enums[v] = Number(k);
      }
      if (Object.keys(enums).length) return { ...base, enums };
    }
    // A SIZE written here narrows the base's (DisplayString (SIZE (0..64))).
    const sizes = (spec as { sizes?: { max?: number }[] } | null)?.sizes;
    if (Array.isArray(sizes) && sizes.length) return { ...base, maxSize: Math.max(...sizes.map((r) => r.max ?? 0)) };
    return base;
  }
  throw new Error(`unreadable SYNTAX ${JSON.stringify(syntax)}`);
}

/** The name a SYNTAX is written with: `DisplayString` for `DisplayString (SIZE (0..64))`. */
function syntaxName(syntax: unknown): string {
  if (typeof syntax === 'string') return syntax.replace(/\s*\(.*$/s, '').trim();
  return syntax && typeof syntax === 'object' ? (Object.keys(syntax)[0] ?? '') : '';
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;
const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));
/** An integer from a number or a bigint; NaN (a fact nobody could read) is 0. */
const toInt = (n: number | bigint): number => (typeof n === 'bigint' ? Number(n) : Number.isNaN(n) ? 0 : Math.round(n));

/** Clips text to a byte budget without splitting a UTF-8 character. */
export function clipUtf8(text: string, maxBytes: number): Buffer {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return buf;
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/**
 * Converts a plain JS value to the type the MIB declares for an object:
 * - INTEGER, Integer32 and enumerations: a number (rounded, kept within Integer32), an enum label,
 *   or a boolean for TruthValue (true(1), false(2));
 * - Gauge32, Unsigned32, TimeTicks: a number or bigint, rounded and kept within 0..2^32-1 (a gauge
 *   sticks at its maximum); Counter32 wraps modulo 2^32, as a counter does;
 * - Counter64: a bigint or number, kept within 0..2^64-1;
 * - OCTET STRING and the TEXTUAL-CONVENTIONs on it (DisplayString, ...): a string (clipped to the
 *   declared SIZE on a UTF-8 character boundary), a Buffer, or a number/bigint as decimal text;
 * - OBJECT IDENTIFIER: an OID.
 * Anything else is a programming error and throws, naming the object.
 */
export function typedValue(o: MibObject, raw: RawValue): Value {
  const wrong = (): Error =>
    new Error(
      `${o.name} (${o.syntax}) cannot hold ${typeof raw === 'object' ? (Buffer.isBuffer(raw) ? 'a Buffer' : 'an OID') : `the ${typeof raw} ${String(raw)}`}`,
    );
  switch (o.type) {
    case ValueType.Integer: {
      if (typeof raw === 'boolean') {
        if (o.syntax !== 'TruthValue') throw wrong();
        return { type: ValueType.Integer, value: raw ? 1 : 2 };
      }
      if (typeof raw === 'string') {
        const v = o.enumValues?.[raw];
        if (v === undefined) throw new Error(`${o.name} has no value ${raw}`);
        return { type: ValueType.Integer, value: v };
      }
      if (typeof raw !== 'number' && typeof raw !== 'bigint') throw wrong();
      return { type: ValueType.Integer, value: clamp(toInt(raw), I32_MIN, I32_MAX) };
    }
    case ValueType.Gauge32:
    case ValueType.TimeTicks:
    case ValueType.Counter32: {
      if (typeof raw !== 'number' && typeof raw !== 'bigint') throw wrong();
      if (o.type === ValueType.Counter32) {
        const wrapped =
          typeof raw === 'bigint' ? Number(BigInt.asUintN(32, raw)) : ((toInt(raw) % 2 ** 32) + 2 ** 32) % 2 ** 32;
        return { type: ValueType.Counter32, value: wrapped };
      }
      const n =
        typeof raw === 'bigint'
          ? raw > BigInt(U32_MAX)
            ? U32_MAX
            : raw < 0n
              ? 0
              : Number(raw)
          : clamp(toInt(raw), 0, U32_MAX);
      return { type: o.type, value: n };
    }
    case ValueType.Counter64: {
      if (typeof raw === 'number')
        raw = Number.isFinite(raw) ? BigInt(Math.trunc(Math.max(0, raw))) : raw > 0 ? U64_MAX : 0n;
      if (typeof raw !== 'bigint') throw wrong();
      return { type: ValueType.Counter64, value: raw < 0n ? 0n : raw > U64_MAX ? U64_MAX : raw };
    }
    case ValueType.OctetString:
    case ValueType.Opaque: {
      if (Buffer.isBuffer(raw))
        return {
          type: o.type,
          value: o.maxSize !== undefined && raw.length > o.maxSize ? raw.subarray(0, o.maxSize) : raw,
        };
      if (typeof raw === 'number' || typeof raw === 'bigint') raw = raw.toString();
      if (typeof raw !== 'string') throw wrong();
      // Kept a string when it fits: what a reader of the view compares with.
      if (o.maxSize === undefined || Buffer.byteLength(raw, 'utf8') <= o.maxSize) return { type: o.type, value: raw };
      return { type: o.type, value: clipUtf8(raw, o.maxSize).toString('utf8') };
    }
    case ValueType.IpAddress:
      if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) throw wrong();
      return { type: ValueType.IpAddress, value: raw };
    case ValueType.ObjectIdentifier:
      if (!Array.isArray(raw)) throw wrong();
      return { type: ValueType.ObjectIdentifier, value: raw };
    default:
      throw wrong();
  }
}

export function loadMib(file = DEFAULT_MIB_FILE, moduleName = 'GALERA-MIB'): Mib {
  if (!fs.existsSync(file)) throw new Error(`MIB file ${file} not found (set mibFile in the config)`);
  const store = createModuleStore();
  store.loadFromFile(file);
  const mod = store.getModule(moduleName) as unknown as MibModule | undefined;
  if (!mod) throw new Error(`${file} does not define module ${moduleName}`);
  const objects = new Map<string, MibObject>();
  const notifications = new Map<string, { oid: Oid; objects: string[] }>();
  let root: Oid | null = null;
  for (const [name, def] of Object.entries(mod)) {
    if (!def || typeof def !== 'object' || !def.OID) continue;
    const oid = parseOid(def.OID);
    if (def.MACRO === 'MODULE-IDENTITY') root = oid;
    if (def.MACRO === 'NOTIFICATION-TYPE') notifications.set(name, { oid, objects: def.OBJECTS ?? [] });
    if (def.MACRO !== 'OBJECT-TYPE') continue;
    const syntax = def.SYNTAX;
    if (def.INDEX || def.AUGMENTS || (typeof syntax === 'string' && syntax.startsWith('SEQUENCE OF'))) continue; // tables, entries
    const { type, enums, maxSize } = resolveSyntax(mod, syntax);
    objects.set(name, {
      name,
      oid,
      type,
      enumValues: enums,
      syntax: syntaxName(syntax),
      access: def['MAX-ACCESS'] ?? '',
      maxSize,
    });
  }
  // A column is an object whose parent is an entry (an OBJECT-TYPE with an INDEX).
  for (const [, def] of Object.entries(mod)) {
    if (def?.MACRO === 'OBJECT-TYPE' && def.INDEX) {
      const entryOid = parseOid(def.OID as string);
      for (const o of objects.values()) {
        if (o.oid.length === entryOid.length + 1 && entryOid.every((s, i) => o.oid[i] === s))
          o.column = o.oid[o.oid.length - 1];
      }
    }
  }
  if (!root) throw new Error(`${file}: module ${moduleName} has no MODULE-IDENTITY`);
  const mib: Mib = {
    module: moduleName,
    root,
    objects,
    notifications,
    object(name) {
      const o = objects.get(name);
      if (!o) throw new Error(`${moduleName} has no object ${name}`);
      return o;
    },
    enumValue(object, label) {
      const v = mib.object(object).enumValues?.[label];
      if (v === undefined) throw new Error(`${moduleName}::${object} has no value ${label}`);
      return v;
    },
    scalar(name, raw) {
      return typedValue(mib.object(name), raw);
    },
  };
  return mib;
}
