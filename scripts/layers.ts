// The import graph of src/, by folder, checked against the layout the README describes: no cycle,
// and no import from a lower layer into a higher one. `npm run layers` prints it; a unit test
// (test/unit/layers.test.ts) fails on any violation.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Layers from the bottom up; a module may import from its own unit or from a lower layer only. */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'log.ts', 'types'],
  // The pure core takes no config: the callers pass it what it needs.
  ['config.ts', 'core'],
  // I/O, one kind each; neither imports the other.
  ['sources', 'snmp'],
  // What the programs share above the I/O.
  ['collect.ts', 'members.ts'],
  // The programs: the daemon and the initiator never import each other.
  ['daemon', 'init'],
  // galera-check cluster is galera-init's first look.
  ['check'],
  // The entry points.
  ['cli'],
];

/** A module's unit: its folder under src/, or the file itself at the top of src/. */
export const unitOf = (rel: string): string => rel.split('/')[0];

export const layerOf = (unit: string): number => LAYERS.findIndex((l) => l.includes(unit));

/** Every relative import of every .ts file under srcDir, as src-relative paths (with .ts). */
export function importsOf(srcDir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const rel = path.relative(srcDir, full);
        const text = fs.readFileSync(full, 'utf8');
        const deps = [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)'/gms)].map((m) =>
          path.relative(srcDir, path.resolve(path.dirname(full), `${m[1]}.ts`)),
        );
        graph.set(rel, deps);
      }
    }
  };
  walk(srcDir);
  return graph;
}

/** What breaks the layout: imports into a higher layer or across units of one layer, and cycles. */
export function violations(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const [uf, ut] = [unitOf(from), unitOf(to)];
      const [lf, lt] = [layerOf(uf), layerOf(ut)];
      if (lf < 0) out.push(`${from}: its unit ${uf} is in no layer (add it to LAYERS)`);
      else if (uf !== ut && lt >= lf) out.push(`${from} imports ${to}: ${ut} is not below ${uf}`);
    }
  }
  // Cycles between modules, by depth-first search.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (m: string): void => {
    state.set(m, 'open');
    stack.push(m);
    for (const d of graph.get(m) ?? []) {
      if (state.get(d) === 'open') out.push(`cycle: ${[...stack.slice(stack.indexOf(d)), d].join(' -> ')}`);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(m, 'done');
  };
  for (const m of graph.keys()) if (!state.has(m)) visit(m);
  return out;
}

/** The graph by unit: which units each unit imports from. */
export function unitGraph(graph: Map<string, string[]>): Map<string, Set<string>> {
  const units = new Map<string, Set<string>>();
  for (const [from, deps] of graph) {
    const set = units.get(unitOf(from)) ?? new Set<string>();
    for (const to of deps) if (unitOf(to) !== unitOf(from)) set.add(unitOf(to));
    units.set(unitOf(from), set);
  }
  return units;
}

if (require.main === module) {
  const graph = importsOf(path.resolve(__dirname, '..', '..', 'src'));
  const units = unitGraph(graph);
  for (const [i, layer] of LAYERS.entries()) {
    for (const u of layer) {
      if (!units.has(u)) continue;
      const deps = [...(units.get(u) ?? [])].sort((a, b) => layerOf(a) - layerOf(b) || a.localeCompare(b));
      process.stdout.write(`${i} ${u.padEnd(12)} -> ${deps.join(', ') || '(nothing)'}\n`);
    }
  }
  const bad = violations(graph);
  process.stdout.write(`${graph.size} modules; ${bad.length ? bad.join('\n') : 'no cycle, no import upward'}\n`);
  process.exitCode = bad.length ? 1 : 0;
}
