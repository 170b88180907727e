#!/usr/bin/env bash
# Builds galera-agentx_<version>_all.deb from this checkout (npm run package:deb):
# dist/ (already built), the production node_modules installed from the npm cache (nothing is
# fetched, at build or at install), the units, tmpfiles.d and sysusers.d entries, the configs under
# /etc as conffiles, the snmpd drop-in, the MIB, docs. Staged in a temp dir, packed with
# `dpkg-deb --root-owner-group -b`: every file is root's in the archive; postinst sets the groups
# that need another owner.
#
#   scripts/package-deb.sh [--version V] [--out DIR]
#
# --version overrides package.json's (the tests build an older and a newer package from one tree).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

version=$(node -p "require('./package.json').version")
out=$repo
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    *) echo "package-deb: unknown argument '$1' (usage: package-deb.sh [--version V] [--out DIR])" >&2; exit 64 ;;
  esac
done
for tool in dpkg-deb gzip md5sum; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool not found: apt-get install dpkg-dev" >&2; exit 69; }
done
[ -f dist/src/cli/agent.js ] || { echo "package-deb: dist/ is not built: run npm run build" >&2; exit 66; }

# Reproducible: every date is the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
stage=$(mktemp -d "${TMPDIR:-/tmp}/galera-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
lib=$root/usr/lib/galera-agentx
doc=$root/usr/share/doc/galera-agentx
umask 022
mkdir -p "$lib/dist" "$lib/mibs" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/tmpfiles.d" \
  "$root/usr/lib/sysusers.d" "$root/usr/share/snmp/mibs" "$root/usr/share/galera-agentx" "$doc/examples" \
  "$root/etc/galera-agentx" "$root/etc/snmp/snmpd.conf.d" "$root/usr/share/lintian/overrides" "$root/DEBIAN"

# The programs: compiled JavaScript only (no maps: they point at sources the package does not carry).
tar -C dist --exclude='*.map' -cf - src | tar -C "$lib/dist" -xf -
chmod 0755 "$lib/dist/src/cli/agent.js" "$lib/dist/src/cli/check.js" "$lib/dist/src/cli/init.js"
ln -s ../lib/galera-agentx/dist/src/cli/agent.js "$root/usr/bin/galera-agentx"
ln -s ../lib/galera-agentx/dist/src/cli/check.js "$root/usr/bin/galera-check"
ln -s ../lib/galera-agentx/dist/src/cli/init.js "$root/usr/bin/galera-init"

# The production dependencies, exactly as the lock file says, from the npm cache.
node -e '
  const p = require("./package.json");
  const out = { name: p.name, version: process.argv[1], description: p.description, license: p.license,
    private: true, engines: p.engines, dependencies: p.dependencies };
  require("fs").writeFileSync(process.argv[2] + "/package.json", JSON.stringify(out, null, 2) + "\n");
' "$version" "$lib"
cp package-lock.json "$lib/"
(cd "$lib" && npm ci --omit=dev --offline --ignore-scripts --no-audit --no-fund --loglevel=error) || {
  echo "package-deb: npm ci --offline failed: the npm cache lacks a dependency; run npm ci once with network" >&2
  exit 69
}
rm -f "$lib/package-lock.json" "$lib/node_modules/.package-lock.json"
# The modules' licences go into the copyright file; type definitions, docs, tests and maps are not
# needed at run time (and lintian flags docs and licences outside /usr/share/doc).
licences=$stage/licences
: >"$licences"
for pj in "$lib"/node_modules/*/package.json "$lib"/node_modules/@*/*/package.json; do
  [ -f "$pj" ] || continue
  d=$(dirname "$pj")
  node -e '
    const p = require(process.argv[1]);
    const who = p.author ? (p.author.name || p.author) : "its authors";
    console.log(`\nFiles: usr/lib/galera-agentx/node_modules/${p.name}/*\nCopyright: ${who}\nLicense: ${p.license}`);
  ' "$pj" >>"$licences"
  for l in "$d"/LICENSE* "$d"/LICENCE* "$d"/license*; do
    [ -f "$l" ] || continue
    # Apache-2.0: Debian ships the text in /usr/share/common-licenses.
    if grep -q 'Apache License' "$l"; then
      printf ' On Debian systems, the full text of the Apache License 2.0 is in\n /usr/share/common-licenses/Apache-2.0.\n' >>"$licences"
    else
      sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$l" >>"$licences"
    fi
  done
done
find "$lib/node_modules" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \
  -o -name '*.markdown' -o -iname 'LICENSE*' -o -iname 'LICENCE*' -o -name '.npmignore' -o -name '.eslintrc*' \
  -o -name '.travis.yml' -o -name '.editorconfig' -o -name 'tsconfig*.json' -o -name '.prettierrc*' \
  -o -name '.taprc' -o -name '.nycrc' -o -name '*.tsbuildinfo' -o -name 'Makefile' -o -name '*.html' \
  -o -name '*.sh' -o -name '.git*' \) -type f -delete
find "$lib/node_modules" -depth -type d \( -name test -o -name tests -o -name __tests__ -o -name benchmarks \
  -o -name .github -o -name .husky -o -name docs -o -name example -o -name examples -o -name typings \) \
  -exec rm -rf {} +
# net-snmp's copies of the RFCs it implements.
rm -rf "$lib/node_modules/net-snmp/ref"
# Type-only packages: nothing in them runs.
for t in "$lib"/node_modules/@types "$lib"/node_modules/undici-types; do
  [ -d "$t" ] && ! find "$t" -name '*.js' | grep -q . && rm -rf "$t"
done
find "$lib/node_modules" -type d -empty -delete
# Files are not programs, except the modules' own command-line entry points (#!), never run here.
find "$lib/node_modules" -type f -exec chmod 0644 {} +
grep -rlZ --include='*.js' --include='*.mjs' --include='*.cjs' -m1 '^#!' "$lib/node_modules" | xargs -0 -r chmod 0755

# The MIB: the agent loads it from its own tree; net-snmp's tools find it by name in
# /usr/share/snmp/mibs. The IETF modules it imports are not in Debian main (snmp-mibs-downloader
# is non-free), so they ship beside it: `snmpget -M +/usr/share/galera-agentx/mibs -m GALERA-MIB`.
cp mibs/GALERA-MIB.txt "$root/usr/share/snmp/mibs/GALERA-MIB.txt"
ln -s ../../../share/snmp/mibs/GALERA-MIB.txt "$lib/mibs/GALERA-MIB.txt"
mkdir -p "$root/usr/share/galera-agentx/mibs"
# Named by module, as snmp-mibs-downloader names them (net-snmp reads every file in a MIB dir).
for m in mibs/ietf/*.txt; do cp "$m" "$root/usr/share/galera-agentx/mibs/$(basename "$m" .txt)"; done

# systemd: units, the directories' one owner, the system user.
cp systemd/galera-agentx.service systemd/galera-init.service systemd/galera-recover.service \
	systemd/galera-recover.timer "$root/lib/systemd/system/"
cp systemd/tmpfiles.conf "$root/usr/lib/tmpfiles.d/galera-agentx.conf"
cp systemd/sysusers.conf "$root/usr/lib/sysusers.d/galera-agentx.conf"

# Configs (conffiles): galera-init's root-only, the agent's readable by its group (postinst).
install -m 0600 packaging/deb/etc/galera-agentx/config.yaml "$root/etc/galera-agentx/config.yaml"
install -m 0640 packaging/deb/etc/galera-agentx/agent.yaml "$root/etc/galera-agentx/agent.yaml"
install -m 0640 packaging/deb/etc/galera-agentx/agent.cnf "$root/etc/galera-agentx/agent.cnf"
chmod 0750 "$root/etc/galera-agentx"
install -m 0644 packaging/deb/etc/snmp/snmpd.conf.d/galera-agentx.conf "$root/etc/snmp/snmpd.conf.d/galera-agentx.conf"

# Integrations (Nagios, Icinga, Zabbix, Prometheus, HAProxy) and docs.
cp -r integrations "$root/usr/share/galera-agentx/integrations"
find "$root/usr/share/galera-agentx" -type f -exec chmod 0644 {} +
cp config-sample.yaml snmpd/snmpd.conf docs/keepalived.conf "$doc/examples/"
cp README.md "$doc/README.md"
gzip -9n "$doc/README.md"
sed -e "1s/^galera-agentx ([^)]*)/galera-agentx ($version)/" \
  -e "s/@DATE@/$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" -R)/" packaging/deb/changelog >"$doc/changelog"
gzip -9n "$doc/changelog"
{ cat packaging/deb/copyright; cat "$licences"; } >"$doc/copyright"
cp packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/galera-agentx"

# Manual pages: each command's --help, which is what it accepts (run with the Node that builds).
mkdir -p "$root/usr/share/man/man1" "$root/usr/share/man/man8"
manpage() { # NAME SECTION JS SUMMARY
  local help
  help=$(node "dist/src/cli/$3" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/")
  {
    printf '.TH %s %s "%s" "galera-agentx %s" "galera-agentx"\n' "$(echo "$1" | tr a-z A-Z)" "$2" \
      "$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" "$version"
    printf '.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n%s\n.fi\n' "$1" "$4" "$help"
    printf '.SH FILES\n/etc/galera-agentx/config.yaml, /etc/galera-agentx/agent.yaml\n'
    printf '.SH SEE ALSO\n/usr/share/doc/galera-agentx/README.md.gz, snmpd(8)\n'
  } | gzip -9n >"$root/usr/share/man/man$2/$1.$2.gz"
}
manpage galera-agentx 8 agent.js "GALERA-MIB AgentX subagent of snmpd"
manpage galera-init 8 init.js "bootstrap or join a Galera cluster, never from a stale node"
manpage galera-check 1 check.js "a Galera node's status, seqno or health"

# Control files.
for s in preinst postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$root/DEBIAN/$s"; done
# A mariadb-server upgrade stops the server; the trigger starts galera-init again (postinst).
install -m 0644 packaging/deb/triggers "$root/DEBIAN/triggers"
(cd "$root" && find etc -type f | sed 's#^#/#' | sort) >"$root/DEBIAN/conffiles"
installed=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed/" packaging/deb/control >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's#  \./#  #') \
  >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb=$out/galera-agentx_${version}_all.deb
dpkg-deb --root-owner-group -Zxz -b "$root" "$deb" >/dev/null
echo "$deb"
