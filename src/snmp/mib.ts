// GALERA-MIB as the one source of OIDs, types and enums: the MIB file is parsed at start (with
// net-snmp's ModuleStore) and everything the agent serves or sends is looked up here by name.
// Moving the module to a real enterprise number is therefore an edit of the MIB file alone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createModuleStore } from 'net-snmp';
import { Oid, ValueType, parseOid } from './agentx/pdu';

export interface MibObject {
  name: string;
  oid: Oid;
  /** The ASN.1 tag of the base type (INTEGER, OCTET STRING, Gauge32, ...). */
  type: ValueType;
  /** label -> number, for enumerated INTEGERs. */
  enumValues?: Record<string, number>;
  /** For columns: the entry's OID (rows are entry.column.index). */
  column?: number;
}

export interface Mib {
  module: string;
  root: Oid;
  objects: Map<string, MibObject>;
  notifications: Map<string, { oid: Oid; objects: string[] }>;
  /** Looks up an object by name, failing loudly: a typo in code is a bug, not a missing value. */
  object(name: string): MibObject;
  enumValue(object: string, label: string): number;
}

export const DEFAULT_MIB_FILE = path.resolve(__dirname, '..', '..', '..', 'mibs', 'GALERA-MIB.txt');

interface ModuleEntry {
  OID?: string;
  MACRO?: string;
  SYNTAX?: unknown;
  OBJECTS?: string[];
  'MAX-ACCESS'?: string;
}

const BASE_TYPES: Record<string, ValueType> = {
  INTEGER: ValueType.Integer, Integer32: ValueType.Integer, 'OCTET STRING': ValueType.OctetString,
  DisplayString: ValueType.OctetString, Unsigned32: ValueType.Gauge32, Gauge32: ValueType.Gauge32,
  Counter32: ValueType.Counter32, Counter64: ValueType.Counter64, TimeTicks: ValueType.TimeTicks,
  IpAddress: ValueType.IpAddress, 'OBJECT IDENTIFIER': ValueType.ObjectIdentifier, Opaque: ValueType.Opaque,
  TruthValue: ValueType.Integer,
};

/** Resolves a SYNTAX (possibly a local TEXTUAL-CONVENTION) to its base type and enumeration. */
function resolveSyntax(mod: Record<string, ModuleEntry & Record<string, unknown>>, syntax: unknown, depth = 0): { type: ValueType; enums?: Record<string, number> } {
  if (depth > 8) throw new Error('TEXTUAL-CONVENTION loop');
  if (typeof syntax === 'string') {
    const base = syntax.replace(/\s*\(.*$/s, '').trim();
    if (base in BASE_TYPES) return { type: BASE_TYPES[base] };
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
    return base;
  }
  throw new Error(`unreadable SYNTAX ${JSON.stringify(syntax)}`);
}

export function loadMib(file = DEFAULT_MIB_FILE, moduleName = 'GALERA-MIB'): Mib {
  if (!fs.existsSync(file)) throw new Error(`MIB file ${file} not found (set mibFile in the config)`);
  const store = createModuleStore();
  store.loadFromFile(file);
  const mod = store.getModule(moduleName) as unknown as Record<string, ModuleEntry & Record<string, unknown>>;
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
    const { type, enums } = resolveSyntax(mod, syntax);
    objects.set(name, { name, oid, type, enumValues: enums });
  }
  // A column is an object whose parent is an entry (an OBJECT-TYPE with an INDEX).
  for (const [, def] of Object.entries(mod)) {
    if (def?.MACRO === 'OBJECT-TYPE' && def.INDEX) {
      const entryOid = parseOid(def.OID as string);
      for (const o of objects.values()) {
        if (o.oid.length === entryOid.length + 1 && entryOid.every((s, i) => o.oid[i] === s)) o.column = o.oid[o.oid.length - 1];
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
  };
  return mib;
}
