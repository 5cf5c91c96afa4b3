/**
 * Loops over the same iterations are one loop. Two counted loops of the source with the same start,
 * bound, comparison and step, inside the same run-time loops, take the same values of their
 * counters; once the second is lowered as reductions and maps, its results are rebuilt over the
 * first loop's counter. Then what both compute per iteration is one node (the graph is hash-consed):
 * gmm's `beta[k]`, written by one loop over k and read by three more, is one value that the
 * schedule computes in one pass and keeps for the later ones (`keep.ts`), not four times over.
 * Only plain loops take part: a loop on the tape is one node per loop and has a trip count of its own.
 */
import type { Graph } from './ir.js';
import { LoopReuse } from './ir-rewrite.js';
import { loopsOf, type Loop, type Node } from './nodes.js';
import type { DynamicArray, Lowering, Value, Write } from './lowering.js';
import type { Var } from '../front/core.js';

/**
 * After `loop` was lowered as reductions (no loop on the tape inside it): its exit values and the
 * maps it wrote, over an earlier twin's counter if it has one. Otherwise it becomes a loop that later
 * ones may be twins of.
 */
export function overTwin(
  lo: Lowering,
  loop: Loop,
  exits: ReadonlyMap<Var, Value>,
  before: ReadonlyMap<number, DynamicArray>,
  after: ReadonlyMap<number, DynamicArray>,
): { exits: ReadonlyMap<Var, Value>; dynamic: ReadonlyMap<number, DynamicArray> } {
  const unchanged = { exits, dynamic: after };
  const twin = twinOf(lo, loop);
  if (twin === undefined) {
    lo.plainLoops.push(loop);
    return unchanged;
  }
  const rebuild = new Reloop(lo, loop, twin);
  try {
    const movedExits = new Map<Var, Value>();
    for (const [v, value] of exits) movedExits.set(v, value.kind === 'number' ? { ...value, node: rebuild.node(value.node) } : value);
    const dynamic = new Map(after);
    for (const [ref, array] of after) {
      const old = before.get(ref);
      if (old === array) continue;
      const kept = old?.writes.length ?? 0;
      const writes = array.writes.map((w, k): Write => (k < kept ? w : { ...w, index: rebuild.node(w.index), value: rebuild.node(w.value), ...(w.loop !== undefined ? { loop: rebuild.loop(w.loop) } : {}) }));
      dynamic.set(ref, { ...array, writes });
    }
    return { exits: movedExits, dynamic };
  } catch (e) {
    // A value it cannot rebuild (a recurrence tied to the loop): the loop stays a loop of its own.
    if (!(e instanceof LoopReuse)) throw e;
    lo.plainLoops.push(loop);
    return unchanged;
  }
}

function twinOf(lo: Lowering, loop: Pick<Loop, 'start' | 'bound' | 'compare' | 'step' | 'within'>): Loop | undefined {
  const within = loop.within ?? [];
  return lo.plainLoops.find((l) => l.start === loop.start && l.bound === loop.bound && l.compare === loop.compare && l.step === loop.step && sameLoops(l.within ?? [], within));
}

function sameLoops(a: readonly Loop[], b: readonly Loop[]): boolean {
  return a.length === b.length && a.every((l, k) => l === b[k]);
}

/** Rebuilds nodes over `from`, and over loops nested in it, onto `to` and its nested loops. */
class Reloop {
  private readonly g: Graph;
  private readonly nodes = new Map<Node, Node>();
  private readonly loops = new Map<Loop, Loop>();

  constructor(
    private readonly lo: Lowering,
    private readonly from: Loop,
    to: Loop,
  ) {
    this.g = lo.graph;
    this.loops.set(from, to);
  }

  /** `loop`, or the loop it becomes: nested in `from`, it is nested in `to` instead, a twin there if it has one. */
  loop(loop: Loop): Loop {
    const known = this.loops.get(loop);
    if (known !== undefined) return known;
    let moved = loop;
    if ((loop.within ?? []).includes(this.from)) {
      if (loop.open === true || loop.reverses !== undefined) throw new LoopReuse(loop);
      const shape = { start: this.node(loop.start), bound: this.node(loop.bound), compare: loop.compare, step: loop.step, within: (loop.within ?? []).map((l) => this.loop(l)) };
      moved = twinOf(this.lo, shape) ?? this.g.loop(shape.start, shape.bound, shape.compare, shape.step, loop.counter, shape.within);
    }
    this.loops.set(loop, moved);
    return moved;
  }

  node(n: Node): Node {
    const done = this.nodes.get(n);
    if (done !== undefined) return done;
    const g = this.g;
    let result: Node;
    switch (n.kind) {
      case 'index':
        result = g.index(this.loop(n.loop));
        break;
      case 'apply': {
        const args = n.args.map((a) => this.node(a));
        result = args.every((a, i) => a === n.args[i]) ? n : g.apply(n.op, args);
        break;
      }
      case 'load':
        result = g.load(n.param, n.name, this.node(n.index));
        break;
      case 'sum': {
        const [loop, body, init] = [this.loop(n.loop), this.node(n.body), this.node(n.init)];
        result = n.factor !== undefined ? g.horner(loop, body, init, this.node(n.factor), n.name) : g.sum(loop, body, init, n.name);
        break;
      }
      case 'scan':
        result = g.scan(this.loop(n.loop), this.node(n.body), this.node(n.init), n.extremum, n.nanWins);
        break;
      case 'carried':
      case 'recurrence':
      case 'exit':
      case 'scatter':
        // One node per loop on the tape: it stays where it is, or the loop cannot move.
        if ([...loopsOf(n)].some((l) => l === this.from || (l.within ?? []).includes(this.from))) throw new LoopReuse(this.from);
        result = n;
        break;
      default:
        result = n;
    }
    // The source's names go with the values: `y` over the twin reads as `y` still.
    const hint = this.lo.nameHints.get(n);
    if (hint !== undefined && result !== n && !this.lo.nameHints.has(result)) this.lo.nameHints.set(result, hint);
    this.nodes.set(n, result);
    return result;
  }
}
