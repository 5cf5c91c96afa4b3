/**
 * The arguments of a call bound to the callee's parameters, as JavaScript binds them: a spread
 * argument (`f(...xs)`) gives the parameters from its position on its elements in order
 * (`undefined` past its end), and a rest parameter (`...xs: number[]`) is a new array of the
 * arguments from its position on, spread ones included.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, shapes, type Expr } from './core.js';
import { countedLoop, type ArrayMethodScope } from './desugar-arrays.js';
import { elementOf, lengthOf } from './rows.js';

/** An argument as evaluated: its value, or for `...xs` the array spread. */
export type Argument = { readonly value: Expr; readonly spread: boolean };

/**
 * One value per parameter of the callee (`count` of them, the one at `rest` a rest parameter).
 * A spread may only be the last argument: where the arguments after it land depends on its length.
 */
export function bindArguments(scope: ArrayMethodScope, e: ts.CallExpression, args: readonly Argument[], count: number, rest: number | undefined): Expr[] {
  const at = e;
  const spreadAt = args.findIndex((a) => a.spread);
  if (spreadAt >= 0 && spreadAt !== args.length - 1) unsupported(codes.unsupportedSyntax, e.arguments[spreadAt]!, 'a spread argument is differentiated as the last argument only; pass the arguments after it inside the array.');
  const spread = spreadAt >= 0 ? args[spreadAt]!.value : undefined;
  if (spread !== undefined && shapeOf(spread).kind !== 'array') unsupported(codes.unsupportedSyntax, e.arguments[spreadAt]!, 'only arrays of numbers can be spread into a call here.');
  const undefinedValue: Expr = { kind: 'undefined', at };
  /** The argument at position i: given, read from the spread array, or `undefined`. */
  const at_ = (i: number): Expr => {
    if (spread === undefined || i < spreadAt) return args[i]?.value ?? undefinedValue;
    return elementOf(spread, { kind: 'number', value: i - spreadAt, at }, shapes.number, at);
  };
  const bound: Expr[] = [];
  for (let i = 0; i < count; i++) {
    if (i !== rest) {
      bound.push(at_(i));
      continue;
    }
    const given = args.slice(i, spread === undefined ? undefined : spreadAt).map((a) => a.value);
    if (spread === undefined || spreadAt < i) {
      // All given here, or the spread array's elements from i − spreadAt on.
      bound.push(spread === undefined ? { kind: 'arrayLiteral', elements: given, at } : { kind: 'slice', array: spread, args: [{ kind: 'number', value: i - spreadAt, at }], at });
      continue;
    }
    if (given.length === 0) {
      bound.push({ kind: 'newArray', storage: 'array', arg: spread, copy: true, at });
      continue;
    }
    const collected = scope.temporary('rest', shapes.array('array'), at);
    scope.emit({ kind: 'let', var: collected, init: { kind: 'arrayLiteral', elements: given, at }, at });
    countedLoop(scope, at, lengthOf(spread, at), false, (k) =>
      scope.emit({ kind: 'effect', call: { kind: 'arrayMethod', method: 'push', array: { kind: 'var', var: collected, at }, args: [elementOf(spread, k, shapes.number, at)], at }, at }),
    );
    bound.push({ kind: 'var', var: collected, at });
  }
  return bound;
}
