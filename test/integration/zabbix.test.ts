// The shipped Zabbix templates and SNMPTT event file against GALERA-MIB (net-snmp's own
// snmptranslate, not our parser).

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
import { ROOT, tempDir } from '../helpers/proc';

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
        // Over two items: exported at the top level, as Zabbix itself exports such a trigger.
        assert.deepEqual(
          doc.zabbix_export.triggers.map((t) => t.name),
          [STALE_TRIGGER],
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
