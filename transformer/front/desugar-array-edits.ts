/**
 * Array methods without a callback, as the front end rewrites them into the core's loops, reads and
 * writes (DESIGN.md §3): searches (`indexOf`, `lastIndexOf`, `includes`), copies (`concat`), views
 * (`subarray`), and changes in place (`pop`, `shift`, `reverse`, `fill` over a range). Each means
 * what JavaScript says, edge cases included: a search compares with `===` (`includes` finds NaN),
 * `pop` and `shift` on an empty array give `undefined` and leave it empty, indices are clamped and
 * counted from the end where negative.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, shapes, type Expr, type Stmt } from './core.js';
import { countedLoop, type ArrayMethodScope } from './desugar-arrays.js';
import { elementOf, lengthOf } from './rows.js';

export const editMethods = new Set(['indexOf', 'lastIndexOf', 'includes', 'concat', 'pop', 'shift', 'reverse', 'subarray']);

export function arrayEdit(scope: ArrayMethodScope, e: ts.CallExpression, name: string, array: Expr, args: readonly Expr[]): Expr {
  const at = e;
  const shape = shapeOf(array);
  if (shape.kind !== 'array') unsupported(codes.unsupportedSyntax, e, `'${name}' is differentiated on arrays of numbers here.`);
  const length = lengthOf(array, at);
  const num = (value: number): Expr => ({ kind: 'number', value, at });
  const read = (v: ReturnType<ArrayMethodScope['temporary']>): Expr => ({ kind: 'var', var: v, at });
  const binary = (op: Extract<Expr, { kind: 'binary' }>['op'], left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right, at });
  const element = (k: Expr) => elementOf(array, k, shapes.number, at);
  const store = (k: Expr, value: Expr): Stmt => ({ kind: 'store', object: array, key: { kind: 'element', index: k }, value, at });

  if (name === 'indexOf' || name === 'lastIndexOf' || name === 'includes') {
    if (args.length !== 1) unsupported(codes.unsupportedSyntax, e, `'${name}' is differentiated with one argument, searching the whole array.`);
    const wanted = scope.stable(args[0]!, at, 'wanted');
    const index = scope.temporary('index', shapes.int, at);
    scope.emit({ kind: 'let', var: index, init: num(-1), at });
    countedLoop(scope, at, length, name === 'lastIndexOf', (k, loop) => {
      const item = scope.stable(element(k), at, 'item');
      // `includes` compares as SameValueZero: NaN is found.
      const same = binary('===', item, wanted);
      const test: Expr = name === 'includes' ? { kind: 'logical', op: '||', left: same, right: { kind: 'logical', op: '&&', left: binary('!==', item, item), right: binary('!==', wanted, wanted), shape: shapes.boolean, at }, shape: shapes.boolean, at } : same;
      scope.emit({ kind: 'if', test, then: [{ kind: 'assign', var: index, value: k, at }, { kind: 'break', loop, at }], else: [], at });
    });
    return name === 'includes' ? binary('!==', read(index), num(-1)) : read(index);
  }
  if (name === 'concat') {
    if (shape.storage !== 'array') unsupported(codes.unsupportedSyntax, e, "'concat' is a method of plain arrays.");
    const out = scope.temporary('joined', shapes.array('array'), at);
    scope.emit({ kind: 'let', var: out, init: { kind: 'newArray', storage: 'array', arg: array, copy: true, at }, at });
    const push = (value: Expr): Stmt => ({ kind: 'effect', call: { kind: 'arrayMethod', method: 'push', array: read(out), args: [value], at }, at });
    for (const arg of args) {
      const given = shapeOf(arg).kind;
      if (given === 'number') scope.emit(push(arg));
      else if (given === 'array') countedLoop(scope, at, lengthOf(arg, at), false, (k) => scope.emit(push(elementOf(arg, k, shapes.number, at))));
      else unsupported(codes.unsupportedSyntax, arg.at, "'concat' is differentiated on numbers and arrays of numbers.");
    }
    return read(out);
  }
  if (name === 'pop' || name === 'shift') {
    if (args.length > 0) unsupported(codes.unsupportedSyntax, e, `'${name}' takes no arguments.`);
    if (shape.storage !== 'array') unsupported(codes.unsupportedSyntax, e, `'${name}' is a method of plain arrays.`);
    const count = scope.stable(length, at, 'count');
    // Read before the array changes; on an empty array the read is `undefined`, as the method's value.
    const taken = scope.temporary(name === 'pop' ? 'last' : 'first', { kind: 'number', int: false, optional: true }, at);
    scope.emit({ kind: 'let', var: taken, init: element(name === 'pop' ? binary('-', count, num(1)) : num(0)), at });
    // Each element one place down: element k − 1 from element k, from k = 1.
    if (name === 'shift') countedLoop(scope, at, count, false, (k) => scope.emit(store(binary('-', k, num(1)), element(k))), 1);
    const shorten: Stmt = { kind: 'store', object: array, key: { kind: 'field', name: 'length' }, value: binary('-', count, num(1)), at };
    scope.emit({ kind: 'if', test: binary('>', count, num(0)), then: [shorten], else: [], at });
    return read(taken);
  }
  if (name === 'reverse') {
    if (args.length > 0) unsupported(codes.unsupportedSyntax, e, "'reverse' takes no arguments.");
    const count = scope.stable(length, at, 'count');
    const half = scope.stable({ kind: 'math', op: 'floor', name: 'floor', args: [binary('/', count, num(2))], at }, at, 'half');
    countedLoop(scope, at, half, false, (k) => {
      const mirror = scope.stable(binary('-', binary('-', count, num(1)), k), at, 'mirror');
      const low = scope.stable(element(k), at, 'low');
      const high = scope.stable(element(mirror), at, 'high');
      scope.emit(store(k, high));
      scope.emit(store(mirror, low));
    });
    return array;
  }
  // subarray(begin, end): a view sharing the array's elements, begin and end clamped to [0, length]
  // and counted from the end where negative.
  if (shape.storage === 'array') unsupported(codes.unsupportedSyntax, e, "'subarray' is a method of typed arrays.");
  const count = scope.stable(length, at, 'count');
  const clamp = (given: Expr | undefined, otherwise: Expr, hint: string): Expr => {
    if (given === undefined || given.kind === 'undefined') return otherwise;
    if (given.kind === 'number' && Number.isFinite(given.value)) {
      const whole = Math.trunc(given.value);
      return whole < 0 ? scope.stable({ kind: 'math', op: 'max', name: 'max', args: [binary('+', count, num(whole)), num(0)], at }, at, hint) : scope.stable({ kind: 'math', op: 'min', name: 'min', args: [num(whole), count], at }, at, hint);
    }
    const whole = scope.stable({ kind: 'math', op: 'trunc', name: 'trunc', args: [given], at }, at, hint);
    const fromEnd: Expr = { kind: 'math', op: 'max', name: 'max', args: [binary('+', count, whole), num(0)], at };
    const fromStart: Expr = { kind: 'math', op: 'min', name: 'min', args: [whole, count], at };
    return scope.stable({ kind: 'conditional', test: binary('<', whole, num(0)), whenTrue: fromEnd, whenFalse: fromStart, shape: shapes.int, at }, at, hint);
  };
  const start = clamp(args[0], num(0), 'begin');
  const end = clamp(args[1], count, 'end');
  const size = scope.stable({ kind: 'math', op: 'max', name: 'max', args: [binary('-', end, start), num(0)], at }, at, 'size');
  return { kind: 'view', array, start, length: size, storage: shape.storage, at };
}
