// Sets safe_to_bootstrap: 1 in grastate.dat text. Galera refuses --wsrep-new-cluster on a node
// whose grastate.dat says 0 (set after a crash), so the initiator sets it, deliberately and only on
// the node it chose as the most advanced. Everything else in the file is kept as it was.
// A file that names no state (damaged, emptied) is written anew from the recovered position:
// bootstrapped from such a file, Galera starts a new history (a new UUID, seqno 1) even with
// --wsrep-start-position, and every other node would then need a full state transfer.

import { parseGrastate } from './grastate';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The text to bootstrap from: the file with safe_to_bootstrap: 1, or a new one at `position` when it names
 * no state.
 */
export function bootstrapGrastate(text: string, position: { uuid: string | null; seqno: bigint }): string {
  const g = parseGrastate(text);
  if ((g.uuid === null || g.seqno === null) && position.uuid && position.uuid !== ZERO_UUID) {
    return `# GALERA saved state\nversion: 2.1\nuuid:    ${position.uuid}\nseqno:   ${position.seqno}\nsafe_to_bootstrap: 1\n`;
  }
  return withSafeToBootstrap(text);
}

export function withSafeToBootstrap(text: string): string {
  if (/^safe_to_bootstrap:\s*1\s*$/m.test(text)) return text;
  if (/^safe_to_bootstrap:.*$/m.test(text)) return text.replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1');
  return `${text.replace(/\n?$/, '\n')}safe_to_bootstrap: 1\n`;
}
