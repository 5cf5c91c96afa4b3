/**
 * The loops of a coarse companion that keep values on the run-time tape (recurrences, DESIGN.md §6):
 * the names of their state, trip counts and tape marks, and what each forward and reverse loop adds
 * to its body, before it and after it: pushes and pops of the state a reverse step reads back, the
 * count of iterations, and the seeks that keep loops nested in loops from piling values up.
 */
import type ts from 'typescript';
import type { Graph, Loop, Node, RecurrenceNode } from '../coarse/ir.js';
import type { Placement, Region } from '../coarse/schedule.js';
import type { LoopParts } from './blocks.js';
import type { Namer } from './names.js';
import { numberLiteral } from './syntax.js';

/** What the loops need of the emitter (`emit.ts`). */
export interface LoopHost {
  readonly ts: typeof import('typescript');
  readonly f: ts.NodeFactory;
  /** The name the file imports the runtime as. */
  readonly runtime: string;
  readonly namer: Namer;
  readonly placement: Placement;
  readonly graph: Graph;
  /** A variable of the emitter's own, declared with the others. */
  hidden(hint: string): string;
  /** A counted loop's counter. */
  loopName(loop: Loop): string;
  expression(n: Node, region: Region): ts.Expression;
}

export class TapedLoops {
  private readonly recurrences = new Map<Loop, RecurrenceNode>();
  private readonly names = new Map<string, string>();
  /** Whether any loop reached the tape: the companion then puts the tape back where it found it. */
  usesTape = false;

  constructor(private readonly host: LoopHost) {}

  /** The recurrence `loop` runs, once `add`ed. */
  of(loop: Loop): RecurrenceNode | undefined {
    return this.recurrences.get(loop);
  }

  add(n: RecurrenceNode): void {
    this.recurrences.set(n.loop, n);
  }


  stateName(n: RecurrenceNode, slot: number): string {
    return this.memoName(`state${n.id}.${slot}`, n.carried[slot]!.name);
  }

  tripName(n: RecurrenceNode): string {
    return this.memoName(`trip${n.id}`, `${n.loop.counter}Count`);
  }

  /** Where the forward loop's values start on the tape. */
  markName(n: RecurrenceNode): string {
    return this.memoName(`mark${n.id}`, 'tapeMark');
  }

  /**
   * The tape, read once per call into a local (`tapeDeclaration`): the runtime's exports object is
   * in dictionary mode, and a getter on it read at every push and pop costs more than the push.
   */
  tapeExpression(): ts.Expression {
    this.usesTape = true;
    this.tapeName ??= this.host.namer.fresh('tape');
    return this.host.f.createIdentifier(this.tapeName);
  }

  private tapeName: string | undefined;

  /** `const tape = runtime.tape`, first in the companion, where a loop reaches the tape. */
  tapeDeclaration(): ts.Statement | undefined {
    if (this.tapeName === undefined) return undefined;
    const f = this.host.f;
    const value = f.createPropertyAccessExpression(f.createIdentifier(this.host.runtime), 'tape');
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(this.tapeName, undefined, undefined, value)], this.host.ts.NodeFlags.Const));
  }


  /** One name per key; declared with the companion's variables unless the code declares it where it is used. */
  memoName(key: string, hint: string, declared = true): string {
    let name = this.names.get(key);
    if (name === undefined) {
      name = declared ? this.host.hidden(hint) : this.host.namer.fresh(hint);
      this.names.set(key, name);
    }
    return name;
  }

  /** What a recurrence's loop does besides its items: save or restore the state, and step it. */
  parts(loop: Loop, region: Region): LoopParts | undefined {
    const n = this.recurrences.get(loop);
    if (n === undefined) return undefined;
    const f = this.host.f;
    const tape = (method: 'push' | 'pop' | 'seek', args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(this.tapeExpression(), method), undefined, args);
    const constant = (name: string, value: ts.Expression) =>
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], this.host.ts.NodeFlags.Const));
    // Every next value is computed before any state variable is overwritten.
    const temps = n.next.map((_, k) => this.host.namer.fresh(`${n.carried[k]!.name}Next`));
    const goOn = n.goOn === undefined ? undefined : this.host.namer.fresh('goOn');
    const epilogue = [
      ...n.next.map((next, k) => constant(temps[k]!, this.host.expression(next, region))),
      ...(goOn !== undefined ? [constant(goOn, this.host.expression(n.goOn!, region))] : []),
      ...n.next.map((_, k) => f.createExpressionStatement(f.createAssignment(f.createIdentifier(this.stateName(n, k)), f.createIdentifier(temps[k]!)))),
      ...(goOn !== undefined ? [f.createIfStatement(f.createLogicalNot(f.createIdentifier(goOn)), f.createBreakStatement())] : []),
    ];
    // A loop that only computes values (a closed form's, as written) keeps no count and no mark.
    if (n.forward === undefined && !this.reversed(n)) {
      const guard = n.entry === undefined ? undefined : this.host.expression(n.entry, region.parent!);
      return { prologue: [], epilogue, ...(guard !== undefined ? { guard } : {}) };
    }
    if (n.forward === undefined) {
      const pushes = [
        ...this.slotsOnTape(n).map((k) => f.createExpressionStatement(tape('push', [f.createIdentifier(this.stateName(n, k))]))),
        // A counted loop's counter goes on the tape too, if the reverse loop reads it back.
        ...(this.counterOnTape(n) ? [f.createExpressionStatement(tape('push', [f.createIdentifier(this.host.loopName(loop))]))] : []),
      ];
      const prologue = [...pushes, f.createExpressionStatement(f.createPostfixIncrement(f.createIdentifier(this.tripName(n))))];
      const guard = n.entry === undefined ? undefined : this.host.expression(n.entry, region.parent!);
      // Nothing pushed (the reverse loop needs only the count): no mark to take, nothing to drop.
      if (pushes.length === 0) return { prologue, epilogue, ...(guard !== undefined ? { guard } : {}) };
      // A forward loop run where no reverse loop follows it (a pass over an outer loop that only
      // needs the values) drops what it pushed: nothing pops it, and an outer loop would pile it up.
      const reversedHere = [...this.host.placement.regions].some(([m, places]) => m.kind === 'recurrence' && m.forward === n && places.some((p) => region.parent!.encloses(p)));
      const after = reversedHere ? undefined : f.createExpressionStatement(tape('seek', [f.createIdentifier(this.markName(n))]));
      // The mark is taken just before the loop runs: another loop's pushes may come between this
      // loop's start and its run.
      const before = [f.createExpressionStatement(f.createAssignment(f.createIdentifier(this.markName(n)), f.createPropertyAccessExpression(this.tapeExpression(), 'size')))];
      return { prologue, epilogue, before, ...(guard !== undefined ? { guard } : {}), ...(after !== undefined ? { after } : {}) };
    }
    const forward = n.forward;
    const counted = this.counterOnTape(forward);
    const slots = this.slotsOnTape(forward);
    const steps = this.memoName(`steps${loop.id}`, 'step', false);
    // A counter from a constant start is the iteration's own number: recomputed, not popped.
    const recomputed = !counted && this.counterRead(forward) ? this.counterAt(forward.loop, steps) : undefined;
    const prologue = [
      ...(counted ? [constant(this.host.loopName(loop), tape('pop', []))] : []),
      ...(recomputed !== undefined ? [constant(this.host.loopName(loop), recomputed)] : []),
      ...slots.slice().reverse().map((k) => constant(this.poppedName(loop, k, forward), tape('pop', []))),
    ];
    const reverse = { prologue, epilogue, trips: this.tripName(forward), steps };
    const width = slots.length + (counted ? 1 : 0);
    if (width === 0) return reverse;
    // The reverse loop starts at the end of its forward loop's values, wherever the tape stands, and
    // pops down to their start. Values pushed above them since (a later forward loop whose reverse
    // loop runs after this one) stay on the tape: the top goes back up to them, or the next push
    // would overwrite them.
    const trips = f.createIdentifier(this.tripName(forward));
    const top = this.memoName(`top${loop.id}`, 'tapeTop');
    const end = this.memoName(`end${loop.id}`, 'tapeEnd');
    const assign = (name: string, value: ts.Expression) => f.createExpressionStatement(f.createAssignment(f.createIdentifier(name), value));
    const before = [
      assign(top, f.createPropertyAccessExpression(this.tapeExpression(), 'size')),
      assign(end, f.createAdd(f.createIdentifier(this.markName(forward)), width === 1 ? trips : f.createMultiply(trips, f.createNumericLiteral(width)))),
      f.createExpressionStatement(tape('seek', [f.createIdentifier(end)])),
    ];
    const after = f.createIfStatement(f.createGreaterThan(f.createIdentifier(top), f.createIdentifier(end)), f.createExpressionStatement(tape('seek', [f.createIdentifier(top)])));
    return { ...reverse, before, after };
  }

  /**
   * Whether a forward loop pushes its counter: only a counted loop has one, only if the reverse
   * loop reads it (an element index, a step that depends on the iteration), and only where it
   * cannot be recomputed from the reverse loop's own count (a start known at compile time).
   */
  private counterOnTape(forward: RecurrenceNode): boolean {
    return this.counterRead(forward) && forward.loop.start.kind !== 'const';
  }

  /** Does the reverse loop of this counted forward loop read the counter? */
  private counterRead(forward: RecurrenceNode): boolean {
    if (forward.loop.open) return false;
    const reverse = this.reverseOf(forward);
    return reverse !== undefined && this.host.placement.regions.has(this.host.graph.index(reverse.loop));
  }

  /**
   * The counter of the forward iteration that reverse step `steps` runs back (the reverse loop
   * counts the trips down to 1): `start + (steps − 1)·step`, for a constant start.
   */
  private counterAt(loop: Loop, steps: string): ts.Expression {
    const f = this.host.f;
    const start = (loop.start as Extract<Node, { kind: 'const' }>).value;
    const offset = start - loop.step;
    const scaled = loop.step === 1 ? f.createIdentifier(steps) : loop.step === -1 ? undefined : f.createMultiply(f.createIdentifier(steps), numberLiteral(this.host.ts, f, loop.step));
    // step −1: `start + 1 − steps`.
    if (scaled === undefined) return f.createSubtract(numberLiteral(this.host.ts, f, start + 1), f.createIdentifier(steps));
    if (offset === 0) return scaled;
    return offset > 0 ? f.createAdd(scaled, numberLiteral(this.host.ts, f, offset)) : f.createSubtract(scaled, numberLiteral(this.host.ts, f, -offset));
  }

  /** The reverse loop that runs this forward one backwards, if one is placed anywhere. */
  private reverseOf(forward: RecurrenceNode): RecurrenceNode | undefined {
    return [...this.host.placement.regions.keys()].find((m): m is RecurrenceNode => m.kind === 'recurrence' && m.forward === forward);
  }

  reversed(forward: RecurrenceNode): boolean {
    return this.reverseOf(forward) !== undefined;
  }

  /**
   * The carried variables a forward loop pushes: those whose value the reverse loop reads back. The
   * reverse step of `x = a[i]·x + b[i]` differentiated in `b` alone needs `a[i]` but not `x`, so then
   * nothing of the state goes on the tape (the closed form's suffix products, computed backwards).
   */
  private slotsOnTape(forward: RecurrenceNode): number[] {
    const reverse = this.reverseOf(forward);
    // No reverse loop: nothing will pop, so nothing is pushed.
    if (reverse === undefined) return [];
    const read = new Set<number>();
    for (const m of this.host.placement.regions.keys()) if (m.kind === 'carried' && m.popped === true && m.loop === reverse.loop) read.add(m.slot);
    return forward.carried.map((_, k) => k).filter((k) => read.has(k));
  }

  /** The forward state popped in the reverse loop, which declares it once per iteration. */
  poppedName(loop: Loop, slot: number, forward: RecurrenceNode): string {
    return this.memoName(`popped${loop.id}.${slot}`, `${forward.carried[slot]!.name}Then`, false);
  }
}
