/**
 * Calls, as the front end rewrites them into the core (`desugar.ts`): `Math`, guards and array
 * methods; functions with source, each desugared once per set of functions its function parameters
 * are given; callbacks written at the call, desugared where they are called; functions as values
 * resolved to the functions they are.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, shapeOf, type Call, type Expr, type Shape } from './core.js';
import { bindArguments } from './desugar-arguments.js';
import { arrayEdit, editMethods } from './desugar-array-edits.js';
import { arrayFrom, callbackMethod, callbackMethods, spreadExtremum } from './desugar-arrays.js';
import { guardCall } from './desugar-guards.js';
import { primitive } from '../rules.js';
import { shapeOfType } from './shapes.js';
import { stable } from './stable.js';
import { callMadeFunction, madeFunction, makeFunction } from './closures.js';
import { calleeDeclaration, mathOperation, skipOuter, type FunctionLike } from './source.js';
import { numberAt, read, undefinedAt, vague } from './values.js';
import { isFunctionLiteral, ownerFunction, thisSite, usesThis } from './scopes.js';
import { isMade, type BodyScope, type FunctionValue, type Place } from './scope.js';

export function call(b: BodyScope, e: ts.CallExpression, place: Place): Expr {
  const ts = b.ts;
  const front = b.front;
  const callee = skipOuter(ts, e.expression);
  if (callee.kind === ts.SyntaxKind.SuperKeyword) return superCall(b, e, place);
  if (e.questionDotToken || (ts.isPropertyAccessExpression(callee) && callee.questionDotToken)) unsupported(codes.unsupportedSyntax, e, "optional calls ('?.()') are not supported in a marked function.");
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && front.isGlobal(callee.expression)) {
    const name = callee.name.text;
    if ((name === 'max' || name === 'min') && e.arguments.some((a) => ts.isSpreadElement(a))) return spreadExtremum(b.arrayScope(), e, name);
  }
  const global = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && front.isGlobal(callee.expression) ? callee.expression.text : undefined;
  const member = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (global === 'Math') return mathCall(b, e, member!);
  const bare = ts.isIdentifier(callee) && front.isGlobal(callee) ? callee.text : undefined;
  const guard = guardCall(b.guardScope(), e, global, member, bare);
  if (guard !== undefined) return guard;
  if (global === 'console') {
    // Logging has no effect on the value: the primal logs, the companion only runs what the arguments change.
    if (place !== 'effect') unsupported(codes.unsupportedSyntax, e, 'the value of a console call cannot be differentiated; call it as a statement.');
    for (const a of e.arguments) b.effect(a);
    return undefinedAt(e);
  }
  if ((global === 'Float64Array' || global === 'Float32Array' || global === 'Array') && member === 'from' && e.arguments.length === 2) {
    return arrayFrom(b.arrayScope(), e, global === 'Float64Array' ? 'float64' : global === 'Float32Array' ? 'float32' : 'array');
  }
  if ((global === 'Float64Array' || global === 'Float32Array' || global === 'Array') && member === 'from' && e.arguments.length === 1) {
    const source = b.expression(e.arguments[0]!);
    if (shapeOf(source).kind !== 'array') unsupported(codes.unsupportedSyntax, e, `${global}.from is differentiated on arrays of numbers only.`);
    return { kind: 'newArray', storage: global === 'Float64Array' ? 'float64' : global === 'Float32Array' ? 'float32' : 'array', arg: source, copy: true, at: e };
  }
  const receiverShape = ts.isPropertyAccessExpression(callee) ? front.shape(callee.expression).kind : undefined;
  if (ts.isPropertyAccessExpression(callee) && (receiverShape === 'array' || receiverShape === 'matrix' || (receiverShape === 'records' && callbackMethods.has(callee.name.text)))) {
    return arrayMethod(b, e, callee, place);
  }
  // `f(x)` of a function a call made, by name or where it is made (`makeDecay(k)(t)`).
  const made = ts.isIdentifier(callee) ? madeFunction(b, callee) : ts.isCallExpression(callee) && !isFunctionLiteral(ts, callee.expression) ? makeFunction(b, callee) : undefined;
  if (made !== undefined) return callMadeFunction(b, made, e);
  const parameterGiven = ts.isIdentifier(callee) ? boundFunction(b, callee) : undefined;
  // A function parameter given a function a call made.
  if (parameterGiven !== undefined && isMade(parameterGiven)) return callMadeFunction(b, parameterGiven, e);
  const decl = parameterGiven ?? (isFunctionLiteral(ts, callee) ? (callee as ts.ArrowFunction | ts.FunctionExpression) : calleeDeclaration(ts, front.checker, e));
  // A function declared inside another reads that function's variables: only where it runs.
  const owner = ownerFunction(ts, decl);
  if (owner !== undefined && !front.active.includes(owner)) {
    unsupported(codes.unsupportedSyntax, e, `this calls a function declared inside '${owner.name?.getText() ?? 'another function'}', away from the variables it reads; call it where it is made, or name the function a call made (const f = factory(...)) and call that.`);
  }
  // Function parameters given a function written or declared in the program: the callee is
  // desugared for those functions, and the arguments themselves carry no value.
  const bound = new Map<ts.Symbol, FunctionValue>();
  const spreadAt = e.arguments.findIndex((a) => ts.isSpreadElement(a));
  decl.parameters.forEach((p, i) => {
    const arg = e.arguments[i];
    if (!ts.isIdentifier(p.name) || front.shape(p).kind !== 'function') return;
    if (spreadAt >= 0 && i >= spreadAt) unsupported(codes.unsupportedSyntax, e.arguments[spreadAt]!, 'a spread argument cannot give a function parameter its function; pass the function by name.');
    if (arg !== undefined) bound.set(front.symbolOf(p.name), passedFunction(b, arg));
  });
  let receiver: (() => Expr) | undefined;
  if (ts.isMethodDeclaration(decl)) {
    if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) {
      unsupported(codes.unknownCallee, e, 'a method called without its object cannot be differentiated through; call it as obj.method(...).');
    }
    // `super.m()` is the base's method, whatever overrides it.
    if (callee.expression.kind !== ts.SyntaxKind.SuperKeyword) refuseOverridden(b, decl, e);
    receiver = () => b.expression(callee.expression);
  }
  const given = e.arguments.map((a, i) => {
    const p = decl.parameters[i];
    if (p !== undefined && ts.isIdentifier(p.name) && bound.has(front.symbolOf(p.name))) return () => undefinedAt(a);
    return () => b.expression(ts.isSpreadElement(a) ? a.expression : a);
  });
  const values = b.operands([...(receiver !== undefined ? [receiver] : []), ...given]);
  const self = receiver !== undefined ? values.shift() : undefined;
  const fn = front.function(decl, e, bound);
  const checked = front.shape(e);
  const rest = decl.parameters.findIndex((p) => p.dotDotDotToken !== undefined);
  const args = bindArguments(b.arrayScope(), e, values.map((value, i) => ({ value, spread: ts.isSpreadElement(e.arguments[i]!) })), fn.params.length, rest >= 0 ? rest : undefined);
  const call: Call = { kind: 'call', fn, args, receiver: self, shape: vague(checked) ? fn.result : checked, at: e };
  return b.placed(call, place, fn.name);
}

function mathCall(b: BodyScope, e: ts.CallExpression, name: string): Expr {
  const op = mathOperation(e, name);
  const args = b.operands(e.arguments.map((a) => () => b.expression(a)));
  const rule = primitive(op);
  if (rule.arity === 'variadic') {
    if (args.length === 0) return numberAt(name === 'max' ? -Infinity : name === 'min' ? Infinity : 0, e);
    if (args.length === 1 && (name === 'max' || name === 'min')) return { kind: 'unary', op: 'plus', operand: args[0]!, at: e };
    return { kind: 'math', op, name, args, at: e };
  }
  if (args.length < rule.arity) unsupported(codes.unsupportedSyntax, e, `Math.${name} takes ${rule.arity} argument${rule.arity === 1 ? '' : 's'}.`);
  // Arguments past the ones it reads are still evaluated, and dropped, as JavaScript does.
  return stable({ kind: 'math', op, name, args: args.slice(0, rule.arity), at: e });
}

function arrayMethod(b: BodyScope, e: ts.CallExpression, callee: ts.PropertyAccessExpression, place: Place): Expr {
  const name = callee.name.text;
  if (callbackMethods.has(name)) return callbackMethod(b.arrayScope(), e, callee);
  const [array, ...args] = b.operands([() => b.expression(callee.expression), ...e.arguments.map((a) => () => b.expression(a))]);
  if (name === 'slice') return { kind: 'slice', array: array!, args, at: e };
  if (editMethods.has(name)) return arrayEdit(b.arrayScope(), e, name, b.stableCopy(array!, callee.expression, 'array'), args);
  if (name === 'push' || name === 'fill') {
    if (name === 'fill' && args.length !== 1) unsupported(codes.unsupportedSyntax, e, "'fill' is differentiated with one argument, filling the whole array; fill a range in a loop.");
    const result = b.placed({ kind: 'arrayMethod', method: name, array: array!, args, at: e }, place === 'init' ? 'value' : place, name === 'push' ? 'length' : 'filled');
    return result;
  }
  unsupported(codes.unsupportedSyntax, e, `'${name}' on an array is not differentiated yet; write it as a loop.`);
}

/**
 * A callback written at its call (`xs.forEach((v, i) => { t += v * i; })`), desugared here: its
 * parameters are locals given the arguments (defaults and destructuring as for any parameter), its
 * body runs in a block that runs once, which a `return` ends with the callback's value. What it
 * changes around it is then this function's own variables, in both modes.
 */
export function inline(b: BodyScope, fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Expr[], site?: ts.CallExpression): Expr {
  // A callback is desugared at the call it is written in.
  let at: ts.Node = site ?? fn.parent;
  while (!b.ts.isCallExpression(at)) at = at.parent;
  return inlineFunction(b, fn, args, at, undefined);
}

/**
 * A factory's body desugared at `site`, a call of the function it makes (`closures.ts`): as a
 * callback written there, on `args`, where a `return` of a function is `returned` of it.
 */
export function inlineFactory(b: BodyScope, fn: FunctionLike, args: readonly Expr[], site: ts.CallExpression, returned: (e: ts.Expression) => Expr): Expr {
  return inlineFunction(b, fn, args, site, returned);
}

function inlineFunction(b: BodyScope, fn: FunctionLike, args: readonly Expr[], site: ts.CallExpression, returned: ((e: ts.Expression) => Expr) | undefined): Expr {
  const ts = b.ts;
  if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
    unsupported(codes.unsupportedSyntax, fn, 'generators and async functions cannot be differentiated; make it a plain function.');
  }
  if (ts.isFunctionExpression(fn) && usesThis(ts, fn)) unsupported(codes.unsupportedSyntax, fn, "a callback's own 'this' is not differentiated; use an arrow function, which reads the 'this' around it.");
  fn.parameters.forEach((p, i) => {
    if (p.dotDotDotToken) unsupported(codes.unsupportedSyntax, p, 'a callback cannot take rest parameters here; list the parameters one by one.');
    const given = args[i] ?? undefinedAt(p);
    const param = ts.isIdentifier(p.name) ? b.front.variable(p.name, p) : b.front.temporary(`arg${i}`, b.front.shape(p.name), p);
    b.out.push({ kind: 'let', var: param, init: given, at: p });
    if (p.initializer !== undefined) b.defaultWhenUndefined(param, p.initializer, p);
    if (!ts.isIdentifier(p.name)) b.destructure(p.name, read(param, p), 'let');
  });
  const body = fn.body!;
  if (!ts.isBlock(body)) return returned !== undefined ? returned(body) : b.expression(body);
  // What the call gives: the callback's result, or the made function's at a factory's call.
  const shape = returned !== undefined ? b.front.shape(site) : resultShape(b, fn);
  const result = b.front.temporary('returned', shape, fn);
  b.out.push({ kind: 'let', var: result, init: undefinedAt(fn), at: fn });
  const block = b.onceLoop(body, site);
  b.inlined.push({ result, block, returned });
  try {
    block.body = b.collect(() => b.apart(() => b.statements(body.statements)));
  } finally {
    b.inlined.pop();
  }
  b.out.push(block);
  return read(result, fn);
}

/** The function a function parameter of this body was given, for `id` naming one. */
/** `super(args)` in a derived class's constructor: the base's construction on the object (`desugar-classes.ts`). */
function superCall(b: BodyScope, e: ts.CallExpression, place: Place): Expr {
  const site = thisSite(b.ts, e);
  const constructing = b.constructing.find((c) => c.owner === site);
  if (constructing?.superCall === undefined) unsupported(codes.unsupportedSyntax, e, "'super(...)' is differentiated in the constructor of a class built with 'new' in a marked function.");
  if (place !== 'effect') unsupported(codes.unsupportedSyntax, e, "'super(...)' is a statement of its own here.");
  const args = b.operands(e.arguments.map((a) => () => {
    if (b.ts.isSpreadElement(a)) unsupported(codes.unsupportedSyntax, a, 'spread arguments are not supported in a marked function; pass the arguments one by one.');
    return b.expression(a);
  }));
  constructing.superCall(args, e);
  return undefinedAt(e);
}

/** A method or getter a subclass overrides: which one runs is known only at run time. */
export function refuseOverridden(b: BodyScope, member: ts.MethodDeclaration | ts.GetAccessorDeclaration, at: ts.Node): void {
  if (!b.front.overrides.has(member)) return;
  const owner = member.parent as ts.ClassLikeDeclaration;
  unsupported(
    codes.unsupportedSyntax,
    at,
    `'${member.name.getText()}' of '${owner.name?.getText() ?? 'this class'}' is overridden in a subclass, so which one runs here is known only at run time; call it on a value typed as the class whose method it is, or give the methods different names.`,
  );
}

function resultShape(b: BodyScope, fn: FunctionLike): Shape {
  const signature = b.front.checker.getSignatureFromDeclaration(fn);
  return signature === undefined ? shapes.number : shapeOfType(b.ts, b.front.checker, b.front.checker.getReturnTypeOfSignature(signature));
}

/** What an argument gives a function parameter: a function a call made (here, or given to this body), else `functionValue`'s. */
function passedFunction(b: BodyScope, arg: ts.Expression): FunctionValue {
  const inner = skipOuter(b.ts, arg);
  if (b.ts.isIdentifier(inner)) {
    const made = madeFunction(b, inner) ?? boundFunction(b, inner);
    if (made !== undefined && isMade(made)) return made;
  }
  if (b.ts.isCallExpression(inner) && !isFunctionLiteral(b.ts, inner.expression) && b.front.shape(inner).kind === 'function') return makeFunction(b, inner);
  return functionValue(b, arg);
}

function boundFunction(b: BodyScope, id: ts.Identifier): FunctionValue | undefined {
  const symbol = b.front.checker.getSymbolAtLocation(id);
  return symbol === undefined ? undefined : b.bound.get(symbol);
}

/**
 * The function `e` passes: written there, a function or const arrow of the program named there,
 * or what this body's own function parameter was given.
 */
export function functionValue(b: BodyScope, e: ts.Expression): FunctionLike {
  const ts = b.ts;
  const inner = skipOuter(ts, e);
  if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return inner;
  if (ts.isIdentifier(inner)) {
    const bound = madeFunction(b, inner) ?? boundFunction(b, inner);
    if (bound !== undefined && isMade(bound)) unsupported(codes.unsupportedSyntax, e, `'${inner.text}' is a function made by a call; it is differentiated where it is called, given to a function's parameter or to an array method, not returned by another factory yet: return an arrow that calls it ((v) => ${inner.text}(v)).`);
    if (bound !== undefined) return bound;
    const decl = b.front.checker.getSymbolAtLocation(inner)?.valueDeclaration;
    if (decl !== undefined && ts.isFunctionDeclaration(decl) && decl.body !== undefined && !decl.getSourceFile().isDeclarationFile) return decl;
    if (decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && (decl.parent.flags & ts.NodeFlags.Const) !== 0) {
      const init = skipOuter(ts, decl.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
  }
  unsupported(codes.unsupportedSyntax, e, 'a function passed to a function here must be written at the call or declared in the program (a function, or a const arrow); pass it by name or inline.');
}
