// The README's client snippet, taken from README.md itself (so the two cannot drift) and run as
// written with the real net-snmp tools against the real agent through a real snmpd, on this stock
// Debian machine (its /etc/snmp/snmp.conf, no MIB packages beyond `snmp`): not one line on stderr.
// Only the host name `node1` becomes the test's snmpd, and `npm root -g` points at this checkout
// through a prefix whose lib/node_modules/galera-agentx is a link to it.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentProc, NO_LOCAL_PROCESSES, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, ROOT, SLACK, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd } from '../helpers/snmp';

/** The fenced block that follows `<!-- marker ...-->` in README.md. */
export function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ${marker}\\b[^>]*-->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(readme);
  if (!m) throw new Error(`README.md has no code block after <!-- ${marker} -->`);
  return m[1];
}

describe('the README client snippet on a stock Debian client', function () {
  this.timeout(30000 * SLACK);
  let master: Snmpd;
  let agent: AgentProc;
  let prefix: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const SEQNO = '31337';

  before(async () => {
    master = await startSnmpd();
    const work = tempDir('prom-client-');
    fs.mkdirSync(path.join(work, 'data'));
    fs.writeFileSync(
      path.join(work, 'data', 'grastate.dat'),
      `uuid: 9acf4d34-acdb-11e6-bcc3-d3e36276629f\nseqno: ${SEQNO}\nsafe_to_bootstrap: 0\n`,
    );
    agent = startAgent({
      master: master.socket,
      datadir: path.join(work, 'data'),
      nodeName: 'client-node',
      extra: NO_LOCAL_PROCESSES,
    });
    await waitFor(
      'the agent',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === SEQNO,
      15000,
      100,
    );
    prefix = path.join(work, 'prefix');
    fs.mkdirSync(path.join(prefix, 'lib', 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(prefix, 'lib', 'node_modules', 'galera-agentx'));
    home = path.join(work, 'home');
    // net-snmp's persistent dir, already made: its one-time "Created directory" notice on a
    // machine's very first run is not what this test is about.
    fs.mkdirSync(path.join(work, 'persist', 'cert_indexes'), { recursive: true });
    fs.mkdirSync(home);
    env = {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      npm_config_prefix: prefix,
      SNMP_PERSISTENT_DIR: path.join(work, 'persist'),
    };
  });

  after(async () => {
    if (agent) await stopAgent(agent);
    await cleanupAll();
  });

  const run = (script: string): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync('bash', ['-e', '-c', script.replace(/\bnode1\b/g, `127.0.0.1:${master.port}`)], {
      env,
      encoding: 'utf8',
      timeout: 20000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('runs as written: snmptranslate and snmpget through GALERA-MIB, with nothing on stderr', () => {
    const r = run(readmeBlock('client-snippet'));
    assert.equal(r.stderr, '', 'no "Cannot find module" (or any other) noise');
    assert.equal(r.status, 0);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '.1.3.6.1.4.1.8072.9999.9999.3306.1.1.2.0',
      'GALERA-MIB::galeraStatus.0 = INTEGER: stopped(5)',
      `GALERA-MIB::galeraSeqno.0 = STRING: ${SEQNO}`,
    ]);
  });

  it('its ~/.snmp/snmp.conf form works the same with no environment variables', () => {
    const conf = readmeBlock('client-snmp-conf').replace(/\/usr\/lib\/node_modules\//g, `${prefix}/lib/node_modules/`);
    fs.mkdirSync(path.join(home, '.snmp'), { recursive: true });
    fs.writeFileSync(path.join(home, '.snmp', 'snmp.conf'), `${conf}\n`);
    try {
      const r = run('snmpget -v2c -c public node1 GALERA-MIB::galeraStatus.0 GALERA-MIB::galeraSeqno.0');
      assert.equal(r.stderr, '');
      assert.equal(r.status, 0);
      assert.deepEqual(r.stdout.trim().split('\n'), [
        'GALERA-MIB::galeraStatus.0 = INTEGER: stopped(5)',
        `GALERA-MIB::galeraSeqno.0 = STRING: ${SEQNO}`,
      ]);
    } finally {
      fs.rmSync(path.join(home, '.snmp'), { recursive: true, force: true });
    }
  });

  it('would catch the old MIBS=+GALERA-MIB: on this machine it prints "Cannot find module"', function () {
    const old = readmeBlock('client-snippet').replace('MIBS=GALERA-MIB', 'MIBS=+GALERA-MIB');
    assert.notEqual(old, readmeBlock('client-snippet'));
    const r = run(old);
    if (r.stderr === '') {
      console.log(
        "      skipped: this machine has net-snmp's default MIBs (snmp-mibs-downloader?), so the old form was quiet here too",
      );
      this.skip();
    }
    assert.match(r.stderr, /Cannot find module \((IF|IP|TCP|UDP)-MIB\)/);
  });
});
