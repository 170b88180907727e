// grastate.dat's source when the datadir's filesystem stops answering: a read that hangs keeps the
// backstop's look out (so the source grows old and the agent says stale), never lets it confirm
// facts it has not read; and a daemon's start does not wait for it for ever.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { DataFileSource } from '../../../src/sources/datafile';
import { GRASTATE_FILE } from '../../../src/core/grastate';
import { silentLogger } from '../../../src/log';

const GRASTATE =
  '# GALERA saved state\nversion: 2.1\nuuid: 6b1f3b4e-1a2b-11ee-8c5a-0242ac120002\nseqno: 42\nsafe_to_bootstrap: 0\n';

/** Resolves on the next turn of the event loop whether or not `p` settled: true when it did. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 30));
  return done;
}

describe('a data file source on a datadir that stops answering', () => {
  let dir: string;
  let hang: sinon.SinonStub | null = null;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-datafile-'));
    fs.writeFileSync(path.join(dir, 'grastate.dat'), GRASTATE);
  });
  afterEach(() => {
    hang?.restore();
    hang = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every open of the file from now on never returns, as on a dead NFS server. */
  const hangOpens = (): void => {
    const open = fs.promises.open.bind(fs.promises);
    hang = sinon
      .stub(fs.promises, 'open')
      .callsFake((p, ...rest) => (String(p).startsWith(dir) ? new Promise(() => undefined) : open(p, ...rest)));
  };

  it("the backstop's look awaits a read already under way (a watcher's), and does not confirm the facts", async () => {
    const src = new DataFileSource(dir, GRASTATE_FILE, silentLogger());
    await src.readOnce();
    assert.equal(src.facts.value?.seqno, 42n);
    hangOpens();
    fs.writeFileSync(path.join(dir, 'grastate.dat'), GRASTATE.replace('seqno: 42', 'seqno: 43'));
    // The watcher saw the rewrite first: its read is under way, hung.
    void src.read();
    const look = src.reads.look(() => src.backstop());
    assert.ok(look, 'the look is out');
    assert.equal(await settled(look), false, 'the look returned while the read hangs');
    assert.ok(src.reads.outSince > 0);
    assert.equal(
      src.reads.look(() => src.backstop()),
      null,
      'no second look behind it',
    );
    assert.equal(src.facts.value?.seqno, 42n, 'the facts are the last read, not confirmed as new');
  });

  it("a daemon's start waits for the first read only so long, then watches and serves it as not read", async () => {
    hangOpens();
    const src = new DataFileSource(dir, GRASTATE_FILE, silentLogger());
    src.firstReadMs = 50;
    // Returns (mocha's timeout would fail it otherwise) although the read never does.
    await src.start();
    assert.equal(src.facts.value, null);
    assert.equal(src.reads.lastOkAt, 0, 'never read: its row says so and the agent data age counts it');
    await src.stop();
  });
});
