/**
 * Store or recompute (DESIGN.md §6, the last cut). A value computed in one pass over a loop and read
 * again, iteration by iteration, in a later pass over the same loop (the forward sum and the reverse
 * scatter of `Σ exp(x_i − a)`) is either computed again there or kept, per iteration, in a scratch
 * buffer the companion reuses across calls. Keeping costs a store, a load and a check of the buffer's
 * length before the loop; recomputing costs the value's operations. This module prices those.
 */
import { loopsOf, type Loop, type Node } from './nodes.js';
import { primitive, type PrimitiveName } from '../rules.js';

/**
 * The price of an operation, in additions: a call to a transcendental function is tens of times an
 * addition in V8, a square root or a division a few, a typed array's load or store about one.
 */
const expensive = new Set<PrimitiveName>(['exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'cbrt', 'hypot']);
const TRANSCENDENTAL = 20;
const DIVISION = 4;

/** What keeping a value costs per iteration: its store, its load in each later pass, and its share of the length check. */
export const KEEPING_COST = 3;

/**
 * What computing `n` again in one iteration of `loop` costs: its own operation and those of the
 * operands it would bring along that also vary with the loop (an invariant operand is computed
 * once, before the loop). An operand that is a costly call or a sum over an inner loop is counted
 * as a load: it is worth keeping on its own, so the later pass reads it back from its own buffer. An estimate from above: an
 * operand the later pass needs anyway is counted.
 */
export function recomputationCost(n: Node, loop: Loop): number {
  let cost = 0;
  const seen = new Set<Node>();
  const pending: Node[] = [n];
  // Bounded: past this, keeping wins whatever the rest costs.
  while (pending.length > 0 && cost <= 10 * TRANSCENDENTAL) {
    const m = pending.pop()!;
    if (seen.has(m) || !loopsOf(m).has(loop)) continue;
    seen.add(m);
    const own = ownCost(m);
    if (m !== n && (m.kind === 'apply' || m.kind === 'sum') && own >= TRANSCENDENTAL) {
      cost += 1;
      continue;
    }
    cost += own;
    if (m.kind === 'load') pending.push(m.index);
    // A stable form (`rules.ts`) computes its value from its first argument alone.
    else if (m.kind === 'apply') pending.push(...(primitive(m.op).stable === true ? [m.args[0]!] : m.args));
    else if (m.kind === 'sum' || m.kind === 'scan') pending.push(m.body, m.init);
  }
  return cost;
}

/** What computing `m` itself costs, its operands aside. */
function ownCost(m: Node): number {
  switch (m.kind) {
    case 'apply':
      return operationCost(m.op, m.args);
    // A reduction over a loop nested in this one: computing it again runs that loop again.
    case 'sum':
    case 'scan':
      return TRANSCENDENTAL;
    case 'index':
    case 'const':
    case 'param':
      return 0;
    // A load, or a loop's own result or state read inside it (named, read, not recomputed here).
    default:
      return 1;
  }
}

function operationCost(op: PrimitiveName, args: readonly Node[]): number {
  if (expensive.has(op)) return TRANSCENDENTAL;
  if (op === '**' || op === 'pow') {
    // `x ** 2` is a multiplication to V8; a power of a run-time or fractional exponent is a call.
    const exponent = args[1]!;
    return exponent.kind === 'const' && Number.isInteger(exponent.value) && Math.abs(exponent.value) <= 3 ? 2 : TRANSCENDENTAL;
  }
  if (op === '/' || op === '%' || op === 'sqrt') return DIVISION;
  return 1;
}

/**
 * Is `n`, computed in a pass over `loop` and read in a later one, worth keeping rather than
 * recomputing? When recomputing costs four times what keeping does: a big buffer is read from
 * memory further away than the registers a short chain of arithmetic works in.
 */
export function worthKeeping(n: Node, loop: Loop): boolean {
  const value = n.kind === 'sum' || (n.kind === 'apply' && primitive(n.op).boolean !== true && n.op !== 'select');
  return value && recomputationCost(n, loop) >= 4 * KEEPING_COST;
}
