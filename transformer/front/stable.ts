/**
 * Stable forms (DESIGN.md §5, numerically stable patterns): expressions whose chain-rule derivative
 * is NaN or wrong where the expression itself is finite, or where its true derivative is, recognised
 * once, in the core that both modes read. Each becomes a primitive of the rule table whose first
 * argument is the expression as written (its value, bit for bit, through which no adjoint flows) and
 * whose partials are the form's own:
 *
 * - `Math.sqrt(a*a + b*b + ...)` (squares also as `a ** 2`, `Math.pow(a, 2)`): `norm`, 0 at the
 *   origin as `Math.hypot` (the chain rule gives ∞·0);
 * - `Math.log(1 + Math.exp(z))`, `Math.log(Math.exp(z) + 1)`, `Math.log1p(Math.exp(z))`: `softplus`,
 *   whose derivative is 1 where exp overflows (the chain rule gives 0 or ∞/∞);
 * - `Math.log(Math.exp(a) + Math.exp(b))`: `logaddexp`, the softmax of (a, b) where either
 *   exponential overflows;
 * - `Math.exp(u) / (1 + Math.exp(u))` (either order of the sum): the logistic, whose derivative
 *   the quotient rule writes σ − σ², 0 where σ rounds to 1 (u = 400) though it is 1e-174 there.
 *   (`1 / (1 + Math.exp(-u))` is left to each mode: the coarse one writes its derivative stably in
 *   the segment, where it also cancels with what follows, a log-loss's 1/σ.)
 * - `x - x` (and `x + -x`), `x / x`, `x / Math.abs(x)`, `Math.abs(x) / x`: `flat`, derivative 0 (the chain rule's
 *   terms cancel only in exact arithmetic: ∞ − ∞ for a tiny x, and a large adjoint added to a
 *   gradient and taken away again).
 */
import type { Expr } from './core.js';
import type { PrimitiveName } from '../rules.js';

/** `e` as a stable form, or `e` itself. */
export function stable(e: Expr): Expr {
  const form = recognise(e);
  if (form === undefined) return e;
  return { kind: 'math', op: form.op, name: form.op, args: [e, ...form.args], at: e.at };
}

function recognise(e: Expr): { op: PrimitiveName; args: Expr[] } | undefined {
  if (e.kind === 'math' && e.op === 'sqrt') {
    const bases = squares(e.args[0]!);
    return bases === undefined ? undefined : { op: 'norm', args: bases };
  }
  if (e.kind === 'math' && e.op === 'log1p') {
    const z = exponent(e.args[0]!);
    return z === undefined ? undefined : { op: 'softplus', args: [z] };
  }
  if (e.kind === 'math' && e.op === 'log') {
    const sum = e.args[0]!;
    if (sum.kind !== 'binary' || sum.op !== '+') return undefined;
    const [l, r] = [sum.left, sum.right];
    const [zl, zr] = [exponent(l), exponent(r)];
    if (zl !== undefined && zr !== undefined) return { op: 'logaddexp', args: [zl, zr] };
    if (zr !== undefined && isOne(l)) return { op: 'softplus', args: [zr] };
    if (zl !== undefined && isOne(r)) return { op: 'softplus', args: [zl] };
    return undefined;
  }
  if (e.kind === 'binary' && e.op === '/') {
    const u = onePlusExp(e.right);
    // σ(u) = eᵘ/(1 + eᵘ), as a function of u, with eᵘ for its derivative.
    if (u !== undefined && exponent(e.left) !== undefined && same(exponent(e.left)!, u)) return { op: 'logistic', args: [u, e.left] };
  }
  if (e.kind === 'binary' && (e.op === '-' || e.op === '/') && same(e.left, e.right)) return { op: 'flat', args: [e.left] };
  // `x + -x` and `-x + x` (what `y += -y` desugars to) are `x - x`.
  if (e.kind === 'binary' && e.op === '+') {
    const negated = (n: Expr): Expr | undefined => (n.kind === 'unary' && n.op === 'neg' ? n.operand : undefined);
    const [l, r] = [negated(e.left), negated(e.right)];
    if ((r !== undefined && same(e.left, r)) || (l !== undefined && same(l, e.right))) return { op: 'flat', args: [r ?? l!] };
  }
  if (e.kind === 'binary' && e.op === '/') {
    const [num, den] = [e.left, e.right];
    if (den.kind === 'math' && den.op === 'abs' && same(den.args[0]!, num)) return { op: 'flat', args: [num] };
    if (num.kind === 'math' && num.op === 'abs' && same(num.args[0]!, den)) return { op: 'flat', args: [den] };
  }
  return undefined;
}

const isOne = (e: Expr): boolean => e.kind === 'number' && e.value === 1;

/** `1 + Math.exp(u)` or `Math.exp(u) + 1`: the u. */
function onePlusExp(e: Expr): Expr | undefined {
  const term = exponential(e);
  return term === undefined ? undefined : exponent(term);
}

/** The `Math.exp(u)` of `1 + Math.exp(u)` or `Math.exp(u) + 1`. */
function exponential(e: Expr): Expr | undefined {
  if (e.kind !== 'binary' || e.op !== '+') return undefined;
  if (isOne(e.left) && exponent(e.right) !== undefined) return e.right;
  if (isOne(e.right) && exponent(e.left) !== undefined) return e.left;
  return undefined;
}

/** `Math.exp(z)`: the z. */
function exponent(e: Expr): Expr | undefined {
  return e.kind === 'math' && e.op === 'exp' ? e.args[0] : undefined;
}

/** The bases of a sum of squares `x*x + y**2 + ...`, undefined unless every term is a square. */
function squares(e: Expr): Expr[] | undefined {
  if (e.kind === 'binary' && e.op === '+') {
    const left = squares(e.left);
    const right = left === undefined ? undefined : squares(e.right);
    return left === undefined || right === undefined ? undefined : [...left, ...right];
  }
  if (e.kind === 'binary' && e.op === '*' && same(e.left, e.right)) return [e.left];
  if (e.kind === 'binary' && e.op === '**' && e.right.kind === 'number' && e.right.value === 2) return [e.left];
  if (e.kind === 'math' && e.op === 'pow' && e.args[1]!.kind === 'number' && e.args[1]!.value === 2) return [e.args[0]!];
  return undefined;
}

/** The same value, structurally: core expressions have no effects, so equal trees are equal numbers. */
function same(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'number':
      return Object.is(a.value, (b as typeof a).value);
    case 'var':
      return a.var === (b as typeof a).var;
    case 'free':
      return a.name === (b as typeof a).name;
    case 'this':
      return a.owner === (b as typeof a).owner;
    case 'unary':
      return a.op === (b as typeof a).op && same(a.operand, (b as typeof a).operand);
    case 'binary':
      return a.op === (b as typeof a).op && same(a.left, (b as typeof a).left) && same(a.right, (b as typeof a).right);
    case 'math':
      return a.op === (b as typeof a).op && a.args.length === (b as typeof a).args.length && a.args.every((x, i) => same(x, (b as typeof a).args[i]!));
    case 'field':
      return a.name === (b as typeof a).name && same(a.object, (b as typeof a).object);
    case 'element':
      return same(a.array, (b as typeof a).array) && same(a.index, (b as typeof a).index);
    default:
      return false;
  }
}
