/**
 * Arrays of arrays of numbers (`pts: number[][]`, `W: Float64Array[]`), as the front end reads them.
 * A parameter holding one is taken apart into one flat array of its numbers, row after row, with
 * the number of rows, the length of a row and the spacing of rows (`parameters.ts`; the companion
 * flattens the caller's rows and refuses rows of different lengths, `pack.ts`). In the core it is a
 * `matrix`: `pts.length` is its row count and `pts[i]` a `view` of the flat array from
 * `i * stride`, `cols` long: both modes
 * see arrays of numbers and index arithmetic only. A view reads as the row would: an index past its
 * end reads `undefined` (NaN in arithmetic), not the next row's number, unless the mode proves it in
 * range (a loop counter bounded by a row's length).
 *
 * Every read of an element or of a length in the front end goes through here, so that a row reads
 * the same whether it is indexed directly, named, iterated, destructured or passed to a helper.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, shapes, type Expr, type Shape } from './core.js';

/** `array[index]`; `checked` is what the type checker says the element is. */
export function elementOf(array: Expr, index: Expr, checked: Shape, at: ts.Node): Expr {
  const shape = shapeOf(array);
  if (shape.kind === 'matrix') {
    const start: Expr = { kind: 'binary', op: '*', left: index, right: field(array, 'stride', at), at };
    return { kind: 'view', array: field(array, 'flat', at), start, length: field(array, 'cols', at), storage: shape.row, readonlyAs: readonlyAsOf(array), at };
  }
  // An element of an array of numbers is a number, whatever the checker says (`new Array(n).fill(0)` is `any[]`).
  return { kind: 'element', array, index, shape: shape.kind === 'array' && checked.kind !== 'number' ? shapes.number : checked, at };
}

/** `array.length`: a matrix's row count, a row's length. */
export function lengthOf(array: Expr, at: ts.Node): Expr {
  if (shapeOf(array).kind === 'matrix') return field(array, 'rows', at);
  if (array.kind === 'view') return array.length;
  return { kind: 'field', object: array, name: 'length', shape: shapes.int, at };
}

function field(matrix: Expr, name: 'flat' | 'rows' | 'cols' | 'stride', at: ts.Node): Expr {
  if (matrix.kind === 'matrix') return matrix[name];
  return { kind: 'field', object: matrix, name, shape: name === 'flat' ? shapes.array('float64') : shapes.int, at };
}

/** What a matrix read through a variable was, for messages refusing writes to it. */
function readonlyAsOf(matrix: Expr): string {
  if (matrix.kind === 'matrix') return matrix.readonlyAs;
  return matrix.kind === 'var' ? `the rows of '${matrix.var.name}'` : "a parameter's rows";
}

/**
 * A value given to a variable, parameter or result typed as an array of arrays must be a
 * parameter's (or a name for one): an array of arrays built in the function is not taken yet.
 */
export function refuseBuiltRows(target: Shape, value: Expr): void {
  if (target.kind !== 'matrix' || shapeOf(value).kind === 'matrix') return;
  unsupported(
    codes.unsupportedSyntax,
    value.at,
    "an array of arrays is differentiated where it is a marked function's parameter (pts: number[][]), read as it is given; one built or filled in the function is not yet: keep the rows in one flat array (row i from i * n) or in one array per coordinate.",
  );
}

/** `pts[i][j] = v`, `pts[i] = row`: the rows are the caller's. */
export function refuseRowWrite(object: Expr, at: ts.Node): void {
  if (object.kind === 'view' && object.readonlyAs !== undefined) unsupported(codes.mutation, at, `writing to ${object.readonlyAs} cannot be differentiated (the caller's array would change); copy the row into a local array first.`);
  if (shapeOf(object).kind === 'matrix') unsupported(codes.mutation, at, `writing to ${readonlyAsOf(object)} cannot be differentiated (the caller's array would change); build a local array instead.`);
}
