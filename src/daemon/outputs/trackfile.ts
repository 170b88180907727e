// keepalived's track_file (keepalived >= 2.0): a file holding an integer weight. 0 when the node
// serves, a negative weight otherwise, so the VIP moves away. keepalived keeps the last value it
// read if the writer dies, so the agent writes the unhealthy value when it loses sight of the
// server and when it stops. Written atomically (temp file + rename) so keepalived never reads a
// half-written number; the temp file is created exclusively, never through a planted symlink.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';

export class TrackFile {
  private last: number | null = null;
  private lastError = '';

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  write(weight: number): void {
    if (weight === this.last) return;
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    try {
      fs.rmSync(tmp, { force: true });
      fs.writeFileSync(tmp, `${weight}\n`, { flag: 'wx', mode: 0o644 });
      fs.renameSync(tmp, this.file);
      this.last = weight;
      if (this.lastError) this.log.info({ file: this.file }, 'track file writable again');
      this.lastError = '';
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const msg = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (msg !== this.lastError)
        this.log.error({ file: this.file, err: msg }, 'cannot write the keepalived track file; SNMP answers continue');
      this.lastError = msg;
    }
  }
}
