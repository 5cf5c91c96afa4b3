/**
 * Local arrays whose length is known only at run time (DESIGN.md §5, maps). Such an array is never
 * materialised as a DAG value: it is its fill value and the list of writes made to it, and reading
 * an element folds over the writes. A loop writing `out[i + c] = e_i` at its counter is a map: read
 * back at `j`, the element is `e_{j−c}` where the loop covered `j − c`, so what a later loop reads
 * is differentiated through `e` itself, with no adjoint array and no tape.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { dependsOn, type Loop, type Node } from './ir.js';
import { substitute } from './ir-rewrite.js';
import type { DynamicArray, Lowering, State, Value, Write } from './lowering.js';

export function newDynamicArray(lo: Lowering, kind: DynamicArray['kind'], length: Node): Value {
  const ref = lo.nextArray++;
  // Typed arrays start at 0; `new Array(n)` has holes, read as NaN in arithmetic until filled.
  lo.dynamic.set(ref, { length, fill: lo.graph.constant(kind === 'array' ? NaN : 0), kind, writes: [] });
  return { kind: 'dynArray', ref };
}

export function dynamicOf(lo: Lowering, ref: number): DynamicArray {
  return lo.dynamic.get(ref)!;
}

/** `array.fill(v)` on a new array: its fill value. */
export function fillDynamic(lo: Lowering, ref: number, value: Node, at: ts.Node): void {
  const array = dynamicOf(lo, ref);
  if (array.writes.length > 0) unsupported(codes.unsupportedSyntax, at, "'fill' after writes to an array of run-time length is not differentiated yet; fill it first.");
  lo.dynamic.set(ref, { ...array, fill: array.kind === 'float32' ? lo.graph.call('fround', value) : value });
}

export function writeDynamic(lo: Lowering, ref: number, index: Node, value: Node, at: ts.Node): void {
  const array = dynamicOf(lo, ref);
  // Outside a run-time loop a write is at one index, which may be past the end (a typed array then
  // ignores it, a plain array grows): not modelled. A loop's writes are maps, checked there.
  if (lo.runtimeLoops.length === 0) unsupported(codes.unsupportedSyntax, at, 'a write to an array whose length is known only at run time, outside a loop over it, is not coarsened (it may fall past the end).');
  const stored = array.kind === 'float32' ? lo.graph.call('fround', value) : value;
  lo.dynamic.set(ref, { ...array, writes: [...array.writes, { index, value: stored, readsBefore: lo.dynamicReads.length }] });
}

/** `array[index]` in the marked function: recorded, so a loop can tell it does not read its own writes. */
export function readDynamic(lo: Lowering, ref: number, index: Node, at: ts.Node): Node {
  const array = dynamicOf(lo, ref);
  if (array.rewrittenIn !== undefined) {
    const line = array.rewrittenIn.getSourceFile().getLineAndCharacterOfPosition(array.rewrittenIn.getStart()).line + 1;
    unsupported(codes.unsupportedSyntax, at, `this reads an array after the loop at line ${line}, which writes it whole in every iteration; only what an iteration reads of its own writes is coarsened.`);
  }
  lo.dynamicReads.push({ ref, index });
  return elementAt(lo, array, index);
}

/** The element at `index`: the last write that covers it, or the fill value. */
function elementAt(lo: Lowering, array: DynamicArray, index: Node): Node {
  const g = lo.graph;
  let value = array.fill;
  for (const w of array.writes) {
    if (w.loop === undefined) {
      value = w.index === index ? w.value : g.call('select', g.call('===', index, w.index), w.value, value);
      continue;
    }
    const i = g.sub(index, g.constant(w.offset!));
    const at = substitute(g, w.value, new Map([[g.index(w.loop), i]]));
    value = g.call('select', inRange(lo, w.loop, i), at, value);
  }
  return value;
}

/** Does the counted loop take the value `i` (an integer)? */
function inRange(lo: Lowering, loop: Loop, i: Node): Node {
  const g = lo.graph;
  // The counter of a loop over the same range (a map read by the next loop over the same array).
  if (i.kind === 'index' && i.loop.start === loop.start && i.loop.bound === loop.bound && i.loop.compare === loop.compare && i.loop.step === loop.step) return g.constant(1);
  const both = (a: Node, b: Node) => g.call('&&', a, b);
  switch (loop.compare) {
    case '<':
      return both(g.call('<=', loop.start, i), g.call('<', i, loop.bound));
    case '<=':
      return both(g.call('<=', loop.start, i), g.call('<=', i, loop.bound));
    case '>':
      return both(g.call('<', loop.bound, i), g.call('<=', i, loop.start));
    case '>=':
      return both(g.call('<=', loop.bound, i), g.call('<=', i, loop.start));
  }
}

/**
 * After lowering a run-time loop's body once: the writes it made to arrays of run-time length become
 * maps over the loop, if they are at the counter plus a constant and independent of other iterations.
 */
export function mapsOfLoop(lo: Lowering, loop: Loop, at: ts.Node, before: State, after: State, carried: readonly Node[], readsFrom: number): Map<number, DynamicArray> {
  const g = lo.graph;
  const result = new Map(after.dynamic);
  const counter = g.index(loop);
  for (const [ref, array] of after.dynamic) {
    const old = before.dynamic.get(ref);
    if (old === undefined || old === array) continue;
    const added = array.writes.slice(old.writes.length);
    if (array.writes.slice(0, old.writes.length).some((w, k) => w !== old.writes[k])) {
      unsupported(codes.unsupportedSyntax, at, 'this loop changes earlier writes to an array of run-time length; write each element once, in one loop.');
    }
    if (rewrittenWhole(lo, ref, loop, old, added, readsFrom)) {
      // Each iteration's reads fold over that iteration's writes, as lowered; after the loop it is not read.
      result.set(ref, { ...old, rewrittenIn: at });
      continue;
    }
    if (Math.abs(loop.step) !== 1) unsupported(codes.unsupportedSyntax, at, 'a loop writing an array of run-time length must step by 1; write the elements at the counter.');
    const maps = added.map((w): Write => {
      const offset = offsetFrom(w.index, counter);
      if (offset === undefined) {
        unsupported(codes.unsupportedSyntax, at, 'a loop that runs a run-time number of times may write an array of run-time length only at its counter (out[i] or out[i + c]); other writes are not differentiated yet.');
      }
      if (carried.some((leaf) => dependsOn(w.value, leaf))) {
        unsupported(codes.unsupportedSyntax, at, 'the values this loop writes into an array depend on a variable the loop also changes; write values computed from the counter and from what does not change in the loop.');
      }
      // Past the end a typed array ignores a write and a plain array grows: every index must be inside.
      if (!inside(lo, loop, offset, array.length)) {
        unsupported(codes.unsupportedSyntax, at, "this loop may write past the end of an array whose length is known only at run time; loop over the array's length (`i < out.length`).");
      }
      return { index: w.index, value: w.value, loop, offset, readsBefore: w.readsBefore };
    });
    // Reading, in the body, an element that another iteration writes would read through the loop.
    for (const read of lo.dynamicReads.slice(readsFrom)) {
      if (read.ref === ref && !maps.some((m) => m.index === read.index)) {
        unsupported(codes.unsupportedSyntax, at, 'this loop reads elements of an array that it writes in other iterations (a recurrence through the array); that is not differentiated yet.');
      }
    }
    result.set(ref, { ...array, writes: [...old.writes, ...maps] });
  }
  return result;
}

/**
 * An array an outer loop's iteration writes whole before reading it (gmm's `beta[k]` for each
 * point i): one map over an inner loop from 0 up to the array's length, and no read of the array in
 * the iteration before that write (it would read the previous iteration's values).
 */
function rewrittenWhole(lo: Lowering, ref: number, loop: Loop, old: DynamicArray, added: readonly Write[], readsFrom: number): boolean {
  if (added.length !== 1) return false;
  const w = added[0]!;
  const inner = w.loop;
  if (inner === undefined || inner === loop || !(inner.within ?? []).includes(loop)) return false;
  const whole = w.offset === 0 && inner.step === 1 && inner.start.kind === 'const' && inner.start.value === 0 && inner.compare === '<' && inner.bound === old.length;
  return whole && !lo.dynamicReads.slice(readsFrom, w.readsBefore).some((r) => r.ref === ref);
}

/** Does every index `counter + offset` the loop takes fall in `[0, length)`? Only what is known at compile time counts. */
function inside(lo: Lowering, loop: Loop, offset: number, length: Node): boolean {
  const below = (n: Node) => lengthMinus(n, length);
  if (loop.step > 0) {
    if (loop.start.kind !== 'const' || loop.start.value + offset < 0) return false;
    const c = below(loop.bound);
    // i < length - c: the last index is length - c - 1 + offset.
    return c !== undefined && (loop.compare === '<' ? offset <= c : offset <= c - 1);
  }
  if (loop.bound.kind !== 'const' || loop.bound.value + (loop.compare === '>' ? 1 : 0) + offset < 0) return false;
  const c = below(loop.start);
  // From length - c down: the first index is length - c + offset.
  return c !== undefined && offset <= c - 1;
}

/** `c` when `n` is `length - c` (`length` itself: 0), read off the DAG. */
function lengthMinus(n: Node, length: Node): number | undefined {
  if (n === length) return 0;
  if (n.kind !== 'apply') return undefined;
  const [a, b] = n.args as [Node, Node];
  if (n.op === '-' && a === length && b.kind === 'const') return b.value;
  if (n.op === '+' && a === length && b.kind === 'const') return -b.value;
  return undefined;
}

/** `c` when `index` is `counter + c` (or `counter - c`, or `counter`). */
function offsetFrom(index: Node, counter: Node): number | undefined {
  if (index === counter) return 0;
  if (index.kind !== 'apply' || (index.op !== '+' && index.op !== '-')) return undefined;
  const [a, b] = index.args as [Node, Node];
  const sign = index.op === '+' ? 1 : -1;
  if (a === counter && b.kind === 'const') return sign * b.value;
  if (index.op === '+' && b === counter && a.kind === 'const') return a.value;
  return undefined;
}

/**
 * `cond ? a : b` on one array of run-time length: each side may have added writes at one index
 * (as `if (c) out[i] = x; else out[i] = y;` does); they join into one write of a φ.
 */
export function joinDynamic(lo: Lowering, cond: Node, a: DynamicArray, b: DynamicArray, at: ts.Node): DynamicArray {
  if (a === b) return a;
  let shared = 0;
  while (shared < a.writes.length && shared < b.writes.length && a.writes[shared] === b.writes[shared]) shared++;
  const indices = new Set([...a.writes.slice(shared), ...b.writes.slice(shared)].map((w) => w.index));
  if (indices.size !== 1 || a.fill !== b.fill || [...a.writes, ...b.writes].slice(shared).some((w) => w.loop !== undefined)) {
    unsupported(codes.unsupportedSyntax, at, 'the two sides of this branch write an array of run-time length at different places; write the same element on both sides.');
  }
  const index = [...indices][0]!;
  const value = lo.graph.call('select', cond, elementAt(lo, a, index), elementAt(lo, b, index));
  return { ...a, writes: [...a.writes.slice(0, shared), { index, value, readsBefore: lo.dynamicReads.length }] };
}
