// The shipped Nagios and Icinga 2 definitions, loaded by the real programs' own config checkers
// (`nagios4 -v`, `icinga2 daemon -C`) next to the stock objects of a Debian install, the way an
// operator drops them in. The command lines themselves run against a real cluster in
// cluster.test.ts (test/helpers/nagios.ts).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupAll, ROOT, SLACK, tempDir } from '../helpers/proc';
import { requirePrograms } from '../helpers/programs';

const NAGIOS_DIR = path.join(ROOT, 'integrations', 'nagios');
const ICINGA_FILE = path.join(ROOT, 'integrations', 'icinga2', 'galera.conf');
const count = (text: string, re: RegExp): number => [...text.matchAll(re)].length;

function skipUnless(ctx: Mocha.Context, files: string[]): void {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length === 0) return;
  console.log(`      skipped: ${missing.join(', ')} not found (a stock Debian install of the package has it)`);
  ctx.skip();
}

describe('Nagios: the shipped definitions pass the real nagios4 -v', function () {
  this.timeout(30000 * SLACK);
  const STOCK = ['commands', 'contacts', 'timeperiods', 'templates'].map((f) => `/etc/nagios4/objects/${f}.cfg`);
  after(cleanupAll);

  before(function () {
    requirePrograms(this, { nagios4: 'nagios4-core' });
    skipUnless(this, [...STOCK, '/etc/nagios4/resource.cfg']);
  });

  /** nagios4 -v on a main config with the stock objects, the shipped files and two galera hosts. */
  function verify(commands = path.join(NAGIOS_DIR, 'galera-commands.cfg')): { status: number | null; out: string } {
    const dir = tempDir('prom-nagios-');
    fs.writeFileSync(
      path.join(dir, 'hosts.cfg'),
      ['galera1', 'galera2']
        .map(
          (h) => `define host {
    use             linux-server
    host_name       ${h}
    address         127.0.0.1
    hostgroups      galera
    check_command   galera-test-host-alive
    _SNMP_PORT      161
    _SNMP_AUTH      ${h === 'galera1' ? '-P 2c -C public' : '-P 3 -L authPriv -U nms -a SHA -A nms-auth-example -x AES -X nms-priv-example'}
}
`,
        )
        .join('') +
        `define hostgroup {
    hostgroup_name  galera
    alias           Galera nodes
}
# The stock linux-server's check-host-alive comes from monitoring-plugins' own config: not ours.
define command {
    command_name    galera-test-host-alive
    command_line    /bin/true
}
`,
    );
    // A private main config: every state/temp path in the temp dir, run as root (no drop to the
    // nagios user, who could not read it).
    fs.writeFileSync(
      path.join(dir, 'nagios.cfg'),
      [
        ...STOCK.map((f) => `cfg_file=${f}`),
        `cfg_file=${commands}`,
        `cfg_file=${path.join(NAGIOS_DIR, 'galera-services.cfg')}`,
        `cfg_file=${path.join(dir, 'hosts.cfg')}`,
        'resource_file=/etc/nagios4/resource.cfg',
        ...[
          'log_file=nagios.log',
          'object_cache_file=objects.cache',
          'precached_object_file=objects.precache',
          'status_file=status.dat',
          'temp_file=nagios.tmp',
          'lock_file=nagios.pid',
          'state_retention_file=retention.dat',
          'command_file=nagios.cmd',
        ].map((kv) => kv.replace('=', `=${dir}/`)),
        `temp_path=${dir}`,
        `check_result_path=${dir}`,
        'nagios_user=root',
        'nagios_group=root',
        'illegal_macro_output_chars=`~$&|\'"<>',
        '',
      ].join('\n'),
    );
    const r = spawnSync('nagios4', ['-v', path.join(dir, 'nagios.cfg')], { encoding: 'utf8', timeout: 20000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('has no errors and no warnings; every shipped service applies to each galera host, dependencies within the host', () => {
    const { status, out } = verify();
    assert.equal(status, 0, out);
    assert.match(out, /Total Warnings: 0\s+Total Errors:\s+0/, out);
    const services = fs.readFileSync(path.join(NAGIOS_DIR, 'galera-services.cfg'), 'utf8');
    const nServices = count(services, /define\s+service\s*\{/g);
    assert.ok(nServices >= 8);
    assert.match(out, new RegExp(`Checked ${nServices * 2} services\\.`), out);
    // Each host's services depend on its own agent-data-age service, never on another host's:
    // hosts x dependent services, counted twice by Nagios (execution and notification criteria).
    // A cross-host dependency (dependent_hostgroup_name) would make it hosts^2 x ...
    const dependents = [...services.matchAll(/dependent_service_description\s+(.*)/g)].flatMap((m) => m[1].split(','));
    assert.ok(dependents.length >= 4, 'the node and cluster services depend on the agent data age');
    assert.match(out, new RegExp(`Checked ${2 * dependents.length * 2} service dependencies`), out);
  });

  it('fails when a command a service uses is missing (the check can fail)', () => {
    const broken = path.join(tempDir('prom-nagios-broken-'), 'galera-commands.cfg');
    fs.writeFileSync(
      broken,
      fs
        .readFileSync(path.join(NAGIOS_DIR, 'galera-commands.cfg'), 'utf8')
        .replace('check_galera_cluster_primary', 'check_galera_renamed'),
    );
    const { status, out } = verify(broken);
    assert.notEqual(status, 0);
    assert.match(out, /check_galera_cluster_primary.*not defined/);
  });
});

describe('Icinga 2: the shipped definitions pass the real icinga2 daemon -C', function () {
  this.timeout(30000 * SLACK);
  after(cleanupAll);

  before(function () {
    requirePrograms(this, { icinga2: 'icinga2-bin' });
    skipUnless(this, ['/etc/icinga2/constants.conf', '/usr/share/icinga2/include/itl']);
  });

  function validate(file = ICINGA_FILE): { status: number | null; out: string } {
    const dir = tempDir('prom-icinga-');
    // What a stock /etc/icinga2/icinga2.conf includes that the shipped file relies on (the ITL's
    // "snmp" CheckCommand and the plugin dir), two galera hosts, and the shipped file.
    fs.writeFileSync(
      path.join(dir, 'icinga2.conf'),
      `include "/etc/icinga2/constants.conf"
include <itl>
include <plugins>
${['galera1', 'galera2']
  .map(
    (h) => `object Host "${h}" {
  address = "127.0.0.1"
  check_command = "dummy"
  vars.galera = true
  vars.galera_size = 3
  vars.snmp_port = 161
  vars.snmp_community = "public"
}
`,
  )
  .join('')}include "${file}"
`,
    );
    // Run as root and keep the object/vars dumps in the temp dir, not in /var/cache/icinga2.
    const r = spawnSync(
      'icinga2',
      [
        'daemon',
        '-C',
        '-c',
        path.join(dir, 'icinga2.conf'),
        '-DRunAsUser=root',
        '-DRunAsGroup=root',
        `-DCacheDir=${dir}`,
        `-DObjectsPath=${dir}/icinga2.debug`,
        `-DVarsPath=${dir}/icinga2.vars`,
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('validates with no warnings, and applies every shipped service to each galera host', () => {
    const { status, out } = validate();
    assert.equal(status, 0, out);
    assert.doesNotMatch(out, /\/(warning|critical)\//, out);
    const nApply = count(fs.readFileSync(ICINGA_FILE, 'utf8'), /^apply Service /gm);
    assert.ok(nApply >= 5);
    assert.match(out, new RegExp(`Instantiated ${nApply * 2} Services\\.`), out);
    assert.match(out, /Finished validating the configuration/);
  });

  it('fails when the shipped file names a CheckCommand the ITL does not have (the check can fail)', () => {
    const broken = path.join(tempDir('prom-icinga-broken-'), 'galera.conf');
    fs.writeFileSync(
      broken,
      fs
        .readFileSync(ICINGA_FILE, 'utf8')
        .replace('check_command = "snmp"', 'check_command = "snmp-galera-nonexistent"'),
    );
    const { status, out } = validate(broken);
    assert.notEqual(status, 0);
    assert.match(out, /snmp-galera-nonexistent/);
  });
});
