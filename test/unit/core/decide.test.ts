// galera-init's decision, from every node's point of view. Each case is written out by hand with
// the outcome and the reason text an operator reads; the properties then vary what each node sees.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MemberFacts, decide, fresh, rank } from '../../../src/core/decide';
import { DecideCase, itDecides, memberOf, U, V } from '../../helpers/members';

const Z = '00000000-0000-0000-0000-000000000000';
const m = memberOf({ seqnoSource: 'grastate', userData: false });
const run = (id: string, over: Partial<MemberFacts> = {}): MemberFacts =>
  m(id, { status: 'running', clusterStatus: 'primary', seqnoSource: 'live', ...over });
// A peer whose agent did not answer, as peers.ts reports it: no facts at all, only why.
const silent = (id: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
  id,
  self: false,
  answered: false,
  error: 'no answer (timeout)',
  ...over,
});
const strict = { force: false, quorumAfterMs: 0 };
const force = { force: true, quorumAfterMs: 0 };
// The quorum policy after a minute, and a wait well past it.
const quorum = { force: false, quorumAfterMs: 60000 };
const long = 600000;

type Case = DecideCase;

describe('galera-init decision, case by case', () => {
  const cases: Case[] = [
    // Nothing to do, or not our business.
    ['the local server already runs', [m('a', { self: true, status: 'running' }), m('b')], 'done', /already running/],
    [
      'the local server bootstraps',
      [m('a', { self: true, status: 'bootstrapping' }), m('b')],
      'done',
      /already bootstrapping/,
    ],
    ['not among the members', [m('a'), m('b')], 'refuse', /not among the members/, { advice: /init.self/ }],
    // Identity: the member list is compared by the names the agents answer with.
    [
      'two targets answer as this node (an agent that does not say its instance)',
      [m('a', { self: true }), m('a-alias', { name: 'a' }), m('b')],
      'refuse',
      /a and a-alias both answer as this node \('a'\)/,
      { advice: /list each node once/ },
    ],
    [
      'two peers answer as one name',
      [m('a', { self: true }), m('10.0.0.2', { name: 'b' }), m('db2', { name: 'b' })],
      'refuse',
      /10\.0\.0\.2 and db2 both answer as 'b'/,
      { advice: /own nodeName/ },
    ],
    [
      'one name from two agents (a copied nodeName)',
      [
        m('a', { self: true, instance: 'x1' }),
        m('db2', { name: 'b', instance: 'x2' }),
        m('db3', { name: 'b', instance: 'x3' }),
      ],
      'refuse',
      /db2 and db3 answer as 'b' from different agents: two nodes share one nodeName/,
      { advice: /own nodeName/ },
    ],
    [
      "this node's FQDN next to its loopback entry (one agent, two names): asked once, it bootstraps",
      [
        m('127.0.0.1:161', { self: true, name: 'a', instance: 'x1', seqno: 12n }),
        m('a.example.com', { name: 'a', instance: 'x1', seqno: 12n }),
        m('b', { instance: 'x2' }),
      ],
      'bootstrap',
      /seqno 12 \(a:12 b:10\)/,
    ],
    [
      'this node listed second under its other name: it still is the one kept, and bootstraps',
      [
        m('a.example.com', { name: 'a', instance: 'x1', seqno: 12n }),
        m('127.0.0.1:161', { self: true, name: 'a', instance: 'x1', seqno: 12n }),
        m('b', { instance: 'x2' }),
      ],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 12 \(a:12 b:10\)$/,
    ],
    [
      'one name, one agent saying its instance and one not: not provably one agent',
      [m('a', { self: true }), m('10.0.0.2', { name: 'b', instance: 'x2' }), m('db2', { name: 'b' })],
      'refuse',
      /^10\.0\.0\.2 and db2 both answer as 'b': the same node is listed twice, or two nodes share one nodeName$/,
    ],
    [
      'a peer reached under two names is asked once',
      [
        m('a', { self: true, seqno: 5n }),
        m('10.0.0.2', { name: 'b', instance: 'x2', seqno: 9n }),
        m('db2', { name: 'b', instance: 'x2', seqno: 9n }),
      ],
      'wait',
      /b is the most advanced: seqno 9 \(a:5 b:9\)/,
    ],
    // Joining: only a Primary component, of this node's history, not behind it.
    [
      'a Primary peer runs: join it',
      [m('a', { self: true }), run('b', { seqno: 20n }), m('c', { answered: false })],
      'join',
      /^b Primary \(seqno 20\): joining the cluster$/,
      { target: 'b' },
    ],
    [
      'a fresh node joins a Primary cluster',
      [m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unknown' }), run('b')],
      'join',
      /joining/,
      { target: 'b' },
    ],
    [
      'a node behind joins (IST or SST brings it up)',
      [m('a', { self: true, seqno: 5n }), run('b', { seqno: 9n }), run('c', { seqno: 9n })],
      'join',
      /b, c Primary/,
      { target: 'b' },
    ],
    [
      "the join target is ordered by identity, not by this node's spelling",
      [m('a', { self: true }), run('zz', { name: 'c' }), run('yy', { name: 'b' })],
      'join',
      /joining/,
      { target: 'yy' },
    ],
    [
      'this node is ahead of the running cluster: refuse, and say by how much',
      [m('a', { self: true, seqno: 15n }), run('b', { seqno: 12n })],
      'refuse',
      /ahead of the running cluster by 3 transactions \(seqno 15 > 12 on b\)/,
      { advice: /histories may have diverged: compare them.*galera-init --force/ },
    ],
    [
      'a Primary peer whose state UUID is unknown, this node with a position: wait, it cannot tell who is ahead',
      [m('a', { self: true, seqno: 15n }), run('b', { seqno: 12n, uuid: null })],
      'wait',
      /^b is Primary but its state UUID is unknown: cannot tell whether this node \(seqno 15\) is ahead of it$/,
      { advice: /^check that b's agent reads its MySQL server: run on b: galera-check --json$/, waitingFor: ['b'] },
    ],
    [
      'a Primary peer whose state UUID is unknown, this node at seqno 0: a position all the same, wait',
      [m('a', { self: true, seqno: 0n }), run('b', { seqno: 12n, uuid: null })],
      'wait',
      /^b is Primary but its state UUID is unknown: cannot tell whether this node \(seqno 0\) is ahead of it$/,
    ],
    [
      'a Primary peer whose state UUID is unknown, this node with the zero UUID (never in a cluster): join',
      [m('a', { self: true, seqno: 5n, uuid: Z }), run('b', { seqno: 12n, uuid: null })],
      'join',
      /joining/,
      { target: 'b' },
    ],
    [
      'this node with the zero UUID and a higher number: no history to be ahead with, join',
      [m('a', { self: true, seqno: 15n, uuid: Z }), run('b', { seqno: 12n })],
      'join',
      /^b Primary \(seqno 12\): joining the cluster$/,
      { target: 'b' },
    ],
    [
      'a Primary peer whose state UUID is unknown, this node fresh: join (its data comes by state transfer anyway)',
      [m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unknown' }), run('b', { uuid: null })],
      'join',
      /joining/,
      { target: 'b' },
    ],
    [
      'ahead by one of a cluster with no transaction yet (-1): still ahead',
      [m('a', { self: true, seqno: 0n }), run('b', { seqno: -1n })],
      'refuse',
      /ahead of the running cluster by 1 transaction \(seqno 0 > -1 on b\)/,
    ],
    [
      'ahead by one: singular',
      [m('a', { self: true, seqno: 13n }), run('b', { seqno: 12n })],
      'refuse',
      /by 1 transaction \(/,
    ],
    [
      'ahead, forced: join, and say it was forced',
      [m('a', { self: true, seqno: 15n }), run('b', { seqno: 12n })],
      'join',
      /^FORCED \(--force\): this node is ahead/,
      { policy: force, forced: true, target: 'b' },
    ],
    [
      "this node's state is another cluster's",
      [m('a', { self: true, uuid: V }), run('b')],
      'refuse',
      /state 9acf4d34.* is not the running cluster's 84e32a09/,
      { advice: /--force/ },
    ],
    [
      "another cluster's state, forced: join",
      [m('a', { self: true, uuid: V }), run('b')],
      'join',
      /^FORCED/,
      { policy: force, forced: true },
    ],
    [
      'running peers Primary in different clusters: split brain',
      [m('a', { self: true }), run('b', { uuid: U }), run('c', { uuid: V })],
      'refuse',
      /^running members are Primary in different clusters \(b=84e32a09-e6d7-11f1-92ef-87e236721ec1, c=9acf4d34-acdb-11e6-bcc3-d3e36276629f\): a split brain$/,
      { advice: /^keep one cluster: stop the servers of the other, then run galera-init there$/ },
    ],
    [
      "a Primary member that publishes no state UUID is not taken for the other's cluster: wait for it",
      [m('a', { self: true }), run('b'), run('c', { uuid: null })],
      'wait',
      /^c is Primary but its state UUID is unknown: cannot tell whether it is in the cluster of b$/,
      {
        advice: /^check that the agent on c reads its MySQL server: run there: galera-check --json$/,
        waitingFor: ['c'],
      },
    ],
    [
      'two Primary members without a state UUID next to one with it: wait for both (a fresh node too)',
      [
        m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unknown' }),
        run('b'),
        run('c', { uuid: null }),
        run('d', { uuid: null }),
      ],
      'wait',
      /^c, d are Primary but their state UUID is unknown: cannot tell whether they are in the cluster of b$/,
      { waitingFor: ['c', 'd'] },
    ],
    [
      'two known UUIDs and an unknown one: the split brain is seen, refuse',
      [m('a', { self: true }), run('b'), run('c', { uuid: V }), run('d', { uuid: null })],
      'refuse',
      /^running members are Primary in different clusters \(b=84e32a09-e6d7-11f1-92ef-87e236721ec1, c=9acf4d34-acdb-11e6-bcc3-d3e36276629f\): a split brain$/,
    ],
    [
      "this node's zero UUID (no history) with an unplaced position is no other cluster: join",
      [m('a', { self: true, seqno: -1n, uuid: Z, seqnoSource: 'unreadable' }), run('b')],
      'join',
      /joining the cluster; this node's own position is unknown/,
      { target: 'b' },
    ],
    [
      'two members bootstrapping: split brain',
      [m('a', { self: true }), m('b', { status: 'bootstrapping' }), m('c', { status: 'bootstrapping' })],
      'refuse',
      /b, c are all bootstrapping/,
      { advice: /^keep the most advanced of b, c; stop the others' servers \(systemctl stop mariadb\)$/ },
    ],
    [
      'bootstrapping next to a Primary component of another history: split brain',
      [m('a', { self: true }), m('b', { status: 'bootstrapping' }), run('c', { uuid: V })],
      'refuse',
      /b bootstraps a new cluster while c run a Primary/,
      { advice: /^stop the server on b \(systemctl stop mariadb\), then run galera-init there$/ },
    ],
    [
      // The model test's history: c joined b's new cluster and c's agent showed it before b's did.
      'bootstrapping next to a Primary component of the same history: wait (it may be the one that joined it)',
      [m('a', { self: true }), m('b', { status: 'bootstrapping' }), run('c')],
      'wait',
      /^b bootstrapping a new cluster while c runs Primary in the same history: it joined it, or a second cluster started; waiting for the bootstrap to finish$/,
      {
        waitingFor: ['b'],
        advice:
          /^if it lasts, galera-check cluster on b and c shows whether they are one cluster \(wsrep_cluster_size\)$/,
      },
    ],
    [
      'bootstrapping next to Primary members, one without a state UUID: wait',
      [m('a', { self: true }), m('b', { status: 'bootstrapping' }), run('c'), run('d', { uuid: null })],
      'wait',
      /^b bootstrapping a new cluster while c, d run Primary in the same history: they joined it/,
    ],
    [
      'a peer bootstraps: wait until it is Primary',
      [m('a', { self: true }), m('b', { status: 'bootstrapping', clusterStatus: 'primary' }), m('c')],
      'wait',
      /b bootstrapping a new cluster: will join once it is Primary/,
      {
        advice:
          /^if b has been up for long, its agent cannot see it accept connections: check mysql\.optionFile there \(galera-check status\)$/,
      },
    ],
    [
      'a running peer whose cluster status is unknown is not joined blindly',
      [m('a', { self: true }), run('b', { clusterStatus: 'unknown' })],
      'wait',
      /b runs but its agent cannot read the cluster status/,
      { advice: /MySQL credentials/ },
    ],
    [
      'a running peer that publishes no cluster status at all (an older agent) is not joined blindly',
      [m('a', { self: true }), run('b', { clusterStatus: undefined })],
      'wait',
      /^b runs but its agent cannot read the cluster status/,
    ],
    [
      'two running peers whose cluster status is unknown: both named, plural',
      [m('a', { self: true }), run('b', { clusterStatus: 'unknown' }), run('c', { clusterStatus: 'unknown' })],
      'wait',
      /^b, c run but their agents cannot read the cluster status, so it is not known to be Primary$/,
      { advice: /^give the agent on b, c MySQL credentials/, waitingFor: ['b', 'c'] },
    ],
    // Non-Primary survivors: wait, and name the one command.
    [
      'a lone non-Primary survivor, the most advanced: wait, advise pc.bootstrap on it',
      [
        m('a', { self: true, seqno: 8n, seqnoSource: 'recovered' }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { seqno: 11n, seqnoSource: 'recovered' }),
      ],
      'wait',
      /no Primary component: b \(seqno 12\) runs non-Primary.*b is the most advanced member/,
      { advice: /^if c is gone for good: run on b: mysql -e "SET GLOBAL wsrep_provider_options='pc\.bootstrap=YES'"$/ },
    ],
    [
      'a survivor on MariaDB 11.8 (provider plugin): the advice names the statement its server takes',
      [
        m('a', { self: true, seqno: 8n, seqnoSource: 'recovered' }),
        run('b', {
          seqno: 12n,
          clusterStatus: 'nonPrimary',
          pcBootstrap: 'SET GLOBAL wsrep_provider_pc_bootstrap=ON',
        }),
        m('c', { seqno: 11n, seqnoSource: 'recovered' }),
      ],
      'wait',
      /b is the most advanced member$/,
      { advice: /^if c is gone for good: run on b: mysql -e "SET GLOBAL wsrep_provider_pc_bootstrap=ON"$/ },
    ],
    [
      'two stopped members behind a non-Primary survivor: both named in the advice',
      [
        m('a', { self: true, seqno: 8n, seqnoSource: 'recovered' }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { seqno: 11n, seqnoSource: 'recovered' }),
        m('d', { seqno: 10n, seqnoSource: 'recovered' }),
      ],
      'wait',
      /b is the most advanced member$/,
      { advice: /^if c, d are gone for good: run on b: mysql -e/ },
    ],
    [
      'two non-Primary survivors, the most advanced listed last: it is the one named',
      [
        m('a', { self: true, seqno: 8n }),
        run('c', { seqno: 11n, clusterStatus: 'nonPrimary' }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
      ],
      'wait',
      /^no Primary component: c \(seqno 11\), b \(seqno 12\) run non-Primary; joining would only add to a component that refuses writes; b is the most advanced member$/,
      { advice: /^to go on with the members that run: run on b: mysql -e/, waitingFor: ['c', 'b'] },
    ],
    [
      'a stopped member further on in another history is not "ahead" of the survivor',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { seqno: 14n, uuid: V }),
      ],
      'wait',
      /; b is the most advanced member$/,
    ],
    [
      'a non-Primary survivor behind a stopped member: name the member ahead',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { seqno: 14n }),
      ],
      'wait',
      /c is ahead of them \(seqno 14\)/,
      { advice: /start galera-init on c/ },
    ],
    [
      'a non-Primary survivor behind this node: stop the survivor',
      [
        m('a', { self: true, seqno: 20n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { seqno: 11n }),
      ],
      'wait',
      /this node is ahead of them \(seqno 20 > 12\)/,
      { advice: /stop the server on b/ },
    ],
    [
      'a non-Primary survivor with a silent member: named, with the caveat',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { answered: false, error: 'timeout', name: undefined }),
      ],
      'wait',
      /b is the most advanced of the known members, but c is unknown and may be ahead/,
      {
        advice:
          /^bring back c \(or its agent\); only if it is gone for good and b is the last writer: run on b: mysql -e/,
      },
    ],
    [
      'a silent member is unknown even with a seqno left from an earlier answer: never "ahead", always "may be ahead"',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        m('c', { answered: false, seqno: 20n }),
      ],
      'wait',
      /b is the most advanced of the known members, but c is unknown and may be ahead$/,
    ],
    [
      'a non-Primary survivor with two silent members: plural',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        silent('c'),
        silent('d'),
      ],
      'wait',
      /b is the most advanced of the known members, but c, d are unknown and may be ahead$/,
      {
        advice: /^bring back c, d \(or their agents\); only if they are gone for good and b is the last writer/,
        waitingFor: ['b', 'c', 'd'],
      },
    ],
    [
      'a Disconnected survivor is not Primary either, and pc.bootstrap cannot help it',
      [m('a', { self: true, seqno: 8n }), run('b', { seqno: 12n, clusterStatus: 'disconnected' })],
      'wait',
      /no Primary component: b \(seqno 12, Disconnected\).*a Disconnected server cannot be made Primary/,
      { advice: /restart the server on b/ },
    ],
    [
      'every member answered: the advice does not speak of missing members',
      [
        m('a', { self: true, seqno: 8n }),
        run('b', { seqno: 12n, clusterStatus: 'nonPrimary' }),
        run('c', { seqno: 12n, clusterStatus: 'nonPrimary' }),
      ],
      'wait',
      /b is the most advanced member/,
      { advice: /^to go on with the members that run: run on b/ },
    ],
    [
      'a peer holding its lock while another galera-init there shows initiating: still locked',
      [m('a', { self: true, seqno: 99n }), m('b', { status: 'initiating', lockPid: 4242 })],
      'wait',
      /b \(pid 4242\) locked/,
    ],
    [
      'a crashed history with no transaction: recovered -1 is a known position',
      [m('a', { self: true, seqno: -1n, seqnoSource: 'recovered' }), m('b', { seqno: -1n, seqnoSource: 'recovered' })],
      'bootstrap',
      /this node is the most advanced: seqno -1/,
    ],
    [
      "this node's own position unknown, a Primary runs: join, and say its data is replaced",
      [m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unreadable' }), run('b')],
      'join',
      /its data is replaced by a state transfer/,
    ],
    [
      'a non-Primary survivor is not joined even with --force',
      [m('a', { self: true, seqno: 8n }), run('b', { seqno: 12n, clusterStatus: 'nonPrimary' })],
      'wait',
      /no Primary component/,
      { policy: force },
    ],
    // Bootstrapping: only the most advanced, only on complete information.
    [
      'a peer is unreachable: wait, never treat it as stopped',
      [m('a', { self: true, seqno: 99n }), m('b'), m('c', { answered: false, error: 'timeout', name: undefined })],
      'wait',
      /incomplete information: waiting for c \(timeout\)/,
      {
        advice:
          /^start the agent \(or the host\) of c; to bootstrap without it, accepting the loss of what only it has: galera-init --force on the most advanced node$/,
      },
    ],
    [
      'a peer is locked: wait and retry',
      [m('a', { self: true, seqno: 99n }), m('b', { status: 'locked' }), m('c')],
      'wait',
      /b locked \(another initiator is deciding, or a recovery runs\): retrying/,
      { retry: true },
    ],
    [
      'two peers locked: both named, the PID where known',
      [
        m('a', { self: true, seqno: 99n }),
        m('b', { status: 'initiating', lockPid: 4242 }),
        m('c', { status: 'locked' }),
      ],
      'wait',
      /^b \(pid 4242\), c locked \(another initiator is deciding, or a recovery runs\): retrying$/,
      {
        advice: /^if it lasts, galera-check status on b, c says who holds the lock$/,
        retry: true,
        waitingFor: ['b', 'c'],
      },
    ],
    [
      'a peer initiating (waiting without its lock) does not hold anyone up',
      [m('a', { self: true, seqno: 12n }), m('b', { status: 'initiating', seqno: 11n })],
      'bootstrap',
      /this node is the most advanced: seqno 12/,
    ],
    [
      'self most advanced: bootstrap',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n }), m('c', { status: 'initiating', seqno: 3n })],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 12 \(a:12 b:11 c:3\)$/,
      { forced: false },
    ],
    [
      'another most advanced: wait for it',
      [m('a', { self: true, seqno: 11n }), m('b', { seqno: 12n }), m('c')],
      'wait',
      /b is the most advanced/,
      { advice: /run galera-init on b/ },
    ],
    [
      '10 beats 9 (the original compared strings)',
      [m('a', { self: true, seqno: 9n }), m('b', { seqno: 10n })],
      'wait',
      /b is the most advanced: seqno 10/,
    ],
    [
      '64-bit seqnos compare exactly',
      [m('a', { self: true, seqno: 9223372036854775807n }), m('b', { seqno: 9223372036854775806n })],
      'bootstrap',
      /seqno 9223372036854775807/,
    ],
    [
      'a tie goes to safe_to_bootstrap=1',
      [m('a', { self: true, seqno: 5n }), m('b', { seqno: 5n, safeToBootstrap: true })],
      'wait',
      /b is the most advanced.*safe_to_bootstrap=1/,
    ],
    [
      'a full tie goes to the first identity, not the first configured id',
      [m('z-host', { self: true, name: 'a', seqno: 5n }), m('a-host', { name: 'b', seqno: 5n })],
      'bootstrap',
      /this node is the most advanced/,
    ],
    [
      'seqno 0 is a known position, whatever the source says (an older agent says none)',
      [m('a', { self: true, seqno: 5n }), m('b', { seqno: 0n, seqnoSource: 'unknown' })],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 5 \(a:5 b:0\)$/,
    ],
    [
      'a crashed peer with no seqno yet may be ahead: wait',
      [m('a', { self: true, seqno: 50n }), m('b', { seqno: -1n, seqnoSource: 'unknown' }), m('c')],
      'wait',
      /seqno unknown on b \(recovery pending or failed\)/,
      { advice: /galera-check seqno on b/ },
    ],
    [
      'a damaged grastate.dat on the most advanced node: nobody bootstraps past it',
      [m('a', { self: true, seqno: 50n }), m('b', { seqno: -1n, uuid: null, seqnoSource: 'unreadable' })],
      'wait',
      /seqno unknown on b; on b grastate.dat is missing or damaged and recovery found no position/,
    ],
    [
      "this node's own grastate.dat damaged: it waits too (it would not know its position)",
      [m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unreadable' }), m('b', { seqno: 3n })],
      'wait',
      /seqno unknown on a/,
    ],
    [
      'unknown seqno, forced: the most advanced known node bootstraps, and says so',
      [m('a', { self: true, seqno: 50n }), m('b', { seqno: -1n, uuid: null, seqnoSource: 'unreadable' })],
      'bootstrap',
      /^FORCED \(--force\) past the unknown seqno of b/,
      { policy: force, forced: true },
    ],
    [
      'different state UUIDs: refuse',
      [m('a', { self: true }), m('b', { uuid: V })],
      'refuse',
      /^members belong to different cluster states \(a=84e32a09-e6d7-11f1-92ef-87e236721ec1, b=9acf4d34-acdb-11e6-bcc3-d3e36276629f\): their seqnos are not comparable$/,
      { advice: /galera_new_cluster/ },
    ],
    [
      'seqno 0 of another history is a state too: refuse',
      [m('a', { self: true, seqno: 5n }), m('b', { seqno: 0n, uuid: V })],
      'refuse',
      /different cluster states \(a=84e32a09-e6d7-11f1-92ef-87e236721ec1, b=9acf4d34-acdb-11e6-bcc3-d3e36276629f\)/,
    ],
    // The quorum policy (one silent member of three, waited past its delay).
    [
      'quorum: 2 of 4 answering is no majority',
      [m('a', { self: true, seqno: 100n, safeToBootstrap: true }), m('b', { seqno: 50n }), silent('c'), silent('d')],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\), d \(no answer \(timeout\)\) \(the quorum policy needs a majority of answers\)$/,
      {
        policy: quorum,
        waited: long,
        advice: /to bootstrap without them, accepting the loss of what only they have: galera-init --force/,
      },
    ],
    [
      "quorum: a silent member last seen at the winner's seqno is not ahead: proceed",
      [
        m('a', { self: true, seqno: 100n, safeToBootstrap: true }),
        m('b', { seqno: 50n }),
        silent('c', { lastSeenSeqno: 100n }),
      ],
      'bootstrap',
      /^quorum policy after 600 s of silence from c \(no answer \(timeout\)\); bootstrapping: this node is the most advanced: seqno 100, safe_to_bootstrap=1 \(a:100 b:50\)$/,
      { policy: quorum, waited: long, forced: true },
    ],
    [
      'quorum: a silent member last seen stopped (no initiator, no server) is passed',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
        m('b', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('c', { lastSeenStatus: 'stopped' }),
      ],
      'bootstrap',
      /^quorum policy after 600 s of silence from c/,
      { policy: quorum, waited: long, forced: true },
    ],
    [
      'quorum: a silent member last seen deciding may have started a cluster since: not passed',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
        m('b', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('c', { lastSeenStatus: 'locked' }),
      ],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\); c was seen locked and fell silent: it may have started a cluster since, so the quorum policy does not pass it$/,
      {
        policy: quorum,
        waited: long,
        waitingFor: ['c'],
        advice:
          /^bring back c \(or its agent\); only if it is down for good: galera-init --force on the most advanced node$/,
      },
    ],
    [
      'quorum: silent members seen initiating and running are named together',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
        m('b', { seqno: 50n, seqnoSource: 'recovered' }),
        m('c', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('d', { lastSeenStatus: 'initiating' }),
        silent('e', { lastSeenStatus: 'running' }),
      ],
      'wait',
      /; d was seen initiating, e was seen running and fell silent: they may have started a cluster since, so the quorum policy does not pass them$/,
      { policy: quorum, waited: long, advice: /^bring back d, e \(or their agents\); only if they are down for good/ },
    ],
    [
      "the seen-deciding rule is the quorum policy's: without it, a silent member is waited for as always",
      [
        m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
        m('b', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('c', { lastSeenStatus: 'locked' }),
      ],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\)$/,
    ],
    [
      '--force passes a silent member seen deciding (the operator said so)',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
        m('b', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('c', { lastSeenStatus: 'locked' }),
      ],
      'bootstrap',
      /^FORCED \(--force\) without c/,
      { policy: force, forced: true },
    ],
    [
      'quorum: silent members last seen ahead are named, and the policy does not pass them',
      [
        m('a', { self: true, seqno: 100n, safeToBootstrap: true }),
        m('b', { seqno: 50n }),
        m('e', { seqno: 60n, seqnoSource: 'recovered' }),
        silent('c', { lastSeenSeqno: 120n }),
        silent('d', { lastSeenSeqno: 130n }),
      ],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\), d \(no answer \(timeout\)\); c was seen at seqno 120, d was seen at seqno 130, ahead of every member that answers, so the quorum policy does not pass it$/,
      {
        policy: quorum,
        waited: long,
        advice: /^bring back c, d; galera-init --force on the most advanced node accepts the loss$/,
        waitingFor: ['c', 'd'],
      },
    ],
    [
      'without the quorum policy, a silent member seen ahead is just silent',
      [
        m('a', { self: true, seqno: 100n, safeToBootstrap: true }),
        m('b', { seqno: 50n }),
        silent('c', { lastSeenSeqno: 200n }),
      ],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\)$/,
    ],
    [
      'quorum: no source said, a seqno >= 0 with safe_to_bootstrap 0 is a clean stop: the last to leave is silent',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: undefined }),
        m('b', { seqno: 0n, seqnoSource: undefined }),
        silent('c'),
      ],
      'wait',
      /every member that answers left cleanly with safe_to_bootstrap: 0, so the last to leave is among c$/,
      { policy: quorum, waited: long },
    ],
    [
      'quorum: no source said and seqno -1 with state: a position unknown, not a clean stop',
      [
        m('a', { self: true, seqno: 100n, seqnoSource: undefined }),
        m('b', { seqno: -1n, seqnoSource: undefined }),
        silent('c'),
      ],
      'wait',
      /^seqno unknown on b \(recovery pending or failed\): it may be the most advanced node$/,
      { policy: quorum, waited: long },
    ],
    [
      'quorum: every member that answers is empty: the silent one may hold data, wait',
      [m('a', { self: true, seqno: -1n, uuid: Z }), m('b', { seqno: -1n, uuid: Z }), silent('c')],
      'wait',
      /^no bootstrap on incomplete information: waiting for c \(no answer \(timeout\)\); no member that answers has Galera state or user data, and c may hold some, so the quorum policy does not pass it$/,
      { policy: quorum, waited: long, waitingFor: ['c'] },
    ],
    [
      'quorum: the one member that answers with user data bootstraps past a silent one',
      [
        m('a', { self: true, seqno: -1n, uuid: Z, userData: true, userSchemas: ['shop'] }),
        m('b', { seqno: -1n, uuid: Z }),
        silent('c'),
      ],
      'bootstrap',
      /^quorum policy after 600 s of silence from c \(no answer \(timeout\)\); bootstrapping: a \(shop\) holds user data and no member has Galera state: it is the only candidate \(a:data b:empty\)$/,
      { policy: quorum, waited: long, forced: true },
    ],
    [
      'quorum: a crash as far as the clean-stopped winner: the winner was not the first to leave, proceed',
      [m('a', { seqno: 99n }), m('b', { self: true, seqno: 99n, seqnoSource: 'recovered' }), silent('c')],
      'wait',
      /^a is the most advanced: seqno 99 \(a:99 b:99\): waiting for it to bootstrap, then joining$/,
      { policy: quorum, waited: long },
    ],
    [
      'quorum: only a crash behind the clean-stopped winner: the last to leave is silent',
      [
        m('a', { seqno: 99n }),
        m('b', { self: true, seqno: 99n }),
        m('d', { seqno: 50n, seqnoSource: 'recovered' }),
        silent('c'),
      ],
      'wait',
      /; a left cleanly with safe_to_bootstrap: 0, so the last to leave is among c$/,
      { policy: quorum, waited: long },
    ],
    [
      'a fresh cluster (no state anywhere): the first identity bootstraps',
      [
        m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unknown' }),
        m('b', { seqno: -1n, uuid: null, seqnoSource: 'unknown' }),
        m('c', { seqno: -1n, uuid: Z, seqnoSource: 'unknown' }),
      ],
      'bootstrap',
      /most advanced/,
    ],
    [
      'a fresh node next to a node with state does not win',
      [m('a', { self: true, seqno: -1n, uuid: null, seqnoSource: 'unknown' }), m('b', { seqno: 0n })],
      'wait',
      /b is the most advanced/,
    ],
    [
      '--force with every member answering still says it was forced',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n })],
      'bootstrap',
      /^FORCED \(--force\), though every member answered; bootstrapping/,
      { policy: force, forced: true },
    ],
  ];
  itDecides(cases, strict);

  it("a forced join of a node ahead sets its state aside (Galera aborts such a join), of another cluster's state not (Galera transfers it anyway)", () => {
    const ahead = decide([m('a', { self: true, seqno: 15n }), run('b', { seqno: 12n })], force);
    assert.ok(ahead.action === 'join' && ahead.discardState === true);
    const other = decide([m('a', { self: true, uuid: V }), run('b')], force);
    assert.ok(other.action === 'join' && !other.discardState);
    const plain = decide([m('a', { self: true, seqno: 5n }), run('b', { seqno: 12n })], strict);
    assert.ok(plain.action === 'join' && !plain.discardState && !plain.forced);
  });

  it('the galera_initiator drawback: a stale node that comes up alone waits', () => {
    const d = decide(
      [
        m('stale', { self: true, seqno: 100n }),
        m('adv1', { answered: false, error: 'timeout' }),
        m('adv2', { answered: false, error: 'timeout' }),
      ],
      strict,
    );
    assert.equal(d.action, 'wait');
    // It left cleanly with safe_to_bootstrap: 0, so it knows the others ran after it.
    assert.match(
      d.reason,
      /^no bootstrap on incomplete information: waiting for adv1 \(timeout\), adv2 \(timeout\); every member that answers left cleanly with safe_to_bootstrap: 0, so the last to leave is among adv1, adv2$/,
    );
    assert.ok(d.action === 'wait');
    assert.match(
      d.advice ?? '',
      /^start the agent \(or the host\) of adv1, adv2; to bootstrap without them, accepting the loss of what only they have: galera-init --force on the most advanced node$/,
    );
    // After a crash it knows nothing of the order; without the quorum policy there is nothing to
    // say about a majority either: only who is missing.
    const crashed = decide(
      [m('stale', { self: true, seqno: 100n, seqnoSource: 'recovered' }), silent('adv1'), silent('adv2')],
      strict,
    );
    assert.equal(crashed.action, 'wait');
    assert.match(
      crashed.reason,
      /^no bootstrap on incomplete information: waiting for adv1 \(no answer \(timeout\)\), adv2 \(no answer \(timeout\)\)$/,
    );
  });

  it('--force bootstraps without the missing answers, and says so', () => {
    const d = decide(
      [m('a', { self: true, seqno: 100n }), m('b', { answered: false }), m('c', { answered: false })],
      force,
    );
    assert.equal(d.action, 'bootstrap');
    assert.ok(d.action === 'bootstrap' && d.forced);
    assert.match(d.reason, /^FORCED \(--force\) without b \(no answer\), c \(no answer\)/);
    // Only the members that answered are compared and listed.
    assert.match(d.reason, /this node is the most advanced: seqno 100 \(a:100\)$/);
  });

  it('the quorum policy proceeds only with a majority, only after its delay, and not when the last to leave is silent', () => {
    const p = { force: false, quorumAfterMs: 60000 };
    const ms = [
      m('a', { self: true, seqno: 100n, safeToBootstrap: true }),
      m('b', { seqno: 50n }),
      m('c', { answered: false }),
    ];
    assert.equal(decide(ms, p, 59000).action, 'wait');
    const d = decide(ms, p, 60000);
    assert.equal(d.action, 'bootstrap');
    assert.match(d.reason, /^quorum policy after 60 s of silence from c/);
    assert.ok(d.action === 'bootstrap' && d.forced);
    const minority = [m('a', { self: true, seqno: 100n }), m('b', { answered: false }), m('c', { answered: false })];
    assert.equal(decide(minority, p, 600000).action, 'wait');
    // Both answering members stopped cleanly with safe_to_bootstrap: 0: c ran after them.
    const lastSilent = [m('a', { self: true, seqno: 100n }), m('b', { seqno: 100n }), m('c', { answered: false })];
    const w = decide(lastSilent, p, 600000);
    assert.equal(w.action, 'wait');
    assert.match(
      w.reason,
      /every member that answers left cleanly with safe_to_bootstrap: 0, so the last to leave is among c/,
    );
    // A crash (recovered seqno) proves nothing about order: the quorum policy may proceed.
    const crashed = [
      m('a', { self: true, seqno: 100n, seqnoSource: 'recovered' }),
      m('b', { seqno: 90n, seqnoSource: 'recovered' }),
      m('c', { answered: false }),
    ];
    assert.equal(decide(crashed, p, 600000).action, 'bootstrap');
    // The would-be winner left cleanly with 0 and a long-crashed node answers: the last is still silent.
    const stale = [
      m('a', { self: true, seqno: 50n, seqnoSource: 'recovered' }),
      m('b', { seqno: 99n }),
      m('c', { answered: false }),
    ];
    const s2 = decide(stale, p, 600000);
    assert.equal(s2.action, 'wait');
    assert.match(s2.reason, /b left cleanly with safe_to_bootstrap: 0, so the last to leave is among c/);
    assert.match(
      decide(
        [
          m('a', { self: true, seqno: 100n, safeToBootstrap: true }),
          m('b', { answered: false }),
          m('c', { answered: false }),
        ],
        p,
        600000,
      ).reason,
      /the quorum policy needs a majority of answers/,
    );
  });

  it('ranks are a strict total order on distinct identities', () => {
    assert.ok(rank(m('a', { seqno: 2n }), m('b', { seqno: 1n })) < 0);
    assert.ok(rank(m('a'), m('b')) < 0);
    assert.ok(rank(m('b'), m('a')) > 0);
    assert.ok(rank(m('a', { safeToBootstrap: true }), m('b')) < 0);
    assert.ok(rank(m('x', { name: 'a' }), m('a', { name: 'b' })) < 0, 'by identity, not by id');
    assert.equal(rank(m('a'), m('a')), 0);
  });

  it('fresh means no state and no unreadable data', () => {
    assert.equal(fresh(m('a', { uuid: null, seqno: -1n, seqnoSource: 'unknown' })), true);
    assert.equal(fresh(m('a', { uuid: Z, seqno: -1n, seqnoSource: 'recovered' })), true);
    assert.equal(fresh(m('a', { uuid: '', seqno: -1n })), true);
    assert.equal(fresh(m('a', { uuid: undefined, seqno: undefined })), true);
    assert.equal(fresh(m('a', { uuid: null, seqno: -1n, seqnoSource: 'unreadable' })), false);
    assert.equal(fresh(m('a', { uuid: U, seqno: -1n })), false);
    assert.equal(fresh(m('a', { uuid: null, seqno: 0n })), false);
  });
});

describe("galera-init decision, from every node's point of view (properties)", () => {
  const node = fc.record({
    seqno: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
    safe: fc.boolean(),
    status: fc.constantFrom('stopped' as const, 'initiating' as const),
    source: fc.constantFrom('grastate' as const, 'recovered' as const, 'unreadable' as const),
  });
  // Each node spells every member its own way (IP, host name, upper case, with a port...) and
  // lists them in its own order: the outcome may not depend on any of that.
  const spellings = (n: number) =>
    fc.array(fc.array(fc.constantFrom('ip', 'host', 'HOST', 'port', 'fqdn'), { minLength: n, maxLength: n }), {
      minLength: n,
      maxLength: n,
    });
  const spell = (i: number, how: string): string =>
    ({ ip: `10.0.0.${i + 1}`, host: `db${i}`, HOST: `DB${i}`, port: `db${i}:161`, fqdn: `db${i}.example.` })[how] ??
    `db${i}`;

  it('with complete answers, at most one member bootstraps, and only a most advanced one; exactly one when every position is known', () => {
    fc.assert(
      fc.property(
        fc
          .array(node, { minLength: 1, maxLength: 7 })
          .chain((spec) =>
            fc.tuple(
              fc.constant(spec),
              spellings(spec.length),
              fc.array(fc.nat(), { minLength: spec.length, maxLength: spec.length }),
            ),
          ),
        ([spec, how, order]) => {
          const view = (selfIdx: number): MemberFacts[] => {
            const ms = spec.map((s, i) =>
              m(spell(i, how[selfIdx][i]), {
                name: `node-${i}`,
                self: i === selfIdx,
                seqno: s.seqno,
                safeToBootstrap: s.safe,
                status: i === selfIdx ? 'locked' : s.status,
                uuid: s.seqno < 0n ? null : U,
                seqnoSource:
                  s.seqno < 0n
                    ? s.source === 'unreadable'
                      ? 'unreadable'
                      : 'unknown'
                    : s.source === 'unreadable'
                      ? 'grastate'
                      : s.source,
              }),
            );
            // This node's own order of its member list.
            return ms
              .map((x, i) => ({ x, k: order[(selfIdx + i) % order.length] }))
              .sort((a, b) => a.k - b.k)
              .map((e) => e.x);
          };
          const decisions = spec.map((_, i) => decide(view(i), strict));
          const boots = decisions.map((d, i) => (d.action === 'bootstrap' ? i : -1)).filter((i) => i >= 0);
          const max = spec.reduce((a, s) => (s.seqno > a ? s.seqno : a), -1n);
          assert.ok(boots.length <= 1, `bootstraps: ${boots.join(',')}`);
          if (boots.length === 1) assert.equal(spec[boots[0]].seqno, max);
          const unreadable = spec.some((s) => s.seqno < 0n && s.source === 'unreadable');
          const mixed = spec.some((s) => s.seqno >= 0n) && spec.some((s) => s.seqno < 0n);
          if (!unreadable && !mixed) assert.equal(boots.length, 1);
          if (unreadable) assert.equal(boots.length, 0, 'nobody bootstraps past an unreadable node');
          for (const d of decisions) if (d.action === 'wait') assert.ok(d.waitingFor.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with a Primary component running, nobody bootstraps and nobody joins a non-Primary one', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seqno: fc.bigInt({ min: 0n, max: 1000n }),
            cluster: fc.constantFrom(
              'primary' as const,
              'nonPrimary' as const,
              'disconnected' as const,
              'unknown' as const,
            ),
            up: fc.boolean(),
          }),
          { minLength: 2, maxLength: 6 },
        ),
        (spec) => {
          const views = spec.map((_, self) =>
            spec.map((s, i) =>
              i === self
                ? m(`n${i}`, { self: true, seqno: s.seqno, status: 'locked' })
                : s.up
                  ? run(`n${i}`, { seqno: s.seqno, clusterStatus: s.cluster })
                  : m(`n${i}`, { seqno: s.seqno }),
            ),
          );
          views.forEach((v, self) => {
            const d = decide(v, strict);
            if (spec.some((s, i) => i !== self && s.up)) assert.notEqual(d.action, 'bootstrap', d.reason);
            if (d.action === 'join') {
              const target = v.find((x) => x.id === d.target)!;
              assert.equal(target.clusterStatus, 'primary');
              assert.ok(seq(v.find((x) => x.self)!) <= seq(target), 'never joins a cluster behind this node');
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

const seq = (x: MemberFacts): bigint => x.seqno ?? -1n;

describe('galera-init decision: two edges the mutation run found unpinned', () => {
  it('quorum policy on, no majority answering: the reason says the policy needs one', () => {
    const d = decide([m('a', { self: true, seqnoSource: 'recovered' }), silent('b'), silent('c')], quorum, long);
    assert.equal(d.action, 'wait');
    assert.equal(
      d.reason,
      'no bootstrap on incomplete information: waiting for b (no answer (timeout)), c (no answer (timeout)) (the quorum policy needs a majority of answers)',
    );
  });
  it('a Primary peer whose state UUID is unknown, this node with a UUID but no position: join (its data is replaced anyway)', () => {
    const d = decide(
      [m('a', { self: true, seqno: -1n, seqnoSource: 'unreadable' }), run('b', { seqno: 12n, uuid: null })],
      strict,
    );
    assert.equal(d.action, 'join');
    assert.match(d.reason, /this node's own position is unknown, so its data is replaced by a state transfer$/);
  });
});

// Conversions of standalone servers: user data outside any Galera history (issue: an empty node
// bootstrapped and the node with the data lost it to the state transfer).
describe('galera-init decision: user data outside a Galera history', () => {
  const bare = { seqno: -1n, uuid: null, seqnoSource: 'recovered' as const, safeToBootstrap: null };
  const empty = (id: string, over: Partial<MemberFacts> = {}) => m(id, { ...bare, ...over });
  const holder = (id: string, schemas: string[], over: Partial<MemberFacts> = {}) =>
    m(id, { ...bare, userData: true, userSchemas: schemas, ...over });
  const ack = (schemas: string[]) => ({ ...strict, discardData: schemas });
  const cases: Case[] = [
    [
      'three standalone servers, v3 holds a table: v1 (first by name) waits for v3',
      [empty('v1', { self: true }), empty('v2'), holder('v3', ['shop'])],
      'wait',
      /^v3 \(shop\) holds user data and no member has Galera state: it is the only candidate \(v1:empty v2:empty v3:data\): waiting for it to bootstrap, then joining$/,
      { waitingFor: ['v3'], advice: /^run galera-init on v3$/ },
    ],
    [
      'three standalone servers, v3 holds a table: v3 bootstraps',
      [holder('v3', ['shop'], { self: true }), empty('v1'), empty('v2')],
      'bootstrap',
      /^bootstrapping: v3 \(shop\) holds user data and no member has Galera state: it is the only candidate/,
      { forced: false },
    ],
    [
      'a fresh peer whose user data is unknown (an older agent): wait, never bootstrap an empty node',
      [empty('a', { self: true }), empty('b', { userData: undefined })],
      'wait',
      /^b has no Galera state and its user data is unknown \(galeraUserData\): it may hold data that a bootstrap elsewhere would replace$/,
      { waitingFor: ['b'] },
    ],
    [
      '--force goes past unknown user data, and says so',
      [empty('a', { self: true }), empty('b', { userData: undefined })],
      'bootstrap',
      /^FORCED \(--force\) past the unknown user data of b; bootstrapping/,
      { policy: force, forced: true },
    ],
    [
      'a peer with Galera state whose user data is unknown: its history decides, as before',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n, userData: undefined })],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 12/,
    ],
    [
      'two holders: a holder refuses and names both',
      [holder('a', ['crm'], { self: true }), holder('b', ['shop']), empty('c')],
      'refuse',
      /^user data on more than one member outside one Galera history: a \(crm\); b \(shop\); a bootstrap keeps one and the others lose theirs to state transfers$/,
      {
        advice:
          /galera-init --force on that node; then on each other holder: galera-init --discard-data=<its schemas>$/,
      },
    ],
    [
      'two holders: an empty node waits for the choice, then joins',
      [empty('c', { self: true }), holder('a', ['crm']), holder('b', ['shop'])],
      'wait',
      /this node holds none; waiting for the operator's choice, then joining$/,
      { waitingFor: ['a', 'b'] },
    ],
    [
      'two holders, --force on an empty node: it is no keeper, it waits',
      [empty('c', { self: true }), holder('a', ['crm']), holder('b', ['shop'])],
      'wait',
      /this node holds none; waiting/,
      { policy: force },
    ],
    [
      'two holders, --force on one: it bootstraps, keeping its data',
      [holder('b', ['shop'], { self: true }), holder('a', ['crm']), empty('c')],
      'bootstrap',
      /^FORCED \(--force\): keeping this node's data over b \(shop\); a \(crm\); bootstrapping: this node holds shop$/,
      { policy: force, forced: true },
    ],
    [
      'two holders, this one acknowledged the loss: it waits for the keeper instead of refusing',
      [holder('a', ['crm'], { self: true }), holder('b', ['shop']), empty('c')],
      'wait',
      /^b \(shop\) holds user data and no member has Galera state: it is the only candidate/,
      { policy: ack(['crm']) },
    ],
    [
      "a holder next to a Galera history: the history's most advanced node refuses, naming both",
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n }), holder('c', ['legacy'])],
      'refuse',
      /^user data on more than one member outside one Galera history: c \(legacy\); a, b \(Galera state 84e32a09-e6d7-11f1-92ef-87e236721ec1, seqno 12\)/,
      { advice: /\(on a node with Galera state: galera-init --force\)$/ },
    ],
    [
      'a holder next to a Galera history, --force on the history: its most advanced node bootstraps',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n }), holder('c', ['legacy'])],
      'bootstrap',
      /^FORCED \(--force\): keeping this node's data over c \(legacy\); a, b .*bootstrapping: this node is the most advanced: seqno 12 \(a:12 b:11\)$/,
      { policy: force, forced: true },
    ],
    [
      'a holder next to a Galera history, --force on a node behind in it: waits for the most advanced',
      [m('b', { self: true, seqno: 11n }), m('a', { seqno: 12n }), holder('c', ['legacy'])],
      'wait',
      /^a is the most advanced: seqno 12/,
      { policy: force },
    ],
    // Joining: a holder's data goes to the state transfer only as acknowledged on it.
    [
      'a holder with a Primary cluster running: refuse, and name the command that discards',
      [holder('c', ['crm', 'shop'], { self: true }), run('a')],
      'refuse',
      /^this node holds user data \(crm,shop\) and no Galera state: joining a replaces it by a full state transfer$/,
      { advice: /to discard it and join: galera-init --discard-data=crm,shop$/ },
    ],
    [
      'a holder with a Primary cluster running, --force: still refused (only --discard-data names the loss)',
      [holder('c', ['shop'], { self: true }), run('a')],
      'refuse',
      /replaces it by a full state transfer$/,
      { policy: force },
    ],
    [
      'a holder that acknowledged its schemas joins, and says what is lost',
      [holder('c', ['crm', 'shop'], { self: true }), run('a')],
      'join',
      /^a Primary \(seqno 10\): joining the cluster; this node's user data \(crm,shop\) is discarded by the state transfer, as acknowledged \(--discard-data\)$/,
      { policy: ack(['shop', 'crm']), target: 'a' },
    ],
    [
      'an acknowledgement that does not match what the node holds: refuse, naming what it holds',
      [holder('c', ['crm', 'shop'], { self: true }), run('a')],
      'refuse',
      /^--discard-data=shop does not name what this node holds: crm,shop$/,
      { policy: ack(['shop']), advice: /^to discard exactly that: galera-init --discard-data=crm,shop$/ },
    ],
    [
      '--discard-data on a node with Galera state: refused',
      [m('a', { self: true }), run('b')],
      'refuse',
      /^--discard-data=shop was given, but this node has Galera state/,
      { policy: ack(['shop']) },
    ],
    [
      '--discard-data on an empty node: refused',
      [empty('a', { self: true }), run('b')],
      'refuse',
      /^--discard-data=shop was given, but this node holds no user data$/,
      { policy: ack(['shop']) },
    ],
    [
      'this node has no Galera state and cannot read its own schemas: no join',
      [empty('a', { self: true, userData: undefined }), run('b')],
      'refuse',
      /^this node has no Galera state and its user data cannot be read/,
    ],
    [
      'an empty node joins a Primary cluster',
      [empty('a', { self: true }), run('b')],
      'join',
      /^b Primary \(seqno 10\): joining the cluster$/,
    ],
    [
      'a node with Galera state and user data joins its own cluster as before',
      [m('a', { self: true, seqno: 9n, userData: true, userSchemas: ['shop'] }), run('b')],
      'join',
      /^b Primary/,
    ],
  ];
  itDecides(cases, strict);

  it('from every node: no empty node bootstraps while a member holds user data; one holder alone is the one', () => {
    const node = fc.record({
      state: fc.boolean(),
      seqno: fc.bigInt({ min: 0n, max: 20n }),
      data: fc.constantFrom(true, false, undefined),
    });
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 6 }), (spec) => {
        const view = (self: number): MemberFacts[] =>
          spec.map((x, i) =>
            m(`n${i}`, {
              self: i === self,
              status: i === self ? 'locked' : 'stopped',
              ...(x.state ? { seqno: x.seqno, uuid: U, seqnoSource: 'grastate' } : bare),
              userData: x.data,
              userSchemas: x.data ? [`db${i}`] : undefined,
            }),
          );
        const ds = spec.map((_, i) => decide(view(i), strict));
        const boots = ds.flatMap((d, i) => (d.action === 'bootstrap' ? [i] : []));
        const holders = spec.flatMap((x, i) => (!x.state && x.data === true ? [i] : []));
        const unknown = spec.some((x) => !x.state && x.data === undefined);
        const history = spec.some((x) => x.state);
        assert.ok(boots.length <= 1, `bootstraps: ${boots.join(',')}`);
        for (const b of boots) {
          const x = spec[b];
          if (holders.length) assert.ok(x.state || x.data === true, `empty node ${b} bootstrapped: ${ds[b].reason}`);
        }
        if (unknown) assert.deepEqual(boots, [], 'nobody bootstraps while a fresh member is unknown');
        else if (holders.length + (history ? 1 : 0) > 1)
          assert.deepEqual(boots, [], 'two claims: the operator chooses');
        else if (holders.length === 1) assert.deepEqual(boots, holders);
        // A holder never joins (there is nothing to join here) and never loses its claim silently.
        for (const h of holders) assert.notEqual(ds[h].action, 'join');
      }),
      { numRuns: 1000 },
    );
  });
});
