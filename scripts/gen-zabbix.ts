// Writes integrations/zabbix/galera_agentx_zabbix_7.0.yaml from the MIB.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMib } from '../src/snmp/mib';
import { zabbixYaml } from '../src/integrations/zabbix';

const out = path.resolve(__dirname, '..', '..', 'integrations', 'zabbix', 'galera_agentx_zabbix_7.0.yaml');
fs.writeFileSync(out, zabbixYaml(loadMib()));
process.stdout.write(`wrote ${out}\n`);
