#!/usr/bin/env node
// galera-init: bootstrap or join a Galera cluster, never from a stale node.

// First: refuses a Node older than 20 with one line, before any other module loads.
import './node-version';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { EXIT } from '../errors';
import { runInit } from '../init/run';
import { realAutoIO, resetAuto, runAuto } from '../init/auto';
import { exitOnError, parseFlags } from './args';
import { releaseLock } from '../sources/lock';
import { parseSchemaList } from '../core/userdata';

const USAGE = `Usage: galera-init [--config FILE] [--dry-run] [--force] [--discard-data=SCHEMAS] [--once]
       galera-init [--config FILE] --auto | --auto-reset

Asks every member's galera-agentx for its status and seqno, then, under the local lock:
joins a running cluster, bootstraps a new one if this node is the most advanced and every member
answered, or waits (saying why) and asks again.
  --dry-run   print the members table and the decision; start nothing, take no lock
  --force     bootstrap even without every member's answer (data on silent members can be lost)
  --discard-data=SCHEMAS
              this node holds user data and no Galera state, and may lose it: join by a state
              transfer that replaces these schemas (comma-separated; exactly the ones it holds)
  --once      one round only: exit ${EXIT.TEMPFAIL} instead of waiting
  --auto      automatic recovery (galera-recover.timer): decide as above only when the server's unit
              failed after a crash (never after a clean stop or an inconsistency) and has for
              init.autoRecoverAfterSeconds; else print why not and exit 0
  --auto-reset  forget the failures counted by --auto (after its crash-loop limit stopped it)
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
      'discard-data': { type: 'string' },
      once: { type: 'boolean' },
      auto: { type: 'boolean' },
      'auto-reset': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  // An automatic recovery is only ever as bold as a boot: never forced, never a trial.
  if ((values.auto || values['auto-reset']) && (values.force || values['dry-run'] || values.once)) {
    process.stderr.write(`--auto and --auto-reset take no --force, --dry-run or --once\n\n${USAGE}`);
    process.exit(EXIT.USAGE);
  }
  // The agent reports this process as `initiating` by this name; an --auto pass takes it only
  // when it acts (its look every few seconds must not flip a stopped node to initiating).
  if (!values.auto) process.title = 'galera-init';
  let code: number;
  try {
    const cfg = loadConfig(values.config);
    const log = createLogger(cfg.log.level, 'galera-init');
    if (values['auto-reset']) {
      resetAuto(realAutoIO(cfg, log));
      process.stdout.write(`galera-init: automatic recovery reset (${cfg.init.autoRecoverStateFile})\n`);
      process.exit(EXIT.OK);
    }
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
    const decide = (l: typeof log): Promise<number> =>
      runInit(cfg, l, {
        dryRun: !!values['dry-run'],
        force: !!values.force,
        discardData: values['discard-data'] === undefined ? undefined : parseSchemaList(values['discard-data']),
        once: !!values.once,
        out: process.stdout,
      });
    code = values.auto
      ? await runAuto(cfg, log, process.stdout, (l) => {
          process.title = 'galera-init';
          return decide(l);
        })
      : await decide(log);
  } catch (err) {
    exitOnError('galera-init', err);
  }
  process.exit(code);
}

void main();
