/**
 * Activity analysis for the fine-grained mode: which variables of a function body may hold a value
 * that depends on a differentiated input, and so need a shadow (a tape slot, or an array or object
 * of slots). Flow-insensitive and run to a fixed point over the body, as operator-overloading tools
 * decide it by type: a loop counter or a size stays a plain number and costs the tape nothing.
 *
 * Local arrays and objects are always active (their shadow costs one allocation, and an element
 * written later may be active); calls are active when an argument is, since a callee reads nothing
 * active except through its arguments.
 */
import type ts from 'typescript';
import { skipOuter } from './source.js';

/** Math functions whose derivative is zero everywhere they have one: their results are inactive. */
const piecewiseConstant = new Set(['floor', 'ceil', 'round', 'trunc', 'sign']);

export interface Activity {
  /** Variables that may hold an active value. */
  readonly active: ReadonlySet<ts.Symbol>;
  /**
   * Counters of `for` loops (declared in the header, stepped by a constant): integers, never
   * differentiated even when they start from an active value (DESIGN.md §4), as in the coarse mode.
   */
  readonly counters: ReadonlySet<ts.Symbol>;
}

export function activeVariables(ts: typeof import('typescript'), checker: ts.TypeChecker, body: ts.Node, seeds: ReadonlySet<ts.Symbol>): Activity {
  const active = new Set(seeds);
  const counters = loopCounters(ts, checker, body);
  let changed = true;
  const symbolOf = (id: ts.Identifier): ts.Symbol | undefined => checker.getSymbolAtLocation(id);
  const mark = (id: ts.Node): void => {
    if (!ts.isIdentifier(id)) return;
    const symbol = symbolOf(id);
    if (symbol !== undefined && !active.has(symbol) && !counters.has(symbol)) {
      active.add(symbol);
      changed = true;
    }
  };

  const isActive = (e: ts.Expression): boolean => {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) {
      return isActive(e.expression);
    }
    if (ts.isIdentifier(e)) {
      const symbol = symbolOf(e);
      return symbol !== undefined && active.has(symbol);
    }
    if (ts.isPropertyAccessExpression(e)) return e.name.text !== 'length' && isActive(e.expression);
    if (ts.isElementAccessExpression(e)) return isActive(e.expression);
    if (ts.isPrefixUnaryExpression(e)) {
      const k = e.operator;
      return (k === ts.SyntaxKind.MinusToken || k === ts.SyntaxKind.PlusToken || k === ts.SyntaxKind.PlusPlusToken || k === ts.SyntaxKind.MinusMinusToken) && isActive(e.operand);
    }
    if (ts.isPostfixUnaryExpression(e)) return isActive(e.operand);
    if (ts.isBinaryExpression(e)) return binaryIsActive(e);
    if (ts.isConditionalExpression(e)) return isActive(e.whenTrue) || isActive(e.whenFalse);
    if (ts.isCallExpression(e)) {
      const callee = e.expression;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math') {
        return !piecewiseConstant.has(callee.name.text) && e.arguments.some(isActive);
      }
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'push') return false;
      // Copies (`Float64Array.from(xs)`, `xs.slice()`) are the function's own arrays.
      if (ts.isPropertyAccessExpression(callee) && (callee.name.text === 'from' || callee.name.text === 'slice')) return true;
      const receiver = ts.isPropertyAccessExpression(callee) && callee.expression.kind !== ts.SyntaxKind.ThisKeyword && isActive(callee.expression);
      return receiver || e.arguments.some(isActive) || isClosure(ts, checker.getResolvedSignature(e)?.declaration);
    }
    return ts.isNewExpression(e) || ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e);
  };

  const binaryIsActive = (e: ts.BinaryExpression): boolean => {
    const k = ts.SyntaxKind;
    switch (e.operatorToken.kind) {
      case k.EqualsToken:
      case k.CommaToken:
        return isActive(e.right);
      case k.PlusToken:
      case k.MinusToken:
      case k.AsteriskToken:
      case k.SlashToken:
      case k.PercentToken:
      case k.AsteriskAsteriskToken:
      case k.PlusEqualsToken:
      case k.MinusEqualsToken:
      case k.AsteriskEqualsToken:
      case k.SlashEqualsToken:
      case k.PercentEqualsToken:
      case k.AsteriskAsteriskEqualsToken:
      case k.AmpersandAmpersandToken:
      case k.BarBarToken:
      case k.QuestionQuestionToken:
        return isActive(e.left) || isActive(e.right);
      default:
        // Comparisons, bitwise and integer operations, `in`, `instanceof`: no derivative.
        return false;
    }
  };

  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer !== undefined && isActive(n.initializer)) mark(n.name);
    if (ts.isForOfStatement(n) && isActive(n.expression)) {
      const init = n.initializer;
      if (ts.isVariableDeclarationList(init)) init.declarations.forEach((d) => mark(d.name));
      else mark(init);
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      if (binaryIsActive(n)) mark(skipOuter(ts, n.left));
    }
    // Functions declared inside are not run by this body (the emitter refuses them).
    if (ts.isFunctionLike(n) && n !== body) return;
    ts.forEachChild(n, visit);
  };
  while (changed) {
    changed = false;
    ts.forEachChild(body, visit);
  }
  return { active, counters };
}

function loopCounters(ts: typeof import('typescript'), checker: ts.TypeChecker, body: ts.Node): Set<ts.Symbol> {
  const counters = new Set<ts.Symbol>();
  const visit = (n: ts.Node): void => {
    if (ts.isForStatement(n) && n.initializer !== undefined && ts.isVariableDeclarationList(n.initializer) && n.incrementor !== undefined) {
      const step = skipOuter(ts, n.incrementor);
      let target: ts.Expression | undefined;
      if (ts.isPostfixUnaryExpression(step) || (ts.isPrefixUnaryExpression(step) && (step.operator === ts.SyntaxKind.PlusPlusToken || step.operator === ts.SyntaxKind.MinusMinusToken))) target = step.operand;
      else if (ts.isBinaryExpression(step) && (step.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken || step.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken) && ts.isNumericLiteral(skipOuter(ts, step.right))) target = step.left;
      const symbol = target !== undefined && ts.isIdentifier(skipOuter(ts, target)) ? checker.getSymbolAtLocation(skipOuter(ts, target)) : undefined;
      if (symbol !== undefined && n.initializer.declarations.some((d) => checker.getSymbolAtLocation(d.name) === symbol)) counters.add(symbol);
    }
    if (ts.isFunctionLike(n) && n !== body) return;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return counters;
}

/** A function declared inside another reads that function's variables, active ones included. */
export function isClosure(ts: typeof import('typescript'), decl: ts.Node | undefined): boolean {
  for (let n = decl?.parent; n !== undefined; n = n.parent) if (ts.isFunctionLike(n)) return true;
  return false;
}
