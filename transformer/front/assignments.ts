/**
 * Assignments, as the front end rewrites them into the core (`desugar.ts`): to variables, elements
 * and fields, destructuring assignments, compound assignments and `++`/`--`, each target evaluated
 * once, in JavaScript's order.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { type Expr, type Var } from './core.js';
import { elementOf } from './rows.js';
import { skipOuter } from './source.js';
import { fieldShape, numberAt, read, undefinedAt } from './values.js';
import type { BodyScope, Place } from './scope.js';

/** `target = value`: the stored value is the expression's value. */
export function assignTo(b: BodyScope, target: ts.Expression, value: (place: Place) => Expr, place: Place, at: ts.Node = target): Expr {
  const ts = b.ts;
  const inner = skipOuter(ts, target);
  if (ts.isIdentifier(inner)) {
    const v = assignable(b, inner);
    // A call assigned to a variable stays whole, as a declaration's value does.
    const stored = value('init');
    b.refine(v, stored);
    b.out.push({ kind: 'assign', var: v, value: stored, at });
    return place === 'effect' ? undefinedAt(at) : read(v, at);
  }
  if (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) {
    const parts = b.operands([
      () => b.expression(inner.expression),
      ...(ts.isElementAccessExpression(inner) ? [() => b.expression(inner.argumentExpression)] : []),
      () => value('value'),
    ]);
    return store(b, inner, parts[0]!, ts.isElementAccessExpression(inner) ? parts[1]! : undefined, parts[parts.length - 1]!, place, at);
  }
  if (ts.isArrayLiteralExpression(inner) || ts.isObjectLiteralExpression(inner)) {
    const source = b.stableCopy(value('value'), at, 'destructured');
    destructureAssignment(b, inner, source);
    return source;
  }
  unsupported(codes.unsupportedSyntax, target, 'only variables, array elements and object fields can be assigned in a marked function.');
}

/** `[a, b] = source`, `({ x, y } = source)`. */
function destructureAssignment(b: BodyScope, pattern: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression, source: Expr): void {
  const ts = b.ts;
  if (ts.isArrayLiteralExpression(pattern)) {
    pattern.elements.forEach((element, index) => {
      if (ts.isOmittedExpression(element)) return;
      if (ts.isSpreadElement(element)) unsupported(codes.unsupportedSyntax, element, 'rest elements in destructuring are not supported in a marked function; read the elements you need by index.');
      const target = ts.isBinaryExpression(element) && element.operatorToken.kind === ts.SyntaxKind.EqualsToken ? element.left : element;
      if (target !== element) unsupported(codes.unsupportedSyntax, element, 'defaults in destructuring assignments are not supported; assign and test the value.');
      assignTo(b, target, () => elementOf(source, numberAt(index, element), b.front.shape(element), element), 'effect');
    });
    return;
  }
  for (const p of pattern.properties) {
    if (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === undefined) {
      assignTo(b, p.name, () => ({ kind: 'field', object: source, name: p.name.text, shape: fieldShape(source, p.name.text, b.front.shape(p.name)), at: p }), 'effect');
    } else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
      const name = p.name.text;
      assignTo(b, p.initializer, () => ({ kind: 'field', object: source, name, shape: fieldShape(source, name, b.front.shape(p.initializer)), at: p }), 'effect');
    } else {
      unsupported(codes.unsupportedSyntax, p, 'only plain fields can be destructured in an assignment in a marked function.');
    }
  }
}

function store(b: BodyScope, target: ts.ElementAccessExpression | ts.PropertyAccessExpression, object: Expr, index: Expr | undefined, value: Expr, place: Place, at: ts.Node): Expr {
  const ts = b.ts;
  const key = index !== undefined ? { kind: 'element' as const, index } : { kind: 'field' as const, name: (target as ts.PropertyAccessExpression).name.text };
  if (ts.isPropertyAccessExpression(target) && ts.isPrivateIdentifier(target.name)) unsupported(codes.unsupportedSyntax, target.name, 'private fields (#name) cannot be written by the gradient code; use a plain field.');
  const stored = place === 'effect' ? value : b.stableCopy(value, at, 'stored');
  b.out.push({ kind: 'store', object, key, value: stored, at });
  return place === 'effect' ? undefinedAt(at) : stored;
}

/** `target op= e`, `++target`, `target--`: the target's place is evaluated once, read, then written. */
export function readModifyWrite(b: BodyScope, target: ts.Expression, modify: (current: () => Expr) => Expr, place: Place, at: ts.Node, postfix: boolean): Expr {
  const ts = b.ts;
  const inner = skipOuter(ts, target);
  if (ts.isIdentifier(inner)) {
    const v = assignable(b, inner);
    let old: Expr | undefined;
    const next = modify(() => {
      old = read(v, inner);
      // The old value is the expression's: kept apart from the variable, which is about to change.
      if (postfix && place !== 'effect') old = b.copy(old, inner, `${v.name}Before`);
      return old;
    });
    b.out.push({ kind: 'assign', var: v, value: next, at });
    if (place === 'effect') return undefinedAt(at);
    return postfix ? old! : read(v, at);
  }
  if (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) {
    const object = b.stableCopy(b.expression(inner.expression), inner.expression, 'target');
    const index = ts.isElementAccessExpression(inner) ? b.stableCopy(b.expression(inner.argumentExpression), inner.argumentExpression, 'at') : undefined;
    const read: Expr =
      index !== undefined
        ? elementOf(object, index, b.front.shape(inner), inner)
        : { kind: 'field', object, name: (inner as ts.PropertyAccessExpression).name.text, shape: fieldShape(object, (inner as ts.PropertyAccessExpression).name.text, b.front.shape(inner)), at: inner };
    let old: Expr | undefined;
    const next = modify(() => (old = postfix && place !== 'effect' ? b.copy(read, inner, 'before') : read));
    const stored = store(b, inner, object, index, next, place === 'effect' ? 'effect' : 'value', at);
    if (place === 'effect') return stored;
    return postfix ? old! : stored;
  }
  unsupported(codes.unsupportedSyntax, target, 'only variables, array elements and object fields can be assigned in a marked function.');
}

export function update(b: BodyScope, operand: ts.Expression, op: '+' | '-', postfix: boolean, place: Place, at: ts.Node): Expr {
  return readModifyWrite(b, operand, (current) => ({ kind: 'binary', op, left: { kind: 'unary', op: 'plus', operand: current(), at }, right: numberAt(1, at), at }), place, at, postfix);
}

/** The local a name assigns: a variable or parameter of a function being differentiated. */
function assignable(b: BodyScope, id: ts.Identifier): Var {
  const symbol = b.front.symbolOf(id);
  const v = b.front.localOf(symbol);
  if (v === undefined) {
    unsupported(codes.mutation, id, `'${id.text}' is not a local variable of the marked function or of a function it calls; writing to outer state cannot be differentiated, so return the value instead.`);
  }
  return v;
}
