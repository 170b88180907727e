// The fault campaign's plans (issue 22): every fault and every delay of a round comes from a PRNG
// seeded with (CAMPAIGN_SEED, round), so a failing round prints the two numbers that replay it,
// and round i's plan does not depend on what rounds before it did. Pure: the unit test checks
// that a seed gives the same plan every time and that every fault kind is drawn.

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same stream everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nodes are indexes into the cluster (0 = db1). */
export type Fault =
  /** SIGKILL of each node's whole namespace, in this order, gapsMs[i] before cut i; all boot after downMs. */
  | { kind: 'powercut'; nodes: number[]; gapsMs: number[]; downMs: number }
  /** `systemctl poweroff`, then a boot after downMs. */
  | { kind: 'reboot'; node: number; downMs: number }
  /** These nodes' cables pulled (each alone: one away, or 1|1|1 with all three), plugged back after forMs. */
  | { kind: 'partition'; nodes: number[]; forMs: number }
  /** kill -9 of one process; the units restart mariadbd and the agent, the heal starts snmpd. */
  | { kind: 'kill'; node: number; target: 'mariadbd' | 'galera-agentx' | 'snmpd' }
  /** A power cut of the node, its grastate.dat damaged while it is off, then a boot after downMs. */
  | { kind: 'grastate'; node: number; damage: 'empty' | 'garbage' | 'missing'; downMs: number }
  /** percent of the frames dropped on the bridge (all nodes: every port; one node: its port only) for forMs. */
  | { kind: 'loss'; nodes: number[]; percent: number; forMs: number }
  /** The node's datadir filesystem filled up for forMs, then the filler removed. */
  | { kind: 'disk'; node: number; forMs: number };

export type FaultKind = Fault['kind'];
export const FAULT_KINDS: FaultKind[] = ['powercut', 'reboot', 'partition', 'kill', 'grastate', 'loss', 'disk'];
/**
 * The kinds before loss and disk were added: a seed's plans depend on the list of kinds, so runs
 * made before then replay with CAMPAIGN_FAULTS set to this list.
 */
export const FAULT_KINDS_V1: FaultKind[] = ['powercut', 'reboot', 'partition', 'kill', 'grastate'];

export interface Step {
  /** From the round's start. */
  atMs: number;
  fault: Fault;
}

export interface RoundPlan {
  seed: number;
  round: number;
  steps: Step[];
  /** The writer's pause between two commits. */
  writeEveryMs: number;
}

/** The nodes a fault touches: two faults of one round never share a node. */
export function nodesOf(f: Fault): number[] {
  return 'nodes' in f ? f.nodes : [f.node];
}

/** The PRNG of one round: the campaign's seed mixed with the round number. */
export function roundRandom(seed: number, round: number): () => number {
  return mulberry32((seed ^ Math.imul(round + 1, 0x9e3779b9)) >>> 0);
}

export function planRound(seed: number, round: number, n = 3, kinds: FaultKind[] = FAULT_KINDS): RoundPlan {
  const rnd = roundRandom(seed, round);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const shuffle = <T>(xs: T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const fault = (kind: FaultKind, free: number[]): Fault | null => {
    const node = pick(free);
    switch (kind) {
      case 'powercut': {
        const k = Math.min(int(1, n), free.length);
        return {
          kind,
          nodes: shuffle(free).slice(0, k),
          gapsMs: Array.from({ length: k }, (_, i) => (i === 0 ? 0 : pick([0, int(100, 2000), int(2000, 12000)]))),
          downMs: int(0, 8000),
        };
      }
      case 'reboot':
        return { kind, node, downMs: int(0, 5000) };
      case 'partition': {
        // One node away, or every node alone (1|1|1) when the round has all of them to itself.
        const nodes = free.length === n && rnd() < 0.35 ? all : [node];
        return { kind, nodes, forMs: int(2000, 20000) };
      }
      case 'kill':
        return { kind, node, target: pick(['mariadbd', 'galera-agentx', 'snmpd'] as const) };
      case 'grastate':
        return { kind, node, damage: pick(['empty', 'garbage', 'missing'] as const), downMs: int(0, 4000) };
      case 'loss': {
        const nodes = free.length === n && rnd() < 0.5 ? all : [node];
        return { kind, nodes, percent: int(5, 30), forMs: int(5000, 30000) };
      }
      case 'disk':
        return { kind, node, forMs: int(5000, 30000) };
    }
  };
  // One fault, or two on disjoint nodes with overlapping timing.
  const steps: Step[] = [];
  let free = all;
  const count = rnd() < 0.3 ? 2 : 1;
  for (let i = 0; i < count && free.length; i++) {
    const f = fault(pick(kinds), free);
    if (!f) continue;
    steps.push({ atMs: i === 0 ? int(500, 3000) : int(500, 8000), fault: f });
    free = free.filter((x) => !nodesOf(f).includes(x));
  }
  return { seed, round, steps, writeEveryMs: int(100, 400) };
}

const name = (i: number): string => `db${i + 1}`;

/** One line per step: what the round does, in words a reader can check against the logs. */
export function describePlan(p: RoundPlan): string {
  const what = (f: Fault): string => {
    switch (f.kind) {
      case 'powercut':
        return `power cut of ${f.nodes.map((x, i) => `${name(x)}${i ? ` (+${f.gapsMs[i]} ms)` : ''}`).join(', ')}; boot after ${f.downMs} ms`;
      case 'reboot':
        return `clean reboot of ${name(f.node)} (off ${f.downMs} ms)`;
      case 'partition':
        return `${f.nodes.length > 1 ? `partition ${f.nodes.map(name).join('|')}` : `${name(f.nodes[0])} cut off the bridge`} for ${f.forMs} ms`;
      case 'kill':
        return `kill -9 ${f.target} on ${name(f.node)}`;
      case 'grastate':
        return `power cut of ${name(f.node)}, grastate.dat ${f.damage}, boot after ${f.downMs} ms`;
      case 'loss':
        return `${f.percent} % loss ${f.nodes.length > 1 ? 'on the whole bridge' : `on ${name(f.nodes[0])}'s port`} for ${f.forMs} ms`;
      case 'disk':
        return `${name(f.node)}'s datadir filesystem full for ${f.forMs} ms`;
    }
  };
  return p.steps.map((s) => `at ${s.atMs} ms: ${what(s.fault)}`).join('; ') + `; a commit every ${p.writeEveryMs} ms`;
}
