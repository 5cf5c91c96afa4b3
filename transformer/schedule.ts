/**
 * Where each value of a companion is computed (DESIGN.md §5, "laziness is semantics"). A φ node
 * `c ? a : b` evaluates `a` only in the region where `c` holds and `b` only where it does not; a
 * value is placed in the region where every path needs it, so that no work moves out of an arm
 * into code that runs when the arm is not taken. A value needed on some paths of a region but not
 * on all is placed separately in each region that needs it.
 */
import type { ApplyNode, Node } from './ir.js';

/** A region of code: the whole companion, or an arm of a branch inside another region. */
export class Region {
  private readonly arms = new Map<string, Region>();
  readonly depth: number;

  constructor(
    readonly parent: Region | undefined,
    /** The branch condition this region is an arm of; `undefined` for the whole companion. */
    readonly cond: Node | undefined,
    /** Which arm: where `cond` holds, or where it does not. */
    readonly polarity: boolean,
  ) {
    this.depth = parent === undefined ? 0 : parent.depth + 1;
  }

  arm(cond: Node, polarity: boolean): Region {
    const key = `${cond.id}${polarity ? '+' : '-'}`;
    let region = this.arms.get(key);
    if (region === undefined) {
      region = new Region(this, cond, polarity);
      this.arms.set(key, region);
    }
    return region;
  }

  /** The arms opened in this region so far. */
  children(): IterableIterator<Region> {
    return this.arms.values();
  }

  /** The value of `cond` wherever this region runs, if a branch on it encloses the region. */
  known(cond: Node): boolean | undefined {
    for (let r: Region | undefined = this; r?.cond !== undefined; r = r.parent) if (r.cond === cond) return r.polarity;
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
      if (!arm.polarity) continue;
      const other = this.arms.get(`${arm.cond!.id}-`);
      if (other !== undefined && arm.coveredBy(regions) && other.coveredBy(regions)) return true;
    }
    return false;
  }
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

export function isPhi(n: Node): n is ApplyNode & { readonly op: 'select' } {
  return n.kind === 'apply' && n.op === 'select';
}

export interface Placement {
  readonly root: Region;
  /** The regions where a node is computed; absent for nodes no region needs. */
  readonly regions: ReadonlyMap<Node, readonly Region[]>;
  /** How many times a node is read by the placed computations (a φ decided by its region reads its arm). */
  readonly reads: ReadonlyMap<Node, number>;
}

/** Places the computations that `roots` need, all of which are needed in the whole companion. */
export function place(roots: readonly Node[]): Placement {
  const root = new Region(undefined, undefined, true);
  const demands = new Map<Node, Region[]>();
  const demand = (n: Node, region: Region): void => {
    if (n.kind === 'const' || n.kind === 'param') return;
    const list = demands.get(n);
    if (list === undefined) demands.set(n, [region]);
    else list.push(region);
  };
  roots.forEach((n) => demand(n, root));

  const regions = new Map<Node, Region[]>();
  const reads = new Map<Node, number>();
  // Users have larger ids than what they use, so every demand on a node is known when it is reached.
  for (const n of reachable(roots)) {
    let needed = demands.get(n);
    if (needed === undefined) continue;
    if (isPhi(n)) {
      // Inside an arm of a branch on the same condition, the φ is just that arm.
      const [c, a, b] = n.args as [Node, Node, Node];
      const undecided: Region[] = [];
      for (const r of needed) {
        const known = r.known(c);
        if (known === undefined) undecided.push(r);
        else demand(known ? a : b, r);
      }
      needed = undecided;
    }
    reads.set(n, needed.length);
    if (needed.length === 0) continue;
    const unique = new Set(needed);
    const places = cover(needed.reduce(commonRegion), unique);
    regions.set(n, places);
    if (n.kind !== 'apply') continue;
    for (const p of places) {
      if (isPhi(n)) {
        const [c, a, b] = n.args as [Node, Node, Node];
        demand(c, p);
        demand(a, p.arm(c, true));
        demand(b, p.arm(c, false));
      } else {
        n.args.forEach((arg) => demand(arg, p));
      }
    }
  }
  return { root, regions, reads };
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
    if (n.kind === 'apply') n.args.forEach(visit);
  };
  roots.forEach(visit);
  return [...seen].sort((a, b) => b.id - a.id);
}
