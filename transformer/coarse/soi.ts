/**
 * segment: reuse-centric segments of interest (DESIGN.md §6), first version. A value used more than
 * once is a cut: it is materialised once and gets its own adjoint. Between cuts, the single-use
 * chains and trees under each cut form one segment, whose partials are derived as whole expressions.
 *
 * Segmentation works in a scope: the whole function, or the body of a loop's sum, where the values
 * computed outside the loop are inputs like parameters.
 */
import { loopsOf, type Loop, type Node, type RecurrenceNode, type SumNode } from './ir.js';
import { hasZeroDerivative } from '../rules.js';

export interface Segment {
  /** The cut whose value the segment computes. */
  readonly root: Node;
  /** The segment's operations, root included, in topological order. */
  readonly nodes: readonly Node[];
  /** Cuts, parameters and values from outside the scope that the segment reads, through which adjoints flow on. */
  readonly inputs: readonly Node[];
}

export interface Segmentation {
  /** In topological order of their roots. */
  readonly segments: readonly Segment[];
  readonly cuts: ReadonlySet<Node>;
}

/** A scope of differentiation: the loop whose body it is, or the whole function. */
export type Scope = (n: Node) => boolean;

export const wholeFunction: Scope = () => true;

/** The scope of the body of a sum's or a recurrence's loop: what depends on its counter. */
export function bodyOf(looping: { readonly loop: Loop }): Scope {
  return (n) => loopsOf(n).has(looping.loop);
}

/**
 * The arguments along which an adjoint can flow. For a sum: its initial value, and the values from
 * outside the loop that its body reads (the body itself is differentiated in its own scope).
 */
export function differentiableArgs(n: Node): readonly Node[] {
  if (n.kind === 'sum') return [n.init, ...bodyInputs(n)].filter((a) => a.active);
  if (n.kind === 'recurrence') return [...n.inits, ...bodyInputs(n)].filter((a) => a.active);
  // An exit's adjoint reaches its recurrence, which sends it on backwards through the loop.
  if (n.kind === 'exit') return n.active ? [n.recurrence] : [];
  if (n.kind !== 'apply' || hasZeroDerivative(n.op)) return [];
  // A select's condition is piecewise constant; its arms carry the derivative.
  return (n.op === 'select' ? n.args.slice(1) : n.args).filter((a) => a.active);
}

const inputsMemo = new WeakMap<SumNode | RecurrenceNode, readonly Node[]>();

/** The values computed outside a sum's (or a recurrence's) loop that its body reads. */
export function bodyInputs(sum: SumNode | RecurrenceNode): readonly Node[] {
  const known = inputsMemo.get(sum);
  if (known !== undefined) return known;
  const inScope = bodyOf(sum);
  const inputs = new Set<Node>();
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (!inScope(n)) {
      if (n.active) inputs.add(n);
      return;
    }
    differentiableArgs(n).forEach(visit);
  };
  (sum.kind === 'sum' ? [sum.body] : sum.next).forEach(visit);
  const list = [...inputs].sort((a, b) => a.id - b.id);
  inputsMemo.set(sum, list);
  return list;
}

/**
 * The largest segment, in operations, whose partials are derived as one expression (the plugin's
 * `segmentLimit`). A larger tree of single-use values is cut at its largest subtrees until every
 * piece fits. 32 is where the test corpus and the benchmarks stop changing (README, "Segments"):
 * real segments are smaller, and a bound keeps a pathological one's partials from growing with it.
 */
export const defaultSegmentLimit = 32;

export function segmentsOfInterest(roots: readonly Node[], inScope: Scope = wholeFunction, limit = defaultSegmentLimit): Segmentation {
  const uses = new Map<Node, number>();
  const reached: Node[] = [];
  // What a loop reads from outside gets its adjoint from the loop's own differentiation: it must
  // carry that adjoint on as a cut of its own.
  const readByLoops = new Set<Node>();
  const visit = (n: Node): void => {
    const count = uses.get(n);
    uses.set(n, (count ?? 0) + 1);
    if (count !== undefined) return;
    reached.push(n);
    if (!inScope(n)) return;
    for (const a of differentiableArgs(n)) {
      if (n.kind === 'sum' || n.kind === 'recurrence') readByLoops.add(a);
      visit(a);
    }
  };
  roots.forEach(visit);

  // Inputs from outside the scope, sums and loads have adjoints of their own, like parameters.
  const isCut = (n: Node) =>
    roots.includes(n) || n.kind !== 'apply' || !inScope(n) || readByLoops.has(n) || (uses.get(n) ?? 0) > 1;
  const cuts = new Set<Node>(reached.filter(isCut));
  limitSegments(reached, cuts, inScope, limit);
  const segments: Segment[] = [];
  const segmentRoots = [...cuts].filter((n) => inScope(n) && (n.kind === 'apply' || n.kind === 'sum' || n.kind === 'recurrence')).sort((a, b) => a.id - b.id);
  for (const root of segmentRoots) {
    const nodes: Node[] = [];
    const inputs = new Set<Node>();
    const collect = (n: Node): void => {
      nodes.push(n);
      for (const a of differentiableArgs(n)) {
        if (cuts.has(a) || n.kind === 'sum' || n.kind === 'recurrence') inputs.add(a);
        else collect(a);
      }
    };
    collect(root);
    nodes.sort((a, b) => a.id - b.id);
    segments.push({ root, nodes, inputs: [...inputs].sort((a, b) => a.id - b.id) });
  }
  return { segments, cuts };
}

/**
 * Bottom-up over the trees between cuts: a value whose tree has grown past `limit` operations cuts
 * its largest subtrees (each then a segment of its own, already within the limit) until it fits.
 * Cutting is always sound: a cut is materialised once and gets its own adjoint.
 */
function limitSegments(reached: readonly Node[], cuts: Set<Node>, inScope: Scope, limit: number): void {
  if (!(limit < Infinity)) return;
  const size = new Map<Node, number>();
  const inTree = (a: Node) => a.kind === 'apply' && inScope(a) && !cuts.has(a);
  for (const n of reached.filter((m) => m.kind === 'apply' && inScope(m)).sort((a, b) => a.id - b.id)) {
    const children = differentiableArgs(n)
      .filter(inTree)
      .sort((a, b) => size.get(b)! - size.get(a)! || a.id - b.id);
    let total = 1 + children.reduce((sum, c) => sum + size.get(c)!, 0);
    for (const child of children) {
      if (total <= limit) break;
      cuts.add(child);
      total -= size.get(child)!;
    }
    size.set(n, total);
  }
}
