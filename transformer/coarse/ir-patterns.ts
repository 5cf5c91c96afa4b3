/** Shapes of update a loop's lowering recognises: increments (reductions) and running extrema. */
import { dependsOn, type Node } from './nodes.js';

/**
 * Is `n` the sum of `leaf` and terms that do not read it (`leaf + e`, `leaf - e`, a φ of such,
 * a sum started from such)? Then a loop updating `leaf` to `n` is a reduction.
 */
export function isIncrementOf(n: Node, leaf: Node): boolean {
  if (n === leaf) return true;
  const free = (m: Node) => !dependsOn(m, leaf);
  if (n.kind === 'apply') {
    const [a, b, c] = n.args as [Node, Node, Node];
    if (n.op === '+') return (isIncrementOf(a, leaf) && free(b)) || (isIncrementOf(b, leaf) && free(a));
    if (n.op === '-') return isIncrementOf(a, leaf) && free(b);
    if (n.op === 'select') return free(a) && isIncrementOf(b, leaf) && isIncrementOf(c, leaf);
    return false;
  }
  if (n.kind === 'sum') return n.factor === undefined && isIncrementOf(n.init, leaf) && free(n.body);
  return false;
}

/**
 * `Math.max(leaf, e)` (or `min`) with `e` not reading `leaf`, or `e > leaf ? e : leaf` (`<` for min):
 * an extremum reduction, and the value `e` it compares.
 */
export function extremumOf(n: Node, leaf: Node): { extremum: 'max' | 'min'; value: Node; nanWins: boolean } | undefined {
  if (n.kind !== 'apply') return undefined;
  const free = (m: Node) => !dependsOn(m, leaf);
  if ((n.op === 'max' || n.op === 'min') && n.args.length === 2) {
    const [a, b] = n.args as [Node, Node];
    if (a === leaf && free(b)) return { extremum: n.op, value: b, nanWins: true };
  }
  if (n.op === 'select') {
    const [c, whenTrue, whenFalse] = n.args as [Node, Node, Node];
    if (whenFalse !== leaf || !free(whenTrue) || c.kind !== 'apply' || c.args[0] !== whenTrue || c.args[1] !== leaf) return undefined;
    if (c.op === '>') return { extremum: 'max', value: whenTrue, nanWins: false };
    if (c.op === '<') return { extremum: 'min', value: whenTrue, nanWins: false };
  }
  return undefined;
}
