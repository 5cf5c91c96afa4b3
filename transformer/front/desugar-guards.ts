/**
 * The tests argument checks are written with (`if (!Number.isFinite(x)) throw ...`), as the front
 * end rewrites them into core conditions: `isFinite` and `Number.isFinite` are `|x| < ∞`, `isNaN`
 * and `Number.isNaN` are `x !== x`, `Number.isInteger` is `x - trunc(x) === 0`; `Array.isArray` and
 * `typeof` are decided by the value's shape, a `number | undefined` by the test for `undefined`.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, type Expr, type Shape } from './core.js';

/** What the rewriting needs of the body being desugared (`desugar.ts`). */
export interface GuardScope {
  readonly ts: typeof ts;
  expression(e: ts.Expression): Expr;
  /** `e` in a variable of its own unless reading it twice is the same. */
  stable(e: Expr, at: ts.Node, name: string): Expr;
}

const numberTests = new Set(['isFinite', 'isNaN', 'isInteger']);

/** `isFinite(x)`, `Number.isNaN(x)`, `Array.isArray(xs)`, ... as a condition; `undefined` for other calls. */
export function guardCall(scope: GuardScope, e: ts.CallExpression, global: string | undefined, member: string | undefined, bare: string | undefined): Expr | undefined {
  const name = global === 'Number' && member !== undefined && numberTests.has(member) ? member : bare === 'isFinite' || bare === 'isNaN' ? bare : undefined;
  if (global === 'Array' && member === 'isArray') {
    const arg = scope.expression(e.arguments[0]!);
    const shape = shapeOf(arg);
    if (shape.kind === 'other') unsupported(codes.unsupportedSyntax, e.arguments[0]!, "Array.isArray is decided by the value's type here; give it a type.");
    return { kind: 'boolean', value: shape.kind === 'array' && shape.storage === 'array', at: e };
  }
  if (name === undefined) return undefined;
  if (e.arguments.length !== 1) unsupported(codes.unsupportedSyntax, e, `${global === 'Number' ? 'Number.' : ''}${name} takes one number here.`);
  const at = e;
  const arg = scope.expression(e.arguments[0]!);
  const shape = shapeOf(arg);
  // The global isFinite and isNaN convert their argument first; on numbers they are Number's.
  if (shape.kind !== 'number') unsupported(codes.unsupportedSyntax, e.arguments[0]!, `${name} is differentiated on numbers here; compare other values directly.`);
  const x = scope.stable(arg, e.arguments[0]!, 'tested');
  if (name === 'isNaN') return { kind: 'binary', op: '!==', left: x, right: x, at };
  if (name === 'isFinite') return { kind: 'binary', op: '<', left: { kind: 'math', op: 'abs', name: 'abs', args: [x], at }, right: { kind: 'number', value: Infinity, at }, at };
  // ∞ - trunc(∞) is NaN: not an integer, as Number.isInteger has it.
  const fraction: Expr = { kind: 'binary', op: '-', left: x, right: { kind: 'math', op: 'trunc', name: 'trunc', args: [x], at }, at };
  return { kind: 'binary', op: '===', left: fraction, right: { kind: 'number', value: 0, at }, at };
}

/**
 * `typeof v === 'number'` (or `!==`, `==`, `!=`): decided by the shape of `v`; for a `number |
 * undefined`, the test for `undefined`. `undefined` if `e` is not such a comparison.
 */
export function typeofTest(scope: GuardScope, e: ts.BinaryExpression): Expr | undefined {
  const ts = scope.ts;
  const k = ts.SyntaxKind;
  const token = e.operatorToken.kind;
  if (token !== k.EqualsEqualsEqualsToken && token !== k.ExclamationEqualsEqualsToken && token !== k.EqualsEqualsToken && token !== k.ExclamationEqualsToken) return undefined;
  const [operand, literal] = ts.isTypeOfExpression(e.left) && ts.isStringLiteral(e.right) ? [e.left, e.right] : ts.isTypeOfExpression(e.right) && ts.isStringLiteral(e.left) ? [e.right, e.left] : [undefined, undefined];
  if (operand === undefined || literal === undefined) return undefined;
  const negate = token === k.ExclamationEqualsEqualsToken || token === k.ExclamationEqualsToken;
  const value = scope.expression(operand.expression);
  const shape = shapeOf(value);
  const at = e;
  let test: Expr;
  if (shape.kind === 'number' && shape.optional) {
    const missing: Expr = { kind: 'isUndefined', operand: value, orNull: false, at };
    test = literal.text === 'undefined' ? missing : literal.text === 'number' ? { kind: 'unary', op: '!', operand: missing, at } : { kind: 'boolean', value: false, at };
  } else {
    const known = typeofShape(shape);
    if (known === undefined) unsupported(codes.unsupportedSyntax, operand, "'typeof' is decided by the value's type here; give it a type.");
    test = { kind: 'boolean', value: known === literal.text, at };
  }
  return negate ? { kind: 'unary', op: '!', operand: test, at } : test;
}

/** What `typeof` gives for a value of `shape`, where the shape decides it. */
function typeofShape(shape: Shape): string | undefined {
  switch (shape.kind) {
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'undefined':
      return 'undefined';
    case 'array':
    case 'record':
      return 'object';
    case 'function':
      return 'function';
    default:
      return undefined;
  }
}
