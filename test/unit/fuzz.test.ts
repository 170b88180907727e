// Fuzzing every parser of outside text with fast-check: whatever the input, the result is a typed
// value or the parser's own typed error, never another exception. Inputs that ever broke a parser
// live in test/fixtures/fuzz-corpus/<parser>.json and are replayed first, every run.
// Each parser's property is in that parser's own test file (test/helpers/fuzz.ts runs them); this
// file checks the corpus they share.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from '../helpers/fuzz';

describe('fuzzing the parsers of outside text', () => {
  it('keeps a corpus folder for inputs that once failed', () => {
    assert.ok(fs.existsSync(CORPUS));
    for (const f of fs.readdirSync(CORPUS))
      assert.ok(Array.isArray(JSON.parse(fs.readFileSync(path.join(CORPUS, f), 'utf8'))), f);
  });
});
