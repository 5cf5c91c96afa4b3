/**
 * How far a derivative can grow past the values the primal computes: an adjoint that is a chain of
 * partials, each finite, overflows where the primal does not (four steps of `w -= 0.1·tanh(w·y)` at
 * y = 1e300), and where it meets a partial that is 0 its `∞ · 0` is NaN though the true product is
 * 0. The emitter checks the adjoints where that can happen and runs the careful companion there
 * (`emit.ts`).
 *
 * A value's growth counts the varying factors multiplied into it: 0 for a constant or a value
 * bounded by its function (`tanh`, `sin`, a comparison), 1 for one the primal computes or reads
 * (finite where the primal is), the sum of both for a product, the larger for a sum, 2 or more for
 * a power or an exponential the derivative makes. Growth 2 can overflow, a true derivative past the
 * range of doubles; only a product with such a factor can then be `∞ · 0` where the truth is 0.
 */
import { reads, type Node } from './ir.js';
import { primitive } from '../rules.js';

/** Functions whose value is finite whatever their arguments. */
const bounded = new Set(['sin', 'cos', 'tanh', 'atan', 'atan2', 'sign', '<', '<=', '>', '>=', '===', '!==', '!', '&&', '||', 'isUndefined', 'isNullish', 'rare']);
/** Functions whose value is as large as one of their arguments (or a constant times it). */
const linear = new Set(['+', '-', 'neg', 'abs', 'min', 'max', 'sqrt', 'cbrt', 'hypot', 'norm', 'fround', 'trunc', 'floor', 'ceil', 'round']);

/** Functions that grow faster than any power of their argument. */
const exponential = new Set(['exp', 'expm1', 'cosh', 'sinh']);

export class Growth {
  private readonly growth = new Map<Node, number>();
  /** By the factors known not to be 0 where the node is computed (their ids). */
  private readonly hazard = new Map<string, Map<Node, boolean>>();

  /** The values the primal computes on its way to `output`: a stable form's or a closed form's as written. */
  private readonly values = new Set<Node>();

  constructor(output: Node) {
    const stack = [output];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.values.has(n)) continue;
      this.values.add(n);
      stack.push(...(n.kind === 'apply' && primitive(n.op).stable === true ? [n.args[0]!] : reads(n)));
    }
  }

  /** The number of varying factors multiplied into `n` (see above), capped at 3. */
  of(n: Node): number {
    if (n.kind === 'const') return 0;
    if (n.kind !== 'apply' && n.kind !== 'sum') return 1;
    if (n.kind === 'apply' && bounded.has(n.op)) return 0;
    if (this.values.has(n)) return 1;
    const known = this.growth.get(n);
    if (known !== undefined) return known;
    let result: number;
    if (n.kind === 'sum') result = Math.max(this.of(n.body), this.of(n.init), n.factor !== undefined ? 2 : 0);
    else if (n.op === '*') result = this.of(n.args[0]!) + this.of(n.args[1]!);
    else if (n.op === '/') result = this.of(n.args[0]!);
    // A φ is as large as its arms; its condition is a boolean.
    else if (n.op === 'select') result = Math.max(this.of(n.args[1]!), this.of(n.args[2]!));
    else if (linear.has(n.op)) result = Math.max(0, ...n.args.map((a) => this.of(a)));
    // A power is a product of as many factors (`z^k` of a closed form's weight); an exponential
    // the derivative makes, one the primal did not, can overflow on its own.
    else if (n.op === '**' || n.op === 'pow') result = n.args[1]!.kind === 'const' && Math.abs(n.args[1]!.value) < 2 ? this.of(n.args[0]!) : 3;
    else if (exponential.has(n.op)) result = 2;
    // Any other function: as large as a value the primal could compute from its arguments.
    else result = Math.max(1, ...n.args.map((a) => this.of(a)));
    result = Math.min(result, 3);
    this.growth.set(n, result);
    return result;
  }

  /**
   * Does `n`, a derivative, multiply a factor that can overflow by one that varies (and so can be 0),
   * there or in what it is computed from? In the arm of a φ on `f !== 0` (the guards `scale` makes),
   * a product with the factor `f` needs `f` itself to overflow. (The two innermost such tests are
   * kept, as `scale` nests them: with every test along the way the memo grew exponentially.)
   */
  meetsOverflow(n: Node, nonzero: readonly Node[] = []): boolean {
    if (this.values.has(n) || (n.kind !== 'apply' && n.kind !== 'sum')) return false;
    const key = nonzero.map((f) => f.id).join(',');
    let memo = this.hazard.get(key);
    if (memo === undefined) this.hazard.set(key, (memo = new Map()));
    const known = memo.get(n);
    if (known !== undefined) return known;
    let result = false;
    if (n.kind === 'apply' && n.op === '*') {
      const [a, b] = n.args as [Node, Node];
      // A factor known not to be 0 is a hazard only by its own overflow, times the other's 0.
      const guarded = nonzero.includes(a) ? a : nonzero.includes(b) ? b : undefined;
      if (guarded !== undefined) result = this.of(guarded) >= 2 && this.of(guarded === a ? b : a) >= 1;
      else result = Math.min(this.of(a), this.of(b)) >= 1 && Math.max(this.of(a), this.of(b)) >= 2;
    }
    if (!result && n.kind === 'apply' && n.op === 'select') {
      const [c, whenTrue, whenFalse] = n.args as [Node, Node, Node];
      const tested = zeroTest(c);
      result =
        this.meetsOverflow(whenTrue, tested?.zero === false ? knownNonzero(nonzero, tested.of) : nonzero) ||
        this.meetsOverflow(whenFalse, tested?.zero === true ? knownNonzero(nonzero, tested.of) : nonzero);
    } else if (!result) {
      result = reads(n).some((r) => this.meetsOverflow(r, nonzero));
    }
    memo.set(n, result);
    return result;
  }
}

/** The factors known not to be 0 inside a test of `f`: the innermost two, `f` among them. */
function knownNonzero(before: readonly Node[], f: Node): readonly Node[] {
  return before.includes(f) ? before : [...before, f].slice(-2);
}

/** `f === 0` or `f !== 0`: the factor tested, and whether the test is for zero. */
function zeroTest(c: Node): { of: Node; zero: boolean } | undefined {
  if (c.kind !== 'apply' || (c.op !== '===' && c.op !== '!==')) return undefined;
  const [a, b] = c.args as [Node, Node];
  const of = isZero(b) ? a : isZero(a) ? b : undefined;
  return of === undefined ? undefined : { of, zero: c.op === '===' };
}

function isZero(n: Node): boolean {
  return n.kind === 'const' && n.value === 0;
}
