/**
 * TypeScript syntax the companions are built from, made so that it parses as meant. The factory
 * parenthesises most operands itself, but not a unary operand on the left of `**` (`(-x) ** 2`
 * would print as `-x ** 2`, which does not parse), so every infix operation is built here.
 */
import type ts from 'typescript';

export function numberLiteral(ts: typeof import('typescript'), f: ts.NodeFactory, value: number): ts.Expression {
  if (Number.isNaN(value)) return f.createIdentifier('NaN');
  const magnitude = Math.abs(value);
  const literal = magnitude === Infinity ? f.createIdentifier('Infinity') : f.createNumericLiteral(magnitude);
  return value < 0 || Object.is(value, -0) ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, literal) : literal;
}

function binaryToken(ts: typeof import('typescript'), infix: string): ts.BinaryOperator {
  const k = ts.SyntaxKind;
  const tokens: Record<string, ts.BinaryOperator> = {
    '+': k.PlusToken, '-': k.MinusToken, '*': k.AsteriskToken, '/': k.SlashToken, '%': k.PercentToken,
    '**': k.AsteriskAsteriskToken, '&': k.AmpersandToken, '|': k.BarToken, '^': k.CaretToken,
    '<<': k.LessThanLessThanToken, '>>': k.GreaterThanGreaterThanToken, '>>>': k.GreaterThanGreaterThanGreaterThanToken,
    '<': k.LessThanToken, '<=': k.LessThanEqualsToken, '>': k.GreaterThanToken, '>=': k.GreaterThanEqualsToken,
    '===': k.EqualsEqualsEqualsToken, '!==': k.ExclamationEqualsEqualsToken, '&&': k.AmpersandAmpersandToken,
    '||': k.BarBarToken,
  };
  return tokens[infix]!;
}

/** `left infix right` (`+`, `**`, `<`, ...), parenthesised where JavaScript's grammar needs it. */
export function infix(ts: typeof import('typescript'), f: ts.NodeFactory, left: ts.Expression, operator: string, right: ts.Expression): ts.Expression {
  const token = binaryToken(ts, operator);
  // `-a ** b`, `typeof a ** b` and `<T>a ** b` are syntax errors: the base of `**` cannot be unary.
  const unary = ts.isPrefixUnaryExpression(left) || ts.isTypeOfExpression(left) || ts.isVoidExpression(left) || ts.isDeleteExpression(left) || ts.isAwaitExpression(left) || ts.isTypeAssertionExpression(left);
  const base = token === ts.SyntaxKind.AsteriskAsteriskToken && unary ? f.createParenthesizedExpression(left) : left;
  // The factory drops the parentheses of `a * (b % c * d)` and `a + (b + c)`, taking `*` and `+` to
  // be associative: the first then reads `(a * b) % c * d`, and in floating point neither regroups
  // exactly. A right operand of the same precedence keeps its own (`**` groups to the right).
  const operand = ts.isBinaryExpression(right) && token !== ts.SyntaxKind.AsteriskAsteriskToken && precedence(ts, right.operatorToken.kind) === precedence(ts, token) ? f.createParenthesizedExpression(right) : right;
  return f.createBinaryExpression(base, token, operand);
}

/** How tightly a binary operator binds, for the operators companions are written with. */
function precedence(ts: typeof import('typescript'), token: ts.SyntaxKind): number {
  const k = ts.SyntaxKind;
  switch (token) {
    case k.AsteriskAsteriskToken:
      return 15;
    case k.AsteriskToken:
    case k.SlashToken:
    case k.PercentToken:
      return 14;
    case k.PlusToken:
    case k.MinusToken:
      return 13;
    case k.LessThanLessThanToken:
    case k.GreaterThanGreaterThanToken:
    case k.GreaterThanGreaterThanGreaterThanToken:
      return 12;
    case k.LessThanToken:
    case k.LessThanEqualsToken:
    case k.GreaterThanToken:
    case k.GreaterThanEqualsToken:
      return 11;
    case k.EqualsEqualsEqualsToken:
    case k.ExclamationEqualsEqualsToken:
      return 10;
    case k.AmpersandToken:
      return 9;
    case k.CaretToken:
      return 8;
    case k.BarToken:
      return 7;
    case k.AmpersandAmpersandToken:
      return 6;
    case k.BarBarToken:
      return 5;
    default:
      return 0;
  }
}

/** `object.name`, or `object[0]` for a tuple's element. */
export function member(f: ts.NodeFactory, object: ts.Expression, name: string): ts.Expression {
  return /^[0-9]+$/.test(name) ? f.createElementAccessExpression(object, Number(name)) : f.createPropertyAccessExpression(object, name);
}
