// Fuzzing every parser of outside text with fast-check: whatever the input, the result is a typed
// value or the parser's own typed error, never another exception. Inputs that ever broke a parser
// live in test/fixtures/fuzz-corpus/<parser>.json and are replayed first, every run.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseGrastate } from '../../src/core/grastate';
import { parseRecoveredPosition } from '../../src/core/recoverlog';
import { parseGvwstate } from '../../src/core/gvwstate';
import { clientOptions, parseOptionFile } from '../../src/core/mycnf';
import { parseLock } from '../../src/core/lockfmt';
import { parseWsrepStatus } from '../../src/core/wsrep-status';
import { ConfigError, buildConfig } from '../../src/config';
import { PduError, decodePdu, encodePdu, PduType } from '../../src/snmp/agentx/pdu';
import { factsFromVarbinds } from '../../src/snmp/peers';
import { clusterHosts } from '../../src/sources/servercnf';
import { ProcEntry, classifyProcesses } from '../../src/core/procclass';
import { loadMib } from '../../src/snmp/mib';
import { SEQNO_MAX, SEQNO_MIN } from '../../src/core/gtid';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'fuzz-corpus');
const corpus = (name: string): string[] => { try { return JSON.parse(fs.readFileSync(path.join(CORPUS, `${name}.json`), 'utf8')) as string[]; } catch { return []; } };
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const mib = loadMib();

/** Text that looks like the real thing often enough to reach deep branches. */
const textLike = (words: string[]): fc.Arbitrary<string> => fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 12 }), fc.constantFrom('\n', ' ', ':', '=', '\0', '-1', '9223372036854775808', '#')), { maxLength: 40 }).map((a) => a.join('')),
);

function check<T>(name: string, arb: fc.Arbitrary<T>, fromCorpus: (s: string) => T, prop: (v: T) => void): void {
  it(`${name}: never throws anything but its typed error (${RUNS} runs + corpus)`, () => {
    for (const c of corpus(name)) prop(fromCorpus(c));
    fc.assert(fc.property(arb, prop), { numRuns: RUNS });
  });
}

describe('fuzzing the parsers of outside text', () => {
  check('grastate', textLike(['# GALERA saved state', 'version: 2.1', 'uuid:', 'seqno:', 'safe_to_bootstrap:', '84e32a09-e6d7-11f1-92ef-87e236721ec1']), (s) => s, (t) => {
    const g = parseGrastate(t);
    assert.ok(g.seqno === null || (g.seqno >= SEQNO_MIN && g.seqno <= SEQNO_MAX));
    assert.ok(g.uuid === null || /^[0-9a-f-]{36}$/.test(g.uuid));
    assert.ok(Array.isArray(g.problems));
  });

  check('gvwstate', textLike(['my_uuid: ', '#vwbeg', '#vwend', 'view_id: 3 ', 'bootstrap: 0', 'member: ', ' 0', 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48']), (s) => s, (t) => {
    const g = parseGvwstate(t);
    assert.ok(Array.isArray(g.problems));
    if (g.view) {
      assert.ok(g.view.members.length > 0 && g.view.members.every((m) => /^[0-9a-f-]{36}$/.test(m)));
      assert.match(g.view.viewId, /^[0-9a-f-]{36}:\d+$/);
    } else assert.ok(g.problems.length > 0, 'no view without a reason');
  });

  check('recover-log', textLike(['[Note] WSREP: Recovered position: ', '[WSREP] Recovered position: ', '84e32a09-e6d7-11f1-92ef-87e236721ec1:', ',0-1-', '12']), (s) => s, (t) => {
    const p = parseRecoveredPosition(t);
    assert.ok(p === null || (p.seqno >= SEQNO_MIN && p.seqno <= SEQNO_MAX && p.uuid.length === 36));
  });

  check('mycnf', textLike(['[client]', '[mysqld]', '[galera-agentx]', 'user=', 'password=', 'socket=', 'port=', '"', "'", '!include ']), (s) => s, (t) => {
    const o = clientOptions(parseOptionFile(t));
    assert.ok(o.port === undefined || (Number.isInteger(o.port) && o.port > 0 && o.port < 65536));
  });

  check('lock', textLike(['12345', 'purpose=', 'starttime=', 'host=']), (s) => s, (t) => {
    const l = parseLock(t);
    assert.ok(l === null || (Number.isInteger(l.pid) && l.pid > 0));
  });

  check('cluster-address', textLike(['gcomm://', ',', ':4567', '[fd00::1]', '?pc.wait_prim=no']), (s) => s, (t) => {
    assert.ok(clusterHosts(t).every((h) => typeof h === 'string' && h.length > 0));
  });

  const statusKeys = ['wsrep_local_state', 'wsrep_cluster_status', 'wsrep_cluster_size', 'wsrep_cluster_conf_id', 'wsrep_last_committed', 'wsrep_received_bytes', 'wsrep_flow_control_paused', 'wsrep_ready', 'wsrep_incoming_addresses'];
  check('wsrep-status', fc.dictionary(fc.constantFrom(...statusKeys), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('4', '-1', 'Primary', 'ON', '18446744073709551615', '1e400', 'NaN'))), (s) => JSON.parse(s) as Record<string, string>, (st) => {
    const h = parseWsrepStatus(st, { wsrep_provider_options: String(st.wsrep_ready ?? '') }, null, true, 1);
    assert.ok(h.localState === null || (h.localState >= 0 && h.localState <= 5));
    assert.ok(h.fcPaused === null || Number.isFinite(h.fcPaused));
    assert.ok(['primary', 'nonPrimary', 'disconnected', 'unknown'].includes(h.clusterStatus));
  });

  check('config', fc.jsonValue({ maxDepth: 3 }), (s) => JSON.parse(s) as unknown, (doc) => {
    try {
      const c = buildConfig(doc, 'fuzz.yaml');
      assert.ok(c.datadir.startsWith('/'));
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
    }
  });

  // AgentX from the master: random bytes, and real PDUs with random corruption.
  const realPdu = encodePdu({ type: PduType.GetBulk, flags: 0, sessionId: 1, transactionId: 2, packetId: 3, nonRepeaters: 1, maxRepetitions: 5,
    ranges: [{ start: [1, 3, 6, 1, 4, 1, 8072], include: true, end: [] }] });
  const corrupt = fc.tuple(fc.nat(realPdu.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(realPdu.length)).map(([i, b, cut]) => {
    const x = Buffer.from(realPdu); x[i] = b; return x.subarray(0, Math.max(cut, 20));
  });
  check('agentx-pdu', fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), corrupt), (s) => Buffer.from(s, 'hex'), (buf) => {
    try {
      decodePdu(buf);
    } catch (err) {
      assert.ok(err instanceof PduError, `${(err as Error).name}: ${(err as Error).message} on ${buf.toString('hex')}`);
    }
  });

  const vbArb = fc.record({ oid: fc.constant('1.3'), type: fc.constantFrom(2, 4, 5, 6, 64, 65, 66, 67, 70, 128, 129, 130), value: fc.oneof(fc.integer(), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), fc.constant(null), fc.string()) });
  check('peer-answer', fc.array(vbArb, { maxLength: 7 }), (s) => JSON.parse(s) as Parameters<typeof factsFromVarbinds>[2], (vbs) => {
    const f = factsFromVarbinds(mib, 'p', vbs);
    if (!f.answered) assert.ok(f.error && f.status === undefined);
    else assert.ok(f.status && f.seqno !== undefined);
  });

  check<ProcEntry[]>('proc-table', fc.array(fc.record({ pid: fc.nat(), comm: fc.constantFrom('mariadbd', 'mysqld', 'galera-init', 'node', 'x'), argv: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('--wsrep-new-cluster', '--datadir=/d', '--wsrep-recover', '--wsrep_cluster_address=gcomm://', 'node', '/usr/bin/galera-init')), { maxLength: 6 }) }), { maxLength: 10 }), (s) => JSON.parse(s) as ProcEntry[], (entries) => {
    const f = classifyProcesses(entries, { serverNames: ['mariadbd', 'mysqld'], initiatorNames: ['galera-init'], datadir: '/d' });
    for (const s of f.servers) assert.ok(entries.some((e) => e.pid === s.pid && e.argv.length > 0));
  });

  it('keeps a corpus folder for inputs that once failed', () => {
    assert.ok(fs.existsSync(CORPUS));
    for (const f of fs.readdirSync(CORPUS)) assert.ok(Array.isArray(JSON.parse(fs.readFileSync(path.join(CORPUS, f), 'utf8'))), f);
  });
});

