// Network namespaces on one bridge, for tests that need real L2 between real daemons (VRRP).
// Every name starts with a per-process prefix so tests of other worktrees never collide; only
// what was created here is deleted, by name recorded at creation.

import { execFileSync } from 'node:child_process';

export interface Lan {
  prefix: string;
  bridge: string;
  nodes: string[];
}

const ip = (...args: string[]): string =>
  execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Why netns cannot be used here, or null when they can (root, iproute2, veth and bridge). */
export function netnsUnavailable(prefix: string): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `${prefix}-probe`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'b0', 'type', 'bridge');
    return null;
  } catch (err) {
    return `cannot create a network namespace with a bridge: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      /* never made */
    }
  }
}

/**
 * n namespaces `${prefix}-1..n`, each with an `eth0` (veth) holding `${subnet}.i/24`, all plugged
 * into a bridge inside `${prefix}-br`. The interface name is the same in each, as on real hosts.
 */
export function createLan(prefix: string, n: number, subnet: string): Lan {
  const lan: Lan = { prefix, bridge: `${prefix}-br`, nodes: [] };
  ip('netns', 'add', lan.bridge);
  try {
    ip('-n', lan.bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', lan.bridge, 'link', 'set', 'br0', 'up');
    for (let i = 1; i <= n; i++) {
      const ns = `${prefix}-${i}`;
      ip('netns', 'add', ns);
      lan.nodes.push(ns);
      ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', lan.bridge);
      ip('-n', lan.bridge, 'link', 'set', `p${i}`, 'master', 'br0', 'up');
      ip('-n', ns, 'addr', 'add', `${subnet}.${i}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    deleteLan(lan);
    throw err;
  }
  return lan;
}

/** Deleting a namespace deletes its veth ends, and with them their peers. */
export function deleteLan(lan: Lan): void {
  for (const ns of [...lan.nodes, lan.bridge]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      /* already gone */
    }
  }
}

/** The IPv4 addresses on an interface of a namespace, from `ip -4 addr show`. */
export function addresses(ns: string, dev = 'eth0'): string[] {
  return [...ip('-n', ns, '-4', 'addr', 'show', 'dev', dev).matchAll(/inet (\S+)/g)].map((m) => m[1]);
}
