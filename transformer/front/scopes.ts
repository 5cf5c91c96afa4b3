/**
 * Where names and `this` live in the source, as the front end asks (`desugar.ts` and its parts):
 * the function a declaration or a `this` belongs to, the names a function assigns or hoists, and
 * whether an expression is a function written in place.
 */
import type ts from 'typescript';
import { skipOuter, type FunctionLike } from './source.js';

/** The function a declaration belongs to: where a `var`, `let` or parameter lives. */
export function ownerFunction(ts: typeof import('typescript'), decl: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = decl.parent; n !== undefined; n = n.parent) {
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n)) return n;
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassStaticBlockDeclaration(n)) return undefined;
  }
  return undefined;
}


/** The function whose `this` a `this` (or an arrow) at `node` reads: the nearest non-arrow function. */
export function thisOwnerOf(ts: typeof import('typescript'), node: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n)) return n;
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassLike(n)) return undefined;
  }
  return undefined;
}


/** What a `this` at `node` names: the nearest function that is not an arrow, or the class around a field's initialiser. */
export function thisSite(ts: typeof import('typescript'), node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
  }
  return undefined;
}

export function isFunctionLiteral(ts: typeof import('typescript'), e: ts.Expression): boolean {
  const inner = skipOuter(ts, e);
  return ts.isArrowFunction(inner) || ts.isFunctionExpression(inner);
}

/** The names a function body (with the closures in it) assigns after declaring them. */
export function assignedSymbols(ts: typeof import('typescript'), checker: ts.TypeChecker, fn: ts.Node): Set<ts.Symbol> {
  const found = new Set<ts.Symbol>();
  const target = (e: ts.Expression): void => {
    const inner = skipOuter(ts, e);
    if (ts.isIdentifier(inner)) {
      const symbol = checker.getSymbolAtLocation(inner);
      if (symbol !== undefined) found.add(symbol);
    } else if (ts.isArrayLiteralExpression(inner)) {
      inner.elements.forEach((el) => target(ts.isBinaryExpression(el) ? el.left : ts.isSpreadElement(el) ? el.expression : el));
    } else if (ts.isObjectLiteralExpression(inner)) {
      for (const p of inner.properties) {
        if (ts.isShorthandPropertyAssignment(p)) {
          const symbol = checker.getShorthandAssignmentValueSymbol(p);
          if (symbol !== undefined) found.add(symbol);
        } else if (ts.isPropertyAssignment(p)) {
          target(p.initializer);
        }
      }
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(n.left);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target(n.operand);
    if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) target(n.initializer);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return found;
}

/** The errors a marked function may build to throw. */
export const errorConstructors = new Set(['Error', 'RangeError', 'TypeError']);

/** Does the function expression read its own `this` (not inside functions of its own)? */
export function usesThis(ts: typeof import('typescript'), fn: ts.FunctionExpression): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else if (!ts.isFunctionDeclaration(n) && !ts.isFunctionExpression(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return found;
}

/** The names `var` declares in a function body (not in the functions inside it), once each. */
export function hoistedVars(ts: typeof import('typescript'), fn: FunctionLike): ts.Identifier[] {
  const names = new Map<string, ts.Identifier>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) {
      if (!names.has(name.text)) names.set(name.text, name);
      return;
    }
    for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
      for (const d of n.declarations) if (!(d.initializer !== undefined && isFunctionLiteral(ts, d.initializer) && ts.isIdentifier(d.name))) bind(d.name);
    }
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  if (fn.body !== undefined) ts.forEachChild(fn.body, visit);
  return [...names.values()];
}
