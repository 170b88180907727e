// The userdata source on a real directory tree: a full read at start, then only when a directory
// changes (a schema or a table created or dropped), as the backstop sees it.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import * as sinon from 'sinon';
import { UserDataSource, readUserData } from '../../../src/sources/userdata';

const log = pino({ level: 'silent' });

describe('userdata source', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-userdata-'));
    for (const d of ['mysql', 'performance_schema', 'sys']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, 'mysql', 'user.frm'), '');
    fs.writeFileSync(path.join(dir, 'ibdata1'), '');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a fresh install holds no user data; a table created later is seen at the next backstop', async () => {
    const src = new UserDataSource(dir, log);
    let changes = 0;
    src.on('change', () => changes++);
    await src.start();
    assert.deepEqual(src.facts, { held: false, schemas: [], error: '' });
    assert.equal(await src.backstop(), null);
    assert.equal(changes, 1);
    fs.mkdirSync(path.join(dir, 'shop'));
    fs.writeFileSync(path.join(dir, 'shop', 'db.opt'), '');
    await src.backstop();
    assert.equal(src.facts.held, false, 'a schema with no table is not user data');
    fs.writeFileSync(path.join(dir, 'shop', 'orders.ibd'), '');
    // The directory's mtime may not move within the clock's granularity: make the change visible.
    fs.utimesSync(path.join(dir, 'shop'), new Date(), new Date(Date.now() + 5000));
    await src.backstop();
    assert.deepEqual(src.facts, { held: true, schemas: ['shop'], error: '' });
    assert.equal(changes, 2);
    await src.stop();
  });

  it('a symlinked schema directory counts; a missing datadir holds nothing', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-userdata-ext-'));
    try {
      fs.writeFileSync(path.join(elsewhere, 't.frm'), '');
      fs.symlinkSync(elsewhere, path.join(dir, 'archive'));
      assert.deepEqual(await readUserData(dir), { held: true, schemas: ['archive'], error: '' });
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    assert.deepEqual(await readUserData(path.join(dir, 'nope')), { held: false, schemas: [], error: '' });
  });

  it('a schema directory it may not list counts as holding tables (as root too: the denial stubbed)', async () => {
    fs.mkdirSync(path.join(dir, 'secret'));
    fs.mkdirSync(path.join(dir, 'empty'));
    const readdir = fs.promises.readdir.bind(fs.promises);
    const stub = sinon
      .stub(fs.promises, 'readdir')
      .callsFake(((p: fs.PathLike, o?: unknown) =>
        String(p) === path.join(dir, 'secret')
          ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' }))
          : readdir(p, o as { withFileTypes: true })) as typeof fs.promises.readdir);
    try {
      assert.deepEqual(await readUserData(dir), { held: true, schemas: ['secret'], error: '' });
    } finally {
      stub.restore();
    }
  });

  it('a schema directory the agent cannot list counts as holding tables; a datadir it cannot list is unknown', async function () {
    if (process.getuid?.() === 0) {
      // root lists a mode 000 directory anyway; the rule itself is in test/unit/core/userdata.test.ts.
      console.log('      skipped: run as root, which can list a mode 000 directory');
      this.skip();
    }
    fs.mkdirSync(path.join(dir, 'secret'), { mode: 0o000 });
    const src = new UserDataSource(dir, log);
    await src.readOnce();
    assert.deepEqual(src.facts, { held: true, schemas: ['secret'], error: '' });
    fs.chmodSync(dir, 0o000);
    try {
      await src.readOnce();
      assert.equal(src.facts.held, null);
      assert.match(src.problem() ?? '', /cannot be listed .*give the agent read access/);
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(path.join(dir, 'secret'), 0o755);
    }
  });
});
