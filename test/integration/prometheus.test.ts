// Prometheus, with the real programs: integrations/prometheus/snmp.yml is what the real
// prometheus-snmp-generator makes from generator.yml and GALERA-MIB; the real
// prometheus-snmp-exporter, loaded with it, scrapes the real agent through a real snmpd and gives
// galeraSeqno as a number and every enum as a state set (on a real one-node MariaDB Galera cluster
// too: wsrep_last_committed, Primary, Synced); promtool checks the alert rules and runs
// their unit tests; a real Prometheus server with the shipped prometheus.yml scrapes through the
// exporter and evaluates the shipped rules on what it scraped, down to the page when a real
// 2-node cluster loses quorum.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { AgentProc, NO_LOCAL_PROCESSES, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, ROOT, SLACK, start, tempDir, waitFor } from '../helpers/proc';
import { requirePrograms } from '../helpers/programs';
import {
  Exporter,
  PROM_DIR,
  PrometheusServer,
  Sample,
  alerts,
  generateSnmpYml,
  scrape,
  startExporter,
  startPrometheus,
  stopExporter,
} from '../helpers/prometheus';
import { Snmpd, snmpget, snmpgetOne, startSnmpd } from '../helpers/snmp';
import {
  GaleraNode,
  createAgentUser,
  createCluster,
  createNode,
  sql,
  startCluster,
  startServer,
  stopServer,
  waitSynced,
  wsrepStatus,
} from '../helpers/galera';

interface SnmpYmlMetric {
  name: string;
  oid: string;
  type: string;
  enum_values?: Record<string, string>;
  regex_extracts?: Record<string, unknown>;
}
const SNMP_YML = path.join(PROM_DIR, 'snmp.yml');
const shipped = (): { walk: string[]; metrics: SnmpYmlMetric[] } =>
  (YAML.parse(fs.readFileSync(SNMP_YML, 'utf8')) as Record<string, { walk: string[]; metrics: SnmpYmlMetric[] }>)
    .galera;

// The readable objects of GALERA-MIB whose syntax is an enumeration (TruthValue included).
function mibEnumObjects(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'mibs', 'GALERA-MIB.txt'), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /^(galera\w+) OBJECT-TYPE\s+SYNTAX\s+(TruthValue|GaleraNodeStatus|INTEGER\s*\{)[\s\S]*?MAX-ACCESS\s+([\w-]+)/gm,
  )) {
    if (m[3] === 'read-only') out.push(m[1]);
  }
  return out;
}

const GALERA_PROGRAMS = {
  'prometheus-snmp-generator': 'prometheus-snmp-exporter',
  'prometheus-snmp-exporter': 'prometheus-snmp-exporter',
};

describe('Prometheus: the shipped generator.yml and snmp.yml', function () {
  this.timeout(30000 * SLACK);
  before(function () {
    requirePrograms(this, { 'prometheus-snmp-generator': 'prometheus-snmp-exporter' });
  });
  after(cleanupAll);

  it('snmp.yml is what the real generator makes from generator.yml and GALERA-MIB today (npm run gen:prometheus)', () => {
    assert.equal(fs.readFileSync(SNMP_YML, 'utf8'), generateSnmpYml());
  });

  it('turns every seqno-like decimal string into a number and every enum (TruthValue too) into a state set', () => {
    const metrics = new Map(shipped().metrics.map((m) => [m.name, m]));
    for (const name of ['galeraSeqno', 'galeraLastCommitted', 'galeraClusterConfId']) {
      assert.deepEqual(
        Object.keys(metrics.get(name)?.regex_extracts ?? {}),
        [''],
        `${name}: one regex_extract, same metric name`,
      );
    }
    const enums = mibEnumObjects();
    assert.ok(enums.length >= 11, `found ${enums.length} enum objects in the MIB`);
    for (const name of enums) assert.equal(metrics.get(name)?.type, 'EnumAsStateSet', name);
  });
});

describe('Prometheus: the real prometheus-snmp-exporter scraping galera-agentx through snmpd', function () {
  this.timeout(60000 * SLACK);
  let master: Snmpd;
  let agent: AgentProc;
  let exporter: Exporter;
  let datadir: string;
  let lockFile: string;
  const uuid = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
  const target = (): string => `127.0.0.1:${master.port}`;
  const writeSeqno = (seqno: string): void =>
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      `# GALERA saved state\nversion: 2.1\nuuid:    ${uuid}\nseqno:   ${seqno}\nsafe_to_bootstrap: 1\n`,
    );
  const sample = (samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  before(async function () {
    requirePrograms(this, GALERA_PROGRAMS);
    master = await startSnmpd();
    const work = tempDir('prom-node-');
    datadir = path.join(work, 'data');
    fs.mkdirSync(datadir);
    lockFile = path.join(work, 'galera-init.lock');
    writeSeqno('123456789012');
    agent = startAgent({
      master: master.socket,
      datadir,
      lockFile,
      nodeName: 'prom-node-1',
      extra: NO_LOCAL_PROCESSES,
    });
    await waitFor(
      'the agent to register',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === '123456789012',
      15000,
      100,
    );
    exporter = await startExporter();
  });

  after(async () => {
    if (agent) await stopAgent(agent);
    if (exporter) await stopExporter(exporter);
    await cleanupAll();
  });

  it('exposes galeraSeqno as a numeric gauge equal to what snmpget returns, over the signed range', async () => {
    // 2^53-1 is the largest seqno a float64 (every Prometheus value) holds exactly.
    for (const seqno of ['123456789012', '-1', '0', '2147483648', '9007199254740991']) {
      writeSeqno(seqno);
      await waitFor(
        `seqno ${seqno} in snmpd`,
        async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === seqno,
        10000,
        100,
      );
      const viaSnmp = await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0');
      const { samples, types } = await scrape(exporter, target());
      const got = sample(samples, 'galeraSeqno');
      assert.equal(got.length, 1, `one galeraSeqno series, got ${JSON.stringify(got)}`);
      assert.deepEqual(got[0].labels, {}, 'a number, not a label on a constant 1');
      assert.equal(got[0].value, Number(viaSnmp));
      assert.equal(BigInt(got[0].value), BigInt(viaSnmp));
      assert.equal(types.get('galeraSeqno'), 'gauge');
    }
  });

  it('exposes galeraLastCommitted and galeraClusterConfId as numbers (-1: no server)', async () => {
    const { samples } = await scrape(exporter, target());
    const [lc, conf] = await snmpget(master.port, [
      'GALERA-MIB::galeraLastCommitted.0',
      'GALERA-MIB::galeraClusterConfId.0',
    ]);
    assert.deepEqual(
      sample(samples, 'galeraLastCommitted').map((s) => [s.labels, s.value]),
      [[{}, Number(lc)]],
    );
    assert.deepEqual(
      sample(samples, 'galeraClusterConfId').map((s) => [s.labels, s.value]),
      [[{}, Number(conf)]],
    );
  });

  it('exposes every enum as a state set: all its states, exactly one at 1, the one snmpget names', async () => {
    const metrics = shipped().metrics.filter((m) => m.type === 'EnumAsStateSet');
    const { samples } = await scrape(exporter, target());
    for (const m of metrics.filter((x) => !x.oid.includes('.1.2.2.1.'))) {
      // scalars; the source table below
      const series = sample(samples, m.name);
      assert.deepEqual(
        series.map((s) => s.labels[m.name]).sort(),
        Object.values(m.enum_values!).sort(),
        `${m.name}: a series per state`,
      );
      const on = series.filter((s) => s.value === 1);
      assert.equal(on.length, 1, `${m.name}: exactly one state at 1`);
      assert.equal(on[0].labels[m.name], await snmpgetOne(master.port, `GALERA-MIB::${m.name}.0`), m.name);
    }
  });

  it('follows a change: galeraStatus locked while a live process holds the lock, stopped after', async () => {
    const on = async (): Promise<string[]> =>
      sample((await scrape(exporter, target())).samples, 'galeraStatus')
        .filter((s) => s.value === 1)
        .map((s) => s.labels.galeraStatus);
    assert.deepEqual(await on(), ['stopped']);
    const holder = start('sleep', ['30']);
    fs.writeFileSync(lockFile, `${holder.pid}\npurpose=galera-init\n`);
    await waitFor('locked in the scrape', async () => (await on()).join() === 'locked', 10000, 100);
    holder.kill('SIGKILL');
    fs.rmSync(lockFile, { force: true });
    await waitFor('stopped in the scrape', async () => (await on()).join() === 'stopped', 10000, 100);
  });

  it('labels the source table by source name, with its state set and age', async () => {
    const { samples } = await scrape(exporter, target());
    const names = sample(samples, 'galeraSourceAge')
      .map((s) => s.labels.galeraSourceName)
      .sort();
    assert.deepEqual(names, [
      'disk',
      'grastate',
      'gvwstate',
      'init',
      'lock',
      'maintenance',
      'mysql',
      'processes',
      'recovery',
      'userdata',
    ]);
    assert.deepEqual(
      sample(samples, 'galeraSourceState', { galeraSourceName: 'grastate', galeraSourceState: 'ok' }).map(
        (s) => s.value,
      ),
      [1],
    );
    assert.equal(
      sample(samples, 'galeraSourceAge', { galeraSourceName: 'grastate' })[0].labels.galeraSourceIndex,
      undefined,
      'the index is replaced by the name',
    );
  });
});

describe('Prometheus: the exporter on a real MariaDB Galera node (one-node cluster)', function () {
  this.timeout(120000 * SLACK);
  let master: Snmpd;
  let node: GaleraNode;
  let agent: AgentProc;
  let exporter: Exporter;

  before(async function () {
    requirePrograms(this, { ...GALERA_PROGRAMS, mariadbd: 'mariadb-server' });
    master = await startSnmpd();
    node = await createNode('prom1');
    startServer(node, { bootstrap: true });
    await waitSynced(node);
    const optionFile = path.join(tempDir('prom-cred-'), 'my.cnf');
    await createAgentUser(node, 'agentx', 'prom-Secret-1', optionFile);
    agent = startAgent({ master: master.socket, datadir: node.datadir, optionFile, nodeName: 'prom1' });
    await waitFor(
      'the live seqno',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqnoSource.0')) === 'live',
      20000,
      100,
    );
    exporter = await startExporter();
  });

  after(async () => {
    if (node) await stopServer(node, 'SIGKILL');
    if (agent) await stopAgent(agent);
    if (exporter) await stopExporter(exporter);
    await cleanupAll();
  });

  it('galeraSeqno is wsrep_last_committed as a number, following writes; Primary, Synced and ready are the states at 1', async () => {
    await sql(node, 'CREATE DATABASE IF NOT EXISTS prom');
    await sql(node, 'CREATE TABLE IF NOT EXISTS prom.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    for (let i = 0; i < 3; i++) await sql(node, 'INSERT INTO prom.t (v) VALUES (1)');
    const live = (await wsrepStatus(node)).wsrep_last_committed;
    await waitFor(
      'the new seqno in snmpd',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === live,
      10000,
      100,
    );
    const { samples } = await scrape(exporter, `127.0.0.1:${master.port}`);
    const value = (name: string): number[] => samples.filter((x) => x.name === name).map((x) => x.value);
    const on = (name: string): string[] =>
      samples.filter((x) => x.name === name && x.value === 1).map((x) => x.labels[name]);
    assert.deepEqual(value('galeraSeqno'), [Number(live)]);
    assert.ok(Number(live) >= 3);
    assert.deepEqual(value('galeraLastCommitted'), [Number(live)]);
    assert.deepEqual(value('galeraClusterConfId'), [Number((await wsrepStatus(node)).wsrep_cluster_conf_id)]);
    assert.deepEqual(on('galeraSeqnoSource'), ['live']);
    assert.deepEqual(on('galeraClusterStatus'), ['primary']);
    assert.deepEqual(on('galeraLocalState'), ['synced']);
    assert.deepEqual(on('galeraReady'), ['true']);
    assert.deepEqual(value('galeraClusterSize'), [1]);
    // The conflict counters and the group communication's state, as the server says them.
    const st = await wsrepStatus(node);
    assert.deepEqual(on('galeraEvsState'), [st.wsrep_evs_state.toLowerCase()]);
    assert.deepEqual(on('galeraEvsState'), ['operational']);
    assert.deepEqual(value('galeraLocalCertFailures'), [Number(st.wsrep_local_cert_failures)]);
    assert.deepEqual(value('galeraLocalBfAborts'), [Number(st.wsrep_local_bf_aborts)]);
    assert.deepEqual(value('galeraEvsDelayedCount'), [0]);
    assert.deepEqual(value('galeraEvsEvictCount'), [0]);
  });
});

describe('Prometheus: the shipped alert rules', function () {
  this.timeout(60000 * SLACK);
  before(function () {
    requirePrograms(this, { promtool: 'prometheus' });
  });

  it('pass promtool check rules, and prometheus.yml (which loads them) passes promtool check config', () => {
    for (const args of [
      ['check', 'rules', 'galera-alerts.yml'],
      ['check', 'config', 'prometheus.yml'],
    ]) {
      const r = spawnSync('promtool', args, { cwd: PROM_DIR, encoding: 'utf8' });
      assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
    }
  });

  it('pass their promtool unit tests (galera-alerts.test.yml): Primary lost, window low, data stale, conflicts, EVS', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'galera-alerts.test.yml'], { cwd: PROM_DIR, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /SUCCESS/);
  });

  it('select only metrics and states that snmp.yml (or the exporter / Prometheus) really produce', () => {
    const metrics = new Map(shipped().metrics.map((m) => [m.name, m]));
    const builtin = new Set(['up', 'snmp_scrape_pdus_returned', 'snmp_scrape_duration_seconds']);
    const doc = YAML.parse(fs.readFileSync(path.join(PROM_DIR, 'galera-alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const rules = doc.groups.flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.alert).sort(), [
      'GaleraAgentDataStale',
      'GaleraBruteForceAborts',
      'GaleraCertificationFailures',
      'GaleraClusterNotPrimary',
      'GaleraDatadirBelowMark',
      'GaleraDiskSpaceLow',
      'GaleraInitRefused',
      'GaleraInitWaiting',
      'GaleraMaintenanceForgotten',
      'GaleraNodesEvicted',
      'GaleraPeersDelayed',
      'GaleraRecoveryStuck',
      'GaleraReplicationWindowLow',
      'GaleraSplitBrain',
    ]);
    const named: string[] = [];
    for (const r of rules) {
      const expr = r.expr.replace(/\b(on|by|ignoring|without)\s*\([^)]*\)/g, ' ');
      // A selector, with its range for rate(): the name, the labels, then a comparison or the end.
      for (const [, name, sel] of expr.matchAll(
        /\b([a-zA-Z_]\w*)\s*(\{[^}]*\})?\s*(?:\[\w+\]\s*)?(?:==|>|<|!=|$|\))/g,
      )) {
        named.push(name);
        assert.ok(metrics.has(name) || builtin.has(name), `${r.alert}: metric ${name}`);
        for (const [, label, , value] of (sel ?? '').matchAll(/(\w+)\s*(=~|=)\s*"([^"]*)"/g)) {
          if (label === 'job') continue;
          const states = Object.values(metrics.get(name)?.enum_values ?? {});
          for (const v of value.split('|'))
            assert.ok(states.includes(v), `${r.alert}: ${name}{${label}="${v}"} is not a state of ${name}`);
        }
      }
    }
    for (const m of [
      'galeraLocalCertFailures',
      'galeraLocalBfAborts',
      'galeraEvsDelayedCount',
      'galeraEvsEvictCount',
      'galeraRecoveryOutcome',
    ])
      assert.ok(named.includes(m), `the selector parser finds ${m} (so a misspelt name would fail above)`);
  });
});

describe('Prometheus: a real Prometheus server with the shipped prometheus.yml and rules', function () {
  this.timeout(90000 * SLACK);
  let master: Snmpd;
  let agent: AgentProc;
  let exporter: Exporter;
  let prom: PrometheusServer;

  before(async function () {
    requirePrograms(this, { ...GALERA_PROGRAMS, prometheus: 'prometheus' });
    master = await startSnmpd();
    const work = tempDir('prom-server-node-');
    fs.mkdirSync(path.join(work, 'data'));
    fs.writeFileSync(
      path.join(work, 'data', 'grastate.dat'),
      'uuid: 9acf4d34-acdb-11e6-bcc3-d3e36276629f\nseqno: 4242\nsafe_to_bootstrap: 0\n',
    );
    agent = startAgent({
      master: master.socket,
      datadir: path.join(work, 'data'),
      nodeName: 'prom-node-2',
      extra: NO_LOCAL_PROCESSES,
    });
    await waitFor(
      'the agent to register',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === '4242',
      15000,
      100,
    );
    exporter = await startExporter();
    prom = await startPrometheus([`127.0.0.1:${master.port}`], exporter);
  });

  after(async () => {
    if (agent) await stopAgent(agent);
    if (exporter) await stopExporter(exporter);
    await cleanupAll();
  });

  it('stores galeraSeqno as the number snmpget returns, under the node as instance, and loads the rules', async () => {
    const result = await waitFor(
      'a galeraSeqno sample',
      async () =>
        (
          (await prom.api('query?query=galeraSeqno')) as {
            result: { metric: Record<string, string>; value: [number, string] }[];
          }
        ).result[0],
      20000,
      250,
    );
    assert.equal(result.value[1], await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0'));
    assert.equal(result.metric.instance, `127.0.0.1:${master.port}`);
    assert.equal(result.metric.job, 'galera');
    const stopped = (await prom.api('query?query=galeraStatus{galeraStatus="stopped"}')) as {
      result: { value: [number, string] }[];
    };
    assert.equal(stopped.result[0].value[1], '1');
    const rules = (
      (await prom.api('rules')) as { groups: { rules: { name: string; health: string }[] }[] }
    ).groups.flatMap((g) => g.rules);
    // Every alert the shipped file defines is loaded, and healthy.
    const shipped = (
      YAML.parse(fs.readFileSync(path.join(PROM_DIR, 'galera-alerts.yml'), 'utf8')) as {
        groups: { rules: { alert: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules.map((r) => r.alert));
    assert.deepEqual(rules.map((r) => r.name).sort(), [...shipped].sort());
    for (const r of rules) assert.equal(r.health, 'ok', r.name);
  });

  it('raises no alert for a healthy agent whose server is down (cluster status unknown is not "not Primary")', async () => {
    await waitFor(
      'a rule evaluation after the first scrapes',
      async () =>
        ((await prom.api('rules')) as { groups: { lastEvaluation: string }[] }).groups[0].lastEvaluation >
        new Date(Date.now() - 500).toISOString(),
      10000,
      250,
    );
    assert.deepEqual(await alerts(prom), []);
  });

  it('GaleraAgentDataStale becomes pending for the node once its agent stops (the walk comes back empty)', async () => {
    await stopAgent(agent);
    const firing = await waitFor(
      'GaleraAgentDataStale',
      async () => {
        const a = await alerts(prom);
        return a.length > 0 ? a : null;
      },
      20000,
      250,
    );
    assert.deepEqual(
      firing!.map((a) => [a.labels.alertname, a.labels.instance, a.state]),
      [['GaleraAgentDataStale', `127.0.0.1:${master.port}`, 'pending']],
    );
  });
});

describe('Prometheus: GaleraClusterNotPrimary on a real 2-node cluster that loses quorum', function () {
  this.timeout(180000 * SLACK);
  let nodes: GaleraNode[] = [];
  let master: Snmpd;
  let agent: AgentProc;
  let exporter: Exporter;
  let prom: PrometheusServer;

  before(async function () {
    requirePrograms(this, { ...GALERA_PROGRAMS, prometheus: 'prometheus', mariadbd: 'mariadb-server' });
    nodes = await createCluster(2, 'pq');
    await startCluster(nodes);
    master = await startSnmpd();
    const optionFile = path.join(tempDir('prom-cred-'), 'my.cnf');
    await createAgentUser(nodes[0], 'agentx', 'prom-Secret-2', optionFile);
    agent = startAgent({ master: master.socket, datadir: nodes[0].datadir, optionFile, nodeName: nodes[0].name });
    exporter = await startExporter();
    prom = await startPrometheus([`127.0.0.1:${master.port}`], exporter);
  });

  after(async () => {
    for (const n of nodes) await stopServer(n, 'SIGKILL');
    if (agent) await stopAgent(agent);
    if (exporter) await stopExporter(exporter);
    await cleanupAll();
  });

  it('no alert while Primary; pending GaleraClusterNotPrimary (critical, nonPrimary) once its peer is killed', async () => {
    const q = async (query: string): Promise<string[]> =>
      (
        (await prom.api(`query?query=${encodeURIComponent(query)}`)) as { result: { value: [number, string] }[] }
      ).result.map((r) => r.value[1]);
    await waitFor(
      'Primary in Prometheus',
      async () => (await q('galeraClusterStatus{galeraClusterStatus="primary"}')).join() === '1',
      30000,
      250,
    );
    assert.deepEqual(await q('galeraClusterSize'), ['2']);
    assert.deepEqual(await alerts(prom), []);
    await stopServer(nodes[1], 'SIGKILL');
    const got = (await waitFor(
      'GaleraClusterNotPrimary',
      async () => (await alerts(prom)).find((a) => a.labels.alertname === 'GaleraClusterNotPrimary'),
      40000,
      250,
    ))!;
    assert.deepEqual(
      [got.labels.instance, got.labels.severity, got.labels.galeraClusterStatus, got.state],
      [`127.0.0.1:${master.port}`, 'critical', 'nonPrimary', 'pending'],
    );
    assert.equal(await snmpgetOne(master.port, 'GALERA-MIB::galeraClusterStatus.0'), 'nonPrimary');
  });
});
