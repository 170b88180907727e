// The server's option files: the cluster address's hosts. (Reading the files with their includes is
// tested with the members they give, in test/unit/members.test.ts.)
import { strict as assert } from 'node:assert';
import { clusterHosts } from '../../../src/sources/servercnf';
import { check, textLike } from '../../helpers/fuzz';

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'cluster-address',
    textLike(['gcomm://', ',', ':4567', '[fd00::1]', '?pc.wait_prim=no']),
    (s) => s,
    (t) => {
      assert.ok(clusterHosts(t).every((h) => typeof h === 'string' && h.length > 0));
    },
  );
});
