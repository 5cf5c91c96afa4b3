/**
 * What a marked function's source refers to, shared by both modes: the function a call runs, and
 * whether a name's declaration is visible where the companion is placed.
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';

export type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

/** The function a call runs, when its source is in the program; otherwise a diagnostic. */
export function calleeDeclaration(ts: typeof import('typescript'), checker: ts.TypeChecker, e: ts.CallExpression): FunctionLike {
  let decl: ts.Node | undefined = checker.getResolvedSignature(e)?.declaration;
  if (decl !== undefined && !ts.isFunctionLike(decl)) decl = undefined;
  if (decl === undefined) {
    const symbol = checker.getSymbolAtLocation(e.expression);
    const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    decl = target?.valueDeclaration;
    if (decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined) decl = decl.initializer;
  }
  const calleeText = e.expression.getText();
  if (decl !== undefined && isWrapperCall(ts, decl)) decl = (decl as ts.CallExpression).arguments[0];
  if (
    decl === undefined ||
    !(ts.isFunctionDeclaration(decl) || ts.isFunctionExpression(decl) || ts.isArrowFunction(decl) || ts.isMethodDeclaration(decl)) ||
    decl.body === undefined
  ) {
    unsupported(
      codes.unknownCallee,
      e,
      `'${calleeText}' has no source that coarsegrad can see (it is declared in a .d.ts file, a library, or is not a plain function), so it cannot be differentiated through; write it in TypeScript in this program or compute its result outside the marked function.`,
    );
  }
  if (decl.getSourceFile().isDeclarationFile) {
    unsupported(codes.unknownCallee, e, `'${calleeText}' comes from a declaration file without source; compute its result outside the marked function and pass it in.`);
  }
  return decl;
}

/** `differentiable(fn)` as written by the user: the wrapped function is what runs. */
export function isWrapperCall(ts: typeof import('typescript'), node: ts.Node): boolean {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'differentiable' && node.arguments.length >= 1 && ts.isFunctionLike(node.arguments[0]!);
}

/** Is `decl` in a scope that also contains the marked function `fn`, so its companion sees the same binding? */
export function enclosesCompanion(ts: typeof import('typescript'), decl: ts.Node, fn: ts.Node): boolean {
  let scope: ts.Node | undefined = decl.parent;
  while (scope !== undefined && !ts.isSourceFile(scope) && !ts.isBlock(scope) && !ts.isFunctionLike(scope) && !ts.isClassLike(scope) && !ts.isModuleBlock(scope)) {
    scope = scope.parent;
  }
  // The companion sits beside the marked function, so it sees every scope that encloses the
  // function, an outer function's parameters included, but not the function's own.
  for (let n: ts.Node | undefined = fn.parent; n !== undefined; n = n.parent) if (n === scope) return true;
  return false;
}

/** Does a value of this type carry numbers a user may expect a derivative for? */
export function holdsNumbers(ts: typeof import('typescript'), checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some((t) => holdsNumbers(ts, checker, t));
  if (checker.isArrayLikeType(type)) return true;
  const name = type.getSymbol()?.getName();
  if (name === 'Float64Array' || name === 'Float32Array') return true;
  if (type.getCallSignatures().length > 0) return false;
  if (type.flags & ts.TypeFlags.Object) {
    return type.getProperties().some((prop) => {
      const decl = prop.valueDeclaration;
      return decl !== undefined && isNumberType(ts, checker.getTypeOfSymbolAtLocation(prop, decl));
    });
  }
  return false;
}

/** `number`, a number literal, a union of them, or a number with a brand (`Int`). */
export function isNumberType(ts: typeof import('typescript'), type: ts.Type): boolean {
  if (type.flags & ts.TypeFlags.NumberLike) return true;
  if (type.isUnion()) return type.types.every((t) => isNumberType(ts, t));
  return type.isIntersection() && type.types.some((t) => (t.flags & ts.TypeFlags.NumberLike) !== 0);
}

/**
 * The runtime's `Int` (a number branded with a unique symbol): a parameter of this type is a size or
 * a count, differentiated by no one, and its gradient entry is `undefined` (DESIGN.md §2).
 */
export function isIntegerType(ts: typeof import('typescript'), type: ts.Type): boolean {
  return type.isIntersection() && isNumberType(ts, type) && type.getProperties().some((p) => (p.escapedName as string).startsWith('__@integerBrand'));
}
