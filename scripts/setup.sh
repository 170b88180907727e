#!/usr/bin/env bash
# Installs what galera-agentx needs to build, test and demo on Debian: the system packages
# (as root, with apt-get; otherwise it names them and stops), the npm dependencies, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# binary -> Debian package
declare -A NEED=(
  [snmpd]=snmpd [snmpget]=snmp [snmptrapd]=snmptrapd [smilint]=smitools
  [mariadbd]=mariadb-server [mariadb]=mariadb-client [rsync]=rsync [pgrep]=procps
  [keepalived]=keepalived [haproxy]=haproxy [ip]=iproute2
  # The Debian package's test: dpkg-deb builds it, lintian judges it.
  [dpkg-deb]=dpkg [lintian]=lintian
  # The Debian 12 production run's Node.js mirror: this machine's nodejs package, rebuilt from what
  # dpkg installed, in a flat file repository signed with a key made for it.
  [dpkg-repack]=dpkg-repack [dpkg-scanpackages]=dpkg-dev [apt-ftparchive]=apt-utils [gpg]=gpg
  # The split-brain story cuts Galera's ports between namespaces with nftables.
  [nft]=nftables
  # The 2 nodes + garbd stories run the real Galera arbitrator.
  [garbd]=galera-arbitrator-4
)
missing=()
for bin in "${!NEED[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("${NEED[$bin]}")
done
[ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
[ -x /usr/lib/nagios/plugins/check_snmp ] || missing+=(monitoring-plugins-standard)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# The monitoring integrations' tests run the real programs (integrations/).
command -v prometheus-snmp-generator >/dev/null 2>&1 || missing+=(prometheus-snmp-exporter)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/nagios4 ] || missing+=(nagios4-core)
[ -x /usr/sbin/icinga2 ] || missing+=(icinga2-bin)
# Debian 12's Zabbix 6.0 server and frontend (the API served by PHP's built-in server: php-cli;
# php-cgi satisfies php8.2's web-server alternative without a daemon of its own), and the trap
# receiver between snmptrapd and Zabbix (snmptt; it dies at every trap without Net::IP).
[ -x /usr/sbin/zabbix_server ] || missing+=(zabbix-server-mysql)
[ -f /usr/share/zabbix/api_jsonrpc.php ] || missing+=(zabbix-frontend-php)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v php-cgi >/dev/null 2>&1 || missing+=(php-cgi)
php -m 2>/dev/null | grep -qx mysqli || missing+=(php-mysql)
[ -x /usr/sbin/snmptt ] || missing+=(snmptt)
perl -MNet::IP -e1 2>/dev/null || missing+=(libnet-ip-perl)
# Other Debian releases' programs (Zabbix 7.0 from Debian 13) run from a cached debootstrap root.
[ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing $pkgs"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
    # The packages' own services are not ours: tests run private instances on other ports.
    for svc in snmpd snmptrapd mariadb prometheus prometheus-snmp-exporter nagios4 icinga2 haproxy keepalived zabbix-server snmptt apache2 php8.2-fpm; do
      if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
    done
  else
    echo "setup: missing packages: $pkgs" >&2
    echo "setup: run as root, or: sudo apt-get install $pkgs" >&2
    exit 1
  fi
fi
id mysql >/dev/null 2>&1 || { echo "setup: no 'mysql' user; reinstall mariadb-server" >&2; exit 1; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p .
