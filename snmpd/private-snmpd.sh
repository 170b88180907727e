#!/usr/bin/env bash
# Runs a private, unprivileged-port Net-SNMP master for the demo and the tests:
# its own config (-C: the system's is not read), its own AgentX socket, its own persistent dir,
# listening on loopback only. It execs snmpd in the foreground, so the caller's PID is snmpd's.
#
#   private-snmpd.sh DIR PORT [TRAP_PORT]
#
# AGENTX_SOCKET (env) overrides the AgentX socket, e.g. tcp:127.0.0.1:7050.
# DIR gets snmpd.conf, agentx.sock, snmpd.log and the persistent state. TRAP_PORT, when given,
# is where snmpd sends SNMPv2c traps (trap2sink) for the notifications.
set -euo pipefail
dir=${1:?usage: private-snmpd.sh DIR PORT [TRAP_PORT]}
port=${2:?usage: private-snmpd.sh DIR PORT [TRAP_PORT]}
trap_port=${3:-}
snmpd_bin=${SNMPD:-$(command -v snmpd || echo /usr/sbin/snmpd)}
[ -x "$snmpd_bin" ] || { echo "snmpd not found: install Debian's 'snmpd' package (apt-get install snmpd)" >&2; exit 127; }
mkdir -p "$dir/persist"
cat > "$dir/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$port
master agentx
agentxsocket ${AGENTX_SOCKET:-$dir/agentx.sock}
# Only the owner and group may speak AgentX: a subagent can serve any OID it likes.
agentxperms 0660 0770
# How long snmpd waits for a subagent answer before it retries, and how often it retries.
agentxtimeout 1
agentxretries 2
rocommunity public 127.0.0.1
rwcommunity private 127.0.0.1
sysLocation galera-agentx private snmpd
sysContact nobody
# Traps leave from loopback, not 0.0.0.0.
[snmp] clientaddr 127.0.0.1
CONF
# SNMPV3_USER / SNMPV3_AUTH / SNMPV3_PRIV (env): an SNMPv3 authPriv (SHA/AES) read-only user.
if [ -n "${SNMPV3_USER:-}" ]; then
  echo "createUser $SNMPV3_USER SHA \"$SNMPV3_AUTH\" AES \"$SNMPV3_PRIV\"" >> "$dir/snmpd.conf"
  echo "rouser $SNMPV3_USER authpriv" >> "$dir/snmpd.conf"
fi
if [ -n "$trap_port" ]; then
  echo "trap2sink 127.0.0.1:$trap_port public" >> "$dir/snmpd.conf"
fi
export SNMP_PERSISTENT_DIR="$dir/persist"
# snmpd needs no MIB files to serve; an empty search path keeps its log free of load errors.
mkdir -p "$dir/nomibs"
export MIBDIRS="$dir/nomibs" MIBS=""
# rwcommunity exists only so the tests can prove that SETs are refused by the subagent itself.
exec "$snmpd_bin" -f -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" -p "$dir/snmpd.pid" \
  -I -smux,mteTrigger,mteTriggerConf,mteEvent,mteEventConf
