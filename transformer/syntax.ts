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
  return f.createBinaryExpression(base, token, right);
}
