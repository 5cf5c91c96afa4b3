/**
 * Elements and lengths of arrays, as the front end reads them everywhere (indexing, `for...of`,
 * destructuring, array methods, spreads), so that a row of an array of arrays (`pts[i]` of
 * `pts: number[][]`) and a typed array's `subarray` read the same whichever way they are reached.
 *
 * In the core an array of arrays is read like any array: `pts[i]` is an element whose shape is an
 * array of numbers, and `pts.length` its length. Each mode holds one as it can: a parameter's
 * arrives as one flat array of its numbers with its row count, row length and row spacing (the
 * `matrix` of `parameters.ts`, which the companion flattens, `emit/pack.ts`), which the coarse mode
 * reads row by row as views and the fine mode as rows of views; one the function builds is arrays
 * of rows in the fine mode (the coarse mode hands such a function to the operation tape).
 */
import type ts from 'typescript';
import { shapeOf, shapes, type Expr, type Shape } from './core.js';

/** `array[index]`; `checked` is what the type checker says the element is. */
export function elementOf(array: Expr, index: Expr, checked: Shape, at: ts.Node): Expr {
  const shape = shapeOf(array);
  // A row is an array of numbers, of its kind in the source.
  if (shape.kind === 'matrix') return { kind: 'element', array, index, shape: shapes.array(shape.row), at };
  // An element of an array of numbers is a number, whatever the checker says (`new Array(n).fill(0)` is `any[]`).
  return { kind: 'element', array, index, shape: shape.kind === 'array' && checked.kind !== 'number' ? shapes.number : checked, at };
}

/** `array.length`; a view's is the view's own. */
export function lengthOf(array: Expr, at: ts.Node): Expr {
  if (array.kind === 'view') return array.length;
  return { kind: 'field', object: array, name: 'length', shape: shapes.int, at };
}
