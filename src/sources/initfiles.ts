// The two small files behind galeraInit: galera-init's state file (its one writer is galera-init,
// the agent only reads it) and the maintenance file (written by galera-check maintenance on|off).
// Both are replaced atomically (a private temp file, then rename(2)), so a reader never sees half
// a file; neither write follows a symlink planted at the temp path (O_EXCL).

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InitState,
  Maintenance,
  formatInitState,
  formatMaintenance,
  parseInitState,
  parseMaintenance,
} from '../core/initstate';

function replaceFile(file: string, text: string, dirMode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: dirMode });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes galera-init's round for the agent. A failure is returned, never thrown: it must not stop a decision. */
export function writeInitState(file: string, s: InitState): string | null {
  try {
    replaceFile(file, formatInitState(s), 0o755);
    return null;
  } catch (err) {
    return `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

/** The maintenance mode now: null when off (no file). A file that cannot be read counts as on. */
export function readMaintenance(file: string): Maintenance | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return { reason: `the maintenance file ${file} cannot be read (${code ?? '?'})`, since: 0, by: '' };
  }
  return parseMaintenance(data).maintenance;
}

/** Turns maintenance on (the state directory: it survives a reboot). */
export function writeMaintenance(file: string, m: Maintenance): void {
  replaceFile(file, formatMaintenance(m), 0o750);
}

/** Turns maintenance off; true when it was on. */
export function clearMaintenance(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** galera-init's last round as written, or null (no file, or not one galera-init wrote). */
export function readInitState(file: string): InitState | null {
  try {
    return parseInitState(fs.readFileSync(file)).state;
  } catch {
    return null;
  }
}
