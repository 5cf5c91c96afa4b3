/**
 * The usual companion's products without the zero tests the careful one stands behind. `scale`
 * (`symbolic.ts`) sends nothing along a partial of 0 where the adjoint is known only at run time,
 * because that adjoint may have overflowed (∞ · 0 is NaN, the true product 0). Where the adjoint
 * is one the usual companion watches (`emit.ts`: checked once computed, the careful companion run
 * instead where it is not finite), or one that cannot overflow, the usual companion needs no such
 * test. Those made in every iteration of a loop over the data (one per element of a gradient array)
 * cost more than the one check per call that replaces them; the careful companion keeps them.
 */
import type { CompanionSource, Gradient } from './emit.js';
import { LoopReuse, loopsOf, reads, substitute, type Graph, type Node, type ScatterNode } from './ir.js';
import { zeroPartialGuards } from './symbolic.js';

export interface Unguarded {
  readonly source: CompanionSource;
  /** The adjoints the removed tests were on, as the new source computes them: each must be watched. */
  readonly adjoints: readonly Node[];
}

/**
 * `source` with the zero-partial tests on adjoints that `covers` replaced by their products;
 * `undefined` if there are none. Loops on the tape keep theirs: their adjoints are carried, not
 * watched, and their nodes cannot be rebuilt.
 */
export function unguarded(g: Graph, source: CompanionSource, covers: (adjoint: Node) => boolean): Unguarded | undefined {
  const map = new Map<Node, Node>();
  const adjoints: Node[] = [];
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n) || n.kind === 'recurrence' || n.kind === 'exit') return;
    seen.add(n);
    const adjoint = zeroPartialGuards.get(n);
    // Only a test made in every iteration of a loop costs more than the check that replaces it.
    if (adjoint !== undefined && n.kind === 'apply' && loopsOf(n).size > 0 && covers(adjoint)) {
      map.set(n, n.args[1]!);
      adjoints.push(adjoint);
    }
    reads(n).forEach(visit);
  };
  for (const gradient of source.gradients) {
    if (gradient === undefined) continue;
    if (!('elements' in gradient)) visit(gradient);
    else [...gradient.elements.map(([, n]) => n), ...gradient.scatters].forEach(visit);
  }
  if (map.size === 0) return undefined;
  const memo = new Map<Node, Node>();
  const again = (n: Node) => substitute(g, n, map, memo);
  try {
    const gradients = source.gradients.map((gradient): Gradient => {
      if (gradient === undefined || !('elements' in gradient)) return gradient === undefined ? undefined : again(gradient);
      return {
        elements: gradient.elements.map(([k, n]) => [k, again(n)] as const),
        scatters: gradient.scatters.map((s): ScatterNode => g.scatter(s.param, again(s.index), again(s.value), s.within)),
      };
    });
    return { source: { ...source, gradients, watched: source.watched?.map(again), guarded: source }, adjoints: adjoints.map(again) };
  } catch (e) {
    if (e instanceof LoopReuse) return undefined;
    throw e;
  }
}
