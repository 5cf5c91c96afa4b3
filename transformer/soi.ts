/**
 * segment: reuse-centric segments of interest (DESIGN.md §6), first version. A value used more than
 * once is a cut: it is materialised once and gets its own adjoint. Between cuts, the single-use
 * chains and trees under each cut form one segment, whose partials are derived as whole expressions.
 */
import type { ApplyNode, Node } from './ir.js';
import { hasZeroDerivative } from './rules.js';

export interface Segment {
  /** The cut whose value the segment computes. */
  readonly root: ApplyNode;
  /** The segment's operations, root included, in topological order. */
  readonly nodes: readonly ApplyNode[];
  /** Cuts and parameters the segment reads, through which adjoints flow on. */
  readonly inputs: readonly Node[];
}

export interface Segmentation {
  /** In topological order of their roots. */
  readonly segments: readonly Segment[];
  readonly cuts: ReadonlySet<Node>;
}

/** The arguments along which an adjoint can flow. */
export function differentiableArgs(n: Node): readonly Node[] {
  if (n.kind !== 'apply' || hasZeroDerivative(n.op)) return [];
  // A select's condition is piecewise constant; its arms carry the derivative.
  return (n.op === 'select' ? n.args.slice(1) : n.args).filter((a) => a.active);
}

export function segmentsOfInterest(output: Node): Segmentation {
  const uses = new Map<Node, number>();
  const reached: Node[] = [];
  const visit = (n: Node): void => {
    const count = uses.get(n);
    uses.set(n, (count ?? 0) + 1);
    if (count !== undefined) return;
    reached.push(n);
    for (const a of differentiableArgs(n)) visit(a);
  };
  visit(output);

  const cuts = new Set<Node>(reached.filter((n) => n === output || n.kind === 'param' || (uses.get(n) ?? 0) > 1));
  const segments: Segment[] = [];
  const roots = [...cuts].filter((n): n is ApplyNode => n.kind === 'apply').sort((a, b) => a.id - b.id);
  for (const root of roots) {
    const nodes: ApplyNode[] = [];
    const inputs = new Set<Node>();
    const collect = (n: ApplyNode): void => {
      nodes.push(n);
      for (const a of differentiableArgs(n)) {
        if (cuts.has(a) || a.kind !== 'apply') inputs.add(a);
        else collect(a);
      }
    };
    collect(root);
    nodes.sort((a, b) => a.id - b.id);
    segments.push({ root, nodes, inputs: [...inputs].sort((a, b) => a.id - b.id) });
  }
  return { segments, cuts };
}
