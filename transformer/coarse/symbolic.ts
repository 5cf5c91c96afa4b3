/**
 * differentiate: symbolic reverse mode over segments (DESIGN.md §3, §6). Each segment's partials
 * w.r.t. its inputs are derived as whole expressions on the hash-consed DAG, so they share nodes with
 * the forward computation and with each other; then adjoints flow from cut to cut:
 * `adj(in_j) += adj(out) * ∂out/∂in_j`.
 */
import { cancellingProduct, splitSum } from './algebra.js';
import { dependsOn, isConst, loopsOf, operationCount, reads, type Graph, type Node, type RecurrenceNode, type ScatterNode } from './ir.js';
import { substitute } from './ir-rewrite.js';
import { primitive } from '../rules.js';
import { newStats, simplifyGuarded, type SimplifyOptions, type SimplifyStats } from './simplify.js';
import { bodyInputs, bodyOf, defaultSegmentLimit, differentiableArgs, segmentsOfInterest, wholeFunction, type Scope, type Segment } from './soi.js';

export interface SegmentPartials {
  readonly segment: Segment;
  /** ∂root/∂input for each input that the root depends on differentiably. */
  readonly partials: ReadonlyMap<Node, Node>;
}

export interface Derivative {
  readonly segments: readonly SegmentPartials[];
  /** The adjoint of each cut (the seeds' given), and of each input from outside the scope. */
  readonly adjoints: ReadonlyMap<Node, Node>;
  /** Adjoints of array elements read at run-time indices: `gradient[index] += value`. */
  readonly scatters: readonly ScatterNode[];
}

/**
 * `adjoint · partial`, keeping structural zeros. A φ with a zero arm takes the product into its
 * arms: the adjoint of a branch's untaken arm is no adjoint at all, not `0 ·` something that may
 * be NaN there, and the partial is then evaluated only in the arm that needs it.
 */
export function scale(g: Graph, adjoint: Node, partial: Node): Node {
  if (isConst(partial, 0) || isConst(adjoint, 0)) return g.constant(0);
  if (isConst(partial, 1)) return adjoint;
  if (isConst(adjoint, 1)) return partial;
  // The adjoint's φ first: it comes from the enclosing branch, so the partial's φ nests inside it,
  // as the branches nest in the source.
  for (const [phi, other, phiFirst] of [[adjoint, partial, true], [partial, adjoint, false]] as const) {
    if (phi.kind === 'apply' && phi.op === 'select' && (hasZeroArm(phi) || (isConst(phi.args[1]!) && isConst(phi.args[2]!)))) {
      const arm = (a: Node): Node => (phiFirst ? scale(g, a, other) : scale(g, other, a));
      return g.call('select', phi.args[0]!, arm(phi.args[1]!), arm(phi.args[2]!));
    }
  }
  // An adjoint known only at run time may be 0 there (a reverse loop's state where the value it
  // carries is not used on the path taken); `0 · ∂` is then 0, as the operation tape skips it, not
  // NaN from a partial that is infinite where the primal's unused value is. A product is already
  // inside the guard of the adjoint it scales (the guard is a φ with a zero arm, taken in above);
  // where adjoints meet, a sum or a φ, is where a zero arrives again.
  // And a partial that may be infinite (`(1 − tanh²(e))·e` of an `e = exp(x)` that overflowed),
  // times an adjoint that may be 0 because such a value saturated (1 − tanh²(∞)): the tape skips
  // that adjoint too. Unless the product is finite by its form, as a logistic's or a softplus's is
  // (`cancellingProduct`); a partial that reads only inputs (`x` of `tanh(w * x)`) is finite.
  // A reverse loop's adjoint can also overflow, a product of many finite partials (`s = s * x[i]`
  // from 0: the adjoint of s is Π x[j], the partial for x[i] the state 0): it then sends nothing
  // along a partial that is 0, as the tape does, the true product being 0 and not ∞·0.
  const product = cancellingProduct(g, adjoint, partial);
  const runtime = !isScaling(unscaled(adjoint)) && readsRuntimeAdjoint(adjoint);
  if (partial.kind !== 'const' && (runtime || zeroOnSomePath(adjoint) || (saturates(adjoint, (n) => g.isPrimal(n)) && mayOverflow(partial) && mayOverflow(product)))) {
    const zero = g.constant(0);
    const sent = runtime ? g.call('select', g.call('!==', partial, zero), product, zero) : product;
    return g.call('select', g.call('!==', adjoint, zero), sent, zero);
  }
  return product;
}

/**
 * An adjoint that is 0 on some path: a φ with an arm that is (or is 0 on some path itself), a sum
 * of such adjoints (where the branches took none of its terms), a loop's sum from 0 (where the loop
 * runs no iteration), or a constant times one of these. It is then 0 at run time though not at
 * compile time.
 */
function zeroOnSomePath(n: Node): boolean {
  if (n.kind === 'sum') return isConst(n.init, 0);
  if (n.kind !== 'apply') return false;
  const known = zeroSomewhere.get(n);
  if (known !== undefined) return known;
  let result = false;
  if (n.op === 'select') result = hasZeroArm(n) || zeroOnSomePath(n.args[1]!) || zeroOnSomePath(n.args[2]!);
  else if (n.op === '+' || n.op === '-') result = n.args.every(zeroOnSomePath);
  else if (n.op === 'neg') result = zeroOnSomePath(n.args[0]!);
  else if (n.op === '*') result = (isConst(n.args[0]!) && zeroOnSomePath(n.args[1]!)) || (isConst(n.args[1]!) && zeroOnSomePath(n.args[0]!));
  zeroSomewhere.set(n, result);
  return result;
}

const zeroSomewhere = new WeakMap<Node, boolean>();

/** Functions whose value overflows to ±∞ from a finite argument, where what follows can still be finite. */
const overflowing = new Set(['exp', 'expm1', 'cosh', 'sinh', 'pow', '**', 'fround']);
/** Functions whose value is finite whatever their finite or infinite arguments. */
const bounded = new Set(['sin', 'cos', 'tanh', 'atan', 'atan2', 'sign', '<', '<=', '>', '>=', '===', '!==', '!', '&&', '||', 'isUndefined', 'isNullish']);

/**
 * May `n` be ±∞ where the primal is finite: an overflowing function's value, a product of two values
 * that vary (`s * s` squared in a loop), or what is computed from one, short of a function that
 * bounds it or a denominator (`1 / (1 + e)` is finite).
 */
function mayOverflow(n: Node): boolean {
  if (n.kind === 'const') return !Number.isFinite(n.value);
  // A loop's sum of values that may overflow (`Σ x·x[j]²`), and a loop's state on the tape (`s *= x[i]`),
  // after the loop or inside it.
  if (n.kind === 'sum') return n.factor !== undefined || mayOverflow(n.body) || mayOverflow(n.init);
  if (n.kind === 'exit' || n.kind === 'carried') return true;
  if (n.kind !== 'apply') return false;
  const known = overflows.get(n);
  if (known !== undefined) return known;
  let result: boolean;
  if (bounded.has(n.op)) result = false;
  else if (overflowing.has(n.op)) result = !n.args.every((a) => a.kind === 'const');
  else if (n.op === '*') result = n.args.every((a) => a.kind !== 'const') || n.args.some(mayOverflow);
  else if (n.op === '/') result = mayOverflow(n.args[0]!);
  else result = n.args.some(mayOverflow);
  overflows.set(n, result);
  return result;
}

const overflows = new WeakMap<Node, boolean>();

/** Functions that tend to a constant at ±∞, so that their derivative there is 0 (`sin` is NaN there). */
const flattening = new Set(['tanh', 'atan', 'atan2', 'exp', 'expm1']);

/**
 * May `n` be 0 because a value that may overflow saturated: read as a denominator (`1 / (1 + ∞)`,
 * the partial 1/(1 + u²) of `Math.atan`), or by a function that flattens out there
 * (`1 − tanh²(∞)`, `exp(−∞)`). Not a derivative's division by a root the function computed
 * (`0.5 / r` of `r = Math.sqrt(s)`, `1 / n / r` of a norm divided by n; a root a rule makes, as
 * `Math.atan2`'s past the range of squares, does count): that is 0 only where the
 * root is ∞, where either the primal is not finite or a function that bounds the root follows,
 * whose own saturation is what is found. (A division the function itself makes, `x / Math.sqrt(s)`,
 * is 0 there with a finite value: `primal`.)
 */
function saturates(n: Node, primal: (n: Node) => boolean): boolean {
  if (n.kind === 'sum') return saturates(n.body, primal) || saturates(n.init, primal);
  if (n.kind !== 'apply') return false;
  const known = saturating.get(n);
  if (known !== undefined) return known;
  const inner = (a: Node) => saturates(a, primal);
  let result: boolean;
  if (n.op === '/') result = (mayOverflow(n.args[1]!) && (primal(n) || !(isRoot(n.args[1]!) && primal(n.args[1]!)))) || n.args.some(inner);
  else if (flattening.has(n.op)) result = n.args.some((a) => mayOverflow(a) || inner(a));
  else result = n.args.some(inner);
  saturating.set(n, result);
  return result;
}

const saturating = new WeakMap<Node, boolean>();

/** A root or norm, or a power or product of such: ∞ exactly where what it is taken of is. */
function isRoot(n: Node): boolean {
  if (n.kind !== 'apply') return false;
  if (n.op === 'sqrt' || n.op === 'cbrt' || n.op === 'hypot' || n.op === 'norm') return true;
  if (n.op === '*') return n.args.every((a) => a.kind === 'const' || isRoot(a));
  return false;
}

/** `n` without constant factors and signs: `1.5 * d` is `d`, a carried adjoint no guard has seen yet. */
function unscaled(n: Node): Node {
  while (n.kind === 'apply') {
    if (n.op === 'neg') n = n.args[0]!;
    else if (n.op === '*' && n.args[0]!.kind === 'const') n = n.args[1]!;
    else if (n.op === '*' && n.args[1]!.kind === 'const') n = n.args[0]!;
    else if (n.op === '/' && n.args[1]!.kind === 'const') n = n.args[0]!;
    else break;
  }
  return n;
}

function isScaling(n: Node): boolean {
  return n.kind === 'apply' && (n.op === '*' || n.op === '/' || n.op === 'neg');
}

const runtimeAdjoint = new WeakMap<Node, boolean>();

/** Does `n` read an adjoint that only the run time knows: a reverse loop's state, or what it leaves? */
function readsRuntimeAdjoint(n: Node): boolean {
  const known = runtimeAdjoint.get(n);
  if (known !== undefined) return known;
  let result: boolean;
  if (n.kind === 'carried') result = n.loop.reverses !== undefined && n.popped !== true;
  else if (n.kind === 'exit') result = n.recurrence.forward !== undefined;
  else if (n.kind === 'const' || n.kind === 'param' || n.kind === 'index' || n.kind === 'load' || n.kind === 'opaque') result = false;
  else result = reads(n).some(readsRuntimeAdjoint);
  runtimeAdjoint.set(n, result);
  return result;
}

function hasZeroArm(phi: Node & { readonly args: readonly Node[] }): boolean {
  return isConst(phi.args[1]!, 0) || isConst(phi.args[2]!, 0);
}

function accumulate(g: Graph, into: Map<Node, Node>, key: Node, term: Node): void {
  if (isConst(term, 0)) return;
  const before = into.get(key);
  into.set(key, before === undefined ? term : g.add(before, term));
}

/** ∂root/∂input for every input of one segment, by reverse accumulation inside the segment. */
export function segmentPartials(g: Graph, segment: Segment, options?: DifferentiateOptions): SegmentPartials {
  const inputs = new Set(segment.inputs);
  const local = new Map<Node, Node>([[segment.root, g.constant(1)]]);
  const partials = new Map<Node, Node>();
  for (let k = segment.nodes.length - 1; k >= 0; k--) {
    const n = segment.nodes[k]!;
    const adjoint = local.get(n);
    if (adjoint === undefined || n.kind !== 'apply') continue;
    const rule = primitive(n.op).partials<Node>(g, n.args, n);
    const flowing = new Set(differentiableArgs(n));
    n.args.forEach((arg, i) => {
      const p = rule[i];
      if (p === null || p === undefined || !flowing.has(arg)) return;
      accumulate(g, inputs.has(arg) ? partials : local, arg, scale(g, adjoint, p));
    });
  }
  const simplify = options?.simplify;
  if (simplify !== undefined) {
    // Kept only if the segment as a whole gets cheaper: a simplified partial that no longer shares
    // a subexpression with its siblings or with the segment's value can cost more than it saves.
    const simplified = new Map([...partials].map(([input, p]) => [input, simplifyGuarded(g, p, simplify, options!.stats)] as const));
    if (operationCount([segment.root, ...simplified.values()]) < operationCount([segment.root, ...partials.values()])) return { segment, partials: simplified };
  }
  return { segment, partials };
}

/**
 * Reverse mode from `seeds` (a value and its adjoint) within a scope. A sum `init + Σ body` passes
 * its adjoint to `init`, and differentiates its body in the body's own scope: what the body reads
 * from outside the loop receives the sum over the iterations of its adjoint there, itself a sum.
 */
export interface DifferentiateOptions {
  /** The largest segment (`soi.ts`). */
  readonly limit: number;
  /** Guarded simplification of each partial (`simplify.ts`); none if undefined. */
  readonly simplify: SimplifyOptions | undefined;
  readonly stats: SimplifyStats;
}

export function differentiate(
  g: Graph,
  seeds: readonly (readonly [Node, Node])[],
  inScope: Scope = wholeFunction,
  options: DifferentiateOptions = { limit: defaultSegmentLimit, simplify: undefined, stats: newStats() },
): Derivative {
  const segmentation = segmentsOfInterest(seeds.map(([n]) => n), inScope, options.limit);
  const segments = segmentation.segments.map((s) => (s.root.kind === 'sum' ? { segment: s, partials: new Map<Node, Node>() } : segmentPartials(g, s, options)));
  const adjoints = new Map<Node, Node>();
  for (const [n, seed] of seeds) accumulate(g, adjoints, n, seed);
  const scatters: ScatterNode[] = [];
  for (let k = segments.length - 1; k >= 0; k--) {
    const { segment, partials } = segments[k]!;
    const root = segment.root;
    // A recurrence has no value of its own: its exits carry the adjoints.
    if (root.kind === 'recurrence') {
      scatters.push(...reverseRecurrence(g, root, adjoints, options));
      continue;
    }
    const adjoint = adjoints.get(root);
    if (adjoint === undefined) continue;
    if (root.kind === 'sum') {
      if (root.init.active) accumulate(g, adjoints, root.init, adjoint);
      const body = differentiate(g, [[root.body, adjoint]], bodyOf(root), options);
      for (const input of bodyInputs(root)) {
        const perIteration = body.adjoints.get(input);
        if (perIteration !== undefined) accumulate(g, adjoints, input, splitSum(g, root.loop, perIteration, g.constant(0), 'adjoint'));
      }
      // A scatter is made once per iteration: one that reads neither the counter nor anything that
      // changes with it would be moved out of the loop as if it were made once, so it adds the sum
      // over the iterations instead.
      for (const scatter of body.scatters) {
        scatters.push(
          loopsOf(scatter).has(root.loop)
            ? g.scatter(scatter.param, scatter.index, scatter.value, [root.loop, ...scatter.within])
            : g.scatter(scatter.param, scatter.index, splitSum(g, root.loop, scatter.value, g.constant(0), 'adjoint'), scatter.within),
        );
      }
      continue;
    }
    for (const [input, partial] of partials) accumulate(g, adjoints, input, scale(g, adjoint, partial));
  }
  // Elements read at run-time indices in this scope send their adjoints to the gradient array.
  for (const cut of segmentation.cuts) {
    const adjoint = adjoints.get(cut);
    if (cut.kind === 'load' && inScope(cut) && adjoint !== undefined) scatters.push(g.scatter(cut.param, cut.index, adjoint));
  }
  return { segments, adjoints, scatters };
}

/**
 * The adjoint of a recurrence `x ← next(x, i)`: a recurrence of its own, run backwards over the
 * forward state popped from the tape. Its state is the adjoint of `x` (starting from the adjoints of
 * the exits) and one accumulator per value the loop reads from outside; each step applies the
 * transposed Jacobian of `next`, derived here once, symbolically. Returns the scatters of elements
 * read at run-time indices in the loop.
 */
function reverseRecurrence(g: Graph, forward: RecurrenceNode, adjoints: Map<Node, Node>, options: DifferentiateOptions): ScatterNode[] {
  const zero = g.constant(0);
  let exitAdjoints = forward.carried.map((_, k) => adjoints.get(g.exit(forward, k)) ?? zero);
  if (exitAdjoints.every((a) => isConst(a, 0))) return [];
  // A loop inside a branch gets its exits' adjoints only where the branch is taken: the reverse
  // loop runs there, and what it returns is guarded the same way.
  const guards: { cond: Node; taken: boolean }[] = [];
  for (;;) {
    const guard = commonGuard(exitAdjoints);
    if (guard === undefined) break;
    guards.push(guard);
    exitAdjoints = exitAdjoints.map((a) => (isConst(a, 0) ? a : (a as Node & { args: Node[] }).args[guard.taken ? 1 : 2]!));
  }
  const guarded = (n: Node) => guards.reduceRight((v, { cond, taken }) => (taken ? g.call('select', cond, v, zero) : g.call('select', cond, zero, v)), n);
  // Only the state that reaches a used exit has an adjoint: a variable the loop carries but nothing
  // after it reads would otherwise send `0 · ∂next` (NaN where the partial is infinite) into the rest.
  const live = liveSlots(forward, exitAdjoints);
  const reverse = g.reverseLoop(forward.loop);
  const seeds = live.map((k, slot) => g.carried(reverse, `d${forward.carried[k]!.name}`, slot));
  const step = differentiate(g, live.map((k, slot) => [forward.next[k]!, seeds[slot]!] as const), bodyOf(forward), options);
  // The step reads the forward state and counter as the reverse loop pops them.
  const popped = new Map<Node, Node>([[g.index(forward.loop), g.index(reverse)], ...forward.carried.map((c, k) => [c, g.carried(reverse, c.name, k, true)] as const)]);
  const backwards = (n: Node) => substitute(g, n, popped);
  const inputs = bodyInputs(forward).filter((u) => step.adjoints.has(u));
  const width = live.length;
  const accumulators = inputs.map((u, j) => g.carried(reverse, `d${u.kind === 'param' ? u.name : 'in'}`, width + j));
  const backward = g.recurrence(
    reverse,
    [...seeds, ...accumulators],
    [...live.map((k) => exitAdjoints[k]!), ...inputs.map(() => zero)],
    [...live.map((k) => backwards(step.adjoints.get(forward.carried[k]!) ?? zero)), ...inputs.map((u, j) => g.add(accumulators[j]!, backwards(step.adjoints.get(u)!)))],
    { forward },
  );
  live.forEach((k, slot) => {
    const init = forward.inits[k]!;
    if (init.active) accumulate(g, adjoints, init, guarded(g.exit(backward, slot)));
  });
  inputs.forEach((u, j) => accumulate(g, adjoints, u, guarded(g.exit(backward, width + j))));
  return step.scatters.map((s) => g.scatter(s.param, backwards(s.index), guarded(backwards(s.value)), [reverse, ...s.within]));
}

/** The slots of a recurrence's state whose adjoints are not zero: those with a used exit, and what their updates read. */
function liveSlots(forward: RecurrenceNode, exitAdjoints: readonly Node[]): number[] {
  const live = new Set(exitAdjoints.flatMap((a, k) => (isConst(a, 0) ? [] : [k])));
  for (let grew = true; grew; ) {
    grew = false;
    for (const k of [...live]) {
      forward.carried.forEach((c, j) => {
        if (!live.has(j) && dependsOn(forward.next[k]!, c)) {
          live.add(j);
          grew = true;
        }
      });
    }
  }
  return [...live].sort((a, b) => a - b);
}

/** The branch every nonzero adjoint sits in, as `φ(c, a, 0)` or `φ(c, 0, a)`, if they share one. */
function commonGuard(adjoints: readonly Node[]): { cond: Node; taken: boolean } | undefined {
  let found: { cond: Node; taken: boolean } | undefined;
  for (const a of adjoints) {
    if (isConst(a, 0)) continue;
    if (a.kind !== 'apply' || a.op !== 'select') return undefined;
    const taken = isConst(a.args[2]!, 0) ? true : isConst(a.args[1]!, 0) ? false : undefined;
    if (taken === undefined) return undefined;
    if (found !== undefined && (found.cond !== a.args[0] || found.taken !== taken)) return undefined;
    found = { cond: a.args[0]!, taken };
  }
  return found;
}
