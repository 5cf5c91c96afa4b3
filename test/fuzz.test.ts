/**
 * The differential fuzzer (test/fuzz/): a bounded sample of random programs over everything
 * README.md says is supported, with a fixed seed, each compiled in both modes and checked coarse
 * against fine, both against finite differences, valueAndGrad's value against the primal, the
 * arguments for changes and the emitted modules for syntax (test/fuzz/check.ts lists the oracles).
 * A failure is re-checked alone and shrunk, and the test fails listing every failing program (the
 * first of each new class shrunk). First, the oracles are checked on companions made wrong on
 * purpose; last, every program the fuzzer ever found failing (test/fuzz/regressions.ts) is a test
 * of its own.
 *
 * A regression whose bug is not fixed yet has a `known` line in regressions.ts; its test and the
 * sample's failures of the same class (by compile error or exception message) are labelled
 * [KNOWN BUG]. Wrong numbers cannot be told apart by a message, and are labelled [WRONG NUMBERS].
 * A fix makes its regression test pass; its `known` line is then renamed `fixed`.
 *
 * Long runs: `npm run fuzz -- --n 10000 --seed S` (test/fuzz/run.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBatch, type CaseSpec } from './fuzz/check.js';
import { describeFound, failureClass, fuzz, summary } from './fuzz/fuzz.js';
import { checkRegression, regressions } from './fuzz/regressions.js';

const seed = 20261127;
/** FUZZ_PROGRAMS overrides the sample's size (the seed stays). */
const programs = Number(process.env.FUZZ_PROGRAMS ?? 200);

/** Features the sample must contain, each at least twice: the README's language, as the generator names it. */
const required = [
  'spelling:decl', 'spelling:arrow', 'spelling:fnexpr', 'spelling:wrapper', 'spelling:method',
  'param:num', 'param:arr', 'param:roarr', 'param:f64', 'param:f32', 'param:int', 'param:count', 'param:bool', 'param:default',
  'stmt:param-reassign', 'stmt:const', 'stmt:let', 'stmt:let-untyped-later', 'stmt:let-typed-later', 'stmt:assigned-in-branches',
  'op:+', 'op:-', 'op:*', 'op:/', 'op:%', 'op:**', 'op:unary-minus',
  'assign:+=', 'assign:-=', 'assign:*=', 'assign:/=',
  'stmt:update', 'expr:update-value', 'expr:index-postincrement-local', 'expr:index-postincrement-param',
  'expr:ternary', 'expr:select&&', 'expr:select||', 'cond:compare', 'cond:not', 'cond:&&', 'cond:||', 'cond:boolean-param',
  'stmt:if', 'stmt:if-else', 'stmt:else-if', 'stmt:early-return', 'stmt:early-return-in-arm', 'stmt:return-in-loop',
  'loop:const-for', 'loop:const-while', 'loop:const-do', 'loop:const-for-of', 'stmt:break-const', 'stmt:continue-const',
  'loop:runtime-for', 'loop:runtime-for-count', 'loop:runtime-for-of', 'loop:runtime-from1', 'loop:while-on-state', 'loop:do-on-state',
  'stmt:break-runtime', 'stmt:continue-runtime',
  'loop:reduce-sum', 'loop:reduce-minus', 'loop:reduce-max', 'loop:reduce-min', 'loop:reduce-if-max', 'loop:recurrence',
  'array:literal', 'array:f64', 'array:fill-typed', 'array:fill-any', 'stmt:push', 'stmt:array-write-const',
  'map:float64array', 'map:array-fill', 'map:in-branches',
  'stmt:object', 'expr:object-literal', 'expr:object-shorthand', 'stmt:object-field-update', 'call:helper-returns-object',
  'call:helper-object-to-object', 'call:helper-object', 'stmt:object-chosen-by-branch',
  'call:helper', 'call:helper-array', 'call:helper-changes-array', 'helper:function', 'helper:arrow', 'helper:local-arrow', 'helper:default-param',
  'read:module-const', 'read:this-field', 'read:length', 'read:param-array', 'read:local-array', 'read:counter',
  ...['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'cbrt', 'pow', 'hypot', 'abs', 'sign', 'min', 'max', 'floor', 'ceil', 'round', 'trunc', 'fround'].map((f) => `math:${f}`),
];

/**
 * Each regression's failures today, and the known bugs' failure classes, to label the sample's
 * failures: compile errors and exceptions by their message, in either mode (a bug of the fine
 * mode's emitter shows in the coarse mode too when a function goes to the operation tape).
 * Wrong numbers (fd, cmp, value, ...) have no message to tell two bugs apart: those are never
 * labelled known.
 */
const regressionResults = new Map(regressions.map((r) => [r.name, checkRegression(r)]));
const modeless = (cls: string): string => cls.replace(/^([\w-]+):(coarse|fine)\b/, '$1');
const numeric = (cls: string): boolean => !cls.includes(' ');
const knownClasses = new Map<string, string>();
for (const r of regressions) {
  if (r.known === undefined) continue;
  for (const f of regressionResults.get(r.name)!.failures) {
    const cls = modeless(failureClass(f));
    if (!numeric(cls) && !knownClasses.has(cls)) knownClasses.set(cls, r.name);
  }
}
const knownBug = (cls: string): string | undefined => knownClasses.get(modeless(cls));

const oracles = suite('fuzz: the oracles catch what they should');

/** A correct marked function whose companions are then replaced by `companions` (registered after the plugin's). */
function faked(companions: string): CaseSpec {
  return {
    id: 'q',
    call: 'fn',
    kinds: ['num', 'f64'],
    points: [[0.5, [0.25, -1, 1.5]]],
    source: `import { register } from 'coarsegrad';
/** @differentiable */
export function q(x: number, xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.sin(x * xs[i]!);
  return s * x;
}
const right = (x: number, xs: Float64Array): [number, [number, Float64Array]] => {
  let s = 0, ds = 0;
  const d = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) { s += Math.sin(x * xs[i]!); ds += Math.cos(x * xs[i]!) * xs[i]!; d[i] = Math.cos(x * xs[i]!) * x * x; }
  return [s * x, [s + x * ds, d]];
};
void right;
${companions}
`,
  };
}

const oracleCases: [string, string, string | undefined][] = [
  ['a right companion passes', `register(q, right, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, undefined],
  ['a wrong gradient', `register(q, (x: number, xs: Float64Array) => { const [v, [g, d]] = right(x, xs); return [v, [g * 1.001, d]]; }, (x: number, xs: Float64Array) => { const [g, d] = right(x, xs)[1]; return [g * 1.001, d]; }, 2);`, 'fd:both'],
  ['a wrong value', `register(q, (x: number, xs: Float64Array) => { const [v, g] = right(x, xs); return [v + 1e-9, g]; }, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, 'value:coarse'],
  ['grad differing from valueAndGrad', `register(q, right, (x: number, xs: Float64Array) => { const [g, d] = right(x, xs)[1]; return [g + 1e-6, d]; }, 2);`, 'grad-vs-vag:coarse'],
  ['a changed argument', `register(q, (x: number, xs: Float64Array) => { const r = right(x, xs); xs[0] = 7; return r; }, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, 'mutation:coarse'],
  ['a gradient of the wrong shape', `register(q, (x: number, xs: Float64Array) => { const [v, [g]] = right(x, xs); return [v, [g, Array.from(xs)]]; }, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, 'shape:coarse'],
  ['a companion that throws', `register(q, () => { throw new Error('boom'); }, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, 'throw:coarse'],
  ['a companion that never returns', `register(q, () => { for (;;) {} }, (x: number, xs: Float64Array) => right(x, xs)[1], 2);`, 'hang:coarse'],
  ['a NaN where finite differences are finite', `register(q, (x: number, xs: Float64Array) => { const [v, [g, d]] = right(x, xs); return [v, [NaN, d]]; }, (x: number, xs: Float64Array) => [NaN, right(x, xs)[1][1]], 2);`, 'nonfinite:coarse'],
];

for (const [what, companions, oracle] of oracleCases) {
  oracles(what, () => {
    const [r] = checkBatch([faked(companions)], { timeoutMs: 300 });
    assert.equal(r!.generatorErrors, []);
    const seen = r!.failures.map((f) => f.oracle);
    if (oracle === undefined) assert.equal(seen, [], r!.failures.map((f) => f.message).join('\n'));
    else assert.ok(seen.includes(oracle), `expected ${oracle}, got ${seen.join(', ') || 'nothing'}`);
  });
}

oracles('a kink at the point is not compared with finite differences (they average its two slopes)', () => {
  const spec: CaseSpec = { id: 'k', call: 'fn', kinds: ['num', 'num'], points: [[0.5, 0.5]], source: '/** @differentiable */\nexport function k(x: number, y: number): number {\n  return Math.max(x, y) * 2;\n}\n' };
  const [r] = checkBatch([spec]);
  assert.equal(r!.failures, []);
  assert.is(r!.stats.fdChecked, 0);
  assert.is(r!.stats.fdUnstable, 2);
});

oracles('a switch of || at an exact 0 is not compared with finite differences, and the points beside it are', () => {
  // At u = 0 the second `s || u` returns u (derivative 3 in all); around it, s (4): the README's
  // convention differentiates the operand returned.
  const source = '/** @differentiable */\nexport function w(u: number): number {\n  let s = u;\n  for (let i = 0; i < 2; i++) s = s + (s || u);\n  return s;\n}\n';
  const [at, beside] = [0, 0.25].map((u) => checkBatch([{ id: 'w', call: 'fn', kinds: ['num'], points: [[u]], source }])[0]);
  assert.equal(at!.failures, []);
  assert.is(at!.stats.blindPoints, 1);
  assert.is(at!.stats.fdChecked, 0);
  assert.equal(beside!.failures, []);
  assert.is(beside!.stats.blindPoints, 0);
  assert.is(beside!.stats.fdChecked, 1);
});

oracles('batch problems are attributed to their program', () => {
  // An internal error by its position, and only that program loses its companion.
  const specs: CaseSpec[] = [
    { id: 'a', call: 'fn', kinds: ['num'], points: [[0.5]], source: '/** @differentiable */\nexport function a(x: number): number {\n  return x * x;\n}\n' },
    { id: 'b', call: 'fn', kinds: ['num'], points: [[0.5]], source: '/** @differentiable */\nexport function b(x: number): number {\n  try { return x; } catch { return 0; }\n}\n' },
  ];
  const [a, b] = checkBatch(specs);
  assert.equal(a!.failures, []);
  assert.equal(a!.refusals, []);
  assert.equal(b!.refusals.map((f) => f.code), [95001, 95001]);
});

oracles.run();

const sample = suite('fuzz: a bounded sample');
// Known bugs are neither re-checked alone nor shrunk again: their shrunk programs are in
// regressions.ts. (`npm run fuzz` re-checks and shrinks every class.)
const report = fuzz({
  seed,
  n: programs,
  shrink: { maxCandidates: 60, timeMs: 4000 },
  shrinksPerClass: 1,
  maxShrinks: 2,
  recheck: (cls) => knownBug(cls) === undefined,
  dontShrink: (cls) => knownBug(cls) !== undefined,
});

sample(`${programs} random programs (seed ${seed}) pass every oracle`, () => {
  console.log(summary(report));
  assert.equal(report.generatorErrors.map((g) => `program ${g.index}: ${g.messages[0]}`), [], 'the generator wrote programs that do not type-check, or whose primal throws: a bug in test/fuzz/generate.ts');
  const label = (cls: string): string => {
    const known = knownBug(cls);
    return known !== undefined ? `[KNOWN BUG, regression '${known}']` : numeric(cls) ? '[WRONG NUMBERS: new, or one of the known wrong-gradient regressions]' : '[NEW]';
  };
  const shrunk = report.found.filter((f) => f.shrunk !== undefined).map((f) => `${label(f.cls ?? f.oracle)} ${describeFound(f)}`);
  const byClass = new Map<string, number[]>();
  for (const f of report.found) byClass.set(f.cls ?? f.oracle, [...(byClass.get(f.cls ?? f.oracle) ?? []), f.index]);
  const classes = [...byClass].sort((a, b) => b[1].length - a[1].length).map(([cls, indices]) => `${label(cls)} ${cls}\n    ${indices.length} program${indices.length === 1 ? '' : 's'}: ${indices.join(', ')}`);
  assert.ok(report.found.length === 0, `${report.found.length} of ${programs} programs fail (reproduce one with npm run fuzz -- --seed ${seed} --only K).\n\nBy class:\n${classes.join('\n')}\n\nShrunk:\n\n${shrunk.join('\n\n')}\n`);
});

sample('the sample covers the README’s language', () => {
  const missing = required.filter((f) => (report.coverage[f] ?? 0) < 2);
  assert.equal(missing, [], 'features the sample has fewer than two programs of');
});

sample.run();

const found = suite('fuzz: regressions (programs the fuzzer found, shrunk)');
for (const r of regressions) {
  found(`${r.known !== undefined ? '[KNOWN BUG] ' : ''}${r.name}: ${r.oracle}`, () => {
    const { text } = regressionResults.get(r.name)!;
    assert.ok(text.length === 0, `${r.name}${r.known !== undefined ? ` (known bug: ${r.known})` : ''} fails:\n  ${text.join('\n  ')}\n${r.source}`);
  });
}
found.run();
