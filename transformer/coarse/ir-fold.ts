/**
 * The exact rewrites the IR's constructors apply as they build (DESIGN.md §4–§5): operations on
 * constants fold, `x * 1`, `x - 0` and double negation vanish, φs of a constant condition or of
 * equal arms are their arm. Only what is exact in floating point, so that the companion's value
 * agrees with the primal's.
 */
import { primitive, type PrimitiveName } from '../rules.js';
import { isConst, type ApplyNode, type ConstNode, type Node } from './nodes.js';

/** What the rewrites build with: the graph's constructors (`ir.ts`), which rewrite again. */
export interface Builder {
  /** Nodes are being made for derivatives, whose order of operations is the compiler's to choose. */
  readonly derivatives: boolean;
  constant(value: number, name?: string): ConstNode;
  apply(op: PrimitiveName, args: readonly Node[]): Node;
  add(a: Node, b: Node): Node;
  sub(a: Node, b: Node): Node;
  mul(a: Node, b: Node): Node;
  div(a: Node, b: Node): Node;
  neg(a: Node): Node;
  call(op: PrimitiveName, ...args: Node[]): Node;
}

function isNeg(n: Node): n is ApplyNode & { readonly op: 'neg' } {
  return n.kind === 'apply' && n.op === 'neg';
}

function isBoolean(n: Node): boolean {
  return n.kind === 'apply' && primitive(n.op).boolean === true;
}

function isPhi(n: Node): n is ApplyNode & { readonly op: 'select' } {
  return n.kind === 'apply' && n.op === 'select';
}

/** What a stable form's value is: its first argument (`rules.ts`). */
function valueNode(n: Node): Node {
  return n.kind === 'apply' && primitive(n.op).stable === true ? valueNode(n.args[0]!) : n;
}

/**
 * The φ rules of DESIGN.md §5: a constant condition picks its arm; equal arms need no φ; a negated
 * condition swaps the arms; a φ nested in an arm of a φ on the same condition is that arm; a factor
 * or a term common to both arms moves out of the φ.
 */
export function simplifyPhi(g: Builder, c: Node, whenTrue: Node, whenFalse: Node): Node | undefined {
  if (c.kind === 'const') return c.value ? whenTrue : whenFalse;
  if (whenTrue === whenFalse) return whenTrue;
  // `c ? stop(w) : w` in a derivative (a closed form's weight, kept from 0·∞ in one arm) is w.
  if (g.derivatives && valueNode(whenTrue) === valueNode(whenFalse)) return valueNode(whenFalse);
  if (c.kind === 'apply' && c.op === '!') return g.call('select', c.args[0]!, whenFalse, whenTrue);
  if (isPhi(whenTrue) && whenTrue.args[0] === c) return g.call('select', c, whenTrue.args[1]!, whenFalse);
  if (isPhi(whenFalse) && whenFalse.args[0] === c) return g.call('select', c, whenTrue, whenFalse.args[2]!);
  // Inside an arm, `c` is decided: a nested condition that tests it again (`!c && d`, the path of
  // what follows `if (c) return`) is simpler there.
  for (const [arm, value] of [[whenTrue, true], [whenFalse, false]] as const) {
    if (!isPhi(arm)) continue;
    const decided = decide(g, arm.args[0]!, c, value, 8);
    if (decided !== arm.args[0]) {
      const simpler = g.call('select', decided, arm.args[1]!, arm.args[2]!);
      return value ? g.call('select', c, simpler, whenFalse) : g.call('select', c, whenTrue, simpler);
    }
  }
  if (whenTrue.kind === 'apply' && whenFalse.kind === 'apply' && whenTrue.op === whenFalse.op && (whenTrue.op === '*' || whenTrue.op === '+')) {
    const [a1, a2] = whenTrue.args as [Node, Node];
    const [b1, b2] = whenFalse.args as [Node, Node];
    const combine = (shared: Node, x: Node, y: Node): Node => g.apply(whenTrue.op, [shared, g.call('select', c, x, y)]);
    if (a1 === b1) return combine(a1, a2, b2);
    if (a2 === b2) return combine(a2, a1, b1);
    if (a1 === b2) return combine(a1, a2, b1);
    if (a2 === b1) return combine(a2, a1, b2);
  }
  return undefined;
}

/** Condition `n` where `c` is known to be `value`: `c` and `!c` among its `&&`/`||` operands fold. */
function decide(g: Builder, n: Node, c: Node, value: boolean, depth: number): Node {
  if (n === c) return g.constant(value ? 1 : 0);
  if (n.kind !== 'apply' || depth === 0) return n;
  if (n.op === '!' && n.args[0] === c) return g.constant(value ? 0 : 1);
  if (n.op !== '&&' && n.op !== '||') return n;
  const a = decide(g, n.args[0]!, c, value, depth - 1);
  const b = decide(g, n.args[1]!, c, value, depth - 1);
  return a === n.args[0] && b === n.args[1] ? n : g.call(n.op, a, b);
}

/** `c * x` with a constant `c`. */
function isScaled(n: Node): n is ApplyNode & { readonly args: readonly [ConstNode, Node] } {
  return n.kind === 'apply' && n.op === '*' && n.args[0]!.kind === 'const';
}

/** `-x`, a negative constant, or `c * x`, `c / x` with a negative constant `c`: written better as a subtraction. */
function isNegative(n: Node): boolean {
  if (n.kind === 'const') return n.value < 0;
  return isNeg(n) || (n.kind === 'apply' && (n.op === '*' || n.op === '/') && n.args[0]!.kind === 'const' && n.args[0].value < 0);
}

/** `-n`, exactly; for a negative `n` (see `isNegative`) without a negation left over. */
function negated(g: Builder, n: Node): Node {
  if (isNeg(n)) return n.args[0]!;
  return g.neg(n);
}

/**
 * May the constant `c` of a product move to the front of it? Always in derivatives; in values, only
 * an integer 2 ≤ |c| ≤ 2⁵³ (a loop's `2 * x[i] * y[i]` becomes `2 * Σ`): then c·(u·v) overflows only
 * where (c·u)·v does, and differs from it by rounding alone, where a 0 or a fraction would not
 * (0·(x·x) is NaN where x·(0·x) is 0; 0.5·(u·v) overflows where (0.5·u)·v does not).
 */
function gathers(g: Builder, c: ConstNode): boolean {
  return g.derivatives || (Number.isInteger(c.value) && Math.abs(c.value) >= 2 && Math.abs(c.value) <= 2 ** 53);
}

/** Exact rewrites only; `undefined` means "no simpler form". */
export function simplify(g: Builder, op: PrimitiveName, args: readonly Node[]): Node | undefined {
  const rule = primitive(op);
  if (rule.fold !== undefined && args.every((a) => a.kind === 'const')) {
    const value = rule.fold(...args.map((a) => (a as ConstNode).value));
    return g.constant(value);
  }
  const [a, b] = args as [Node, Node];
  switch (op) {
    case '+':
      if (isConst(b, 0) || isConst(b, -0)) return a;
      if (isConst(a, 0) || isConst(a, -0)) return b;
      // φ(c, a₁, b₁) + φ(c, a₂, b₂) = φ(c, a₁ + a₂, b₁ + b₂): adjoints from both arms of one branch meet.
      if (isPhi(a) && isPhi(b) && a.args[0] === b.args[0]) {
        return g.call('select', a.args[0]!, g.add(a.args[1]!, b.args[1]!), g.add(a.args[2]!, b.args[2]!));
      }
      // (x + φ(c, a₁, 0)) + φ(c, 0, b₂) = x + φ(c, a₁, b₂): on either side one of them adds 0. (The
      // adjoints of a branch's two arms, met after a term outside it.)
      if (isPhi(b) && a.kind === 'apply' && a.op === '+') {
        for (const [inner, rest] of [[a.args[0]!, a.args[1]!], [a.args[1]!, a.args[0]!]] as const) {
          const complementary = isPhi(inner) && inner.args[0] === b.args[0] && ((isConst(inner.args[2]!, 0) && isConst(b.args[1]!, 0)) || (isConst(inner.args[1]!, 0) && isConst(b.args[2]!, 0)));
          if (complementary) return g.add(rest, g.add(inner, b));
        }
      }
      if (a === b) return g.mul(g.constant(2), a);
      if (isNegative(b)) return g.sub(a, negated(g, b));
      if (isNegative(a)) return g.sub(b, negated(g, a));
      return undefined;
    case '-':
      if (isConst(b, 0)) return a;
      if (isConst(a, 0)) return g.neg(b);
      if (isNegative(b)) return g.add(a, negated(g, b));
      return undefined;
    case '*':
      if (isConst(b, 1)) return a;
      if (isConst(a, 1)) return b;
      if (isConst(b, -1)) return g.neg(a);
      if (isConst(a, -1)) return g.neg(b);
      if (isNeg(a) && isNeg(b)) return g.mul(a.args[0]!, b.args[0]!);
      if (a.kind === 'const' && isNeg(b)) return g.mul(g.constant(-a.value), b.args[0]!);
      if (isNeg(a)) return g.neg(g.mul(a.args[0]!, b));
      if (isNeg(b)) return g.neg(g.mul(a, b.args[0]!));
      // Constants first: `2 * x` reads like maths, and folds with a constant already in front.
      if (b.kind === 'const' && a.kind !== 'const') return g.mul(b, a);
      if (a.kind === 'const' && isScaled(b) && gathers(g, a) && gathers(g, b.args[0])) return g.mul(g.constant(a.value * b.args[0].value), b.args[1]!);
      // Constants gather in front of a product: (c·u)·v = c·(u·v).
      if (a.kind !== 'const' && isScaled(a) && gathers(g, a.args[0])) return g.mul(a.args[0], g.mul(a.args[1]!, b));
      if (a.kind !== 'const' && isScaled(b) && gathers(g, b.args[0])) return g.mul(b.args[0], g.mul(a, b.args[1]!));
      return undefined;
    case '/':
      if (isConst(b, 1)) return a;
      if (isConst(b, -1)) return g.neg(a);
      if (isNeg(a) && isNeg(b)) return g.div(a.args[0]!, b.args[0]!);
      if (isNeg(a)) return g.neg(g.div(a.args[0]!, b));
      return undefined;
    case 'neg':
      if (isNeg(a)) return a.args[0];
      // -(c·x) = (-c)·x and -(c/x) = (-c)/x: the sign joins the constant.
      if (a.kind === 'apply' && (a.op === '*' || a.op === '/') && a.args[0]!.kind === 'const') {
        return g.apply(a.op, [g.constant(-a.args[0].value), a.args[1]!]);
      }
      return undefined;
    case '**':
      if (isConst(b, 1)) return a;
      if (isConst(b, 0)) return g.constant(1);
      return undefined;
    case 'select':
      return simplifyPhi(g, args[0]!, args[1]!, args[2]!);
    case 'rare':
      // Decided at compile time, it is no longer a case to run again for.
      return a.kind === 'const' ? a : undefined;
    case '===':
    case '!==':
      // -x is 0 where x is (-0 === 0).
      if (isNeg(a) && isConst(b, 0)) return g.call(op, a.args[0]!, b);
      return undefined;
    case '!':
      // !!c is c only for a boolean c; for a number it is the number's truthiness.
      if (a.kind === 'apply' && a.op === '!' && isBoolean(a.args[0]!)) return a.args[0];
      return undefined;
    case '&&':
      if (a.kind === 'const') return a.value ? b : a;
      if (b.kind === 'const' && b.value) return a;
      // Falsy whatever a boolean `a` is: `c && 0`, and `!c && c`, the path of code after
      // `if (c) return` inside a branch on `c` again (unrolled loops make many).
      if (b.kind === 'const' && isBoolean(a)) return g.constant(0);
      if (isBoolean(b) && a.kind === 'apply' && a.op === '!' && a.args[0] === b) return g.constant(0);
      if (isBoolean(a) && b.kind === 'apply' && b.op === '!' && b.args[0] === a) return g.constant(0);
      return a === b ? a : undefined;
    case '||':
      if (a.kind === 'const') return a.value ? a : b;
      if (b.kind === 'const' && !b.value) return a;
      if (isBoolean(b) && a.kind === 'apply' && a.op === '!' && a.args[0] === b) return g.constant(1);
      if (isBoolean(a) && b.kind === 'apply' && b.op === '!' && b.args[0] === a) return g.constant(1);
      return a === b ? a : undefined;
    default:
      return undefined;
  }
}
