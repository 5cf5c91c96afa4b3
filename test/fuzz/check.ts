/**
 * The fuzzer's oracles. A batch of programs is compiled as one file in each mode (no plugin, coarse,
 * fine); every compile-level problem is attributed to the program it concerns (by the diagnostic's
 * position, or by bisecting the batch), and each program is then run at its sample points:
 *
 * 1. compile: no crash, no TS95999; other coarsegrad codes are refusals; type errors are bugs of the
 *    generator;
 * 2. every emitted module parses (`vm.Script`) and loads;
 * 3. the primal is finite at the point (else the point is skipped), and the same, to the bit, in the
 *    module built without the plugin and in each mode's module;
 * 4. `valueAndGrad`'s value is the primal's to 1e-12 relative (absolute below 1), or to what moving
 *    the point by a relative 2^-40 either way moves the primal by (Float32Array elements, which
 *    round back, by a float32 ulp, scaled down), or the gradient times that nudge
 *    (ill-conditioned programs); `grad` equals `valueAndGrad`'s gradient; the call-site rewrite
 *    gives the same companion;
 * 5. coarse and fine gradients agree to 1e-9 of the largest entry, or within 16 times what that
 *    nudge moves the fine gradient by (not compared where a mode's value is further than 1e-9 from
 *    the primal's, by rounding alone: a chaotic program);
 * 6. both agree with 5-point central differences where those are stable (three steps agree, and
 *    the two sides, and the nudge moves the entry by less than a millionth) and the point is not
 *    one where finite differences cannot see the derivative (blindProbe), and, for a coordinate
 *    below the finest step, a difference at its own scale agrees, within what
 *    rounding in the values differenced allows; a parameter the report takes as discrete (a trip
 *    count, an index, a length) is 0 in both modes instead;
 * 7. no NaN/Infinity in a gradient entry whose finite difference is finite;
 * 8. no call changes its arguments; a companion leaves the tape as it found it;
 * 9. the gradient has the parameters' shape; a companion neither throws nor hangs.
 */
import * as vm from 'node:vm';
import ts from 'typescript';
import type { ParamKind } from './ast.js';
import type { PointValue } from './generate.js';
import { compile, compileModes, describeDiagnostics, load, prelude, runtimeEntry, type CompileResult } from '../harness.js';

export type Mode = 'coarse' | 'fine';
export type BuildKind = Mode | 'plain';

/** One program to check: its module-level source, how to call it, and its sample points. */
export interface CaseSpec {
  /** The marked function's name (`<id>_C` for the class of the method spellings). */
  id: string;
  source: string;
  call: 'fn' | 'method' | 'static';
  kinds: ParamKind[];
  points: PointValue[][];
}

export interface Failure {
  /** `oracle:mode`, e.g. `fd:coarse`, `internal:fine`, `cmp`. */
  oracle: string;
  message: string;
  point?: number;
}

export interface Refusal {
  mode: Mode;
  code: number;
  message: string;
}

export interface CaseResult {
  id: string;
  failures: Failure[];
  refusals: Refusal[];
  /** Type errors, or a primal that throws or changes its arguments: bugs of the generator. */
  generatorErrors: string[];
  stats: CheckStats;
}

export interface CheckStats {
  points: number;
  skippedPoints: number;
  hugePoints: number;
  /** Points where finite differences cannot see the derivative (`blindProbe`): not compared with them. */
  blindPoints: number;
  /** Points where a mode's value left the primal's by rounding alone (a chaotic program): gradients not compared. */
  divergedPoints: number;
  fdChecked: number;
  fdUnstable: number;
  /** Comparisons (of the modes at a point, or of a coordinate with finite differences) where the fine gradient is off by its tape's rounding alone. */
  tapeRounded: number;
  /** Points where an adjoint on the fine tape overflowed and its gradient is not finite, and the coarse one is. */
  coarseningValue: number;
}

export const noStats = (): CheckStats => ({ points: 0, skippedPoints: 0, hugePoints: 0, blindPoints: 0, divergedPoints: 0, fdChecked: 0, fdUnstable: 0, tapeRounded: 0, coarseningValue: 0 });

export interface CheckOptions {
  /** Builds to make; a case is checked in the modes built. Default: all three. */
  builds?: readonly BuildKind[];
  /** Milliseconds a companion call may take. */
  timeoutMs?: number;
}

export const tolerances = {
  value: 1e-12,
  modes: 1e-9,
  gradVsValueAndGrad: 1e-12,
  fdAgree: 1e-6,
  fdAgreeAbs: 1e-8,
  fdRel: 1e-5,
  fdAbs: 1e-7,
};

/** Oracles in order of precedence: a program's first failure by this order is its class. */
export const oracleOrder = ['crash', 'internal', 'parse', 'load', 'missing', 'hang', 'throw', 'shape', 'nonfinite', 'fd', 'cmp', 'value', 'grad-vs-vag', 'callsite', 'primal', 'mutation', 'tape'];

export function primaryFailure(failures: readonly Failure[]): Failure | undefined {
  const rank = (f: Failure): number => {
    const i = oracleOrder.indexOf(f.oracle.split(':')[0]!);
    return i < 0 ? oracleOrder.length : i;
  };
  return failures.slice().sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * A failure's class, to count and to shrink a few of each: numeric oracles by the oracle alone,
 * compile errors and exceptions by their message too, with names and numbers blanked.
 */
export function failureClass(f: Failure): string {
  const kind = f.oracle.split(':')[0]!;
  if (['fd', 'cmp', 'value', 'nonfinite', 'grad-vs-vag', 'primal', 'mutation', 'tape', 'shape', 'callsite'].includes(kind)) return f.oracle;
  const line = f.message
    .split('\n')[0]!
    .replace(/^coarsegrad: internal error while differentiating '[^']*'; please report it with this function\. /, '')
    .replace(/at point \d+ \(.*?\): /, 'at point N: ')
    // Expressions quoted in internal errors (`emit: <node> (node 292) is read in ...`).
    .replace(/(emit: ).* (\(node \d+\))/, '$1… $2')
    .replace(/'[^']*'/g, "'…'")
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\(\/[^)]*\)/g, '')
    .replace(/\d+/g, 'N');
  return `${f.oracle} ${line.length > 240 ? line.slice(0, 240) + '…' : line}`;
}

// -----------------------------------------------------------------------------------------------
// Building

const header = prelude + "import { type Int } from 'coarsegrad';\n";

/** The file of a batch, and where each case's text starts and ends in it. */
export function batchSource(cases: readonly CaseSpec[]): { text: string; spans: { id: string; start: number; end: number }[] } {
  let text = header;
  const spans: { id: string; start: number; end: number }[] = [];
  for (const c of cases) {
    const start = text.length;
    text += `\n${c.source}`;
    if (c.call === 'fn') text += `export const ${c.id}$g = () => grad(${c.id});\nexport const ${c.id}$vg = () => valueAndGrad(${c.id});\n`;
    spans.push({ id: c.id, start, end: text.length });
  }
  return { text, spans };
}

interface Build {
  diagnostics: readonly ts.Diagnostic[];
  pluginDiagnostics: readonly ts.Diagnostic[];
  /** By marked function (a method as `Class.m`): the positions of the parameters the report says are discrete. */
  discrete: ReadonlyMap<string, ReadonlySet<number>>;
  module?: Record<string, any>;
  /** What went wrong with the whole file: the compiler threw, or the module does not parse or load. */
  problem?: { kind: 'crash' | 'parse' | 'load'; message: string };
  source: ReturnType<typeof batchSource>;
}

function firstLine(text: string, max = 400): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? line.slice(0, max) + '…' : line;
}

// The report says which number parameters were taken as discrete (a trip count, an index, a length).
const pluginFor = (kind: BuildKind) => (kind === 'plain' ? false : { mode: kind, report: true });

/** Runs `compile` with the report's lines caught, and reads the discrete parameters off them. */
function reporting<T>(compile: () => T): { result: T; discrete: Map<string, Set<number>> } {
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: unknown) => void lines.push(String(text));
  let result: T;
  try {
    result = compile();
  } finally {
    console.log = log;
  }
  const discrete = new Map<string, Set<number>>();
  for (const trace of lines) {
    const name = /^([\w$.]+): /.exec(trace)?.[1];
    if (name === undefined) continue;
    for (const m of trace.matchAll(/^  \S+ \(parameter (\d+)\): taken as discrete/gm)) {
      const set = discrete.get(name) ?? new Set<number>();
      set.add(Number(m[1]));
      discrete.set(name, set);
    }
  }
  return { result, discrete };
}

function build(cases: readonly CaseSpec[], kind: BuildKind): Build {
  return buildAll(cases, [kind])[kind]!;
}

/** Builds the batch once per kind, sharing the parse and type check between them. */
function buildAll(cases: readonly CaseSpec[], kinds: readonly BuildKind[]): Partial<Record<BuildKind, Build>> {
  const source = batchSource(cases);
  const files = { 'main.ts': source.text };
  let shared: { result: CompileResult[]; discrete: Map<string, Set<number>> } | undefined;
  try {
    shared = reporting(() => compileModes(files, kinds.map(pluginFor)));
  } catch {
    shared = undefined; // one of them throws: compile each alone to see which
  }
  const out: Partial<Record<BuildKind, Build>> = {};
  kinds.forEach((kind, i) => {
    let result = shared?.result[i];
    let discrete = shared?.discrete ?? new Map<string, Set<number>>();
    if (result === undefined) {
      try {
        ({ result, discrete } = reporting(() => compile(files, { plugin: pluginFor(kind) })));
      } catch (error) {
        out[kind] = { diagnostics: [], pluginDiagnostics: [], discrete: new Map(), problem: { kind: 'crash', message: errorText(error) }, source };
        return;
      }
    }
    out[kind] = finish(result, kind, source, discrete);
  });
  return out;
}

function finish(result: CompileResult, kind: BuildKind, source: Build['source'], discrete: Build['discrete']): Build {
  const base = { diagnostics: result.diagnostics, pluginDiagnostics: result.pluginDiagnostics, discrete, source };
  const js = result.js['main.ts'];
  if (js === undefined) return { ...base, problem: { kind: 'crash', message: 'no JavaScript emitted' } };
  try {
    new vm.Script(js, { filename: `${kind}.js` });
  } catch (error) {
    return { ...base, problem: { kind: 'parse', message: errorText(error) } };
  }
  let module: Record<string, any>;
  try {
    module = load(result.js);
  } catch (error) {
    return { ...base, problem: { kind: 'load', message: errorText(error) } };
  }
  return { ...base, module };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const at = error.stack?.split('\n').find((l) => l.includes('/transformer/'))?.trim();
    return `${error.name}: ${firstLine(error.message)}${at !== undefined ? ` (${at})` : ''}`;
  }
  return String(error);
}

/**
 * The cases a whole-file problem comes from: halves of the batch are rebuilt until single cases
 * are left. A problem that only a combination of cases shows is given to all of them.
 */
function culprits(cases: readonly CaseSpec[], problemOf: (subset: readonly CaseSpec[]) => string | undefined, first: string): Map<string, string> {
  const out = new Map<string, string>();
  const rec = (subset: readonly CaseSpec[], message: string): void => {
    if (subset.length === 1) {
      out.set(subset[0]!.id, message);
      return;
    }
    const mid = subset.length >> 1;
    let any = false;
    for (const part of [subset.slice(0, mid), subset.slice(mid)]) {
      const m = problemOf(part);
      if (m !== undefined) {
        any = true;
        rec(part, m);
      }
    }
    if (!any) for (const c of subset) out.set(c.id, `${message} (only together with other programs of the batch)`);
  };
  rec(cases, first);
  return out;
}

/** Builds `cases` in `kind`, taking out (and reporting) the cases that break the whole file. */
function robustBuild(cases: readonly CaseSpec[], kind: BuildKind, first: Build, onProblem: (id: string, kind: string, message: string) => void): { build: Build; cases: readonly CaseSpec[] } {
  let live = cases;
  let b = first;
  for (;;) {
    if (b.problem === undefined || live.length === 0) return { build: b, cases: live };
    const problemKind = b.problem.kind;
    const found = culprits(
      live,
      (subset) => {
        const p = build(subset, kind).problem;
        return p?.kind === problemKind ? p.message : undefined;
      },
      b.problem.message,
    );
    for (const [id, message] of found) onProblem(id, problemKind, message);
    live = live.filter((c) => !found.has(c.id));
    b = build(live, kind);
  }
}

function caseAt(spans: Build['source']['spans'], d: ts.Diagnostic): string | undefined {
  if (d.start === undefined) return undefined;
  return spans.find((s) => d.start! >= s.start && d.start! < s.end)?.id;
}

// -----------------------------------------------------------------------------------------------
// Running

interface Entry {
  primal: (...args: unknown[]) => number;
  vag: (...args: unknown[]) => [number, unknown[]];
  grad: (...args: unknown[]) => unknown[];
  /** The companion that `grad(f)` in the same file was rewritten to, for the function spellings. */
  direct?: () => unknown;
  registryGrad?: () => unknown;
}

function entry(m: Record<string, any>, spec: CaseSpec): Entry {
  if (spec.call === 'fn') {
    const f = m[spec.id];
    if (typeof f !== 'function') throw new Error(`module has no function ${spec.id}`);
    return {
      primal: (...a) => f(...a),
      vag: (...a) => m.valueAndGrad(f)(...a),
      grad: (...a) => m.grad(f)(...a),
      direct: () => m[`${spec.id}$g`](),
      registryGrad: () => m.grad(f),
    };
  }
  const C = m[`${spec.id}_C`];
  if (typeof C !== 'function') throw new Error(`module has no class ${spec.id}_C`);
  const self = spec.call === 'method' ? new C() : C;
  return {
    primal: (...a) => self.m(...a),
    vag: (...a) => m.valueAndGrad(self.m).call(self, ...a),
    grad: (...a) => m.grad(self.m).call(self, ...a),
  };
}

/**
 * Points where finite differences cannot see the derivative, which the probe finds:
 *
 * - `a || b` and `a && b` switch on `a` being 0: at an `a` of exactly 0 the value is one operand's,
 *   and around it, generically, the other's. Both modes take the derivative of the operand returned
 *   (README, conventions at kinks), as JAX's `where` and every tape do: in reverse mode no rule
 *   gives the neighbourhood's partials in general, which can come from `a` along one coordinate and
 *   from `b` along another.
 * - `a % b` of an `a` past 2^52 times `b`: the remainder is what rounding left of `a` (0 for an
 *   integer-valued float), a sawtooth far finer than any step; its derivative in `a` is 1.
 * - `a + b` or `a - b` with a nonzero operand below the other's rounding (`1 + 1e154`): it is
 *   absorbed, and the value does not move with it, though the derivative says it does.
 * - `a * b` or `a / b` of nonzero operands that underflows past the normal range (`1e-300 * 1e-162`):
 *   the value lost what moves it, and a derivative that multiplies the other operand by an adjoint
 *   grown past the range can be infinite (the true one is, as a double) where the value is flat.
 * - a test (`if`, a loop's, `?:`, `!`) on a number that is exactly 0: as `||` and `&&` above.
 * - `Math.floor`, `ceil`, `round` or `trunc` that returns another integer at the ends of the
 *   stencil along a coordinate: finite differences see the slope of the staircase, not its flat
 *   treads (its derivative is 0, README).
 *
 * The probe is the program built without the plugin, each left side of `||` and `&&`, each `%`,
 * `+`, `-`, `*` and `/` (and `%=`, `+=`, `-=`, `*=`, `/=` on a name), and each test, passed through a
 * function that counts such cases.
 */
/** What the probe found at a point: a switch or rounding finite differences cannot see, an underflow. */
interface Blindness {
  readonly blind: boolean;
  /** A product or quotient underflowed: the gradient there may be beyond the range of doubles. */
  readonly underflow: boolean;
  /** What `Math.floor`, `ceil`, `round` and `trunc` returned, in order. */
  readonly steps?: string;
}

/** Functions constant between integers, whose derivative is 0 (README, conventions). */
const stepFunctions = new Set(['floor', 'ceil', 'round', 'trunc']);

function blindProbe(spec: CaseSpec): { at(args: unknown[]): Blindness } | undefined {
  const k = ts.SyntaxKind;
  const counted = new Map<ts.SyntaxKind, string>([
    [k.PercentToken, '__remainder'],
    [k.PlusToken, '__sum'],
    [k.MinusToken, '__difference'],
    [k.AsteriskToken, '__product'],
    [k.SlashToken, '__quotient'],
  ]);
  const compound = new Map<ts.SyntaxKind, string>([
    [k.PercentEqualsToken, '__divisor'],
    [k.PlusEqualsToken, '__addend'],
    [k.MinusEqualsToken, '__addend'],
    [k.AsteriskEqualsToken, '__factor'],
    [k.SlashEqualsToken, '__divisorOf'],
  ]);
  const counting: ts.TransformerFactory<ts.SourceFile> = (context) => (file) => {
    const f = context.factory;
    const call = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createIdentifier(name), undefined, args);
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isBinaryExpression(node)) {
        const op = node.operatorToken.kind;
        const left = ts.visitNode(node.left, visit) as ts.Expression;
        const right = ts.visitNode(node.right, visit) as ts.Expression;
        if (op === k.BarBarToken || op === k.AmpersandAmpersandToken) return f.updateBinaryExpression(node, call('__switch', [left]), node.operatorToken, right);
        const wrapped = counted.get(op);
        if (wrapped !== undefined) return call(wrapped, [left, right]);
        // `s += e` on a name: the right side is checked against the name's value, then applied.
        const into = compound.get(op);
        if (into !== undefined && ts.isIdentifier(node.left)) return f.updateBinaryExpression(node, left, node.operatorToken, call(into, [f.createIdentifier(node.left.text), right]));
        return f.updateBinaryExpression(node, left, node.operatorToken, right);
      }
      const tested = (e: ts.Expression) => call('__test', [ts.visitNode(e, visit) as ts.Expression]);
      if (ts.isIfStatement(node)) return f.updateIfStatement(node, tested(node.expression), ts.visitNode(node.thenStatement, visit) as ts.Statement, node.elseStatement && (ts.visitNode(node.elseStatement, visit) as ts.Statement));
      if (ts.isWhileStatement(node)) return f.updateWhileStatement(node, tested(node.expression), ts.visitNode(node.statement, visit) as ts.Statement);
      if (ts.isDoStatement(node)) return f.updateDoStatement(node, ts.visitNode(node.statement, visit) as ts.Statement, tested(node.expression));
      if (ts.isConditionalExpression(node)) return f.updateConditionalExpression(node, tested(node.condition), node.questionToken, ts.visitNode(node.whenTrue, visit) as ts.Expression, node.colonToken, ts.visitNode(node.whenFalse, visit) as ts.Expression);
      if (ts.isPrefixUnaryExpression(node) && node.operator === k.ExclamationToken) return f.updatePrefixUnaryExpression(node, tested(node.operand));
      // Math.floor(e) and its kin: `__step(Math.floor, e)`.
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'Math' && stepFunctions.has(node.expression.name.text) && node.arguments.length === 1) {
        return call('__step', [node.expression, ts.visitNode(node.arguments[0]!, visit) as ts.Expression]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(file, visit) as ts.SourceFile;
  };
  // Added after the transform, which would otherwise route the counter's own operators through it.
  const counter = [
    'let __blind = 0;',
    'const __absorbs = (a, b) => typeof a === "number" && typeof b === "number" && a !== 0 && b !== 0 && Math.min(Math.abs(a), Math.abs(b)) < 2 ** -52 * Math.max(Math.abs(a), Math.abs(b));',
    'function __switch(v) { if (v === 0) __blind++; return v; }',
    'function __remainder(a, b) { if (Math.abs(a) >= 2 ** 52 * Math.abs(b)) __blind++; return a % b; }',
    'function __divisor(a, b) { if (Math.abs(a) >= 2 ** 52 * Math.abs(b)) __blind++; return b; }',
    'function __sum(a, b) { if (__absorbs(a, b)) __blind++; return a + b; }',
    'function __difference(a, b) { if (__absorbs(a, b)) __blind++; return a - b; }',
    'function __addend(a, b) { if (__absorbs(a, b)) __blind++; return b; }',
    'let __lost = 0;',
    'const __underflows = (a, b, r) => typeof r === "number" && a !== 0 && b !== 0 && Number.isFinite(a) && Number.isFinite(b) && Math.abs(r) < 2 ** -1022;',
    'function __product(a, b) { const r = a * b; if (__underflows(a, b, r)) __lost++; return r; }',
    'function __quotient(a, b) { const r = a / b; if (__underflows(a, b, r)) __lost++; return r; }',
    'function __factor(a, b) { if (__underflows(a, b, a * b)) __lost++; return b; }',
    'function __divisorOf(a, b) { if (__underflows(a, b, a / b)) __lost++; return b; }',
    'function __test(v) { if (v === 0) __blind++; return v; }',
    'let __steps = [];',
    'function __step(fn, v) { const r = fn(v); __steps.push(r); return r; }',
    'exports.__blindCount = () => { const n = [__blind, __lost, __steps.join()]; __blind = 0; __lost = 0; __steps = []; return n; };',
    '',
  ].join('\n');
  const js =
    counter +
    ts.transpileModule(header + spec.source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
      transformers: { before: [counting] },
    }).outputText;
  const m = load({ 'main.ts': js });
  const primal = entry(m, spec).primal;
  return {
    at(args) {
      m.__blindCount();
      primal(...args);
      const [blind, lost, steps] = m.__blindCount() as [number, number, string];
      return { blind: blind > 0 || lost > 0, underflow: lost > 0, steps };
    },
  };
}

const runtime = require(runtimeEntry) as { tape: { size: number; seek(n: number): void }; operations: { largestAdjoint(): number } };
const context = vm.createContext({ __fn: undefined as unknown, __result: undefined as unknown });
const runner = new vm.Script('__result = __fn();');

/** Runs `fn` with a watchdog: a companion that loops forever is a failure, not a hang of the fuzzer. */
function timed<T>(fn: () => T, ms: number): T {
  context.__fn = fn;
  context.__result = undefined;
  try {
    runner.runInContext(context, { timeout: ms });
    return context.__result as T;
  } finally {
    context.__fn = undefined;
    context.__result = undefined;
  }
}

class Hang extends Error {}

function call<T>(fn: () => T, ms: number): T {
  try {
    return timed(fn, ms);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new Hang(`no result after ${ms} ms`);
    throw error;
  }
}

export function materialize(kinds: readonly ParamKind[], point: readonly PointValue[]): unknown[] {
  return point.map((v, i) => {
    switch (kinds[i]) {
      case 'f64':
        return new Float64Array(v as number[]);
      case 'f32':
        return new Float32Array(v as number[]);
      case 'arr':
      case 'roarr':
        return (v as number[]).slice();
      default:
        return v;
    }
  });
}

function mutated(kinds: readonly ParamKind[], point: readonly PointValue[], args: readonly unknown[]): string | undefined {
  for (let i = 0; i < point.length; i++) {
    const v = point[i];
    const a = args[i];
    if (Array.isArray(v)) {
      const arr = a as ArrayLike<number>;
      const want = kinds[i] === 'f32' ? v.map(Math.fround) : v;
      if (arr.length !== want.length) return `argument ${i} changed length ${want.length} → ${arr.length}`;
      for (let j = 0; j < want.length; j++) if (!Object.is(arr[j], want[j])) return `argument ${i}[${j}] changed ${want[j]} → ${arr[j]}`;
    } else if (!Object.is(a, v)) return `argument ${i} changed`;
  }
  return undefined;
}

function showPoint(point: readonly PointValue[]): string {
  return `(${point.map((v) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v))).join(', ')})`;
}

function numbersOf(g: unknown): number[] {
  if (typeof g === 'number') return [g];
  if (g === undefined || g === null) return [];
  if (ArrayBuffer.isView(g) || Array.isArray(g)) return Array.from(g as ArrayLike<number>);
  return [];
}

function showGradient(g: readonly unknown[]): string {
  return `[${g.map((e) => (typeof e === 'number' || e === undefined ? String(e) : ArrayBuffer.isView(e) ? `F64[${Array.from(e as Float64Array).join(', ')}]` : JSON.stringify(e))).join(', ')}]`;
}

/** Entries of two gradients differ beyond `tol` of the largest entry; returns where, or undefined. */
function compareNormwise(a: readonly unknown[], b: readonly unknown[], tol: number): string | undefined {
  if (a.length !== b.length) return `${a.length} entries vs ${b.length}`;
  const all = [...a, ...b].flatMap(numbersOf).filter(Number.isFinite).map(Math.abs);
  const scale = Math.max(0, ...all);
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === undefined) !== (b[i] === undefined)) {
      // An integer-only parameter is 0 in one, undefined in the other: the harness's convention.
      if ((a[i] === undefined && b[i] === 0) || (b[i] === undefined && a[i] === 0)) continue;
      return `entry ${i}: ${String(a[i])} vs ${String(b[i])}`;
    }
    const x = numbersOf(a[i]);
    const y = numbersOf(b[i]);
    if (x.length !== y.length) return `entry ${i}: ${x.length} numbers vs ${y.length}`;
    for (let k = 0; k < x.length; k++) {
      const u = x[k]!;
      const v = y[k]!;
      if (Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v))) continue;
      if (Number.isFinite(u) && Number.isFinite(v) && Math.abs(u - v) <= tol * scale) continue;
      return `entry ${i}${typeof a[i] === 'number' ? '' : `[${k}]`}: ${u} vs ${v}`;
    }
  }
  return undefined;
}

function checkShape(kinds: readonly ParamKind[], args: readonly unknown[], g: unknown, mode: Mode): string | undefined {
  if (!Array.isArray(g)) return `gradient is ${g === null ? 'null' : typeof g}, not an array`;
  if (g.length !== kinds.length) return `${g.length} gradient entries for ${kinds.length} parameters`;
  for (let i = 0; i < kinds.length; i++) {
    const e = g[i];
    switch (kinds[i]) {
      case 'num':
        if (typeof e !== 'number') return `entry ${i} (number parameter) is ${describe(e)}`;
        break;
      case 'arr':
      case 'roarr':
      case 'f64':
      case 'f32':
        if (!(e instanceof Float64Array)) return `entry ${i} (array parameter) is ${describe(e)}, not a Float64Array`;
        if (e.length !== (args[i] as ArrayLike<number>).length) return `entry ${i} has length ${e.length}, the array ${(args[i] as ArrayLike<number>).length}`;
        break;
      case 'int':
      case 'bool':
        if (!(e === undefined || (mode === 'fine' && e === 0))) return `entry ${i} (${kinds[i] === 'int' ? 'Int' : 'boolean'} parameter) is ${describe(e)}, not undefined`;
        break;
      case 'count':
        if (!(e === undefined || e === 0)) return `entry ${i} (a number used only as a trip count) is ${describe(e)}, not 0`;
        break;
    }
  }
  return undefined;
}

function describe(e: unknown): string {
  if (e === undefined) return 'undefined';
  if (typeof e === 'number') return String(e);
  if (ArrayBuffer.isView(e)) return `${e.constructor.name}(${(e as Float64Array).length})`;
  return typeof e;
}

/** The coordinates finite differences move: number parameters and array elements. */
function coordinates(kinds: readonly ParamKind[], point: readonly PointValue[]): [number, number | undefined][] {
  const out: [number, number | undefined][] = [];
  kinds.forEach((k, i) => {
    if (k === 'num') out.push([i, undefined]);
    else if (k === 'arr' || k === 'roarr' || k === 'f64' || k === 'f32') (point[i] as number[]).forEach((_, j) => out.push([i, j]));
  });
  return out;
}

function moved(point: readonly PointValue[], [i, j]: [number, number | undefined], delta: number): PointValue[] {
  return point.map((v, n) => {
    if (n !== i) return Array.isArray(v) ? v.slice() : v;
    if (j === undefined) return (v as number) + delta;
    const copy = (v as number[]).slice();
    copy[j] = copy[j]! + delta;
    return copy;
  });
}

function gradientEntry(g: readonly unknown[], [i, j]: [number, number | undefined]): number | undefined {
  const e = g[i];
  if (j === undefined) return typeof e === 'number' ? e : undefined;
  return e instanceof Float64Array ? e[j] : undefined;
}

/**
 * Every number of the point moved by a relative 2^-40 (a few thousand ulps): how far the primal and
 * the gradients move under it is how far rounding can move them, in programs as ill-conditioned as
 * random ones get (a value of 500 with a derivative of 10^11).
 */
function nudged(kinds: readonly ParamKind[], point: readonly PointValue[], sign: 1 | -1 = 1): PointValue[] {
  const by = (v: number) => v * (1 + sign * nudge);
  return point.map((v, i) => (kinds[i] === 'num' ? by(v as number) : nudges(kinds[i]!) ? (v as number[]).map(by) : Array.isArray(v) ? v.slice() : v));
}

const nudge = 2 ** -40;

/**
 * The point with its Float32Array elements moved by a relative 2^-22 (a float32 ulp or two; a
 * smaller nudge rounds back), and what to scale a difference it makes by to read it as a nudge of
 * 2^-40; undefined if there are none to move.
 */
function nudged32(kinds: readonly ParamKind[], point: readonly PointValue[]): { point: PointValue[]; scale: number } | undefined {
  if (!kinds.includes('f32')) return undefined;
  const moved = point.map((v, i) => (kinds[i] === 'f32' ? (v as number[]).map((x) => Math.fround(x * (1 + 2 ** -22))) : Array.isArray(v) ? v.slice() : v));
  return { point: moved, scale: nudge / 2 ** -22 };
}
/** Arrays whose elements a nudge moves: a Float32Array's would round back. */
const nudges = (k: ParamKind): boolean => k === 'arr' || k === 'roarr' || k === 'f64';

/** How far the nudge moves the value to first order: Σ |∂f/∂x · x| · 2^-40 over what it moves. */
function firstOrderNoise(kinds: readonly ParamKind[], point: readonly PointValue[], gradient: readonly unknown[]): number {
  let sum = 0;
  for (const c of coordinates(kinds, point)) {
    if (c[1] !== undefined && !nudges(kinds[c[0]]!)) continue;
    const x = c[1] === undefined ? (point[c[0]] as number) : (point[c[0]] as number[])[c[1]]!;
    const d = gradientEntry(gradient, c);
    if (d !== undefined && Number.isFinite(d)) sum += Math.abs(d * x) * nudge;
  }
  return sum;
}

/** The largest difference between two gradient tuples' numbers (infinite where shapes differ). */
function spread(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): number {
  if (a === undefined || b === undefined || a.length !== b.length) return Infinity;
  let most = 0;
  for (let i = 0; i < a.length; i++) {
    const x = numbersOf(a[i]);
    const y = numbersOf(b[i]);
    if (x.length !== y.length) return Infinity;
    x.forEach((u, k) => {
      const v = y[k]!;
      // Where both are not finite there is nothing to measure (the nonfinite oracle reports them).
      if (!Number.isFinite(u) && !Number.isFinite(v)) return;
      most = Math.max(most, Number.isFinite(u) && Number.isFinite(v) ? Math.abs(u - v) : Infinity);
    });
  }
  return most;
}

function checkCase(spec: CaseSpec, modules: Partial<Record<BuildKind, Record<string, any>>>, result: CaseResult, timeoutMs: number, discrete: ReadonlySet<number>): void {
  const fail = (oracle: string, message: string, point?: number): void => {
    if (result.failures.some((f) => f.oracle === oracle && f.point === point)) return;
    result.failures.push(point === undefined ? { oracle, message } : { oracle, message, point });
  };
  const entries: Partial<Record<BuildKind, Entry>> = {};
  for (const kind of ['plain', 'coarse', 'fine'] as const) {
    const m = modules[kind];
    if (m === undefined) continue;
    try {
      entries[kind] = entry(m, spec);
    } catch (error) {
      if (kind === 'plain') result.generatorErrors.push(`no entry: ${errorText(error)}`);
      else fail(`load:${kind}`, errorText(error));
    }
  }
  const truth = entries.plain ?? entries.coarse ?? entries.fine;
  if (truth === undefined) return;
  const modes = (['coarse', 'fine'] as const).filter((m) => entries[m] !== undefined);
  let probe: ReturnType<typeof blindProbe> | null | undefined;

  spec.points.forEach((point, p) => {
    const where = `at point ${p} ${showPoint(point)}`;
    result.stats.points++;
    let value: number;
    const args0 = materialize(spec.kinds, point);
    try {
      value = call(() => truth.primal(...args0), timeoutMs);
    } catch (error) {
      result.generatorErrors.push(`the primal ${error instanceof Hang ? 'hangs' : 'throws'} ${where}: ${errorText(error)}`);
      return;
    }
    const primalMutation = mutated(spec.kinds, point, args0);
    if (primalMutation !== undefined) {
      result.generatorErrors.push(`the primal changes its arguments ${where}: ${primalMutation}`);
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      result.stats.skippedPoints++;
      return;
    }
    // The primal is untouched by the plugin.
    if (entries.plain !== undefined) {
      for (const mode of modes) {
        try {
          const args = materialize(spec.kinds, point);
          const mine = call(() => entries[mode]!.primal(...args), timeoutMs);
          if (!Object.is(mine, value)) fail(`primal:${mode}`, `the primal built in the ${mode} mode gives ${mine}, without the plugin ${value}, ${where}`, p);
        } catch (error) {
          fail(`primal:${mode}`, `the primal built in the ${mode} mode throws ${where}: ${errorText(error)}`, p);
        }
      }
    }

    // How far rounding can move the value (computed when needed): the primal at the point nudged
    // either way, or, to first order, the gradient times the nudge. A chaotic program (sin(x²) at
    // x near 10^8) lands anywhere under a nudge, near its value too by chance; the gradient says
    // how far it can go.
    let noise: number | undefined;
    const valueNoise = (gradient: unknown[] | undefined): number => {
      if (noise === undefined) {
        noise = 0;
        const at32 = nudged32(spec.kinds, point);
        const nudges = [
          { at: nudged(spec.kinds, point, 1), scale: 1 },
          { at: nudged(spec.kinds, point, -1), scale: 1 },
          ...(at32 === undefined ? [] : [{ at: at32.point, scale: at32.scale }]),
        ];
        for (const { at, scale } of nudges) {
          try {
            const moved = call(() => truth.primal(...materialize(spec.kinds, at)), timeoutMs);
            if (typeof moved === 'number' && Number.isFinite(moved)) noise = Math.max(noise, Math.abs(moved - value) * scale);
          } catch {
            // No value there: no measure of rounding from this side.
          }
        }
      }
      return Math.max(noise, gradient === undefined ? 0 : firstOrderNoise(spec.kinds, point, gradient));
    };
    const gradients: Partial<Record<Mode, unknown[]>> = {};
    // How far the fine tape's sweep can round a gradient entry (`largestAdjoint`): a fine gradient
    // off by no more, where the coarse one is right, is the tape's rounding, counted, not a bug.
    let tapeReach = 0;
    const tapeOverflowed = () => !Number.isFinite(tapeReach);
    // A mode whose value is the primal's only within rounding's reach, and further than 1e-9 from
    // it, followed another trajectory of a chaotic program: its gradient is that trajectory's.
    let diverged = false;
    for (const mode of modes) {
      const e = entries[mode]!;
      const run = <T>(what: 'valueAndGrad' | 'grad', fn: (...a: unknown[]) => T): { out: T; args: unknown[] } | undefined => {
        const args = materialize(spec.kinds, point);
        const before = runtime.tape.size;
        let out: T;
        try {
          out = call(() => fn(...args), timeoutMs);
        } catch (error) {
          runtime.tape.seek(before);
          if (error instanceof Hang) fail(`hang:${mode}`, `${what} ${where}: ${error.message}`, p);
          else if (/has no gradient companion/.test(String((error as Error)?.message))) fail(`missing:${mode}`, `${what}: ${errorText(error)}`, p);
          else fail(`throw:${mode}`, `${what} ${where}: ${errorText(error)}`, p);
          return undefined;
        }
        if (runtime.tape.size !== before) {
          fail(`tape:${mode}`, `${what} ${where} leaves ${runtime.tape.size - before} values on the tape`, p);
          runtime.tape.seek(before);
        }
        const m = mutated(spec.kinds, point, args);
        if (m !== undefined) fail(`mutation:${mode}`, `${what} ${where}: ${m}`, p);
        return { out, args };
      };
      const vg = run('valueAndGrad', e.vag);
      if (vg === undefined) continue;
      if (mode === 'fine') tapeReach = sweepRounding * runtime.operations.largestAdjoint();
      const [v, g] = Array.isArray(vg.out) ? vg.out : [undefined, undefined];
      const vgGradient = Array.isArray(g) ? (g as unknown[]) : undefined;
      if (typeof v !== 'number' || !(Math.abs(v - value) <= tolerances.value * Math.max(1, Math.abs(value)) + valueNoise(vgGradient))) {
        fail(`value:${mode}`, `valueAndGrad's value ${where} is ${String(v)}, the primal's ${value} (rounding moves it by ${valueNoise(vgGradient)})`, p);
      } else if (Math.abs(v - value) > 1e-9 * Math.max(1, Math.abs(value))) diverged = true;
      const shape = checkShape(spec.kinds, vg.args, g, mode);
      if (shape !== undefined) {
        fail(`shape:${mode}`, `valueAndGrad ${where}: ${shape}`, p);
        continue;
      }
      const gr = run('grad', e.grad);
      if (gr !== undefined) {
        const s2 = checkShape(spec.kinds, gr.args, gr.out, mode);
        if (s2 !== undefined) fail(`shape:${mode}`, `grad ${where}: ${s2}`, p);
        else {
          const d = compareNormwise(gr.out, g as unknown[], tolerances.gradVsValueAndGrad);
          if (d !== undefined) fail(`grad-vs-vag:${mode}`, `grad and valueAndGrad's gradient differ ${where}: ${d}\n  grad ${showGradient(gr.out)}\n  valueAndGrad ${showGradient(g as unknown[])}`, p);
        }
      }
      if (e.direct !== undefined && e.registryGrad !== undefined && p === 0) {
        try {
          const direct = e.direct();
          if (direct !== e.registryGrad()) {
            const args = materialize(spec.kinds, point);
            const out = call(() => (direct as (...a: unknown[]) => unknown[])(...args), timeoutMs);
            const d = compareNormwise(out, g as unknown[], tolerances.gradVsValueAndGrad);
            if (d !== undefined) fail(`callsite:${mode}`, `grad(f) written in the same file gives another gradient ${where}: ${d}`, p);
          }
        } catch (error) {
          fail(`callsite:${mode}`, `grad(f) written in the same file: ${errorText(error)}`, p);
        }
      }
      gradients[mode] = g as unknown[];
    }

    // How far the gradient moves when the point is nudged (by a relative 2^-40): rounding's reach.
    const reference = modes.includes('fine') ? 'fine' : modes[0];
    let drift = 0;
    let nudgedGradient: unknown[] | undefined;
    if (reference !== undefined && gradients[reference] !== undefined) {
      try {
        const at = nudged(spec.kinds, point);
        const out = call(() => entries[reference]!.vag(...materialize(spec.kinds, at)), timeoutMs) as [number, unknown[]];
        nudgedGradient = out[1];
        drift = spread(out[1], gradients[reference]);
        const at32 = nudged32(spec.kinds, point);
        if (at32 !== undefined) {
          const out32 = call(() => entries[reference]!.vag(...materialize(spec.kinds, at32.point)), timeoutMs) as [number, unknown[]];
          drift = Math.max(drift, spread(out32[1], gradients[reference]) * at32.scale);
        }
      } catch {
        drift = 0;
      }
    }
    // Past 1e30 (a program whose values explode, x *= 2g in a loop), what the gradient's terms cancel
    // to is rounding of terms far larger still (1e52 summed to 1e40), and neither the other mode nor
    // finite differences can say which order of summation is right: the numbers are not compared.
    if (Math.abs(value) > 1e30) {
      result.stats.hugePoints++;
      return;
    }
    if (diverged) {
      result.stats.divergedPoints++;
      return;
    }
    if (probe === undefined) {
      try {
        probe = blindProbe(spec) ?? null;
      } catch {
        probe = null; // a probe that cannot be built leaves every point to the checks below
      }
    }
    let blindness: Blindness = { blind: false, underflow: false, steps: '' };
    try {
      if (probe !== null) blindness = call(() => probe!.at(materialize(spec.kinds, point)), timeoutMs);
    } catch {
      blindness = { blind: false, underflow: false, steps: '' };
    }
    // Where a product underflowed, the true gradient can be past the range of doubles (an adjoint
    // grown to 1e700 times a partial of 1e-400): ∞, NaN (∞ − ∞) and 0 are each what some order of
    // the same arithmetic gives, and the modes are compared only where both are finite.
    const beyondRange = blindness.underflow && [gradients.coarse, gradients.fine].some((g) => g !== undefined && g.flatMap(numbersOf).some((v) => !Number.isFinite(v)));
    if (gradients.coarse !== undefined && gradients.fine !== undefined && !beyondRange) {
      let d = compareNormwise(gradients.coarse, gradients.fine, tolerances.modes);
      // Beyond 1e-9, allowed only as far as rounding moves the fine gradient at the nudged point, or
      // within a few ulps of the value's own scale: a gradient entry far smaller than the value is
      // what is left of terms that cancelled (1 - tanh² near saturation), and the two modes add them
      // in different orders, so it carries the terms' absolute rounding, not a relative one.
      const differs = spread(gradients.coarse, gradients.fine);
      if (d !== undefined && Number.isFinite(drift) && (differs <= 16 * drift || differs <= 16 * Number.EPSILON * Math.max(1, Math.abs(value)))) d = undefined;
      else if (d !== undefined) d += ` (rounding moves the gradient by ${drift})`;
      if (d !== undefined && withinTapeRounding(gradients.coarse, gradients.fine, tapeReach)) {
        d = undefined;
        result.stats.tapeRounded++;
      } else if (d !== undefined && tapeOverflowed() && finiteWhereFineIsNot(gradients.coarse, gradients.fine)) {
        // An adjoint on the fine tape overflowed (∞ − ∞ where the truth is 0 · 1e309): the coarse
        // gradient, checked against finite differences below, is what coarsening gives beyond it.
        d = undefined;
        result.stats.coarseningValue++;
      }
      if (d !== undefined) fail('cmp', `coarse and fine gradients differ ${where}: ${d}\n  coarse ${showGradient(gradients.coarse)}\n  fine   ${showGradient(gradients.fine)}`, p);
    }

    // Finite differences: not where they cannot see the derivative (blindProbe, above); only where two
    // step sizes agree, and only where the derivative is steady at the scale of the nudge: one that
    // changes there (cos(y) of a y near 10^12, whose period is below y's rounding) varies far faster
    // than any step can follow.
    if (blindness.blind) {
      result.stats.blindPoints++;
      return;
    }
    const scale = Math.max(0, ...(reference === undefined ? [] : (gradients[reference] ?? []).flatMap(numbersOf).filter(Number.isFinite).map(Math.abs)));
    if (!Number.isFinite(drift) || drift > 1e-6 * scale + 1e-9) {
      result.stats.fdUnstable += coordinates(spec.kinds, point).length;
      return;
    }
    const usesFround = spec.source.includes('Math.fround');
    const f = (q: PointValue[]): number => truth.primal(...materialize(spec.kinds, q));
    // Math.fround's derivative is 1 by convention: finite differences take it as the identity,
    // which is only sound where that leaves the program's branches as they are.
    if (usesFround) {
      const fround = Math.fround;
      Math.fround = (v: number) => v;
      let same = false;
      try {
        const smooth = f(point);
        same = Math.abs(smooth - value) <= 1e-6 * Math.abs(value) + 1e-9;
      } catch {
        same = false;
      } finally {
        Math.fround = fround;
      }
      if (!same) {
        result.stats.fdUnstable += coordinates(spec.kinds, point).length;
        return;
      }
    }
    for (const c of coordinates(spec.kinds, point)) {
      if (c[1] === undefined && discrete.has(c[0])) {
        // Taken as an integer (a trip count, an index, a length): its entry is 0 in both modes.
        for (const mode of modes) {
          const entry = gradients[mode] === undefined ? undefined : gradientEntry(gradients[mode], c);
          if (entry !== undefined && entry !== 0) fail(`discrete:${mode}`, `∂/∂arg${c[0]} ${where} is ${entry}, but the report takes the parameter as discrete (0)`, p);
        }
        continue;
      }
      // An entry that the nudge moves by more than a millionth of itself (cos(P·x) of a phase P·x
      // past 10^17, whose period is below the rounding of x) varies faster than any step can follow,
      // though the gradient as a whole, dominated by larger entries, is steady.
      const referenceGradient = reference === undefined ? undefined : gradients[reference];
      const here = referenceGradient === undefined ? undefined : gradientEntry(referenceGradient, c);
      const there = nudgedGradient === undefined ? undefined : gradientEntry(nudgedGradient, c);
      if (here !== undefined && there !== undefined && Number.isFinite(here) && Number.isFinite(there) && Math.abs(there - here) > 1e-6 * Math.abs(here) + 1e-9) {
        result.stats.fdUnstable++;
        continue;
      }
      const x0 = c[1] === undefined ? (point[c[0]] as number) : (point[c[0]] as number[])[c[1]]!;
      const h = 2 ** (Math.ceil(Math.log2(Math.max(1, Math.abs(x0)))) - 8);
      // A coordinate that is 0 at the point is no operand the probe can find absorbed there
      // (`(x − xs[0]) − x` at xs[0] = 0, x = 1e300), but it is one step away. And a staircase is
      // crossed where its steps differ at the stencil's ends.
      if (probe !== null && (x0 === 0 || blindness.steps !== '')) {
        const away = (delta: number): Blindness | undefined => {
          try {
            return call(() => probe!.at(materialize(spec.kinds, moved(point, c, delta))), timeoutMs);
          } catch {
            return undefined; // as at the point: a probe that fails leaves the coordinate to the checks below
          }
        };
        const ends = [away(2 * h), away(-2 * h)];
        if ((x0 === 0 && ends[0]?.blind === true) || ends.some((e) => e !== undefined && e.steps !== blindness.steps)) {
          result.stats.fdUnstable++;
          continue;
        }
      }
      // f at x + k·h/2.
      const memo = new Map<number, number>(usesFround ? [] : [[0, value]]);
      const at = (k: number): number => {
        let v = memo.get(k);
        if (v === undefined) memo.set(k, (v = f(moved(point, c, (k * h) / 2))));
        return v;
      };
      let d1: number;
      let d2: number;
      let d4: number;
      let tiny: number;
      let forward: number;
      let backward: number;
      // For a coordinate smaller than even the finest step (1e-300), a difference at its own scale:
      // the function may change shape there (tanh(x·1e154) is linear only below 1e-154).
      let own: { d: number; roundoff: number } | undefined;
      let finest: number | undefined;
      // Math.fround's derivative is 1 by convention (README): finite differences see a function
      // that is flat at float32 resolution, so they are taken with fround as the identity.
      const fround = Math.fround;
      if (usesFround) Math.fround = (v: number) => v;
      try {
        // Central 5-point differences at steps h, h/2 and h/4, and one-sided 5-point differences
        // at step h/2 to each side.
        d1 = (-at(4) + 8 * at(2) - 8 * at(-2) + at(-4)) / (12 * h);
        d2 = (-at(2) + 8 * at(1) - 8 * at(-1) + at(-2)) / (6 * h);
        d4 = (-at(1) + 8 * at(0.5) - 8 * at(-0.5) + at(-1)) / (3 * h);
        // And a central difference a million times finer: a term oscillating faster than the
        // steps above (sin(P·x) with P = 10^7) is averaged away by all three of them alike.
        // (For a Float32Array element, no finer than a few float32 ulps: a finer move is rounded away
        // when stored, and a sawtooth of period 1, `Math.floor(x) - x`, would look flat at 857.)
        const fine32 = spec.kinds[c[0]] === 'f32' ? Math.max(1, (4 * 2 ** (Math.floor(Math.log2(Math.abs(x0) || 1)) - 23)) / (h * 2 ** -19)) : 1;
        tiny = (at(fine32 * 2 ** -19) - at(-fine32 * 2 ** -19)) / (h * fine32 * 2 ** -19);
        forward = (-25 * at(0) + 48 * at(1) - 36 * at(2) + 16 * at(3) - 3 * at(4)) / (6 * h);
        backward = -(-25 * at(0) + 48 * at(-1) - 36 * at(-2) + 16 * at(-3) - 3 * at(-4)) / (6 * h);
        // And finer still, down to where the values' rounding allows: a function whose shape is at a
        // scale far below every step above (cbrt(2 + x·y) of an x of 1e154, in y) is linear at each
        // of them, and they agree on the wrong slope.
        for (let step = h * 2 ** -40; step > 1e-300; step *= 2 ** -20) {
          const noise = (64 * Number.EPSILON * Math.max(Math.abs(value), Number.MIN_VALUE)) / step;
          if (!(noise <= 1e-7 * Math.abs(d2))) break;
          const finer = (f(moved(point, c, step)) - f(moved(point, c, -step))) / (2 * step);
          if (!(Math.abs(finer - d2) <= tolerances.fdRel * Math.abs(d2) + tolerances.fdAbs + noise)) {
            finest = finer;
            break;
          }
        }
        if (x0 !== 0 && Math.abs(x0) < h * 2 ** -19) {
          // A 256th of the coordinate: finer, the rounding of the values differenced hides what a
          // function with a kink at a larger scale (cbrt(2 + x·y) of a y of 1e-162) does there.
          const step = Math.abs(x0) * 2 ** -8;
          const [up, down] = [f(moved(point, c, step)), f(moved(point, c, -step))];
          own = { d: (up - down) / (2 * step), roundoff: (64 * Number.EPSILON * Math.max(Math.abs(up), Math.abs(down), Math.abs(value))) / step };
        }
      } catch {
        result.stats.fdUnstable++;
        continue;
      } finally {
        Math.fround = fround;
      }
      // Stable: the two steps agree (no jump nearby), and so do the two sides (no kink at the
      // point itself, where a central difference averages the slopes and AD takes one of them).
      // Rounding in the values differenced: a few ulps of the largest, over the step.
      const roundoff = (64 * Number.EPSILON * Math.max(...[...memo.values()].map(Math.abs))) / h;
      // A Float32Array rounds each moved element to float32: the step itself is off by that much.
      const stored = spec.kinds[c[0]] === 'f32' ? 2 ** -20 : 0;
      // The absolute slack of the agreement tests in the value's units per the coordinate's: at a
      // coordinate of 1e300, steps of 1e297 over values that jump by 1 (sin(m·x), m·x past 10^300)
      // give slopes of 1e-297 that agree with each other within any absolute slack of 1e-7.
      const perUnit = Math.min(1, Math.max(1, Math.abs(value)) / Math.max(1, Math.abs(x0)));
      const [agreeAbs, fdAbs] = [tolerances.fdAgreeAbs * perUnit, tolerances.fdAbs * perUnit];
      const stable =
        [d1, d2, d4, tiny, forward, backward].every(Number.isFinite) &&
        Math.abs(tiny - d2) <= tolerances.fdRel * Math.abs(d2) + fdAbs + roundoff * 2 ** 20 &&
        Math.abs(d1 - d2) <= tolerances.fdAgree * Math.abs(d2) + agreeAbs + roundoff &&
        Math.abs(d4 - d2) <= tolerances.fdAgree * Math.abs(d2) + agreeAbs + 2 * roundoff &&
        Math.abs(forward - backward) <= (tolerances.fdRel + stored) * Math.abs(d2) + fdAbs + roundoff &&
        finest === undefined &&
        (own === undefined || !Number.isFinite(own.d) || Math.abs(own.d - d2) <= tolerances.fdRel * Math.abs(d2) + tolerances.fdAbs + roundoff + own.roundoff);
      if (!stable) {
        result.stats.fdUnstable++;
        continue;
      }
      result.stats.fdChecked++;
      const label = c[1] === undefined ? `∂/∂arg${c[0]}` : `∂/∂arg${c[0]}[${c[1]}]`;
      const bad: Mode[] = [];
      for (const mode of modes) {
        const g = gradients[mode];
        if (g === undefined) continue;
        const v = gradientEntry(g, c);
        if (v === undefined) continue;
        if (!Number.isFinite(v)) {
          // Counted above as what coarsening gives beyond the tape, where the coarse entry is finite.
          const coarse = gradients.coarse === undefined ? undefined : gradientEntry(gradients.coarse, c);
          if (mode === 'fine' && tapeOverflowed() && coarse !== undefined && Number.isFinite(coarse)) continue;
          fail(`nonfinite:${mode}`, `${label} ${where} is ${v}, finite differences give ${d2}`, p);
          continue;
        }
        if (!(Math.abs(v - d2) <= (tolerances.fdRel + stored) * Math.abs(d2) + tolerances.fdAbs + roundoff)) bad.push(mode);
      }
      // The fine tape's rounding, where the coarse gradient agrees with finite differences: counted above.
      if (bad.length === 1 && bad[0] === 'fine' && Math.abs(gradientEntry(gradients.fine!, c)! - d2) <= tapeReach) {
        bad.pop();
        result.stats.tapeRounded++;
      }
      const show = (mode: Mode): string => `${mode} ${gradients[mode] === undefined ? 'none' : gradientEntry(gradients[mode], c)}`;
      if (bad.length === 2 && gradients.coarse !== undefined && gradients.fine !== undefined && compareNormwise([gradientEntry(gradients.coarse, c)], [gradientEntry(gradients.fine, c)], tolerances.modes) === undefined) {
        fail('fd:both', `${label} ${where}: finite differences ${d2}, ${show('coarse')}, ${show('fine')}`, p);
      } else {
        for (const mode of bad) fail(`fd:${mode}`, `${label} ${where}: finite differences ${d2} (step ${h / 2}; at step ${h}: ${d1}), ${show(mode)}${gradients[mode === 'coarse' ? 'fine' : 'coarse'] !== undefined ? `, ${show(mode === 'coarse' ? 'fine' : 'coarse')}` : ''}`, p);
      }
    }
  });
}

/** A little over 2^-53: a sweep adds a handful of terms into an entry, each rounded. */
const sweepRounding = 2 ** -48;

/** Is the coarse gradient finite wherever the fine one is not, and equal (both finite) elsewhere? */
function finiteWhereFineIsNot(coarse: unknown[], fine: unknown[]): boolean {
  const a = coarse.flatMap(numbersOf);
  const b = fine.flatMap(numbersOf);
  return a.length === b.length && a.every((x, i) => Number.isFinite(x) && (!Number.isFinite(b[i]!) || compareNormwise([x], [b[i]!], tolerances.modes) === undefined));
}

/** Is every entry where the fine gradient differs from the coarse one within the tape's rounding? */
function withinTapeRounding(coarse: unknown[], fine: unknown[], reach: number): boolean {
  const a = coarse.flatMap(numbersOf);
  const b = fine.flatMap(numbersOf);
  return reach > 0 && a.length === b.length && a.every((x, i) => Number.isFinite(x) && Number.isFinite(b[i]!) && Math.abs(x - b[i]!) <= reach);
}

// -----------------------------------------------------------------------------------------------
// The batch

export function checkBatch(cases: readonly CaseSpec[], options: CheckOptions = {}): CaseResult[] {
  const builds = options.builds ?? ['plain', 'coarse', 'fine'];
  const timeoutMs = options.timeoutMs ?? 3000;
  const results = new Map<string, CaseResult>(cases.map((c) => [c.id, { id: c.id, failures: [], refusals: [], generatorErrors: [], stats: noStats() }]));
  const modules: Partial<Record<BuildKind, { module: Record<string, any>; ids: Set<string> }>> = {};
  const discrete = new Map<string, Set<number>>();
  let typeErrorsFrom: BuildKind | undefined;
  const first = buildAll(cases, builds);
  for (const kind of builds) {
    const { build: b, cases: live } = robustBuild(cases, kind, first[kind]!, (id, problem, message) => {
      const r = results.get(id)!;
      if (kind === 'plain') r.generatorErrors.push(`without the plugin: ${problem}: ${message}`);
      else r.failures.push({ oracle: `${problem}:${kind}`, message });
    });
    const ids = new Set(live.map((c) => c.id));
    // Type errors come from one build (the first that compiled); plugin diagnostics from each mode.
    if (typeErrorsFrom === undefined && b.problem === undefined) {
      typeErrorsFrom = kind;
      const text = describeDiagnostics(b.diagnostics.filter((d) => !b.pluginDiagnostics.includes(d) && (d.code < 95000 || d.code > 95999)));
      b.diagnostics.forEach((d) => {
        if (b.pluginDiagnostics.includes(d) || (d.code >= 95000 && d.code <= 95999)) return;
        const id = caseAt(b.source.spans, d);
        const message = text.shift()!;
        if (id === undefined) for (const r of results.values()) r.generatorErrors.push(message);
        else results.get(id)!.generatorErrors.push(message);
      });
    }
    if (kind !== 'plain') {
      const mode = kind;
      for (const d of b.pluginDiagnostics) {
        const id = caseAt(b.source.spans, d);
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        const targets = id === undefined ? [...ids] : [id];
        for (const t of targets) {
          const r = results.get(t)!;
          if (d.code === 95999) r.failures.push({ oracle: `internal:${mode}`, message: firstLine(message, 600) + (message.includes('\n') ? `\n    ${message.split('\n').slice(1, 4).map((l) => l.trim()).join('\n    ')}` : '') });
          else r.refusals.push({ mode, code: d.code, message: firstLine(message) });
          ids.delete(t);
        }
      }
    }
    if (b.module !== undefined) modules[kind] = { module: b.module, ids };
    for (const [name, positions] of b.discrete) discrete.set(name, new Set([...(discrete.get(name) ?? []), ...positions]));
  }
  for (const c of cases) {
    const r = results.get(c.id)!;
    if (r.generatorErrors.length > 0) continue;
    const mods: Partial<Record<BuildKind, Record<string, any>>> = {};
    for (const kind of builds) if (modules[kind]?.ids.has(c.id)) mods[kind] = modules[kind]!.module;
    checkCase(c, mods, r, timeoutMs, discrete.get(c.call === 'fn' ? c.id : `${c.id}.m`) ?? new Set());
  }
  return cases.map((c) => results.get(c.id)!);
}
