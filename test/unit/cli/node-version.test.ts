import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { commandName, nodeTooOld, NODE_TOO_OLD_EXIT } from '../../../src/cli/node-version';
import { EXIT } from '../../../src/errors';

const pexec = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', '..', 'src', 'cli');

describe('cli/node-version: a Node older than 20 is refused with one line', () => {
  it('refuses 18 and 19 (Debian 12 ships 18.19), accepts 20 and later', () => {
    for (const v of ['v18.19.0', 'v19.9.0', 'v12.22.12', 'v0.10.48'])
      assert.match(
        nodeTooOld('galera-init', v, '/usr/bin/node') ?? '',
        /^galera-init: needs Node\.js 20 or later, but \/usr\/bin\/node is v/,
      );
    for (const v of ['v20.0.0', 'v20.19.2', 'v22.1.0', 'v100.0.0'])
      assert.equal(nodeTooOld('galera-init', v, '/usr/bin/node'), null);
  });

  it('is one line that says where Node 20 comes from', () => {
    const line = nodeTooOld('galera-check', 'v18.19.0', '/usr/bin/node')!;
    assert.equal(line.split('\n').length, 2);
    assert.ok(line.endsWith('\n'));
    assert.match(line, /Debian 12: NodeSource or your mirror/);
  });

  it('refuses an unreadable version too', () => {
    assert.notEqual(nodeTooOld('galera-init', 'weird', '/x/node'), null);
  });

  it('names the command as installed', () => {
    assert.equal(commandName('/usr/bin/galera-init'), 'galera-init');
    assert.equal(commandName('/usr/lib/galera-agentx/dist/src/cli/agent.js'), 'galera-agentx');
    assert.equal(commandName('dist/src/cli/check.js'), 'galera-check');
    assert.equal(commandName(undefined), 'galera-agentx');
  });

  it('exits EX_CONFIG, which the agent unit does not restart', () => {
    assert.equal(NODE_TOO_OLD_EXIT, EXIT.CONFIG);
  });

  // The real commands, with the version Node reports replaced before they load (`node -r`):
  // the refusal comes before any other module runs, so nothing else is printed.
  for (const js of ['agent.js', 'check.js', 'init.js']) {
    it(`${js} refuses Node 18 before anything else runs, and runs on this Node`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-nodever-'));
      try {
        const pre = path.join(dir, 'old.js');
        fs.writeFileSync(pre, "Object.defineProperty(process, 'version', { value: 'v18.19.0' });\n");
        const old = await pexec(process.execPath, ['-r', pre, path.join(CLI, js), '--help']).then(
          () => assert.fail('exited 0 on Node 18'),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.equal(old.code, NODE_TOO_OLD_EXIT);
        assert.equal(old.stdout, '');
        assert.equal(old.stderr.trim().split('\n').length, 1, old.stderr);
        assert.match(old.stderr, /needs Node\.js 20 or later/);
        const ok = await pexec(process.execPath, [path.join(CLI, js), '--help']);
        assert.match(ok.stdout, /^Usage: galera-/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
