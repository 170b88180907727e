// A real systemd (PID 1) in a throwaway container, for tests that need the real unit semantics
// (ordering, job queue, Restart=, RemainAfterExit=, PartOf=) and for the production stories
// (reboots, power cuts). Built for reuse by fault campaigns: a Node keeps its disk across boots
// (an overlay of the host's / whose upper layer is a directory of the test), every boot is a new
// PID/mount/net/UTS/IPC/cgroup namespace, a power cut is SIGKILL of that namespace, and a Bridge
// joins nodes' network namespaces.
//
// Why each piece (systemd 252, Debian 12):
// - `unshare --pid --fork --kill-child`: systemd must be PID 1; killing unshare kills the whole
//   namespace at once, which is what a power cut looks like to the processes.
// - a child cgroup of the host's cgroup2 + `--cgroup`: systemd needs a writable cgroup2 tree that
//   it owns; the namespace root is that child, so it never sees or touches the host's units.
// - overlay of `/` with a private upper: the node has every installed package, writes only its own
//   layer, and the upper outlives the boot (reboots keep the datadir).
// - /etc/systemd/system is bind-mounted from a per-node directory that starts empty, and every
//   generator is masked: the node runs only the units a test puts there (plus what they pull in).
// - no generators, no getty, no udev: masked, so that a boot takes a fraction of a second.
//
// A stock machine (`lower`: a Debian root from debroot.ts, for the production stories) differs where
// the host's tools would leak in: the overlay's lower layer is that root, not the host's /; its
// /etc/systemd/system is its own (what Debian's packages enabled, and what the operator enables);
// the masks and the masked generators live in /run/systemd (a tmpfs of each boot, below /etc in
// systemd's search path), so nothing of the test is on the machine's disk; no checkout is mounted.

import { ChildProcess, execFileSync, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, sleep, tempDir, track, waitFor } from './proc';

const pexec = promisify(execFile);
export const SYSTEMD = '/lib/systemd/systemd';
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Units that a minimal boot never needs and that slow it down or touch shared kernel state. */
export const DEFAULT_MASKS = [
  'systemd-udevd.service',
  'systemd-udevd-control.socket',
  'systemd-udevd-kernel.socket',
  'systemd-udev-trigger.service',
  'systemd-udev-settle.service',
  'systemd-modules-load.service',
  'systemd-sysctl.service',
  'systemd-remount-fs.service',
  'systemd-firstboot.service',
  'systemd-random-seed.service',
  'systemd-machine-id-commit.service',
  'systemd-binfmt.service',
  'systemd-hwdb-update.service',
  'systemd-boot-system-token.service',
  'systemd-timesyncd.service',
  'systemd-logind.service',
  'systemd-networkd.service',
  'systemd-resolved.service',
  'systemd-pstore.service',
  'systemd-update-done.service',
  'systemd-journal-catalog-update.service',
  'ldconfig.service',
  'kmod-static-nodes.service',
  'dev-hugepages.mount',
  'dev-mqueue.mount',
  'sys-kernel-debug.mount',
  'sys-kernel-tracing.mount',
  'sys-kernel-config.mount',
  'sys-fs-fuse-connections.mount',
  'proc-sys-fs-binfmt_misc.automount',
  'tmp.mount',
  'getty.target',
  'console-getty.service',
  'getty@tty1.service',
  'systemd-ask-password-console.path',
  'systemd-ask-password-wall.path',
  'cron.service',
  'e2scrub_reap.service',
  'e2scrub_all.timer',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'fstrim.timer',
  'man-db.timer',
  'logrotate.timer',
  'dpkg-db-backup.timer',
  'systemd-tmpfiles-clean.timer',
  'ssh.service',
  'rsync.service',
];

/** Why this machine cannot boot a container, or null when it can (root, unshare, systemd, cgroup2, overlay). */
export function systemdUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (namespaces, overlay, cgroup2)';
  if (!fs.existsSync(SYSTEMD)) return `${SYSTEMD} not installed`;
  for (const bin of ['unshare', 'nsenter', 'ip']) {
    if (!PATH_ENV.split(':').some((d) => fs.existsSync(path.join(d, bin)))) return `${bin} not found`;
  }
  if (!cgroup2Base()) return 'no cgroup2 hierarchy mounted (/sys/fs/cgroup or /sys/fs/cgroup/unified)';
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'the kernel has no overlay filesystem';
  return null;
}

/** The directory of this process's own cgroup in the cgroup2 hierarchy (pure v2 or hybrid). */
function cgroup2Base(): string | null {
  const line = fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!line) return null;
  const rel = line.slice(3);
  for (const mnt of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (fs.existsSync(path.join(mnt, 'cgroup.controllers'))) return path.join(mnt, rel);
  }
  return null;
}

let seq = 0;
/** Short unique names: interface names are limited to 15 characters. */
export function uniqueId(): string {
  return `${(process.pid % 1296).toString(36).padStart(2, '0')}${(seq++ % 1296).toString(36).padStart(2, '0')}`;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An L2 segment in a network namespace of its own: nodes attach to it with a veth each. */
export class Bridge {
  readonly ns: string;
  readonly br = 'gxsdbr';
  private constructor(readonly id: string) {
    this.ns = `gxsd-${id}`;
  }

  static async create(): Promise<Bridge> {
    const b = new Bridge(uniqueId());
    await pexec('ip', ['netns', 'add', b.ns]);
    // A fixed MAC: a bridge otherwise takes the lowest MAC among its ports, so it changes whenever a
    // node reboots (its veth goes and comes back), and every other node's ARP entry for an address
    // on the bridge (the NMS) then points at a MAC the bridge no longer answers to: their traps were
    // lost for half a minute after each reboot of another node.
    await pexec('ip', ['-n', b.ns, 'link', 'add', b.br, 'address', '02:00:00:00:00:01', 'type', 'bridge']);
    await pexec('ip', ['-n', b.ns, 'link', 'set', b.br, 'up']);
    return b;
  }

  /** A veth from the bridge to the network namespace of PID, where it is eth0 with ADDR/24. */
  async attach(pid: number, hostSide: string, addr: string): Promise<void> {
    // The kernel tears a dead namespace down asynchronously: right after a power cut the old veth
    // pair may still exist, and a quick boot then failed with "RTNETLINK answers: File exists"
    // (campaign seed 20261207, round 11: two power cuts 4 s apart, booted 2.5 s later). That pair
    // belongs to a namespace with no process left: delete it.
    await pexec('ip', ['-n', this.ns, 'link', 'del', hostSide]).catch(() => undefined);
    await pexec('ip', [
      '-n',
      this.ns,
      'link',
      'add',
      hostSide,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      String(pid),
    ]);
    await pexec('ip', ['-n', this.ns, 'link', 'set', hostSide, 'master', this.br, 'up']);
    await pexec('nsenter', ['--target', String(pid), '--net', 'ip', 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    await pexec('nsenter', ['--target', String(pid), '--net', 'ip', 'link', 'set', 'eth0', 'up']);
  }

  /** A cable pulled: the node stays up but drops off the segment (and back with `up`). */
  async link(hostSide: string, state: 'up' | 'down'): Promise<void> {
    await pexec('ip', ['-n', this.ns, 'link', 'set', hostSide, state]);
  }

  async destroy(): Promise<void> {
    await pexec('ip', ['netns', 'del', this.ns]).catch(() => undefined);
  }
}

export interface NodeOptions {
  /** Host name inside the node. */
  hostname?: string;
  /** Attach eth0 to this bridge with this address at every boot. */
  bridge?: Bridge;
  address?: string;
  /** Extra /etc/hosts lines. */
  hosts?: string;
  /** Units masked on top of DEFAULT_MASKS. */
  masks?: string[];
  /**
   * The machine's root filesystem, as the overlay's lower layer: a stock Debian root (debroot.ts).
   * Default: the host's / (with the host's units hidden and the checkout mounted; see the header).
   */
  lower?: string;
  /**
   * /var/lib/mysql on a filesystem of its own, this many MiB (a tmpfs on the host that outlives the
   * node's boots, as a disk does), so a test can fill it up without touching the host's disk.
   */
  datadirMiB?: number;
}

/**
 * One machine: a persistent disk (overlay upper dir) and /etc/systemd/system, booted any number of
 * times. `boot()` starts systemd as PID 1 with `--unit=` the target given; `exec()` runs a command
 * inside every namespace of the running node; `powerCut()` kills it; `shutdown()` is a clean poweroff.
 */
export class Node {
  readonly id = uniqueId();
  readonly dir: string;
  readonly upper: string;
  readonly unitDir: string;
  readonly hostname: string;
  /** The lower layer: '/' (the host's) or a stock root. */
  readonly lower: string;
  /** The host's path to the node's /var/lib/mysql. */
  readonly datadir: string;
  /** With opts.datadirMiB: the host's path to the root of the datadir's own filesystem. */
  datadirMount = '';
  private child: ChildProcess | null = null;
  private cgroup = '';
  pid = 0; // systemd's PID, as seen from the host
  boots = 0;
  lastBootMs = 0;
  bootStartedAt = 0; // ms since epoch

  constructor(readonly opts: NodeOptions = {}) {
    this.dir = tempDir('gxsd-node-');
    this.upper = path.join(this.dir, 'upper');
    this.unitDir = path.join(this.dir, 'units');
    for (const d of [this.upper, path.join(this.dir, 'work'), path.join(this.dir, 'root'), this.unitDir])
      fs.mkdirSync(d, { recursive: true });
    this.hostname = opts.hostname ?? `gxsd-${this.id}`;
    this.lower = opts.lower ?? '/';
    this.datadir = path.join(this.upper, 'var/lib/mysql');
    if (opts.datadirMiB) {
      // The datadir is one directory of that filesystem, seeded with the lower layer's (the stock
      // root's datadir, as the overlay would show it, never the host's): what else is on it (a
      // test's filler file) is not in the datadir, so no state transfer copies it.
      this.datadirMount = path.join(this.dir, 'disk');
      this.datadir = path.join(this.datadirMount, 'mysql');
      fs.mkdirSync(this.datadirMount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${opts.datadirMiB}m,mode=0755`, 'tmpfs', this.datadirMount]);
      execFileSync('cp', ['-a', path.join(this.lower, 'var/lib/mysql'), this.datadir]);
    }
    for (const m of [...DEFAULT_MASKS, ...(opts.masks ?? [])]) this.mask(m);
    // The product's own state on the host (a test agent's high-water mark or maintenance file) must
    // not reach a node, which starts as a machine that never ran it: an overlay whiteout in the
    // upper layer hides the host's; what the node creates there is its own and outlives its reboots.
    for (const d of this.stock ? [] : HIDDEN_HOST_DIRS) {
      const up = path.join(this.upper, d);
      fs.mkdirSync(path.dirname(up), { recursive: true, mode: 0o755 });
      execFileSync('mknod', [up, 'c', '0', '0']);
    }
    this.writeFile('/etc/hostname', `${this.hostname}\n`);
    this.writeFile('/etc/hosts', `127.0.0.1 localhost\n127.0.1.1 ${this.hostname}\n${opts.hosts ?? ''}`);
    // A machine-id of its own, so journald and D-Bus see a fresh machine.
    this.writeFile(
      '/etc/machine-id',
      `${Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}\n`,
    );
  }

  /** A stock machine: its own root, not the host's / (see the header). */
  get stock(): boolean {
    return this.lower !== '/';
  }

  /**
   * Writes a unit (or drop-in, e.g. `mariadb.service.d/x.conf`) into the node's /etc/systemd/system,
   * or, on a stock machine, /run/systemd/system (for the boots to come; the disk stays the machine's).
   */
  writeUnit(name: string, text: string): void {
    const p = path.join(this.unitDir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.rmSync(p, { force: true });
    fs.writeFileSync(p, text);
  }

  mask(unit: string): void {
    const p = path.join(this.unitDir, unit);
    fs.rmSync(p, { force: true });
    fs.symlinkSync('/dev/null', p);
  }

  /** A `target` that wants exactly these units: boot with `--unit=` it. */
  writeTarget(name: string, wants: string[]): void {
    this.writeUnit(name, `[Unit]\nDescription=gxsd test target\nWants=${wants.join(' ')}\nAllowIsolate=yes\n`);
  }

  /**
   * Writes a file into the node's disk while it is powered off (the overlay's upper layer). Parent
   * directories that exist in the lower layer get its mode and owner, so the merged view is the same.
   */
  writeFile(p: string, content: string | Buffer, mode = 0o644, uid = 0, gid = 0): void {
    const rel = p.replace(/^\/+/, '').split('/');
    let host = this.lower;
    let up = this.upper;
    for (const part of rel.slice(0, -1)) {
      host = path.join(host, part);
      up = path.join(up, part);
      if (!fs.existsSync(up)) {
        const st = fs.existsSync(host) ? fs.statSync(host) : null;
        fs.mkdirSync(up, { mode: st ? st.mode & 0o7777 : 0o755 });
        if (st) {
          fs.chownSync(up, st.uid, st.gid);
          fs.chmodSync(up, st.mode & 0o7777);
        }
      }
    }
    const f = path.join(up, rel[rel.length - 1]);
    fs.rmSync(f, { force: true });
    fs.writeFileSync(f, content, { mode });
    fs.chmodSync(f, mode);
    fs.chownSync(f, uid, gid);
  }

  /** This node's end of its veth, in the bridge's namespace: a fault campaign pulls it (Bridge.link). */
  get hostSide(): string {
    return `gxsd${this.id}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }
  get consoleLog(): string {
    return path.join(this.dir, 'console.log');
  }

  /**
   * Boots systemd as PID 1 with `--unit=target` and resolves once the manager answers on D-Bus
   * (not when the target is reached: a test waits for the state it expects).
   */
  async boot(target: string, timeoutMs = 20000): Promise<void> {
    if (this.running) throw new Error(`node ${this.hostname} is already running`);
    const t0 = Date.now();
    this.bootStartedAt = t0;
    const base = cgroup2Base();
    if (!base) throw new Error('no cgroup2 hierarchy');
    this.cgroup = path.join(base, `gxsd-${this.id}-${this.boots}`);
    // The id is short (the PID and a counter): a run killed before its cleanup can leave an empty
    // cgroup of the same name behind, seen here as EEXIST at a first boot. With no process in it or
    // below (cgroup.events: populated 0) it is a dead run's: removed. Populated, it may be a live
    // run's: left alone, and a name of our own beside it.
    if (fs.existsSync(this.cgroup)) {
      const events = fs.readFileSync(path.join(this.cgroup, 'cgroup.events'), 'utf8');
      if (/^populated 0$/m.test(events)) removeCgroup(this.cgroup);
      if (fs.existsSync(this.cgroup)) this.cgroup = `${this.cgroup}-${process.hrtime.bigint().toString(36)}`;
    }
    fs.mkdirSync(this.cgroup);
    const go = path.join(this.dir, 'go');
    fs.rmSync(go, { force: true });
    fs.writeFileSync(path.join(this.dir, 'boot.sh'), bootScript(this, target, go));
    const log = fs.openSync(this.consoleLog, 'a');
    fs.writeSync(log, `\n==== boot ${this.boots} ${new Date().toISOString()} --unit=${target}\n`);
    // The shell joins the cgroup first, so unshare --cgroup makes that cgroup the namespace's root.
    const child = spawn(
      'sh',
      [
        '-c',
        `echo $$ > ${this.cgroup}/cgroup.procs && exec unshare --pid --fork --kill-child --mount --net --uts --ipc --cgroup --propagation private sh ${this.dir}/boot.sh`,
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    fs.closeSync(log);
    track(child);
    this.child = child;
    this.boots++;
    // systemd is unshare's only child; give it its network before it starts.
    const inner = await waitFor(
      `${this.hostname}: the namespace's first process`,
      () => childOf(child.pid!) ?? 0,
      5000,
      5,
    );
    this.pid = inner;
    if (this.opts.bridge && this.opts.address) await this.opts.bridge.attach(inner, this.hostSide, this.opts.address);
    fs.writeFileSync(go, '');
    await waitFor(
      `${this.hostname}: systemd answering (see ${this.consoleLog})`,
      async () => {
        if (!this.running) throw new Error(`the node exited during boot: ${tail(this.consoleLog)}`);
        const r = await this.exec(['systemctl', 'is-system-running'], { timeoutMs: 2000 });
        return /^(initializing|starting|running|degraded|maintenance)/.test(r.stdout);
      },
      timeoutMs,
      20,
    );
    this.lastBootMs = Date.now() - t0;
  }

  /** Runs argv inside the node (all its namespaces, its root), with a clean environment. */
  async exec(
    argv: string[],
    o: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<ExecResult> {
    if (!this.pid) throw new Error(`node ${this.hostname} is not booted`);
    const env = Object.entries({ PATH: PATH_ENV, LANG: 'C.UTF-8', HOME: '/root', SYSTEMD_PAGER: '', ...o.env }).map(
      ([k, v]) => `${k}=${v}`,
    );
    return new Promise((resolve) => {
      // stdin is /dev/null unless there is input: Node's pipes are sockets, and Debian's bash takes
      // a socket on stdin for an ssh session (it then reads /etc/bash.bashrc, which fails under -u).
      // Its own process group: nsenter forks to enter the PID namespace, and a timeout must kill both.
      const c = spawn('nsenter', ['--target', String(this.pid), '--all', '--', 'env', '-i', ...env, ...argv], {
        stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      c.stdout!.on('data', (d) => {
        stdout += d;
      });
      c.stderr!.on('data', (d) => {
        stderr += d;
      });
      const t = setTimeout(() => {
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        stderr += `\n(killed after ${o.timeoutMs ?? 60000} ms)`;
      }, o.timeoutMs ?? 60000);
      c.on('close', (code, sig) => {
        clearTimeout(t);
        resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
      });
      c.stdin?.end(o.input);
    });
  }

  /** exec that must exit 0; the error names the command, the node and its output. */
  async run(
    argv: string[],
    o: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<string> {
    const r = await this.exec(argv, o);
    if (r.code !== 0)
      throw new Error(`${this.hostname}: ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** A shell script run as root inside the node (`bash -euo pipefail`). */
  async sh(script: string, timeoutMs = 120000): Promise<string> {
    return this.run(['bash', '-euo', 'pipefail', '-c', script], { timeoutMs });
  }

  async systemctl(...args: string[]): Promise<ExecResult> {
    return this.exec(['systemctl', '--no-pager', ...args], { timeoutMs: 30000 });
  }

  /** `systemctl show -P prop unit` */
  async prop(unit: string, prop: string): Promise<string> {
    return (await this.exec(['systemctl', 'show', '-P', prop, unit])).stdout.trim();
  }

  /** Waits until unit's ActiveState is one of states; fails with the unit's status and job list. */
  async waitState(unit: string, states: string[], timeoutMs = 30000): Promise<string> {
    try {
      return await waitFor(
        `${this.hostname}: ${unit} ${states.join('|')}`,
        async () => {
          const s = await this.prop(unit, 'ActiveState');
          return states.includes(s) ? s : '';
        },
        timeoutMs,
        50,
      );
    } catch (e) {
      const st = await this.exec(['systemctl', '--no-pager', '-l', 'status', unit]);
      const jobs = await this.exec(['systemctl', '--no-pager', 'list-jobs']);
      throw new Error(`${(e as Error).message}\n${st.stdout}\njobs:\n${jobs.stdout}`);
    }
  }

  /** Waits until the boot's jobs are done (`is-system-running --wait`): running or degraded. */
  async waitBooted(timeoutMs = 60000): Promise<string> {
    const r = await this.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs });
    const state = r.stdout.trim();
    if (state !== 'running' && state !== 'degraded') {
      const jobs = await this.exec(['systemctl', '--no-pager', 'list-jobs']);
      throw new Error(
        `${this.hostname}: boot not finished within ${timeoutMs} ms (${state || r.stderr.trim()}); jobs:\n${jobs.stdout}`,
      );
    }
    return state;
  }

  /** This boot's journal (or since sinceMs, ms since the epoch, across boots: a campaign's round). */
  async journal(unit?: string, sinceMs?: number): Promise<string> {
    // This boot only. The journal is persistent (/var/log/journal on the node's disk) and every boot
    // has the host kernel's boot id, so `-b` cannot tell boots apart: the boot's start time can.
    const since = `@${Math.floor((sinceMs ?? this.bootStartedAt) / 1000) - 1}`;
    return (
      await this.exec([
        'journalctl',
        '--no-pager',
        '--since',
        since,
        '-o',
        'short-monotonic',
        ...(unit ? ['-u', unit] : []),
      ])
    ).stdout;
  }

  /**
   * Where the journal ends now, for `journalAfter`. A cursor, not a line count: with nothing
   * logged yet journalctl prints `-- No entries --`, and counting that line drops the first real
   * one (the production story that looked for galera-recover's first line after a kill missed it).
   * The whole journal's last entry, so there always is one; `--after-cursor` with `-u` then reads
   * the unit's entries after it. A failed read throws: an empty mark would read every earlier
   * story's lines and let a check pass on them.
   */
  async journalMark(): Promise<string> {
    const out = await this.run(['journalctl', '--no-pager', '-q', '-n', '1', '-o', 'export']);
    const m = /^__CURSOR=(.+)$/m.exec(out);
    if (!m) throw new Error(`${this.hostname}: journalctl -n 1 -o export gave no cursor`);
    return m[1];
  }

  /** A unit's journal after a `journalMark`. */
  async journalAfter(unit: string, mark: string): Promise<string> {
    const argv = ['journalctl', '--no-pager', '--after-cursor', mark, '-o', 'short-monotonic', '-u', unit];
    const r = await this.exec(argv);
    // Nothing after the mark yet is an answer ("-- No entries --"), whatever the exit code says.
    if (r.code !== 0 && !/No entries/.test(r.stdout + r.stderr))
      throw new Error(`${this.hostname}: ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** A clean shutdown: `systemctl poweroff`, and the namespace gone. */
  async shutdown(timeoutMs = 120000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.child!.once('exit', () => r()));
    await this.exec(['systemctl', 'poweroff', '--no-block']);
    await Promise.race([
      exited,
      sleep(timeoutMs).then(() => {
        throw new Error(`${this.hostname}: no poweroff within ${timeoutMs} ms: ${tail(this.consoleLog)}`);
      }),
    ]);
    this.afterExit();
  }

  /** Every process of the node SIGKILLed at once: what a power cut looks like to them. */
  async powerCut(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.child!.once('exit', () => r()));
    process.kill(this.child!.pid!, 'SIGKILL');
    await exited;
    this.afterExit();
  }

  private afterExit(): void {
    this.pid = 0;
    this.child = null;
    removeCgroup(this.cgroup);
  }

  async destroy(): Promise<void> {
    await this.powerCut().catch(() => undefined);
    if (this.datadirMount) {
      execFileSync('umount', [this.datadirMount]);
      this.datadirMount = '';
    }
  }
}

function childOf(pid: number): number | null {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : null;
  } catch {
    return null;
  }
}

/**
 * The namespace's processes are gone once unshare has exited (--kill-child); systemd's sub-cgroups may linger
 * for a moment.
 */
function removeCgroup(dir: string): void {
  if (!dir || !fs.existsSync(dir)) return;
  const rm = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(path.join(d, e.name));
    for (let i = 0; i < 100; i++) {
      try {
        fs.rmdirSync(d);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EBUSY') return;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  };
  rm(dir);
}

function tail(file: string, n = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/**
 * Where every node sees this checkout. Units run with PrivateTmp=/ProtectHome= and as unprivileged
 * users, so the real path of a clone may be invisible or closed to them.
 */
export const NODE_ROOT = '/opt/galera-agentx-checkout';

/** Host directories of the product's own state, hidden from every node (see the constructor). */
const HIDDEN_HOST_DIRS = ['var/lib/galera-agentx'];

/** The script unshare runs: mounts, waits for the network, pivot_root, exec systemd. */
function bootScript(n: Node, target: string, go: string): string {
  const R = path.join(n.dir, 'root');
  return `set -eu
mount --make-rprivate /
mount -t overlay overlay -o lowerdir=${n.lower},upperdir=${n.upper},workdir=${n.dir}/work ${R}
mount -t proc proc ${R}/proc
mount -t sysfs -o ro sysfs ${R}/sys
mount -t cgroup2 cgroup2 ${R}/sys/fs/cgroup
mount -t tmpfs -o mode=755,size=64m tmpfs ${R}/dev
for d in null zero full random urandom tty; do touch ${R}/dev/$d; mount --bind /dev/$d ${R}/dev/$d; done
# The console is the node's log file: systemd writes its status and crash messages there.
touch ${R}/dev/console; mount --bind ${n.consoleLog} ${R}/dev/console
mkdir -p ${R}/dev/pts ${R}/dev/shm ${R}/dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts ${R}/dev/pts
ln -s pts/ptmx ${R}/dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs ${R}/dev/shm
mount -t tmpfs -o mode=755,size=256m tmpfs ${R}/run
mount -t tmpfs -o mode=1777,size=256m tmpfs ${R}/tmp
${n.stock ? stockMounts(n, R) : hostMounts(n, R)}
${n.opts.datadirMiB ? `mount --bind ${n.datadir} ${R}/var/lib/mysql\n` : ''}hostname ${n.hostname}
# Wait for the host to plug the network in (a veth into this namespace).
i=0; while [ ! -e ${go} ]; do i=$((i+1)); [ $i -lt 1000 ] || { echo "no go from the host" >&2; exit 1; }; sleep 0.01; done
cd ${R}
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot 2>/dev/null || true
cd /
export container=gxsd
exec ${SYSTEMD} --unit=${target} --show-status=no --log-color=no
`;
}

/** The host's / as the node's root: only the test's units, the checkout at a neutral path. */
function hostMounts(n: Node, R: string): string {
  return `mount --bind ${n.unitDir} ${R}/etc/systemd/system
# The checkout (its dist/ is what the test's commands load) at a neutral path: where it really is may
# be under /tmp (hidden from a unit by PrivateTmp=), /root (ProtectHome=) or behind a 0700 directory.
mkdir -p ${R}${NODE_ROOT}; mount --bind ${ROOT} ${R}${NODE_ROOT}
mkdir -p ${R}/run/systemd/system-generators ${R}/run/systemd/system-generators.early`;
}

/**
 * A stock root: its own /etc/systemd/system; the masks (units and every generator) in /run, which is
 * this boot's tmpfs, so the machine's disk holds only what Debian and the operator put there.
 */
function stockMounts(n: Node, R: string): string {
  return `mkdir -p ${R}/run/systemd/system ${R}/run/systemd/system-generators
mount --bind ${n.unitDir} ${R}/run/systemd/system
for g in ${R}/usr/lib/systemd/system-generators/*; do
  if [ -e "$g" ]; then ln -s /dev/null ${R}/run/systemd/system-generators/"\${g##*/}"; fi
done`;
}

/** Masks every generator of this host for the node: symlinks in /etc/systemd/system-generators. */
export function maskGenerators(n: Node): void {
  if (n.stock) return; // masked in /run at each boot (stockMounts)
  for (const dir of ['/lib/systemd/system-generators', '/usr/lib/systemd/system-generators']) {
    if (!fs.existsSync(dir)) continue;
    for (const g of fs.readdirSync(dir)) {
      const f = path.join(n.upper, 'etc/systemd/system-generators', g);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.rmSync(f, { force: true });
      fs.symlinkSync('/dev/null', f);
    }
  }
}
