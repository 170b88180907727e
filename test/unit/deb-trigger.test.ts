// The .deb's trigger rule (packaging/deb/postinst, `triggered`): after a mariadb-server upgrade,
// galera-init is started only when it is enabled and the upgrade stopped the server, i.e. the server
// went down after the dpkg run that unpacked the new server began. The real postinst runs under
// /bin/sh with a stand-in systemctl (and policy-rc.d) on PATH and a dpkg log of the case's making;
// test/integration/deb.test.ts runs the same script under the real dpkg and systemd.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const POSTINST = fs.readFileSync(path.join(ROOT, 'packaging/deb/postinst'), 'utf8');

interface Case {
  /** mariadb.service's ActiveState. */
  active?: string;
  /** When it became inactive (seconds since the epoch), or '' when it never ran in this boot. */
  stopped?: number | '';
  /** galera-init.service's UnitFileState. */
  initState?: string;
  /** dpkg.log's lines, as [seconds since the epoch, text after the timestamp]. */
  log?: [number, string][] | null;
  /** policy-rc.d's exit status, or null when there is none. */
  policy?: number | null;
}

const T = Date.UTC(2026, 11, 6, 10, 0, 0) / 1000;
const stamp = (t: number): string => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);

/** Runs `postinst triggered`; returns what it printed and the systemctl calls that change something. */
function triggered(c: Case): { out: string; starts: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-trigger-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dir, 'systemd'));
    const calls = path.join(dir, 'calls');
    const stopped = c.stopped === undefined ? T + 5 : c.stopped;
    fs.writeFileSync(
      path.join(bin, 'systemctl'),
      `#!/bin/sh
case "$*" in
  "show -p ActiveState --value mariadb.service") echo ${c.active ?? 'inactive'} ;;
  "--quiet is-active mariadb.service") [ ${c.active ?? 'inactive'} = active ] ;;
  "show --timestamp=unix -p InactiveEnterTimestamp --value mariadb.service") echo ${stopped === '' ? '' : `@${stopped}`} ;;
  "show -p UnitFileState --value galera-init.service") echo ${c.initState ?? 'enabled'} ;;
  show*|--quiet\\ is-active*) echo "unexpected: systemctl $*" >&2; exit 1 ;;
  *) echo "$*" >> ${calls} ;;
esac
`,
      { mode: 0o755 },
    );
    if (c.policy !== undefined && c.policy !== null)
      fs.writeFileSync(path.join(bin, 'policy-rc.d'), `#!/bin/sh\nexit ${c.policy}\n`, { mode: 0o755 });
    const log = path.join(dir, 'dpkg.log');
    const lines = c.log === undefined ? upgradeRun() : c.log;
    if (lines !== null) fs.writeFileSync(log, lines.map(([t, l]) => `${stamp(t)} ${l}\n`).join(''));
    const script = path.join(dir, 'postinst');
    fs.writeFileSync(
      script,
      POSTINST.replaceAll('/var/log/dpkg.log', log).replaceAll('/run/systemd/system', path.join(dir, 'systemd')),
      { mode: 0o755 },
    );
    const r = spawnSync('/bin/sh', [script, 'triggered', '/usr/sbin/mariadbd'], {
      env: { PATH: `${bin}:/usr/bin:/bin`, TZ: 'UTC' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `postinst exited ${r.status}: ${r.stderr}`);
    const starts = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [];
    return { out: r.stdout + r.stderr, starts };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** apt's two dpkg runs for a server upgrade: the unpack (from T) and the configure (from T + 20). */
function upgradeRun(): [number, string][] {
  return [
    [T - 3600, 'startup archives unpack'],
    [T - 3600, 'install mariadb-server:amd64 <none> 1:10.11.18-0+deb12u1'],
    [T, 'startup archives unpack'],
    [T + 1, 'upgrade mariadb-server-core:amd64 1:10.11.18-0+deb12u1 1:10.11.19-0+deb12u1'],
    [T + 3, 'upgrade mariadb-server:amd64 1:10.11.18-0+deb12u1 1:10.11.19-0+deb12u1'],
    [T + 20, 'startup packages configure'],
    [T + 21, 'configure mariadb-server:amd64 1:10.11.19-0+deb12u1 <none>'],
    [T + 25, 'trigproc galera-agentx:all 0.1.0 <none>'],
  ];
}

const START = 'start --no-block galera-init.service';

describe('the .deb trigger after a mariadb-server upgrade', () => {
  it('starts galera-init, without waiting for it, when the server stopped after the unpacking run began', () => {
    // The server's preinst stops it after the run's start, and between the unpack of -core and its own.
    for (const stopped of [T, T + 2, T + 4]) {
      const r = triggered({ stopped });
      assert.deepEqual(r.starts, [START], `stopped at T+${stopped - T}: ${r.out}`);
      assert.match(r.out, /the server upgrade stopped the database: galera-init starts it again/);
    }
  });

  it('leaves a server stopped before the run began stopped, and says how to start it', () => {
    const r = triggered({ stopped: T - 1 });
    assert.deepEqual(r.starts, []);
    assert.match(
      r.out,
      /already stopped before this upgrade: left stopped \(start it with: systemctl start galera-init\)/,
    );
  });

  it('reads the start of the run that unpacked the server, not of the configure run nor an older one', () => {
    // Stopped between the unpack run and the configure run (T+20): the upgrade's stop.
    assert.deepEqual(triggered({ stopped: T + 10 }).starts, [START]);
    // An operator's stop before this run but after the older install: not the upgrade's.
    assert.deepEqual(triggered({ stopped: T - 600 }).starts, []);
    // A later run that unpacked a server again is the one that counts.
    const again: [number, string][] = [
      ...upgradeRun(),
      [T + 100, 'startup archives unpack'],
      [T + 101, 'upgrade mariadb-server:amd64 1:10.11.19-0+deb12u1 1:10.11.19-0+deb12u1'],
    ];
    assert.deepEqual(triggered({ stopped: T + 50, log: again }).starts, []);
    assert.deepEqual(triggered({ stopped: T + 102, log: again }).starts, [START]);
    // A run that unpacked another package alone does not count.
    const other: [number, string][] = [
      ...upgradeRun(),
      [T + 100, 'startup archives unpack'],
      [T + 101, 'upgrade galera-4:amd64 26.4.20-0+deb12u1 26.4.21-0+deb12u1'],
    ];
    assert.deepEqual(triggered({ stopped: T + 50, log: other }).starts, [START]);
  });

  it('does nothing while the server runs, when galera-init is not enabled, or when the server never ran', () => {
    for (const c of [{ active: 'active' }, { initState: 'disabled' }, { initState: 'masked' }]) {
      const r = triggered(c);
      assert.deepEqual(r.starts, [], JSON.stringify(c));
      assert.equal(r.out, '', JSON.stringify(c));
    }
    assert.deepEqual(triggered({ stopped: '' }).starts, []);
  });

  it('without a dpkg log that names the server, leaves it stopped', () => {
    assert.deepEqual(triggered({ log: null }).starts, []);
    assert.deepEqual(triggered({ log: [[T, 'startup archives unpack']] }).starts, []);
  });

  it("honours policy-rc.d's refusal (101), as deb-systemd-invoke does", () => {
    const r = triggered({ policy: 101 });
    assert.deepEqual(r.starts, []);
    assert.match(r.out, /policy-rc.d forbids starting galera-init/);
    assert.deepEqual(triggered({ policy: 0 }).starts, [START]);
    assert.deepEqual(triggered({ policy: 104 }).starts, [START]);
  });
});
