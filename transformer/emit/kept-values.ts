/**
 * The scratch buffers of a coarse companion (DESIGN.md §6, store or recompute): a value that one
 * pass over a loop computes and a later pass reads again (`schedule.ts`'s `Kept`) is stored per
 * iteration, `kept[i] = t`, and read back, `t = kept[i]`. Each buffer outlives the call in a
 * variable beside the companion (`state`), so that a loop run call after call allocates nothing:
 * a call takes the buffer, leaving none behind, and puts it back before it returns, so that no two
 * calls can ever write one buffer at once (a companion calls no user code between the two, but
 * the guard costs two stores). A call that throws leaves none: the next call makes one.
 */
import type ts from 'typescript';
import { isConst, show, type Loop, type Node } from '../coarse/ir.js';
import type { Kept, Region } from '../coarse/schedule.js';
import type { LoopHost } from './taped-loops.js';

/** A value's buffer: its local, the variable it lives in between calls, and the names of its strides. */
interface Buffer {
  readonly local: string;
  readonly state: ts.Identifier;
  readonly strides: readonly string[];
}

export class KeptValues {
  private readonly buffers = new Map<Node, Buffer>();

  constructor(private readonly host: LoopHost) {}

  get any(): boolean {
    return this.buffers.size > 0;
  }

  /** The variables beside the companion that hold its buffers between calls. */
  get state(): ts.Identifier[] {
    return [...this.buffers.values()].map((b) => b.state);
  }

  /** For the report: each value kept, and the loops it is kept over. */
  describe(): string[] {
    return [...this.buffers.keys()].map((n) => `${show(n, 100)} over ${this.host.placement.kept.get(n)!.loops.map((l) => l.counter).reverse().join(', ')}`);
  }

  private buffer(n: Node): Buffer {
    let b = this.buffers.get(n);
    if (b === undefined) {
      const depth = this.host.placement.kept.get(n)!.loops.length;
      b = { local: this.host.hidden('kept'), state: this.host.f.createUniqueName('kept'), strides: Array.from({ length: depth - 1 }, () => this.host.hidden('keptStride')) };
      this.buffers.set(n, b);
    }
    return b;
  }

  /** `kept[slot] = name`, in the writer's pass. */
  store(n: Node, kept: Kept, name: ts.Identifier): ts.Statement {
    const f = this.host.f;
    return f.createExpressionStatement(f.createAssignment(this.load(n, kept, kept.writer), name));
  }

  /** `kept[slot]`, inside a run of the value's loops (the writer's or a reader's). */
  load(n: Node, kept: Kept, region: Region): ts.Expression {
    const f = this.host.f;
    const { strides } = this.buffer(n);
    // Outermost first: `(k * count_r + r) * count_c + c`.
    let slot = this.slot(kept.loops[kept.loops.length - 1]!, region);
    for (let level = kept.loops.length - 2; level >= 0; level--) {
      slot = f.createAdd(f.createMultiply(level === kept.loops.length - 2 ? slot : f.createParenthesizedExpression(slot), f.createIdentifier(strides[level]!)), this.slot(kept.loops[level]!, region));
    }
    return f.createElementAccessExpression(f.createIdentifier(this.buffer(n).local), slot);
  }

  /**
   * Before the writer's loops: `if (kept === undefined || kept.length < trips) kept = new
   * Float64Array(trips)`, the loop's count of iterations from its start, bound and step. An
   * integer `length` is below `d` exactly when it is below `⌈d⌉` (`<=` for a bound it reaches,
   * `⌊d⌋ + 1` iterations), so the check needs no rounding; a loop that runs no times asks for none.
   * Kept over loops nested in one another, the inner loops' counts are the strides, named first.
   */
  reserve(n: Node, kept: Kept): ts.Statement[] {
    const f = this.host.f;
    const b = this.buffer(n);
    const local = () => f.createIdentifier(b.local);
    const math = (name: string, ...args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), name), undefined, args);
    // Not negative: a loop that runs no times may still find no buffer.
    const count = (loop: Loop) => {
      const { span, reaches } = this.span(loop, kept.outside);
      return math('max', f.createNumericLiteral(0), reaches ? f.createAdd(math('floor', span), f.createNumericLiteral(1)) : math('ceil', span));
    };
    const allocate = (size: ts.Expression) => f.createExpressionStatement(f.createAssignment(local(), f.createNewExpression(f.createIdentifier('Float64Array'), undefined, [size])));
    const missing = f.createStrictEquality(local(), f.createIdentifier('undefined'));
    const length = f.createPropertyAccessExpression(local(), 'length');
    const outermost = kept.loops[kept.loops.length - 1]!;
    if (kept.loops.length === 1) {
      const { span, reaches } = this.span(outermost, kept.outside);
      const short = f.createBinaryExpression(length, reaches ? this.host.ts.SyntaxKind.LessThanEqualsToken : this.host.ts.SyntaxKind.LessThanToken, span);
      return [f.createIfStatement(f.createLogicalOr(missing, short), allocate(count(outermost)))];
    }
    const strides = kept.loops.slice(0, -1).map((loop, level) => f.createExpressionStatement(f.createAssignment(f.createIdentifier(b.strides[level]!), count(loop))));
    const size = b.strides.reduce<ts.Expression>((total, stride) => f.createMultiply(total, f.createIdentifier(stride)), count(outermost));
    const total = this.host.hidden('keptLength');
    return [
      ...strides,
      f.createExpressionStatement(f.createAssignment(f.createIdentifier(total), size)),
      f.createIfStatement(f.createLogicalOr(missing, f.createLessThan(length, f.createIdentifier(total))), allocate(f.createIdentifier(total))),
    ];
  }

  /** How far `loop`'s counter goes, in steps, and whether it reaches its bound (`<=`). */
  private span(loop: Loop, region: Region): { span: ts.Expression; reaches: boolean } {
    const host = this.host;
    const f = host.f;
    const [from, to] = loop.step > 0 ? [loop.start, loop.bound] : [loop.bound, loop.start];
    let span = isConst(from, 0) ? host.expression(to, region) : f.createSubtract(host.expression(to, region), host.expression(from, region));
    if (Math.abs(loop.step) !== 1) span = f.createDivide(f.createParenthesizedExpression(span), f.createNumericLiteral(Math.abs(loop.step)));
    return { span, reaches: loop.compare === '<=' || loop.compare === '>=' };
  }

  /** At the start of the call: `kept = state; state = undefined;` for each buffer. */
  take(): ts.Statement[] {
    const f = this.host.f;
    return [...this.buffers.values()].flatMap((b) => [
      f.createExpressionStatement(f.createAssignment(f.createIdentifier(b.local), b.state)),
      f.createExpressionStatement(f.createAssignment(b.state, f.createIdentifier('undefined'))),
    ]);
  }

  /** Before the call returns: `state = kept;` for each buffer. */
  giveBack(): ts.Statement[] {
    const f = this.host.f;
    return [...this.buffers.values()].map((b) => f.createExpressionStatement(f.createAssignment(b.state, f.createIdentifier(b.local))));
  }

  /** The iteration `loop` is at, counted from 0: `i`, `i - start`, `(start - i) / 3`. */
  private slot(loop: Loop, region: Region): ts.Expression {
    const f = this.host.f;
    const i = f.createIdentifier(this.host.loopName(loop));
    const start = loop.start;
    const offset = loop.step > 0 ? (isConst(start, 0) ? i : f.createSubtract(i, this.host.expression(start, region))) : f.createSubtract(this.host.expression(start, region), i);
    return Math.abs(loop.step) === 1 ? offset : f.createDivide(f.createParenthesizedExpression(offset), f.createNumericLiteral(Math.abs(loop.step)));
  }
}
