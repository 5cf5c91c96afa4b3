/**
 * Local partial derivatives of one primitive operation as TypeScript expressions over its operands'
 * values, for the fine-grained mode. They come from the same rule table as the coarse mode's
 * (`rules.ts`): the rule is applied to a scratch graph whose leaves stand for the operands, and the
 * partials it builds are printed.
 */
import type ts from 'typescript';
import { Graph, type Node } from '../coarse/ir.js';
import { primitive, type PrimitiveName } from '../rules.js';
import { infix, numberLiteral } from '../emit/syntax.js';

/** An operand: its value (an identifier or a literal, so that it may be repeated) and whether it is active. */
export interface Operand {
  readonly value: ts.Expression;
  readonly active: boolean;
}

/**
 * ∂result/∂operand for each operand of `result = op(operands)`, or `undefined` where no adjoint
 * flows (a structural zero). `result` is the result's value (an identifier).
 */
export function partialsOf(
  tsApi: typeof ts,
  f: ts.NodeFactory,
  op: PrimitiveName,
  operands: readonly Operand[],
  result: ts.Expression,
): (ts.Expression | undefined)[] {
  const g = new Graph();
  const leaves = new Map<Node, ts.Expression>();
  const args = operands.map((o, i) => {
    const literal = literalValue(tsApi, o.value);
    if (literal !== undefined) return g.constant(literal);
    const leaf = o.active ? g.param(i, `a${i}`) : g.opaque({ kind: 'free', name: `a${i}`, node: undefined });
    leaves.set(leaf, o.value);
    return leaf;
  });
  const resultLeaf = g.param(operands.length, 'result');
  leaves.set(resultLeaf, result);
  return primitive(op)
    .partials<Node>(g, args, resultLeaf)
    .map((p, i) => (p === null || !operands[i]!.active ? undefined : print(tsApi, f, p, leaves)));
}

function literalValue(ts: typeof import('typescript'), e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

function print(ts: typeof import('typescript'), f: ts.NodeFactory, n: Node, leaves: ReadonlyMap<Node, ts.Expression>): ts.Expression {
  const leaf = leaves.get(n);
  if (leaf !== undefined) return leaf;
  if (n.kind === 'const') return n.name !== undefined ? f.createPropertyAccessExpression(f.createIdentifier('Math'), n.name) : numberLiteral(ts, f, n.value);
  if (n.kind !== 'apply') throw new Error(`coarsegrad fine mode: a partial derivative holds a ${n.kind} node`);
  const args = n.args.map((a) => print(ts, f, a, leaves));
  if (n.op === 'select') return f.createConditionalExpression(args[0]!, f.createToken(ts.SyntaxKind.QuestionToken), args[1]!, f.createToken(ts.SyntaxKind.ColonToken), args[2]!);
  if (n.op === 'neg') return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, args[0]!);
  if (n.op === '!') return f.createLogicalNot(args[0]!);
  const rule = primitive(n.op);
  // A stable form's value, and a rare condition's (the tape's partial computes both arms anyway).
  if (rule.stable === true) return args[0]!;
  if (rule.infix !== undefined) return infix(ts, f, args[0]!, rule.infix, args[1]!);
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), rule.mathName!), undefined, args);
}
