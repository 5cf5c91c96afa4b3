/**
 * What a marked function's source refers to, shared by both modes: the function a call runs, and
 * whether a name's declaration is visible where the companion is placed.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { mathPrimitive, type PrimitiveName } from '../rules.js';

export type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.GetAccessorDeclaration;

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

/** Does a value of this type carry numbers a user may expect a derivative for, at any depth? */
export function holdsNumbers(ts: typeof import('typescript'), checker: ts.TypeChecker, type: ts.Type, depth = 0): boolean {
  // Deep enough for any real parameter, and an end for recursive types.
  if (depth > 6) return false;
  if (type.isUnion()) return type.types.some((t) => holdsNumbers(ts, checker, t, depth));
  if (depth > 0 && isNumberType(ts, type)) return true;
  if (checker.isArrayLikeType(type)) return true;
  const name = type.getSymbol()?.getName();
  if (name === 'Float64Array' || name === 'Float32Array') return true;
  if (type.getCallSignatures().length > 0) return false;
  // An object type, or an intersection of them (`Vec & { offset: Vec }`).
  if (type.flags & ts.TypeFlags.Object || type.isIntersection()) {
    return type.getProperties().some((prop) => {
      const decl = prop.valueDeclaration;
      return decl !== undefined && holdsNumbers(ts, checker, checker.getTypeOfSymbolAtLocation(prop, decl), depth + 1);
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

/** The runtime's `Data<T>` brand: a value the marked function reads but is not differentiated with respect to. */
export function isDataType(type: ts.Type): boolean {
  return type.isIntersection() && type.getProperties().some((p) => (p.escapedName as string).startsWith('__@dataBrand'));
}

/**
 * A marked function's parameter as both modes take it: a plain name, a number literal as its default,
 * a type that is not `any`. Returns its name and its type (a type parameter's constraint).

 * `objectDefault`: the default is an object literal, which `parameters.ts` checks itself. A
 * destructured parameter is named by its position (`arg0`).
 */
export function checkedParameter(ts: typeof import('typescript'), checker: ts.TypeChecker, p: ts.ParameterDeclaration, objectDefault: boolean, index: number): { name: string; type: ts.Type } {
  if (p.initializer !== undefined && !objectDefault && !isConstantDefault(ts, checker, p.initializer)) {
    unsupported(
      codes.unsupportedParameter,
      p.initializer,
      "a parameter default of a marked function must be computed from constants (numbers, Math's constants and functions, the module's consts), or for an object parameter be an object literal of literals; pass the value explicitly instead.",
    );
  }
  const name = ts.isIdentifier(p.name) ? p.name.text : `arg${index}`;
  const declared = checker.getTypeAtLocation(p);
  // A type parameter stands for its constraint; other types are themselves (an intersection's
  // "base constraint" is not the intersection).
  const type = declared.flags & ts.TypeFlags.TypeParameter ? (checker.getBaseConstraintOfType(declared) ?? declared) : declared;
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
    unsupported(codes.unsupportedParameter, p, `parameter '${name}' has type '${checker.typeToString(declared)}'; give it a type ('number' to differentiate it).`);
  }
  return { name, type };
}

/** A parameter that is neither a number nor an array of numbers but holds numbers: not differentiated yet. */
export function refuseNumbersInside(ts: typeof import('typescript'), checker: ts.TypeChecker, p: ts.ParameterDeclaration, name: string, type: ts.Type): void {
  if (!holdsNumbers(ts, checker, type)) return;
  unsupported(
    codes.unsupportedParameter,
    p,
    type.isUnion()
      ? type.getNonNullableType() !== type && !type.getNonNullableType().isUnion()
        ? `parameter '${name}' has type '${checker.typeToString(type)}'; an optional array is not differentiated yet: make it required, and pass an empty array where there is none.`
        : `parameter '${name}' has type '${checker.typeToString(type)}'; a union of several types holding numbers (Vec | number) is not differentiated: give it one type (it may be optional, opts?: Options).`
      : `parameter '${name}' has type '${checker.typeToString(type)}'; arrays nested deeper than rows of numbers (number[][][]) and arrays of objects holding arrays of arrays, objects of arrays, strings or optional fields are not differentiated yet: pass the numbers as a flat 'number[]' or 'Float64Array', as rows (number[][]), as an array of objects of numbers and arrays of numbers, or as an object of them.`,
  );
}

/**
 * A default the companion can repeat as it is: arithmetic on numbers, `Math`'s constants and
 * functions, and consts of the module (`2 * Math.PI`, `TAU / steps0`): nothing of the call's own.
 */
function isConstantDefault(ts: typeof import('typescript'), checker: ts.TypeChecker, e: ts.Expression): boolean {
  if (ts.isNumericLiteral(e)) return true;
  if (ts.isParenthesizedExpression(e)) return isConstantDefault(ts, checker, e.expression);
  if (ts.isPrefixUnaryExpression(e)) return (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) && isConstantDefault(ts, checker, e.operand);
  if (ts.isBinaryExpression(e)) {
    const arithmetic = [ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.AsteriskAsteriskToken, ts.SyntaxKind.PercentToken];
    return arithmetic.includes(e.operatorToken.kind) && isConstantDefault(ts, checker, e.left) && isConstantDefault(ts, checker, e.right);
  }
  const isMath = (x: ts.Expression) => ts.isIdentifier(x) && x.text === 'Math' && (checker.getSymbolAtLocation(x)?.declarations?.[0]?.getSourceFile().isDeclarationFile ?? false);
  if (ts.isPropertyAccessExpression(e)) return isMath(e.expression);
  // Math.random() would draw another number in the companion.
  if (ts.isCallExpression(e)) return ts.isPropertyAccessExpression(e.expression) && isMath(e.expression.expression) && e.expression.name.text !== 'random' && e.arguments.every((a) => isConstantDefault(ts, checker, a));
  if (ts.isIdentifier(e)) {
    // A const of the module (not of a function: the companion stands beside the marked function).
    const decl = checker.getSymbolAtLocation(e)?.valueDeclaration;
    return decl !== undefined && ts.isVariableDeclaration(decl) && (decl.parent.flags & ts.NodeFlags.Const) !== 0 && ts.isVariableStatement(decl.parent.parent) && ts.isSourceFile(decl.parent.parent.parent) && decl.initializer !== undefined && isConstantDefault(ts, checker, decl.initializer);
  }
  return false;
}

export function isNumberLiteral(ts: typeof import('typescript'), e: ts.Expression): boolean {
  return ts.isNumericLiteral(e) || (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand));
}

/** The primitive `Math.<name>` is; a diagnostic for a Math function without a derivative. */
export function mathOperation(e: ts.CallExpression, name: string): PrimitiveName {
  const op = mathPrimitive(name);
  if (op !== undefined) return op;
  unsupported(
    codes.unknownCallee,
    e,
    name === 'random'
      ? 'Math.random() has no derivative; draw random numbers outside the marked function and pass them in.'
      : `Math.${name} has no derivative rule; compute it outside the marked function and pass the result in.`,
  );
}

/** The diagnostic for a statement neither mode differentiates, saying what to write instead. */
export function unsupportedStatement(ts: typeof import('typescript'), s: ts.Statement): never {
  if (ts.isForInStatement(s)) unsupported(codes.unsupportedSyntax, s, "'for...in' cannot be differentiated; loop over indices or use 'for...of' over an array.");
  unsupported(codes.unsupportedSyntax, s, `this statement (${ts.SyntaxKind[s.kind]}) cannot be differentiated; move it out of the marked function.`);
}

/** `e` without the parentheses, casts and non-null assertions around it: what it computes. */
export function skipOuter(ts: typeof import('typescript'), e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}
