// The first module each command loads: on a Node older than 20 (Debian 12 ships 18) the commands
// would fail later with an error that names some API, not the cause. It imports nothing, so the
// check runs before any other module is loaded, and it uses no syntax newer than Node 14.

/** The one line that refuses this Node, or null when it is new enough. */
export function nodeTooOld(command: string, version: string, execPath: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN);
  if (major >= MIN_NODE_MAJOR) return null;
  return (
    `${command}: needs Node.js ${MIN_NODE_MAJOR} or later, but ${execPath} is ${version}; ` +
    `install nodejs ${MIN_NODE_MAJOR}+ (Debian 13: apt install nodejs; Debian 12: NodeSource or your mirror)\n`
  );
}

export const MIN_NODE_MAJOR = 20;
/** EX_CONFIG (errors.ts EXIT.CONFIG): the host is set up wrong; systemd must not restart in a loop. */
export const NODE_TOO_OLD_EXIT = 78;

/** The command's name: the /usr/bin link's, or the one a file under dist/src/cli/ is installed as. */
export function commandName(argv1: string | undefined): string {
  const base = (argv1 ?? '').replace(/^.*\//, '');
  const byFile: Record<string, string> = {
    'agent.js': 'galera-agentx',
    'check.js': 'galera-check',
    'init.js': 'galera-init',
  };
  return byFile[base] ?? (base || 'galera-agentx');
}

const refusal = nodeTooOld(commandName(process.argv[1]), process.version, process.execPath);
if (refusal !== null) {
  process.stderr.write(refusal);
  process.exit(NODE_TOO_OLD_EXIT);
}
