/**
 * Expressions of the core lowered into the IR (`lower.ts`): numbers, conditions and the values of
 * variables, operators, `&&`/`||`/`??` as selectors, `undefined` tests, fields and elements: of
 * local arrays from the heap, of parameter arrays as loads (a row of an array of arrays as a view,
 * reads past its end `undefined` as in JavaScript).
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { CoreFunction, Expr, Var } from '../front/core.js';
import type { Node } from './ir.js';
import { arrayLiteral, constantIndex, elementsOf, newArrayOf } from './lower-arrays.js';
import { objectLiteral, readField } from './lower-records.js';
import { dynamicOf, readDynamic } from './lower-maps.js';
import { isBooleanOp, undefinedValue, type Lowering, type Value } from './lowering.js';
import type { PrimitiveName } from '../rules.js';

/** A condition: a boolean, or a number read by truthiness as JavaScript does. */
export function condition(lo: Lowering, e: Expr): Node {
  const v = expression(lo, e);
  if (v.kind === 'undefined') return lo.graph.constant(0);
  if (v.kind !== 'number' && v.kind !== 'boolean') unsupported(codes.unsupportedSyntax, e.at, 'a condition on an object or array cannot be differentiated; compare numbers instead.');
  return v.node;
}

export function number(lo: Lowering, e: Expr): Node {
  const v = expression(lo, e);
  // `+(a < b)`: a condition read as 1 or 0.
  if (v.kind === 'boolean') return lo.graph.call('select', v.node, lo.graph.constant(1), lo.graph.constant(0));
  if (v.kind === 'undefined') unsupported(codes.unsupportedSyntax, e.at, 'this value is `undefined` here (read before it is assigned?); give it a number first.');
  if (v.kind !== 'number') unsupported(codes.unsupportedSyntax, e.at, 'expected a number here.');
  return v.node;
}

export function expression(lo: Lowering, e: Expr): Value {
  const g = lo.graph;
  const num = (node: Node): Value => ({ kind: 'number', node });
  switch (e.kind) {
    case 'number':
      return num(g.constant(e.value, e.name));
    case 'boolean':
      return { kind: 'boolean', node: g.constant(e.value ? 1 : 0) };
    case 'string':
      return { kind: 'string', value: e.value };
    case 'undefined':
      return undefinedValue;
    case 'var':
      return variable(lo, e.var, e.at);
    case 'free':
      lo.freeNames.add(e.name);
      return lo.opaqueValue({ kind: 'free', name: e.name, node: e.node }, e.shape);
    case 'this': {
      const self = thisOf(lo, e.owner);
      if (self === undefined) unsupported(codes.unreachableName, e.at, "'this' here is not the marked function's 'this'; pass the value as a parameter.");
      return self;
    }
    case 'unary':
      switch (e.op) {
        case 'neg':
          return num(g.neg(number(lo, e.operand)));
        case 'plus':
          return num(number(lo, e.operand));
        case '~':
          return num(g.call('~', number(lo, e.operand)));
        case '!':
          return { kind: 'boolean', node: g.call('!', condition(lo, e.operand)) };
      }
    // eslint-disable-next-line no-fallthrough
    case 'binary':
      return binary(lo, e);
    case 'logical':
      return logical(lo, e);
    case 'conditional': {
      const cond = condition(lo, e.test);
      return lo.phi(cond, expression(lo, e.whenTrue), expression(lo, e.whenFalse), e.at);
    }
    case 'isUndefined':
      return isUndefined(lo, e);
    case 'math':
      return num(g.apply(e.op, e.args.map((a) => number(lo, a))));
    case 'field':
      return field(lo, e);
    case 'element':
      return element(lo, e);
    case 'arrayLiteral':
      return arrayLiteral(lo, e.elements.map((x) => expression(lo, x)), e.at);
    case 'objectLiteral':
      return objectLiteral(lo, e.fields.map(([name, x]) => [name, expression(lo, x), x.at] as const), e.readonlyAs);
    case 'newArray':
      return newArrayOf(lo, e.storage, e.arg === undefined ? undefined : expression(lo, e.arg), e.copy, e.at);
    case 'records':
      return { kind: 'records', fields: e.fields.map(([name, x]) => [name, expression(lo, x)] as const), readonlyAs: e.readonlyAs };
    case 'matrix': {
      const flat = expression(lo, e.flat);
      if (flat.kind !== 'paramArray') throw new Error('coarsegrad: an array of arrays whose numbers are not a parameter array');
      return { kind: 'matrix', flat, rows: number(lo, e.rows), cols: number(lo, e.cols), stride: number(lo, e.stride), readonlyAs: e.readonlyAs };
    }
    case 'view': {
      const array = expression(lo, e.array);
      if (array.kind !== 'paramArray' || array.offset !== undefined) unsupported(codes.unsupportedSyntax, e.at, 'a view of an array the function builds (subarray) is not coarsened yet.');
      return { ...array, offset: number(lo, e.start), length: number(lo, e.length) };
    }
    case 'newError':
      unsupported(codes.unsupportedSyntax, e.at, 'an error can only be thrown here; build it in the throw statement.');
    // eslint-disable-next-line no-fallthrough
    case 'slice':
      unsupported(codes.unsupportedSyntax, e.at, "'slice' is not coarsened yet; copy the elements in a loop.");
    // eslint-disable-next-line no-fallthrough
    case 'call':
    case 'arrayMethod':
      // The front end leaves calls only where a statement takes their value.
      throw new Error(`coarsegrad: a ${e.kind} inside an expression`);
  }
}

function variable(lo: Lowering, v: Var, at: ts.Node): Value {
  for (let i = lo.stack.length - 1; i >= 0; i--) {
    const value = lo.stack[i]!.bindings.get(v);
    if (value !== undefined) return value;
  }
  unsupported(codes.unsupportedSyntax, at, `'${v.name}' is read before it is declared.`);
}

/** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
export function thisOf(lo: Lowering, owner: CoreFunction['thisOwner']): Value | undefined {
  for (let i = lo.stack.length - 1; i >= 0; i--) {
    const frame = lo.stack[i]!;
    if (frame.fn.decl === owner) return frame.thisValue;
  }
  return owner === lo.program.main.thisOwner ? { kind: 'object', expr: { kind: 'this' } } : undefined;
}

function binary(lo: Lowering, e: Extract<Expr, { kind: 'binary' }>): Value {
  const g = lo.graph;
  if (e.op === 'concat') unsupported(codes.unsupportedSyntax, e.at, 'string concatenation is not coarsened; build strings outside the marked function.');
  const left = expression(lo, e.left);
  const right = expression(lo, e.right);
  if (e.op === '===' || e.op === '!==') {
    // Strings are compared as constants (an option passed as a literal); numbers at run time.
    if (left.kind === 'string' && right.kind === 'string') return { kind: 'boolean', node: g.constant(+((left.value === right.value) === (e.op === '==='))) };
    if (left.kind === 'undefined' || right.kind === 'undefined') {
      if (left.kind === right.kind) return { kind: 'boolean', node: g.constant(e.op === '===' ? 1 : 0) };
      return isUndefined(lo, { kind: 'isUndefined', operand: left.kind === 'undefined' ? e.right : e.left, orNull: false, at: e.at }, e.op === '!==');
    }
  }
  const a = asNumber(lo, left, e.left);
  const b = asNumber(lo, right, e.right);
  return { kind: isBooleanOp(e.op) ? 'boolean' : 'number', node: g.apply(e.op as PrimitiveName, [a, b]) };
}

function asNumber(lo: Lowering, v: Value, e: Expr): Node {
  if (v.kind === 'number') return v.node;
  if (v.kind === 'boolean') return lo.graph.call('select', v.node, lo.graph.constant(1), lo.graph.constant(0));
  unsupported(codes.unsupportedSyntax, e.at, 'expected a number here.');
}

/** `v === undefined` (`v == null`): known for what the lowering computed, a run-time test on a value read from outside. */
function isUndefined(lo: Lowering, e: Extract<Expr, { kind: 'isUndefined' }>, negate = false): Value {
  const g = lo.graph;
  const v = expression(lo, e.operand);
  let node: Node;
  const element = e.operand.kind === 'element' ? e.operand : undefined;
  const base = element === undefined ? undefined : expression(lo, element.array);
  if (base?.kind === 'paramArray') {
    // Past the end of the array (or of a row), and at a fractional index, JavaScript reads `undefined`.
    const position = number(lo, element!.index);
    const outside = outsideView(lo, base, position);
    const missing = g.call(e.orNull ? 'isNullish' : 'isUndefined', paramRead(lo, base, position, element!.index.at));
    node = outside === undefined ? missing : g.call('||', outside, missing);
  } else if (v.kind === 'undefined') node = g.constant(1);
  else if (v.kind === 'number' && (v.node.kind === 'opaque' || v.node.kind === 'param')) node = g.call(e.orNull ? 'isNullish' : 'isUndefined', v.node);
  else if (v.kind === 'object') node = g.call(e.orNull ? 'isNullish' : 'isUndefined', g.opaque(v.expr));
  else node = g.constant(0);
  return { kind: 'boolean', node: negate ? g.call('!', node) : node };
}

/**
 * `a && b`, `a || b`, `a ?? b`. On conditions, the logical operation; on numbers, JavaScript's
 * selector: `a && b` is `a ? b : a`, `a || b` is `a ? a : b`, `a ?? b` is `a == null ? b : a`.
 */
function logical(lo: Lowering, e: Extract<Expr, { kind: 'logical' }>): Value {
  const g = lo.graph;
  const left = expression(lo, e.left);
  if (e.op === '??') {
    const missing = isUndefined(lo, { kind: 'isUndefined', operand: e.left, orNull: true, at: e.at });
    if (missing.kind === 'boolean' && missing.node.kind === 'const') return missing.node.value ? expression(lo, e.right) : left;
    return lo.phi((missing as { node: Node }).node, expression(lo, e.right), left, e.at);
  }
  if (left.kind !== 'number' && left.kind !== 'boolean') {
    unsupported(codes.unsupportedSyntax, e.left.at, 'a logical operator on an object or array cannot be differentiated; compare numbers instead.');
  }
  const and = e.op === '&&';
  const right = expression(lo, e.right);
  if (left.kind === 'boolean' && right.kind === 'boolean') return { kind: 'boolean', node: g.call(and ? '&&' : '||', left.node, right.node) };
  return and ? lo.phi(left.node, right, left, e.at) : lo.phi(left.node, left, right, e.at);
}

function field(lo: Lowering, e: Extract<Expr, { kind: 'field' }>): Value {
  return fieldOf(lo, expression(lo, e.object), e);
}

function fieldOf(lo: Lowering, base: Value, e: Extract<Expr, { kind: 'field' }>): Value {
  const g = lo.graph;
  const field = base.kind === 'array' ? readField(lo, base.ref, e.name, e.at) : undefined;
  if (field !== undefined) return field;
  if (e.name === 'length') {
    if (base.kind === 'matrix') return { kind: 'number', node: base.rows };
    // An array of records is as long as each of its fields' arrays.
    if (base.kind === 'records') {
      let first: Value = base;
      while (first.kind === 'records') first = first.fields[0]![1];
      return fieldOf(lo, first, e);
    }
    if (base.kind === 'array') return { kind: 'number', node: g.constant(elementsOf(lo, base.ref).length) };
    if (base.kind === 'dynArray') return { kind: 'number', node: dynamicOf(lo, base.ref).length };
    if (base.kind === 'paramArray') return { kind: 'number', node: base.length ?? g.opaque({ kind: 'property', base: { kind: 'param', index: base.index }, name: 'length', node: undefined }) };
    if (base.kind === 'string') return { kind: 'number', node: g.constant(base.value.length) };
  }
  if (base.kind !== 'object') unsupported(codes.unsupportedSyntax, e.at, `'${e.name}' of this value cannot be differentiated.`);
  return lo.opaqueValue({ kind: 'property', base: base.expr, name: e.name, node: undefined }, e.shape);
}

function element(lo: Lowering, e: Extract<Expr, { kind: 'element' }>): Value {
  const base = expression(lo, e.array);
  if (base.kind === 'paramArray') return paramElement(lo, base, number(lo, e.index), e.index.at);
  if (base.kind === 'matrix') return row(lo, base, number(lo, e.index));
  if (base.kind === 'records') {
    // `pts[i]`: the record of each field's element at i (an array field's row i), the caller's (never written).
    const at = number(lo, e.index);
    const record = (r: Extract<Value, { kind: 'records' }>): Value =>
      objectLiteral(
        lo,
        r.fields.map(([name, v]) => [name, v.kind === 'records' ? record(v) : v.kind === 'matrix' ? row(lo, v, at) : paramElement(lo, v as Extract<Value, { kind: 'paramArray' }>, at, e.index.at), e.at] as const),
        r.readonlyAs,
      );
    return record(base);
  }
  if (base.kind === 'dynArray') return { kind: 'number', node: readDynamic(lo, base.ref, number(lo, e.index), e.at) };
  const index = constantIndex(lo, number(lo, e.index), e.index.at);
  if (base.kind === 'object') return lo.opaqueValue({ kind: 'property', base: base.expr, name: String(index), node: undefined }, e.shape);
  if (base.kind === 'array') {
    // Past the end, JavaScript reads `undefined`, which arithmetic turns into NaN.
    return elementsOf(lo, base.ref)[index] ?? { kind: 'number', node: lo.graph.constant(NaN) };
  }
  unsupported(codes.unsupportedSyntax, e.at, 'only arrays can be indexed in a marked function.');
}

/** Row `i` of a parameter's array of arrays: a view of its flat array, the caller's. */
function row(lo: Lowering, m: Extract<Value, { kind: 'matrix' }>, i: Node): Value {
  return { ...m.flat, offset: lo.graph.mul(i, m.stride), length: m.cols, readonlyAs: m.readonlyAs };
}

/** `xs[at]` of a parameter array: a load at a run-time index, a parameter element at a constant one. */
function paramElement(lo: Lowering, base: Extract<Value, { kind: 'paramArray' }>, position: Node, where: ts.Node): Value {
  const read = paramRead(lo, base, position, where);
  if (base.length !== undefined && position.kind === 'const' && Number.isInteger(position.value) && position.value >= 0) {
    // A row at a constant index: the companion spaces the rows at least that far apart, the
    // cells past a row's end NaN, so the read needs no test (`pack.ts`).
    lo.rowReach.set(base.index, Math.max(lo.rowReach.get(base.index) ?? 0, position.value + 1));
    return { kind: 'number', node: read };
  }
  const outside = outsideView(lo, base, position);
  // Past a row's end the source reads `undefined`, which arithmetic makes NaN, not the next row's number.
  return { kind: 'number', node: outside === undefined ? read : lo.graph.call('select', outside, lo.graph.constant(NaN), read) };
}

/** The element of the parameter array at `position` (from the view's offset). */
function paramRead(lo: Lowering, base: Extract<Value, { kind: 'paramArray' }>, position: Node, where: ts.Node): Node {
  const at = base.offset === undefined ? position : lo.graph.add(base.offset, position);
  if (at.kind !== 'const') return lo.graph.load(base.index, base.name, at);
  const index = constantIndex(lo, at, where);
  const elements = lo.paramElements.get(base.index)!;
  let node = elements.get(index);
  if (node === undefined) {
    node = lo.graph.param(base.index, base.name, index);
    elements.set(index, node);
  }
  return node;
}

/**
 * For a view (a row), where `position` falls outside it; `undefined` where it cannot: a loop's
 * counter from a number ≥ 0 up to the row's length (every row of an array of arrays is as long).
 */
function outsideView(lo: Lowering, base: Extract<Value, { kind: 'paramArray' }>, position: Node): Node | undefined {
  const g = lo.graph;
  if (base.length === undefined) return undefined;
  if (position.kind === 'index') {
    const loop = position.loop;
    const upward = loop.step > 0 && loop.start.kind === 'const' && loop.start.value >= 0;
    if (upward && loop.compare === '<' && loop.bound === base.length) return undefined;
  }
  const above = g.call('>=', position, base.length);
  if (position.kind === 'const') return position.value >= 0 ? above : g.constant(1);
  return g.call('||', g.call('<', position, g.constant(0)), above);
}
