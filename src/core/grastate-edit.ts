// Sets safe_to_bootstrap: 1 in grastate.dat text. Galera refuses --wsrep-new-cluster on a node
// whose grastate.dat says 0 (set after a crash), so the initiator sets it, deliberately and only on
// the node it chose as the most advanced. Everything else in the file is kept as it was.

export function withSafeToBootstrap(text: string): string {
  if (/^safe_to_bootstrap:\s*1\s*$/m.test(text)) return text;
  if (/^safe_to_bootstrap:.*$/m.test(text)) return text.replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1');
  return `${text.replace(/\n?$/, '\n')}safe_to_bootstrap: 1\n`;
}
