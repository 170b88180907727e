#!/usr/bin/env node
// galera-check: the node's status or seqno, one word on stdout, for scripts, snmpd `extend`
// lines and keepalived. The answers are src/check/answer.ts; this file parses flags and prints.

// First: refuses a Node older than 20 with one line, before any other module loads.
import './node-version';
import * as os from 'node:os';
import { loadConfig } from '../config';
import { EXIT } from '../errors';
import { createLogger } from '../log';
import { exitOnError, parseFlags } from './args';
import { QUESTIONS, Question, answer } from '../check/answer';
import { maintenanceCommand } from '../check/initstate';

const USAGE = `Usage: galera-check [--config FILE] [--json] [--no-recover] [--verbose] status|seqno|healthy|cluster|mark
       galera-check [--config FILE] maintenance [on [--reason TEXT] | off]

  status        bootstrapping | running | initiating | locked | stopped; with --verbose, then the
                maintenance mode and galera-init's current or last decision, reason and advice
  seqno         the last committed seqno, or -1 when unknown (runs --wsrep-recover after a crash,
                under the initiator lock, unless --no-recover)
  healthy       exit ${EXIT.OK} when the node should take traffic (Primary, Synced, or Donor when
                keepalived.donorIsHealthy, and ready, not refusing clients: wsrep_reject_queries,
                read_only with keepalived.readOnlyIsHealthy false), ${EXIT.FAILED} otherwise; prints
                the one-line reason. The rule of the keepalived track file and of the HTTP endpoint.
  mark          this node's high-water mark (kept under stateDir, outside the datadir), and
                "restored or replaced datadir" when its own position is below it
  cluster       every member's status and seqno from their agents (the init.members of the config),
                what galera-init would decide now, and this node's maintenance mode and galera-init
  maintenance   on: galera-init leaves this node alone, it reports unhealthy (HTTP 503, track file,
                galeraMaintenance), and the other members count it as a member that did not answer,
                until off; it survives a reboot. Alone: whether it is on
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
      verbose: { type: 'boolean' },
      reason: { type: 'string' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals[0] === 'maintenance') {
    const onOff = positionals.at(1);
    if (positionals.length > 2 || (onOff !== undefined && onOff !== 'on' && onOff !== 'off') || values.json) {
      process.stderr.write(USAGE);
      process.exit(EXIT.USAGE);
    }
    try {
      const cfg = loadConfig(values.config);
      // Who turned it on, for the operator who finds it on: sudo's caller when there is one.
      const by = process.env.SUDO_USER ?? os.userInfo().username;
      process.stdout.write(maintenanceCommand(cfg, onOff, { reason: values.reason, by }));
    } catch (err) {
      exitOnError('galera-check', err);
    }
    return;
  }
  if (values.reason !== undefined) {
    process.stderr.write(USAGE);
    process.exit(EXIT.USAGE);
  }
  const what = positionals[0] as Question | undefined;
  if (!values.json && (positionals.length !== 1 || !(QUESTIONS as readonly string[]).includes(what ?? ''))) {
    process.stderr.write(USAGE);
    process.exit(EXIT.USAGE);
  }
  try {
    const cfg = loadConfig(values.config);
    // Problems go to stderr as JSON lines at warn level; stdout carries only the answer.
    const log = createLogger('warn', 'galera-check');
    const a = await answer(cfg, log, what, {
      json: !!values.json,
      recover: !values['no-recover'],
      verbose: !!values.verbose,
    });
    process.stdout.write(a.out);
    process.exitCode = a.code;
  } catch (err) {
    exitOnError('galera-check', err);
  }
}

void main();
