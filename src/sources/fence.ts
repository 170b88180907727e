// The split-brain watch's fence file, as galera-check reads it: the agent (daemon/watch.ts) keeps it
// fresh while this node is fenced, so a one-shot process sees the fencing without asking the agent.

import * as fs from 'node:fs';
import type { Config } from '../config';

/** How old a fence file may be before galera-check takes it for the leftover of a dead agent. */
export const fenceMaxAgeMs = (cfg: Config): number => (3 * cfg.watch.intervalSeconds + 5) * 1000;

/** The fence file's reason, when it is there and fresh; null otherwise (galera-check healthy). */
export function readFence(cfg: Config, now: number = Date.now()): string | null {
  const file = cfg.watch.fenceFile;
  if (!file || cfg.watch.intervalSeconds === 0) return null;
  try {
    const st = fs.statSync(file);
    if (now - st.mtimeMs > fenceMaxAgeMs(cfg)) return null;
    return fs.readFileSync(file, 'utf8').trim() || 'fenced by the split-brain watch';
  } catch {
    return null;
  }
}
