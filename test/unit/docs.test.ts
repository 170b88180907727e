// The docs' reference tables checked against the code, as fastify keeps its error docs in sync: the
// notification table against the MIB and the Notifier's RULES, the object table and every
// GALERA-MIB name in the docs against the MIB, the exit-code table against EXIT,
// the decision table against every reason and advice decide.ts can return, the configuration
// reference against the config's keys, defaults and accepted values. Each table is found by its
// header in README.md or docs/*.md, wherever it moves; a table's layout may change, its entries
// may not go missing on either side.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import YAML from 'yaml';
import { buildConfig, defaultConfig } from '../../src/config';
import { EXIT } from '../../src/errors';
import { RULES } from '../../src/daemon/notifier';
import { loadMib } from '../../src/snmp/mib';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DECIDE_SOURCE = path.join(ROOT, 'src', 'core', 'decide.ts');

// ---------------------------------------------------------------------------------------------
// Markdown tables

interface Table {
  file: string;
  line: number;
  header: string[];
  rows: string[][];
}

/** Splits a table line into cells at the pipes outside code spans (a `|` inside backticks stays). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '`') {
      inCode = !inCode;
      cur += ch;
    } else if (ch === '|' && !inCode) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Every Markdown table of README.md and docs/*.md. */
function allTables(): Table[] {
  const files = [
    path.join(ROOT, 'README.md'),
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(ROOT, 'docs', f)),
  ];
  const tables: Table[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      if (!lines[i].trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) continue;
      const header = cells(lines[i]).map((h) => h.replace(/[*`_]/g, '').trim().toLowerCase());
      const rows: string[][] = [];
      let j = i + 2;
      for (; j < lines.length && lines[j].trim().startsWith('|'); j++) rows.push(cells(lines[j]));
      tables.push({ file: path.relative(ROOT, file), line: i + 1, header, rows });
      i = j;
    }
  }
  return tables;
}

/** The one table whose header has these columns (so a second, look-alike table is an error too). */
function tableWith(...columns: string[]): { table: Table; col: (name: string) => number } {
  const found = allTables().filter((t) => columns.every((c) => t.header.includes(c)));
  assert.equal(
    found.length,
    1,
    `expected one table with columns ${columns.join(', ')} in README.md or docs/*.md, found ${found.length}` +
      found.map((t) => ` (${t.file}:${t.line})`).join(''),
  );
  const table = found[0];
  return { table, col: (name) => table.header.indexOf(name) };
}

/** The code spans of a cell, in order. */
const quotes = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]);

// ---------------------------------------------------------------------------------------------
// Text patterns: literal characters and holes that stand for any text

const HOLE = Symbol('hole');
type Pattern = (string | typeof HOLE)[];

const literal = (s: string): Pattern => [...s];

/** A quote from the docs: `…` stands for text left out, so it is a hole. */
const fromQuote = (q: string): Pattern => {
  const p: Pattern = [];
  for (const ch of q.replace(/\.\.\./g, '…')) p.push(ch === '…' ? HOLE : ch);
  return p;
};

/**
 * Whether some text matches both patterns: the docs' quote (example names in it, `…` for what it
 * leaves out) and the code's template (a hole for each interpolation it cannot resolve). A hole
 * takes any run of the other side, holes included.
 */
function compatible(a: Pattern, b: Pattern): boolean {
  const n = a.length;
  const m = b.length;
  // reach[i][j]: a[0..i) and b[0..j) can describe the same text.
  const reach = Array.from({ length: n + 1 }, () => new Array<boolean>(m + 1).fill(false));
  reach[0][0] = true;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      if (!reach[i][j]) continue;
      if (i < n && a[i] === HOLE) {
        reach[i + 1][j] = true; // the hole ends here
        if (j < m) reach[i][j + 1] = true; // the hole takes b[j]
      }
      if (j < m && b[j] === HOLE) {
        reach[i][j + 1] = true;
        if (i < n) reach[i + 1][j] = true;
      }
      if (i < n && j < m && a[i] !== HOLE && a[i] === b[j]) reach[i + 1][j + 1] = true;
    }
  }
  return reach[n][m];
}

// ---------------------------------------------------------------------------------------------
// The outcomes decide.ts can return, read from its source

interface Outcome {
  action: string;
  reason: Pattern;
  advice: Pattern | null;
  /** Where it is returned (file:line), for the failure message. */
  at: string;
  text: string;
}

const show = (p: Pattern): string => p.map((c) => (c === HOLE ? '…' : c)).join('');

/**
 * Every object literal in decide.ts with a literal `action` and a `reason`: its reason and advice as
 * patterns. Constants (`head`, `why`, `PC_BOOTSTRAP`) are followed into their templates, and a
 * helper's parameters (refuseUnlessForced's reason and advice) into each call's arguments; anything
 * else interpolated is a hole.
 */
function decisionOutcomes(): Outcome[] {
  const program = ts.createProgram([DECIDE_SOURCE], { noResolve: true, noLib: true, types: [] });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(DECIDE_SOURCE);
  assert.ok(file, `cannot read ${DECIDE_SOURCE}`);
  type Env = Map<ts.Symbol, ts.Expression>;

  const calls: ts.CallExpression[] = [];
  const collectCalls = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) calls.push(n);
    ts.forEachChild(n, collectCalls);
  };
  collectCalls(file);

  /** A name's symbol; for a shorthand `{ reason }`, the variable's, not the property's. */
  const symbolOf = (e: ts.Identifier): ts.Symbol | undefined =>
    ts.isShorthandPropertyAssignment(e.parent) && e.parent.name === e
      ? checker.getShorthandAssignmentValueSymbol(e.parent)
      : checker.getSymbolAtLocation(e);

  const pattern = (e: ts.Expression, env: Env, depth = 0): Pattern => {
    if (depth > 20) return [HOLE];
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return literal(e.text);
    if (ts.isParenthesizedExpression(e)) return pattern(e.expression, env, depth + 1);
    if (ts.isTemplateExpression(e)) {
      const out: Pattern = literal(e.head.text);
      for (const span of e.templateSpans)
        out.push(...pattern(span.expression, env, depth + 1), ...literal(span.literal.text));
      return out;
    }
    if (ts.isIdentifier(e)) {
      const sym = symbolOf(e);
      const bound = sym && env.get(sym);
      if (bound) return pattern(bound, env, depth + 1);
      const decl = sym?.valueDeclaration;
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isVariableDeclarationList(decl.parent)) {
        if (decl.parent.flags & ts.NodeFlags.Const) return pattern(decl.initializer, env, depth + 1);
      }
    }
    return [HOLE];
  };

  /** The expression a property of the object gives (a shorthand `reason` is the variable's). */
  const property = (obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined => {
    for (const p of obj.properties) {
      if (!p.name || !ts.isIdentifier(p.name) || p.name.text !== name) continue;
      if (ts.isPropertyAssignment(p)) return p.initializer;
      if (ts.isShorthandPropertyAssignment(p)) return p.name;
    }
    return undefined;
  };

  /** The bindings of the enclosing function's parameters, one per call of it; none: one empty. */
  const bindings = (obj: ts.Node, uses: ts.Expression[]): { env: Env; at: ts.Node }[] => {
    let fn: ts.Node | undefined = obj.parent;
    while (fn && !ts.isFunctionDeclaration(fn)) fn = fn.parent;
    if (!fn || !ts.isFunctionDeclaration(fn) || !fn.name) return [{ env: new Map(), at: obj }];
    const params = fn.parameters.map((p) => checker.getSymbolAtLocation(p.name));
    const usesParam = uses.some((u) => {
      const s = ts.isIdentifier(u) ? symbolOf(u) : undefined;
      return s !== undefined && params.includes(s);
    });
    if (!usesParam) return [{ env: new Map(), at: obj }];
    const fnSym = checker.getSymbolAtLocation(fn.name);
    const envs = calls
      .filter((c) => ts.isIdentifier(c.expression) && checker.getSymbolAtLocation(c.expression) === fnSym)
      .map((c) => {
        const env: Env = new Map();
        params.forEach((s, i) => {
          if (s && c.arguments[i]) env.set(s, c.arguments[i]);
        });
        return { env, at: c };
      });
    assert.ok(envs.length > 0, `${fn.name.text} uses its parameters in a decision but is never called`);
    return envs;
  };

  const outcomes: Outcome[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n)) {
      const action = property(n, 'action');
      const reason = property(n, 'reason');
      if (action && reason && ts.isStringLiteral(action)) {
        const advice = property(n, 'advice');
        for (const { env, at } of bindings(n, advice ? [reason, advice] : [reason])) {
          const line = file.getLineAndCharacterOfPosition(at.getStart(file)).line + 1;
          const o = {
            action: action.text,
            reason: pattern(reason, env),
            advice: advice ? pattern(advice, env) : null,
            at: `${path.relative(ROOT, DECIDE_SOURCE)}:${line}`,
          };
          outcomes.push({ ...o, text: `${o.action}: ${show(o.reason)}${o.advice ? ` / ${show(o.advice)}` : ''}` });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(file);
  return outcomes;
}

interface DecisionRow {
  line: number;
  actions: string[];
  reasons: string[];
  advice: string[];
}

const ACTION_WORDS = /\b(done|join|bootstrap|wait|refuse)\b/g;

function decisionRows(): { rows: DecisionRow[]; where: string } {
  const { table, col } = tableWith('situation', 'decision', 'reason', 'advice');
  const rows = table.rows.map((r, i) => ({
    line: table.line + 2 + i,
    actions: [...(r[col('decision')] ?? '').matchAll(ACTION_WORDS)].map((m) => m[1]),
    reasons: quotes(r[col('reason')] ?? ''),
    advice: quotes(r[col('advice')] ?? ''),
  }));
  return { rows, where: table.file };
}

/** A row describes an outcome: the same first action, a reason and an advice that can be the same text. */
function describes(row: DecisionRow, o: Outcome): boolean {
  if (row.actions[0] !== o.action) return false;
  if (!row.reasons.some((q) => compatible(fromQuote(q), o.reason))) return false;
  if (o.advice === null) return row.advice.length === 0;
  const advice = o.advice;
  return row.advice.some((q) => compatible(fromQuote(q), advice));
}

// ---------------------------------------------------------------------------------------------
// The config's keys, defaults and accepted values, as buildConfig reports them

/** The message buildConfig throws for a document (every line of it). */
function configErrors(doc: unknown): string {
  try {
    buildConfig(doc, 'probe.yaml');
  } catch (err) {
    // The message is the contract read here (the key named, what it must be), not the error's class.
    return err instanceof Error ? err.message : String(err);
  }
  return '';
}

/** The known keys, from the message naming them when an unknown key is given. */
function knownKeys(doc: unknown, unknown: string): string[] {
  const m = new RegExp(`unknown key '${unknown.replace(/\./g, '\\.')}' \\(known: ([^)]*)\\)`).exec(configErrors(doc));
  return m ? m[1].split(', ') : [];
}

/** Every key the config accepts, dotted (init.members), as the config itself names them. */
function configKeys(): string[] {
  const PROBE = 'zzProbeKey';
  const top = knownKeys({ [PROBE]: 1 }, PROBE);
  assert.ok(top.length > 0, 'buildConfig no longer names the known keys of an unknown one');
  const keys: string[] = [];
  for (const k of top) {
    const sub = knownKeys({ [k]: { [PROBE]: 1 } }, `${k}.${PROBE}`);
    if (sub.length) keys.push(...sub.map((s) => `${k}.${s}`));
    else keys.push(k);
  }
  return keys;
}

/** What the config says a key must be, given a value no key accepts (a mapping). */
function acceptedText(key: string): string {
  const parts = key.split('.');
  const bad = { probe: [] };
  const doc = parts.length === 1 ? { [key]: bad } : { [parts[0]]: { [parts[1]]: bad } };
  const line = configErrors(doc)
    .split('\n')
    .find((l) => l.includes(`'${key}' must be `));
  assert.ok(line, `the config accepts a mapping as ${key}, or says nothing about it`);
  return line.replace(/^.*? must be /, '').replace(/, got .*$/, '');
}

const defaultOf = (key: string): unknown =>
  key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], defaultConfig());

// ---------------------------------------------------------------------------------------------

describe('the docs against the code', () => {
  describe('the notification table', () => {
    const mib = loadMib();
    const inMib = new Map([...mib.notifications].map(([name, n]) => [name, n.oid[n.oid.length - 1]]));
    const documented = (): Map<string, number> => {
      const { table } = tableWith('notification', 'when');
      const out = new Map<string, number>();
      for (const row of table.rows) {
        for (const m of row[0].matchAll(/`(\w+)`\s*\(\.(\d+)\)/g)) {
          assert.ok(!out.has(m[1]), `${table.file}: ${m[1]} documented twice`);
          out.set(m[1], Number(m[2]));
        }
      }
      return out;
    };

    it('lists every notification of the MIB, with its number, and no other', () => {
      const doc = documented();
      const missing = [...inMib.keys()].filter((n) => !doc.has(n));
      const extra = [...doc.keys()].filter((n) => !inMib.has(n));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'the docs vs mibs/GALERA-MIB.txt');
      for (const [name, num] of doc) assert.equal(num, inMib.get(name), `${name}'s number (.N) in the docs`);
    });

    it("lists every notification the Notifier's RULES send", () => {
      const doc = documented();
      const missing = RULES.flatMap((r) => r.notifications).filter((n) => !doc.has(n));
      assert.deepEqual(missing, [], 'notifications in RULES (src/notifier.ts) missing from the docs');
    });
  });

  describe('the MIB at a glance', () => {
    const mib = loadMib();
    const mibText = fs.readFileSync(path.join(ROOT, 'mibs', 'GALERA-MIB.txt'), 'utf8');
    /** Every name the module defines: objects, tables, entries, notifications, groups. */
    const defined = new Set(
      [
        ...mibText.matchAll(
          /^(\w+)\s+(?:OBJECT-TYPE|NOTIFICATION-TYPE|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-IDENTITY|MODULE-COMPLIANCE|OBJECT IDENTIFIER)\b/gm,
        ),
      ].map((m) => m[1]),
    );

    it("names every readable scalar of the MIB in the object table, and only the MIB's", () => {
      const { table, col } = tableWith('object', 'type', 'meaning');
      const named = table.rows.flatMap((r) => quotes(r[col('object')]));
      const scalars = [...mib.objects.values()].filter((o) => o.column === undefined && o.access === 'read-only');
      const missing = scalars.map((o) => `${o.name}.0`).filter((n) => !named.includes(n));
      const unknown = named.filter((n) => !defined.has(n.replace(/\.0$/, '')));
      assert.deepEqual({ missing, unknown }, { missing: [], unknown: [] }, `${table.file}'s object table vs the MIB`);
    });

    it('uses only names the MIB defines, in every page', () => {
      assert.ok(
        defined.has('galeraStatus') && defined.has('galeraSourceTable') && defined.has('galeraPromotedPrimary'),
      );
      for (const file of ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)]) {
        if (!file.endsWith('.md')) continue;
        const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
        const unknown = [...new Set([...text.matchAll(/\bgalera[A-Z]\w*/g)].map((m) => m[0]))].filter(
          (n) => !defined.has(n),
        );
        assert.deepEqual(unknown, [], `${file} names objects GALERA-MIB does not define`);
      }
    });
  });

  describe('the exit-code table', () => {
    it('lists every code of EXIT with its name, and no other', () => {
      const { table, col } = tableWith('exit', 'name');
      const doc = table.rows.map((r) => [quotes(r[col('name')]).join(''), Number(r[col('exit')])] as const);
      assert.deepEqual(
        doc.map(([n, c]) => `${n}=${c}`).sort(),
        Object.entries(EXIT)
          .map(([n, c]) => `${n}=${c}`)
          .sort(),
        `${table.file}'s exit codes vs EXIT in src/errors.ts`,
      );
    });
  });

  describe('the decision table', () => {
    const outcomes = decisionOutcomes();

    it('reads the outcomes of decide.ts (each action, with its reasons)', () => {
      // A guard on the reader itself: if it stopped finding returns, the checks below would pass.
      const actions = new Set(outcomes.map((o) => o.action));
      assert.deepEqual([...actions].sort(), ['bootstrap', 'done', 'join', 'refuse', 'wait']);
      assert.ok(outcomes.length >= 20, `only ${outcomes.length} outcomes read from decide.ts`);
      // A reason read as nothing but holes would match any row.
      const blind = outcomes.filter(
        (o) =>
          o.reason
            .filter((c) => c !== HOLE)
            .join('')
            .trim().length < 8,
      );
      assert.deepEqual(
        blind.map((o) => `${o.at} ${o.text}`),
        [],
        'reasons whose text the reader could not follow',
      );
      assert.ok(
        outcomes.some(
          (o) => show(o.reason).includes('no Primary component: ') && show(o.reason).includes('refuses writes'),
        ),
        'constants (head) are followed into their templates',
      );
      assert.ok(
        outcomes.some((o) => show(o.reason).startsWith("this node's state ") && o.advice !== null),
        "a helper's parameters are followed into its calls' arguments",
      );
    });

    it('has a row for every reason and advice decide.ts returns', () => {
      const { rows, where } = decisionRows();
      const missing = outcomes.filter((o) => !rows.some((r) => describes(r, o))).map((o) => `${o.at} ${o.text}`);
      assert.deepEqual(missing, [], `outcomes of decide.ts with no row in ${where}'s decision table`);
    });

    it('has no row that decide.ts cannot return', () => {
      const { rows, where } = decisionRows();
      const extra = rows
        .filter((r) => !outcomes.some((o) => describes(r, o)))
        .map((r) => `${where}:${r.line} ${r.actions[0] ?? '(no action)'}: ${r.reasons.join(' | ')}`);
      assert.deepEqual(extra, [], 'rows of the decision table that match no outcome of decide.ts');
      for (const r of rows) {
        for (const q of [...r.reasons, ...r.advice]) {
          // A quote that is mostly `…` would match any outcome and check nothing.
          assert.ok(
            q.replace(/…|\.\.\./g, '').trim().length >= 8,
            `${where}:${r.line}: \`${q}\` says too little to check`,
          );
        }
        for (const q of r.reasons) {
          assert.ok(
            outcomes.some((o) => compatible(fromQuote(q), o.reason)),
            `${where}:${r.line}: reason \`${q}\` matches no reason of decide.ts`,
          );
        }
      }
    });
  });

  describe('the configuration reference', () => {
    const keys = configKeys();
    const reference = (): { key: string; def: string; accepted: string; file: string }[] => {
      const { table, col } = tableWith('key', 'default', 'accepted');
      return table.rows.map((r) => ({
        key: quotes(r[col('key')]).join(''),
        def: r[col('default')],
        accepted: r[col('accepted')],
        file: table.file,
      }));
    };

    it('reads the keys from the config (each section, each key)', () => {
      assert.ok(keys.includes('agentx.master') && keys.includes('init.members') && keys.includes('nodeName'));
      assert.ok(keys.length >= 50, `only ${keys.length} keys read`);
    });

    it('lists every key the config accepts, and no other', () => {
      const doc = reference().map((r) => r.key);
      const missing = keys.filter((k) => !doc.includes(k));
      const extra = doc.filter((k) => !keys.includes(k));
      const twice = doc.filter((k, i) => doc.indexOf(k) !== i);
      assert.deepEqual(
        { missing, extra, twice },
        { missing: [], extra: [], twice: [] },
        `the keys of src/config.ts vs ${reference()[0]?.file ?? 'the configuration reference'}`,
      );
    });

    it("gives each key's default", () => {
      for (const r of reference()) {
        const want = defaultOf(r.key);
        const m = /^`([^`]*)`$/.exec(r.def.trim());
        if (want === undefined || want === os.hostname()) {
          // No fixed value (the bundled MIB, the host name): the docs say it in words.
          assert.ok(
            !m && r.def.trim().length > 0,
            `${r.file}: ${r.key}'s default is not a fixed value; say what it is`,
          );
          continue;
        }
        assert.ok(m, `${r.file}: ${r.key}'s default must be one code span (YAML), got: ${r.def}`);
        assert.deepEqual(YAML.parse(m[1]), want, `${r.file}: ${r.key}'s default`);
      }
    });

    it('gives the values each key accepts (its bounds and choices)', () => {
      for (const r of reference()) {
        const want = acceptedText(r.key);
        const doc = r.accepted.replace(/(\d)[,\u202f\u2009 ](?=\d{3}\b)/g, '$1');
        for (const n of want.match(/-?\d+/g) ?? [])
          assert.ok(
            new RegExp(`(^|[^\\d])${n}(?!\\d)`).test(doc),
            `${r.file}: ${r.key} accepts ${want}; the docs lack ${n}`,
          );
        const choices = /one of (.*)$/.exec(want)?.[1].split(', ') ?? [];
        for (const c of choices) assert.ok(doc.includes(c), `${r.file}: ${r.key} accepts ${want}; the docs lack ${c}`);
      }
    });
  });
});
