/**
 * Small facts about core values that the front end's parts share: expressions for a variable, a
 * number or `undefined` at a position, and the shapes the front end learns where the type checker
 * is vague (`any`, an object of unknown fields).
 */
import type ts from 'typescript';
import { shapes, shapeOf, type Expr, type Shape, type Stmt, type Var } from './core.js';
import { walk } from './core-walk.js';

export function read(v: Var, at: ts.Node): Expr {
  return { kind: 'var', var: v, at };
}

export function numberAt(value: number, at: ts.Node): Expr {
  return { kind: 'number', value, at };
}

export function undefinedAt(at: ts.Node): Expr {
  return { kind: 'undefined', at };
}

/**
 * The shape of a value that is one of two (`a && b`, `c ? a : b`): a number if either is one (a
 * `false` or `undefined` on the other side reads as a number where it is used as one), else what
 * the checker says the expression is.
 */
export function joinShapes(a: Shape, b: Shape, checked: Shape): Shape {
  if (checked.kind !== 'other') return checked;
  if (a.kind === 'number' || b.kind === 'number') return shapes.number;
  return checked;
}

/** `any`, or an object whose fields' shapes are not known: what the checker says where the front end may know better. */
export function vague(s: Shape): boolean {
  return (s.kind === 'other' && s.text === 'any') || (s.kind === 'record' && s.fields === undefined);
}

/** A function's result where the checker's is vague: the shape every `return` gives, if they agree. */
export function returnedShape(declared: Shape, body: readonly Stmt[]): Shape {
  if (!vague(declared)) return declared;
  const given: Shape[] = [];
  walk(body, (s) => {
    if (s.kind === 'return') given.push(shapeOf(s.value));
  });
  const first = given[0];
  if (first === undefined || !given.every((g) => shapeKey(g) === shapeKey(first))) return declared;
  // An object stays an object: only its fields' shapes are learnt.
  return declared.kind === 'record' && first.kind !== 'record' ? declared : first;
}

export function shapeKey(s: Shape): string {
  if (s.kind === 'number') return `number${s.int ? ':int' : ''}${s.optional ? '?' : ''}`;
  if (s.kind === 'array') return `array:${s.storage}`;
  if (s.kind === 'other') return `other:${s.text}`;
  if (s.kind === 'record') return `{${[...(s.fields ?? [])].map(([k, v]) => `${k}:${shapeKey(v)}`).join(',')}}`;
  return s.kind;
}

/** A field's shape: the checker's, or where it says `any`, that of the value the object was built with. */
export function fieldShape(object: Expr, name: string, checked: Shape): Shape {
  if (checked.kind !== 'other' || checked.text !== 'any') return checked;
  const record = shapeOf(object);
  return (record.kind === 'record' ? record.fields?.get(name) : undefined) ?? checked;
}

export function isNumeric(s: Shape): boolean {
  return s.kind === 'number' || s.kind === 'boolean';
}

/** Numbers and operations on numbers alone: a constant folded from another module. */
export function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'number':
    case 'boolean':
      return true;
    case 'unary':
      return isConstant(e.operand);
    case 'binary':
      return e.op !== 'concat' && isConstant(e.left) && isConstant(e.right);
    case 'math':
      return e.args.every(isConstant);
    case 'conditional':
      return isConstant(e.test) && isConstant(e.whenTrue) && isConstant(e.whenFalse);
    case 'logical':
      return isConstant(e.left) && isConstant(e.right);
    default:
      return false;
  }
}
