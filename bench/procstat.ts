// A process's CPU time and memory from /proc, for the bench and the soak.

import * as fs from 'node:fs';

/** Microseconds per clock tick (USER_HZ is 100 on Linux). */
export const TICK_US = 1e6 / 100;

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may hold spaces: count the fields after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Resident set size in KiB. */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status (a kernel thread, or it exited)`);
  return Number(m[1]);
}

/**
 * CPU time of a process in nanoseconds: the sum over its threads of /proc/PID/task/TID/schedstat
 * (the scheduler's own run time, not 10 ms ticks), for figures such as 0.5 ms over 10 s.
 */
export function cpuNs(pid: number): number {
  let sum = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* thread gone */
    }
  }
  return sum;
}
