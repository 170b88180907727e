import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { markSafeToBootstrap, discardState } from '../../../src/init/grastate';
import { bootstrapGrastate } from '../../../src/core/grastate-edit';
import { silentLogger } from '../../../src/log';

describe("the chosen node's grastate.dat", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-gs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
  const crashed = `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   -1\nsafe_to_bootstrap: 0\n`;

  it('gets safe_to_bootstrap: 1, keeping owner, mode and every other byte; nothing else in the datadir changes', () => {
    const file = path.join(dir, 'grastate.dat');
    fs.writeFileSync(file, crashed, { mode: 0o640 });
    fs.chownSync(file, 4242, 4343);
    fs.writeFileSync(path.join(dir, 'other'), 'x');
    markSafeToBootstrap(dir, silentLogger(), { uuid: U, seqno: 9n });
    const st = fs.statSync(file);
    assert.equal(fs.readFileSync(file, 'utf8'), crashed.replace('safe_to_bootstrap: 0', 'safe_to_bootstrap: 1'));
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o640, 4242, 4343]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['grastate.dat', 'other']);
  });

  it('a file that names no state is written anew at the recovered position (else Galera starts a new history)', () => {
    assert.equal(
      bootstrapGrastate('', { uuid: U, seqno: 33n }),
      `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   33\nsafe_to_bootstrap: 1\n`,
    );
    assert.match(bootstrapGrastate('garbage\n', { uuid: U, seqno: 33n }), /seqno: {3}33/);
    assert.equal(
      bootstrapGrastate('', { uuid: null, seqno: -1n }),
      '\nsafe_to_bootstrap: 1\n',
      'no position: only the flag',
    );
    assert.equal(
      bootstrapGrastate(crashed, { uuid: U, seqno: 40n }),
      crashed.replace(': 0', ': 1'),
      'a file that names its state keeps it',
    );
    fs.chmodSync(dir, 0o750);
    markSafeToBootstrap(dir, silentLogger(), { uuid: null, seqno: -1n });
    assert.deepEqual(fs.readdirSync(dir), [], 'a fresh node gets no file');
    markSafeToBootstrap(dir, silentLogger(), { uuid: U, seqno: 7n });
    assert.match(fs.readFileSync(path.join(dir, 'grastate.dat'), 'utf8'), /seqno: {3}7\nsafe_to_bootstrap: 1/);
  });

  it('a forced join of a node ahead sets grastate.dat aside, never deletes it', () => {
    fs.writeFileSync(path.join(dir, 'grastate.dat'), crashed);
    discardState(dir, silentLogger());
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^grastate\.dat\.discarded-\d{4}-\d\d-\d\dT\d{9}Z$/);
    assert.equal(fs.readFileSync(path.join(dir, files[0]), 'utf8'), crashed);
  });
});
