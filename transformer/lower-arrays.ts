/**
 * Lowering of arrays (DESIGN.md §4): local arrays (literals, `new Float64Array(n)`, `new Array(n)`,
 * `push`, `fill`) live in the lowerer's heap as lists of values, indexed by indices known at compile
 * time; their writes are functional updates, so branches and unrolled loops join them like variables.
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';
import type { Lowerer, Value } from './lower.js';
import { newDynamicArray } from './lower-maps.js';

/**
 * An element index, which must be known at compile time for now: a literal, or a loop counter of
 * a loop that is unrolled. Run-time indices arrive with loops that run at run time.
 */
export function constantIndex(lo: Lowerer, e: ts.Expression): number {
  const index = lo.number(e);
  if (index.kind !== 'const' || !Number.isInteger(index.value) || index.value < 0) {
    unsupported(
      codes.unsupportedSyntax,
      e,
      'this element index is not known at compile time; indices that come from run-time values are not differentiated yet (a literal or the counter of a loop with a constant trip count is).',
    );
  }
  return index.value;
}

export function elementsOf(lo: Lowerer, ref: number): readonly Value[] {
  return lo.heap.get(ref)!;
}

export function writeElement(lo: Lowerer, ref: number, index: number, value: Value, at: ts.Node): void {
  if (value.kind !== 'number') unsupported(codes.unsupportedSyntax, at, 'only numbers can be stored in the arrays of a marked function.');
  const elements = elementsOf(lo, ref);
  const kind = lo.arrayKinds.get(ref)!;
  // Typed arrays ignore writes past their end; Float32Array rounds what it stores.
  if (kind !== 'array' && index >= elements.length) return;
  const stored: Value = kind === 'float32' ? { kind: 'number', node: lo.graph.call('fround', value.node) } : value;
  const next = elements.slice();
  for (let i = next.length; i < index; i++) next.push({ kind: 'number', node: lo.graph.constant(NaN) });
  next[index] = stored;
  lo.heap.set(ref, next);
}

export function newArray(lo: Lowerer, kind: 'array' | 'float64' | 'float32', elements: readonly Value[]): Value {
  const ref = lo.nextArray++;
  lo.arrayKinds.set(ref, kind);
  lo.heap.set(ref, kind === 'float32' ? elements.map((v) => (v.kind === 'number' ? { kind: 'number', node: lo.graph.call('fround', v.node) } : v)) : elements);
  return { kind: 'array', ref };
}

/** `[a, b]`, `new Float64Array(n)`, `new Float64Array([a, b])`, `new Array(n)` (filled later). */
export function arrayLiteral(lo: Lowerer, e: ts.ArrayLiteralExpression): Value {
  const elements = e.elements.map((element) => {
    if (lo.ts.isSpreadElement(element) || lo.ts.isOmittedExpression(element)) {
      unsupported(codes.unsupportedSyntax, element, 'spread elements and holes are not supported in the array literals of a marked function.');
    }
    const v = lo.expression(element);
    if (v.kind !== 'number') unsupported(codes.unsupportedSyntax, element, 'the arrays of a marked function hold numbers only.');
    return v;
  });
  return newArray(lo, 'array', elements);
}

export function newExpression(lo: Lowerer, e: ts.NewExpression): Value {
  const ts = lo.ts;
  const name = ts.isIdentifier(e.expression) && lo.isGlobal(e.expression) ? e.expression.text : undefined;
  const kind = name === 'Float64Array' ? 'float64' : name === 'Float32Array' ? 'float32' : name === 'Array' ? 'array' : undefined;
  const args = e.arguments ?? [];
  if (kind === undefined || args.length > 1) {
    unsupported(codes.unsupportedSyntax, e, "only 'new Float64Array(n)', 'new Float32Array(n)' and 'new Array(n)' can be created in a marked function.");
  }
  if (args.length === 1 && kind !== 'array' && lo.skipParentheses(args[0]!).kind === ts.SyntaxKind.ArrayLiteralExpression) {
    const source = arrayLiteral(lo, lo.skipParentheses(args[0]!) as ts.ArrayLiteralExpression) as { ref: number };
    return newArray(lo, kind, elementsOf(lo, source.ref));
  }
  const size = args.length === 0 ? lo.graph.constant(0) : lo.number(args[0]!);
  if (size.kind !== 'const') return newDynamicArray(lo, kind, size);
  const length = constantIndex(lo, args[0]!);
  // Typed arrays start at 0; `new Array(n)` has holes, read as NaN in arithmetic until filled.
  const fill = lo.graph.constant(kind === 'array' ? NaN : 0);
  return newArray(lo, kind, Array.from({ length }, () => ({ kind: 'number', node: fill })));
}

/** `array.push(v, ...)` and `array.fill(v)`, the array methods a marked function may call. */
export function arrayMethod(lo: Lowerer, e: ts.CallExpression, array: Value & { kind: 'array' }, method: string): Value {
  const g = lo.graph;
  const values = e.arguments.map((a) => lo.expression(a));
  if (values.some((v) => v.kind !== 'number')) unsupported(codes.unsupportedSyntax, e, 'the arrays of a marked function hold numbers only.');
  const elements = elementsOf(lo, array.ref);
  if (method === 'push') {
    if (lo.arrayKinds.get(array.ref) !== 'array') unsupported(codes.unsupportedSyntax, e, 'typed arrays have no push.');
    values.forEach((v, i) => writeElement(lo, array.ref, elements.length + i, v, e));
    return { kind: 'number', node: g.constant(elementsOf(lo, array.ref).length) };
  }
  if (method === 'fill' && values.length === 1) {
    values[0]!.kind === 'number' && elements.forEach((_, i) => writeElement(lo, array.ref, i, values[0]!, e));
    return array;
  }
  unsupported(codes.unsupportedSyntax, e, `'${method}' on an array is not differentiated yet; write it as a loop.`);
}
