// Installable: `npm pack` makes a tarball whose bins work after `npm install -g` into a clean
// prefix, with the MIB, snmpd configs, systemd units and templates inside; the units verify.

import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, SLACK, tempDir } from '../helpers/proc';

const pexec = promisify(execFile);

describe('the npm package', function () {
  this.timeout(240000 * SLACK);
  let prefix: string;
  let pkgDir: string;

  before(async () => {
    const dir = tempDir('gx-pack-');
    const { stdout } = await pexec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
    const tarball = path.join(dir, stdout.trim().split('\n').pop()!);
    prefix = path.join(dir, 'prefix');
    await pexec('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball], {
      cwd: dir,
    });
    pkgDir = path.join(prefix, 'lib', 'node_modules', 'galera-agentx');
  });

  it('installs galera-agentx, galera-check and galera-init as working commands', async () => {
    for (const bin of ['galera-agentx', 'galera-check', 'galera-init']) {
      const { stdout } = await pexec(path.join(prefix, 'bin', bin), ['--help']);
      assert.match(stdout, new RegExp(`^Usage: ${bin} `), bin);
    }
    // The shipped sample is world-readable, as a sample is: the agent says so and what to run.
    await assert.rejects(
      pexec(path.join(prefix, 'bin', 'galera-agentx'), [
        '--check-config',
        '--config',
        path.join(pkgDir, 'config-sample.yaml'),
      ]),
      (e: { code: number; stderr: string }) =>
        e.code === 78 && /readable by every user \(mode 0644\).*chmod o-rwx/.test(e.stderr),
    );
    const mine = path.join(tempDir('gx-cfg-'), 'config.yaml');
    fs.copyFileSync(path.join(pkgDir, 'config-sample.yaml'), mine);
    fs.chmodSync(mine, 0o600);
    const ok = await pexec(path.join(prefix, 'bin', 'galera-agentx'), ['--check-config', '--config', mine]);
    assert.match(ok.stdout, /OK/);
    const bad = path.join(tempDir('gx-bad-'), 'c.yaml');
    fs.writeFileSync(bad, 'agentx:\n  mastr: /x\n', { mode: 0o600 });
    await assert.rejects(
      pexec(path.join(prefix, 'bin', 'galera-agentx'), ['--check-config', '--config', bad]),
      (e: { code: number; stderr: string }) => e.code === 78 && /unknown key 'agentx.mastr'/.test(e.stderr),
    );
  });

  it('ships the MIB (loadable from the install), snmpd configs, units, templates and docs', async () => {
    for (const f of [
      'mibs/GALERA-MIB.txt',
      'mibs/ietf/SNMPv2-SMI.txt',
      'snmpd/snmpd.conf',
      'snmpd/private-snmpd.sh',
      'systemd/galera-agentx.service',
      'systemd/galera-init.service',
      'systemd/galera-recover.service',
      'systemd/galera-recover.timer',
      'integrations/zabbix/galera_agentx_zabbix_6.0.yaml',
      'integrations/zabbix/galera_agentx_zabbix_7.0.yaml',
      'integrations/zabbix/snmptt-galera.conf',
      'integrations/nagios/galera-commands.cfg',
      'integrations/prometheus/snmp.yml',
      'integrations/prometheus/generator.yml',
      'integrations/prometheus/galera-alerts.yml',
      'integrations/haproxy/haproxy.cfg',
      'docs/keepalived.conf',
      // The README links the operator's pages: they must be there on the node it was installed on.
      'docs/decision.md',
      'docs/configuration.md',
      'config-sample.yaml',
      'README.md',
    ]) {
      assert.ok(fs.existsSync(path.join(pkgDir, f)), f);
    }
    assert.ok(!fs.existsSync(path.join(pkgDir, 'dist', 'test')), 'tests are not shipped');
    const { stdout } = await pexec(process.execPath, [
      '-e',
      `const {loadMib}=require(${JSON.stringify(path.join(pkgDir, 'dist/src/snmp/mib.js'))}); console.log(loadMib().objects.size)`,
    ]);
    assert.ok(Number(stdout) > 50);
  });

  it('packs dist/ from a fresh clone too (prepack builds it)', async function () {
    // A clone has no dist/ (it is not committed): without prepack, npm pack made a 17-file tarball
    // whose install had no commands.
    const head = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    if (head.status !== 0) {
      console.log('      skipped: not a git checkout');
      this.skip();
    }
    const clone = path.join(tempDir('gx-clone-'), 'c');
    await pexec('git', ['clone', '-q', '--no-checkout', ROOT, clone]);
    await pexec('git', ['-C', clone, 'checkout', '-q', head.stdout.trim()]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    const { stdout } = await pexec('npm', ['pack', '--dry-run', '--json', '--silent'], {
      cwd: clone,
      maxBuffer: 1 << 24,
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    for (const f of ['dist/src/cli/agent.js', 'dist/src/cli/init.js', 'dist/src/cli/check.js'])
      assert.ok(files.includes(f), `${f} in the tarball`);
    // Build-time generators (the Zabbix templates') live in scripts/ and are not shipped.
    assert.deepEqual(
      files.filter((f) => /zabbix.*\.js$/.test(f) || f.startsWith('dist/scripts/')),
      [],
    );
  });

  it('has systemd units that systemd-analyze verifies', () => {
    const dir = tempDir('gx-units-');
    for (const u of [
      'galera-agentx.service',
      'galera-init.service',
      'galera-recover.service',
      'galera-recover.timer',
    ]) {
      // The units name /usr/bin/...; point them at the installed bins for the check.
      const text = fs
        .readFileSync(path.join(pkgDir, 'systemd', u), 'utf8')
        .replace(/\/usr\/bin\/(galera-\w+)/g, (_m, b: string) => `${process.execPath} ${path.join(prefix, 'bin', b)}`);
      fs.writeFileSync(path.join(dir, u), text);
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, u)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${u}: ${r.stderr}`);
      // verify loads every unit on the host too: another package's warning (garb.service's
      // "Special user nobody") is not ours. Ours are the lines that name our directory or units.
      const ours = `${r.stdout}${r.stderr}`
        .split('\n')
        .filter((l) => l.includes(dir) || /galera-(agentx|init|recover)\./.test(l));
      assert.deepEqual(ours, [], `${u}: warnings`);
    }
  });
});
