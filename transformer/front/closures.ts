/**
 * Functions made by a call (`const spring = makeSpring(k, rest)`, a factory returning an arrow that
 * reads the factory's parameters and locals), as the front end rewrites them (DESIGN.md §3). The
 * declaration keeps the factory's arguments, copied where it stands (what the function captured);
 * each call of the made function is the factory's body run again on those arguments, in place, its
 * `return` of a function becoming that function's body run on the call's arguments. The factory's
 * variables are then the caller's own at each call, in both modes, and two functions made by two
 * calls of one factory keep their own values.
 *
 * What the made function may not do is change the variables it captured (a counter kept between
 * calls): each call starts from the values the factory gave them, so that is refused. Nor may the
 * factory itself do anything that running it again would change: write to what it was given or to
 * names around it, or give arrays and objects to functions that could write them. Its argument
 * checks (`throw`) run where the factory is called, as in the primal, and again at each call.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Expr } from './core.js';
import type { BodyScope, MadeFunction } from './scope.js';
import { assignedSymbols, isFunctionLiteral } from './scopes.js';
import { calleeDeclaration, skipOuter, type FunctionLike } from './source.js';
import { read } from './values.js';

/**
 * `const f = factory(args)` with `f` a function: remembered (the arguments copied), nothing run
 * yet. False if the declaration is not one.
 */
export function declareMadeFunction(b: BodyScope, d: ts.VariableDeclaration, constant: boolean): boolean {
  const ts = b.ts;
  if (!ts.isIdentifier(d.name) || d.initializer === undefined || b.front.shape(d.name).kind !== 'function') return false;
  const call = skipOuter(ts, d.initializer);
  if (!ts.isCallExpression(call) || isFunctionLiteral(ts, call.expression)) return false;
  if (!constant) unsupported(codes.unsupportedSyntax, d, `'${d.name.text}' holds a function made by a call; declare it 'const', so that it is that function wherever it is called.`);
  b.made.set(b.front.symbolOf(d.name), makeFunction(b, call));
  return true;
}

/** `factory(args)` whose value is a function: the factory, and its arguments copied now. */
export function makeFunction(b: BodyScope, call: ts.CallExpression): MadeFunction {
  const ts = b.ts;
  const factory = calleeDeclaration(ts, b.front.checker, call);
  if (factory.body === undefined) unsupported(codes.unknownCallee, call, 'this function has no body to differentiate.');
  if (ts.isMethodDeclaration(factory)) unsupported(codes.unsupportedSyntax, call, 'a method that makes a function is not differentiated yet; make the factory a plain function.');
  factory.parameters.forEach((p) => {
    if (b.front.shape(p).kind === 'function' || p.dotDotDotToken !== undefined) unsupported(codes.unsupportedSyntax, p, 'a factory whose made function is called here takes plain parameters (no functions, no rest); pass the values it needs.');
  });
  refuseEffects(b, factory);
  const args = call.arguments.map((a, i) => {
    if (ts.isSpreadElement(a)) unsupported(codes.unsupportedSyntax, a, 'spread arguments to a factory are not differentiated; pass the arguments one by one.');
    // What the made function captured: the values now, whatever the names hold later.
    return b.copy(b.expression(a), a, factory.parameters[i] !== undefined && ts.isIdentifier(factory.parameters[i]!.name) ? factory.parameters[i]!.name.getText() : `arg${i}`);
  });
  // Its argument checks throw where the primal's call of the factory does: its body is run once
  // there too (it has no other effect), the function it returns left aside.
  if (throwsIn(ts, factory)) b.inlineFactory(factory, args.map((a) => (a.kind === 'var' ? read(a.var, call) : a)), call, () => ({ kind: 'undefined', at: call }));
  return { factory, args, at: call };
}

/** Does the factory's own code (the functions in it aside) throw? */
function throwsIn(ts: typeof import('typescript'), factory: FunctionLike): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== factory && ts.isFunctionLike(n))) return;
    if (ts.isThrowStatement(n)) found = true;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(factory, visit);
  return found;
}

/** The function `id` names, if a call made it in this body. */
export function madeFunction(b: BodyScope, id: ts.Identifier): MadeFunction | undefined {
  const symbol = b.front.checker.getSymbolAtLocation(id);
  return symbol === undefined ? undefined : b.made.get(symbol);
}

/** `f(args)` of a made function: the factory's body on its arguments, then the function it returns on these. */
export function callMadeFunction(b: BodyScope, made: MadeFunction, e: ts.CallExpression): Expr {
  const args = b.operands(e.arguments.map((a) => () => {
    if (b.ts.isSpreadElement(a)) unsupported(codes.unsupportedSyntax, a, 'spread arguments are not differentiated in a call of a made function; pass the arguments one by one.');
    return b.expression(a);
  }));
  return callMadeWith(b, made, args, e);
}

/** The made function on `args` at `e` (a call of it, or an array method's call of its callback). */
export function callMadeWith(b: BodyScope, made: MadeFunction, args: readonly Expr[], e: ts.CallExpression): Expr {
  const ts = b.ts;
  const factory = made.factory;
  // The factory as a callback written here: its parameters are given the captured values.
  const run = (returned: ts.Expression): Expr => {
    const fn = b.functionValue(returned);
    if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) unsupported(codes.unsupportedSyntax, returned, 'a factory whose made function is called here returns an arrow or a function expression; write the function in the return.');
    const captured = new Set<ts.Symbol>();
    const collect = (n: ts.Node): void => {
      if ((ts.isParameter(n) || ts.isVariableDeclaration(n)) && ts.isIdentifier(n.name)) {
        const symbol = b.front.checker.getSymbolAtLocation(n.name);
        if (symbol !== undefined) captured.add(symbol);
      }
      if (n !== fn) ts.forEachChild(n, collect);
    };
    collect(factory);
    for (const symbol of assignedSymbols(ts, b.front.checker, fn)) {
      if (captured.has(symbol)) unsupported(codes.unsupportedSyntax, fn, `the function '${factory.name?.getText() ?? 'the factory'}' makes changes '${symbol.getName()}', which it keeps between calls; that state is not differentiated: pass it in and return the new value instead.`);
    }
    return b.inline(fn, args, e);
  };
  return b.inlineFactory(factory, made.args.map((a) => (a.kind === 'var' ? read(a.var, made.at) : a)), e, run);
}

/**
 * The factory's own statements (the functions it returns aside) have no effect but on its locals:
 * each call of the made function runs them again, and the first runs them later than the primal.
 */
function refuseEffects(b: BodyScope, factory: FunctionLike): void {
  const ts = b.ts;
  const checker = b.front.checker;
  const name = factory.name?.getText() ?? 'this factory';
  const local = (id: ts.Node): boolean => {
    const decl = checker.getSymbolAtLocation(id)?.valueDeclaration;
    return decl !== undefined && decl.pos >= factory.pos && decl.end <= factory.end && !ts.isParameter(decl);
  };
  const root = (e: ts.Expression): ts.Expression => (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? root(e.expression) : skipOuter(ts, e));
  const refuse = (at: ts.Node, what: string): never =>
    unsupported(codes.unsupportedSyntax, at, `'${name}' makes a function and ${what}; a made function runs its factory again at each call, so the factory may change only its own locals: do this outside it.`);
  const visit = (n: ts.Node): void => {
    if (n !== factory && ts.isFunctionLike(n)) return;
    const target = ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment ? n.left : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken) ? n.operand : undefined;
    if (target !== undefined && !local(root(target))) refuse(n, 'writes to what it was given or to a name around it');
    if (ts.isCallExpression(n)) {
      const callee = skipOuter(ts, n.expression);
      if (ts.isPropertyAccessExpression(callee) && !local(root(callee.expression)) && ['push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'sort', 'reverse', 'set', 'copyWithin'].includes(callee.name.text)) refuse(n, `calls '${callee.name.text}' on what it was given`);
      for (const arg of n.arguments) {
        const shape = b.front.shape(arg).kind;
        if ((shape === 'array' || shape === 'record' || shape === 'records' || shape === 'matrix') && !local(root(arg))) refuse(arg, 'gives an array or object it was given to a function, which could write it');
      }
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(factory, visit);
}
