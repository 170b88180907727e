#!/usr/bin/env node
// galera-check: the node's status or seqno, one word on stdout, for scripts, snmpd `extend`
// lines and keepalived. Computed here with the daemon's own sources and core.

import { loadConfig } from '../config';
import { EXIT } from '../errors';
import { createLogger } from '../log';
import { collectOnce } from '../collect';
import { snapshotToJson } from '../core/snapshot';
import { exitOnError, parseFlags } from './args';
import { clusterTable } from '../check/cluster';
import { healthVerdict } from '../core/health';

const USAGE = `Usage: galera-check [--config FILE] [--json] [--no-recover] status|seqno|healthy|cluster

  status        bootstrapping | running | initiating | locked | stopped
  seqno         the last committed seqno, or -1 when unknown (runs --wsrep-recover after a crash,
                under the initiator lock, unless --no-recover)
  healthy       exit ${EXIT.OK} when the node should take traffic (Primary, Synced, or Donor when
                keepalived.donorIsHealthy, and ready), ${EXIT.FAILED} otherwise; prints the one-line reason.
                The rule of the keepalived track file and of the HTTP health endpoint.
  cluster       every member's status and seqno from their agents (the init.members of the config),
                and what galera-init would decide now
  --json        the whole snapshot as JSON (status, seqno, source, uuid, reason, sources, wsrep)
  --config FILE as for galera-agentx (default /etc/galera-agentx/config.yaml)
Exit status: ${EXIT.OK} when answered (healthy: ${EXIT.OK} healthy, ${EXIT.FAILED} unhealthy), ${EXIT.FAILED} on an unexpected error,
${EXIT.USAGE} on usage errors, ${EXIT.CONFIG} on config errors.
`;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    {
      config: { type: 'string' },
      json: { type: 'boolean' },
      'no-recover': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const what = positionals[0];
  if (!values.json && (positionals.length !== 1 || !['status', 'seqno', 'healthy', 'cluster'].includes(what))) {
    process.stderr.write(USAGE);
    process.exit(EXIT.USAGE);
  }
  let cfg;
  try {
    cfg = loadConfig(values.config);
  } catch (err) {
    exitOnError('galera-check', err);
  }
  // Problems go to stderr as JSON lines at warn level; stdout carries only the answer.
  const log = createLogger('warn', 'galera-check');
  if (what === 'cluster') {
    try {
      process.stdout.write(await clusterTable(cfg, log));
    } catch (err) {
      exitOnError('galera-check', err);
    }
    return;
  }
  const snap = await collectOnce(cfg, log, { recover: !values['no-recover'] && (what === 'seqno' || !!values.json) });
  if (values.json) process.stdout.write(`${JSON.stringify(snapshotToJson(snap), null, 2)}\n`);
  if (what === 'healthy') {
    const v = healthVerdict(snap.wsrep, snap.serverPid !== 0, cfg.keepalived.donorIsHealthy);
    if (!values.json) process.stdout.write(`${v.reason}\n`);
    process.exitCode = v.healthy ? EXIT.OK : EXIT.FAILED;
  } else if (!values.json) process.stdout.write(`${what === 'status' ? snap.status : snap.seqno.toString()}\n`);
}

void main();
