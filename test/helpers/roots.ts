// The Debian roots the tests boot or run programs from (debroot.ts), in one place, so that the test
// command can build them all in the background while the first tests run: on a new machine that is
// minutes of debootstrap and apt off the suite's critical path. A test that needs a root still
// builds it itself (the build is locked and atomic), so the prebuild only saves time.
//
// Run as a program (`node dist/test/helpers/roots.js`), it builds every root and the Node.js mirror,
// one after the other, and says how long each took.

import { debianRoot, debianRootUnavailable, nodeMirror, nodeMirrorUnavailable, RootSpec } from './debroot';

/**
 * A stock Debian 13 server, as the README's production section starts from: debootstrap's set plus
 * the database, its Galera provider, snmpd, Node.js (what the package depends on) and systemd to
 * boot it. Nothing of this project; the package arrives as a file, as an operator copies it.
 */
export const STOCK_TRIXIE: RootSpec = {
  suite: 'trixie',
  packages: ['mariadb-server', 'galera-4', 'snmpd', 'nodejs', 'systemd', 'systemd-sysv'],
};

/**
 * The stock server plus keepalived and nftables from the same archive, for the layouts with the
 * README's VIP and firewall (the nodes have no network: an operator's `apt-get install keepalived`
 * or `nftables` finds it there, as the install block finds the database; Debian's installer puts
 * nftables on every server, debootstrap's minbase does not). The stock production test keeps
 * STOCK_TRIXIE's exact set.
 */
export const KEEPALIVED_TRIXIE: RootSpec = {
  suite: 'trixie',
  packages: [...STOCK_TRIXIE.packages, 'keepalived', 'nftables'],
};

/**
 * A stock Debian 12 server: STOCK_TRIXIE's set less Node.js, which Debian 12 has only at 18. The
 * operator adds a repository with Node.js 20 (the README's step 2), here `nodeMirror`'s.
 */
export const STOCK_BOOKWORM: RootSpec = {
  suite: 'bookworm',
  packages: STOCK_TRIXIE.packages.filter((p) => p !== 'nodejs'),
};

/** Debian 13's Zabbix 7.0 server and frontend (the Zabbix integration test runs them from it). */
export const TRIXIE_ZABBIX: RootSpec = {
  suite: 'trixie',
  packages: ['zabbix-server-mysql', 'zabbix-frontend-php', 'php-cli', 'php-cgi', 'php-mysql'],
};

const ALL = [STOCK_TRIXIE, KEEPALIVED_TRIXIE, TRIXIE_ZABBIX, STOCK_BOOKWORM];

async function prebuild(): Promise<void> {
  for (const spec of ALL) {
    const why = debianRootUnavailable(spec);
    if (why) {
      console.log(`roots: ${spec.suite} [${spec.packages.join(' ')}] not built: ${why}`);
      continue;
    }
    const t = Date.now();
    const root = await debianRoot(spec);
    console.log(`roots: ${root} ready in ${Math.round((Date.now() - t) / 1000)} s`);
    if (spec === STOCK_BOOKWORM && !nodeMirrorUnavailable()) {
      const m = Date.now();
      console.log(`roots: ${await nodeMirror(root)} ready in ${Math.round((Date.now() - m) / 1000)} s`);
    }
  }
}

if (require.main === module)
  prebuild().catch((e: Error) => {
    // The test that needs the root builds it again and fails with the log: here, only say it.
    console.log(`roots: ${e.message}`);
  });
