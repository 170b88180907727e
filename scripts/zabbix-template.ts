// The Zabbix templates (6.0 and 7.0 LTS export formats) and the SNMPTT event file, generated from
// GALERA-MIB so that OIDs, value maps and trap OIDs are never a second hand-kept copy. A build-time
// tool: it lives with the scripts and is not shipped in dist/src. `npm run gen:zabbix` writes
// integrations/zabbix/; a test checks that the committed files are what this produces.

import { createHash } from 'node:crypto';
import YAML from 'yaml';
import type { Mib } from '../src/snmp/mib';

/** The Zabbix LTS releases Debian ships: 6.0 in Debian 12, 7.0 in Debian 13. */
export const ZABBIX_VERSIONS = ['6.0', '7.0'] as const;
export type ZabbixVersion = (typeof ZABBIX_VERSIONS)[number];
export const templateFile = (v: ZabbixVersion): string => `galera_agentx_zabbix_${v}.yaml`;
export const SNMPTT_FILE = 'snmptt-galera.conf';

/**
 * The technical name: Zabbix refuses a host or template name with parentheses ("invalid host
 * name": letters, digits, spaces, dots, dashes and underscores only); the visible name keeps them.
 */
export const TEMPLATE = 'Galera by SNMP galera-agentx';
export const TEMPLATE_NAME = 'Galera by SNMP (galera-agentx)';
const T = TEMPLATE;

/** A stable UUIDv4-shaped id from a name, so regeneration does not churn the file. */
export function stableUuid(name: string): string {
  const h = createHash('md5').update(`galera-agentx:${name}`).digest('hex').split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16], 16) % 4];
  return h.join('');
}

interface ItemSpec {
  object: string;
  key: string;
  name: string;
  valueType: 'UNSIGNED' | 'FLOAT' | 'TEXT' | 'CHAR';
  units?: string;
  delay?: string;
  valuemap?: string;
  preprocessing?: { type: string; parameters: string[] }[];
  description?: string;
}

const TRUTH = 'SNMPv2-TC::TruthValue';

const ITEMS: ItemSpec[] = [
  {
    object: 'galeraStatus',
    key: 'galera.status',
    name: 'Galera: node status',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraStatus',
  },
  {
    object: 'galeraSeqno',
    key: 'galera.seqno',
    name: 'Galera: seqno',
    valueType: 'CHAR',
    description: 'Signed 64-bit seqno as text; -1 unknown.',
  },
  {
    object: 'galeraSeqnoSource',
    key: 'galera.seqno.source',
    name: 'Galera: seqno source',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraSeqnoSource',
  },
  {
    object: 'galeraAgentDataAge',
    key: 'galera.data.age',
    name: 'Galera: agent data age',
    valueType: 'FLOAT',
    units: 's',
    preprocessing: [{ type: 'MULTIPLIER', parameters: ['0.001'] }],
  },
  {
    object: 'galeraWsrepReachable',
    key: 'galera.wsrep.reachable',
    name: 'Galera: server reachable by the agent',
    valueType: 'UNSIGNED',
    valuemap: TRUTH,
  },
  {
    object: 'galeraClusterStatus',
    key: 'galera.cluster.status',
    name: 'Galera: cluster status',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraClusterStatus',
  },
  { object: 'galeraClusterSize', key: 'galera.cluster.size', name: 'Galera: cluster size', valueType: 'UNSIGNED' },
  {
    object: 'galeraLocalState',
    key: 'galera.local.state',
    name: 'Galera: local state',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraLocalState',
  },
  { object: 'galeraReady', key: 'galera.ready', name: 'Galera: ready', valueType: 'UNSIGNED', valuemap: TRUTH },
  {
    object: 'galeraFlowControlPaused',
    key: 'galera.fc.paused',
    name: 'Galera: flow control paused',
    valueType: 'FLOAT',
    units: '%',
    preprocessing: [{ type: 'MULTIPLIER', parameters: ['0.0001'] }],
  },
  {
    object: 'galeraFlowControlSent',
    key: 'galera.fc.sent',
    name: 'Galera: flow control pauses sent',
    valueType: 'FLOAT',
    units: '/s',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
  },
  {
    object: 'galeraFlowControlRecv',
    key: 'galera.fc.recv',
    name: 'Galera: flow control pauses received',
    valueType: 'FLOAT',
    units: '/s',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
  },
  { object: 'galeraLocalRecvQueue', key: 'galera.recv.queue', name: 'Galera: receive queue', valueType: 'UNSIGNED' },
  { object: 'galeraLocalSendQueue', key: 'galera.send.queue', name: 'Galera: send queue', valueType: 'UNSIGNED' },
  {
    object: 'galeraReceivedBytes',
    key: 'galera.received.bytes',
    name: 'Galera: received write-sets',
    valueType: 'FLOAT',
    units: 'Bps',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
  },
  {
    object: 'galeraReplicatedBytes',
    key: 'galera.replicated.bytes',
    name: 'Galera: replicated write-sets',
    valueType: 'FLOAT',
    units: 'Bps',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
  },
  {
    object: 'galeraGcacheSize',
    key: 'galera.gcache.size',
    name: 'Galera: gcache size',
    valueType: 'UNSIGNED',
    units: 'B',
    delay: '10m',
    preprocessing: [{ type: 'MULTIPLIER', parameters: ['1024'] }],
  },
  {
    object: 'galeraLocalCertFailures',
    key: 'galera.cert.failures',
    name: 'Galera: certification failures',
    valueType: 'FLOAT',
    units: '/s',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
    description: 'Local transactions that lost to a conflicting write-set from another node (a deadlock error).',
  },
  {
    object: 'galeraLocalBfAborts',
    key: 'galera.bf.aborts',
    name: 'Galera: brute-force aborts',
    valueType: 'FLOAT',
    units: '/s',
    preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }],
    description: 'Local transactions aborted by a replicated write-set (a deadlock error).',
  },
  {
    object: 'galeraEvsState',
    key: 'galera.evs.state',
    name: 'Galera: EVS state',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraEvsState',
  },
  {
    object: 'galeraEvsDelayedCount',
    key: 'galera.evs.delayed',
    name: 'Galera: delayed peers',
    valueType: 'UNSIGNED',
  },
  {
    object: 'galeraEvsDelayed',
    key: 'galera.evs.delayed.list',
    name: 'Galera: delayed peers (uuid:address:count)',
    valueType: 'CHAR',
  },
  {
    object: 'galeraEvsEvictCount',
    key: 'galera.evs.evicted',
    name: 'Galera: evicted nodes',
    valueType: 'UNSIGNED',
  },
  {
    object: 'galeraEvsEvictList',
    key: 'galera.evs.evict.list',
    name: 'Galera: evicted node UUIDs',
    valueType: 'CHAR',
  },
  {
    object: 'galeraWriteRateShort',
    key: 'galera.write.rate',
    name: 'Galera: write rate (1 min)',
    valueType: 'UNSIGNED',
    units: 'Bps',
  },
  {
    object: 'galeraWindowShort',
    key: 'galera.window.short',
    name: 'Galera: replication window (1 min rate)',
    valueType: 'UNSIGNED',
    units: 's',
    description: '4294967295 = unbounded (no writes) or unknown.',
  },
  {
    object: 'galeraWatchState',
    key: 'galera.watch.state',
    name: 'Galera: split-brain watch',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraWatchState',
    description: 'split: two Primary components at once; incomplete: a member agent does not answer.',
  },
  {
    object: 'galeraWatchFenced',
    key: 'galera.watch.fenced',
    name: 'Galera: fenced by the split-brain watch',
    valueType: 'UNSIGNED',
    valuemap: TRUTH,
  },
  {
    object: 'galeraWatchSides',
    key: 'galera.watch.sides',
    name: 'Galera: split-brain sides',
    valueType: 'TEXT',
    description: 'Each Primary component during a split: members (size, seqno, conf, uuid).',
  },
  {
    object: 'galeraWindowLong',
    key: 'galera.window.long',
    name: 'Galera: replication window (1 h rate)',
    valueType: 'UNSIGNED',
    units: 's',
  },
  {
    object: 'galeraMarkDatadirBelow',
    key: 'galera.mark.datadir.below',
    name: 'Galera: datadir below its high-water mark',
    valueType: 'UNSIGNED',
    valuemap: TRUTH,
    description: 'true: the datadir was restored from an older copy or replaced (galera-check mark says by how much).',
  },
  {
    object: 'galeraMarkReason',
    key: 'galera.mark.reason',
    name: 'Galera: high-water mark reason',
    valueType: 'TEXT',
    delay: '5m',
  },
  {
    object: 'galeraMarkCommitted',
    key: 'galera.mark.committed',
    name: 'Galera: high-water mark',
    valueType: 'CHAR',
    delay: '5m',
    description: 'The highest seqno this node committed while Synced in a Primary component; -1 without a mark.',
  },
  {
    object: 'galeraInitDecision',
    key: 'galera.init.decision',
    name: 'Galera: galera-init decision',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraInitDecision',
    description: "galera-init's current decision while it runs (galera.init.pid is not 0), else its last.",
  },
  {
    object: 'galeraInitReason',
    key: 'galera.init.reason',
    name: 'Galera: galera-init reason',
    valueType: 'TEXT',
  },
  {
    object: 'galeraInitAdvice',
    key: 'galera.init.advice',
    name: 'Galera: galera-init advice',
    valueType: 'TEXT',
    description: 'What ends the wait or the refusal.',
  },
  {
    object: 'galeraInitWaitingFor',
    key: 'galera.init.waiting.for',
    name: 'Galera: galera-init waits for',
    valueType: 'CHAR',
  },
  {
    object: 'galeraInitDecisionAge',
    key: 'galera.init.decision.age',
    name: 'Galera: galera-init decision age',
    valueType: 'UNSIGNED',
    units: 's',
    description: 'For a wait: how long galera-init has been waiting.',
  },
  {
    object: 'galeraInitPid',
    key: 'galera.init.pid',
    name: 'Galera: galera-init PID',
    valueType: 'UNSIGNED',
    description: '0 when no galera-init runs.',
  },
  {
    object: 'galeraMaintenance',
    key: 'galera.maintenance',
    name: 'Galera: maintenance mode',
    valueType: 'UNSIGNED',
    valuemap: TRUTH,
  },
  {
    object: 'galeraRole',
    key: 'galera.role',
    name: 'Galera: role',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraRole',
    description: 'data: a database server; arbitrator: garbd, which votes in the quorum and holds no data.',
  },
  {
    object: 'galeraMaintenanceReason',
    key: 'galera.maintenance.reason',
    name: 'Galera: maintenance reason',
    valueType: 'CHAR',
  },
  {
    object: 'galeraRecoveryOutcome',
    key: 'galera.recovery.outcome',
    name: 'Galera: last --wsrep-recover outcome',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraRecoveryOutcome',
    description:
      'prepared or timedOut: the seqno stays unknown until resolved (the recovery row of the source table says why).',
  },
  {
    object: 'galeraRecoveryPrepared',
    key: 'galera.recovery.prepared',
    name: 'Galera: prepared transactions stopping the recovery',
    valueType: 'UNSIGNED',
  },
  {
    object: 'galeraRecoveryDuration',
    key: 'galera.recovery.duration',
    name: 'Galera: last --wsrep-recover duration',
    valueType: 'UNSIGNED',
    units: 'ms',
    description: 'Compare with recovery.timeoutMs (600000 by default).',
  },
  {
    object: 'galeraDiskFree',
    key: 'galera.disk.free',
    name: 'Galera: datadir filesystem free (MiB)',
    valueType: 'UNSIGNED',
    units: 'MiB',
    description: 'What the server may still write on the datadir filesystem; 4294967295: unknown.',
  },
  {
    object: 'galeraDiskFreePercent',
    key: 'galera.disk.free.percent',
    name: 'Galera: datadir filesystem free',
    valueType: 'UNSIGNED',
    units: '%',
  },
  {
    object: 'galeraDiskSpaceLow',
    key: 'galera.disk.low',
    name: 'Galera: datadir filesystem below disk.lowFreePercent',
    valueType: 'UNSIGNED',
    valuemap: 'GALERA-MIB::galeraDiskSpaceLow',
  },
];

const TRAPS: [string, string][] = [
  ['galeraStatusChanged', 'Galera trap: status changed'],
  ['galeraLocalStateChanged', 'Galera trap: local state changed'],
  ['galeraClusterStatusChanged', 'Galera trap: cluster status changed'],
  ['galeraClusterSizeChanged', 'Galera trap: cluster size changed'],
  ['galeraWindowLowAlarm', 'Galera trap: replication window low'],
  ['galeraWindowRecovered', 'Galera trap: replication window recovered'],
  ['galeraMysqlLost', 'Galera trap: agent lost MySQL'],
  ['galeraMysqlRegained', 'Galera trap: agent regained MySQL'],
  ['galeraPromotedPrimary', 'Galera trap: agent made its non-Primary survivor Primary'],
  ['galeraInitWaiting', 'Galera trap: galera-init waits (reason and advice)'],
  ['galeraInitActed', 'Galera trap: galera-init bootstrapped, joined or refused'],
  ['galeraMaintenanceChanged', 'Galera trap: maintenance mode turned on or off'],
  ['galeraSplitBrain', 'Galera trap: split brain'],
  ['galeraSplitBrainCleared', 'Galera trap: split brain cleared'],
  ['galeraDatadirBelowMark', 'Galera trap: datadir below its high-water mark'],
  ['galeraDiskLowAlarm', 'Galera trap: datadir filesystem low on space'],
  ['galeraDiskRecovered', 'Galera trap: datadir filesystem space recovered'],
];

const escapeDots = (arcs: readonly number[]): string => arcs.join('\\.');

/**
 * The regexp of a notification's snmptrap[] key. snmptrapd hands a trap OID to its handler in the
 * form its MIBs allow, and Zabbix matches the key against that text: `GALERA-MIB::name` with
 * GALERA-MIB loaded, `iso.3.6.1.4.1...` with no MIBs (Debian's default: the IETF MIBs are non-free
 * there), `.1.3.6.1.4.1...` with -On or from SNMPTT's `$o`, `SNMPv2-SMI::enterprises...` or
 * `NET-SNMP-MIB::netSnmpPlaypen...` with only those loaded. One key matches all of them, so the
 * NMS keeps its own output options (`-On` would change every other trap's text on a shared NMS).
 * `(?![.\d])` keeps .0.1 from matching .0.10.
 */
export function trapRegexp(name: string, oid: readonly number[]): string {
  const under = (prefix: string): readonly number[] | null =>
    oid.join('.').startsWith(`${prefix}.`) ? oid.slice(prefix.split('.').length) : null;
  const below = under('1.3.6.1.4.1');
  if (!below) throw new Error(`${name} (${oid.join('.')}) is not under enterprises: trapRegexp needs a rule for it`);
  const numeric = [`(?:\\b(?:iso|1)\\.3\\.6\\.1\\.4\\.1|\\benterprises)\\.${escapeDots(below)}(?![.\\d])`];
  const playpen = under('1.3.6.1.4.1.8072.9999.9999');
  if (playpen) numeric.push(`\\bnetSnmpPlaypen\\.${escapeDots(playpen)}(?![.\\d])`);
  return `(?:GALERA-MIB::${name}\\b|${numeric.join('|')})`;
}

/** The snmptrap[] item key of a notification (Zabbix keys take any text but a double quote). */
export const trapKey = (name: string, oid: readonly number[]): string => `snmptrap["${trapRegexp(name, oid)}"]`;

/** The stale-data trigger: the one the others depend on. */
export const STALE_TRIGGER = 'Galera: agent data is stale';

/** The template in the export format of Zabbix `version` (6.0 and 7.0 differ in the envelope only). */
export function zabbixTemplate(mib: Mib, version: ZabbixVersion): Record<string, unknown> {
  const e = (key: string): string => `last(/${T}/${key})`;
  // Two items: Zabbix exports a trigger over more than one item at the top level, not under an item.
  const STALE = {
    name: STALE_TRIGGER,
    expression: `${e('galera.data.age')}>{$GALERA.DATA.AGE.MAX} or nodata(/${T}/galera.status,5m)=1`,
  };
  // Over three items: a top-level trigger, like the stale one.
  const INIT_WAIT = {
    name: 'Galera: galera-init has been waiting for over {$GALERA.INIT.WAIT.MAX}s',
    expression: `${e('galera.init.decision')}=${mib.enumValue('galeraInitDecision', 'wait')} and ${e('galera.init.pid')}>0 and ${e('galera.init.decision.age')}>{$GALERA.INIT.WAIT.MAX}`,
  };
  const triggers: Partial<
    Record<
      string,
      { name: string; expression: string; priority: string; description: string; dependsOnStale?: boolean }[]
    >
  > = {
    'galera.status': [
      {
        name: 'Galera: node is not running',
        expression: `${e('galera.status')}<>${mib.enumValue('galeraStatus', 'running')}`,
        priority: 'AVERAGE',
        description: 'bootstrapping, initiating, locked or stopped.',
        dependsOnStale: true,
      },
    ],
    'galera.cluster.status': [
      {
        name: 'Galera: node is not in the Primary component',
        expression: `${e('galera.cluster.status')}<>${mib.enumValue('galeraClusterStatus', 'primary')}`,
        priority: 'HIGH',
        description: 'It refuses queries (ER 1047). Page.',
        dependsOnStale: true,
      },
    ],
    'galera.local.state': [
      {
        name: 'Galera: node is not Synced',
        expression: `${e('galera.local.state')}<>${mib.enumValue('galeraLocalState', 'synced')}`,
        priority: 'WARNING',
        description: 'Donor/Desynced, Joining or Joined.',
        dependsOnStale: true,
      },
    ],
    'galera.cluster.size': [
      {
        name: 'Galera: cluster size below {$GALERA.SIZE.MIN}',
        expression: `${e('galera.cluster.size')}<{$GALERA.SIZE.MIN}`,
        priority: 'AVERAGE',
        description: 'A node left the component.',
        dependsOnStale: true,
      },
    ],
    'galera.fc.paused': [
      {
        name: 'Galera: flow control paused above {$GALERA.FC.MAX}%',
        expression: `min(/${T}/galera.fc.paused,5m)>{$GALERA.FC.MAX}`,
        priority: 'WARNING',
        description: 'Replication is throttled by the slowest node.',
        dependsOnStale: true,
      },
    ],
    'galera.watch.state': [
      {
        name: 'Galera: split brain (two Primary components)',
        expression: `${e('galera.watch.state')}=${mib.enumValue('galeraWatchState', 'split')}`,
        priority: 'DISASTER',
        description:
          'Both components take writes the other never sees. See galera.watch.sides; the smaller side is fenced.',
        dependsOnStale: true,
      },
    ],
    'galera.watch.fenced': [
      {
        name: 'Galera: node fenced by the split-brain watch',
        expression: `${e('galera.watch.fenced')}=1`,
        priority: 'HIGH',
        description: 'This node is on the side that must not take traffic (HTTP 503): stop it and let it rejoin.',
        dependsOnStale: true,
      },
    ],
    'galera.disk.low': [
      {
        name: 'Galera: datadir filesystem below disk.lowFreePercent',
        expression: `${e('galera.disk.low')}=${mib.enumValue('galeraDiskSpaceLow', 'true')}`,
        priority: 'WARNING',
        description:
          'A full datadir stops every write and can crash-loop the server (Out of disk space in a rollback). The members hold the same data: check them all.',
        dependsOnStale: true,
      },
    ],
    'galera.mark.datadir.below': [
      {
        name: 'Galera: restored or replaced datadir (below its high-water mark)',
        expression: `${e('galera.mark.datadir.below')}=1`,
        priority: 'HIGH',
        description:
          'The newest transactions are only on the nodes that had them; galera-init will not bootstrap below the mark without --force.',
        dependsOnStale: true,
      },
    ],
    'galera.recovery.outcome': [
      {
        name: 'Galera: the recovery is stuck (prepared transactions, or its timeout)',
        expression: `${e('galera.recovery.outcome')}=${mib.enumValue('galeraRecoveryOutcome', 'prepared')} or ${e('galera.recovery.outcome')}=${mib.enumValue('galeraRecoveryOutcome', 'timedOut')}`,
        priority: 'AVERAGE',
        description:
          'The seqno stays unknown and neither galera-init nor the server starts here until it is resolved: recovery.heuristicRollback (prepared transactions, to join a running cluster) or a larger recovery.timeoutMs.',
        dependsOnStale: true,
      },
    ],
    'galera.cert.failures': [
      {
        name: 'Galera: certification failures above {$GALERA.CONFLICTS.MAX}/s',
        expression: `min(/${T}/galera.cert.failures,5m)>{$GALERA.CONFLICTS.MAX}`,
        priority: 'WARNING',
        description: 'Clients get deadlock errors: the same rows are written on several nodes. Send them to one node.',
        dependsOnStale: true,
      },
    ],
    'galera.bf.aborts': [
      {
        name: 'Galera: brute-force aborts above {$GALERA.CONFLICTS.MAX}/s',
        expression: `min(/${T}/galera.bf.aborts,5m)>{$GALERA.CONFLICTS.MAX}`,
        priority: 'WARNING',
        description: 'Clients get deadlock errors: the same rows are written on several nodes. Send them to one node.',
        dependsOnStale: true,
      },
    ],
    'galera.evs.state': [
      {
        // unknown (the server cannot be asked) is the other triggers' business.
        name: 'Galera: group communication not operational',
        expression: `min(/${T}/galera.evs.state,3m)>${mib.enumValue('galeraEvsState', 'operational')} and ${e('galera.evs.state')}<>${mib.enumValue('galeraEvsState', 'unknown')}`,
        priority: 'WARNING',
        description: 'A membership change that does not end: the node cannot agree on a membership with its peers.',
        dependsOnStale: true,
      },
    ],
    'galera.evs.delayed': [
      {
        name: 'Galera: delayed peers',
        expression: `min(/${T}/galera.evs.delayed,5m)>0`,
        priority: 'WARNING',
        description: 'Peers late to answer (see the delayed-peers list): a slow or lossy network.',
        dependsOnStale: true,
      },
    ],
    'galera.evs.evicted': [
      {
        name: 'Galera: evicted nodes',
        expression: `${e('galera.evs.evicted')}>0`,
        priority: 'WARNING',
        description: 'Nodes evicted by evs.auto_evict cannot rejoin until they are restarted.',
        dependsOnStale: true,
      },
    ],
    'galera.init.decision': [
      {
        name: 'Galera: galera-init refused to start the server',
        expression: `${e('galera.init.decision')}=${mib.enumValue('galeraInitDecision', 'refuse')}`,
        priority: 'HIGH',
        description: 'The node stays down until someone acts: see galera.init.reason and galera.init.advice.',
        dependsOnStale: true,
      },
    ],
    'galera.window.short': [
      {
        name: 'Galera: replication window below {$GALERA.WINDOW.MIN}',
        expression: `${e('galera.window.short')}<{$GALERA.WINDOW.MIN}`,
        priority: 'WARNING',
        description: 'A node away longer than this needs a full SST: grow gcache.size.',
        dependsOnStale: true,
      },
    ],
  };
  const items = ITEMS.map((it) => {
    const obj = mib.object(it.object);
    const item: Record<string, unknown> = {
      uuid: stableUuid(it.key),
      name: it.name,
      type: 'SNMP_AGENT',
      snmp_oid: `${obj.oid.join('.')}.0`,
      key: it.key,
      delay: it.delay ?? '1m',
      history: '7d',
      value_type: it.valueType,
    };
    if (it.valueType === 'TEXT' || it.valueType === 'CHAR') item.trends = '0';
    if (it.units) item.units = it.units;
    if (it.description) item.description = it.description;
    if (it.valuemap) item.valuemap = { name: it.valuemap };
    if (it.preprocessing) item.preprocessing = it.preprocessing;
    item.tags = [{ tag: 'component', value: 'galera' }];
    const trs = triggers[it.key];
    if (trs) {
      item.triggers = trs.map((t) => {
        const out: Record<string, unknown> = {
          uuid: stableUuid(t.name),
          expression: t.expression,
          name: t.name,
          priority: t.priority,
          description: t.description,
        };
        if (t.dependsOnStale) out.dependencies = [{ name: STALE.name, expression: STALE.expression }];
        out.tags = [{ tag: 'scope', value: 'availability' }];
        return out;
      });
    }
    return item;
  });
  for (const [name, label] of TRAPS) {
    const n = mib.notifications.get(name);
    if (!n) throw new Error(`GALERA-MIB has no ${name}`);
    items.push({
      uuid: stableUuid(name),
      name: label,
      type: 'SNMP_TRAP',
      key: trapKey(name, n.oid),
      delay: '0',
      history: '30d',
      trends: '0',
      value_type: 'LOG',
      description: `GALERA-MIB::${name}`,
      tags: [{ tag: 'component', value: 'galera-trap' }],
    });
  }
  const enumMap = (obj: string): { value: string; newvalue: string }[] =>
    Object.entries(mib.object(obj).enumValues ?? {})
      .sort((a, b) => a[1] - b[1])
      .map(([label, v]) => ({ value: String(v), newvalue: label }));
  const valuemaps = [
    'galeraStatus',
    'galeraSeqnoSource',
    'galeraClusterStatus',
    'galeraLocalState',
    'galeraWatchState',
    'galeraEvsState',
    'galeraInitDecision',
    'galeraRole',
    'galeraRecoveryOutcome',
    'galeraDiskSpaceLow',
  ].map((o) => ({
    uuid: stableUuid(`vm:${o}`),
    name: `GALERA-MIB::${o}`,
    mappings: enumMap(o),
  }));
  valuemaps.push({
    uuid: stableUuid('vm:truth'),
    name: TRUTH,
    mappings: [
      { value: '1', newvalue: 'true' },
      { value: '2', newvalue: 'false' },
    ],
  });
  const group = [{ uuid: stableUuid('group'), name: 'Templates/Databases' }];
  return {
    zabbix_export: {
      version,
      // Template groups came in 6.2 and the vendor field in 6.4: 6.0 refuses both.
      ...(version === '6.0' ? { groups: group } : { template_groups: group }),
      templates: [
        {
          uuid: stableUuid('template'),
          template: T,
          name: TEMPLATE_NAME,
          description:
            'Galera node health from galera-agentx (GALERA-MIB) by SNMP polling and SNMP traps. Generated from the MIB: do not edit by hand.',
          ...(version === '6.0' ? {} : { vendor: { name: 'galera-agentx', version: `${version}-0` } }),
          groups: [{ name: 'Templates/Databases' }],
          items,
          tags: [
            { tag: 'class', value: 'database' },
            { tag: 'target', value: 'galera' },
          ],
          macros: [
            { macro: '{$GALERA.SIZE.MIN}', value: '3', description: 'Expected cluster size.' },
            { macro: '{$GALERA.FC.MAX}', value: '10', description: 'Flow control paused, percent.' },
            { macro: '{$GALERA.WINDOW.MIN}', value: '3600', description: 'Desired replication window, seconds.' },
            { macro: '{$GALERA.INIT.WAIT.MAX}', value: '300', description: 'galera-init wait that warns, seconds.' },
            {
              macro: '{$GALERA.CONFLICTS.MAX}',
              value: '0.1',
              description: 'Certification failures or brute-force aborts per second, over 5 minutes.',
            },
            {
              macro: '{$GALERA.DATA.AGE.MAX}',
              // The freshness rule (docs/architecture.md): an idle agent's data is at most ~2 s
              // old (a 1 s backstop); 5 s is two missed confirmations plus a query timeout, as in
              // the Nagios, Icinga and Prometheus files.
              value: '5',
              description: 'Seconds after which the agent data is stale (an idle agent stays under 2).',
            },
          ],
          valuemaps,
        },
      ],
      triggers: [
        {
          uuid: stableUuid(STALE.name),
          ...STALE,
          priority: 'HIGH',
          description:
            'The agent answers from old facts, or does not answer: the other Galera triggers cannot be trusted.',
          tags: [{ tag: 'scope', value: 'availability' }],
        },
        {
          uuid: stableUuid(INIT_WAIT.name),
          ...INIT_WAIT,
          priority: 'WARNING',
          description: 'galera.init.reason says for what, galera.init.advice what ends the wait.',
          // Old facts say nothing about a wait: quiet while the agent's data is stale, as the others.
          dependencies: [{ name: STALE.name, expression: STALE.expression }],
          tags: [{ tag: 'scope', value: 'availability' }],
        },
      ],
      graphs: [
        {
          uuid: stableUuid('g:queues'),
          name: 'Galera: queues',
          graph_items: [
            { color: '1A7C11', item: { host: T, key: 'galera.recv.queue' } },
            { sortorder: '1', color: 'F63100', item: { host: T, key: 'galera.send.queue' } },
          ],
        },
        {
          uuid: stableUuid('g:rates'),
          name: 'Galera: write-set rates',
          graph_items: [
            { color: '1A7C11', item: { host: T, key: 'galera.received.bytes' } },
            { sortorder: '1', color: '2774A4', item: { host: T, key: 'galera.replicated.bytes' } },
          ],
        },
        {
          uuid: stableUuid('g:window'),
          name: 'Galera: replication window',
          graph_items: [
            { color: 'A54F10', item: { host: T, key: 'galera.window.short' } },
            { sortorder: '1', color: 'FC6EA3', item: { host: T, key: 'galera.window.long' } },
          ],
        },
      ],
    },
  };
}

/** The template file's text for Zabbix `version`. */
export const zabbixYaml = (mib: Mib, version: ZabbixVersion): string =>
  `# Generated from mibs/GALERA-MIB.txt by \`npm run gen:zabbix\` for Zabbix ${version}: edit scripts/zabbix-template.ts instead.\n${YAML.stringify(zabbixTemplate(mib, version), { lineWidth: 0 })}`;

/**
 * SNMPTT's event file for GALERA-MIB, the receiver that hands traps to Zabbix on Debian (the
 * `snmptt` package; Zabbix's own zabbix_trap_receiver.pl is not in Debian's binary packages). One
 * EVENT per notification; `ZBXTRAP $aA` is the record header Zabbix's SNMP trapper looks for, with
 * the sender's address it matches against the hosts' SNMP interfaces. SNMPTT's log line puts the
 * numeric trap OID before it, which is what the template's trap keys match.
 */
export function snmpttConf(mib: Mib): string {
  const lines = [
    '# Generated from mibs/GALERA-MIB.txt by `npm run gen:zabbix`: edit scripts/zabbix-template.ts instead.',
    '# SNMPTT events for GALERA-MIB, written for Zabbix (snmptt_conf_files in snmptt.ini).',
  ];
  for (const [name, label] of TRAPS) {
    const n = mib.notifications.get(name);
    if (!n) throw new Error(`GALERA-MIB has no ${name}`);
    lines.push(
      `EVENT ${name} .${n.oid.join('.')} "Status Events" Normal`,
      `FORMAT ZBXTRAP $aA ${name} $*`,
      'SDESC',
      `${label.replace(/^Galera trap: /, '')}: ${n.objects.join(', ')}.`,
      'EDESC',
    );
  }
  return `${lines.join('\n')}\n`;
}
