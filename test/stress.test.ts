/**
 * The stress corpus (issue 16): every primitive of the rule table and every stable form, evaluated
 * at the inputs where floating point breaks down (±800, ±1e-300, 0, subnormals, 1e300), in both
 * modes, against the derivative computed in the test with 400 significant digits (enough to reduce
 * 1e300 for sin and cos exactly) and an exponent range no double has (decimal.js), then rounded to
 * a double. The rule: where the primal is finite,
 * the gradient is the true derivative rounded (infinite where that overflows), and undefined only
 * where the true derivative is (then any value is accepted and none is asserted).
 *
 * The fine mode is the baseline. Where it misses and the coarse mode is right, that is coarsening's
 * value: those cases are listed in `fineMisses` (a change to the list fails the test) and printed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Decimal from 'decimal.js';
import { compileModes, describeDiagnostics, load, prelude } from './harness.js';

const D = Decimal.clone({ precision: 400, minE: -9e15, maxE: 9e15 });
type Dec = InstanceType<typeof D>;

/** The double `x` exactly, as a decimal (its shortest spelling is not its value). */
function exact(x: number): Dec {
  if (!Number.isFinite(x) || x === 0) return new D(x);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return new D(mantissa.toString()).times(new D(2).pow(exponent)).times(x < 0 ? -1 : 1);
}

const zero = new D(0);
const one = new D(1);
/** A derivative the maths leaves undefined there (a kink outside the conventions, a pole's two sides). */
const undefinedHere = new D(NaN);

interface Case {
  /** The marked function's name. */
  readonly name: string;
  readonly params: readonly string[];
  /** Its body's expression (or statements ending in a return, with `block`). */
  readonly body: string;
  readonly block?: boolean;
  /** The exact partials at a point, as decimals. */
  readonly partials: (...x: Dec[]) => Dec[];
}

const sq = (x: Dec): Dec => x.times(x);
// decimal.js computes e^x for any x, however long it takes: past an exponent of 1e16 the result is
// outside even its own range (and a double's by far), so it is taken as ∞ or 0 directly.
const far = new D('1e16');
const exp = (x: Dec): Dec => (x.gt(far) ? new D(Infinity) : x.lt(far.neg()) ? zero : x.exp());
const cosh = (x: Dec): Dec => (x.abs().gt(far) ? new D(Infinity) : x.cosh());
const sinh = (x: Dec): Dec => (x.abs().gt(far) ? new D(x.s! * Infinity) : x.sinh());
/** xʸ for x > 0 (and 0 at x = 0 for y > 0), through `exp`; a negative x with an integer y too. */
function pow(x: Dec, y: Dec): Dec {
  if (x.isZero()) return y.isZero() ? one : y.gt(0) ? zero : new D(Infinity);
  const magnitude = exp(y.times(x.abs().ln()));
  if (!x.isNeg()) return magnitude;
  return y.isInteger() ? (y.mod(2).isZero() ? magnitude : magnitude.neg()) : undefinedHere;
}
const logistic = (z: Dec): Dec => one.div(one.plus(exp(z.neg())));

/** x ** y: ∂y is xʸ·ln x, 0 at x = 0 (README, conventions); a negative x has no real ln. */
function powPartials(x: Dec, y: Dec): Dec[] {
  const dx = x.isZero() && y.lt(1) ? (y.isZero() ? zero : undefinedHere) : y.isZero() ? zero : y.times(pow(x, y.minus(1)));
  const dy = x.isZero() ? zero : x.isNeg() ? undefinedHere : pow(x, y).times(x.ln());
  return [dx, dy];
}

const unary = (name: string, d: (x: Dec) => Dec, call = `Math.${name}(x)`): Case => ({ name: `u_${name}`, params: ['x'], body: call, partials: (x) => [d(x)] });
const binary = (name: string, body: string, d: (x: Dec, y: Dec) => Dec[]): Case => ({ name: `b_${name}`, params: ['x', 'y'], body, partials: d });

const cases: Case[] = [
  unary('sin', (x) => x.cos()),
  unary('cos', (x) => x.sin().neg()),
  unary('tan', (x) => one.div(sq(x.cos()))),
  unary('asin', (x) => one.div(one.minus(sq(x)).sqrt())),
  unary('acos', (x) => one.div(one.minus(sq(x)).sqrt()).neg()),
  unary('atan', (x) => one.div(one.plus(sq(x)))),
  unary('sinh', (x) => cosh(x)),
  unary('cosh', (x) => sinh(x)),
  unary('tanh', (x) => one.div(sq(cosh(x)))),
  unary('asinh', (x) => one.div(sq(x).plus(1).sqrt())),
  unary('acosh', (x) => one.div(sq(x).minus(1).sqrt())),
  unary('atanh', (x) => one.div(one.minus(sq(x)))),
  unary('exp', (x) => exp(x)),
  unary('expm1', (x) => exp(x)),
  unary('log', (x) => one.div(x)),
  unary('log1p', (x) => one.div(one.plus(x))),
  unary('log2', (x) => one.div(x.times(new D(2).ln()))),
  unary('log10', (x) => one.div(x.times(new D(10).ln()))),
  unary('sqrt', (x) => one.div(x.sqrt().times(2))),
  unary('cbrt', (x) => one.div(sq(x.cbrt()).times(3))),
  unary('abs', (x) => (x.isZero() ? zero : new D(x.s!))),
  unary('sign', () => zero),
  unary('floor', () => zero),
  unary('ceil', () => zero),
  unary('round', () => zero),
  unary('trunc', () => zero),
  unary('fround', () => one),
  unary('neg', () => one.neg(), '-x'),
  binary('add', 'x + y', () => [one, one]),
  binary('sub', 'x - y', () => [one, one.neg()]),
  binary('mul', 'x * y', (x, y) => [y, x]),
  binary('div', 'x / y', (x, y) => [one.div(y), x.div(sq(y)).neg()]),
  binary('rem', 'x % y', (x, y) => [one, x.div(y).trunc().neg()]),
  binary('pow', 'x ** y', (x, y) => powPartials(x, y)),
  binary('powCall', 'Math.pow(x, y)', (x, y) => powPartials(x, y)),
  binary('atan2', 'Math.atan2(x, y)', (x, y) => (x.isZero() && y.isZero() ? [undefinedHere, undefinedHere] : [y.div(sq(x).plus(sq(y))), x.div(sq(x).plus(sq(y))).neg()])),
  binary('hypot', 'Math.hypot(x, y)', (x, y) => {
    const h = sq(x).plus(sq(y)).sqrt();
    return h.isZero() ? [zero, zero] : [x.div(h), y.div(h)];
  }),
  // Ties: the first argument gets the whole adjoint (README, conventions).
  binary('max', 'Math.max(x, y)', (x, y) => (x.gte(y) ? [one, zero] : [zero, one])),
  binary('min', 'Math.min(x, y)', (x, y) => (x.lte(y) ? [one, zero] : [zero, one])),
  // The stable forms (stable.ts, stable-sums.ts), and the segments the coarse mode rewrites.
  unary('logistic', (z) => logistic(z).times(one.minus(logistic(z))), '1 / (1 + Math.exp(-x))'),
  unary('logisticRatio', (z) => logistic(z).times(one.minus(logistic(z))), 'Math.exp(x) / (1 + Math.exp(x))'),
  unary('softplus', (z) => logistic(z), 'Math.log(1 + Math.exp(x))'),
  unary('softplusRight', (z) => logistic(z), 'Math.log(Math.exp(x) + 1)'),
  unary('softplus1p', (z) => logistic(z), 'Math.log1p(Math.exp(x))'),
  unary('difference', () => zero, 'x - x'),
  unary('ratio', () => zero, 'x / x'),
  unary('direction', () => zero, 'x / Math.abs(x)'),
  unary('tanhOfExp', (x) => exp(x).times(one.div(sq(cosh(exp(x))))), 'Math.tanh(Math.exp(x))'),
  unary('expOfMinusExp', (x) => exp(exp(x).neg()).times(exp(x)).neg(), 'Math.exp(-Math.exp(x))'),
  unary('oneMinusTanhOfExp', (x) => exp(x).times(one.div(sq(cosh(exp(x))))).neg(), '1 - Math.tanh(Math.exp(x))'),
  binary('logAddExp', 'Math.log(Math.exp(x) + Math.exp(y))', (x, y) => [logistic(x.minus(y)), logistic(y.minus(x))]),
  binary('norm', 'Math.sqrt(x * x + y * y)', (x, y) => {
    const h = sq(x).plus(sq(y)).sqrt();
    return h.isZero() ? [zero, zero] : [x.div(h), y.div(h)];
  }),
  // The same forms across statements, which the front end does not see and the coarse mode does,
  // in a segment (algebra.ts, `stabilise`).
  { name: 'logisticLocal', params: ['x'], block: true, body: 'const e = Math.exp(-x);\n  return 1 / (1 + e);', partials: (x) => [logistic(x).times(one.minus(logistic(x)))] },
  { name: 'softplusLocal', params: ['x'], block: true, body: 'const e = Math.exp(x);\n  return Math.log(1 + e);', partials: (x) => [logistic(x)] },
  {
    name: 'loopLogSumExp',
    params: ['x', 'y'],
    block: true,
    body: 'const v = [x, y];\n  let s = 0;\n  for (let i = 0; i < v.length; i++) s += Math.exp(v[i]!);\n  return Math.log(s);',
    partials: (x, y) => [logistic(x.minus(y)), logistic(y.minus(x))],
  },
];

const wide = [-800, -700, -400, -1e300, -0.5, -1e-300, -5e-324, 0, 5e-324, 1e-310, 1e-300, 0.5, 1, 2, 400, 700, 800, 1e300];
const pairs = [-800, -1e-300, 0, 5e-324, 1e-300, 0.5, 2, 800, 1e300];

const source = cases
  .map((c) => `/** @differentiable */\nexport function ${c.name}(${c.params.map((p) => `${p}: number`).join(', ')}): number {\n  ${c.block ? c.body : `return ${c.body};`}\n}\n`)
  .join('\n');

type Mode = 'coarse' | 'fine';
const compiled = compileModes({ 'main.ts': prelude + source }, [{ mode: 'coarse' }, { mode: 'fine' }]);
const modules = new Map<Mode, Record<string, any>>([
  ['coarse', load(compiled[0]!.js)],
  ['fine', load(compiled[1]!.js)],
]);
const diagnostics = compiled.map((r) => describeDiagnostics(r.diagnostics));

/** Does `got` agree with the exact derivative rounded to a double? */
function agrees(got: number, exactValue: Dec): boolean {
  const want = exactValue.toNumber();
  if (!Number.isFinite(want)) return Object.is(got, want);
  // To 1e-9 of the derivative, or a few of the smallest subnormals where it is one. Not to the last
  // digits: the rules take partials from a primitive's own result, as every AD tool does
  // (1 − tanh² of a tanh near 1 keeps 1e-10 of the derivative at tanh(e²)); what the corpus
  // looks for is a wrong magnitude, a 0, an ∞ or a NaN where the true derivative is finite.
  return Math.abs(got - want) <= 1e-9 * Math.abs(want) + 4 * Number.MIN_VALUE;
}

interface Outcome {
  readonly where: string;
  readonly right: Record<Mode, boolean>;
  readonly got: Record<Mode, number>;
  readonly want: number;
}

const outcomes: Outcome[] = [];
for (const c of cases) {
  const points = c.params.length === 1 ? wide.map((x) => [x]) : pairs.flatMap((x) => pairs.map((y) => [x, y]));
  for (const point of points) {
    const primal = modules.get('coarse')![c.name](...point) as number;
    if (!Number.isFinite(primal)) continue;
    const exactPartials = c.partials(...point.map(exact));
    const gradients = new Map<Mode, number[]>();
    for (const mode of ['coarse', 'fine'] as const) {
      const m = modules.get(mode)!;
      gradients.set(mode, m.grad(m[c.name])(...point) as number[]);
    }
    exactPartials.forEach((partial, i) => {
      if (partial.isNaN()) return;
      const got = { coarse: gradients.get('coarse')![i]!, fine: gradients.get('fine')![i]! };
      outcomes.push({
        where: `${c.name}(${point.join(', ')}) ∂${c.params[i]}`,
        right: { coarse: agrees(got.coarse, partial), fine: agrees(got.fine, partial) },
        got,
        want: partial.toNumber(),
      });
    });
  }
}

/**
 * Where the fine mode misses and the coarse mode is right: the logistic `1 / (1 + Math.exp(-x))`,
 * whose derivative operation by operation is −1/(1 + e)² times −e, 0 where (1 + e)² overflows
 * (e = e^700) though the true one is 1e-304; the coarse mode sees the whole segment (across
 * statements too) and writes e/(1 + e)² as (1/(1 + 1/e))/(1 + e).
 */
const fineMisses = ['u_logistic(-700) ∂x', 'u_logistic(-400) ∂x', 'logisticLocal(-700) ∂x', 'logisticLocal(-400) ∂x'];

const stress = suite('stress corpus: rules and stable forms at extreme inputs');

stress('the corpus compiles in both modes without a diagnostic', () => {
  assert.equal(diagnostics, [[], []]);
});

stress('it covers every case at points where its primal is finite', () => {
  for (const c of cases) assert.ok(outcomes.some((o) => o.where.startsWith(`${c.name}(`)), c.name);
  assert.ok(outcomes.length > 600, String(outcomes.length));
});

stress('coarse mode: every partial is the true derivative, rounded', () => {
  const wrong = outcomes.filter((o) => !o.right.coarse).map((o) => `${o.where}: ${o.got.coarse}, exact ${o.want}`);
  assert.equal(wrong, []);
});

stress('fine mode: every partial is the true derivative, rounded, but where listed', () => {
  const misses = outcomes.filter((o) => !o.right.fine);
  const unexpected = misses.filter((o) => !fineMisses.includes(o.where) || !o.right.coarse).map((o) => `${o.where}: ${o.got.fine}, exact ${o.want}`);
  assert.equal(unexpected, []);
  assert.equal(misses.map((o) => o.where), fineMisses.filter((w) => misses.some((o) => o.where === w)), 'a listed miss the fine mode no longer has: take it off the list');
  assert.equal(fineMisses.filter((w) => !misses.some((o) => o.where === w)), [], 'listed misses that did not happen');
  console.log(`  stress corpus: ${outcomes.length} partials; coarse right where fine is not: ${misses.map((o) => `${o.where} (fine ${o.got.fine}, exact ${o.want})`).join('; ') || 'none'}`);
});

stress.run();
