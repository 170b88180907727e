// Runs the opt-in promotion of a non-Primary survivor (see core/promote.ts for when it may):
// watches how long the local server has been non-Primary, asks the other members' agents once a
// second after the delay, and runs pc.bootstrap=YES on its own server when the rule allows.
// Off the SNMP request path: it works from the snapshot the agent already built, and its own
// SNMP client and MySQL connection. A promotion is counted here and told by the notification table
// (galeraPromotedPrimary, notifier.ts), like every other notification.

import type { Logger } from 'pino';
import type { Config } from '../config';
import type { MemberFacts } from '../core/decide';
import { PC_BOOTSTRAP } from '../core/decide';
import { PC_BOOTSTRAP_VARIABLE } from '../core/wsrep-status';
import { promotionDecision } from '../core/promote';
import type { NodeSnapshot } from '../core/snapshot';
import { resolveMembers, withPeerCredentials } from '../members';
import type { Mib } from '../snmp/mib';
import { PeerTarget, askPeers, maintenanceAsSilent } from '../snmp/peers';
import type { StatementResult } from '../sources/mysql';

/**
 * What to do about a failed pc.bootstrap statement, from the error's code: the real cause, not a
 * guess (a read-only wsrep_provider_options is no missing privilege).
 */
export function pcBootstrapHint(sql: string, r: StatementResult): string {
  switch (r.code) {
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED':
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return "the agent's MySQL user lacks the privilege the error names: GRANT SUPER ON *.* to it";
    case 'ER_WRONG_ARGUMENTS':
    case 'ER_WRONG_VALUE_FOR_VAR':
    case 'ER_INCORRECT_GLOBAL_LOCAL_VAR':
      return sql === PC_BOOTSTRAP_VARIABLE
        ? 'the server refused the variable: check that the wsrep provider plugin is loaded'
        : `the server takes provider options as variables of their own (wsrep provider plugin): ${PC_BOOTSTRAP_VARIABLE}; the agent reads which one at its next look at the server's variables`;
    case 'ER_UNKNOWN_SYSTEM_VARIABLE':
      return `this server has no such variable: ${PC_BOOTSTRAP}`;
    default:
      return 'see the error';
  }
}

export class Promoter {
  private timer: NodeJS.Timeout | null = null;
  private nonPrimarySince = 0;
  private busy = false;
  private lastReason = '';
  private peers: PeerTarget[] = [];
  private selfId = '';
  private latest: NodeSnapshot | null = null;
  /** Promotions done by this agent, and the last one's reason: what galeraPromotedPrimary tells. */
  readonly promotions = { count: 0, reason: '' };

  /**
   * execute runs one statement on the local server (sources/mysql.ts executeStatement); promoted is
   * called after each promotion, so the agent builds a snapshot and the notifier sees the count.
   */
  constructor(
    private readonly cfg: Config,
    private readonly log: Logger,
    private readonly mib: Mib,
    private readonly execute: (sql: string) => Promise<StatementResult>,
    private readonly promoted: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.cfg.init.promoteNonPrimaryAfterSeconds > 0;
  }

  start(): void {
    if (!this.enabled) return;
    try {
      const { targets, selfId } = resolveMembers(withPeerCredentials(this.cfg));
      this.selfId = selfId;
      this.peers = targets.filter((t) => t.id !== selfId);
    } catch (err) {
      this.log.error(
        { err: (err as Error).message },
        'init.promoteNonPrimaryAfterSeconds is set but the members cannot be resolved: promotion stays off',
      );
      return;
    }
    this.log.info(
      { afterSeconds: this.cfg.init.promoteNonPrimaryAfterSeconds, peers: this.peers.map((p) => p.id) },
      'promotion of a non-Primary survivor is on',
    );
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called with every new snapshot: tracks since when the running server is non-Primary. */
  observe(s: NodeSnapshot): void {
    this.latest = s;
    const nonPrimary = s.serverPid > 0 && s.wsrep?.reachable === true && s.wsrep.clusterStatus === 'nonPrimary';
    if (!nonPrimary) this.nonPrimarySince = 0;
    else if (this.nonPrimarySince === 0) this.nonPrimarySince = this.now();
  }

  async tick(): Promise<void> {
    const s = this.latest;
    if (this.busy || !s || this.nonPrimarySince === 0) return;
    const nonPrimaryMs = this.now() - this.nonPrimarySince;
    const afterMs = this.cfg.init.promoteNonPrimaryAfterSeconds * 1000;
    if (nonPrimaryMs < afterMs) return;
    if (s.maintenance) {
      // Maintenance: nothing automatic touches this node.
      const why = 'this node is in maintenance: not promoting';
      if (why !== this.lastReason) this.log.info({ reason: s.maintenance.reason }, why);
      this.lastReason = why;
      return;
    }
    this.busy = true;
    try {
      const peers = (await askPeers(this.mib, this.peers)).map(maintenanceAsSilent);
      const self: MemberFacts = {
        id: this.selfId,
        name: s.nodeName,
        self: true,
        answered: true,
        status: s.status,
        seqno: s.seqno,
        seqnoSource: s.seqnoSource,
        uuid: s.uuid,
        safeToBootstrap: s.safeToBootstrap,
        clusterStatus: s.wsrep?.clusterStatus,
      };
      const d = promotionDecision({ self, peers, nonPrimaryMs, afterMs, savedMembers: s.savedView?.members.length });
      if (!d.promote) {
        if (d.reason !== this.lastReason) this.log.info({ reason: d.reason }, 'non-Primary survivor: not promoting');
        this.lastReason = d.reason;
        return;
      }
      // The statement this server takes, as its variables show (MariaDB 11.8's provider plugin).
      const sql = s.wsrep?.pcBootstrap || PC_BOOTSTRAP;
      const r = await this.execute(sql);
      if (!r.ok) {
        const why = `${sql} failed: ${r.error ?? '?'} (${pcBootstrapHint(sql, r)})`;
        if (why !== this.lastReason) this.log.error({ err: r.error, code: r.code }, why);
        this.lastReason = why;
        return;
      }
      this.log.warn(
        { reason: d.reason },
        `PROMOTED: this non-Primary survivor bootstrapped a Primary component (${sql})`,
      );
      this.promotions.count++;
      this.promotions.reason = d.reason;
      this.promoted();
      this.nonPrimarySince = 0;
      this.lastReason = '';
    } finally {
      this.busy = false;
    }
  }
}
