import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { buildConfig, initStateFileOf, loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { check } from '../helpers/fuzz';

describe('config', () => {
  it('has a default for every key: the documented values, written out here', () => {
    // Written out, not read from defaultConfig() (which buildConfig clones): a default that
    // changes by accident fails here, as does a key that loses its default.
    const want = {
      nodeName: os.hostname(),
      role: 'data',
      datadir: '/var/lib/mysql',
      disk: { lowFreePercent: 10 },
      lockFile: '/run/galera-agentx/galera-init.lock',
      stateDir: '/var/lib/galera-agentx',
      maintenanceFile: '/var/lib/galera-agentx/maintenance',
      agentx: {
        master: '/var/agentx/master',
        adminTimeoutMs: 5000,
        pingIntervalMs: 15000,
        reconnectMinMs: 200,
        reconnectMaxMs: 1000,
      },
      processes: {
        serverNames: ['mariadbd', 'mysqld'],
        initiatorNames: ['galera-init'],
        arbitratorNames: ['garbd'],
        scanIntervalMs: 100,
        fullScanIntervalMs: 60000,
        backstopMs: 1000,
        watchDirs: ['/run/mysqld'],
      },
      mysql: {
        enabled: true,
        optionFile: '/etc/galera-agentx/my.cnf',
        refreshIntervalMs: 1000,
        connectTimeoutMs: 2000,
        queryTimeoutMs: 2000,
      },
      recovery: {
        enabled: true,
        command: ['mariadbd', '--wsrep-recover', '--disable-log-error', '--datadir={datadir}', '--user=mysql'],
        timeoutMs: 600000,
        heuristicRollback: false,
      },
      notifications: { holdMs: 50 },
      mark: { enabled: true },
      window: { desiredSeconds: 3600, shortSpanSeconds: 60, longSpanSeconds: 3600 },
      watch: {
        intervalSeconds: 10,
        credentialsFile: '/etc/galera-agentx/peers.yaml',
        fenceFile: '/run/galera-agentx/fenced',
      },
      keepalived: {
        trackFile: '',
        healthyWeight: 0,
        unhealthyWeight: -50,
        donorIsHealthy: false,
        readOnlyIsHealthy: true,
        rejectQueriesIsHealthy: false,
        donorRejectsQueriesIsHealthy: false,
      },
      http: { listen: '' },
      log: { level: 'info' },
      init: {
        members: [],
        arbitrators: [],
        self: '',
        serverConfig: '/etc/mysql/my.cnf',
        snmpPort: 161,
        snmpVersion: '2c',
        community: 'public',
        snmpUser: '',
        authProtocol: 'sha',
        authKey: '',
        privProtocol: 'aes',
        privKey: '',
        snmpTimeoutMs: 1000,
        snmpRetries: 2,
        pollIntervalMs: 2000,
        force: false,
        quorumAfterSeconds: 0,
        joinCommand: ['systemctl', 'start', 'mariadb'],
        bootstrapCommand: ['galera_new_cluster'],
        startTimeoutSeconds: 600,
        leftClusterSeconds: 15,
        restartAttempts: 2,
        waitTimeoutSeconds: 0,
        promoteNonPrimaryAfterSeconds: 0,
        autoRecoverAfterSeconds: 30,
        autoRecoverMaxAttempts: 3,
        autoRecoverWindowSeconds: 1800,
        autoRecoverUnit: 'mariadb.service',
        autoRecoverStateFile: '/var/lib/galera-agentx/auto-recover.json',
        notifyWaitingAfterSeconds: 60,
      },
    };
    assert.deepEqual(buildConfig({}, 'x.yaml'), want);
    assert.deepEqual(buildConfig(null, 'x.yaml'), want);
  });
  it("galera-init's state file: the lock's name + .state unless initStateFile says otherwise", () => {
    assert.equal(initStateFileOf(buildConfig({}, 'x.yaml')), '/run/galera-agentx/galera-init.lock.state');
    assert.equal(initStateFileOf(buildConfig({ lockFile: '/tmp/x/l.lock' }, 'x.yaml')), '/tmp/x/l.lock.state');
    assert.equal(initStateFileOf(buildConfig({ initStateFile: '/s/init.json' }, 'x.yaml')), '/s/init.json');
  });
  it('accepts the quorum policy off, or from 30 s with the default timeouts', () => {
    assert.equal(buildConfig({ init: { quorumAfterSeconds: 0 } }, 'x.yaml').init.quorumAfterSeconds, 0);
    assert.equal(buildConfig({ init: { quorumAfterSeconds: 30 } }, 'x.yaml').init.quorumAfterSeconds, 30);
  });
  it('role: arbitrator turns off MySQL, the recovery and the mark, and refuses a file that turns one on', () => {
    const cfg = buildConfig({ role: 'arbitrator' }, 'x');
    assert.deepEqual(
      [cfg.role, cfg.mysql.enabled, cfg.recovery.enabled, cfg.mark.enabled, cfg.processes.arbitratorNames],
      ['arbitrator', false, false, false, ['garbd']],
    );
    assert.equal(buildConfig({}, 'x').mysql.enabled, true, 'a data node keeps them');
    assert.throws(
      () => buildConfig({ role: 'arbitrator', mysql: { enabled: true }, mark: { enabled: true } }, 'x'),
      (e: Error) =>
        /'mysql.enabled' must be false with role: arbitrator/.test(e.message) &&
        /'mark.enabled' must be false with role: arbitrator/.test(e.message),
    );
    assert.throws(() => buildConfig({ role: 'garbd' }, 'x'), /'role' must be one of data, arbitrator/);
    assert.throws(() => buildConfig({ init: { arbitrators: 'garbd' } }, 'x'), /'init.arbitrators' must be a list/);
  });

  it('merges sections key by key', () => {
    const c = buildConfig({ datadir: '/data', mysql: { refreshIntervalMs: 2000 } }, 'x.yaml');
    assert.equal(c.datadir, '/data');
    assert.equal(c.mysql.refreshIntervalMs, 2000);
    assert.equal(c.mysql.queryTimeoutMs, 2000);
    assert.equal(c.mysql.optionFile, '/etc/galera-agentx/my.cnf');
  });
  const bad: [string, unknown, RegExp][] = [
    ['an unknown key (a typo)', { datdir: '/x' }, /x.yaml: unknown key 'datdir'/],
    ['an unknown nested key', { mysql: { pasword: 'x' } }, /unknown key 'mysql.pasword'/],
    ['a relative datadir', { datadir: 'data' }, /'datadir' must be an absolute path/],
    [
      'a string for a number',
      { mysql: { refreshIntervalMs: '1s' } },
      /'mysql.refreshIntervalMs' must be a whole number of milliseconds/,
    ],
    [
      'a bad master address',
      { agentx: { master: 'localhost:705' } },
      /'agentx.master' must be a unix socket path or tcp:HOST:PORT/,
    ],
    ['a bad log level', { log: { level: 'loud' } }, /'log.level' must be one of/],
    ['a section that is not a mapping', { mysql: 3 }, /'mysql' must be a mapping/],
    ['min above max', { agentx: { reconnectMinMs: 5000, reconnectMaxMs: 1000 } }, /reconnectMinMs' must not exceed/],
    ['a list at the top', [1, 2], /top level must be a mapping/],
    [
      'a quorum delay shorter than an agent restart',
      { init: { quorumAfterSeconds: 2 } },
      /'init.quorumAfterSeconds' must be 0 \(off\) or at least 30 .*a member silent that long is down, not running cut off/,
    ],
    [
      'a quorum delay shorter than five rounds of asking',
      { init: { quorumAfterSeconds: 40, snmpTimeoutMs: 5000, snmpRetries: 1, pollIntervalMs: 2000 } },
      /'init.quorumAfterSeconds' must be 0 \(off\) or at least 60 /,
    ],
  ];
  for (const [what, doc, re] of bad) {
    it(`rejects ${what}, naming the file and key`, () =>
      assert.throws(
        () => buildConfig(doc, 'x.yaml'),
        (e: Error) => e instanceof ConfigError && re.test(e.message),
      ));
  }
  it('reports every error at once', () => {
    assert.throws(
      () => buildConfig({ a: 1, b: 2 }, 'x.yaml'),
      (e: Error) => e.message.split('\n').length === 2,
    );
  });
  it('refuses a config or MySQL option file that other users may read or anyone may write, saying what to run', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-perm-'));
    try {
      const f = path.join(d, 'c.yaml');
      const cnf = path.join(d, 'my.cnf');
      fs.writeFileSync(cnf, '[client]\npassword=x\n', { mode: 0o600 });
      fs.writeFileSync(f, `mysql:\n  optionFile: ${cnf}\n`, { mode: 0o644 });
      fs.chmodSync(f, 0o644);
      assert.throws(
        () => loadConfig(f),
        /c.yaml: the config file is readable by every user \(mode 0644\).*chmod o-rwx/,
      );
      fs.chmodSync(f, 0o622);
      assert.throws(() => loadConfig(f), /writable by every user \(mode 0622\)/);
      fs.chmodSync(f, 0o640);
      assert.equal(loadConfig(f).mysql.optionFile, cnf);
      fs.chmodSync(cnf, 0o644);
      assert.throws(() => loadConfig(f), /my.cnf: the MySQL option file is readable by every user/);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('loads YAML from a file and says what to do when it is missing or broken', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-cfg-'));
    try {
      const f = path.join(d, 'c.yaml');
      fs.writeFileSync(f, 'datadir: /srv/mysql\nagentx:\n  master: tcp:127.0.0.1:705\n', { mode: 0o600 });
      assert.equal(loadConfig(f).agentx.master, 'tcp:127.0.0.1:705');
      fs.writeFileSync(f, 'datadir: [unclosed\n', { mode: 0o600 });
      assert.throws(() => loadConfig(f), /not valid YAML/);
      fs.writeFileSync(f, 'a: 1\na: 2\n', { mode: 0o600 });
      assert.throws(() => loadConfig(f), /not valid YAML/);
      assert.throws(
        () => loadConfig(path.join(d, 'missing.yaml')),
        /create it from config-sample.yaml or pass --config/,
      );
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  check(
    'config',
    fc.jsonValue({ maxDepth: 3 }),
    (s) => JSON.parse(s) as unknown,
    (doc) => {
      try {
        const c = buildConfig(doc, 'fuzz.yaml');
        assert.ok(c.datadir.startsWith('/'));
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
      }
    },
  );
});
