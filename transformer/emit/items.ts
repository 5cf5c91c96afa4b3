/**
 * The statements of a coarse companion before they are written out (`emit.ts`): each an item in
 * the region `schedule.ts` placed its value in, and the order they are written in.
 */
import type ts from 'typescript';
import type { Node } from '../coarse/ir.js';
import { commonRegion, ScheduleCycle, type Region } from '../coarse/schedule.js';

/**
 * One statement to emit, in a region: a named value's assignment (for a φ in `if` form, one arm's;
 * for a sum, its start or one iteration's addition), or an effect on a gradient array.
 */
export interface Item {
  readonly region: Region;
  /** For ordering among ready items, and telling the sweeps apart: the id of the node it computes. */
  readonly order: number;
  readonly statement: () => ts.Statement | ts.Statement[];
  /** Named values the statement reads, and the region it reads them in. */
  readonly reads: readonly (readonly [Node, Region])[];
  /** Items that must come first though the statement does not read their value (an array's allocation). */
  readonly after: Item[];
  deps: Item[];
  done: boolean;
}

/**
 * Orders the items so that each comes after what it reads, preferring to stay in the region that is
 * open: the branches of the source come out as few `if`/`else` statements, not one per value. A
 * loop body is one unit: what it computes per iteration is gone once the loop ends, so all its
 * items go into a single loop, ordered inside it the same way.
 */
export function scheduleItems(items: readonly Item[], root: Region): Item[] {
  const out: Item[] = [];
  scheduleIn(root, items, out);
  return out;
}

/** What is scheduled as one: an item, or all the items of one loop body. */
interface Unit {
  readonly region: Region;
  readonly items: readonly Item[];
  readonly order: number;
  readonly loop: boolean;
}

function scheduleIn(outer: Region, items: readonly Item[], out: Item[]): void {
  // The first loop body between `outer` and an item's region, if any, makes the item part of it.
  const unitRegion = (item: Item): Region | undefined => {
    let found: Region | undefined;
    for (let r: Region | undefined = item.region; r !== undefined && r !== outer; r = r.parent) if (r.loop !== undefined) found = r;
    return found;
  };
  const byLoop = new Map<Region, Item[]>();
  const units: Unit[] = [];
  for (const item of items) {
    const loop = unitRegion(item);
    if (loop === undefined) units.push({ region: item.region, items: [item], order: item.order, loop: false });
    else if (byLoop.has(loop)) byLoop.get(loop)!.push(item);
    else byLoop.set(loop, [item]);
  }
  for (const [region, members] of byLoop) units.push({ region, items: members, order: Math.min(...members.map((m) => m.order)), loop: true });
  const unitOf = new Map<Item, Unit>();
  for (const unit of units) for (const item of unit.items) unitOf.set(item, unit);
  const ready = (unit: Unit) => unit.items.every((item) => item.deps.every((d) => d.done || unitOf.get(d) === unit));

  const pending = units.sort((a, b) => a.order - b.order || (a.region.polarity ? -1 : 1));
  let current = outer;
  while (pending.length > 0) {
    let best = -1;
    let bestCost = Infinity;
    for (let i = 0; i < pending.length; i++) {
      const unit = pending[i]!;
      if (!ready(unit)) continue;
      const common = commonRegion(current, unit.region);
      let cost = 2 * (current.depth - common.depth) + (unit.region.depth - common.depth);
      // The other arm of the branch just written continues the same `if` as its `else`.
      if (unit.region.parent === current.parent && unit.region.cond === current.cond && unit.region !== current) cost -= 0.5;
      if (cost < bestCost) {
        best = i;
        bestCost = cost;
        if (cost === 0) break;
      }
    }
    if (best < 0) throw new ScheduleCycle('the passes over its loops depend on each other in a cycle');
    const unit = pending.splice(best, 1)[0]!;
    if (unit.loop) {
      scheduleIn(unit.region, unit.items, out);
      current = unit.region.parent!;
    } else {
      const item = unit.items[0]!;
      item.done = true;
      out.push(item);
      current = item.region;
    }
  }
}
