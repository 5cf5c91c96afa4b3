/**
 * Expressions in the fine mode's companion (`fine.ts`, DESIGN.md §7): each primitive operation on an
 * active value is computed and recorded on the operation tape with its local partials
 * (`fine-partials.ts`); variables, fields and elements are read with their shadows, objects and
 * arrays are built with theirs, and an array method changes an array and its shadow together.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, type ArrayStorage, type CoreFunction, type Expr, type Var } from '../front/core.js';
import { partialsOf } from './fine-partials.js';
import { hasZeroDerivative, primitive, type PrimitiveName } from '../rules.js';
import { infix, numberLiteral } from '../emit/syntax.js';
import { borrowed, kindOf, outsideKind, ownerOf, storageOf, type Kind, type Taping, type Val } from './taping.js';

/** A condition: its value only, with nothing recorded. */
export function condition(t: Taping, e: Expr): ts.Expression {
  t.passive++;
  try {
    return expression(t, e).v;
  } finally {
    t.passive--;
  }
}

export function expression(t: Taping, e: Expr): Val {
  const { ts, f } = t;
  switch (e.kind) {
    case 'newError':
      return { kind: 'other', v: f.createNewExpression(f.createIdentifier(e.ctor), undefined, e.args.map((a) => condition(t, a))) };
    case 'records': {
      // The caller's objects again, element by element from the fields' arrays (and their
      // slots): an array of objects as the function builds one, the caller's.
      const values = e.fields.map(([, x]) => t.named(expression(t, x), 'field'));
      const shadowed = values.every((v) => v.s !== undefined);
      const elements = (of: (v: Val) => ts.Expression) => {
        const i = f.createIdentifier(t.namer.fresh('i'));
        const at = (k: number) => f.createElementAccessExpression(of(values[k]!), i);
        const element = e.element.tuple === true ? f.createArrayLiteralExpression(e.fields.map((_, k) => at(k))) : f.createParenthesizedExpression(f.createObjectLiteralExpression(e.fields.map(([name], k) => f.createPropertyAssignment(name, at(k)))));
        const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, i)], undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), element);
        const sized = f.createObjectLiteralExpression([f.createPropertyAssignment('length', f.createPropertyAccessExpression(values[0]!.v, 'length'))], false);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [sized, each]);
      };
      if (e.original !== undefined && t.inPlace && shadowed) {
        // A function that changes what it is given reads and writes the caller's objects, as the
        // primal does; their shadows are objects of the fields' input slots.
        t.writable.add(e.readonlyAs);
        return { kind: 'rows', v: expression(t, e.original).v, s: elements((v) => v.s!), outside: e.readonlyAs };
      }
      return { kind: 'rows', v: elements((v) => v.v), s: shadowed ? elements((v) => v.s!) : undefined, outside: e.readonlyAs };
    }
    case 'matrix': {
      // The caller's rows again, as views of the flat array of their numbers (and of its slots).
      const flat = t.named(expression(t, e.flat), 'flat');
      const [stride, cols] = [t.simple(expression(t, e.stride).v, 'stride'), t.simple(expression(t, e.cols).v, 'cols')];
      const rows = (array: ts.Expression, perRow: (row: ts.Expression) => ts.Expression = (row) => row) => {
        const i = f.createIdentifier(t.namer.fresh('i'));
        const start = infix(ts, f, i, '*', stride);
        const row = perRow(f.createCallExpression(f.createPropertyAccessExpression(array, 'subarray'), undefined, [start, infix(ts, f, start, '+', cols)]));
        const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, i)], undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), row);
        const sized = f.createObjectLiteralExpression([f.createPropertyAssignment('length', expression(t, e.rows).v)], false);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [sized, each]);
      };
      if (e.original !== undefined && t.inPlace && flat.s !== undefined) {
        // Changed in place: the caller's rows themselves, and rows of their slots of their own
        // (plain arrays, which grow with a row a `push` grows).
        t.writable.add(e.readonlyAs);
        const copied = (array: ts.Expression) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [array]);
        return { kind: 'rows', v: expression(t, e.original).v, s: rows(flat.s, copied), outside: e.readonlyAs };
      }
      return { kind: 'rows', v: rows(flat.v), s: flat.s === undefined ? undefined : rows(flat.s), outside: e.readonlyAs };
    }
    case 'view': {
      // `subarray`: views of the array and of its slots, sharing them.
      const array = t.named(expression(t, e.array), 'flat');
      const start = t.simple(expression(t, e.start).v, 'start');
      const args = [start, t.simple(infix(t.ts, f, start, '+', expression(t, e.length).v), 'end')];
      const view = (x: ts.Expression) => f.createCallExpression(f.createPropertyAccessExpression(x, 'subarray'), undefined, args);
      // A view of an array that is not the function's own is not the function's own either.
      return { kind: 'arr', v: view(array.v), s: array.s === undefined ? undefined : view(array.s), outside: array.outside };
    }
    case 'number':
      return { kind: 'num', v: e.name !== undefined ? f.createPropertyAccessExpression(f.createIdentifier('Math'), e.name) : numberLiteral(ts, f, e.value) };
    case 'boolean':
      return { kind: 'other', v: e.value ? f.createTrue() : f.createFalse() };
    case 'string':
      return { kind: 'other', v: f.createStringLiteral(e.value) };
    case 'undefined':
      return { kind: 'other', v: f.createIdentifier('undefined') };
    case 'var':
      return variable(t, e.var);
    case 'free':
      return { kind: outsideKind(e.shape), v: e.node ?? f.createIdentifier(e.name) };
    case 'this': {
      const self = thisOf(t, e.owner);
      if (self === undefined) unsupported(codes.unsupportedSyntax, e.at, "'this' here has no object the gradient code can read; pass the values as parameters.");
      return self;
    }
    case 'unary':
      return unary(t, e);
    case 'binary':
      return binary(t, e);
    case 'logical':
      return logical(t, e);
    case 'conditional':
      return conditional(t, e);
    case 'isUndefined': {
      const operand = expression(t, e.operand).v;
      return { kind: 'other', v: e.orNull ? f.createEquality(operand, f.createNull()) : f.createStrictEquality(operand, f.createIdentifier('undefined')) };
    }
    case 'math':
      return mathCall(t, e);
    case 'field':
      return field(t, e);
    case 'element':
      return element(t, e);
    case 'arrayLiteral': {
      const values = e.elements.map((x) => expression(t, x));
      if (values.length > 0 && (values.every((v) => v.kind === 'arr') || values.every((v) => v.kind === 'rec'))) {
        // Rows or objects: the array holds them, and its shadow their shadows. Ones that are not
        // the function's own make it the caller's too: it is read, never written.
        const outside = values.find((v) => v.outside !== undefined)?.outside ?? (values.some((v) => v.s === undefined) ? borrowed : undefined);
        if (outside !== undefined && values[0]!.kind === 'rec') unsupported(codes.mutation, e.at, `an array of objects the function builds cannot hold ${outside}; build new objects for it.`);
        return { kind: 'rows', v: f.createArrayLiteralExpression(values.map((v) => v.v)), s: f.createArrayLiteralExpression(values.map((v) => t.shadowFor(v.kind, v, e.at))), outside };
      }
      if (values.some((v) => v.kind !== 'num')) unsupported(codes.unsupportedSyntax, e.at, 'the arrays of a marked function hold numbers, or arrays of numbers.');
      return { kind: 'arr', v: f.createArrayLiteralExpression(values.map((v) => v.v)), s: f.createArrayLiteralExpression(values.map((v) => v.s ?? f.createNumericLiteral(0))) };
    }
    case 'objectLiteral':
      return objectLiteral(t, e);
    case 'newArray':
      return newArray(t, e);
    case 'slice': {
      const array = t.named(expression(t, e.array), 'array');
      const args = e.args.map((a) => expression(t, a).v);
      // A copy: the function's own array, whatever it was copied from.
      const copy = t.simple(f.createCallExpression(f.createPropertyAccessExpression(array.v, 'slice'), undefined, args), 'copy');
      // A copy of an array of arrays holds the same rows.
      if (array.kind === 'rows') return { kind: 'rows', v: copy, s: array.s === undefined ? undefined : f.createCallExpression(f.createPropertyAccessExpression(array.s, 'slice'), undefined, args), outside: array.outside };
      return { kind: 'arr', v: copy, s: array.s === undefined ? zeroSlots(t, copy, storageOf(shapeOf(e.array))) : f.createCallExpression(f.createPropertyAccessExpression(array.s, 'slice'), undefined, args) };
    }
    case 'call':
    case 'arrayMethod':
      // The front end leaves calls only where a statement takes their value.
      throw new Error(`coarsegrad fine mode: a ${e.kind} inside an expression`);
  }
}

function variable(t: Taping, v: Var): Val {
  const f = t.f;
  for (let i = t.stack.length - 1; i >= 0; i--) {
    const binding = t.stack[i]!.bindings.get(v);
    if (binding !== undefined) {
      return { kind: binding.kind, v: f.createIdentifier(binding.name), s: binding.shadow === undefined ? undefined : f.createIdentifier(binding.shadow), outside: binding.outside, holder: binding.holder };
    }
  }
  throw new Error(`coarsegrad fine mode: '${v.name}' is read before it is declared`);
}

/** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
export function thisOf(t: Taping, owner: CoreFunction['thisOwner']): Val | undefined {
  for (let i = t.stack.length - 1; i >= 0; i--) {
    const frame = t.stack[i]!;
    if (frame.fn.decl === owner) return frame.thisValue;
  }
  return owner === t.source.program.main.thisOwner ? { kind: 'other', v: t.f.createThis() } : undefined;
}

function unary(t: Taping, e: Extract<Expr, { kind: 'unary' }>): Val {
  const { ts, f } = t;
  const operand = expression(t, e.operand);
  switch (e.op) {
    case 'neg':
      return apply(t, 'neg', [operand], ([x]) => f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, x!));
    case 'plus':
      return operand.kind === 'num' ? operand : { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.PlusToken, operand.v) };
    case '!':
      return { kind: 'other', v: f.createLogicalNot(operand.v) };
    case '~':
      return { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.TildeToken, operand.v) };
  }
}

function binary(t: Taping, e: Extract<Expr, { kind: 'binary' }>): Val {
  const { ts, f } = t;
  const a = expression(t, e.left);
  const b = expression(t, e.right);
  switch (e.op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '**':
      if (a.kind !== 'num' || b.kind !== 'num') {
        if (a.s === undefined && b.s === undefined) return { kind: 'num', v: infix(ts, f, a.v, e.op, b.v) };
        unsupported(codes.unsupportedSyntax, e.at, 'arithmetic is differentiated on numbers only.');
      }
      return apply(t, e.op, [a, b], ([x, y]) => infix(ts, f, x!, e.op, y!));
    case 'concat':
      return { kind: 'other', v: f.createAdd(a.v, b.v) };
    default: {
      // Comparisons and integer operations: values only.
      const comparison = e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=' || e.op === '===' || e.op === '!==';
      return { kind: comparison ? 'other' : 'num', v: infix(ts, f, a.v, e.op, b.v) };
    }
  }
}

/** `a && b`, `a || b`, `a ?? b`: the right side runs only when needed, as in the primal. */
function logical(t: Taping, e: Extract<Expr, { kind: 'logical' }>): Val {
  const { ts, f } = t;
  const left = expression(t, e.left);
  let right: Val | undefined;
  const statements = t.collect(() => (right = expression(t, e.right)));
  const kind = kindOf(e.shape);
  const token = e.op === '&&' ? ts.SyntaxKind.AmpersandAmpersandToken : e.op === '||' ? ts.SyntaxKind.BarBarToken : ts.SyntaxKind.QuestionQuestionToken;
  if (statements.length === 0 && left.s === undefined && right!.s === undefined) return { kind, v: f.createBinaryExpression(left.v, token, right!.v) };
  const result = t.namer.fresh('either');
  const shadow = left.s !== undefined || right!.s !== undefined ? t.namer.fresh('either$') : undefined;
  const declarations = [f.createVariableDeclaration(result, undefined, undefined, left.v)];
  if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow, undefined, undefined, left.s ?? f.createNumericLiteral(0)));
  t.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
  const id = f.createIdentifier(result);
  const test = e.op === '&&' ? id : e.op === '||' ? f.createLogicalNot(id) : f.createEquality(id, f.createNull());
  const take = [...statements, t.assignment(id, right!.v), ...(shadow === undefined ? [] : [t.assignment(f.createIdentifier(shadow), right!.s ?? f.createNumericLiteral(0))])];
  t.out.push(f.createIfStatement(test, f.createBlock(take, true)));
  return { kind, v: id, s: shadow === undefined ? undefined : f.createIdentifier(shadow) };
}

/** `c ? a : b`: only the arm taken runs (and records). */
function conditional(t: Taping, e: Extract<Expr, { kind: 'conditional' }>): Val {
  const { ts, f } = t;
  const test = condition(t, e.test);
  let a: Val | undefined;
  let b: Val | undefined;
  const whenTrue = t.collect(() => (a = expression(t, e.whenTrue)));
  const whenFalse = t.collect(() => (b = expression(t, e.whenFalse)));
  if (whenTrue.length === 0 && whenFalse.length === 0 && a!.s === undefined && b!.s === undefined) {
    const v = f.createConditionalExpression(test, f.createToken(ts.SyntaxKind.QuestionToken), a!.v, f.createToken(ts.SyntaxKind.ColonToken), b!.v);
    return a!.kind === 'rec' ? { kind: a!.kind, v, ...ownerOf([a!, b!]) } : { kind: a!.kind, v, outside: a!.outside ?? b!.outside };
  }
  const kind = a!.kind === b!.kind ? a!.kind : kindOf(e.shape);
  const result = t.namer.fresh('chosen');
  const shadow = a!.s !== undefined || b!.s !== undefined ? t.namer.fresh('chosen$') : undefined;
  const declarations = [f.createVariableDeclaration(result)];
  if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow));
  t.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
  const arm = (statements: ts.Statement[], value: Val) =>
    f.createBlock([...statements, t.assignment(f.createIdentifier(result), value.v), ...(shadow === undefined ? [] : [t.assignment(f.createIdentifier(shadow), t.shadowFor(kind, value, e.at))])], true);
  t.out.push(f.createIfStatement(test, arm(whenTrue, a!), arm(whenFalse, b!)));
  if (kind === 'rec') return { kind, v: f.createIdentifier(result), s: shadow === undefined ? undefined : f.createIdentifier(shadow), ...ownerOf([a!, b!]) };
  const outside = kind !== 'arr' ? undefined : (a!.outside ?? b!.outside ?? (shadow !== undefined && (a!.s === undefined || b!.s === undefined) ? borrowed : undefined));
  return { kind, v: f.createIdentifier(result), s: shadow === undefined ? undefined : f.createIdentifier(shadow), outside };
}

function mathCall(t: Taping, e: Extract<Expr, { kind: 'math' }>): Val {
  const f = t.f;
  if (primitive(e.op).stable === true) return stableForm(t, e);
  const args = e.args.map((a) => expression(t, a));
  const call = (xs: readonly ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), e.name), undefined, [...xs]);
  // Rounding and sign are piecewise constant: nothing to record.
  if (hasZeroDerivative(e.op)) return { kind: 'num', v: call(args.map((a) => a.v)) };
  return apply(t, e.op, args, call);
}

/** A stable form: its value as written, with nothing recorded, then one operation with the form's partials. */
function stableForm(t: Taping, e: Extract<Expr, { kind: 'math' }>): Val {
  const [written, ...of] = e.args;
  const value = t.simple(condition(t, written!), 'written');
  const args = of.map((a) => expression(t, a));
  return apply(t, e.op, [{ kind: 'num', v: value }, ...args], (values) => values[0]!);
}

function field(t: Taping, e: Extract<Expr, { kind: 'field' }>): Val {
  const f = t.f;
  const base = expression(t, e.object);
  // A field of an object from outside holds values from outside, with no shadow.
  const kind = base.s === undefined ? outsideKind(e.shape) : kindOf(e.shape);
  if (base.kind === 'arr' || e.name === 'length') return { kind: 'num', v: f.createPropertyAccessExpression(base.v, e.name) };
  if (base.kind === 'num') unsupported(codes.unsupportedSyntax, e.at, `'${e.name}' of a number cannot be differentiated.`);
  // The shadow holds the field only if it holds a number or an array, which its type must say.
  if (base.s !== undefined && e.shape.kind === 'other') {
    const text = e.shape.text === 'any' ? "typed 'any'" : `of type '${e.shape.text}'`;
    unsupported(codes.unsupportedSyntax, e.at, `the field '${e.name}' is ${text}, so the operation tape cannot tell whether it holds numbers to differentiate; give it one type (for example ${e.name}: number, or an object type).`);
  }
  // What a caller's object holds is the caller's too.
  const outside = kind === 'arr' || kind === 'rec' ? base.outside : undefined;
  return { kind, v: f.createPropertyAccessExpression(base.v, e.name), s: base.s === undefined || kind === 'other' ? undefined : f.createPropertyAccessExpression(base.s, e.name), outside };
}

function element(t: Taping, e: Extract<Expr, { kind: 'element' }>): Val {
  const f = t.f;
  const base = expression(t, e.array);
  if (base.kind === 'rows') {
    // A row or an object, with its shadow; one of the caller's is the caller's.
    const at = base.s === undefined ? expression(t, e.index).v : t.simple(expression(t, e.index).v, 'at');
    const kind: Kind = kindOf(e.shape) === 'rec' ? 'rec' : 'arr';
    return { kind, v: f.createElementAccessExpression(base.v, at), s: base.s === undefined ? undefined : f.createElementAccessExpression(base.s, at), outside: base.outside };
  }
  const index = expression(t, e.index);
  // The index is read for the value and again for the shadow: named once if it is not simple.
  const at = base.s === undefined ? index.v : t.simple(index.v, 'at');
  if (base.kind === 'rec' || base.kind === 'other') {
    const kind = kindOf(e.shape);
    return { kind, v: f.createElementAccessExpression(base.v, at), s: base.s === undefined || kind === 'other' ? undefined : f.createElementAccessExpression(base.s, at) };
  }
  if (base.kind !== 'arr') unsupported(codes.unsupportedSyntax, e.at, 'only arrays can be indexed in a marked function.');
  return { kind: 'num', v: f.createElementAccessExpression(base.v, at), s: base.s === undefined ? undefined : f.createElementAccessExpression(base.s, at) };
}

function objectLiteral(t: Taping, e: Extract<Expr, { kind: 'objectLiteral' }>): Val {
  const f = t.f;
  const values = e.fields.map(([, x]) => expression(t, x));
  // An object holding the caller's arrays or objects is not written either: a write through it
  // would reach them (the companion's copy of a parameter object is the caller's object).
  const held = values.find((v) => (v.kind === 'arr' || v.kind === 'rec') && v.outside !== undefined)?.outside ?? (values.some((v) => v.kind === 'arr' && v.s === undefined) ? borrowed : undefined);
  const owner = e.readonlyAs !== undefined ? { outside: e.readonlyAs } : held !== undefined ? { outside: held, holder: true } : {};
  const shadowFields = e.fields.flatMap(([name, x], i) => (values[i]!.kind === 'other' ? [] : [f.createPropertyAssignment(name, t.shadowFor(values[i]!.kind, values[i]!, x.at))]));
  if (e.original !== undefined && t.inPlace) {
    // A function that changes what it is given reads and writes the caller's object itself, as
    // the primal does; the shadow is built from its fields' input slots.
    t.writable.add(e.readonlyAs!);
    return { kind: 'rec', v: expression(t, e.original).v, s: f.createObjectLiteralExpression(shadowFields), outside: e.readonlyAs };
  }
  return {
    kind: 'rec',
    v: f.createObjectLiteralExpression(e.fields.map(([name], i) => f.createPropertyAssignment(name, values[i]!.v))),
    s: f.createObjectLiteralExpression(shadowFields),
    ...owner,
  };
}

function newArray(t: Taping, e: Extract<Expr, { kind: 'newArray' }>): Val {
  const f = t.f;
  const ctor = f.createIdentifier(e.storage === 'array' ? 'Array' : e.storage === 'float64' ? 'Float64Array' : 'Float32Array');
  if (e.copy) {
    const source = t.named(expression(t, e.arg!), 'source');
    const made = e.storage === 'array' ? f.createCallExpression(f.createPropertyAccessExpression(ctor, 'from'), undefined, [source.v]) : f.createNewExpression(ctor, undefined, [source.v]);
    // `[...pts]`: a new array of the same rows.
    if (source.kind === 'rows') return { kind: 'rows', v: made, s: source.s === undefined ? undefined : copySlots(t, source.s, 'array'), outside: source.outside };
    return { kind: 'arr', v: made, s: source.s === undefined ? zeroSlots(t, source.v, e.storage) : copySlots(t, source.s, e.storage) };
  }
  const length = e.arg === undefined ? f.createNumericLiteral(0) : t.simple(expression(t, e.arg).v, 'length');
  const made = f.createNewExpression(ctor, undefined, e.arg === undefined ? [] : [length]);
  // A plain `new Array(n)` has holes; its slots are constant until written, like its NaN reads.
  return { kind: 'arr', v: made, s: slotsOfLength(t, length, e.storage) };
}

/** `array.push(...)`, `array.fill(v)`: the array and its shadow change together. */
export function arrayMethod(t: Taping, e: Extract<Expr, { kind: 'arrayMethod' }>): Val {
  const f = t.f;
  const array = t.named(expression(t, e.array), 'array');
  const args = e.args.map((a) => expression(t, a));
  if (array.outside !== undefined && !t.writable.has(array.outside)) unsupported(codes.mutation, e.at, `'${e.method}' on ${array.outside} cannot be differentiated; copy it into a local array first.`);
  if (array.s === undefined) unsupported(codes.mutation, e.at, `this '${e.method}' changes an array from outside the marked function; build a new array instead.`);
  if (array.kind === 'rows' && args.some((a) => a.outside !== undefined || a.s === undefined)) {
    unsupported(codes.mutation, e.at, `an array of arrays the function builds cannot be given ${args.find((a) => a.outside !== undefined)?.outside ?? borrowed} as a row; push a copy (row.slice()).`);
  }
  const slots = args.map((a) => (a.kind === 'num' ? (a.s ?? f.createNumericLiteral(0)) : t.shadowFor(a.kind, a, e.at)));
  const result = t.simple(f.createCallExpression(f.createPropertyAccessExpression(array.v, e.method), undefined, args.map((a) => a.v)), e.method === 'push' ? 'length' : 'filled');
  t.out.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(array.s, e.method), undefined, slots)));
  return e.method === 'push' ? { kind: 'num', v: result } : { kind: 'arr', v: result, s: array.s };
}

/**
 * Slots of an array of constants as long as `array`; of the kind `slotsOfLength` makes for its
 * storage, decided at run time where the array's kind is not known here.
 */
export function zeroSlots(t: Taping, array: ts.Expression, storage: ArrayStorage | undefined): ts.Expression {
  const f = t.f;
  if (storage !== undefined) return slotsOfLength(t, f.createPropertyAccessExpression(array, 'length'), storage);
  const named = t.simple(array, 'array');
  const length = f.createPropertyAccessExpression(named, 'length');
  const isTyped = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('ArrayBuffer'), 'isView'), undefined, [named]);
  return f.createConditionalExpression(isTyped, f.createToken(t.ts.SyntaxKind.QuestionToken), slotsOfLength(t, length, 'float64'), f.createToken(t.ts.SyntaxKind.ColonToken), slotsOfLength(t, length, 'array'));
}

/**
 * Zero slots for an array of `storage`: a plain array's can grow and shrink with it; a typed
 * array's are an `Int32Array`, so that a `subarray` of it has the slots' `subarray` as its shadow.
 */
function slotsOfLength(t: Taping, length: ts.Expression, storage: ArrayStorage): ts.Expression {
  const f = t.f;
  if (storage !== 'array') return f.createNewExpression(f.createIdentifier('Int32Array'), undefined, [length]);
  return f.createCallExpression(f.createPropertyAccessExpression(f.createNewExpression(f.createIdentifier('Array'), undefined, [length]), 'fill'), undefined, [f.createNumericLiteral(0)]);
}

function copySlots(t: Taping, slots: ts.Expression, storage: ArrayStorage): ts.Expression {
  const f = t.f;
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(storage === 'array' ? 'Array' : 'Int32Array'), 'from'), undefined, [slots]);
}

/**
 * `op(args)` on numbers. Inactive: an expression. Active: the value in a constant, and one tape
 * entry (a chain of them for more than two active operands) with the rule table's partials.
 */
function apply(t: Taping, op: PrimitiveName, args: readonly Val[], build: (values: readonly ts.Expression[]) => ts.Expression): Val {
  const { ts, f } = t;
  if (t.passive > 0 || args.every((a) => a.s === undefined)) return { kind: 'num', v: build(args.map((a) => a.v)) };
  const values = args.map((a, i) => t.simple(a.v, `a${i}`));
  const result = t.simple(build(values), 'value', true);
  const partials = partialsOf(ts, f, op, values.map((v, i) => ({ value: v, active: args[i]!.s !== undefined })), result);
  const terms = args.flatMap((a, i) => (a.s !== undefined && partials[i] !== undefined ? [[t.simple(a.s, 'slot'), partials[i]!] as const] : []));
  if (terms.length === 0) return { kind: 'num', v: result };
  // `x + c`, `x - c`: the result moves exactly as x does, so it shares x's slot.
  if (terms.length === 1 && ts.isNumericLiteral(terms[0]![1]) && terms[0]![1].text === '1') return { kind: 'num', v: result, s: terms[0]![0] };
  let slot: ts.Expression = terms.length === 1 ? t.method('unary', [terms[0]![0], terms[0]![1]]) : t.method('binary', [terms[0]![0], terms[0]![1], terms[1]![0], terms[1]![1]]);
  for (const [s, p] of terms.slice(2)) slot = t.method('binary', [t.simple(slot, 'partial'), f.createNumericLiteral(1), s, p]);
  return { kind: 'num', v: result, s: t.simple(slot, `${(result as ts.Identifier).text}$`, true) };
}
