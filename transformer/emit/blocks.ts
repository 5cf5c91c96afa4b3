/** The statements of a companion, in order, written as nested `if`/`else` and loops by their regions. */
import type ts from 'typescript';
import type { Loop, Node } from '../coarse/ir.js';
import { commonRegion, type Region } from '../coarse/schedule.js';

/** Builds nested `if`/`else` statements from statements tagged with their regions, in order. */
export class BlockBuilder {
  private readonly frames: Frame[];

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly f: ts.NodeFactory,
    root: Region,
    private readonly condition: (cond: Node, region: Region) => ts.Expression,
    private readonly counter: (loop: Loop) => string,
    private readonly loopParts: (loop: Loop, region: Region) => LoopParts | undefined,
  ) {
    this.frames = [{ region: root, statements: [] }];
  }

  enter(region: Region): void {
    this.moveTo(region);
  }

  add(region: Region, statement: ts.Statement): void {
    this.moveTo(region);
    const top = this.frames[this.frames.length - 1]!;
    this.flush(top);
    top.statements.push(statement);
  }

  finish(): ts.Statement[] {
    while (this.frames.length > 1) this.close();
    this.flush(this.frames[0]!);
    return this.frames[0]!.statements;
  }

  private moveTo(region: Region): void {
    const current = this.frames[this.frames.length - 1]!.region;
    const common = commonRegion(current, region);
    while (this.frames[this.frames.length - 1]!.region !== common) this.close();
    const path: Region[] = [];
    for (let r: Region = region; r !== common; r = r.parent!) path.unshift(r);
    for (const r of path) {
      const parent = this.frames[this.frames.length - 1]!;
      // One arm right after the other arm of the same branch continues that `if`.
      const open = parent.open;
      if (!(r.cond !== undefined && open !== undefined && open.cond === r.cond && open.polarity !== r.polarity)) this.flush(parent);
      this.frames.push({ region: r, statements: [] });
    }
  }

  private close(): void {
    const frame = this.frames.pop()!;
    const parent = this.frames[this.frames.length - 1]!;
    const { cond, polarity, loop } = frame.region;
    this.flush(frame);
    if (loop !== undefined) {
      this.flush(parent);
      const parts = this.loopParts(loop, frame.region);
      const body = [...(parts?.prologue ?? []), ...frame.statements, ...(parts?.epilogue ?? [])];
      const statement = parts?.trips !== undefined ? this.backwards(parts.trips, parts.steps!, body) : this.forStatement(loop, parent.region, body);
      if (parts?.before !== undefined) parent.statements.push(...parts.before);
      const around = parts?.after !== undefined ? [statement, parts.after] : [statement];
      parent.statements.push(...(parts?.guard !== undefined ? [this.f.createIfStatement(parts.guard, this.f.createBlock(around, true))] : around));
      return;
    }
    const open = parent.open;
    if (open !== undefined && open.cond === cond && open.polarity !== polarity) {
      const [whenTrue, whenFalse] = polarity ? [frame.statements, open.statements] : [open.statements, frame.statements];
      parent.statements.push(this.f.createIfStatement(this.condition(cond!, parent.region), this.f.createBlock(whenTrue, true), this.f.createBlock(whenFalse, true)));
      parent.open = undefined;
    } else {
      this.flush(parent);
      parent.open = { cond: cond!, polarity, statements: frame.statements };
    }
  }

  /** `for (let k = trips; k > 0; k--) { ... }`: a recurrence's iterations, backwards. */
  private backwards(trips: string, steps: string, body: ts.Statement[]): ts.Statement {
    const f = this.f;
    const k = () => f.createIdentifier(steps);
    return f.createForStatement(
      f.createVariableDeclarationList([f.createVariableDeclaration(k(), undefined, undefined, f.createIdentifier(trips))], this.ts.NodeFlags.Let),
      f.createBinaryExpression(k(), this.ts.SyntaxKind.GreaterThanToken, f.createNumericLiteral(0)),
      f.createPostfixDecrement(k()),
      f.createBlock(body, true),
    );
  }

  /** `for (let i = start; i < bound; i++) { ... }` */
  private forStatement(loop: Loop, outer: Region, body: ts.Statement[]): ts.Statement {
    const f = this.f;
    if (loop.open) return f.createForStatement(undefined, undefined, undefined, f.createBlock(body, true));
    const k = this.ts.SyntaxKind;
    const i = () => f.createIdentifier(this.counter(loop));
    const compare = { '<': k.LessThanToken, '<=': k.LessThanEqualsToken, '>': k.GreaterThanToken, '>=': k.GreaterThanEqualsToken } as const;
    const step =
      loop.step === 1
        ? f.createPostfixIncrement(i())
        : loop.step === -1
          ? f.createPostfixDecrement(i())
          : f.createBinaryExpression(i(), loop.step > 0 ? k.PlusEqualsToken : k.MinusEqualsToken, f.createNumericLiteral(Math.abs(loop.step)));
    return f.createForStatement(
      f.createVariableDeclarationList([f.createVariableDeclaration(i(), undefined, undefined, this.condition(loop.start, outer))], this.ts.NodeFlags.Let),
      f.createBinaryExpression(i(), compare[loop.compare], this.condition(loop.bound, outer)),
      step,
      f.createBlock(body, true),
    );
  }

  /** Writes the arm waiting for its sibling as an `if` of its own. */
  private flush(frame: Frame): void {
    const open = frame.open;
    if (open === undefined) return;
    const test = this.condition(open.cond, frame.region);
    frame.statements.push(this.f.createIfStatement(open.polarity ? test : this.f.createLogicalNot(test), this.f.createBlock(open.statements, true)));
    frame.open = undefined;
  }
}

/** What a loop of a recurrence adds to its body: the tape and the step of the state. */
export interface LoopParts {
  readonly prologue: ts.Statement[];
  readonly epilogue: ts.Statement[];
  /** For a reverse loop: the variable counting the forward loop's iterations. */
  readonly trips?: string;
  /** For a reverse loop: its own counter, named so as not to hide a name the body reads. */
  readonly steps?: string;
  /** Whether the loop runs at all: a `while` loop's first test. */
  readonly guard?: ts.Expression;
  /** Statements just before the loop. */
  readonly before?: readonly ts.Statement[];
  /** A statement just after the loop. */
  readonly after?: ts.Statement;
}

interface Frame {
  readonly region: Region;
  readonly statements: ts.Statement[];
  /** A closed arm whose sibling arm may follow, making an `if`/`else`. */
  open?: { readonly cond: Node; readonly polarity: boolean; readonly statements: ts.Statement[] };
}
