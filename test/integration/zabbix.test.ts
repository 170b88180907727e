// The shipped Zabbix template against GALERA-MIB: every OID translates through the MIB (with
// net-snmp's own snmptranslate, not our parser), every value map is the MIB's enum, every trap key
// is a MIB notification, every trigger names existing items and macros, and the file is what the
// generator makes from the MIB today.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadMib } from '../../src/snmp/mib';
import { zabbixYaml } from '../../src/integrations/zabbix';
import { ROOT } from '../helpers/proc';

const FILE = path.join(ROOT, 'integrations', 'zabbix', 'galera_agentx_zabbix_7.0.yaml');
const mib = loadMib();

// The parts of Zabbix's 7.0 export format that the tests read.
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
  triggers?: ZTrigger[];
}
interface ZTemplate {
  template: string;
  groups: unknown[];
  items: ZItem[];
  macros: { macro: string }[];
  valuemaps: { name: string; mappings: { value: string; newvalue: string }[] }[];
}
interface ZExport {
  zabbix_export: { version: string; templates: ZTemplate[]; graphs: { graph_items: { item: { key: string } }[] }[] };
}

describe('the Zabbix template', () => {
  const text = fs.readFileSync(FILE, 'utf8');
  const doc = YAML.parse(text) as ZExport;
  const tpl = doc.zabbix_export.templates[0];
  const items = tpl.items;

  it('is what the generator makes from the MIB (not edited by hand, not stale)', () => {
    assert.equal(text, zabbixYaml(mib));
  });

  it('has the 7.0 export shape: groups, template, unique keys and UUIDs', () => {
    assert.equal(doc.zabbix_export.version, '7.0');
    assert.ok(tpl.template && tpl.groups.length && items.length >= 20);
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
    const maps = new Map(tpl.valuemaps.map((v) => [v.name, v.mappings]));
    for (const i of items) {
      if (!i.valuemap) continue;
      const m = maps.get(i.valuemap.name);
      assert.ok(m, `value map ${i.valuemap.name} exists`);
      const object = [...mib.objects.values()].find((o) => `${o.oid.join('.')}.0` === i.snmp_oid)!;
      const want = object.enumValues
        ? Object.entries(object.enumValues)
            .map(([k, v]) => `${v}=${k}`)
            .sort()
        : ['1=true', '2=false'];
      assert.deepEqual(m.map((x) => `${x.value}=${x.newvalue}`).sort(), want, i.key);
    }
  });

  it('has a trap item for every GALERA-MIB notification', () => {
    const traps = items
      .filter((i) => i.type === 'SNMP_TRAP')
      .map((i) => /^snmptrap\["(.+)\\s"\]$/.exec(i.key)![1].replace(/\\\./g, '.'));
    assert.deepEqual(traps.sort(), [...mib.notifications.values()].map((n) => n.oid.join('.')).sort());
  });

  it('builds triggers only on existing items and macros, with the stale-data dependency', () => {
    const keys = new Set(items.map((i) => i.key));
    const macros = new Set(tpl.macros.map((m) => m.macro));
    const triggers = items.flatMap((i) => i.triggers ?? []);
    assert.ok(triggers.length >= 7);
    for (const t of triggers) {
      for (const m of t.expression.matchAll(/\/[^/]+\/([\w.]+)/g)) assert.ok(keys.has(m[1]), `${t.name}: item ${m[1]}`);
      for (const m of t.expression.matchAll(/\{\$[\w.]+\}/g)) assert.ok(macros.has(m[0]), `${t.name}: macro ${m[0]}`);
    }
    const stale = triggers.find((t) => /stale/.test(t.name))!;
    assert.ok(triggers.filter((t) => t !== stale).every((t) => t.dependencies?.[0].name === stale.name));
    for (const g of doc.zabbix_export.graphs) for (const gi of g.graph_items) assert.ok(keys.has(gi.item.key));
  });
});
