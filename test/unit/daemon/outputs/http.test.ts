// The clustercheck-style endpoint: the status and body come from the verdict held in memory at
// the moment of the request, for any method clustercheck answers; a taken port is logged, not fatal.

import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import type { HealthVerdict } from '../../../../src/core/health';
import { HEADER_DEADLINE_MS, HealthEndpoint, MAX_WAITING, parseListen } from '../../../../src/daemon/outputs/http';
import { SLACK, waitFor } from '../../../helpers/proc';
import { buildConfig } from '../../../../src/config';
import { createLogger, silentLogger } from '../../../../src/log';

/** One raw HTTP exchange, as HAProxy's check does it (HTTP/1.0, no Host, connection closed by the server). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string | Buffer) => {
      out += d.toString();
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(3000, () => {
      s.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(out)}`));
    });
  });
}

describe('http.listen', () => {
  for (const ok of ['', '127.0.0.1:9200', ':9200', '[::1]:9200', 'db1.example:65535']) {
    it(`accepts ${JSON.stringify(ok)}`, () =>
      assert.equal(buildConfig({ http: { listen: ok }, mysql: { enabled: false } }, 'x.yaml').http.listen, ok));
  }
  for (const bad of ['9200', '127.0.0.1', ':0', ':65536', 'a b:1', 9200]) {
    it(`rejects ${JSON.stringify(bad)}, naming the key`, () =>
      assert.throws(() => buildConfig({ http: { listen: bad } }, 'x.yaml'), /x.yaml: 'http.listen' must be HOST:PORT/));
  }
  it('parses host and port', () => {
    assert.deepEqual(parseListen(':9200'), { host: undefined, port: 9200 });
    assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.deepEqual(parseListen('127.0.0.1:1'), { host: '127.0.0.1', port: 1 });
  });
});

describe('the health endpoint', () => {
  let verdict: HealthVerdict;
  let ep: HealthEndpoint;
  beforeEach(async () => {
    verdict = { healthy: true, reason: 'Galera node is synced.' };
    ep = new HealthEndpoint(`127.0.0.1:${await freePort()}`, () => verdict, silentLogger());
    await ep.start();
  });
  afterEach(() => ep.stop());

  it("answers HAProxy's default check (OPTIONS, HTTP/1.0, no Host) with 200 and the reason", async () => {
    const r = await raw(ep.port(), 'OPTIONS / HTTP/1.0\r\n\r\n');
    assert.match(r, /^HTTP\/1\.[01] 200 OK\r\n/);
    assert.match(r, /\r\n\r\nGalera node is synced\.\r\n$/);
  });
  it('follows the verdict at the moment of each request: 503 with the reason, then 200', async () => {
    verdict = { healthy: false, reason: 'Galera node is not synced (Donor/Desynced).' };
    const down = await fetch(`http://127.0.0.1:${ep.port()}/`);
    assert.equal(down.status, 503);
    assert.equal(await down.text(), 'Galera node is not synced (Donor/Desynced).\r\n');
    verdict = { healthy: true, reason: 'Galera node is synced.' };
    const up = await fetch(`http://127.0.0.1:${ep.port()}/anything?x=1`, { method: 'POST', body: 'ignored' });
    assert.equal(up.status, 200);
  });
  it('sends no body to HEAD and closes every connection', async () => {
    const r = await raw(ep.port(), 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(r, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r, /\r\nConnection: close\r\n/i);
    assert.ok(r.endsWith('\r\n\r\n'), 'headers only');
  });
  it('logs a taken port once and keeps the agent going', async () => {
    const lines: string[] = [];
    const log = createLogger('info', 't', {
      write: (l: string) => {
        lines.push(l);
        return true;
      },
    } as unknown as NodeJS.WritableStream);
    const second = new HealthEndpoint(`127.0.0.1:${ep.port()}`, () => verdict, log);
    await second.start();
    assert.equal(second.port(), 0);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /"err":"EADDRINUSE".*cannot serve the health endpoint/);
    await second.stop();
  });
});

describe('the health endpoint under idle and half-sent connections (issue 19)', function () {
  this.timeout(30000 * SLACK);
  let ep: HealthEndpoint;
  const idle: net.Socket[] = [];
  beforeEach(async () => {
    ep = new HealthEndpoint(
      `127.0.0.1:${await freePort()}`,
      () => ({ healthy: false, reason: 'Galera node is not synced (Joining).' }),
      silentLogger(),
    );
    await ep.start();
  });
  afterEach(async () => {
    for (const s of idle.splice(0)) s.destroy();
    await ep.stop();
  });

  /** n connections that each send half a request and then nothing, all connected when it resolves. */
  const halfRequests = (n: number): Promise<void> =>
    Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve, reject) => {
            const s = net.connect(ep.port(), '127.0.0.1', () => {
              s.write('GET / HTTP/1.1\r\nHost: x\r\n');
              resolve();
            });
            s.on('error', () => undefined); // reset by the server: expected for the oldest
            s.once('error', reject);
            idle.push(s);
          }),
      ),
    ).then(() => undefined);

  it('answers a new check while 300 connections each hold half a request', async () => {
    await halfRequests(300);
    // Every idle connection the server has accepted is counted before the check comes.
    await waitFor('the server to see the idle connections', () => ep.waiting() >= MAX_WAITING, 10000 * SLACK, 10);
    const t0 = Date.now();
    const r = await raw(ep.port(), 'OPTIONS / HTTP/1.0\r\n\r\n');
    assert.match(r, /^HTTP\/1\.[01] 503 Service Unavailable\r\n/);
    assert.match(r, /\r\n\r\nGalera node is not synced \(Joining\)\.\r\n$/);
    assert.ok(ep.waiting() <= MAX_WAITING, `${ep.waiting()} connections waiting for their request`);
    process.stdout.write(`      answered in ${Date.now() - t0} ms beside 300 half-sent requests\n`);
  });

  it('keeps answering while the idle connections are opened again and again', async () => {
    for (let round = 0; round < 3; round++) {
      await halfRequests(150);
      assert.match(await raw(ep.port(), 'GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.[01] 503 /);
    }
    assert.ok(ep.waiting() <= MAX_WAITING);
  });

  it('closes a connection whose request is not complete by the deadline, even one that trickles', async () => {
    const s = net.connect(ep.port(), '127.0.0.1');
    idle.push(s);
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.write('GET / HTTP/1.1\r\n');
    // A byte now and then resets an idle timer; the deadline counts from the connection.
    const trickle = setInterval(() => s.writable && s.write('X-A: b\r\n'), HEADER_DEADLINE_MS / 4);
    const t0 = Date.now();
    try {
      await new Promise((r) => s.once('close', r));
    } finally {
      clearInterval(trickle);
    }
    const lived = Date.now() - t0;
    assert.ok(lived >= HEADER_DEADLINE_MS - 100, `closed after ${lived} ms`);
    assert.equal(ep.waiting(), 0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
