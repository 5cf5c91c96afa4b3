/**
 * What a run-time loop computes, from its body lowered once (`lower-loops.ts`, DESIGN.md §5): the
 * carried variables as reductions (sums, and maxima and minima as scans), as closed forms (an
 * affine recurrence `x = a·x + b_i`), or else as a recurrence on the tape.
 */
import type ts from 'typescript';
import { splitSum } from './algebra.js';
import type { Var } from '../front/core.js';
import { codes, unsupported } from '../diagnostics.js';
import { dependsOn, isConst, loopsOf, type CarriedNode, type Graph, type Loop, type Node, type RecurrenceNode } from './ir.js';
import { LoopReuse, substitute } from './ir-rewrite.js';
import { extremumOf, isIncrementOf } from './ir-patterns.js';
import type { Lowering, Value } from './lowering.js';

/**
 * A loop on the tape nests only in run-time loops that add up what it computes. Inside an outer
 * loop on the tape, it would have to run forward again in the outer reverse loop; a maximum over
 * the outer loop, or an array it writes, reads it back at another iteration, where it is not kept.
 */
export function refuseNested(lo: Lowering, innerBefore: number, outer: string): void {
  if (lo.innerRecurrences.length === innerBefore) return;
  unsupported(
    codes.unsupportedSyntax,
    lo.innerRecurrences[innerBefore]!,
    `a loop that runs a run-time number of times and carries a recurrence (or breaks, or runs while a condition holds) is not differentiated yet inside ${outer}, only inside a loop that adds up what it computes (\`s += ...\`). Give one of the loops a constant trip count, or move the outer loop to an unmarked caller.`,
  );
}

/** What one iteration of a run-time loop does to the variables it carries. */
export interface Updates {
  readonly loop: Loop;
  readonly leaves: ReadonlyMap<Var, CarriedNode>;
  /** Each carried variable after an iteration, in terms of the leaves. */
  readonly updated: ReadonlyMap<Var, Node>;
  readonly initial: (v: Var) => { node: Node };
}

/**
 * The loop's updates as reductions: each variable only added to (`s += e_i`), or replaced by a
 * maximum or minimum, from values that do not read the other updated variables. `undefined` if the
 * loop is not made of such reductions alone.
 */
function reductions(lo: Lowering, { loop, leaves, updated, initial }: Updates): Map<Var, Value> | undefined {
  const g = lo.graph;
  const exitValues = new Map<Var, Value>();
  const readsOthers = (n: Node) => [...leaves.values()].some((other) => dependsOn(n, other));
  for (const [symbol, leaf] of leaves) {
    const next = updated.get(symbol)!;
    const extremum = extremumOf(next, leaf);
    if (extremum !== undefined) {
      if (readsOthers(extremum.value)) return undefined;
      // `m = Math.max(m, e_i)`: the first iteration k that beats everything before is recorded,
      // and m is e_k (or its initial value): a φ, differentiated as one.
      const k = g.scan(loop, extremum.value, initial(symbol).node, extremum.extremum, extremum.nanWins);
      const atK = substitute(g, extremum.value, new Map([[g.index(loop), k]]));
      exitValues.set(symbol, { kind: 'number', node: g.call('select', g.call('>=', k, g.constant(0)), atK, initial(symbol).node) });
      continue;
    }
    if (!isIncrementOf(next, leaf)) return undefined;
    const increment = substitute(g, next, new Map([[leaf, g.constant(0)]]));
    if (readsOthers(increment)) return undefined;
    exitValues.set(symbol, { kind: 'number', node: splitSum(g, loop, increment, initial(symbol).node, symbol.name) });
  }
  return exitValues;
}

/**
 * Closed forms (DESIGN.md §5): each variable updated as `x ← a·x + b_i`, with `a` the same in every
 * iteration and neither `a` nor `b_i` reading what the loop carries, is `aⁿ·x₀ + Σ_t b_t·a^(n−1−t)`
 * after n iterations: a power and a sum, differentiated with no tape (the value itself is the
 * loop's, in Horner's form). `undefined` unless every variable is such.
 */
function closedForms(lo: Lowering, { loop, leaves, updated, initial }: Updates): Map<Var, Value> | undefined {
  const g = lo.graph;
  const counter = g.index(loop);
  const free = (n: Node, also?: Node) => [...leaves.values()].every((leaf) => !dependsOn(n, leaf)) && (also === undefined || !dependsOn(n, also));
  const forms = new Map<Var, { a: Node; b: Node }>();
  for (const [symbol, leaf] of leaves) {
    const form = affineIn(g, updated.get(symbol)!, leaf);
    // `a` is raised to the trip count after the loop: it must be computable there, not the result
    // of a loop on the tape that runs in each iteration (a helper's loop), whatever it reads.
    if (form === undefined || !free(form.a, counter) || !free(form.b) || loopsOf(form.a).has(loop)) return undefined;
    // A coefficient that cancels to 0 (`x - (x - b)`) is 0 in exact arithmetic alone: in floating
    // point the update still reads x (b absorbed by a large x is lost, ∞ − ∞ is NaN), so it is not `x = b`.
    if (isConst(form.a, 0) && dependsOn(updated.get(symbol)!, leaf)) return undefined;
    forms.set(symbol, form);
  }
  // Horner's x·a + b is the loop's own value only where the update is written so: `s = s * x + s`
  // is s·(x + 1) in Horner's form, which rounds differently, and is −∞ where the loop's is
  // ∞ − ∞ (NaN), so that a test after the loop would take another branch. Such a loop (outside
  // run-time loops, where a recurrence can run) computes its value as written, a recurrence run
  // forward only: its derivative is the closed form's, so nothing goes on the tape.
  // (An `a` of 0 takes the last b, a φ, not Horner's form.)
  const asWritten =
    (loop.within ?? []).length === 0 && [...forms].some(([symbol, { a, b }]) => !isConst(a, 0) && !hornerAsWritten(g, updated.get(symbol)!, leaves.get(symbol)!, a, b))
      ? valueLoop(g, loop, leaves, [...leaves.keys()].map((symbol) => initial(symbol).node), [...leaves.keys()].map((symbol) => updated.get(symbol)!))
      : undefined;
  const slotOf = new Map([...leaves.keys()].map((symbol, slot) => [symbol, slot] as const));
  const trips = tripCount(g, loop);
  // The iteration number t of the counter's value i: the last iteration weighs a⁰.
  const remaining = g.sub(g.sub(trips, g.constant(1)), g.div(g.sub(counter, loop.start), g.constant(loop.step)));
  const zero = g.constant(0);
  const exits = new Map<Var, Value>();
  for (const [symbol, { a, b }] of forms) {
    const x0 = initial(symbol).node;
    if (isConst(a, 0)) {
      // `x = b_i`: the last iteration's b, or x₀ where the loop runs none. A φ, differentiated as
      // one; as a sum weighted by powers of 0, an earlier b that is infinite would make 0·∞.
      const last = g.add(loop.start, g.mul(g.sub(trips, g.constant(1)), g.constant(loop.step)));
      const atLast = substitute(g, b, new Map([[counter, last]]));
      const ran = g.call('>', trips, zero);
      // A b computed by a loop that runs in each iteration (a helper's) exists only inside the
      // loop: there, each iteration's b is chosen or not, never multiplied.
      const node = !loopsOf(atLast).has(loop) ? g.call('select', ran, atLast, x0) : splitSum(g, loop, g.call('select', g.call('===', remaining, zero), b, zero), g.call('select', ran, zero, x0), symbol.name);
      exits.set(symbol, { kind: 'number', node });
      continue;
    }
    // The closed form serves the derivative; the value is the loop's own, x ← x·a + b in Horner's
    // form, since the powers overflow where the loop's values do not, or to ∞ − ∞ where those
    // overflow to one ∞ (that a tanh after the loop reads as ±1), and round differently for a < 0.
    // And in the derivative a start or a term that is 0 stays 0 where its power overflows, not
    // 0·∞: a constant x₀ of 0 (`s = s * x` from 0) and a constant b of 0 drop out; an x₀ or a b that
    // is 0 at run time (a state an outer loop carries, `s = s * a + j` at j = 0) is that 0, with the
    // power still its derivative (`stop`ped: with respect to a it is 0). An `a` that is 0 only at
    // run time multiplies in the loop as well: an infinite x there is NaN in the primal too.
    const power = g.apply('**', [a, trips]);
    const carriedOver = isConst(x0, 0) ? zero : g.call('select', g.call('===', x0, zero), g.call('reexpressed', x0, g.mul(x0, g.call('stop', power))), g.mul(power, x0));
    const weight = g.apply('**', [a, remaining]);
    const term = b.kind === 'const' ? g.mul(b, weight) : g.call('select', g.call('===', b, zero), g.call('reexpressed', zero, g.mul(b, g.call('stop', weight))), g.mul(b, weight));
    const closed = isConst(b, 0) ? carriedOver : splitSum(g, loop, term, carriedOver, symbol.name);
    const value = asWritten !== undefined ? g.exit(asWritten, slotOf.get(symbol)!) : g.horner(loop, b, x0, a, symbol.name);
    exits.set(symbol, { kind: 'number', node: g.call('reexpressed', value, closed) });
  }
  return exits;
}

/**
 * The loop's updates as written, on a loop of its own: the closed form's sums run over the loop
 * itself (fused with what else iterates it, in each branch that needs them), and a recurrence's
 * state is one set of variables, computed once where its value is read.
 */
function valueLoop(g: Graph, loop: Loop, leaves: ReadonlyMap<Var, CarriedNode>, inits: readonly Node[], nexts: readonly Node[]): RecurrenceNode | undefined {
  const own = g.loop(loop.start, loop.bound, loop.compare, loop.step, loop.counter, loop.within ?? []);
  const moved = new Map<Node, Node>([[g.index(loop), g.index(own)], ...[...leaves.values()].map((leaf, slot) => [leaf, g.carried(own, leaf.name, slot)] as const)]);
  const memo = new Map<Node, Node>();
  const carried = [...leaves.values()].map((leaf) => moved.get(leaf) as CarriedNode);
  // A helper's loop that runs in each iteration is one node of the loop's own: it cannot move to
  // another loop (the value is then Horner's form's).
  let steps: Node[];
  try {
    steps = nexts.map((next) => substitute(g, next, moved, memo));
  } catch (e) {
    if (e instanceof LoopReuse) return undefined;
    throw e;
  }
  if (steps.some((step) => loopsOf(step).has(loop))) return undefined;
  return g.recurrence(own, carried, inits, steps);
}

/** Is `next` written as `leaf·a + b`, which Horner's form computes exactly as the loop does? */
function hornerAsWritten(g: Graph, next: Node, leaf: Node, a: Node, b: Node): boolean {
  const products = [g.mul(leaf, a), g.mul(a, leaf)];
  return products.some((p) => g.add(p, b) === next || g.add(b, p) === next);
}

/** `n` as `a·leaf + b` with `a`, `b` not reading `leaf`, if it is affine in it. */
function affineIn(g: Graph, n: Node, leaf: Node): { a: Node; b: Node } | undefined {
  if (n === leaf) return { a: g.constant(1), b: g.constant(0) };
  if (!dependsOn(n, leaf)) return { a: g.constant(0), b: n };
  if (n.kind !== 'apply') return undefined;
  const [x, y, z] = n.args as [Node, Node, Node];
  // Both parts given explicitly: a default parameter would stand in for an `undefined` part (one
  // that is not affine) and make a φ of a maximum look affine.
  const both = (combine: (u: Node, v: Node) => Node, p: { a: Node; b: Node } | undefined, q: { a: Node; b: Node } | undefined) =>
    p === undefined || q === undefined ? undefined : { a: combine(p.a, q.a), b: combine(p.b, q.b) };
  switch (n.op) {
    case '+':
      return both((u, v) => g.add(u, v), affineIn(g, x, leaf), affineIn(g, y, leaf));
    case '-':
      return both((u, v) => g.sub(u, v), affineIn(g, x, leaf), affineIn(g, y, leaf));
    case 'neg': {
      const p = affineIn(g, x, leaf);
      return p === undefined ? undefined : { a: g.neg(p.a), b: g.neg(p.b) };
    }
    case '*': {
      const [scaled, factor] = dependsOn(x, leaf) ? [x, y] : [y, x];
      if (dependsOn(factor, leaf)) return undefined;
      const p = affineIn(g, scaled, leaf);
      // A part that is exactly 0 by construction stays 0 (not `0 * factor`).
      const times = (v: Node) => (isConst(v, 0) ? v : g.mul(factor, v));
      return p === undefined ? undefined : { a: times(p.a), b: times(p.b) };
    }
    case '/': {
      if (dependsOn(y, leaf)) return undefined;
      const p = affineIn(g, x, leaf);
      const over = (v: Node) => (isConst(v, 0) ? v : g.div(v, y));
      return p === undefined ? undefined : { a: over(p.a), b: over(p.b) };
    }
    case 'select':
      if (dependsOn(x, leaf)) return undefined;
      return both((u, v) => g.call('select', x, u, v), affineIn(g, y, leaf), affineIn(g, z, leaf));
    default:
      return undefined;
  }
}

/** How many times a counted loop runs: ⌈(bound − start)/step⌉ for `<`, one more at equality for `<=`. */
function tripCount(g: Graph, loop: Loop): Node {
  const span = g.div(g.sub(loop.bound, loop.start), g.constant(loop.step));
  const n = loop.compare === '<' || loop.compare === '>' ? g.call('ceil', span) : g.add(g.call('floor', span), g.constant(1));
  return g.call('max', g.constant(0), n);
}

/**
 * The loop's updates as a general recurrence (DESIGN.md §5, the residue): its carried variables
 * become the state of a recurrence node, which the companion runs forward pushing the state onto
 * the tape, and backwards popping it.
 */
export function recurrence(
  lo: Lowering,
  at: ts.Node,
  { loop, leaves, updated, initial }: Updates,
  ends: { readonly entry?: Node; readonly goOn?: Node },
  /** How many inner recurrences had been lowered before this loop's body. */
  innerBefore: number,
): Map<Var, Value> {
  const g = lo.graph;
  refuseNested(lo, innerBefore, 'another such loop');
  if (lo.runtimeLoops.length > 0) lo.innerRecurrences.push(at);
  const symbols = [...leaves.keys()];
  const node = g.recurrence(
    loop,
    symbols.map((symbol) => leaves.get(symbol)!),
    symbols.map((symbol) => initial(symbol).node),
    symbols.map((symbol) => updated.get(symbol)!),
    ends,
  );
  return new Map(symbols.map((symbol, slot) => [symbol, { kind: 'number', node: g.exit(node, slot) }]));
}

/**
 * The loop's reductions or closed forms, if it has them. A maximum or a closed form reads the body
 * at another iteration (the one that won, the last one), which an inner loop on the tape cannot give.
 */
export function reducedOrNested(lo: Lowering, updates: Updates, innerBefore: number): Map<Var, Value> | undefined {
  try {
    return reductions(lo, updates) ?? closedForms(lo, updates);
  } catch (e) {
    if (e instanceof LoopReuse) refuseNested(lo, innerBefore, 'a loop that keeps a maximum, a minimum or a last value, or writes an array');
    throw e;
  }
}
