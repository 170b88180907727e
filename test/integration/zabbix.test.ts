// The shipped Zabbix templates and SNMPTT event file against GALERA-MIB (net-snmp's own
// snmptranslate, not our parser), then against the real Zabbix servers from Debian (6.0 from the
// host's Debian 12, 7.0 from a Debian 13 root): the template imported through the API, a host
// polling a real agent through a real snmpd, its triggers, and the notifications carried to Zabbix
// by the README's snmptrapd + SNMPTT lines.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadMib } from '../../src/snmp/mib';
import {
  SNMPTT_FILE,
  STALE_TRIGGER,
  TEMPLATE,
  TEMPLATE_NAME,
  ZABBIX_VERSIONS,
  snmpttConf,
  templateFile,
  trapRegexp,
  zabbixYaml,
} from '../../scripts/zabbix-template';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { debianRoot, debianRootUnavailable } from '../helpers/debroot';
import { TRIXIE_ZABBIX } from '../helpers/roots';
import { GaleraNode, createNode, serverPid, sql, startServer, stopServer, waitSynced } from '../helpers/galera';
import { ROOT, SLACK, cleanupAll, present, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpget, startSnmpd, stopSnmpd } from '../helpers/snmp';
import {
  TrapPath,
  ZabbixApi,
  ZabbixDb,
  ZabbixFrontend,
  ZabbixServer,
  readmeServerLines,
  sendTrap,
  startFrontend,
  startTrapPath,
  startZabbixDb,
  startZabbixServer,
  stopAll,
  stopZabbixServer,
  zabbixUnavailable,
} from '../helpers/zabbix';

const DIR = path.join(ROOT, 'integrations', 'zabbix');
const mib = loadMib();

// The parts of Zabbix's export format that the tests read.
interface ZTrigger {
  expression: string;
  name: string;
  dependencies?: { name: string }[];
}
interface ZItem {
  key: string;
  name: string;
  type: string;
  value_type?: string;
  snmp_oid?: string;
  valuemap?: { name: string };
  preprocessing?: { type: string; parameters: string[] }[];
  triggers?: ZTrigger[];
}
interface ZTemplate {
  template: string;
  name: string;
  groups: unknown[];
  vendor?: unknown;
  items: ZItem[];
  macros: { macro: string; value: string }[];
  valuemaps: { name: string; mappings: { value: string; newvalue: string }[] }[];
}
interface ZExport {
  zabbix_export: {
    version: string;
    groups?: unknown[];
    template_groups?: unknown[];
    templates: ZTemplate[];
    triggers: ZTrigger[];
    graphs: { graph_items: { item: { host: string; key: string } }[] }[];
  };
}

const readTemplate = (v: string): { text: string; doc: ZExport; tpl: ZTemplate } => {
  const text = fs.readFileSync(path.join(DIR, templateFile(v as '6.0')), 'utf8');
  const doc = YAML.parse(text) as ZExport;
  return { text, doc, tpl: doc.zabbix_export.templates[0] };
};
const allTriggers = (doc: ZExport): ZTrigger[] => [
  ...doc.zabbix_export.templates[0].items.flatMap((i) => i.triggers ?? []),
  ...doc.zabbix_export.triggers,
];

describe('the Zabbix templates', () => {
  for (const v of ZABBIX_VERSIONS) {
    describe(`for Zabbix ${v}`, () => {
      const { text, doc, tpl } = readTemplate(v);
      const items = tpl.items;

      it('is what the generator makes from the MIB (not edited by hand, not stale)', () => {
        assert.equal(text, zabbixYaml(mib, v));
      });

      it(`has the ${v} export shape: its group key, a valid technical name, unique keys and UUIDs`, () => {
        const x = doc.zabbix_export;
        assert.equal(x.version, v);
        // 6.0 refuses template_groups and vendor (6.2 and 6.4 brought them): "unsupported" otherwise.
        if (v === '6.0') assert.ok(x.groups && !x.template_groups && !('vendor' in tpl));
        else assert.ok(x.template_groups && !x.groups && tpl.vendor);
        // Zabbix's host-name rule, which templates share: no parentheses.
        assert.match(tpl.template, /^[\w. -]+$/);
        assert.equal(tpl.template, TEMPLATE);
        assert.equal(tpl.name, TEMPLATE_NAME);
        assert.ok(tpl.groups.length && items.length >= 20);
        const keys = items.map((i) => i.key);
        assert.equal(new Set(keys).size, keys.length);
        const uuids = [...text.matchAll(/uuid: (\S+)/g)].map((m) => m[1]);
        assert.equal(new Set(uuids).size, uuids.length);
        for (const u of uuids) assert.match(u, /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
        for (const i of items)
          assert.ok(['SNMP_AGENT', 'SNMP_TRAP'].includes(i.type) && i.name && i.value_type, JSON.stringify(i));
      });

      it('polls only OIDs that translate through GALERA-MIB to a scalar instance', () => {
        const oids = items.filter((i) => i.type === 'SNMP_AGENT').map((i) => i.snmp_oid ?? '');
        const out = execFileSync(
          'snmptranslate',
          ['-M', `+${ROOT}/mibs:${ROOT}/mibs/ietf`, '-m', 'GALERA-MIB', ...oids.map((o) => `.${o}`)],
          { encoding: 'utf8' },
        )
          .split('\n')
          .filter((l) => l !== ''); // one name per OID, blank lines between
        assert.equal(out.length, oids.length);
        for (const name of out) assert.match(name, /^GALERA-MIB::galera\w+\.0$/);
      });

      it("maps every enumerated item with the MIB's own enumeration", () => {
        const maps = new Map(tpl.valuemaps.map((m) => [m.name, m.mappings]));
        for (const i of items) {
          if (!i.valuemap) continue;
          const m = maps.get(i.valuemap.name);
          assert.ok(m, `value map ${i.valuemap.name} exists`);
          const object = [...mib.objects.values()].find((o) => `${o.oid.join('.')}.0` === i.snmp_oid)!;
          const want = object.enumValues
            ? Object.entries(object.enumValues)
                .map(([k, n]) => `${n}=${k}`)
                .sort()
            : ['1=true', '2=false'];
          assert.deepEqual(m.map((x) => `${x.value}=${x.newvalue}`).sort(), want, i.key);
        }
      });

      it('has one trap item per GALERA-MIB notification, keyed by its trap OID', () => {
        const keys = items.filter((i) => i.type === 'SNMP_TRAP').map((i) => i.key);
        const want = [...mib.notifications].map(([name, n]) => `snmptrap["${trapRegexp(name, n.oid)}"]`);
        assert.deepEqual(keys.sort(), want.sort());
      });

      it('builds triggers only on existing items and macros, with the stale-data dependency', () => {
        const keys = new Set(items.map((i) => i.key));
        const macros = new Set(tpl.macros.map((m) => m.macro));
        const triggers = allTriggers(doc);
        assert.ok(triggers.length >= 7);
        for (const t of triggers) {
          for (const m of t.expression.matchAll(/\/([^/]+)\/([\w.]+)/g)) {
            assert.equal(m[1], TEMPLATE, `${t.name}: the technical name`);
            assert.ok(keys.has(m[2]), `${t.name}: item ${m[2]}`);
          }
          for (const m of t.expression.matchAll(/\{\$[\w.]+\}/g))
            assert.ok(macros.has(m[0]), `${t.name}: macro ${m[0]}`);
        }
        // Over two items: exported at the top level, as Zabbix itself exports such a trigger (the
        // stale data, and a galera-init wait: decision, pid and age).
        assert.deepEqual(
          doc.zabbix_export.triggers.map((t) => t.name),
          [STALE_TRIGGER, 'Galera: galera-init has been waiting for over {$GALERA.INIT.WAIT.MAX}s'],
        );
        assert.ok(
          triggers.filter((t) => t.name !== STALE_TRIGGER).every((t) => t.dependencies?.[0].name === STALE_TRIGGER),
        );
        for (const g of doc.zabbix_export.graphs)
          for (const gi of g.graph_items) assert.ok(gi.item.host === TEMPLATE && keys.has(gi.item.key));
      });
    });
  }

  it('6.0 and 7.0 differ only in the envelope (same items, triggers, macros, value maps)', () => {
    const strip = (v: string): unknown => {
      const { doc } = readTemplate(v);
      const tpl: Partial<ZTemplate> = { ...doc.zabbix_export.templates[0] };
      delete tpl.vendor;
      return { tpl, triggers: doc.zabbix_export.triggers, graphs: doc.zabbix_export.graphs };
    };
    assert.deepEqual(strip('6.0'), strip('7.0'));
  });

  it("matches each trap key against every form of its own trap OID that net-snmp prints, and no other's", () => {
    const empty = tempDir('gx-nomibs-');
    // snmptranslate prints an OID as snmptrapd hands it to a handler under the same MIB settings.
    const forms = (oid: string): string[] =>
      [
        ['-M', empty, '-m', ''], // Debian's stock NMS: no MIB loads, iso.3.6.1...
        ['-M', empty, '-m', '', '-On'], // -On, and SNMPTT's $o
        ['-M', `${ROOT}/mibs:${ROOT}/mibs/ietf`, '-m', 'GALERA-MIB'], // GALERA-MIB::name
        ['-M', `${ROOT}/mibs/ietf`, '-m', 'SNMPv2-SMI'], // SNMPv2-SMI::enterprises...
        ['-M', `${ROOT}/mibs/ietf:/usr/share/snmp/mibs`, '-m', 'NET-SNMP-MIB'], // netSnmpPlaypen...
      ].map((args) => execFileSync('snmptranslate', [...args, `.${oid}`], { encoding: 'utf8' }).trim());
    const seen = new Set<string>();
    const notes = [...mib.notifications];
    for (const [name, n] of notes) {
      const fs_ = forms(n.oid.join('.'));
      for (const f of fs_) seen.add(f.replace(/[\d.]+$/, '').replace(/^\./, ''));
      for (const [other, o] of notes) {
        // Zabbix searches the whole trap text (PCRE); JavaScript's RegExp reads these constructs alike.
        const re = new RegExp(trapRegexp(other, o.oid));
        for (const f of fs_) {
          const text = `12:00:00 2026/01/01 ZBXTRAP 127.0.0.1 x ${f} Normal`;
          assert.equal(re.test(text), other === name, `${other}'s key on ${name} as ${f}`);
        }
      }
    }
    // The forms really differ: each MIB setting printed its own.
    assert.ok(seen.size >= 5, [...seen].join(' '));
  });

  it('has an SNMPTT event per notification, each a Zabbix trap record (ZBXTRAP and the address)', () => {
    const text = fs.readFileSync(path.join(DIR, SNMPTT_FILE), 'utf8');
    assert.equal(text, snmpttConf(mib));
    const events = [...text.matchAll(/^EVENT (\w+) (\S+) "[^"]+" \w+\nFORMAT (.*)$/gm)];
    assert.deepEqual(
      events.map((e) => `${e[1]} ${e[2]}`).sort(),
      [...mib.notifications].map(([name, n]) => `${name} .${n.oid.join('.')}`).sort(),
    );
    for (const e of events) assert.match(e[3], /^ZBXTRAP \$aA /);
  });
});

// ---------------------------------------------------------------------------------------------
// The real server

interface ApiItem {
  itemid: string;
  key_: string;
  type: string;
  state: string;
  error: string;
  lastvalue: string;
  lastclock: string;
}
interface ApiTrigger {
  triggerid: string;
  description: string;
  value: string;
  state: string;
  error: string;
}
interface ApiHistory {
  itemid: string;
  clock: string;
  value: string;
}

const COMMUNITY = 'public';

/** Polls `pending` (what is still missing, or null when done) until null; fails naming the last. */
async function until(what: string, pending: () => Promise<string | null>, timeoutMs: number): Promise<void> {
  let last = '';
  await waitFor(
    what,
    async () => {
      const r = await pending();
      last = r ?? '';
      return r === null;
    },
    timeoutMs,
    1000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
}

/**
 * Where a Zabbix release comes from: null when it can run here (then `root` gives the Debian root
 * it runs from, null for the host's own packages), or why not.
 */
interface ZabbixSource {
  unavailable(): string | null;
  root(): Promise<string | null>;
}

const ZABBIX_ON_HOST: ZabbixSource = { unavailable: () => zabbixUnavailable(), root: () => Promise.resolve(null) };

const ZABBIX_IN_TRIXIE: ZabbixSource = {
  unavailable: () => zabbixUnavailable(false) ?? debianRootUnavailable(TRIXIE_ZABBIX),
  root: () => debianRoot(TRIXIE_ZABBIX),
};

for (const [v, debian, source] of [
  ['6.0', 'Debian 12', ZABBIX_ON_HOST],
  ['7.0', 'Debian 13', ZABBIX_IN_TRIXIE],
] as const)
  describe(`Zabbix ${v} from ${debian}: the ${v} template on a real server, agent and trap path`, function () {
    this.timeout(300000 * SLACK);
    const { doc, tpl } = readTemplate(v);
    let db: ZabbixDb | undefined;
    let server: ZabbixServer | undefined;
    let web: ZabbixFrontend | undefined;
    let traps: TrapPath | undefined;
    let snmpd: Snmpd | undefined;
    let agent: AgentProc | undefined;
    let node: GaleraNode | undefined;
    let api: ZabbixApi;
    let hostid = '';
    const timings: string[] = [];
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      const r = await fn();
      timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    };

    const items = async (): Promise<ApiItem[]> =>
      api.call<ApiItem[]>('item.get', {
        hostids: hostid,
        output: ['itemid', 'key_', 'type', 'state', 'error', 'lastvalue', 'lastclock'],
      });
    const triggers = async (): Promise<Map<string, ApiTrigger>> =>
      new Map(
        (
          await api.call<ApiTrigger[]>('trigger.get', {
            hostids: hostid,
            output: ['triggerid', 'description', 'value', 'state', 'error'],
          })
        ).map((t) => [t.description, t]),
      );
    const SNMP_AGENT = '20'; // item.type in the API
    /**
     * "Execute now" for every polled item (or those of `keys`): Zabbix's first poll of a 1m (10m)
     * item is up to a delay away.
     */
    const checkNow = async (keys?: string[]): Promise<void> => {
      const polled = (await items()).filter((i) => i.type === SNMP_AGENT && (!keys || keys.includes(i.key_)));
      await api.call(
        'task.create',
        polled.map((i) => ({ type: 6, request: { itemid: i.itemid } })),
      );
    };
    /** The triggers' states (name as in the template -> '0' OK / '1' PROBLEM), once all equal want. */
    const waitTriggers = async (what: string, want: Record<string, '0' | '1'>, timeoutMs = 120000): Promise<void> => {
      await until(
        what,
        async () => {
          const now = await triggers();
          const got = Object.fromEntries(Object.keys(want).map((k) => [k, now.get(k)?.value ?? 'missing']));
          if (JSON.stringify(got) === JSON.stringify(want)) return null;
          const values = (await items()).filter((i) => i.type === SNMP_AGENT).map((i) => `${i.key_}=${i.lastvalue}`);
          return `${JSON.stringify(got)} (want ${JSON.stringify(want)}); items ${values.join(' ')}`;
        },
        timeoutMs,
      );
    };
    const tname = (prefix: string): string => {
      const t = allTriggers(doc).find((x) => x.name.startsWith(prefix));
      if (!t) throw new Error(`the template has no trigger starting '${prefix}'`);
      return t.name;
    };

    before(async function () {
      const why = source.unavailable();
      if (why) {
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      // A first run builds the Debian root (minutes); later runs find it cached.
      this.timeout(1800000);
      let root: string | null;
      try {
        root = await timed('root', () => source.root());
      } catch (err) {
        // No mirror reachable (a CI without network) is the machine's limit, not a failure: say it.
        console.log(`      skipped: ${(err as Error).message.split('\n')[0]}`);
        this.skip();
      }
      db = await timed('database + schema', () => startZabbixDb(root ?? '/'));
      traps = await timed('snmptrapd', () => startTrapPath(path.join(DIR, SNMPTT_FILE), COMMUNITY));
      // In a root the server sees the trap file's dir at /mnt.
      const trapDir = path.dirname(traps.trapFile);
      const trapFile = root ? `/mnt/${path.basename(traps.trapFile)}` : traps.trapFile;
      server = await timed('zabbix_server', () =>
        startZabbixServer(db!, readmeServerLines(trapFile), root, root ? [[trapDir, '/mnt']] : []),
      );
      web = await timed('frontend', () => startFrontend(db!, server!, root));
      api = new ZabbixApi(web.url);
      await api.login();
      assert.ok(api.version.startsWith(`${v}.`), `Zabbix ${api.version}, want ${v}`);
      node = await createNode('zbx1');
      // The agent reads the server as root through its socket (unix_socket auth), polling on.
      const optionFile = path.join(tempDir('gx-zbxcred-'), 'my.cnf');
      fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
      snmpd = await startSnmpd({ trapPort: traps.port });
      agent = startAgent({
        master: snmpd.socket,
        datadir: node.datadir,
        optionFile,
        nodeName: 'zbx1',
        // A tiny short span and a huge desired window: 2.5 s of writes raise the window alarm and 3 s
        // without clear it (as in the cluster test).
        extra: { window: { desiredSeconds: 1000000, shortSpanSeconds: 3, longSpanSeconds: 30 } },
      });
      await waitFor(
        'the agent registered in snmpd',
        async () => /^\d+$/.test((await snmpget(snmpd!.port, ['GALERA-MIB::galeraStatus.0'], ['-Oe']))[0]),
        20000,
        200,
      );
    });

    after(async () => {
      if (timings.length) console.log(`      timings: ${timings.join(', ')}`);
      if (node) await stopServer(node);
      if (server) await stopZabbixServer(server);
      await stopAll([agent?.child, snmpd?.child, web?.child, traps?.child, db?.child]);
      if (agent) await stopAgent(agent);
      if (snmpd) await stopSnmpd(snmpd);
      await cleanupAll();
    });

    it(`imports the ${v} template and links it to a host with an SNMP interface on the node`, async () => {
      const rules = {
        // 7.0 names the template groups apart from the host groups.
        ...(v === '6.0' ? { groups: { createMissing: true } } : { template_groups: { createMissing: true } }),
        templates: { createMissing: true, updateExisting: true },
        items: { createMissing: true, updateExisting: true, deleteMissing: true },
        triggers: { createMissing: true, updateExisting: true, deleteMissing: true },
        graphs: { createMissing: true, updateExisting: true },
        valueMaps: { createMissing: true, updateExisting: true },
      };
      const source = fs.readFileSync(path.join(DIR, templateFile(v)), 'utf8');
      assert.equal(await api.call('configuration.import', { format: 'yaml', source, rules }), true);
      const [t] = await api.call<{ templateid: string; host: string; name: string }[]>('template.get', {
        filter: { host: TEMPLATE },
        output: ['templateid', 'host', 'name'],
      });
      assert.equal(t.name, TEMPLATE_NAME);
      const group = await api.call<{ groupids: string[] }>('hostgroup.create', { name: 'Galera nodes' });
      const created = await api.call<{ hostids: string[] }>('host.create', {
        host: 'zbx1',
        groups: [{ groupid: group.groupids[0] }],
        templates: [{ templateid: t.templateid }],
        interfaces: [
          {
            type: 2,
            main: 1,
            useip: 1,
            ip: '127.0.0.1',
            dns: '',
            port: String(snmpd!.port),
            details: { version: 2, community: COMMUNITY, bulk: 1 },
          },
        ],
        // One node alone is the whole cluster here.
        macros: [{ macro: '{$GALERA.SIZE.MIN}', value: '1' }],
      });
      hostid = created.hostids[0];
      assert.equal((await items()).length, tpl.items.length);
    });

    /** Every polled item supported, and its value what snmpget reads (after the item's preprocessing). */
    const assertItemsMatchSnmpget = async (): Promise<void> => {
      const polled = tpl.items.filter((i) => i.type === 'SNMP_AGENT');
      const rate = (i: ZItem): boolean => !!i.preprocessing?.some((p) => p.type === 'CHANGE_PER_SECOND');
      // A rate needs two values: check now twice, the second after the first values are in. The
      // server can drop a "check now" task (seen: a 10m item still without a value after 6 min), so
      // a wait asks again, every 15 s, for the items still without a value.
      let asked = Date.now();
      const askAgain = async (keys: string[]): Promise<void> => {
        if (!keys.length || Date.now() - asked < 15000) return;
        asked = Date.now();
        await checkNow(keys);
      };
      await checkNow();
      await until(
        'a first value of every polled item',
        async () => {
          const got = new Map((await items()).map((i) => [i.key_, i]));
          const unsupported = [...got.values()].filter((i) => i.state !== '0').map((i) => `${i.key_}: ${i.error}`);
          if (unsupported.length) throw new Error(`unsupported: ${unsupported.join('; ')}`);
          const missing = polled.filter((i) => !rate(i) && present(got.get(i.key), i.key).lastclock === '0');
          await askAgain(missing.map((i) => i.key));
          return missing.length ? `no value yet: ${missing.map((i) => i.key).join(', ')}` : null;
        },
        90000,
      );
      const first = new Map((await items()).map((i) => [i.key_, i]));
      await checkNow();
      asked = Date.now();
      await until(
        'a new value of every polled item, rates included',
        async () => {
          const got = new Map((await items()).map((i) => [i.key_, i]));
          const stale = polled.filter((i) => {
            const g = present(got.get(i.key), i.key);
            return g.lastclock === '0' || (!rate(i) && g.lastclock === first.get(i.key)?.lastclock);
          });
          await askAgain(stale.map((i) => i.key));
          return stale.length ? `no new value yet: ${stale.map((i) => i.key).join(', ')}` : null;
        },
        90000,
      );
      const now = Date.now() / 1000;
      const got = new Map((await items()).map((i) => [i.key_, i]));
      const snmp = await snmpget(
        snmpd!.port,
        polled.map((i) => `.${i.snmp_oid}`),
        ['-Oe'],
      );
      polled.forEach((i, n) => {
        const z = got.get(i.key)!;
        assert.equal(z.state, '0', `${i.key} supported (${z.error})`);
        const raw = snmp[n].replace(/^"(.*)"$/, '$1');
        const mult = i.preprocessing?.find((p) => p.type === 'MULTIPLIER');
        if (i.key === 'galera.data.age') {
          // An age moves between Zabbix's poll and ours: by at most the time since its poll, + 2 s.
          const slack = now - Number(z.lastclock) + 2;
          assert.ok(
            Math.abs(Number(z.lastvalue) - Number(raw) / 1000) <= slack,
            `${i.key}: Zabbix ${z.lastvalue} s, snmpget ${raw} ms (±${slack.toFixed(1)} s)`,
          );
        } else if (i.key === 'galera.disk.free' || i.key === 'galera.disk.free.percent') {
          // The host's filesystem moves with everything else written to it between the two polls.
          const slack = i.key === 'galera.disk.free' ? 4096 : 2;
          assert.ok(
            Number(raw) !== 4294967295 && Math.abs(Number(z.lastvalue) - Number(raw)) <= slack,
            `${i.key}: Zabbix ${z.lastvalue}, snmpget ${raw} (±${slack})`,
          );
        } else if (rate(i)) {
          // Counters that did not move between two polls give a rate of 0; a moving counter any rate
          // up to its whole value per second.
          assert.ok(
            Number(z.lastvalue) >= 0 && Number(z.lastvalue) <= Number(raw),
            `${i.key}: ${z.lastvalue}/s, counter ${raw}`,
          );
        } else if (mult) {
          const want = Number(raw) * Number(mult.parameters[0]);
          assert.ok(
            Math.abs(Number(z.lastvalue) - want) <= Math.abs(want) * 1e-9,
            `${i.key}: Zabbix ${z.lastvalue}, want ${want}`,
          );
        } else if (i.value_type === 'CHAR' || i.value_type === 'TEXT') {
          assert.equal(z.lastvalue, raw, i.key);
        } else {
          assert.equal(Number(z.lastvalue), Number(raw), `${i.key}: Zabbix ${z.lastvalue}, snmpget ${raw}`);
        }
      });
    };

    it("a stopped node: every polled item supported, values equal to snmpget's", async function () {
      if (!hostid) this.skip();
      await timed('stopped node items', assertItemsMatchSnmpget);
      const status = (await items()).find((i) => i.key_ === 'galera.status')!;
      assert.equal(status.lastvalue, String(mib.enumValue('galeraStatus', 'stopped')));
    });

    it('a stopped node: not running, not Primary, not Synced and size below the minimum; fc and window quiet', async function () {
      if (!hostid) this.skip();
      await timed('stopped node triggers', () =>
        waitTriggers('the stopped node’s triggers', {
          [STALE_TRIGGER]: '0',
          [tname('Galera: node is not running')]: '1',
          [tname('Galera: node is not in the Primary')]: '1',
          [tname('Galera: node is not Synced')]: '1',
          [tname('Galera: cluster size below')]: '1',
          [tname('Galera: flow control paused')]: '0',
          [tname('Galera: replication window below')]: '0',
        }),
      );
    });

    it('keeps the data-age trigger quiet over two minutes of idle (stopped node, polling on)', async function () {
      if (!hostid) this.skip();
      const ageItem = (await items()).find((i) => i.key_ === 'galera.data.age')!;
      const t0 = Math.floor(Date.now() / 1000);
      // Polled every 10 s ("execute now") rather than at the template's minute, so that a growing age
      // cannot hide between two polls; the trigger is read at each poll.
      await timed('idle two minutes', async () => {
        for (let n = 1; n <= 12; n++) {
          await checkNow();
          const t = await triggers();
          const idle = Math.round(Date.now() / 1000 - t0);
          assert.equal(t.get(STALE_TRIGGER)?.value, '0', `the stale-data trigger fired after ${idle} s idle`);
          await waitFor(`${n * 10} s of idle`, () => Date.now() / 1000 - t0 >= n * 10, 20000, 500);
        }
      });
      const history = await api.call<ApiHistory[]>('history.get', {
        itemids: ageItem.itemid,
        history: 0, // float
        time_from: t0,
        output: 'extend',
      });
      const ages = history.map((h) => Number(h.value));
      assert.ok(ages.length >= 8, `${ages.length} data-age values in two minutes`);
      const max = Math.max(...ages);
      const events = await api.call<unknown[]>('event.get', {
        hostids: hostid,
        time_from: t0,
        value: 1,
        search: { name: STALE_TRIGGER },
        output: ['eventid', 'name', 'clock'],
      });
      assert.deepEqual(events, [], 'no stale-data problem event while idle');
      // The bound for an idle node (the data-age fix): every age at most 2 s.
      assert.ok(max <= 2, `galeraAgentDataAge up to ${max} s on an idle node (${ages.join(' ')})`);
    });

    it('a Synced node: every item still matches snmpget, and every trigger is OK', async function () {
      if (!hostid) this.skip();
      await timed('bootstrap', async () => {
        startServer(node!, { bootstrap: true });
        await waitSynced(node!, 60000);
      });
      await waitFor(
        'the agent to publish running',
        async () =>
          (await snmpget(snmpd!.port, ['GALERA-MIB::galeraStatus.0'], ['-Oe']))[0] ===
          String(mib.enumValue('galeraStatus', 'running')),
        30000,
        200,
      );
      await timed('synced node items', assertItemsMatchSnmpget);
      const want = Object.fromEntries(allTriggers(doc).map((t) => [t.name, '0' as const]));
      await timed('synced node triggers', () => waitTriggers('every trigger OK on a Synced node', want));
    });

    it('carries one notification of each kind into its trap item through snmptrapd and SNMPTT', async function () {
      if (!hostid || !node?.child) this.skip();
      // From the real agent: status (the bootstrap above), local state (desync), the window alarm and
      // its clear (writes), MySQL lost and regained (a SIGSTOPped server).
      const localState = async (): Promise<string> =>
        (await snmpget(snmpd!.port, ['GALERA-MIB::galeraLocalState.0'], ['-Oe']))[0];
      await sql(node, 'SET GLOBAL wsrep_desync = ON');
      const desynced = String(mib.enumValue('galeraLocalState', 'donorDesynced'));
      await waitFor('the agent to see Donor/Desynced', async () => (await localState()) === desynced, 10000, 100);
      await sql(node, 'SET GLOBAL wsrep_desync = OFF');
      await sql(node, 'CREATE DATABASE IF NOT EXISTS w');
      await sql(node, 'CREATE TABLE IF NOT EXISTS w.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(2000))');
      const writesEnd = Date.now() + 2500;
      while (Date.now() < writesEnd) await sql(node, `INSERT INTO w.t (v) VALUES (REPEAT('x', 2000))`);
      const trapItems = async (): Promise<Map<string, ApiItem>> => {
        const all = await items();
        return new Map(
          [...mib.notifications].map(([name, n]) => [
            name,
            present(
              all.find((i) => i.key_ === `snmptrap["${trapRegexp(name, n.oid)}"]`),
              `the trap item of ${name}`,
            ),
          ]),
        );
      };
      const arrived = async (names: string[]): Promise<string | null> => {
        const got = await trapItems();
        const missing = names.filter((n) => present(got.get(n), n).lastclock === '0');
        return missing.length ? `no value yet for ${missing.join(', ')}` : null;
      };
      await until(
        'the window alarm and its clear in Zabbix',
        () => arrived(['galeraWindowLowAlarm', 'galeraWindowRecovered']),
        60000,
      );
      const pid = serverPid(node);
      assert.ok(pid, 'the server runs');
      process.kill(pid, 'SIGSTOP');
      try {
        await until('galeraMysqlLost in Zabbix', () => arrived(['galeraMysqlLost']), 60000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // The rest no single node sends by itself here (a size or Primary change needs a second node, a
      // promotion a lost majority, a datadir below its mark a restore, galera-init a run): Net-SNMP's snmptrap sends
      // them with the MIB's objects, from the node's address, into the same snmptrapd.
      const VALUE: Record<number, [string, string]> = {
        2: ['i', '1'],
        4: ['s', 'zbx1'],
        65: ['c', '1'],
        66: ['u', '1'],
        70: ['C', '1'],
      };
      // (A split brain needs two Primary components: test/e2e/split-brain.test.ts makes a real one.)
      for (const name of [
        'galeraClusterStatusChanged',
        'galeraClusterSizeChanged',
        'galeraPromotedPrimary',
        'galeraSplitBrain',
        'galeraSplitBrainCleared',
        'galeraDatadirBelowMark',
        // A datadir filling up: test/integration/traps.test.ts has the agent send them from a tmpfs.
        'galeraDiskLowAlarm',
        'galeraDiskRecovered',
        // galera-init's waits and acts, and maintenance: test/integration/traps.test.ts has the agent send them.
        'galeraInitWaiting',
        'galeraInitActed',
        'galeraMaintenanceChanged',
      ]) {
        const n = mib.notifications.get(name)!;
        const vbs = n.objects.map((o): [string, string, string] => {
          const obj = mib.object(o);
          const [t, val] = VALUE[obj.type] ?? ['s', '1'];
          return [`.${obj.oid.join('.')}.0`, t, val];
        });
        sendTrap(traps!.port, COMMUNITY, `.${n.oid.join('.')}`, vbs);
      }
      await timed('every trap item', () =>
        until('a value in every trap item', () => arrived([...mib.notifications.keys()]), 60000),
      );
      // Each value is its own trap: the record SNMPTT wrote, with its event name and numeric OID.
      for (const [name, item] of await trapItems()) {
        const oid = `.${mib.notifications.get(name)!.oid.join('.')}`;
        assert.ok(item.lastvalue.includes(oid) && item.lastvalue.includes(name), `${name}: ${item.lastvalue}`);
      }
      assert.doesNotMatch(server!.log(), /unmatched trap/, 'Zabbix matched every trap it read');
    });
  });
