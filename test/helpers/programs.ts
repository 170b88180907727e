// Tests that need a program the machine may lack say so and skip, never pass silently.

import { execFileSync } from 'node:child_process';

export function which(bin: string): string | null {
  try {
    return execFileSync('bash', ['-c', 'command -v "$1"', 'which', bin], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Skips the test or hook (printing "skipped: <why>") unless every program is on PATH. */
export function requirePrograms(ctx: Mocha.Context, programs: Record<string, string>): void {
  const missing = Object.entries(programs).filter(([bin]) => !which(bin));
  if (missing.length === 0) return;
  console.log(`      skipped: ${missing.map(([bin, pkg]) => `${bin} not found (Debian package ${pkg})`).join('; ')}`);
  ctx.skip();
}
