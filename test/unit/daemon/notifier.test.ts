// The notification table, driven in-process with fake timers and no AgentX: hold, burst and flap,
// each rule's trigger and silence, and the check of the table against the MIB at start.

import { strict as assert } from 'node:assert';
import * as sinon from 'sinon';
import { HeldChange, NotificationRule, Notifier, NotifyContext, RULES, checkRules } from '../../../src/daemon/notifier';
import { loadMib } from '../../../src/snmp/mib';
import { ValueType, type Value } from '../../../src/snmp/agentx/pdu';
import type { NodeSnapshot, WindowEstimate } from '../../../src/core/snapshot';
import { parseWsrepStatus } from '../../../src/core/wsrep-status';
import type { NodeStatus } from '../../../src/core/status';

const mib = loadMib();
const HOLD = 500;

const up: NotifyContext = {
  serverRunning: true,
  mysqlPolled: true,
  mysqlClosed: false,
  mysqlError: '',
  promotions: 0,
  promotedReason: '',
  split: false,
  fenced: false,
};
const status = (o: Record<string, string>): Record<string, string> => ({
  wsrep_local_state: '4',
  wsrep_cluster_status: 'Primary',
  wsrep_cluster_size: '3',
  ...o,
});
const window = (low: boolean | null): WindowEstimate => ({
  rateShort: 1,
  rateLong: 1,
  desiredSeconds: 3600,
  low: low === true,
  short: low === null ? { kind: 'unknown' } : { kind: 'seconds', seconds: low ? 10 : 99999 },
  long: { kind: 'unknown' },
});
const snap = (
  o: {
    status?: NodeStatus;
    wsrep?: Record<string, string> | null;
    reachable?: boolean;
    at?: number;
    low?: boolean | null;
  } = {},
): NodeSnapshot => ({
  at: 1,
  nodeName: 'n1',
  status: o.status ?? 'running',
  reason: '',
  seqno: 1n,
  seqnoSource: 'live',
  uuid: null,
  safeToBootstrap: null,
  savedView: null,
  serverPid: 10,
  lockPid: 0,
  detectMs: 0,
  instance: '',
  sources: [],
  wsrep: parseWsrepStatus(o.wsrep === null ? null : status(o.wsrep ?? {}), null, null, o.reachable ?? true, o.at ?? 1),
  window: window(o.low === undefined ? null : o.low),
});

describe('notifications: a change is reported once it has held', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('reports a change that holds, with the previous reported value', () => {
    const sent: string[] = [];
    const h = new HeldChange<string>('stopped', HOLD, (n, p) => sent.push(`${p}->${n}`));
    h.update('running');
    clock.tick(HOLD - 1);
    assert.deepEqual(sent, []);
    clock.tick(1);
    assert.deepEqual(sent, ['stopped->running']);
  });

  it('says nothing of a flip that flips back, and reports a burst once with its final value', () => {
    const sent: string[] = [];
    const h = new HeldChange<string>('stopped', HOLD, (n, p) => sent.push(`${p}->${n}`));
    h.update('locked');
    clock.tick(100);
    h.update('stopped');
    clock.tick(1000);
    assert.deepEqual(sent, []);
    h.update('initiating');
    clock.tick(100);
    h.update('locked');
    clock.tick(100);
    h.update('bootstrapping');
    clock.tick(100);
    h.update('running');
    clock.tick(HOLD);
    assert.deepEqual(sent, ['stopped->running']);
  });
});

describe('notifications: the rules', () => {
  let clock: sinon.SinonFakeTimers;
  let sent: { name: string; extra: Record<string, Value> }[];
  let n: Notifier;
  const names = (): string[] => sent.map((s) => s.name);
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    sent = [];
    n = new Notifier(mib, HOLD, (name, extra) => sent.push({ name, extra }));
  });
  afterEach(() => {
    n.stop();
    clock.restore();
  });
  const feed = (s: NodeSnapshot, c: NotifyContext = up): void => {
    n.observe(s, c);
    clock.tick(HOLD);
  };

  it('the first snapshot is the baseline: nothing is sent for it', () => {
    feed(snap());
    assert.deepEqual(sent, []);
  });

  it("galeraStatusChanged carries the previous status as the MIB's enum number", () => {
    feed(snap({ status: 'stopped' }));
    feed(snap({ status: 'running' }));
    assert.deepEqual(names(), ['galeraStatusChanged']);
    assert.deepEqual(sent[0].extra, {
      galeraPrevStatus: { type: ValueType.Integer, value: mib.enumValue('galeraPrevStatus', 'stopped') },
    });
  });

  it('a status that flips back within the hold is never reported', () => {
    feed(snap({ status: 'running' }));
    n.observe(snap({ status: 'stopped' }), up);
    clock.tick(HOLD / 2);
    feed(snap({ status: 'running' }));
    assert.deepEqual(sent, []);
  });

  it('wsrep values: local state, cluster status and size, each with its previous value and type', () => {
    feed(snap());
    feed(snap({ wsrep: { wsrep_local_state: '2', wsrep_cluster_status: 'non-Primary', wsrep_cluster_size: '1' } }));
    assert.deepEqual(names().sort(), [
      'galeraClusterSizeChanged',
      'galeraClusterStatusChanged',
      'galeraLocalStateChanged',
    ]);
    const by = (name: string): Record<string, Value> => sent.find((s) => s.name === name)!.extra;
    assert.deepEqual(by('galeraLocalStateChanged'), { galeraPrevLocalState: { type: ValueType.Integer, value: 4 } });
    assert.deepEqual(by('galeraClusterStatusChanged'), {
      galeraPrevClusterStatus: { type: ValueType.Integer, value: mib.enumValue('galeraPrevClusterStatus', 'primary') },
    });
    assert.deepEqual(by('galeraClusterSizeChanged'), { galeraPrevClusterSize: { type: ValueType.Gauge32, value: 3 } });
  });

  it('wsrep values are watched only while known: an unreachable server sends no cascade of unknowns', () => {
    feed(snap());
    feed(snap({ reachable: false, wsrep: null, at: 0 }));
    feed(snap());
    assert.deepEqual(names(), []);
  });

  it('the window alarm and its clear come as a pair, and not while the window is unknown', () => {
    feed(snap({ low: false }));
    feed(snap({ low: null }));
    feed(snap({ low: true }));
    feed(snap({ low: false }));
    assert.deepEqual(names(), ['galeraWindowLowAlarm', 'galeraWindowRecovered']);
  });

  it('an agent that starts while the window is already low raises the alarm (no edge seen)', () => {
    feed(snap({ low: null }));
    feed(snap({ low: true }));
    feed(snap({ low: false }));
    assert.deepEqual(names(), ['galeraWindowLowAlarm', 'galeraWindowRecovered']);
  });

  it('an agent that starts into a healthy window says nothing', () => {
    feed(snap({ low: false }));
    feed(snap({ low: false }));
    assert.deepEqual(names(), []);
  });

  it('the disk alarm: raised below the threshold (also by an agent that starts there), cleared above, silent while unknown', () => {
    const disk = (low: boolean | null): NodeSnapshot => ({
      ...snap({ low: false }),
      disk: { freeMiB: low === null ? null : 5, freePercent: low === null ? null : 5, low },
    });
    feed(disk(null));
    feed(disk(true));
    feed(disk(null));
    feed(disk(true));
    feed(disk(false));
    feed(disk(false));
    assert.deepEqual(names(), ['galeraDiskLowAlarm', 'galeraDiskRecovered']);
  });

  it('MySQL lost after a success, with the error text; regained when it answers again', () => {
    feed(snap());
    feed(snap({ reachable: false }), { ...up, mysqlError: 'too many connections' });
    feed(snap());
    assert.deepEqual(names(), ['galeraMysqlLost', 'galeraMysqlRegained']);
    assert.equal((sent[0].extra.galeraNotifyText as { value: Buffer }).value.toString(), 'too many connections');
  });

  it("galeraPromotedPrimary: once per promotion, the promoter's reason as galeraNotifyText, clipped by the MIB", () => {
    feed(snap());
    const reason = `non-Primary for 2 s; ${'é'.repeat(200)}`;
    feed(snap(), { ...up, promotions: 1, promotedReason: reason });
    feed(snap(), { ...up, promotions: 1, promotedReason: reason });
    assert.deepEqual(names(), ['galeraPromotedPrimary']);
    const text = (sent[0].extra.galeraNotifyText as { value: Buffer }).value;
    assert.ok(text.length <= 255, 'a DisplayString: at most 255 bytes');
    assert.ok(reason.startsWith(text.toString()), 'clipped on a character boundary');
    feed(snap(), { ...up, promotions: 2, promotedReason: 'again' });
    assert.deepEqual(names(), ['galeraPromotedPrimary', 'galeraPromotedPrimary']);
  });

  it('never read since the agent started is not "lost"; a clean stop (server closing) is not either', () => {
    feed(snap({ reachable: false, wsrep: null, at: 0 }));
    feed(snap());
    feed(snap({ reachable: false }), { ...up, mysqlClosed: true });
    assert.deepEqual(names(), []);
  });

  it('MySQL lost, then the server closes its doors (killed while frozen): no "regained" before the stop is seen', () => {
    feed(snap());
    feed(snap({ reachable: false }));
    feed(snap({ reachable: false }), { ...up, mysqlClosed: true });
    assert.deepEqual(names(), ['galeraMysqlLost']);
    feed(snap({ reachable: false }), { ...up, serverRunning: false, mysqlClosed: true });
    feed(snap());
    assert.deepEqual(names(), ['galeraMysqlLost'], 'a server that comes back later starts a new watch');
  });

  it('MySQL lost ends silently when the server stops: no "regained", and the next server starts clean', () => {
    feed(snap());
    feed(snap({ reachable: false }));
    assert.deepEqual(names(), ['galeraMysqlLost']);
    feed(snap({ reachable: false, status: 'stopped' }), { ...up, serverRunning: false });
    assert.deepEqual(names(), ['galeraMysqlLost', 'galeraStatusChanged']);
    feed(snap({ status: 'running' }));
    assert.deepEqual(
      names(),
      ['galeraMysqlLost', 'galeraStatusChanged', 'galeraStatusChanged'],
      'no galeraMysqlRegained for the new server',
    );
  });

  it('a loss that ends within the hold (the server stops) is never sent', () => {
    feed(snap());
    n.observe(snap({ reachable: false }), up);
    clock.tick(HOLD / 2);
    feed(snap({ reachable: false }), { ...up, serverRunning: false });
    assert.deepEqual(names(), []);
  });
});

describe('notifications: the table is checked against the MIB at start', () => {
  it('the shipped table passes', () => assert.doesNotThrow(() => checkRules(mib, RULES)));

  const broken = (o: Partial<NotificationRule>): NotificationRule[] => [{ ...RULES[0], ...o }];
  it('a misspelt notification fails at start, naming it', () => {
    assert.throws(
      () => new Notifier(mib, HOLD, () => undefined, broken({ notifications: ['galeraStatusChange'] })),
      /no notification galeraStatusChange/,
    );
  });
  it('a previous-value object the notification does not carry fails', () => {
    assert.throws(
      () => checkRules(mib, broken({ previous: 'galeraPrevLocalState' })),
      /galeraStatusChanged does not carry galeraPrevLocalState/,
    );
  });
  it('an extra object the notification does not carry fails', () => {
    assert.throws(
      () => checkRules(mib, broken({ extra: () => ({ galeraNotifyText: 'x' }) })),
      /does not carry galeraNotifyText/,
    );
  });
});
