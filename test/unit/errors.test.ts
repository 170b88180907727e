// The three CLIs share one exit-code table (src/errors.ts): systemd's RestartPreventExitStatus,
// keepalived scripts and the README rely on its numbers. Each built CLI is run for real, and what it
// exits with and what its usage text promises are both checked against the table.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT } from '../../src/errors';

const CLI_DIR = path.resolve(__dirname, '..', '..', 'src', 'cli');
type ExitName = keyof typeof EXIT;

/** What each CLI documents in its "Exit status" lines, by name in the table. */
const DOCUMENTED: Record<string, ExitName[]> = {
  agent: ['OK', 'FAILED', 'USAGE', 'CONFIG'],
  check: ['OK', 'FAILED', 'USAGE', 'CONFIG'],
  init: ['OK', 'FAILED', 'USAGE', 'TEMPFAIL', 'CONFIG'],
};
/** Arguments that make each CLI stop after reading the config (never start the daemon or a server). */
const AFTER_CONFIG: Record<string, string[]> = { agent: ['--check-config'], check: ['status'], init: ['--dry-run'] };

function run(cli: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(CLI_DIR, `${cli}.js`), ...args], {
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The numbers named from "Exit status:" to the end of the usage text. */
function documentedCodes(usage: string): number[] {
  const at = usage.indexOf('Exit status:');
  assert.ok(at >= 0, `no "Exit status:" in\n${usage}`);
  return [...new Set([...usage.slice(at).matchAll(/\b\d+\b/g)].map((m) => Number(m[0])))].sort((a, b) => a - b);
}

describe('the exit-code table', () => {
  it('has distinct codes, sysexits.h where one fits', () => {
    assert.equal(new Set(Object.values(EXIT)).size, Object.keys(EXIT).length);
    assert.deepEqual([EXIT.OK, EXIT.FAILED, EXIT.USAGE, EXIT.TEMPFAIL, EXIT.CONFIG], [0, 1, 64, 75, 78]);
  });
});

describe("each CLI's exit codes, run for real", function () {
  this.timeout(60000);
  let dir: string;
  let badConfig: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'galera-exit-'));
    badConfig = path.join(dir, 'bad.yaml');
    // Not readable by every user: the config check refuses that too, and this test wants the key.
    fs.writeFileSync(badConfig, 'nodeName: n1\nno_such_key: 1\n', { mode: 0o600 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const cli of Object.keys(DOCUMENTED)) {
    describe(`galera-${cli === 'agent' ? 'agentx' : cli}`, () => {
      let usage = '';
      it(`--help prints the usage and exits ${EXIT.OK}`, () => {
        const r = run(cli, ['--help']);
        assert.equal(r.status, EXIT.OK, r.stderr);
        usage = r.stdout;
        assert.match(usage, /^Usage: galera-/);
      });
      it('documents exactly its codes from the table in its "Exit status" lines', () => {
        assert.ok(usage, 'the --help case ran first');
        assert.deepEqual(
          documentedCodes(usage),
          DOCUMENTED[cli].map((n) => EXIT[n]).sort((a, b) => a - b),
        );
      });
      it(`an unknown flag exits ${EXIT.USAGE} (USAGE), with the usage on stderr`, () => {
        const r = run(cli, ['--bogus']);
        assert.equal(r.status, EXIT.USAGE, r.stderr);
        assert.match(r.stderr, /--bogus/);
        assert.deepEqual(documentedCodes(r.stderr), documentedCodes(usage));
      });
      it(`a config with an invalid key exits ${EXIT.CONFIG} (CONFIG), naming the file and the key`, () => {
        const r = run(cli, ['--config', badConfig, ...AFTER_CONFIG[cli]]);
        assert.equal(r.status, EXIT.CONFIG, r.stderr);
        assert.ok(r.stderr.includes(badConfig), r.stderr);
        assert.match(r.stderr, /no_such_key/);
      });
      it(`a config file that cannot be read exits ${EXIT.CONFIG} (CONFIG)`, () => {
        const r = run(cli, ['--config', path.join(dir, 'absent.yaml'), ...AFTER_CONFIG[cli]]);
        assert.equal(r.status, EXIT.CONFIG, r.stderr);
      });
    });
  }

  it(`galera-check with no question exits ${EXIT.USAGE} (USAGE)`, () => {
    assert.equal(run('check', []).status, EXIT.USAGE);
  });
  it(`galera-agentx --check-config on a valid config exits ${EXIT.OK}`, () => {
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, 'nodeName: n1\n', { mode: 0o600 });
    const r = run('agent', ['--config', good, '--check-config']);
    assert.equal(r.status, EXIT.OK, r.stderr);
    assert.match(r.stdout, /: OK$/m);
  });
});
