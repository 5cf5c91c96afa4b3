/**
 * Expressions, as the front end rewrites them into the core (`desugar.ts`): literals, names
 * (locals, names the companion can read, constants folded from elsewhere), operators,
 * `&&`/`||`/`??` and `?:`, fields and getters, object literals, template literals, `new` and what a
 * `throw` throws.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, type ArrayStorage, type BinaryOp, type Expr } from './core.js';
import { classOf, construct } from './desugar-classes.js';
import { typeofTest } from './desugar-guards.js';
import { elementOf, lengthOf } from './rows.js';
import { mathConstants } from '../rules.js';
import { stable } from './stable.js';
import { enclosesCompanion, skipOuter } from './source.js';
import { fieldShape, isConstant, isNumeric, joinShapes, numberAt, read, undefinedAt } from './values.js';
import { errorConstructors, isFunctionLiteral, thisOwnerOf, thisSite } from './scopes.js';
import type { BodyScope, Place } from './scope.js';
import { refuseOverridden } from './calls.js';

/**
 * The value of `e`, as an expression without effects; its effects are emitted before, in order.
 * At `effect`, the value is not wanted (and may be `undefined`); at `init`, a call may stay whole.
 */
export function expression(b: BodyScope, e: ts.Expression, place: Place = 'value'): Expr {
  const ts = b.ts;
  const front = b.front;
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) {
    return expression(b, e.expression, place);
  }
  if (ts.isNumericLiteral(e)) return numberAt(Number(e.text), e);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { kind: 'string', value: e.text, at: e };
  if (ts.isTemplateExpression(e)) return template(b, e);
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'boolean', value: e.kind === ts.SyntaxKind.TrueKeyword, at: e };
  if (e.kind === ts.SyntaxKind.NullKeyword) unsupported(codes.unsupportedSyntax, e, "'null' is not a number; a marked function and the functions it calls work on numbers (use NaN or a flag).");
  if (ts.isIdentifier(e)) return identifier(b, e);
  // `super.m()` calls the base's method on `this` (its receiver is `this`).
  if (e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.SuperKeyword) {
    const site = thisSite(ts, e);
    const constructing = b.constructing.find((c) => c.owner === site);
    if (constructing !== undefined) return constructing.self;
    const owner = thisOwnerOf(ts, e);
    // The marked method's `this`, where it is taken as a parameter: the object rebuilt from its leaves.
    if (owner === front.main && front.receiver !== undefined) return { kind: 'var', var: front.receiver, at: e };
    return { kind: 'this', owner, shape: front.shape(e), at: e };
  }
  if (ts.isPrefixUnaryExpression(e)) return prefixUnary(b, e, place);
  if (ts.isPostfixUnaryExpression(e)) return b.update(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', true, place, e);
  if (ts.isBinaryExpression(e)) return binary(b, e, place);
  if (ts.isConditionalExpression(e)) return conditional(b, e);
  if (ts.isCallExpression(e)) return b.call(e, place);
  if (ts.isNewExpression(e)) return newExpression(b, e);
  if (ts.isArrayLiteralExpression(e)) {
    // `[...xs]`: a copy, as `Array.from(xs)`.
    if (e.elements.length === 1 && ts.isSpreadElement(e.elements[0]!)) {
      const source = expression(b, e.elements[0].expression);
      if (shapeOf(source).kind === 'array') return { kind: 'newArray', storage: 'array', arg: source, copy: true, at: e };
    }
    for (const element of e.elements) {
      if (ts.isSpreadElement(element) || ts.isOmittedExpression(element)) unsupported(codes.unsupportedSyntax, element, 'spread elements and holes are not supported in the array literals of a marked function; list the elements.');
    }
    return { kind: 'arrayLiteral', elements: b.operands(e.elements.map((x) => () => expression(b, x))), at: e };
  }
  if (ts.isObjectLiteralExpression(e)) return objectLiteral(b, e);
  if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && ts.isOptionalChain(e)) return optionalAccess(b, e);
  if (ts.isPropertyAccessExpression(e)) return propertyAccess(b, e);
  if (ts.isElementAccessExpression(e)) {
    const key = skipOuter(ts, e.argumentExpression);
    if (ts.isStringLiteral(key) || ts.isNoSubstitutionTemplateLiteral(key)) {
      const object = expression(b, e.expression);
      return { kind: 'field', object, name: key.text, shape: fieldShape(object, key.text, front.shape(e)), at: e };
    }
    const [array, index] = b.operands([() => expression(b, e.expression), () => expression(b, e.argumentExpression)]);
    return elementOf(array!, index!, front.shape(e), e);
  }
  if (isFunctionLiteral(ts, e)) {
    unsupported(codes.unsupportedSyntax, e, 'functions as values are not differentiated yet; declare the function and call it by name.');
  }
  unsupported(codes.unsupportedSyntax, e, `this expression (${ts.SyntaxKind[e.kind]}) cannot be differentiated; compute it outside the marked function and pass it in.`);
}

function identifier(b: BodyScope, e: ts.Identifier): Expr {
  const ts = b.ts;
  const front = b.front;
  if (front.isGlobal(e)) {
    if (e.text === 'undefined') return undefinedAt(e);
    if (e.text === 'NaN') return numberAt(NaN, e);
    if (e.text === 'Infinity') return numberAt(Infinity, e);
    if (e.text === 'arguments') unsupported(codes.unsupportedSyntax, e, "'arguments' cannot be differentiated; name the parameters.");
  }
  const symbol = front.symbolOf(e);
  const local = front.localOf(symbol);
  if (local !== undefined) return read(local, e);
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (decl !== undefined && (ts.isFunctionDeclaration(decl) || (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && isFunctionLiteral(ts, decl.initializer)))) {
    unsupported(codes.unsupportedSyntax, e, `the function '${e.text}' is used as a value here; functions as values are not differentiated yet, so call it by name.`);
  }
  return freeIdentifier(b, e, symbol);
}

/** A name declared outside every function being differentiated: read where the companion sees it, else folded if a constant. */
function freeIdentifier(b: BodyScope, e: ts.Identifier, symbol: ts.Symbol): Expr {
  const ts = b.ts;
  const front = b.front;
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (decl === undefined) unsupported(codes.unreachableName, e, `cannot find the declaration of '${e.text}'.`);
  const global = decl.getSourceFile().isDeclarationFile;
  if (global || (decl.getSourceFile() === front.companionFile && enclosesCompanion(ts, decl, front.main))) {
    const local = e.getSourceFile() === front.companionFile;
    return { kind: 'free', name: e.text, node: local ? e : undefined, shape: front.shape(e), at: e };
  }
  // A constant declared elsewhere (another module, imported or not, or a scope the companion does
  // not see): its value, if it is made of numbers alone.
  const target = symbol.flags & ts.SymbolFlags.Alias ? front.checker.getAliasedSymbol(symbol) : symbol;
  const definition = target.valueDeclaration;
  if (definition !== undefined && ts.isVariableDeclaration(definition) && definition.initializer !== undefined && ts.getCombinedNodeFlags(definition) & ts.NodeFlags.Const && !front.folding.has(target)) {
    front.folding.add(target);
    try {
      const folded = b.collectValue(() => expression(b, definition.initializer!));
      if (folded.statements.length === 0 && isConstant(folded.value)) {
        front.constants.add(definition);
        return folded.value;
      }
    } catch {
      // Not a constant: reported below.
    } finally {
      front.folding.delete(target);
    }
  }
  unsupported(
    codes.unreachableName,
    e,
    `'${e.text}' is declared where the gradient code cannot read it (another module or an inner scope) and is not a constant; pass it as a parameter.`,
  );
}

function prefixUnary(b: BodyScope, e: ts.PrefixUnaryExpression, place: Place): Expr {
  const ts = b.ts;
  switch (e.operator) {
    case ts.SyntaxKind.MinusToken: {
      const operand = expression(b, e.operand);
      // `-3` is a literal, not an operation.
      if (operand.kind === 'number' && ts.isNumericLiteral(skipOuter(ts, e.operand))) return numberAt(-operand.value, e);
      return { kind: 'unary', op: 'neg', operand, at: e };
    }
    case ts.SyntaxKind.PlusToken:
      return { kind: 'unary', op: 'plus', operand: expression(b, e.operand), at: e };
    case ts.SyntaxKind.ExclamationToken:
      return { kind: 'unary', op: '!', operand: expression(b, e.operand), at: e };
    case ts.SyntaxKind.TildeToken:
      return { kind: 'unary', op: '~', operand: expression(b, e.operand), at: e };
    case ts.SyntaxKind.PlusPlusToken:
      return b.update(e.operand, '+', false, place, e);
    case ts.SyntaxKind.MinusMinusToken:
      return b.update(e.operand, '-', false, place, e);
  }
}

function binary(b: BodyScope, e: ts.BinaryExpression, place: Place): Expr {
  const ts = b.ts;
  const k = ts.SyntaxKind;
  const token = e.operatorToken.kind;
  if (token === k.EqualsToken) return b.assignTo(e.left, (where) => expression(b, e.right, where), place, e);
  const compound = b.front.compound.get(token);
  if (compound !== undefined) return b.readModifyWrite(e.left, (current) => operate(b, compound, current, () => expression(b, e.right), e), place, e, false);
  if (token === k.CommaToken) {
    b.effect(e.left);
    return expression(b, e.right, place);
  }
  if (token === k.AmpersandAmpersandToken || token === k.BarBarToken || token === k.QuestionQuestionToken) return logical(b, e);
  const typeTest = typeofTest(b.guardScope(), e);
  if (typeTest !== undefined) return typeTest;
  const op = b.front.binary.get(token);
  if (op !== undefined) {
    if ((token === k.EqualsEqualsToken || token === k.ExclamationEqualsToken) && (!isNumeric(b.front.shape(e.left)) || !isNumeric(b.front.shape(e.right)))) {
      unsupported(codes.unsupportedSyntax, e.operatorToken, `compare with '${token === k.EqualsEqualsToken ? '===' : '!=='}' in a marked function; loose equality between values other than numbers is not differentiated.`);
    }
    if (arithmetic(ts, token) && ts.isBinaryExpression(e.left) && arithmetic(ts, e.left.operatorToken.kind)) return chain(b, e);
    return operate(b, op, () => expression(b, e.left), () => expression(b, e.right), e);
  }
  unsupported(codes.unsupportedSyntax, e.operatorToken, `the operator '${e.operatorToken.getText()}' cannot be differentiated in a marked function.`);
}

function arithmetic(ts: typeof import('typescript'), token: ts.SyntaxKind): boolean {
  const k = ts.SyntaxKind;
  return token === k.PlusToken || token === k.MinusToken || token === k.AsteriskToken || token === k.SlashToken || token === k.PercentToken;
}

/**
 * `a + b - c + ...`: nested to the left as deep as it is long. Its operands are desugared in one
 * list, in order (as nested `operate`s would read them), and combined in a loop, so that a sum of a
 * thousand terms does not take a thousand nested calls of the front end.
 */
function chain(b: BodyScope, e: ts.BinaryExpression): Expr {
  const ts = b.ts;
  const links: ts.BinaryExpression[] = [];
  let first: ts.Expression = e;
  while (ts.isBinaryExpression(first) && arithmetic(ts, first.operatorToken.kind)) {
    links.push(first);
    first = first.left;
  }
  links.reverse();
  const start = first;
  const [head, ...rest] = b.operands([() => expression(b, start), ...links.map((link) => () => expression(b, link.right))]);
  return links.reduce((left, link, i) => combine(b.front.binary.get(link.operatorToken.kind)!, left, rest[i]!, link), head!);
}

/** `left op right`, the operands evaluated in order; `+` on strings is concatenation. */
function operate(b: BodyScope, op: BinaryOp, left: () => Expr, right: () => Expr, at: ts.BinaryExpression | ts.Node): Expr {
  const [l, r] = b.operands([left, right]);
  return combine(op, l!, r!, at);
}

function combine(op: BinaryOp, l: Expr, r: Expr, at: ts.Node): Expr {
  const concat = op === '+' && (shapeOf(l).kind === 'string' || shapeOf(r).kind === 'string');
  return stable({ kind: 'binary', op: concat ? 'concat' : op, left: l, right: r, at });
}

/** `a && b`, `a || b`, `a ?? b`: the right side runs only when needed. */
function logical(b: BodyScope, e: ts.BinaryExpression): Expr {
  const ts = b.ts;
  const op = e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? '&&' : e.operatorToken.kind === ts.SyntaxKind.BarBarToken ? '||' : '??';
  const left = expression(b, e.left);
  const right = b.collectValue(() => expression(b, e.right));
  const shape = joinShapes(shapeOf(left), shapeOf(right.value), b.front.shape(e));
  if (right.statements.length === 0) return { kind: 'logical', op, left, right: right.value, shape, at: e };
  // The right side has effects: `let t = a; if (t) { ...; t = b; }`.
  const result = b.front.temporary('either', shape, e);
  b.out.push({ kind: 'let', var: result, init: left, at: e });
  const held = read(result, e);
  const test: Expr = op === '&&' ? held : op === '||' ? { kind: 'unary', op: '!', operand: held, at: e } : { kind: 'isUndefined', operand: held, orNull: true, at: e };
  b.out.push({ kind: 'if', test, then: [...right.statements, { kind: 'assign', var: result, value: right.value, at: e }], else: [], at: e });
  return held;
}

function conditional(b: BodyScope, e: ts.ConditionalExpression): Expr {
  const test = expression(b, e.condition);
  const whenTrue = b.collectValue(() => expression(b, e.whenTrue));
  const whenFalse = b.collectValue(() => expression(b, e.whenFalse));
  const shape = joinShapes(shapeOf(whenTrue.value), shapeOf(whenFalse.value), b.front.shape(e));
  if (whenTrue.statements.length === 0 && whenFalse.statements.length === 0) {
    return { kind: 'conditional', test, whenTrue: whenTrue.value, whenFalse: whenFalse.value, shape, at: e };
  }
  const result = b.front.temporary('chosen', shape, e);
  b.out.push({ kind: 'let', var: result, init: undefinedAt(e), at: e });
  b.out.push({
    kind: 'if',
    test,
    then: [...whenTrue.statements, { kind: 'assign', var: result, value: whenTrue.value, at: e.whenTrue }],
    else: [...whenFalse.statements, { kind: 'assign', var: result, value: whenFalse.value, at: e.whenFalse }],
    at: e,
  });
  return read(result, e);
}

function propertyAccess(b: BodyScope, e: ts.PropertyAccessExpression): Expr {
  const ts = b.ts;
  if (ts.isIdentifier(e.expression) && e.expression.text === 'Math' && b.front.isGlobal(e.expression)) {
    const value = mathConstants[e.name.text];
    if (value === undefined) unsupported(codes.unsupportedSyntax, e, `Math.${e.name.text} is not a number.`);
    return { kind: 'number', value, name: e.name.text, at: e };
  }
  if (ts.isPrivateIdentifier(e.name)) unsupported(codes.unsupportedSyntax, e.name, 'private fields (#name) are not read by the gradient code; use a plain field.');
  // A getter of a class in the program is a method called on the object.
  const getter = b.front.checker.getSymbolAtLocation(e.name)?.declarations?.find((d): d is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(d));
  if (getter?.body !== undefined && !getter.getSourceFile().isDeclarationFile) {
    if (getter.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) unsupported(codes.unsupportedSyntax, e, 'a static getter is not differentiated; read a constant or call a function.');
    if (e.expression.kind !== ts.SyntaxKind.SuperKeyword) refuseOverridden(b, getter, e);
    const receiver = expression(b, e.expression);
    const fn = b.front.function(getter, e);
    return b.placed({ kind: 'call', fn, args: [], receiver, shape: fn.result, at: e }, 'value', e.name.text);
  }
  const object = expression(b, e.expression);
  if (e.name.text === 'length' && object.kind === 'view') return lengthOf(object, e);
  return { kind: 'field', object, name: e.name.text, shape: fieldShape(object, e.name.text, b.front.shape(e)), at: e };
}

/**
 * `o?.k`, `xs?.[i]`, `a?.b.c`: `undefined` where the object before the `?.` is `null` or
 * `undefined`, else the chain of fields and elements after it, read only then.
 */
function optionalAccess(b: BodyScope, e: ts.PropertyAccessExpression | ts.ElementAccessExpression): Expr {
  const ts = b.ts;
  // The link with the `?.` nearest below `e`; the accesses above it read the value it gives.
  let link: ts.Expression = e;
  while ((ts.isPropertyAccessExpression(link) || ts.isElementAccessExpression(link)) && link.questionDotToken === undefined) link = skipOuter(ts, link.expression);
  if (!(ts.isPropertyAccessExpression(link) || ts.isElementAccessExpression(link))) unsupported(codes.unsupportedSyntax, e, "only fields and elements are read through '?.' in a marked function; call the method on a tested value.");
  const start = link;
  const object = b.stableCopy(expression(b, start.expression), start.expression, 'maybe');
  const access = (n: ts.Expression): Expr => {
    const inner = skipOuter(ts, n);
    if (!ts.isPropertyAccessExpression(inner) && !ts.isElementAccessExpression(inner)) unsupported(codes.unsupportedSyntax, inner, "only fields and elements are read through '?.' in a marked function.");
    const base = inner === start ? object : access(inner.expression);
    if (ts.isPropertyAccessExpression(inner)) return { kind: 'field', object: base, name: inner.name.text, shape: fieldShape(base, inner.name.text, b.front.shape(inner)), at: inner };
    return elementOf(base, b.stableCopy(expression(b, inner.argumentExpression), inner.argumentExpression, 'at'), b.front.shape(inner), inner);
  };
  const present = b.collectValue(() => access(e));
  if (present.statements.length > 0) unsupported(codes.unsupportedSyntax, e, "an index after '?.' has effects here; compute it first.");
  return { kind: 'conditional', test: { kind: 'isUndefined', operand: object, orNull: true, at: e }, whenTrue: { kind: 'undefined', at: e }, whenFalse: present.value, shape: b.front.shape(e), at: e };
}

function objectLiteral(b: BodyScope, e: ts.ObjectLiteralExpression): Expr {
  const ts = b.ts;
  const names: string[] = [];
  const values: (() => Expr)[] = [];
  for (const p of e.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name))) {
      names.push(p.name.text);
      values.push(() => expression(b, p.initializer));
    } else if (ts.isShorthandPropertyAssignment(p)) {
      names.push(p.name.text);
      values.push(() => identifier(b, p.name));
    } else {
      unsupported(codes.unsupportedSyntax, p, 'the objects a marked function builds may only list fields (`{ x: a, y }`); spreads, computed names, methods and accessors are not differentiated.');
    }
  }
  const evaluated = b.operands(values);
  // `{ x: 1, x: 2 }` keeps the later value, in the earlier position.
  const fields = new Map<string, Expr>();
  names.forEach((name, i) => fields.set(name, evaluated[i]!));
  return { kind: 'objectLiteral', fields: [...fields], at: e };
}

/**
 * What a `throw` throws: one of the standard errors, built from strings and numbers
 * (`new RangeError(\`n must be positive, got ${n}\`)`), which the companion throws the same.
 */
export function thrown(b: BodyScope, e: ts.Expression): Expr {
  const ts = b.ts;
  const inner = skipOuter(ts, e);
  const ctor = ts.isNewExpression(inner) || ts.isCallExpression(inner) ? inner.expression : undefined;
  if (ctor === undefined || !ts.isIdentifier(ctor) || !errorConstructors.has(ctor.text) || !b.front.isGlobal(ctor)) {
    unsupported(codes.unsupportedSyntax, e, "a marked function may throw only a standard error it builds there (throw new Error('...'), RangeError, TypeError); build other values outside it.");
  }
  const args = (inner as ts.NewExpression | ts.CallExpression).arguments ?? [];
  const values = b.operands(args.map((a) => () => expression(b, a)));
  for (const [i, v] of values.entries()) {
    const shape = shapeOf(v).kind;
    if (shape !== 'string' && shape !== 'number') unsupported(codes.unsupportedSyntax, args[i]!, "an error's message is built from strings and numbers here; format other values outside the marked function.");
  }
  return { kind: 'newError', ctor: ctor.text, args: values, at: e };
}

/** `\`a ${x} b\``: the string concatenation it is, its expressions evaluated in order. */
function template(b: BodyScope, e: ts.TemplateExpression): Expr {
  const parts = b.operands(e.templateSpans.map((span) => () => expression(b, span.expression)));
  let result: Expr = { kind: 'string', value: e.head.text, at: e.head };
  e.templateSpans.forEach((span, i) => {
    result = { kind: 'binary', op: 'concat', left: result, right: parts[i]!, at: span };
    if (span.literal.text !== '') result = { kind: 'binary', op: 'concat', left: result, right: { kind: 'string', value: span.literal.text, at: span.literal }, at: span };
  });
  return result;
}

function newExpression(b: BodyScope, e: ts.NewExpression): Expr {
  const ts = b.ts;
  const cls = classOf(ts, b.front.checker, e);
  if (cls !== undefined) return construct(b.classScope(), e, cls);
  const ctor = e.expression;
  const name = ts.isIdentifier(ctor) && b.front.isGlobal(ctor) ? ctor.text : undefined;
  const storage: ArrayStorage | undefined = name === 'Float64Array' ? 'float64' : name === 'Float32Array' ? 'float32' : name === 'Array' ? 'array' : undefined;
  const args = e.arguments ?? [];
  if (storage === undefined || args.length > 1 || args.some((a) => ts.isSpreadElement(a))) {
    unsupported(codes.unsupportedSyntax, e, "only 'new Float64Array(n)', 'new Float32Array(n)', their copies of an array ('new Float64Array(xs)') and 'new Array(n)' can be created in a marked function.");
  }
  if (args.length === 0) return { kind: 'newArray', storage, arg: undefined, copy: false, at: e };
  const arg = expression(b, args[0]!);
  const argShape = shapeOf(arg);
  if (argShape.kind === 'array' && storage !== 'array') return { kind: 'newArray', storage, arg, copy: true, at: e };
  if (argShape.kind !== 'number') unsupported(codes.unsupportedSyntax, args[0]!, 'the size of a new array must be a number (or, for a typed array, an array of numbers to copy).');
  return { kind: 'newArray', storage, arg, copy: false, at: e };
}
