/**
 * Array methods that take a callback, `Array.from(..., fn)` and `Math.max(...xs)`, as the front end
 * rewrites them (DESIGN.md §3): each is the loop it stands for, so that both modes see only loops.
 * `xs.reduce((s, v) => s + v * v, 0)` is `let s = 0; for (let k = 0; k < xs.length; k++) s = cb(s,
 * xs[k], k, xs)`, a callback written at the call desugared in place there (`desugar.ts`, `inline`),
 * a named one called; `map` writes a new array of the same kind at the counter (a map, DESIGN.md
 * §4); `forEach` runs the callback for its effects; `some` and `every` leave at the first element
 * that decides; `filter` pushes the elements the callback holds for onto a new array, `find` and
 * `findIndex` stop at the first.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, shapeOf, type ArrayStorage, type CoreFunction, type Expr, type Loop, type Shape, type Stmt, type Var } from './core.js';
import { elementOf, lengthOf } from './rows.js';
import type { FunctionLike } from './source.js';

/** What the rewriting needs of the function body being desugared (`desugar.ts`). */
export interface ArrayMethodScope {
  readonly ts: typeof ts;
  expression(e: ts.Expression): Expr;
  /** `e` in a variable of its own unless reading it twice is the same. */
  stable(e: Expr, at: ts.Node, name: string): Expr;
  temporary(name: string, shape: Shape, at: ts.Node): Var;
  /** What the type checker says `node` is. */
  checked(node: ts.Node): Shape;
  function(decl: FunctionLike, at: ts.Node): CoreFunction;
  /** The function an argument passes (written there, named, or a function parameter's): `desugar.ts`. */
  functionValue(e: ts.Expression): FunctionLike;
  /** Where the argument names a function a call made (`closures.ts`): how to call it. */
  madeCallback(e: ts.Expression): ((args: readonly Expr[], site: ts.CallExpression) => Expr) | undefined;
  /** A callback written at the call, its body desugared where it is called, for `args`: its value. */
  inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Expr[]): Expr;
  emit(s: Stmt): void;
  collect(body: () => void): Stmt[];
}

/** The methods rewritten here. */
export const callbackMethods = new Set(['reduce', 'reduceRight', 'map', 'forEach', 'some', 'every', 'filter', 'find', 'findIndex']);

export function callbackMethod(scope: ArrayMethodScope, e: ts.CallExpression, callee: ts.PropertyAccessExpression): Expr {
  const name = callee.name.text;
  const array = scope.stable(scope.expression(callee.expression), callee.expression, 'array');
  if (e.arguments.length === 0) unsupported(codes.unsupportedSyntax, e, `'${name}' needs a callback.`);
  if (e.arguments.length > (name.startsWith('reduce') ? 2 : 1)) {
    unsupported(codes.unsupportedSyntax, e.arguments[1]!, `a 'thisArg' for '${name}' is not differentiated; use an arrow function that reads what it needs.`);
  }
  const call = invoker(scope, e.arguments[0]!, e);
  const at = e;
  const length = lengthOf(array, at);
  const element = (index: Expr): Expr => elementOf(array, index, elementShapeOf(array), at);

  if (name === 'reduce' || name === 'reduceRight') {
    // Without a start, reduce takes the first element, and throws on an empty array: ask for one.
    if (e.arguments.length < 2) unsupported(codes.unsupportedSyntax, e, `give '${name}' its initial value (xs.${name}((s, v) => s + v, 0)): without one it throws on an empty array.`);
    const acc = scope.temporary('acc', shapes.number, at);
    scope.emit({ kind: 'let', var: acc, init: scope.stable(scope.expression(e.arguments[1]!), e.arguments[1]!, 'initial'), at });
    countedLoop(scope, at, length, name === 'reduceRight', (k) => {
      const next = call([{ kind: 'var', var: acc, at }, element(k), k, array], 'reduced');
      scope.emit({ kind: 'assign', var: acc, value: next, at });
    });
    return { kind: 'var', var: acc, at };
  }
  if (name === 'forEach') {
    countedLoop(scope, at, length, false, (k) => void call([element(k), k, array], 'called'));
    return { kind: 'undefined', at };
  }
  if (name === 'map') {
    const source = shapeOf(array);
    // A typed array maps to a typed array of its kind (Float32Array rounds), a plain one to an array.
    const storage = source.kind === 'array' ? source.storage : 'array';
    // Mapped to arrays (`pts.map((p) => [p[1], p[0]])`): an array of arrays.
    const rows = scope.checked(e).kind === 'matrix';
    const out = scope.temporary('mapped', rows ? scope.checked(e) : shapes.array(storage), at);
    scope.emit({ kind: 'let', var: out, init: { kind: 'newArray', storage, arg: length, copy: false, at }, at });
    countedLoop(scope, at, length, false, (k) => {
      const value = scope.stable(call([element(k), k, array], 'item'), at, 'item');
      scope.emit({ kind: 'store', object: { kind: 'var', var: out, at }, key: { kind: 'element', index: k }, value, at });
    });
    return { kind: 'var', var: out, at };
  }
  if (name === 'filter' || name === 'find') {
    const source = shapeOf(array);
    if (source.kind !== 'array') unsupported(codes.unsupportedSyntax, e, `'${name}' is differentiated on arrays of numbers here; loop over the indices for arrays of objects or of arrays.`);
    if (name === 'find') {
      // The element, or undefined where none holds.
      const found = scope.temporary('found', { kind: 'number', int: false, optional: true }, at);
      scope.emit({ kind: 'let', var: found, init: { kind: 'undefined', at }, at });
      countedLoop(scope, at, length, false, (k, loop) => {
        const item = scope.stable(element(k), at, 'item');
        const held = call([item, k, array], 'holds');
        scope.emit({ kind: 'if', test: held, then: [{ kind: 'assign', var: found, value: item, at }, { kind: 'break', loop, at }], else: [], at });
      });
      return { kind: 'var', var: found, at };
    }
    // Pushed onto a plain array; a typed array's filter gives a typed array of what was kept.
    const kept = scope.temporary('kept', shapes.array('array'), at);
    scope.emit({ kind: 'let', var: kept, init: { kind: 'arrayLiteral', elements: [], at }, at });
    countedLoop(scope, at, length, false, (k) => {
      const item = scope.stable(element(k), at, 'item');
      const held = call([item, k, array], 'holds');
      const push: Stmt = { kind: 'effect', call: { kind: 'arrayMethod', method: 'push', array: { kind: 'var', var: kept, at }, args: [item], at }, at };
      scope.emit({ kind: 'if', test: held, then: [push], else: [], at });
    });
    if (source.storage === 'array') return { kind: 'var', var: kept, at };
    return { kind: 'newArray', storage: source.storage, arg: { kind: 'var', var: kept, at }, copy: true, at };
  }
  if (name === 'findIndex') {
    const index = scope.temporary('index', shapes.int, at);
    scope.emit({ kind: 'let', var: index, init: { kind: 'number', value: -1, at }, at });
    countedLoop(scope, at, length, false, (k, loop) => {
      const held = call([element(k), k, array], 'holds');
      scope.emit({ kind: 'if', test: held, then: [{ kind: 'assign', var: index, value: k, at }, { kind: 'break', loop, at }], else: [], at });
    });
    return { kind: 'var', var: index, at };
  }
  // `some` is true at the first element the callback holds for, `every` false at the first it does
  // not: a count of 0 or 1 (a loop carries numbers), read as a boolean after the loop.
  const some = name === 'some';
  const found = scope.temporary(name, shapes.int, at);
  scope.emit({ kind: 'let', var: found, init: { kind: 'number', value: 0, at }, at });
  countedLoop(scope, at, length, false, (k, loop) => {
    const held = call([element(k), k, array], 'holds');
    const test: Expr = some ? held : { kind: 'unary', op: '!', operand: held, at };
    scope.emit({ kind: 'if', test, then: [{ kind: 'assign', var: found, value: { kind: 'number', value: 1, at }, at }, { kind: 'break', loop, at }], else: [], at });
  });
  return { kind: 'binary', op: some ? '!==' : '===', left: { kind: 'var', var: found, at }, right: { kind: 'number', value: 0, at }, at };
}

/**
 * `Array.from({ length: n }, (_, i) => e)`, `Float64Array.from(xs, (v, i) => e)`: a new array of
 * that kind written at the counter, as `map` writes one.
 */
export function arrayFrom(scope: ArrayMethodScope, e: ts.CallExpression, storage: ArrayStorage): Expr {
  const ts = scope.ts;
  const at = e;
  const [source, callbackArg] = [e.arguments[0]!, e.arguments[1]!];
  const sized = ts.isObjectLiteralExpression(source) ? source : undefined;
  let length: Expr;
  let element: ((k: Expr) => Expr) | undefined;
  if (sized !== undefined) {
    const property = sized.properties.length === 1 ? sized.properties[0]! : undefined;
    if (property === undefined || !ts.isPropertyAssignment(property) || property.name.getText() !== 'length') {
      unsupported(codes.unsupportedSyntax, source, 'Array.from is differentiated on an array or on { length: n } here.');
    }
    length = scope.stable(scope.expression(property.initializer), property.initializer, 'length');
  } else {
    const array = scope.stable(scope.expression(source), source, 'source');
    const shape = shapeOf(array).kind;
    if (shape !== 'array' && shape !== 'records' && shape !== 'matrix') unsupported(codes.unsupportedSyntax, source, 'Array.from is differentiated on an array or on { length: n } here.');
    length = lengthOf(array, at);
    element = (k) => elementOf(array, k, elementShapeOf(array), at);
  }
  const call = invoker(scope, callbackArg, e);
  const out = scope.temporary('made', scope.checked(e).kind === 'matrix' ? scope.checked(e) : shapes.array(storage), at);
  scope.emit({ kind: 'let', var: out, init: { kind: 'newArray', storage, arg: length, copy: false, at }, at });
  countedLoop(scope, at, length, false, (k) => {
    const value = call([element?.(k) ?? { kind: 'undefined', at }, k], 'item');
    scope.emit({ kind: 'store', object: { kind: 'var', var: out, at }, key: { kind: 'element', index: k }, value: scope.stable(value, at, 'item'), at });
  });
  return { kind: 'var', var: out, at };
}

/**
 * `Math.max(...xs)`, `Math.min(a, ...xs, b)`: the extremum kept from -∞ (∞), as `Math.max` starts,
 * over the arguments in order, a loop over each spread array where it is read.
 */
export function spreadExtremum(scope: ArrayMethodScope, e: ts.CallExpression, name: 'max' | 'min'): Expr {
  const ts = scope.ts;
  const at = e;
  const best = scope.temporary(name === 'max' ? 'largest' : 'smallest', shapes.number, at);
  scope.emit({ kind: 'let', var: best, init: { kind: 'number', value: name === 'max' ? -Infinity : Infinity, at }, at });
  const keep = (value: Expr) => scope.emit({ kind: 'assign', var: best, value: { kind: 'math', op: name, name, args: [{ kind: 'var', var: best, at }, value], at }, at });
  for (const arg of e.arguments) {
    if (!ts.isSpreadElement(arg)) {
      keep(scope.stable(scope.expression(arg), arg, 'argument'));
      continue;
    }
    const array = scope.stable(scope.expression(arg.expression), arg.expression, 'array');
    if (shapeOf(array).kind !== 'array') unsupported(codes.unsupportedSyntax, arg, `Math.${name}(...) spreads arrays of numbers only here.`);
    countedLoop(scope, at, lengthOf(array, at), false, (k) => keep(elementOf(array, k, shapes.number, at)));
  }
  return { kind: 'var', var: best, at };
}

/** `for (let k = from; k < length; k++)` (or down from `length - 1`), its body from `fill`. */
export function countedLoop(scope: ArrayMethodScope, at: ts.CallExpression, length: Expr, backwards: boolean, fill: (k: Expr, loop: Loop) => void, from = 0): void {
  const counter = scope.temporary('k', shapes.int, at);
  const k: Expr = { kind: 'var', var: counter, at };
  const one: Expr = { kind: 'number', value: 1, at };
  const loop: Loop = {
    kind: 'loop',
    init: [{ kind: 'let', var: counter, init: backwards ? { kind: 'binary', op: '-', left: length, right: one, at } : { kind: 'number', value: from, at }, at }],
    testing: [],
    test: backwards ? { kind: 'binary', op: '>=', left: k, right: { kind: 'number', value: 0, at }, at } : { kind: 'binary', op: '<', left: k, right: length, at },
    testFirst: true,
    body: [],
    update: [{ kind: 'assign', var: counter, value: { kind: 'binary', op: backwards ? '-' : '+', left: k, right: one, at }, at }],
    at,
  };
  loop.body = scope.collect(() => fill(k, loop));
  scope.emit(loop);
}

/**
 * The callback's value for `args`: one written at the call is desugared in place (so that it may
 * change the variables around it, `t += v`, as the function's own); a named one is called, with
 * only as many arguments as it declares, its value held in a variable named after `hint`.
 */
function invoker(scope: ArrayMethodScope, arg: ts.Expression, at: ts.CallExpression): (args: readonly Expr[], hint: string) => Expr {
  const made = scope.madeCallback(arg);
  if (made !== undefined) return (args) => made(args, at);
  const callback = scope.functionValue(arg);
  if (!scope.ts.isFunctionDeclaration(callback) && isWrittenAt(scope, arg, callback)) return (args) => scope.inline(callback as ts.ArrowFunction | ts.FunctionExpression, args);
  const fn = scope.function(callback, arg);
  return (args, hint) => {
    const v = scope.temporary(hint, fn.result, at);
    scope.emit({ kind: 'let', var: v, init: { kind: 'call', fn, args: fn.params.map((_, i) => args[i] ?? { kind: 'undefined', at }), receiver: undefined, shape: fn.result, at }, at });
    return { kind: 'var', var: v, at };
  };
}

/** Is the callback `fn` the argument `arg` itself, written at the call? */
function isWrittenAt(scope: ArrayMethodScope, arg: ts.Expression, fn: FunctionLike): boolean {
  let e = arg;
  while (scope.ts.isParenthesizedExpression(e)) e = e.expression;
  return e === fn;
}

/** What one element of `array` is: a number, or for an array of records the record. */
function elementShapeOf(array: Expr): Shape {
  const shape = shapeOf(array);
  return shape.kind === 'records' ? shape.element : shapes.number;
}
