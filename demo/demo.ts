// The local demo: a private snmpd master, a real MariaDB Galera node, galera-agentx, and what
// snmpget and galera-check report as the node is bootstrapped, written to, killed and recovered.
// Everything runs on loopback in temp dirs and is torn down at the end or on Ctrl-C.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { agentConfig, startAgent, stopAgent, AgentProc } from '../test/helpers/agent';
import { ROOT, cleanupAll, tempDir, waitFor } from '../test/helpers/proc';
import { MIB_DIRS, snmpTool, snmpgetOne, startSnmpd } from '../test/helpers/snmp';
import { createAgentUser, createNode, recoveryCommand, sql, startServer, stopServer, waitSynced } from '../test/helpers/galera';

const pexec = promisify(execFile);
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string): void => { process.stdout.write(`\n${bold(`== ${s}`)}\n`); };

async function main(): Promise<void> {
  let agent: AgentProc | null = null;
  const teardown = async (): Promise<void> => {
    if (agent) await stopAgent(agent);
    await cleanupAll();
  };
  process.on('SIGINT', () => { void teardown().then(() => process.exit(130)); });
  try {
    say('Starting a private snmpd (AgentX master) on loopback');
    const master = await startSnmpd();
    process.stdout.write(`snmpd: udp 127.0.0.1:${master.port}, AgentX socket ${master.socket}\n`);

    say('Creating a MariaDB + Galera node in a temp datadir (runs as --user=mysql)');
    const node = await createNode('demo1');
    const optionFile = path.join(tempDir('gx-demo-'), 'my.cnf');
    agent = startAgent({ master: master.socket, datadir: node.datadir, optionFile, recoveryCommand: recoveryCommand(node), nodeName: 'demo1', extra: { log: { level: 'info' } } });
    const cfgDir = tempDir('gx-demo-cfg-');
    const cfgFile = path.join(cfgDir, 'config.yaml');
    fs.writeFileSync(cfgFile, YAML.stringify(agentConfig({ master: master.socket, datadir: node.datadir, optionFile, recoveryCommand: recoveryCommand(node) }, cfgDir)));

    const get = (name: string): Promise<string> => snmpgetOne(master.port, `GALERA-MIB::${name}.0`);
    await waitFor('the agent to register', async () => (await get('galeraStatus')) === 'stopped', 15000, 100);

    const show = async (): Promise<void> => {
      const cmd = ['snmpget', '-v2c', '-c', 'public', `127.0.0.1:${master.port}`, 'GALERA-MIB::galeraStatus.0', 'GALERA-MIB::galeraSeqno.0', 'GALERA-MIB::galeraSeqnoSource.0', 'GALERA-MIB::galeraStatusReason.0'];
      process.stdout.write(`$ MIBDIRS=mibs:mibs/ietf MIBS=GALERA-MIB ${cmd.join(' ')}\n`);
      process.stdout.write(`${(await snmpTool(cmd[0], cmd.slice(1))).trimEnd().replace(/^/gm, '  ')}\n`);
      const check = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
      for (const what of ['status', 'seqno']) {
        const out = (await pexec(process.execPath, [check, '--config', cfgFile, what])).stdout.trim();
        process.stdout.write(`$ galera-check ${what}\n  ${out}\n`);
      }
    };

    say('1. The node is down and has never run');
    await show();

    say('2. Bootstrapping a new cluster: mariadbd --wsrep-new-cluster');
    startServer(node, { bootstrap: true });
    const seen = new Set<string>();
    await waitFor('running', async () => { const s = await get('galeraStatus'); seen.add(`${s} (${await get('galeraStatusReason')})`); return s === 'running'; }, 30000, 20).catch(() => undefined);
    await waitSynced(node);
    await createAgentUser(node, 'agentx', 'demo-password', optionFile);
    await waitFor('running', async () => (await get('galeraStatus')) === 'running', 15000, 100);
    process.stdout.write(`statuses seen while it came up: ${[...seen].join(' -> ')}\n`);
    await show();

    say('3. Writing 100 rows: the live seqno follows wsrep_last_committed');
    await sql(node, 'CREATE DATABASE demo');
    await sql(node, 'CREATE TABLE demo.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    for (let i = 0; i < 100; i++) await sql(node, `INSERT INTO demo.t (v) VALUES (${i})`);
    await new Promise((r) => setTimeout(r, 800));
    await show();

    say('4. kill -9 of the server: grastate.dat says seqno -1, the agent runs --wsrep-recover under the lock');
    await stopServer(node, 'SIGKILL');
    process.stdout.write(`grastate.dat now:\n${fs.readFileSync(path.join(node.datadir, 'grastate.dat'), 'utf8').replace(/^/gm, '  ')}`);
    await waitFor('the recovered seqno', async () => (await get('galeraSeqnoSource')) === 'recovered', 30000, 100);
    await waitFor('stopped', async () => (await get('galeraStatus')) === 'stopped', 5000, 50);
    await show();

    say('5. The whole MIB, as an NMS walks it');
    process.stdout.write((await snmpTool('snmpwalk', ['-v2c', '-c', 'public', `127.0.0.1:${master.port}`, 'GALERA-MIB::galeraMIB'])).replace(/^/gm, '  '));
    process.stdout.write(`\n(MIB path for your own snmpget: ${MIB_DIRS})\n`);
    say('Done: tearing everything down');
  } finally {
    await teardown();
  }
}

main().catch((err) => { process.stderr.write(`demo failed: ${(err as Error).stack}\n`); process.exit(1); });
