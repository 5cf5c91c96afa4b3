/**
 * The primitives and their derivative rules: one table, keyed by primitive (DESIGN.md §3).
 *
 * A rule gives the local partial derivative of a primitive's result with respect to each argument,
 * as DAG nodes built from the arguments and the result itself (so `exp` reuses its own value).
 * `null` is a structural zero: no adjoint flows along that edge at all, which keeps `0 * NaN` out of
 * the gradient when the other factor is not finite.
 */
/** A node of the graph rules build on (the coarse IR's, `coarse/ir.ts`): what a rule reads of one. */
export interface RuleNode {
  readonly kind: string;
  /** Depends on a differentiated parameter. */
  readonly active: boolean;
}

/** The graph rules build their partials on (the coarse IR's `Graph`): the operations they use. */
export interface RuleGraph<N extends RuleNode> {
  constant(value: number, name?: string): N;
  add(a: N, b: N): N;
  sub(a: N, b: N): N;
  mul(a: N, b: N): N;
  div(a: N, b: N): N;
  neg(a: N): N;
  call(op: PrimitiveName, ...args: N[]): N;
  apply(op: PrimitiveName, args: readonly N[]): N;
  /** A constant's value; `undefined` for any other node. */
  constantValue(n: N): number | undefined;
}

/** Partials of `result = op(args)` w.r.t. each argument. */
type Partials = <N extends RuleNode>(g: RuleGraph<N>, args: readonly N[], result: N) => readonly (N | null)[];

export interface Primitive {
  /** Number of arguments, or 'variadic'. */
  readonly arity: number | 'variadic';
  /** Result is a boolean (comparisons and logic), never differentiated. */
  readonly boolean?: boolean;
  /** Source spelling of a binary operator. */
  readonly infix?: string;
  /** The `Math` member this primitive is. */
  readonly mathName?: string;
  /** Exact evaluation on constants, for folding; absent where folding could differ from run time. */
  readonly fold?: (...values: number[]) => number;
  /**
   * A stable form (`stable.ts`): its value is its first argument, the expression as the user wrote
   * it, through which no adjoint flows; its partials w.r.t. the other arguments are the form's own.
   */
  readonly stable?: true;
  readonly partials: Partials;
}

const zero: Partials = (_g, args) => args.map(() => null);

export type PrimitiveName =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'neg'
  | '**'
  | 'pow'
  | '&'
  | '|'
  | '^'
  | '<<'
  | '>>'
  | '>>>'
  | '~'
  | '<'
  | '<='
  | '>'
  | '>='
  | '==='
  | '!=='
  | '&&'
  | '||'
  | '!'
  | 'select'
  | 'rare'
  | 'isUndefined'
  | 'isNullish'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'asin'
  | 'acos'
  | 'atan'
  | 'atan2'
  | 'sinh'
  | 'cosh'
  | 'tanh'
  | 'asinh'
  | 'acosh'
  | 'atanh'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'log2'
  | 'log10'
  | 'sqrt'
  | 'cbrt'
  | 'hypot'
  | 'abs'
  | 'sign'
  | 'max'
  | 'min'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'trunc'
  | 'fround'
  | 'norm'
  | 'softplus'
  | 'logaddexp'
  | 'logistic'
  | 'flat'
  | 'stop'
  | 'reexpressed';

const table: Readonly<Record<PrimitiveName, Primitive>> = {
  // Arithmetic.
  '+': { arity: 2, infix: '+', fold: (a, b) => a + b, partials: (g) => [g.constant(1), g.constant(1)] },
  '-': { arity: 2, infix: '-', fold: (a, b) => a - b, partials: (g) => [g.constant(1), g.constant(-1)] },
  '*': { arity: 2, infix: '*', fold: (a, b) => a * b, partials: (_g, [a, b]) => [b!, a!] },
  // ∂(a/b)/∂b = -(a/b)/b reuses the quotient instead of squaring b.
  '/': { arity: 2, infix: '/', fold: (a, b) => a / b, partials: (g, [, b], q) => [g.div(g.constant(1), b!), g.neg(g.div(q, b!))] },
  '%': { arity: 2, infix: '%', partials: (g, [a, b]) => [g.constant(1), g.neg(g.call('trunc', g.div(a!, b!)))] },
  neg: { arity: 1, fold: (a) => -a, partials: (g) => [g.constant(-1)] },
  '**': { arity: 2, infix: '**', partials: (g, [a, b], r) => powPartials(g, a!, b!, r) },
  pow: { arity: 2, mathName: 'pow', partials: (g, [a, b], r) => powPartials(g, a!, b!, r) },

  // Integer and bitwise operations are piecewise constant: derivative 0 by convention.
  '&': { arity: 2, infix: '&', partials: zero },
  '|': { arity: 2, infix: '|', partials: zero },
  '^': { arity: 2, infix: '^', partials: zero },
  '<<': { arity: 2, infix: '<<', partials: zero },
  '>>': { arity: 2, infix: '>>', partials: zero },
  '>>>': { arity: 2, infix: '>>>', partials: zero },
  '~': { arity: 1, partials: zero },

  // Comparisons and logic feed conditions only.
  // Comparisons and logic feed conditions only. Booleans fold to the constants 1 and 0, which
  // JavaScript's truthiness reads the same way wherever a condition is expected.
  '<': { arity: 2, infix: '<', boolean: true, fold: (a, b) => +(a < b), partials: zero },
  '<=': { arity: 2, infix: '<=', boolean: true, fold: (a, b) => +(a <= b), partials: zero },
  '>': { arity: 2, infix: '>', boolean: true, fold: (a, b) => +(a > b), partials: zero },
  '>=': { arity: 2, infix: '>=', boolean: true, fold: (a, b) => +(a >= b), partials: zero },
  '===': { arity: 2, infix: '===', boolean: true, fold: (a, b) => +(a === b), partials: zero },
  '!==': { arity: 2, infix: '!==', boolean: true, fold: (a, b) => +(a !== b), partials: zero },
  '&&': { arity: 2, infix: '&&', boolean: true, partials: zero },
  '||': { arity: 2, infix: '||', boolean: true, partials: zero },
  '!': { arity: 1, boolean: true, fold: (a) => +!a, partials: zero },
  /**
   * `select(c, a, b)` is the φ node `c ? a : b` (c read by JavaScript truthiness). Only the taken
   * arm is evaluated, in the primal and in the companion.
   */
  select: { arity: 3, partials: (g, [c]) => [null, g.call('select', c!, g.constant(1), g.constant(0)), g.call('select', c!, g.constant(0), g.constant(1))] },

  /** `v === undefined` and `v == null` on a value read at run time (a default, `??`): conditions only. */
  isUndefined: { arity: 1, boolean: true, partials: zero },
  isNullish: { arity: 1, boolean: true, partials: zero },

  // Trigonometric.
  sin: { arity: 1, mathName: 'sin', partials: (g, [u]) => [g.call('cos', u!)] },
  cos: { arity: 1, mathName: 'cos', partials: (g, [u]) => [g.neg(g.call('sin', u!))] },
  tan: { arity: 1, mathName: 'tan', partials: (g, _, r) => [g.add(g.constant(1), g.mul(r, r))] },
  asin: { arity: 1, mathName: 'asin', partials: (g, [u]) => [g.div(g.constant(1), g.call('sqrt', g.sub(g.constant(1), g.mul(u!, u!))))] },
  acos: { arity: 1, mathName: 'acos', partials: (g, [u]) => [g.neg(g.div(g.constant(1), g.call('sqrt', g.sub(g.constant(1), g.mul(u!, u!)))))] },
  atan: { arity: 1, mathName: 'atan', partials: (g, [u]) => [g.div(g.constant(1), g.add(g.constant(1), g.mul(u!, u!)))] },
  // ∂atan2(y, x) = (x, −y)/(x² + y²); where x² + y² over- or underflows (1e300, 1e-300), the same
  // from arguments scaled by 2^∓600 and their hypot, in a branch taken only there.
  atan2: {
    arity: 2,
    mathName: 'atan2',
    partials: (g, [y, x]) => {
      const r2 = g.add(g.mul(x!, x!), g.mul(y!, y!));
      const usable = g.call('&&', g.call('>', r2, g.constant(2 ** -1000)), g.call('<', r2, g.constant(Infinity)));
      const s = g.call('select', g.call('<', r2, g.constant(1)), g.constant(2 ** 600), g.constant(2 ** -600));
      const [xs, ys] = [g.mul(s, x!), g.mul(s, y!)];
      const h = g.call('hypot', xs, ys);
      // An argument that is ±∞ itself (atan2(∞, x) = π/2): the partials' limit there, 0.
      const over = (a: typeof h) => g.call('select', g.call('===', h, g.constant(Infinity)), g.constant(0), g.mul(g.div(g.div(a, h), h), s));
      const unusable = g.call('!', usable);
      return [unlikely(g, unusable, over(xs), g.div(x!, r2)), unlikely(g, unusable, g.neg(over(ys)), g.neg(g.div(y!, r2)))];
    },
  },

  // Hyperbolic.
  sinh: { arity: 1, mathName: 'sinh', partials: (g, [u]) => [g.call('cosh', u!)] },
  cosh: { arity: 1, mathName: 'cosh', partials: (g, [u]) => [g.call('sinh', u!)] },
  tanh: { arity: 1, mathName: 'tanh', partials: (g, _, r) => [g.sub(g.constant(1), g.mul(r, r))] },
  // 1/√(u² + 1), which is 1/|u| past 2^500, where u² overflows.
  asinh: {
    arity: 1,
    mathName: 'asinh',
    partials: (g, [u]) => {
      const magnitude = g.call('abs', u!);
      return [unlikely(g, g.call('>', magnitude, g.constant(2 ** 500)), g.div(g.constant(1), magnitude), g.div(g.constant(1), g.call('sqrt', g.add(g.mul(u!, u!), g.constant(1)))))];
    },
  },
  // 1/√(u-1)·1/√(u+1) rather than 1/√(u²-1): no cancellation near u = 1.
  acosh: {
    arity: 1,
    mathName: 'acosh',
    partials: (g, [u]) => [g.div(g.constant(1), g.mul(g.call('sqrt', g.sub(u!, g.constant(1))), g.call('sqrt', g.add(u!, g.constant(1)))))],
  },
  atanh: { arity: 1, mathName: 'atanh', partials: (g, [u]) => [g.div(g.constant(1), g.sub(g.constant(1), g.mul(u!, u!)))] },

  // Exponential and logarithmic.
  exp: { arity: 1, mathName: 'exp', partials: (_g, _, r) => [r] },
  // eᵘ = r + 1 from the result, but where r is near −1 (u below −0.7) that cancels: eᵘ itself.
  expm1: { arity: 1, mathName: 'expm1', partials: (g, [u], r) => [g.call('select', g.call('>', r, g.constant(-0.5)), g.add(r, g.constant(1)), g.call('exp', u!))] },
  log: { arity: 1, mathName: 'log', partials: (g, [u]) => [g.div(g.constant(1), u!)] },
  log1p: { arity: 1, mathName: 'log1p', partials: (g, [u]) => [g.div(g.constant(1), g.add(g.constant(1), u!))] },
  log2: { arity: 1, mathName: 'log2', partials: (g, [u]) => [g.div(g.constant(1), g.mul(u!, g.constant(Math.LN2, 'LN2')))] },
  log10: { arity: 1, mathName: 'log10', partials: (g, [u]) => [g.div(g.constant(1), g.mul(u!, g.constant(Math.LN10, 'LN10')))] },

  // Roots and norms.
  sqrt: { arity: 1, mathName: 'sqrt', partials: (g, _, r) => [g.div(g.constant(0.5), r)] },
  cbrt: { arity: 1, mathName: 'cbrt', partials: (g, _, r) => [g.div(g.constant(1), g.mul(g.constant(3), g.mul(r, r)))] },
  hypot: { arity: 'variadic', mathName: 'hypot', partials: (g, args, h) => radialPartials(g, args, h) },

  // Piecewise: |x|' = sign(x) (0 at 0); max/min send the adjoint to the first extremal argument.
  abs: { arity: 1, mathName: 'abs', partials: (g, [u]) => [g.call('sign', u!)] },
  sign: { arity: 1, mathName: 'sign', partials: zero },
  max: { arity: 'variadic', mathName: 'max', partials: (g, args) => extremumPartials(g, args, '>', '>=') },
  min: { arity: 'variadic', mathName: 'min', partials: (g, args) => extremumPartials(g, args, '<', '<=') },
  floor: { arity: 1, mathName: 'floor', partials: zero },
  ceil: { arity: 1, mathName: 'ceil', partials: zero },
  round: { arity: 1, mathName: 'round', partials: zero },
  trunc: { arity: 1, mathName: 'trunc', partials: zero },
  // Rounding to float32 is the identity up to rounding: derivative 1, as in every AD tool.
  fround: { arity: 1, mathName: 'fround', partials: (g) => [g.constant(1)] },

  // Stable forms (`stable.ts`): [the value as written, ...what it is a function of].
  // `Math.sqrt(a*a + b*b + ...)`: ∂/∂aᵢ = aᵢ/r, and 0 at the origin, as for hypot (not ∞·0).
  norm: { arity: 'variadic', stable: true, partials: (g, [, ...a], r) => [null, ...radialPartials(g, a, r)] },
  // `Math.log(1 + Math.exp(z))`: the logistic 1/(1 + 1/e), 1 where e overflows (not ∞/∞).
  softplus: { arity: 2, stable: true, partials: (g, [, z]) => [null, g.div(g.constant(1), g.add(g.constant(1), g.div(g.constant(1), g.call('exp', z!))))] },
  // `Math.log(Math.exp(a) + Math.exp(b))`: the softmax of (a, b), 1/(1 + e^(b−a)), finite where
  // either exponential overflows.
  logaddexp: {
    arity: 3,
    stable: true,
    partials: (g, [, a, b]) => [null, g.div(g.constant(1), g.add(g.constant(1), g.call('exp', g.sub(b!, a!)))), g.div(g.constant(1), g.add(g.constant(1), g.call('exp', g.sub(a!, b!))))],
  },
  // `Math.exp(u) / (1 + Math.exp(u))`: σ(u), with e = eᵘ (the written one), whose e/(1 + e)² is
  // (1/(1 + 1/e))/(1 + e): nothing overflows before it is divided (1e-304 at e = 1e304, 0 at e = ∞
  // and e = 0).
  logistic: {
    arity: 3,
    stable: true,
    partials: (g, [, , e]) => {
      const one = g.constant(1);
      return [null, g.div(g.div(one, g.add(one, g.div(one, e!))), g.add(one, e!)), null];
    },
  },
  // `x - x`, `x / x`, `x / Math.abs(x)`: constant wherever defined, derivative 0. The chain rule's
  // terms cancel only in exact arithmetic: 1/|x| − 1/|x| is ∞ − ∞ below 1e-154, and the adjoint of
  // `x - x` times 1 and −1 adds a large number to a gradient and takes it away again.
  flat: { arity: 2, stable: true, partials: zero },
  // The value with no derivative: the shift of a log-sum-exp (`stable-sums.ts`), whose derivative
  // is 0 in exact arithmetic.
  stop: { arity: 1, stable: true, partials: zero },
  // The value as written, with the derivative of the same quantity computed another way (a
  // log-sum-exp's m + log Σ exp(xᵢ − m), where the sum as written overflowed).
  reexpressed: { arity: 2, stable: true, partials: (g) => [null, g.constant(1)] },
  // A condition that ordinary inputs almost never meet (a norm below 2⁻⁵⁰⁰), guarding a careful
  // arm of a φ: the companion computes the usual arm only and, where the condition held anywhere,
  // runs again with both arms (emit.ts). An arm that never ran costs V8 a deoptimisation point
  // inside the loop, about a quarter of a mass-spring gradient's time.
  rare: { arity: 1, boolean: true, stable: true, partials: zero },
};

/** φ(rare(c), careful, usual): `careful` where the unlikely `c` holds. */
function unlikely<N extends RuleNode>(g: RuleGraph<N>, c: N, careful: N, usual: N): N {
  return g.call('select', g.call('rare', c), careful, usual);
}

export function primitive(name: PrimitiveName): Primitive {
  return table[name];
}

export function isPrimitiveName(name: string): name is PrimitiveName {
  return Object.prototype.hasOwnProperty.call(table, name);
}

/** The primitive a `Math.<name>` call is, if it has a rule. */
export function mathPrimitive(name: string): PrimitiveName | undefined {
  for (const [key, rule] of Object.entries(table) as [PrimitiveName, Primitive][]) {
    if (rule.mathName === name) return key;
  }
  return undefined;
}

/** `Math` constants fold to named constants. */
export const mathConstants: Readonly<Record<string, number>> = {
  E: Math.E,
  LN2: Math.LN2,
  LN10: Math.LN10,
  LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E,
  PI: Math.PI,
  SQRT1_2: Math.SQRT1_2,
  SQRT2: Math.SQRT2,
};

/**
 * ∂(a^b): b·a^(b-1) w.r.t. a, and a^b·ln a w.r.t. b. The exponent partial is taken as 0 where a = 0
 * (the limit from the right for b > 0), so `0 ** y` does not produce `0 * -Infinity`; the base
 * partial is 0 where b = 0 (a⁰ is 1 everywhere), so `0 ** 0` does not produce `0 * Infinity` (the
 * closed form of an affine recurrence at a = 0 raises a to the power 0).
 */
function powPartials<N extends RuleNode>(g: RuleGraph<N>, a: N, b: N, r: N): (N | null)[] {
  // A run-time b: b·r/a from the power itself where that is a normal number (a^(b−1) overflows
  // for a subnormal a and b < 1), else b·a^(b−1) (a = 0, an r that underflowed: (1e-300)², or one
  // that overflowed where a^(b−1) does not: z² of a z of 1e155 in a closed form's weight).
  const zero = g.constant(0);
  const magnitude = g.call('abs', r);
  const normal = g.call('&&', g.call('>=', magnitude, g.constant(2 ** -1022)), g.call('<', magnitude, g.constant(Infinity)));
  const exponent = g.constantValue(b);
  const da =
    exponent !== undefined
      ? g.mul(b, g.apply('**', [a, g.constant(exponent - 1)]))
      : g.call('select', g.call('===', b, zero), zero, g.call('select', normal, g.div(g.mul(b, r), a), g.mul(b, g.apply('**', [a, g.sub(b, g.constant(1))]))));
  if (!b.active) return [da, null];
  const db = g.call('select', g.call('===', a, g.constant(0)), g.constant(0), g.mul(r, g.call('log', a)));
  return [da, db];
}

/**
 * ∂‖a‖/∂aᵢ = aᵢ/r of a norm r (`Math.hypot`, or a `Math.sqrt` of squares). Below 2⁻⁵⁰⁰ r is no
 * denominator for it: a `Math.sqrt(x*x + y*y)` whose squares underflowed is 0 at x = 1e-300, and a
 * subnormal hypot keeps a few bits. There the arguments are scaled by 2⁶⁰⁰ and their hypot taken, in
 * a branch taken only there; at the origin the subgradient 0 (aᵢ/(h + 1) with h = 0).
 */
function radialPartials<N extends RuleNode>(g: RuleGraph<N>, args: readonly N[], r: N): N[] {
  const [zero, one] = [g.constant(0), g.constant(1)];
  const scaled = args.map((a) => g.mul(g.constant(2 ** 600), a));
  const h = g.call('hypot', ...scaled);
  const denominator = g.add(h, g.call('select', g.call('===', h, zero), one, zero));
  const small = g.call('<', r, g.constant(2 ** -500));
  return args.map((a, i) => unlikely(g, small, g.div(scaled[i]!, denominator), g.div(a, r)));
}

/**
 * Partials of max/min: argument i receives the adjoint when it is the first extremal argument, that
 * is strictly beyond every earlier one and at least as far as every later one (ties take the first).
 */
function extremumPartials<N extends RuleNode>(g: RuleGraph<N>, args: readonly N[], strict: '>' | '<', loose: '>=' | '<='): N[] {
  return args.map((a, i) => {
    let cond: N | undefined;
    args.forEach((other, j) => {
      if (j === i) return;
      const c = g.call(j < i ? strict : loose, a, other);
      cond = cond === undefined ? c : g.call('&&', cond, c);
    });
    return cond === undefined ? g.constant(1) : g.call('select', cond, g.constant(1), g.constant(0));
  });
}

/** Piecewise-constant primitives (comparisons, rounding, bitwise): no adjoint flows through them. */
export function hasZeroDerivative(name: PrimitiveName): boolean {
  return table[name].partials === zero;
}
