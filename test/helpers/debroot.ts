// A Debian root filesystem (debootstrap --variant=minbase) with packages installed, cached once per
// machine under /var/cache/galera-agentx-test/ and shared by the tests that run a stock Debian
// release other than the host's (Zabbix 7.0 from Debian 13, the stock-Debian production test).
//
// A root is built in a temp dir next to the cache and renamed into place only when complete, so a
// build cut short is never used; `flock` on a lock file per root keeps two runs from building the
// same root at once (the second waits, then finds it built). Services never start in the build: a
// policy-rc.d that exits 101, as Debian's own container images do, removed once the packages are in
// (a root booted as a machine must start and restart services as a real server does). debootstrap's
// own package set is kept beside the root (`<root>.base-packages`): a test that starts from stock
// Debian tells what debootstrap put there from what the packages pulled in.

import { execFile } from 'node:child_process';
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

/**
 * The path of a complete root for `spec`, built now if the machine has none (minutes: debootstrap
 * and apt download from the mirror; seconds afterwards). Throws with the build's log tail on failure.
 */
export async function debianRoot(spec: RootSpec): Promise<string> {
  const dest = rootPath(spec);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  fs.mkdirSync(ROOT_CACHE, { recursive: true });
  const log = `${dest}.build.log`;
  // Everything after the lock is taken runs in one shell: the check, the build, the rename.
  const script = `set -euo pipefail
dest=$1 suite=$2 mirror=$3; shift 3
[ -e "$dest/.complete" ] && exit 0
tmp=$(mktemp -d "$dest.building.XXXXXX")
# mktemp makes it 0700: the root's own / would then be closed to every user but root.
chmod 0755 "$tmp"
trap 'rm -rf --one-file-system "$tmp" "$tmp.base-packages"' EXIT
debootstrap --variant=minbase "$suite" "$tmp" "$mirror"
chroot "$tmp" dpkg-query -W -f='\${Package}\\n' | sort > "$tmp.base-packages"
printf '#!/bin/sh\\nexit 101\\n' > "$tmp/usr/sbin/policy-rc.d"
chmod 0755 "$tmp/usr/sbin/policy-rc.d"
chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
chroot "$tmp" apt-get clean
rm -f "$tmp/usr/sbin/policy-rc.d"
date -u +%FT%TZ > "$tmp/.complete"
rm -rf "$dest"
mv -T "$tmp" "$dest"
mv -f "$tmp.base-packages" "$dest.base-packages"
trap - EXIT
`;
  try {
    await pexec(
      'bash',
      [
        '-c',
        `exec >>"$0" 2>&1; exec flock "$1.lock" bash -c "$2" build "$1" "$3" "$4" "\${@:5}"`,
        log,
        dest,
        script,
        spec.suite,
        MIRROR,
        ...spec.packages,
      ],
      { maxBuffer: 1 << 20 },
    );
  } catch (err) {
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(
      `building the Debian ${spec.suite} root ${dest} failed (${(err as Error).message}); log ${log}:\n${tail}`,
    );
  }
  if (!fs.existsSync(path.join(dest, '.complete')))
    throw new Error(`${dest}: built, but no .complete marker (see ${log})`);
  return dest;
}

/** debootstrap's own packages in a built root (before the spec's were installed). */
export function basePackages(root: string): string[] {
  const f = `${root}.base-packages`;
  if (!fs.existsSync(f)) throw new Error(`${f} is missing: remove ${root} to rebuild it with its package list`);
  return fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
}
