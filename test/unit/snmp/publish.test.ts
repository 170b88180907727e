import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { buildView, clipUtf8, notificationVarbinds } from '../../../src/snmp/publish';
import { DEFAULT_MIB_FILE, loadMib } from '../../../src/snmp/mib';
import { ValueType } from '../../../src/snmp/agentx/pdu';
import { getExact } from '../../../src/snmp/view';
import type { NodeSnapshot } from '../../../src/core/snapshot';
import { createSources } from '../../../src/sources/index';
import { defaultConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';

const mib = loadMib();
/** The sources' names in the list's order: galeraSourceTable's index order. */
const SOURCE_NAMES = createSources(defaultConfig(), silentLogger()).list.map((x) => x.name);
const snap: NodeSnapshot = {
  at: 1000,
  nodeName: 'n1',
  status: 'running',
  reason: 'server pid 1 is running',
  seqno: -9223372036854775808n,
  seqnoSource: 'live',
  uuid: null,
  safeToBootstrap: null,
  serverPid: 1,
  lockPid: 0,
  detectMs: 200,
  instance: 'i-1',
  savedView: {
    myUuid: 'ef7717df-e6e6-11f1-bbaa-8630e67cc465',
    viewId: 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3',
    members: ['ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48', 'ef7717df-e6e6-11f1-bbaa-8630e67cc465'],
    includesSelf: true,
  },
  sources: [
    { name: 'processes', state: 'ok', lastOkAt: 900, error: '' },
    { name: 'lock', state: 'idle', lastOkAt: 0, error: '' },
    { name: 'grastate', state: 'idle', lastOkAt: 0, error: '' },
    { name: 'mysql', state: 'failing', lastOkAt: 0, error: 'refused' },
  ],
};

describe('publishing a snapshot', () => {
  it('publishes the role: data unless the agent is an arbitrator', () => {
    const get = (s: NodeSnapshot) =>
      (getExact(buildView(mib, s), [...mib.object('galeraRole').oid, 0]).value as { value: unknown }).value;
    assert.equal(get(snap), 1);
    assert.equal(get({ ...snap, role: 'arbitrator' }), 2);
  });

  it("publishes the datadir's free space: unknown (4294967295, unknown(3)) until read, then MiB, percent and low", () => {
    const get = (s: NodeSnapshot, name: string) =>
      Number((getExact(buildView(mib, s), [...mib.object(name).oid, 0]).value as { value: unknown }).value);
    assert.deepEqual(
      ['galeraDiskFree', 'galeraDiskFreePercent', 'galeraDiskSpaceLow'].map((n) => get(snap, n)),
      [4294967295, 4294967295, 3],
    );
    const low = { ...snap, disk: { freeMiB: 700, freePercent: 7, low: true } };
    assert.deepEqual(
      ['galeraDiskFree', 'galeraDiskFreePercent', 'galeraDiskSpaceLow'].map((n) => get(low, n)),
      [700, 7, 1],
    );
    assert.equal(get({ ...snap, disk: { freeMiB: 9000, freePercent: 90, low: false } }, 'galeraDiskSpaceLow'), 2);
  });

  it('publishes the user data: unknown until read, then true with its schemas, or false', () => {
    const get = (s: NodeSnapshot, name: string) =>
      (getExact(buildView(mib, s), [...mib.object(name).oid, 0]).value as { value: unknown }).value;
    assert.equal(get(snap, 'galeraUserData'), 3);
    assert.equal(String(get(snap, 'galeraUserSchemas')), '');
    const held = { ...snap, userData: { held: true, schemas: ['crm', 'shop'], error: '' } };
    assert.equal(get(held, 'galeraUserData'), 1);
    assert.equal(String(get(held, 'galeraUserSchemas')), 'crm,shop');
    const none = { ...snap, userData: { held: false, schemas: [], error: '' } };
    assert.equal(get(none, 'galeraUserData'), 2);
    const many = {
      ...snap,
      userData: { held: true, schemas: Array.from({ length: 60 }, (_, i) => `schema_${i}`), error: '' },
    };
    assert.equal(
      Buffer.from(get(many, 'galeraUserSchemas') as Buffer).length,
      255,
      'clipped to the DisplayString size',
    );
  });
  it('derives every OID from the MIB root and serves the values', () => {
    const view = buildView(mib, snap, () => 1500);
    const get = (name: string, idx = 0) =>
      getExact(view, [...mib.object(name).oid, idx]).value as { type: number; value: unknown };
    assert.deepEqual(mib.object('galeraStatus').oid.slice(0, mib.root.length), mib.root);
    assert.equal(get('galeraStatus').value, 2);
    assert.equal(get('galeraSeqno').value, '-9223372036854775808');
    assert.equal(get('galeraSafeToBootstrap').value, 3);
    assert.equal(get('galeraStateUuid').value, '');
    assert.equal(get('galeraSavedPcMembers').value, 2);
    assert.equal(get('galeraSavedPcViewId').value, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3');
    assert.equal(
      get('galeraAgentDataAge').value,
      1500,
      'the never-succeeded mysql source makes the data as old as it gets',
    );
    assert.equal(get('galeraSourceAge', 1).value, 600);
    assert.equal(get('galeraSourceAge', 4).value, 0xffffffff);
    assert.equal(get('galeraSourceState', 4).value, 2);
    assert.equal(
      getExact(view, [...mib.object('galeraSourceName').oid, 5]).value.type,
      ValueType.NoSuchInstance,
      'one row per source, indexed by its place in the list',
    );
  });

  it("builds galeraStatusChanged with snmpTrapOID first and the MIB's OBJECTS in order", () => {
    const vbs = notificationVarbinds(mib, buildView(mib, snap), 'galeraStatusChanged', {
      galeraPrevStatus: mib.scalar('galeraPrevStatus', 'stopped'),
    });
    assert.deepEqual(vbs[0].value, {
      type: ValueType.ObjectIdentifier,
      value: mib.notifications.get('galeraStatusChanged')!.oid,
    });
    assert.deepEqual(
      vbs.slice(1).map((v: { oid: readonly number[] }) => v.oid.join('.')),
      mib.notifications.get('galeraStatusChanged')!.objects.map((o) => `${mib.object(o).oid.join('.')}.0`),
    );
    assert.equal((vbs[3].value as { value: number }).value, 5);
  });

  it('clips text on a UTF-8 character boundary', () => {
    assert.equal(clipUtf8('ab☃', 4).toString(), 'ab');
    assert.equal(clipUtf8('abc', 10).toString(), 'abc');
  });
});

// The MIB file read here as text, independently of loadMib: the objects, their SYNTAX and
// MAX-ACCESS, which ones are a table's columns. Its verdicts are the contract that the published
// view is checked against, so neither loadMib's resolution nor buildView can drift from the file.
interface TextObject {
  name: string;
  syntax: string;
  access: string;
  parent: string;
  isEntry: boolean;
}
function readMibText(file: string): { objects: Map<string, TextObject>; tcs: Map<string, string> } {
  const text = fs.readFileSync(file, 'utf8').replace(/--[^\n]*/g, '');
  const tcs = new Map<string, string>();
  for (const m of text.matchAll(/^(\w+)\s*::=\s*TEXTUAL-CONVENTION[\s\S]*?\bSYNTAX\s+(INTEGER\s*\{[^}]*\}|[^\n]+)/gm))
    tcs.set(m[1], m[2].trim());
  const objects = new Map<string, TextObject>();
  for (const m of text.matchAll(
    /^(\w+)\s+OBJECT-TYPE\s+SYNTAX\s+(INTEGER\s*\{[^}]*\}|[^\n]+)([\s\S]*?)::=\s*\{\s*(\w+)\s+\d+\s*\}/gm,
  )) {
    const access = /MAX-ACCESS\s+(\S+)/.exec(m[3])?.[1] ?? '';
    objects.set(m[1], {
      name: m[1],
      syntax: m[2].trim(),
      access,
      parent: m[4],
      isEntry: /\bINDEX\b|\bAUGMENTS\b/.test(m[3]),
    });
  }
  return { objects, tcs };
}

/** The ASN.1 tag a SYNTAX is sent with (RFC 2578 7.1), through this module's TEXTUAL-CONVENTIONs. */
function tagOf(syntax: string, tcs: Map<string, string>, depth = 0): number {
  const base = /^(OCTET STRING|OBJECT IDENTIFIER|\w+)/.exec(syntax)![1];
  const tags: Record<string, number> = {
    INTEGER: 2,
    Integer32: 2,
    TruthValue: 2,
    'OCTET STRING': 4,
    DisplayString: 4,
    'OBJECT IDENTIFIER': 6,
    IpAddress: 64,
    Counter32: 65,
    Gauge32: 66,
    Unsigned32: 66,
    TimeTicks: 67,
    Opaque: 68,
    Counter64: 70,
  };
  if (base in tags) return tags[base];
  assert.ok(tcs.has(base) && depth < 8, `a SYNTAX this test does not know: ${syntax}`);
  return tagOf(tcs.get(base)!, tcs, depth + 1);
}

/** The numbers an enumerated INTEGER may take; undefined when it is not enumerated. */
function enumNumbersOf(syntax: string, tcs: Map<string, string>): number[] | undefined {
  const tc = tcs.get(/^\w+/.exec(syntax)?.[0] ?? '');
  if (tc) return enumNumbersOf(tc, tcs);
  if (/^TruthValue/.test(syntax)) return [1, 2];
  const body = /^INTEGER\s*\{([^}]*)\}/.exec(syntax)?.[1];
  return body ? [...body.matchAll(/\((-?\d+)\)/g)].map((x) => Number(x[1])) : undefined;
}

/** The largest SIZE an OCTET STRING may have (DisplayString: 255 by RFC 2579). */
function maxSizeOf(syntax: string, tcs: Map<string, string>): number | undefined {
  const size = /SIZE\s*\(([^)]*)\)/.exec(syntax)?.[1];
  if (size) return Math.max(...[...size.matchAll(/\d+/g)].map((x) => Number(x[0])));
  if (/^DisplayString/.test(syntax)) return 255;
  const tc = tcs.get(/^\w+/.exec(syntax)?.[0] ?? '');
  return tc ? maxSizeOf(tc, tcs) : undefined;
}

const ACCESSIBLE = new Set(['read-only', 'read-write', 'read-create']);
const U = (n: number): string => `${n.toString(16).padStart(8, '0')}-e6e6-11f1-bbaa-8630e67cc465`;

/** A node with every part of the MIB filled in: a running Synced member, all sources, a window. */
const fullSnapshot: NodeSnapshot = {
  ...snap,
  seqno: 123456789n,
  uuid: U(1),
  safeToBootstrap: false,
  lockPid: 0,
  sources: SOURCE_NAMES.map((name, i) => ({
    name,
    state: i % 3 === 0 ? 'ok' : i % 3 === 1 ? 'failing' : 'idle',
    lastOkAt: i ? 900 : 0,
    error: i % 3 === 1 ? 'connect ECONNREFUSED' : '',
  })),
  wsrep: {
    reachable: true,
    at: 1400,
    clusterStatus: 'primary',
    clusterSize: 3,
    confId: 7n,
    clusterUuid: U(2),
    localUuid: U(2),
    localState: 4,
    localStateComment: 'Synced',
    ready: true,
    connected: true,
    localIndex: 0,
    nodeName: 'n1',
    incomingAddresses: '10.0.0.1:3306,10.0.0.2:3306,10.0.0.3:3306',
    lastCommitted: 123456789n,
    fcPaused: 0.25,
    fcSent: 5n,
    fcRecv: 6n,
    recvQueue: 1,
    recvQueueAvg: 0.5,
    sendQueue: 0,
    sendQueueAvg: 0.125,
    certDepsDistance: 1.5,
    receivedBytes: 2n ** 40n,
    replicatedBytes: 2n ** 33n,
    gcacheBytes: 128 * 1024 * 1024,
    desyncCount: 0,
    members: [1, 2, 3].map((i) => ({ name: `n${i}`, address: `10.0.0.${i}:3306`, uuid: U(10 + i) })),
    certFailures: 17n,
    bfAborts: 2n ** 33n,
    evsState: 'gather',
    evsDelayed: 'a1b2c3d4-0000-11ee-8000-000000000001:tcp://10.0.0.2:4567:3',
    evsEvictList: '',
    pcBootstrap: 'SET GLOBAL wsrep_provider_pc_bootstrap=ON',
    readOnly: false,
    rejectQueries: 'NONE',
    donorRejectsQueries: false,
  },
  window: {
    rateShort: 1000,
    rateLong: 800,
    short: { kind: 'seconds', seconds: 134 },
    long: { kind: 'unbounded' },
    desiredSeconds: 3600,
    low: true,
  },
  mark: {
    state: 'valid',
    mark: {
      uuid: U(1),
      node: 'n1',
      committed: 9223372036854775800n,
      seen: { n2: 9223372036854775807n, n3: 12n },
      lastBootstrap: { uuid: U(1), seqno: 7n, at: Date.parse('2026-12-06T06:00:00Z') },
      durability: { flushLogAtTrxCommit: 2, flushLogAtTimeout: 1, logBin: true, syncBinlog: 0 },
      tolerance: 5000000000n,
      at: 0,
    },
    datadirBelow: true,
    reason: "restored or replaced datadir: its position 70 is 50 transactions below this node's mark 120 (tolerance 0)",
  },
};

describe('the view against GALERA-MIB, object by object', () => {
  const { objects, tcs } = readMibText(DEFAULT_MIB_FILE);
  const view = buildView(mib, fullSnapshot, () => 1500);
  const entries = new Set([...objects.values()].filter((o) => o.isEntry).map((o) => o.name));
  const accessible = [...objects.values()].filter((o) => ACCESSIBLE.has(o.access));
  const scalars = accessible.filter((o) => !entries.has(o.parent));
  const columns = accessible.filter((o) => entries.has(o.parent));
  /** The instances under an object's OID, with their index (the OID's rest). */
  const under = (name: string) =>
    view.instances
      .filter((i) => i.oid.length > mib.object(name).oid.length && mib.object(name).oid.every((x, k) => i.oid[k] === x))
      .map((i) => ({
        index: i.oid.slice(mib.object(name).oid.length).join('.'),
        value: typeof i.value === 'function' ? i.value() : i.value,
      }));

  it('publishes the conflict counters, the EVS state by name and the EVS lists with their counts', () => {
    const one = (name: string): unknown => (under(name)[0].value as { value: unknown }).value;
    assert.equal(one('galeraLocalCertFailures'), 17n);
    assert.equal(one('galeraLocalBfAborts'), 2n ** 33n);
    assert.equal(one('galeraEvsState'), mib.enumValue('galeraEvsState', 'gather'));
    assert.equal(one('galeraEvsDelayed'), 'a1b2c3d4-0000-11ee-8000-000000000001:tcp://10.0.0.2:4567:3');
    assert.equal(one('galeraEvsDelayedCount'), 1);
    assert.equal(one('galeraEvsEvictList'), '');
    assert.equal(one('galeraEvsEvictCount'), 0);
    const unknown = buildView(mib, { ...fullSnapshot, wsrep: { ...fullSnapshot.wsrep!, evsState: null } });
    assert.equal(
      (getExact(unknown, [...mib.object('galeraEvsState').oid, 0]).value as { value: unknown }).value,
      mib.enumValue('galeraEvsState', 'unknown'),
    );
  });

  it("reads the MIB text (a sanity check of this test's own parser)", () => {
    assert.ok(scalars.length >= 40, `${scalars.length} scalars`);
    assert.deepEqual(new Set(columns.map((c) => c.parent)), new Set(['galeraSourceEntry', 'galeraMemberEntry']));
    assert.equal(objects.get('galeraPrevStatus')?.access, 'accessible-for-notify');
    const tablesAndEntries = [...objects.values()]
      .filter((o) => o.isEntry || /^SEQUENCE OF/.test(o.syntax))
      .map((o) => o.name);
    assert.deepEqual(
      [...objects.keys()].filter((n) => !tablesAndEntries.includes(n)).sort(),
      [...mib.objects.keys()].sort(),
      'the same objects as loadMib',
    );
  });

  function checkValue(o: TextObject, value: { type: number; value?: unknown }, where: string): void {
    assert.equal(
      value.type,
      tagOf(o.syntax, tcs),
      `${where}: SYNTAX ${o.syntax} is sent as tag ${tagOf(o.syntax, tcs)}, published as ${value.type}`,
    );
    const v = value.value;
    const enums = enumNumbersOf(o.syntax, tcs);
    if (enums) assert.ok(enums.includes(v as number), `${where}: ${String(v)} is not one of ${enums.join(', ')}`);
    if (value.type === 2)
      assert.ok(
        Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31,
        `${where}: ${String(v)}`,
      );
    if ([65, 66, 67].includes(value.type))
      assert.ok(Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32, `${where}: ${String(v)}`);
    if (value.type === 70) assert.ok(typeof v === 'bigint' && v >= 0n && v < 2n ** 64n, `${where}: ${String(v)}`);
    const max = maxSizeOf(o.syntax, tcs);
    if (value.type === 4 && max !== undefined)
      assert.ok(Buffer.byteLength(v as string | Buffer) <= max, `${where}: longer than SIZE ${max}`);
  }

  it('publishes every accessible scalar exactly once, as .0, with its declared type', () => {
    for (const o of scalars) {
      const got = under(o.name);
      assert.deepEqual(
        got.map((g) => g.index),
        ['0'],
        `${o.name}: instances ${got.map((g) => g.index).join(', ') || 'none'}`,
      );
      checkValue(o, got[0].value, o.name);
    }
  });

  it('publishes every accessible column once per row, every column of a table on the same rows', () => {
    for (const entry of entries) {
      const cols = columns.filter((c) => c.parent === entry);
      const rows = under(cols[0].name).map((g) => g.index);
      assert.ok(rows.length > 0, `${entry}: no rows in the representative snapshot`);
      for (const c of cols) {
        const got = under(c.name);
        assert.deepEqual(
          got.map((g) => g.index),
          rows,
          `${c.name}: rows ${got.map((g) => g.index).join(', ')}, ${cols[0].name} has ${rows.join(', ')}`,
        );
        for (const g of got) checkValue(c, g.value, `${c.name}.${g.index}`);
      }
    }
    assert.deepEqual(
      under('galeraSourceName').map((g) => g.index),
      SOURCE_NAMES.map((_, i) => String(i + 1)),
    );
    assert.deepEqual(
      under('galeraMemberName').map((g) => g.index),
      ['1', '2', '3'],
    );
  });

  it('publishes nothing else: no instance of a not-accessible or notify-only object, none outside the MIB', () => {
    const served = [...scalars, ...columns].map((o) => mib.object(o.name).oid);
    for (const i of view.instances) {
      assert.ok(
        served.some((oid) => oid.every((x, k) => i.oid[k] === x)),
        `${i.oid.join('.')} is no accessible object of the MIB`,
      );
    }
  });

  it('types the accessible-for-notify objects from the MIB too', () => {
    for (const o of [...objects.values()].filter((x) => x.access === 'accessible-for-notify')) {
      const raw = tagOf(o.syntax, tcs) === 4 ? 'text' : (enumNumbersOf(o.syntax, tcs)?.[0] ?? 3);
      checkValue(o, mib.scalar(o.name, raw), o.name);
    }
  });
});
