// The initiator lock file, shared by galera-init, the agent's recovery run and galera-agentx's
// status. Format (text, created atomically by link(2) of a fully written temp file):
//   line 1: the owner's PID, decimal
//   line 2: optional key=value words: purpose=galera-init|wsrep-recover starttime=<ticks> host=<name>
// starttime is field 22 of /proc/PID/stat: a PID reused by another process after the owner died
// has another start time, so a lock is never taken for live because its number came back.

export interface LockInfo {
  pid: number;
  starttime: number | null;
  purpose: string | null;
}

export function formatLock(info: LockInfo, host: string): string {
  const words = [`purpose=${info.purpose ?? 'unknown'}`, `host=${host}`];
  if (info.starttime !== null) words.push(`starttime=${info.starttime}`);
  return `${info.pid}\n${words.join(' ')}\n`;
}

export function parseLock(text: string): LockInfo | null {
  if (text.length > 4096) return null;
  const lines = text.split('\n');
  const pidText = lines[0].trim();
  if (!/^\d{1,10}$/.test(pidText)) return null;
  const pid = Number(pidText);
  if (pid < 1 || pid > 4194304) return null; // Linux's pid_max ceiling
  const info: LockInfo = { pid, starttime: null, purpose: null };
  for (const word of (lines.at(1) ?? '').trim().split(/\s+/)) {
    const [k, v = ''] = word.split('=', 2); // no '=': no value
    if (k === 'starttime' && /^\d{1,20}$/.test(v)) info.starttime = Number(v);
    if (k === 'purpose' && v) info.purpose = v.slice(0, 32);
  }
  return info;
}
