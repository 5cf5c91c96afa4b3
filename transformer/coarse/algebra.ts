/**
 * Cancellation in products of derivative terms. Chains of partials multiply quotients that cancel
 * (∂log p · ∂p/∂t = (1/p)·(p/t) = 1/t); seeing a product as a monomial, a constant times factors
 * with integer exponents, finds them. Used only for derivative terms, never for the primal: it may
 * turn `0/0` into a number, never a number into NaN or an infinity.
 */
import { isConst, loopsOf, type ApplyNode, type ConstNode, type Graph, type Loop, type Node } from './ir.js';

interface Monomial {
  coefficient: number;
  /** Factor → exponent; zero exponents are dropped. */
  readonly factors: Map<Node, number>;
}

/** Products deeper than this are left as they are: compile time stays linear. */
const maxFactors = 16;

interface Walk {
  /** Product nodes still allowed to be opened. */
  budget: number;
  /** Factors met, counted with multiplicity, before cancelling. */
  occurrences: number;
}

function collect(n: Node, exponent: number, into: Monomial, walk: Walk): void {
  if (n.kind === 'const') {
    into.coefficient *= exponent > 0 ? n.value : 1 / n.value;
    return;
  }
  if (n.kind === 'apply' && walk.budget > 0) {
    const a = n as ApplyNode;
    if (a.op === 'neg') {
      into.coefficient = -into.coefficient;
      collect(a.args[0]!, exponent, into, walk);
      return;
    }
    if (a.op === '*' || a.op === '/') {
      walk.budget--;
      collect(a.args[0]!, exponent, into, walk);
      collect(a.args[1]!, a.op === '*' ? exponent : -exponent, into, walk);
      return;
    }
  }
  walk.occurrences++;
  const e = (into.factors.get(n) ?? 0) + exponent;
  if (e === 0) into.factors.delete(n);
  else into.factors.set(n, e);
}

function monomial(g: Graph, nodes: readonly Node[]): { monomial: Monomial; cancelled: boolean } {
  const m: Monomial = { coefficient: 1, factors: new Map() };
  const walk: Walk = { budget: maxFactors, occurrences: 0 };
  for (const n of nodes) collect(n, 1, m, walk);
  let remaining = 0;
  for (const e of m.factors.values()) remaining += Math.abs(e);
  // An exhausted budget left products unopened, whose factors might not really cancel.
  const complete = walk.budget > 0;
  const stabilised = complete && stabilise(g, m);
  return { monomial: m, cancelled: stabilised || (complete && remaining < walk.occurrences) };
}

/**
 * `e / (1 + e)` for an `e ≥ 0` is written `1 / (1 + 1/e)`: the same number wherever the first is
 * finite, and 1 where `e` overflows (the first is ∞/∞). This is where the derivatives of a logistic
 * (`e·(1 + e)⁻²`) and of a softplus (`e·(1 + e)⁻¹`), `e = exp(·)`, meet it. True if a pair was found.
 */
function stabilise(g: Graph, m: Monomial): boolean {
  let found = false;
  for (const [d, de] of [...m.factors]) {
    if (de >= 0 || d.kind !== 'apply' || d.op !== '+') continue;
    const [x, y] = d.args as [Node, Node];
    const e = isConst(x, 1) ? y : isConst(y, 1) ? x : undefined;
    if (e === undefined || !nonNegative(e)) continue;
    const ee = m.factors.get(e) ?? 0;
    const pairs = Math.min(ee, -de);
    if (pairs <= 0) continue;
    const share = g.div(g.constant(1), g.add(g.constant(1), g.div(g.constant(1), e)));
    const set = (n: Node, k: number) => (k === 0 ? m.factors.delete(n) : m.factors.set(n, k));
    set(e, ee - pairs);
    set(d, de + pairs);
    set(share, (m.factors.get(share) ?? 0) + pairs);
    found = true;
  }
  return found;
}

/** Is `n` never negative (nor -0 in a way that matters): `exp`, `cosh`, `abs`, `hypot`, `sqrt`, squares, and sums and products of these. */
function nonNegative(n: Node): boolean {
  if (n.kind === 'const') return n.value >= 0;
  if (n.kind !== 'apply') return false;
  switch (n.op) {
    case 'exp':
    case 'cosh':
    case 'abs':
    case 'hypot':
    case 'sqrt':
      return true;
    case '*':
      return n.args[0] === n.args[1] || n.args.every(nonNegative);
    case '+':
    case '/':
      return n.args.every(nonNegative);
    default:
      return false;
  }
}

/** `c / d` with a constant `c`. */
function isConstantOver(n: Node): n is ApplyNode & { readonly args: readonly [ConstNode, Node] } {
  return n.kind === 'apply' && n.op === '/' && n.args[0]!.kind === 'const';
}

function power(g: Graph, base: Node, exponent: number): Node {
  return exponent === 1 ? base : exponent === 2 ? g.mul(base, base) : g.apply('**', [base, g.constant(exponent)]);
}

/**
 * `a · b` for derivative terms: the plain product, unless factors cancel, in which case the
 * product is rebuilt from what is left (`c · (numerator / denominator)`).
 */
export function cancellingProduct(g: Graph, a: Node, b: Node): Node {
  const { monomial: m, cancelled } = monomial(g, [a, b]);
  if (!cancelled || !Number.isFinite(m.coefficient)) {
    // a · (c / d) = c · (a / d): one division instead of a division and a multiplication. Not for a
    // constant `a`: `c / d` is then shared with the other terms that scale it.
    const [x, q] = isConstantOver(b) && a.kind !== 'const' ? [a, b] : isConstantOver(a) && b.kind !== 'const' ? [b, a] : [undefined, undefined];
    if (x !== undefined && q !== undefined) return g.mul(q.args[0], g.div(x, q.args[1]!));
    return g.mul(a, b);
  }
  const ordered = [...m.factors].sort(([x], [y]) => x.id - y.id);
  let numerator: Node | undefined;
  let denominator: Node | undefined;
  for (const [factor, exponent] of ordered) {
    if (exponent > 0) {
      const p = power(g, factor, exponent);
      numerator = numerator === undefined ? p : g.mul(numerator, p);
    } else {
      const p = power(g, factor, -exponent);
      denominator = denominator === undefined ? p : g.mul(denominator, p);
    }
  }
  const quotient = denominator === undefined ? numerator ?? g.constant(1) : g.div(numerator ?? g.constant(1), denominator);
  return g.mul(g.constant(m.coefficient), quotient);
}

/** A term of a polynomial in values from outside a loop: their product, times a per-iteration coefficient. */
interface Term {
  readonly outer: readonly Node[];
  readonly coefficient: Node;
}

/** Reduction splitting gives up past this many terms: it must not trade a loop for a swell. */
const maxTerms = 8;

/**
 * `init + Σ_i body(i)` over `loop`, split (DESIGN.md §5, reduction splitting): where the body is a
 * polynomial in values computed outside the loop, `Σ 2x(y − xw) = 2·Σxy − 2w·Σx²`. The sums left
 * read only what the loop reads per iteration, so they are invariant in any loop around this one
 * that changes `w`, and placement computes them once before it. (In values, only where there is such
 * a loop: `Graph.derivatives`.)
 */
export function splitSum(g: Graph, loop: Loop, body: Node, init: Node, name: string): Node {
  // A branch the loop does not change (a guard on an adjoint computed before it): each arm split.
  if (body.kind === 'apply' && body.op === 'select' && !loopsOf(body.args[0]!).has(loop)) {
    const [c, a, b] = body.args as [Node, Node, Node];
    return g.call('select', c, splitSum(g, loop, a, init, name), splitSum(g, loop, b, init, name));
  }
  const terms = expand(g, body, loop);
  const worth = terms !== undefined && terms.some((t) => t.outer.length > 0 && loopsOf(t.coefficient).has(loop));
  // In the function's own values a split changes the order of operations, and at the edges of the
  // range the result (an x·y[i] that underflows to 0 in the loop is not 0 in x·Σy): there only where
  // it pays, where the sums it leaves are invariant in an enclosing loop that changes an outer factor.
  const pays = g.derivatives || terms?.some((t) => t.outer.some((factor) => loopsOf(factor).size > 0));
  if (!worth || !pays) return g.sum(loop, body, init, name);
  let result = init;
  for (const term of terms!) {
    // A coefficient that does not change with i sums to itself times the trip count: not split off.
    if (!loopsOf(term.coefficient).has(loop)) return g.sum(loop, body, init, name);
    // Constant factors and signs stay outside, so that `Σ −eᵢ/s` is `−(1/s)·Σ eᵢ`, the sum the
    // forward sweep already computes.
    const [scale, per] = constantFactor(term.coefficient);
    const sum = g.mul(g.constant(scale), g.sum(loop, per, g.constant(0), name));
    result = g.add(result, term.outer.reduce((product, factor) => g.mul(product, factor), sum));
  }
  // x·Σyᵢ overflows, or is 0·∞, where Σ x·yᵢ as written is finite (x = 0 and a yᵢ² = ∞; x·i·yᵢ at
  // i = 0): where the split is not finite, the sum as written, in the companion's careful run.
  const notFinite = g.call('!', g.call('<', g.call('abs', result), g.constant(Infinity)));
  // Where the sum as written is not finite either, a derivative's terms are multiplied in the order
  // the chain rule meets them, as the operation tape does: the adjoint into the partials one by one,
  // (a·v)·v, not a·(v·v), whose v² can overflow where the product is finite (a = -0.56, v = 1.8e154).
  // Only then: the terms taken apart can cancel where the sum as written does not.
  const asWritten = g.sum(loop, body, init, name);
  const written = g.derivatives
    ? g.call('select', g.call('<', g.call('abs', asWritten), g.constant(Infinity)), asWritten, g.sum(loop, terms!.map((t) => chained(g, t)).reduce((a, b) => g.add(a, b)), init, name))
    : asWritten;
  const guarded = g.call('select', g.call('rare', notFinite), written, result);
  // A value's derivative is the split's: through the sum as written it would be a second reverse
  // pass over the loop, inside every reverse loop around it, on the usual path too (BGDHyperOpt 30%).
  return g.derivatives ? guarded : g.call('reexpressed', guarded, result);
}

/** A term's value per iteration, its outer factors multiplied into its coefficient's factors in turn. */
function chained(g: Graph, term: Term): Node {
  const [scale, per] = constantFactor(term.coefficient);
  const into = (product: Node | undefined, n: Node): Node => {
    if (n.kind === 'apply' && n.op === '*' && n.args[0]!.kind !== 'const' && n.args[1]!.kind !== 'const') return into(into(product, n.args[0]!), n.args[1]!);
    return product === undefined ? n : g.mul(product, n);
  };
  const outer = term.outer.reduce<Node | undefined>((product, factor) => (product === undefined ? factor : g.mul(product, factor)), undefined);
  return g.mul(g.constant(scale), into(outer, per));
}

/** `n` as a constant times the rest: `-2 * e` is `[-2, e]`. */
function constantFactor(n: Node): [number, Node] {
  if (n.kind === 'apply' && n.op === 'neg') {
    const [k, rest] = constantFactor(n.args[0]!);
    return [-k, rest];
  }
  if (n.kind === 'apply' && n.op === '*' && n.args[0]!.kind === 'const') {
    const [k, rest] = constantFactor(n.args[1]!);
    return [n.args[0].value * k, rest];
  }
  return [1, n];
}

function expand(g: Graph, n: Node, loop: Loop): Term[] | undefined {
  if (!loopsOf(n).has(loop)) return [{ outer: n.kind === 'const' ? [] : [n], coefficient: n.kind === 'const' ? n : g.constant(1) }];
  if (n.kind !== 'apply' || !['+', '-', '*', '/', 'neg'].includes(n.op)) return [{ outer: [], coefficient: n }];
  const [a, b] = n.args as [Node, Node];
  // Divided by a value from outside the loop: that reciprocal is an outer factor.
  if (n.op === '/' && loopsOf(b).has(loop)) return [{ outer: [], coefficient: n }];
  const left = expand(g, a, loop);
  if (left === undefined) return undefined;
  if (n.op === 'neg') return left.map((t) => ({ outer: t.outer, coefficient: g.neg(t.coefficient) }));
  if (n.op === '/') return collectTerms(g, left.map((t) => ({ outer: [...t.outer, g.div(g.constant(1), b)], coefficient: t.coefficient })));
  const right = expand(g, b, loop);
  if (right === undefined) return undefined;
  let terms: Term[];
  if (n.op === '*') terms = left.flatMap((l) => right.map((r) => ({ outer: [...l.outer, ...r.outer], coefficient: g.mul(l.coefficient, r.coefficient) })));
  else terms = [...left, ...(n.op === '-' ? right.map((t) => ({ outer: t.outer, coefficient: g.neg(t.coefficient) })) : right)];
  return collectTerms(g, terms);
}

/** Terms with the same outer factors added together; `undefined` past the budget. */
function collectTerms(g: Graph, terms: readonly Term[]): Term[] | undefined {
  const byKey = new Map<string, Term>();
  for (const t of terms) {
    const outer = [...t.outer].sort((a, b) => a.id - b.id);
    const key = outer.map((o) => o.id).join(',');
    const before = byKey.get(key);
    byKey.set(key, { outer, coefficient: before === undefined ? t.coefficient : g.add(before.coefficient, t.coefficient) });
  }
  return byKey.size > maxTerms ? undefined : [...byKey.values()];
}
