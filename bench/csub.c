/*
 * The anchor for the subagent benchmark: the smallest AgentX subagent Net-SNMP's own agent library
 * makes. One read-only scalar (netsnmp_register_read_only_long_instance), the library's main loop
 * (agent_check_and_process). Built at bench time against Debian's libsnmp-dev:
 *
 *   gcc -O2 -o csub csub.c $(net-snmp-config --agent-libs)
 *
 *   csub AGENTX_SOCKET      (stops on SIGTERM/SIGINT)
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <signal.h>

static volatile sig_atomic_t keep_running = 1;
static void stop(int sig) { (void)sig; keep_running = 0; }

/* Under NET-SNMP-MIB's experimental arc, next to GALERA-MIB's (…8072.9999.9999.3306). */
static oid scalar_oid[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 77, 1, 0 };
static long scalar_value = 42;

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: csub AGENTX_SOCKET\n"); return 2; }
  snmp_enable_stderrlog();
  netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
  netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, 15);
  init_agent("bench-csub");
  if (netsnmp_register_read_only_long_instance("benchScalar", scalar_oid, OID_LENGTH(scalar_oid), &scalar_value, NULL) != MIB_REGISTERED_OK) {
    fprintf(stderr, "csub: registration failed\n");
    return 1;
  }
  init_snmp("bench-csub");
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  while (keep_running) agent_check_and_process(1);
  snmp_shutdown("bench-csub");
  return 0;
}
