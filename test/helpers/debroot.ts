// A Debian root filesystem (debootstrap --variant=minbase) with packages installed, cached once per
// machine under /var/cache/galera-agentx-test/ and shared by the tests that run a stock Debian
// release other than the host's (Zabbix 7.0 from Debian 13, the stock-Debian production test). A
// suite is debootstrapped once (`<suite>-minbase`); each package list is a copy of it plus apt.
//
// A root is built in a temp dir next to the cache and renamed into place only when complete, so a
// build cut short is never used; `flock` on a lock file per root keeps two runs from building the
// same root at once (the second waits, then finds it built). Services never start in the build: a
// policy-rc.d that exits 101, as Debian's own container images do, removed once the packages are in
// (a root booted as a machine must start and restart services as a real server does). debootstrap's
// own package set is kept beside the root (`<root>.base-packages`): a test that starts from stock
// Debian tells what debootstrap put there from what the packages pulled in.

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

export const ROOT_CACHE = '/var/cache/galera-agentx-test';
const MIRROR = process.env.GX_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

export interface RootSpec {
  /** A Debian suite: trixie, bookworm... */
  suite: string;
  /** Installed with apt-get --no-install-recommends after debootstrap. */
  packages: string[];
}

/** The cache path of a root: suite and a hash of the package list, so a new list builds a new root. */
export function rootPath(spec: RootSpec): string {
  const h = createHash('sha256')
    .update([...spec.packages].sort().join(' '))
    .digest('hex')
    .slice(0, 12);
  return path.join(ROOT_CACHE, `${spec.suite}-${h}`);
}

/** Why a root cannot be built or used here, or null when it can. */
export function debianRootUnavailable(spec: RootSpec): string | null {
  if (fs.existsSync(path.join(rootPath(spec), '.complete'))) return null;
  if (process.getuid?.() !== 0) return 'building a Debian root needs root (debootstrap, chroot)';
  if (!fs.existsSync('/usr/sbin/debootstrap')) return 'debootstrap not found (Debian package debootstrap)';
  return null;
}

/** Runs `script` under `flock` on `<dest>.lock`, its output appended to `<dest>.build.log`. */
async function buildLocked(what: string, dest: string, script: string, args: string[]): Promise<void> {
  fs.mkdirSync(ROOT_CACHE, { recursive: true });
  const log = `${dest}.build.log`;
  try {
    await pexec(
      'bash',
      ['-c', `exec >>"$0" 2>&1; exec flock "$1.lock" bash -c "$2" build "\${@:3}"`, log, dest, script, ...args],
      {
        maxBuffer: 1 << 20,
      },
    );
  } catch (err) {
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`building ${what} ${dest} failed (${(err as Error).message}); log ${log}:\n${tail}`);
  }
  if (!fs.existsSync(path.join(dest, '.complete')))
    throw new Error(`${dest}: built, but no .complete marker (see ${log})`);
}

/**
 * debootstrap's minbase of a suite, once per machine: every root of that suite starts as a copy of
 * it (seconds), so a suite is downloaded and unpacked once however many package lists are tested.
 */
async function minbase(suite: string): Promise<string> {
  const dest = path.join(ROOT_CACHE, `${suite}-minbase`);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  await buildLocked(
    `the Debian ${suite} minbase`,
    dest,
    `set -euo pipefail
dest=$1 suite=$2 mirror=$3
[ -e "$dest/.complete" ] && exit 0
tmp=$(mktemp -d "$dest.building.XXXXXX")
# mktemp makes it 0700: the root's own / would then be closed to every user but root.
chmod 0755 "$tmp"
trap 'rm -rf --one-file-system "$tmp"' EXIT
debootstrap --variant=minbase "$suite" "$tmp" "$mirror"
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"
mv -T "$tmp" "$dest"
trap - EXIT
`,
    [dest, suite, MIRROR],
  );
  return dest;
}

/**
 * The path of a complete root for `spec`, built now if the machine has none (a minute or two the
 * first time: debootstrap and apt download from the mirror; seconds afterwards). Throws with the
 * build's log tail on failure.
 */
export async function debianRoot(spec: RootSpec): Promise<string> {
  const dest = rootPath(spec);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  const base = await minbase(spec.suite);
  // Everything after the lock is taken runs in one shell: the check, the build, the rename.
  await buildLocked(
    `the Debian ${spec.suite} root`,
    dest,
    `set -euo pipefail
dest=$1 base=$2; shift 2
[ -e "$dest/.complete" ] && exit 0
tmp=$(mktemp -d "$dest.building.XXXXXX")
trap 'rm -rf --one-file-system "$tmp" "$tmp.base-packages"' EXIT
cp -a "$base/." "$tmp/"
chmod 0755 "$tmp"
rm -f "$tmp/.complete"
chroot "$tmp" dpkg-query -W -f='\${Package}\\n' | sort > "$tmp.base-packages"
printf '#!/bin/sh\\nexit 101\\n' > "$tmp/usr/sbin/policy-rc.d"
chmod 0755 "$tmp/usr/sbin/policy-rc.d"
# The minbase's package lists may be older than the archive's current versions.
chroot "$tmp" apt-get update -qq
chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
chroot "$tmp" apt-get clean
rm -f "$tmp/usr/sbin/policy-rc.d"
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"
mv -T "$tmp" "$dest"
mv -f "$tmp.base-packages" "$dest.base-packages"
trap - EXIT
`,
    [dest, base, ...spec.packages],
  );
  return dest;
}

/** Why nodeMirror cannot be built here, or null. */
export function nodeMirrorUnavailable(): string | null {
  let version = '';
  try {
    version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'nodejs'], { encoding: 'utf8' });
  } catch {
    return "this machine's Node.js is not a Debian package (dpkg-query -W nodejs): nothing to mirror";
  }
  if (Number(version.split('.')[0].replace(/^\d+:/, '')) < 20)
    return `this machine's nodejs package is ${version}; the Debian 12 mirror needs 20 or later`;
  for (const f of ['/usr/bin/dpkg-repack', '/usr/bin/dpkg-scanpackages', '/usr/bin/apt-ftparchive', '/usr/bin/gpg'])
    if (!fs.existsSync(f)) return `${f} not installed (Debian packages dpkg-repack dpkg-dev apt-utils gpg)`;
  return null;
}

/**
 * The operator's mirror of a Node.js 20 repository, for Debian 12 nodes booted from `root`: a flat
 * file repository with this machine's own nodejs package (NodeSource's, as a Debian 12 operator
 * installs it), rebuilt from what dpkg installed, and the Debian packages it needs that the root
 * lacks (python3...), downloaded by the root's own apt. An operator's mirror carries Debian's
 * archive too; the nodes here reach nothing else. Signed as a real repository is (InRelease), with
 * a key made for it, whose public half is `MIRROR_KEY` in the repository: the README's block
 * installs it as a signing key, so its key step runs too. Built once per root and nodejs version.
 */
export async function nodeMirror(root: string): Promise<string> {
  const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'nodejs'], { encoding: 'utf8' });
  const dest = `${root}.node-mirror-signed-${version.replace(/[^\w.+~-]/g, '_')}`;
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  await buildLocked(
    'the Node.js mirror',
    dest,
    `set -euo pipefail
dest=$1 root=$2
[ -e "$dest/.complete" ] && exit 0
tmp=$(mktemp -d "$dest.building.XXXXXX")
chmod 0755 "$tmp"
work=$root/tmp/gx-node-mirror
trap 'rm -rf --one-file-system "$tmp" "$work"' EXIT
rm -rf "$work"; mkdir -p "$work/archives/partial"
(cd "$work" && dpkg-repack nodejs)
# The root's apt resolves the rest against the root's own state (what is installed there is not
# fetched), downloading only: the root stays as debootstrap and its package list left it.
chroot "$root" apt-get install -y -qq --download-only --no-install-recommends \
  -o Dir::Cache::archives=/tmp/gx-node-mirror/archives /tmp/gx-node-mirror/$(cd "$work" && ls nodejs_*.deb)
mv "$work"/nodejs_*.deb "$work"/archives/*.deb "$tmp/"
(cd "$tmp" && dpkg-scanpackages --multiversion . /dev/null > Packages)
export GNUPGHOME=$work/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'galera-agentx test mirror <mirror@invalid>' default default never
gpg --batch --armor --export > "$tmp/${MIRROR_KEY}"
(cd "$tmp" && apt-ftparchive release . > Release && gpg --batch --clearsign -o InRelease Release)
gpgconf --kill gpg-agent
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"
mv -T "$tmp" "$dest"
trap - EXIT
rm -rf --one-file-system "$work"
`,
    [dest, root],
  );
  return dest;
}

/** The mirror's public key, ASCII-armored, in the repository's directory. */
export const MIRROR_KEY = 'mirror-key.asc';

/** debootstrap's own packages in a built root (before the spec's were installed). */
export function basePackages(root: string): string[] {
  const f = `${root}.base-packages`;
  if (!fs.existsSync(f)) throw new Error(`${f} is missing: remove ${root} to rebuild it with its package list`);
  return fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
}
