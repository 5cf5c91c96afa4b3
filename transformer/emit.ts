/**
 * emit: IR → TypeScript AST (DESIGN.md §3). A companion is straight-line code: the forward sweep
 * materialises every value used more than once as a named `const`, then the reverse sweep's adjoints
 * follow, and single-use expressions stay inline, as a careful person would write them by hand.
 */
import type ts from 'typescript';
import type { Node, OpaqueExpr } from './ir.js';
import type { LoweredFunction } from './lower.js';
import { Namer } from './names.js';
import { primitive } from './rules.js';

export interface CompanionSource {
  readonly lowered: LoweredFunction;
  /** Gradient per parameter: a node for a differentiated parameter, `undefined` for the others. */
  readonly gradients: readonly (Node | undefined)[];
  /** Hints for adjoint nodes (`dx` for the adjoint of `x`). */
  readonly adjointHints: ReadonlyMap<Node, string>;
  /** Nodes created before differentiation began: the forward sweep. */
  readonly primalNodeCount: number;
}

export interface CompanionBody {
  readonly parameters: ts.ParameterDeclaration[];
  readonly body: ts.Block;
}

/**
 * The body of a companion. `withValue` returns `[value, gradients]`; without it only `gradients`,
 * and work that only the value needs is not emitted.
 */
export function emitCompanion(tsApi: typeof ts, factory: ts.NodeFactory, source: CompanionSource, withValue: boolean): CompanionBody {
  return new Emitter(tsApi, factory, source).emit(withValue);
}

class Emitter {
  private readonly namer: Namer;
  private readonly paramNames: string[];
  private readonly names = new Map<Node, string>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly f: ts.NodeFactory,
    private readonly source: CompanionSource,
  ) {
    this.namer = new Namer(source.lowered.freeNames);
    this.paramNames = source.lowered.params.map((p) => this.namer.fresh(p.name));
  }

  emit(withValue: boolean): CompanionBody {
    const f = this.f;
    const { lowered, gradients } = this.source;
    const roots = [...(withValue ? [lowered.output] : []), ...gradients.filter((g): g is Node => g !== undefined)];
    const uses = countUses(roots);
    const statements: ts.Statement[] = [];

    // Every root gets a name, so the return statement reads `return [value, [dx, dy]]`.
    const rootHints = new Map<Node, string>();
    gradients.forEach((g, i) => {
      if (g !== undefined && !rootHints.has(g)) rootHints.set(g, `d${lowered.params[i]!.name}`);
    });
    if (withValue && !rootHints.has(lowered.output)) rootHints.set(lowered.output, 'value');

    const scheduled = [...uses.keys()].filter((n) => needsName(n) && ((uses.get(n) ?? 0) > 1 || rootHints.has(n))).sort((a, b) => a.id - b.id);
    let inReverse = false;
    for (const n of scheduled) {
      const hint = rootHints.get(n) ?? this.source.adjointHints.get(n) ?? lowered.nameHints.get(n) ?? (n.kind === 'opaque' && n.expr.kind === 'property' ? n.expr.name : 't');
      const name = this.namer.fresh(hint);
      const init = this.expression(n, true);
      this.names.set(n, name);
      let statement: ts.Statement = f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, init)], this.ts.NodeFlags.Const),
      );
      if (!inReverse && n.id >= this.source.primalNodeCount) {
        inReverse = true;
        statement = this.ts.addSyntheticLeadingComment(statement, this.ts.SyntaxKind.SingleLineCommentTrivia, ' reverse sweep: adjoints flow from cut to cut', true);
      } else if (statements.length === 0) {
        statement = this.ts.addSyntheticLeadingComment(statement, this.ts.SyntaxKind.SingleLineCommentTrivia, ' forward sweep: values used more than once', true);
      }
      statements.push(statement);
    }

    const gradientArray = f.createArrayLiteralExpression(
      gradients.map((g) => (g === undefined ? f.createIdentifier('undefined') : this.expression(g, false))),
    );
    const result = withValue ? f.createArrayLiteralExpression([this.expression(lowered.output, false), gradientArray]) : gradientArray;
    statements.push(f.createReturnStatement(result));

    const parameters = lowered.params.map((p, i) =>
      f.createParameterDeclaration(undefined, undefined, this.paramNames[i]!, undefined, undefined, p.defaultValue),
    );
    return { parameters, body: f.createBlock(statements, true) };
  }

  /** The expression computing `n`; a named node is referenced by name unless `defining` it. */
  private expression(n: Node, defining: boolean): ts.Expression {
    const f = this.f;
    const ts = this.ts;
    const named = this.names.get(n);
    if (named !== undefined && !defining) return f.createIdentifier(named);
    switch (n.kind) {
      case 'const':
        return n.name !== undefined ? f.createPropertyAccessExpression(f.createIdentifier('Math'), n.name) : this.numberLiteral(n.value);
      case 'param':
        return f.createIdentifier(this.paramNames[n.index]!);
      case 'opaque':
        return this.opaque(n.expr);
      case 'apply': {
        const args = n.args.map((a) => this.expression(a, false));
        const rule = primitive(n.op);
        if (n.op === 'neg') return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, args[0]!);
        if (n.op === '~') return f.createPrefixUnaryExpression(ts.SyntaxKind.TildeToken, args[0]!);
        if (n.op === '!') return f.createLogicalNot(args[0]!);
        if (n.op === 'select') return f.createConditionalExpression(args[0]!, f.createToken(ts.SyntaxKind.QuestionToken), args[1]!, f.createToken(ts.SyntaxKind.ColonToken), args[2]!);
        if (rule.infix !== undefined) return f.createBinaryExpression(args[0]!, binaryToken(ts, rule.infix), args[1]!);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), rule.mathName!), undefined, args);
      }
    }
  }

  private numberLiteral(value: number): ts.Expression {
    const f = this.f;
    if (Number.isNaN(value)) return f.createIdentifier('NaN');
    const magnitude = Math.abs(value);
    const literal = magnitude === Infinity ? f.createIdentifier('Infinity') : f.createNumericLiteral(magnitude);
    return value < 0 || Object.is(value, -0) ? f.createPrefixUnaryExpression(this.ts.SyntaxKind.MinusToken, literal) : literal;
  }

  private opaque(e: OpaqueExpr): ts.Expression {
    const f = this.f;
    switch (e.kind) {
      case 'this':
        return f.createThis();
      case 'param':
        return f.createIdentifier(this.paramNames[e.index]!);
      case 'free':
        return e.node ?? f.createIdentifier(e.name);
      case 'property': {
        const base = this.opaque(e.base);
        if (e.node !== undefined) return f.createPropertyAccessExpression(base, e.node as ts.Identifier | ts.PrivateIdentifier);
        if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(e.name)) return f.createPropertyAccessExpression(base, e.name);
        const index = Number(e.name);
        return f.createElementAccessExpression(base, Number.isInteger(index) && index >= 0 && String(index) === e.name ? f.createNumericLiteral(index) : f.createStringLiteral(e.name));
      }
    }
  }
}

/** Leaves that are cheaper to repeat than to name. */
function needsName(n: Node): boolean {
  if (n.kind === 'apply') return true;
  return n.kind === 'opaque' && n.expr.kind === 'property';
}

function countUses(roots: readonly Node[]): Map<Node, number> {
  const uses = new Map<Node, number>();
  const visit = (n: Node): void => {
    const count = uses.get(n);
    uses.set(n, (count ?? 0) + 1);
    if (count !== undefined || n.kind !== 'apply') return;
    n.args.forEach(visit);
  };
  roots.forEach(visit);
  return uses;
}

function binaryToken(ts: typeof import('typescript'), infix: string): ts.BinaryOperator {
  const k = ts.SyntaxKind;
  const tokens: Record<string, ts.BinaryOperator> = {
    '+': k.PlusToken, '-': k.MinusToken, '*': k.AsteriskToken, '/': k.SlashToken, '%': k.PercentToken,
    '**': k.AsteriskAsteriskToken, '&': k.AmpersandToken, '|': k.BarToken, '^': k.CaretToken,
    '<<': k.LessThanLessThanToken, '>>': k.GreaterThanGreaterThanToken, '>>>': k.GreaterThanGreaterThanGreaterThanToken,
    '<': k.LessThanToken, '<=': k.LessThanEqualsToken, '>': k.GreaterThanToken, '>=': k.GreaterThanEqualsToken,
    '===': k.EqualsEqualsEqualsToken, '!==': k.ExclamationEqualsEqualsToken, '&&': k.AmpersandAmpersandToken,
  };
  return tokens[infix]!;
}
