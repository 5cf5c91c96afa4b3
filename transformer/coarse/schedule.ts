/**
 * Where each value of a companion is computed (DESIGN.md §5, "laziness is semantics"). A φ node
 * `c ? a : b` evaluates `a` only in the region where `c` holds and `b` only where it does not; a
 * value is placed in the region where every path needs it, so that no work moves out of an arm
 * into code that runs when the arm is not taken. A value needed in arms of different branches is
 * placed once, where they meet: each value is computed in one place, so the companion's size stays
 * linear in the function's.
 */
import { dependsOn, loopsOf, valueOperands, reads, recurrenceOf, type ApplyNode, type Loop, type Node, type RecurrenceNode } from './ir.js';

/**
 * The companion's statements cannot be ordered or placed: a pass over a loop would need what a later
 * pass computes (a sum feeding a recurrence whose adjoint the same pass reads). Not wrong code, no
 * code: the pipeline differentiates such a function on the operation tape instead.
 */
export class ScheduleCycle extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleCycle';
  }
}

/** A region of code: the whole companion, an arm of a branch, or the body of a loop. */
export class Region {
  private readonly arms = new Map<string, Region>();
  readonly depth: number;

  constructor(
    readonly parent: Region | undefined,
    /** The branch condition this region is an arm of; `undefined` for the companion or a loop body. */
    readonly cond: Node | undefined,
    /** Which arm: where `cond` holds, or where it does not. */
    readonly polarity: boolean,
    /** The loop this region is the body of. */
    readonly loop?: Loop,
    /** Which pass over `loop` (see `passOf`). */
    readonly pass = 0,
  ) {
    this.depth = parent === undefined ? 0 : parent.depth + 1;
  }

  arm(cond: Node, polarity: boolean): Region {
    return this.child(`${cond.id}${polarity ? '+' : '-'}`, () => new Region(this, cond, polarity));
  }

  /**
   * The body of `loop` in one pass over it: sums and scatters that read each other's results need
   * passes of their own, and what one pass computes per iteration is gone in the next.
   */
  body(loop: Loop, pass: number): Region {
    return this.child(`loop${loop.id}.${pass}`, () => new Region(this, undefined, true, loop, pass));
  }

  private child(key: string, make: () => Region): Region {
    let region = this.arms.get(key);
    if (region === undefined) {
      region = make();
      this.arms.set(key, region);
    }
    return region;
  }

  /** Is this region inside the body of `loop`? */
  within(loop: Loop): boolean {
    for (let r: Region | undefined = this; r !== undefined; r = r.parent) if (r.loop === loop) return true;
    return false;
  }

  /** The arms opened in this region so far. */
  children(): IterableIterator<Region> {
    return this.arms.values();
  }

  /** The value of `cond` wherever this region runs, if a branch on it encloses the region. */
  known(cond: Node): boolean | undefined {
    for (let r: Region | undefined = this; r !== undefined; r = r.parent) if (r.cond === cond) return r.polarity;
    return undefined;
  }

  encloses(other: Region): boolean {
    for (let r: Region | undefined = other; r !== undefined; r = r.parent) if (r === this) return true;
    return false;
  }

  /** Every path through this region passes one of `regions`. */
  coveredBy(regions: ReadonlySet<Region>): boolean {
    if (regions.has(this)) return true;
    for (const arm of this.arms.values()) {
      // A loop body may run no times: it covers nothing.
      if (!arm.polarity || arm.cond === undefined) continue;
      const other = this.arms.get(`${arm.cond!.id}-`);
      if (other !== undefined && arm.coveredBy(regions) && other.coveredBy(regions)) return true;
    }
    return false;
  }
}

function isZero(n: Node): boolean {
  return n.kind === 'const' && n.value === 0;
}

export function commonRegion(a: Region, b: Region): Region {
  while (a.depth > b.depth) a = a.parent!;
  while (b.depth > a.depth) b = b.parent!;
  while (a !== b) {
    a = a.parent!;
    b = b.parent!;
  }
  return a;
}

export type PhiNode = ApplyNode & { readonly op: 'select' };

export function isPhi(n: Node): n is PhiNode {
  return n.kind === 'apply' && n.op === 'select';
}

/** A φ's condition and arms as the graph has them. */
export function argsOf(phi: PhiNode): readonly [Node, Node, Node] {
  return phi.args as [Node, Node, Node];
}

export interface Placement {
  readonly root: Region;
  /** The regions where a node is computed; absent for nodes no region needs. */
  readonly regions: ReadonlyMap<Node, readonly Region[]>;
  /** How many times a node is read by the placed computations (a φ decided by its region reads its arm). */
  readonly reads: ReadonlyMap<Node, number>;
  /** Nodes moved out of a loop they are read in: computed once before it, so they need a name. */
  readonly hoisted: ReadonlySet<Node>;
  /** Values kept per iteration for later passes over their loop, rather than computed again there. */
  readonly kept: ReadonlyMap<Node, Kept>;
  /** Values a later pass over their loop computes again, as cheaper than keeping them: for the report. */
  readonly recomputed: ReadonlySet<Node>;
}

/**
 * A value computed in one pass over a loop (`writer`, that pass's body) and stored there per
 * iteration, then read back from the store in the later passes `readers` instead of being computed
 * again (DESIGN.md §6, store or recompute; `keep.ts` prices it). Where the later pass is in another
 * run of a loop around (gmm's y_r, per component k, read by the reverse loop over k), the store
 * is indexed by the counters of `loops`, the writer's loop and those around it, innermost first.
 */
export interface Kept {
  readonly loops: readonly Loop[];
  readonly writer: Region;
  readonly readers: ReadonlySet<Region>;
  /** Where the store is made long enough: just outside the outermost of `loops`, before the writer runs. */
  readonly outside: Region;
}

/**
 * Places the computations that `roots` need, all of which are needed in the whole companion.
 * `recurrenceOf` names the recurrence running a loop: a scatter in a reverse loop needs that loop
 * run where the scatter is, though no gradient may read the loop's state after it.
 */
export function place(
  roots: readonly Node[],
  recurrenceOf: (loop: Loop) => RecurrenceNode | undefined = () => undefined,
  arms: (phi: PhiNode) => readonly [Node, Node, Node] = argsOf,
  /** Whether a value read again in a later pass over `loop` is worth keeping; none is by default. */
  worthKeeping: (n: Node, loop: Loop) => boolean = () => false,
): Placement {
  const root = new Region(undefined, undefined, true);
  const demands = new Map<Node, Region[]>();
  const demand = (n: Node, region: Region): void => {
    if (n.kind === 'const' || n.kind === 'param') return;
    const list = demands.get(n);
    if (list === undefined) demands.set(n, [region]);
    else list.push(region);
  };
  const running: RecurrenceNode[] = [];
  // A reverse loop that several gradients need (another gradient, or another scatter into an
  // array's gradient) runs once, where they need it: a scatter into it keeps its guards from
  // outside the loop as conditions inside it, rather than opening a second run of the loop under
  // them (which would start from the adjoints the first run left).
  const sharedMemo = new Map<RecurrenceNode, boolean>();
  const shared = (recurrence: RecurrenceNode): boolean => {
    let known = sharedMemo.get(recurrence);
    if (known === undefined) {
      const memo = new Map<Node, boolean>();
      // Its users: what reads the loop's result, the scatters made inside the loop itself, and the
      // scatters made inside another reverse loop that starts from what this one leaves.
      const runsFrom = (r: Node): boolean =>
        r.kind === 'scatter' &&
        [...loopsOf(r)].some((loop) => {
          const other = recurrenceOf(loop);
          return other !== undefined && other !== recurrence && dependsOn(other, recurrence, memo);
        });
      sharedMemo.set(recurrence, (known = roots.filter((r) => dependsOn(r, recurrence, memo) || (r.kind === 'scatter' && loopsOf(r).has(recurrence.loop)) || runsFrom(r)).length > 1));
    }
    return known;
  };
  // An effect whose value is φ(c, v, 0) happens only where c holds: adding 0 is no effect.
  for (const n of roots) {
    let region = root;
    // For each loop a guard's condition reads, the region just outside it: where a scatter's loop
    // is run from (its guards inside the loop are per iteration, not around the loop).
    const outside = new Map<Loop, Region>();
    if (n.kind === 'scatter') {
      const runsElsewhere = [...loopsOf(n)].some((loop) => {
        const recurrence = recurrenceOf(loop);
        return recurrence !== undefined && shared(recurrence);
      });
      // Its loops, outermost first: as differentiation made it, then any others as they were made.
      const loops = loopsOf(n);
      const order = [...n.within.filter((l) => loops.has(l)), ...[...loops].filter((l) => !n.within.includes(l)).sort((a, b) => nesting(a) - nesting(b))];
      const opened = (r: Region, count: number): Region => {
        for (const loop of order.slice(0, count)) if (!r.within(loop)) r = r.body(loop, passOf(n, loop));
        return r;
      };
      for (let v = n.value; isPhi(v) && (isZero(arms(v)[1]) || isZero(arms(v)[2])); ) {
        const [cond, whenTrue, whenFalse] = arms(v);
        const taken = isZero(whenFalse);
        if (runsElsewhere && ![...loopsOf(n)].some((loop) => loopsOf(cond).has(loop))) break;
        // A branch opens inside the loops its condition reads, which must be the scatter's
        // outermost ones: a loop of the scatter around them (a reverse loop around a sum re-run
        // inside it) would have to open first, so the guard stays a condition on the value instead.
        const condLoops = loopsOf(cond);
        const depth = order.filter((l) => condLoops.has(l)).length;
        if ([...condLoops].some((l) => !loops.has(l)) || order.slice(0, depth).some((l) => !condLoops.has(l))) break;
        for (const loop of condLoops) if (!outside.has(loop)) outside.set(loop, region);
        region = opened(region, depth);
        demand(cond, region);
        region = region.arm(cond, taken);
        v = taken ? whenTrue : whenFalse;
      }
      region = opened(region, order.length);
    }
    demand(n, n.kind === 'scatter' ? region : inLoops(region, n));
    if (n.kind === 'scatter') {
      for (const loop of loopsOf(n)) {
        const recurrence = recurrenceOf(loop);
        if (recurrence === undefined) continue;
        demand(recurrence, inLoops(outside.get(loop) ?? region, recurrence));
        running.push(recurrence);
      }
    }
  }

  const regions = new Map<Node, Region[]>();
  const readCounts = new Map<Node, number>();
  const hoisted = new Set<Node>();
  const kept = new Map<Node, Kept>();
  const recomputed = new Set<Node>();
  // Users have larger ids than what they use, so every demand on a node is known when it is reached.
  for (const n of reachable([...roots, ...running])) {
    let needed = demands.get(n);
    if (needed === undefined) continue;
    if (isPhi(n)) {
      // Inside an arm of a branch on the same condition, the φ is just that arm.
      const [c, a, b] = arms(n);
      const undecided: Region[] = [];
      for (const r of needed) {
        const known = r.known(c);
        if (known === undefined) undecided.push(r);
        else demand(known ? a : b, r);
      }
      needed = undecided;
    }
    readCounts.set(n, needed.length);
    if (needed.length === 0) continue;
    const unique = new Set(needed);
    const common = needed.reduce(commonRegion);
    let covered = cover(common, unique);
    // Needed in arms of different branches: computed once where they meet. Placing it in each arm
    // would place its operands in each arm too, and nested branches multiply the copies (code
    // exponential in the number of branches); computing a value is pure, and the arm not taken
    // never reads it.
    // (A value that reads a loop's counter is computed in each pass over the loop that needs it.)
    if (covered.length > 1) covered = [...groupBy(covered, (r) => loopInstance(r, loopsOf(n))).values()].map((group) => group.reduce(commonRegion));
    const moved = [...new Set(covered.map((p) => inLoops(outsideOwnLoop(p, n), n)))];
    if (moved.some((p) => !covered.includes(p))) hoisted.add(n);
    // Moved out of a loop, a placement may now enclose another: the outer one serves both.
    const places = moved.filter((p) => !moved.some((q) => q !== p && q.encloses(p)));
    regions.set(n, places);
    const keeping = keptIn(n, places, recurrenceOf, worthKeeping);
    if (keeping === 'recomputed') recomputed.add(n);
    else if (keeping !== undefined) {
      kept.set(n, keeping);
      // The store's strides: the counts of the inner loops, taken where it is made.
      for (const loop of keeping.loops.slice(0, -1)) {
        demand(loop.start, keeping.outside);
        demand(loop.bound, keeping.outside);
      }
    }
    for (const p of places) {
      // The loops around a computation need their bounds where they open.
      for (let r: Region | undefined = p; r?.parent !== undefined; r = r.parent) {
        if (r.loop !== undefined) {
          demand(r.loop.start, r.parent);
          demand(r.loop.bound, r.parent);
        }
      }
      // Read back from where the earlier pass kept it: its operands are not needed here.
      if (typeof keeping === 'object' && keeping.readers.has(p)) continue;
      if (isPhi(n)) {
        const [c, a, b] = arms(n);
        demand(c, p);
        demand(a, p.arm(c, true));
        demand(b, p.arm(c, false));
      } else {
        valueOperands(n).forEach((arg) => demand(arg, p));
        if (n.kind === 'sum' || n.kind === 'scan') demand(n.body, p.body(n.loop, passOf(n, n.loop)));
        if (n.kind === 'recurrence') [...n.next, ...(n.goOn !== undefined ? [n.goOn] : [])].forEach((next) => demand(next, p.body(n.loop, 0)));
      }
    }
  }
  return { root, regions, reads: readCounts, hoisted, kept, recomputed };
}

/**
 * Where `n` can be kept: a placement that is the whole body of one pass over a counted loop whose
 * counter `n` reads (so every iteration stores it), and the placements in other runs of that loop
 * that read it back. A run in the same run of the loops around reads what the same iteration
 * stored; a run inside another run of a loop around it needs the store indexed by that loop's
 * counter too, the writer's loops nested directly (every iteration of each stores), counted by
 * what they do not change (a rectangular store). A loop on the tape has its own store, and runs
 * its reverse as a loop of its own.
 */
function keptIn(n: Node, places: readonly Region[], recurrenceOf: (loop: Loop) => RecurrenceNode | undefined, worthKeeping: (n: Node, loop: Loop) => boolean): Kept | 'recomputed' | undefined {
  if (places.length < 2) return undefined;
  const loops = loopsOf(n);
  const counted = (r: Region) => r.loop !== undefined && loops.has(r.loop) && !r.loop.open && r.loop.reverses === undefined && recurrenceOf(r.loop) === undefined;
  // The run that serves the most others writes (the outermost, where a reverse loop under a branch
  // and the passes after it both read back), with the fewest loops to index by.
  let best: Kept | undefined;
  for (const writer of places.filter(counted).sort((a, b) => a.pass - b.pass)) {
    const bodies: Region[] = [];
    for (let b: Region | undefined = writer; b !== undefined && counted(b) && rectangular(b.loop!, bodies); b = b.parent) bodies.push(b);
    for (let depth = 1; depth <= bodies.length; depth++) {
      const chain = bodies.slice(0, depth);
      const readers = places.filter((p) => p !== writer && readsBack(chain, p));
      if (readers.length > (best?.readers.size ?? 0)) best = { loops: chain.map((b) => b.loop!), writer, readers: new Set(readers), outside: chain[depth - 1]!.parent! };
    }
  }
  if (best === undefined) return undefined;
  return worthKeeping(n, best.loops[0]!) ? best : 'recomputed';
}

/** Does `outer`'s body, around `inner` bodies, leave their loops' counts alone? */
function rectangular(outer: Loop, inner: readonly Region[]): boolean {
  return inner.every((b) => !loopsOf(b.loop!.start).has(outer) && !loopsOf(b.loop!.bound).has(outer));
}

/**
 * Is `region` inside another run of the `chain` of loops the writer runs in (its body first, the
 * bodies around it after), no earlier a pass, where the writer's has come first: with no other
 * loop between the two runs' surroundings, the reader's inside the writer's (an arm there: a
 * reverse loop under a condition on a sum the writer's pass computes). The reader's items then come
 * after the writer's (`emit.ts`).
 */
function readsBack(chain: readonly Region[], region: Region): boolean {
  let body: Region | undefined = region;
  for (const [level, writing] of chain.entries()) {
    if (level > 0) body = body!.parent;
    while (body !== undefined && body.loop === undefined) body = body.parent;
    if (body === undefined || body.loop !== writing.loop) return false;
  }
  const outermost = chain[chain.length - 1]!;
  if (body === outermost || body!.pass < outermost.pass) return false;
  for (let r = body!.parent; r !== outermost.parent; r = r.parent) if (r === undefined || r.loop !== undefined) return false;
  return true;
}

/**
 * A sum, a scan or a recurrence over a loop is never computed inside a body of that same loop: its
 * own pass would rebind the counter that the code around it reads. It moves out to where the loop
 * is not running, which is only moving pure work out of arms (a value the arm not taken never
 * reads). Where it reads a loop nested in that one, it cannot move, and the function goes to the tape.
 */
function outsideOwnLoop(region: Region, n: Node): Region {
  if ((n.kind !== 'sum' && n.kind !== 'scan' && n.kind !== 'recurrence') || !region.within(n.loop)) return region;
  let outside = region;
  while (outside.within(n.loop)) outside = outside.parent!;
  if (inLoops(outside, n).within(n.loop)) throw new ScheduleCycle('a sum over a loop is needed inside that same loop, under a loop it reads');
  return outside;
}

/**
 * The region to compute `n` in, given one where it is needed: inside every loop whose counter it
 * reads, and out of every loop body whose counter it does not (loop-invariant code motion; an arm
 * inside a loop keeps what it alone needs).
 */
function inLoops(region: Region, n: Node): Region {
  const loops = loopsOf(n);
  while (region.loop !== undefined && !loops.has(region.loop) && !(n.kind === 'opaque' && n.expr.kind === 'property')) region = region.parent!;
  // A scalar operation leaves an arm too if that takes it out of a loop it does not read: once
  // before the loop costs less than once in every iteration that takes the arm (a reverse step's
  // r / length). It is pure, so computing it where the arm is not taken changes nothing; a whole
  // loop (a sum) or a read of an object stays in its arm.
  if (n.kind === 'apply' && !isPhi(n)) {
    for (let r = region; r.parent !== undefined; r = r.parent) {
      if (r.loop !== undefined && loops.has(r.loop)) break;
      if (r.loop !== undefined) region = r.parent;
    }
  }
  for (const loop of [...loops].sort((a, b) => nesting(a) - nesting(b))) if (!region.within(loop)) region = region.body(loop, passOf(n, loop));
  return region;
}

/** Outer loops first: loops are made outside in, and a reverse loop nests where its forward loop does. */
function nesting(loop: Loop): number {
  return (loop.reverses ?? loop).id;
}

const passes = new Map<Loop, Map<Node, number>>();

/**
 * Which pass over `loop` computes `n` (a sum over it, or what runs inside it): 0 unless it reads the
 * result of a sum over the same loop, then one past the last such sum's pass.
 */
export function passOf(n: Node, loop: Loop): number {
  let memo = passes.get(loop);
  if (memo === undefined) passes.set(loop, (memo = new Map()));
  const known = memo.get(n);
  if (known !== undefined) return Math.max(known, 0);
  // In progress: a sum met again through a recurrence's state reads only what came before it.
  memo.set(n, -1);
  let pass = 0;
  const seen = new Set<Node>([n]);
  const pending: Node[] = [n];
  // Iteratively: chains of nodes can be deeper than the stack.
  while (pending.length > 0) {
    const m = pending.pop()!;
    if (m !== n && (m.kind === 'sum' || m.kind === 'scan') && m.loop === loop) {
      pass = Math.max(pass, passOf(m, loop) + 1);
      continue;
    }
    const next = [...reads(m)];
    // What runs inside a loop on the tape reads its carried values, which start from the
    // recurrence's initial values (an adjoint seeded by a sum): those decide the pass too.
    if (m.kind === 'carried' && m.loop !== loop) {
      const recurrence = recurrenceOf(m.loop);
      if (recurrence !== undefined) next.push(recurrence);
    }
    for (const r of next) {
      if (!seen.has(r)) {
        seen.add(r);
        pending.push(r);
      }
    }
  }
  memo.set(n, pass);
  return pass;
}

/** The innermost body, around `region`, of a loop whose counter a value reads: one run of that loop. */
function loopInstance(region: Region, loops: ReadonlySet<Loop>): Region | undefined {
  for (let r: Region | undefined = region; r !== undefined; r = r.parent) if (r.loop !== undefined && loops.has(r.loop)) return r;
  return undefined;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/** The outermost regions within `region` whose every path needs the value. */
function cover(region: Region, needed: ReadonlySet<Region>): Region[] {
  if (region.coveredBy(needed)) return [region];
  const out: Region[] = [];
  for (const arm of region.children()) {
    if ([...needed].some((r) => arm.encloses(r))) out.push(...cover(arm, needed));
  }
  return out;
}

/** Every node `roots` can reach, users before what they use. */
function reachable(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    reads(n).forEach(visit);
  };
  roots.forEach(visit);
  return [...seen].sort((a, b) => b.id - a.id);
}
