// What counts as user data in a datadir: a non-system schema directory with a table in it.

import { strict as assert } from 'node:assert';
import { isSystemEntry, parseSchemaList, schemaName, userDataOf } from '../../../src/core/userdata';

describe('user data in a datadir listing', () => {
  const listing = (tree: Record<string, string[] | null>) => userDataOf(Object.keys(tree), (dir) => tree[dir] ?? null);

  it("MariaDB's own schemas and directories are never user data, whatever they hold", () => {
    const ud = listing({
      mysql: ['user.frm', 'db.MAI'],
      performance_schema: ['db.opt'],
      sys: ['sys_config.frm', 'version.frm'],
      '#innodb_temp': ['temp_1.ibt'],
      '#innodb_redo': ['#ib_redo1'],
      '#rocksdb': ['000001.sst'],
      'lost+found': ['#1234.frm'],
      '.snapshot': ['x.ibd'],
    });
    assert.deepEqual(ud, { held: false, schemas: [], error: '' });
    for (const d of ['mysql', 'sys', 'information_schema', 'performance_schema', '#sql-backup', '.Trash'])
      assert.equal(isSystemEntry(d), true, d);
    assert.equal(isSystemEntry('shop'), false);
  });
  it('a schema without a table (an empty test database, db.opt only) is not user data', () => {
    assert.deepEqual(listing({ test: ['db.opt'], shop: [] }), { held: false, schemas: [], error: '' });
  });
  it('a .frm (any engine) or an .ibd (InnoDB, a partition) makes a schema user data; names decoded, sorted', () => {
    const ud = listing({
      shop: ['db.opt', 'orders.frm', 'orders.ibd'],
      'my@002ddb': ['t#P#p0.ibd'],
      crm: ['LEGACY.FRM'],
      empty: ['db.opt'],
    });
    assert.deepEqual(ud, { held: true, schemas: ['crm', 'my-db', 'shop'], error: '' });
  });
  it('a schema directory that cannot be listed (MariaDB makes them 0700) counts as holding tables', () => {
    assert.deepEqual(listing({ shop: ['a.frm'], secret: null, empty: [] }), {
      held: true,
      schemas: ['secret', 'shop'],
      error: '',
    });
  });
  it('decodes MariaDB file names and parses lists as the flag gives them', () => {
    assert.equal(schemaName('a@0020b@002ec'), 'a b.c');
    assert.equal(schemaName('plain_1'), 'plain_1');
    assert.deepEqual(parseSchemaList(' shop, crm ,,shop'), ['crm', 'shop']);
    assert.deepEqual(parseSchemaList(''), []);
  });
});
