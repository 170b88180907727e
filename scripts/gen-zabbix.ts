// Writes the Zabbix templates (one per Zabbix LTS release) and SNMPTT's event file into
// integrations/zabbix/ from the MIB.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMib } from '../src/snmp/mib';
import { SNMPTT_FILE, ZABBIX_VERSIONS, snmpttConf, templateFile, zabbixYaml } from './zabbix-template';

const dir = path.resolve(__dirname, '..', '..', 'integrations', 'zabbix');
const mib = loadMib();
const files: [string, string][] = [
  ...ZABBIX_VERSIONS.map((v): [string, string] => [templateFile(v), zabbixYaml(mib, v)]),
  [SNMPTT_FILE, snmpttConf(mib)],
];
for (const [name, text] of files) {
  fs.writeFileSync(path.join(dir, name), text);
  process.stdout.write(`wrote ${path.join(dir, name)}\n`);
}
