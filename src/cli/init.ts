#!/usr/bin/env node
// galera-init: bootstrap or join a Galera cluster, never from a stale node.

// First: refuses a Node older than 20 with one line, before any other module loads.
import './node-version';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { EXIT } from '../errors';
import { runInit } from '../init/run';
import { exitOnError, parseFlags } from './args';
import { releaseLock } from '../sources/lock';

const USAGE = `Usage: galera-init [--config FILE] [--dry-run] [--force] [--once]

Asks every member's galera-agentx for its status and seqno, then, under the local lock:
joins a running cluster, bootstraps a new one if this node is the most advanced and every member
answered, or waits (saying why) and asks again.
  --dry-run   print the members table and the decision; start nothing, take no lock
  --force     bootstrap even without every member's answer (data on silent members can be lost)
  --once      one round only: exit ${EXIT.TEMPFAIL} instead of waiting
Exit status: ${EXIT.OK} started or already running; ${EXIT.FAILED} failed or refused; ${EXIT.USAGE} usage error;
${EXIT.TEMPFAIL} gave up waiting; ${EXIT.CONFIG} bad config.
`;

async function main(): Promise<void> {
  const { values } = parseFlags(
    process.argv.slice(2),
    {
      config: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      once: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  // The agent reports this process as `initiating` by this name.
  process.title = 'galera-init';
  let code: number;
  try {
    const cfg = loadConfig(values.config);
    const log = createLogger(cfg.log.level, 'galera-init');
    // systemctl stop (or Ctrl-C) while it waits or decides: leave no lock behind and say so, then
    // die of the signal, which systemd counts as a clean stop (an exit code would be a failure).
    // A server this run already started is the server unit's now and keeps running.
    const onSignal = (signal: NodeJS.Signals): void => {
      releaseLock(cfg.lockFile);
      log.warn({ signal }, 'stopped by a signal: this run starts nothing more (its lock released)');
      process.kill(process.pid, signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    code = await runInit(cfg, log, {
      dryRun: !!values['dry-run'],
      force: !!values.force,
      once: !!values.once,
      out: process.stdout,
    });
  } catch (err) {
    exitOnError('galera-init', err);
  }
  process.exit(code);
}

void main();
