/**
 * Lowering of arrays (DESIGN.md §4): local arrays (literals, `new Float64Array(n)`, `new Array(n)`,
 * their copies, `push`, `fill`) live in the lowerer's heap as lists of values, indexed by indices
 * known at compile time; their writes are functional updates, so branches and unrolled loops join
 * them like variables.
 */
import type ts from 'typescript';
import type { ArrayStorage, Expr } from '../front/core.js';
import { codes, unsupported } from '../diagnostics.js';
import type { Node } from './ir.js';
import type { Lowering, Value } from './lowering.js';
import { fillDynamic, newDynamicArray } from './lower-maps.js';

/**
 * An element index, which must be known at compile time: a literal, or a loop counter of a loop
 * that is unrolled. Run-time indices are arrays of run-time length's (`lower-maps.ts`).
 */
export function constantIndex(_lo: Lowering, index: Node, at: ts.Node): number {
  if (index.kind !== 'const' || !Number.isInteger(index.value) || index.value < 0) {
    unsupported(
      codes.unsupportedSyntax,
      at,
      'this element index is not known at compile time; indices that come from run-time values are not coarsened here (a literal or the counter of a loop with a constant trip count is).',
    );
  }
  return index.value;
}

export function elementsOf(lo: Lowering, ref: number): readonly Value[] {
  return lo.heap.get(ref)!;
}

export function writeElement(lo: Lowering, ref: number, index: number, value: Value, at: ts.Node): void {
  if (value.kind !== 'number') unsupported(codes.unsupportedSyntax, at, 'only numbers can be stored in the arrays of a marked function.');
  const elements = elementsOf(lo, ref);
  const kind = lo.arrayKinds.get(ref)!;
  // Typed arrays ignore writes past their end; Float32Array rounds what it stores.
  if (kind !== 'array' && index >= elements.length) return;
  const stored: Value = kind === 'float32' ? { kind: 'number', node: lo.graph.call('fround', value.node) } : value;
  const next = elements.slice();
  for (let i = next.length; i < index; i++) next.push(hole(lo));
  next[index] = stored;
  lo.heap.set(ref, next);
}

/** `array.length = n` on a plain local array: cut it, or grow it with holes. */
export function setLength(lo: Lowering, ref: number, length: Node, at: ts.Node): void {
  if (lo.arrayKinds.get(ref) !== 'array') unsupported(codes.unsupportedSyntax, at, "a typed array's length cannot be set (JavaScript throws); make a new array instead.");
  const n = constantIndex(lo, length, at);
  const elements = elementsOf(lo, ref).slice(0, n);
  while (elements.length < n) elements.push(hole(lo));
  lo.heap.set(ref, elements);
}

/** An element never written: `undefined`, which arithmetic turns into NaN. */
function hole(lo: Lowering): Value {
  return { kind: 'number', node: lo.graph.constant(NaN) };
}

export function newArray(lo: Lowering, kind: ArrayStorage, elements: readonly Value[]): Value {
  const ref = lo.nextArray++;
  lo.arrayKinds.set(ref, kind);
  lo.heap.set(ref, kind === 'float32' ? elements.map((v) => (v.kind === 'number' ? { kind: 'number', node: lo.graph.call('fround', v.node) } : v)) : elements);
  return { kind: 'array', ref };
}

/** `[a, b]` */
export function arrayLiteral(lo: Lowering, values: readonly Value[], at: ts.Node): Value {
  if (values.some((v) => v.kind !== 'number')) unsupported(codes.unsupportedSyntax, at, 'the arrays of a marked function hold numbers only.');
  return newArray(lo, 'array', values);
}

/** `new Float64Array(n)`, `new Array(n)` (filled later), a copy of an array (`new Float64Array(xs)`, `Float64Array.from(xs)`). */
export function newArrayOf(lo: Lowering, kind: ArrayStorage, arg: Value | undefined, copy: boolean, at: ts.Node): Value {
  if (copy) {
    if (arg?.kind !== 'array') unsupported(codes.unsupportedSyntax, at, 'copies of arrays whose length is known only at run time are not coarsened yet; copy the elements in a loop.');
    return newArray(lo, kind, elementsOf(lo, arg.ref));
  }
  const size = arg === undefined ? lo.graph.constant(0) : arg.kind === 'number' ? arg.node : unsupported(codes.unsupportedSyntax, at, 'the size of a new array must be a number.');
  if (size.kind !== 'const') return newDynamicArray(lo, kind, size);
  const length = constantIndex(lo, size, at);
  // Typed arrays start at 0; `new Array(n)` has holes, read as NaN in arithmetic until filled.
  const fill = lo.graph.constant(kind === 'array' ? NaN : 0);
  return newArray(lo, kind, Array.from({ length }, () => ({ kind: 'number', node: fill })));
}

/** `array.push(v, ...)` and `array.fill(v)`, the array methods that change their array. */
export function arrayMethod(lo: Lowering, e: Extract<Expr, { kind: 'arrayMethod' }>, array: Value, values: readonly Value[]): Value {
  const g = lo.graph;
  if (array.kind === 'paramArray') unsupported(codes.mutation, e.at, `'${e.method}' on the parameter array '${array.name}' changes the caller's array, which cannot be differentiated; copy it into a local array first.`);
  if (values.some((v) => v.kind !== 'number')) unsupported(codes.unsupportedSyntax, e.at, 'the arrays of a marked function hold numbers only.');
  if (array.kind === 'dynArray' && e.method === 'fill') {
    fillDynamic(lo, array.ref, (values[0] as { node: Node }).node, e.at);
    return array;
  }
  if (array.kind !== 'array') unsupported(codes.unsupportedSyntax, e.at, `'${e.method}' on this array is not coarsened yet; write it as a loop.`);
  const elements = elementsOf(lo, array.ref);
  if (e.method === 'push') {
    if (lo.arrayKinds.get(array.ref) !== 'array') unsupported(codes.unsupportedSyntax, e.at, 'typed arrays have no push.');
    values.forEach((v, i) => writeElement(lo, array.ref, elements.length + i, v, e.at));
    return { kind: 'number', node: g.constant(elementsOf(lo, array.ref).length) };
  }
  elements.forEach((_, i) => writeElement(lo, array.ref, i, values[0]!, e.at));
  return array;
}
