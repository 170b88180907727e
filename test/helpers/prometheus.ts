// The real prometheus-snmp-exporter (and its generator) with the shipped integrations/prometheus
// files, and a parser for what it exposes.

import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { ROOT, freeTcpPort, present, start, stopChild, tempDir, waitFor } from './proc';
import { MIB_DIRS } from './snmp';

export const PROM_DIR = path.join(ROOT, 'integrations', 'prometheus');

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as far as the exporter writes it: samples and their # TYPE. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** Runs the generator on the shipped generator.yml; returns the snmp.yml it writes. */
export function generateSnmpYml(): string {
  const out = path.join(tempDir('prom-gen-'), 'snmp.yml');
  execFileSync('prometheus-snmp-generator', ['--fail-on-parse-errors', 'generate', '-o', out], {
    cwd: PROM_DIR,
    env: { ...process.env, MIBDIRS: MIB_DIRS },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return fs.readFileSync(out, 'utf8');
}

export interface Exporter {
  port: number;
  child: ChildProcess;
  logFile: string;
}

export async function startExporter(configFile = path.join(PROM_DIR, 'snmp.yml')): Promise<Exporter> {
  const port = await freeTcpPort();
  const logFile = path.join(tempDir('prom-exporter-'), 'exporter.log');
  const child = start(
    'prometheus-snmp-exporter',
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`],
    { logFile },
  );
  await waitFor('the exporter to listen', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 10000, 100);
  return { port, child, logFile };
}

export async function stopExporter(e: Exporter): Promise<void> {
  await stopChild(e.child, 'SIGTERM');
}

/** One scrape of module `galera` of a target, as Prometheus would ask for it. */
export async function scrape(
  e: Exporter,
  target: string,
  module = 'galera',
): Promise<{ samples: Sample[]; types: Map<string, string>; text: string }> {
  const res = await fetch(`http://127.0.0.1:${e.port}/snmp?module=${module}&target=${encodeURIComponent(target)}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`scrape: HTTP ${res.status}: ${text}`);
  return { ...parseExposition(text), text };
}

/** api(p) answers the data of GET /api/v1/p, whose shape the caller knows. */
export interface PrometheusServer {
  port: number;
  child: ChildProcess;
  dir: string;
  api(p: string): Promise<unknown>;
}

/** The parts of prometheus.yml that startPrometheus changes. */
interface PrometheusConfig {
  global?: Record<string, string>;
  scrape_configs: {
    job_name: string;
    static_configs?: { targets: string[] }[];
    relabel_configs: { target_label: string; replacement?: string }[];
  }[];
}

/**
 * A real Prometheus server with the shipped prometheus.yml, only its addresses and intervals
 * changed (targets = these snmpds, scraped through this exporter, every second), and the shipped
 * rules file verbatim.
 */
export async function startPrometheus(targets: string[], exporter: Exporter): Promise<PrometheusServer> {
  const dir = tempDir('prom-server-');
  const cfg = YAML.parse(fs.readFileSync(path.join(PROM_DIR, 'prometheus.yml'), 'utf8')) as PrometheusConfig;
  cfg.global = { scrape_interval: '1s', evaluation_interval: '1s' };
  const job = present(
    cfg.scrape_configs.find((j) => j.job_name === 'galera'),
    'the galera job in prometheus.yml',
  );
  job.static_configs = [{ targets }];
  const address = job.relabel_configs.find((r) => r.target_label === '__address__');
  present(address, 'the __address__ relabelling of the galera job').replacement = `127.0.0.1:${exporter.port}`;
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), YAML.stringify(cfg));
  fs.copyFileSync(path.join(PROM_DIR, 'galera-alerts.yml'), path.join(dir, 'galera-alerts.yml'));
  const port = await freeTcpPort();
  const child = start(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { logFile: path.join(dir, 'prometheus.log') },
  );
  await waitFor('Prometheus to be ready', async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 30000, 200);
  const api = async (p: string): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/${p}`);
    const body = (await res.json()) as { status: string; data: unknown };
    if (body.status !== 'success') throw new Error(`Prometheus API ${p}: ${JSON.stringify(body)}`);
    return body.data;
  };
  return { port, child, dir, api };
}

export interface Alert {
  labels: Record<string, string>;
  state: string;
}

export async function alerts(p: PrometheusServer): Promise<Alert[]> {
  return ((await p.api('alerts')) as { alerts: Alert[] }).alerts;
}
