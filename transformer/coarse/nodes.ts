/**
 * The IR's nodes (DESIGN.md §4): what each kind of node is, and the walks every pass shares (a node's
 * operands, the loops it is in, what it depends on). `ir.ts` builds them.
 */
import type ts from 'typescript';
import { primitive, type PrimitiveName } from '../rules.js';

/** An inactive value read at run time, described so that emit can rebuild it in the companion. */
export type OpaqueExpr =
  | { readonly kind: 'this' }
  | { readonly kind: 'param'; readonly index: number }
  /** A name from an enclosing scope or a global; `node` is the source identifier, reused on emit. */
  | { readonly kind: 'free'; readonly name: string; readonly node: ts.Identifier | undefined }
  | { readonly kind: 'property'; readonly base: OpaqueExpr; readonly name: string; readonly node: ts.MemberName | undefined };

export type Node = ConstNode | ParamNode | OpaqueNode | ApplyNode | IndexNode | CarriedNode | LoadNode | SumNode | ScanNode | ScatterNode | RecurrenceNode | ExitNode;

/**
 * A counted loop that runs a run-time number of times: `for (let i = start; i cmp bound; i += step)`.
 * Its body is not a region of statements but the DAG under a `SumNode`: everything it computes that
 * depends on the counter lives there.
 */
export interface Loop {
  readonly id: number;
  readonly start: Node;
  readonly bound: Node;
  readonly compare: '<' | '<=' | '>' | '>=';
  readonly step: number;
  /** The counter's name in the source, for the emitted loop. */
  readonly counter: string;
  /** For the reverse loop of a recurrence: it runs the forward loop's iterations backwards, from its tape. */
  readonly reverses?: Loop;
  /** A `while` loop: no counter; its recurrence says when it ends. */
  readonly open?: boolean;
  /** The run-time loops this one runs inside, outermost first: a recurrence's state is new in each of their iterations. */
  readonly within?: readonly Loop[];
}

interface NodeBase {
  readonly id: number;
  /** Depends on a differentiated parameter. */
  readonly active: boolean;
}

export interface ConstNode extends NodeBase {
  readonly kind: 'const';
  readonly value: number;
  /** `Math.PI` and friends keep their name so that emitted code reads like the source. */
  readonly name?: string;
}

export interface ParamNode extends NodeBase {
  readonly kind: 'param';
  readonly index: number;
  readonly name: string;
  /** For an element of an array parameter: its index. */
  readonly element?: number;
}

export interface OpaqueNode extends NodeBase {
  readonly kind: 'opaque';
  readonly expr: OpaqueExpr;
}

export interface ApplyNode extends NodeBase {
  readonly kind: 'apply';
  readonly op: PrimitiveName;
  readonly args: readonly Node[];
}

/** The counter of a loop, inside its body. An integer: no derivative. */
export interface IndexNode extends NodeBase {
  readonly kind: 'index';
  readonly loop: Loop;
}

/**
 * A variable a loop updates, as it stands at the start of an iteration. Inside the reverse loop of a
 * recurrence, `popped` marks the forward state read back from the tape (by its slot).
 */
export interface CarriedNode extends NodeBase {
  readonly kind: 'carried';
  readonly loop: Loop;
  readonly name: string;
  readonly slot: number;
  readonly popped?: boolean;
}

/**
 * A loop whose carried state follows a general recurrence `x ← next(x, i)` (DESIGN.md §5, the
 * residue): the forward loop pushes the state onto the tape each iteration; the adjoint recurrence
 * (`forward` set) pops it and applies the transposed Jacobian of `next`, derived at compile time.
 */
export interface RecurrenceNode extends NodeBase {
  readonly kind: 'recurrence';
  readonly loop: Loop;
  readonly carried: readonly CarriedNode[];
  readonly inits: readonly Node[];
  readonly next: readonly Node[];
  readonly forward?: RecurrenceNode;
  /** Whether the loop runs at all (a `while` loop's test on the initial state). */
  readonly entry?: Node;
  /** Whether the loop goes on after an iteration: no `break` taken, and the test holds on the new state. */
  readonly goOn?: Node;
}

/** The value of one carried variable of a recurrence after its loop. */
export interface ExitNode extends NodeBase {
  readonly kind: 'exit';
  readonly recurrence: RecurrenceNode;
  readonly slot: number;
}

/** `array[index]` of an array parameter at an index known only at run time. */
export interface LoadNode extends NodeBase {
  readonly kind: 'load';
  readonly param: number;
  readonly name: string;
  readonly index: Node;
}

/** `init + Σ body` over the iterations of `loop`, summed in order: a reduction `s += e_i`. */
export interface SumNode extends NodeBase {
  readonly kind: 'sum';
  readonly loop: Loop;
  readonly body: Node;
  readonly init: Node;
  /**
   * Horner's form: each iteration multiplies what is summed so far by this (loop-invariant) factor
   * before adding (`acc = acc * factor + body`), the value of an affine recurrence computed as its
   * loop computes it, where a closed form's powers would overflow (`closedForms`). No derivative is
   * taken of it.
   */
  readonly factor?: Node;
  /** The reduced variable's name in the source. */
  readonly name: string;
}

/**
 * The iteration at which `body` first exceeds `init` and every earlier value (for `max`; falls below,
 * for `min`), or -1 when none does: the recorded index of an extremum reduction `m = Math.max(m, e_i)`,
 * whose value is then `φ(k ≥ 0, e_k, init)`. An integer: no derivative.
 */
export interface ScanNode extends NodeBase {
  readonly kind: 'scan';
  readonly loop: Loop;
  readonly body: Node;
  readonly init: Node;
  readonly extremum: 'max' | 'min';
  /** A NaN value wins and stays, as `Math.max` has it; `if (e > m) m = e` never takes a NaN. */
  readonly nanWins: boolean;
}

/** `gradient[index] += value` into the gradient of an array parameter: an effect, not a value. */
export interface ScatterNode extends NodeBase {
  readonly kind: 'scatter';
  readonly param: number;
  readonly index: Node;
  readonly value: Node;
  /**
   * The loops it is made in, outermost first, as differentiation met them: a sum re-run inside a
   * reverse loop nests there, whatever order the loops were made in.
   */
  readonly within: readonly Loop[];
}

/** The values a node is computed from, in the scope it is computed in (a sum's body is its own scope). */
export function operands(n: Node): readonly Node[] {
  switch (n.kind) {
    case 'apply':
      return n.args;
    case 'load':
      return [n.index];
    case 'sum':
      return [n.init, n.loop.start, n.loop.bound, ...(n.factor !== undefined ? [n.factor] : [])];
    case 'scan':
      return [n.init, n.loop.start, n.loop.bound];
    case 'scatter':
      return [n.index, n.value];
    case 'recurrence':
      return [...n.inits, n.loop.start, n.loop.bound, ...(n.forward !== undefined ? [n.forward] : []), ...(n.entry !== undefined ? [n.entry] : [])];
    case 'exit':
      return [n.recurrence];
    default:
      return [];
  }
}

/** What computing `n`'s value reads of its operands: a stable form's only its first (`rules.ts`). */
export function valueOperands(n: Node): readonly Node[] {
  return n.kind === 'apply' && primitive(n.op).stable === true ? [n.args[0]!] : operands(n);
}

/** Every node a computation of `n` reads, a sum's body included. */
export function reads(n: Node): readonly Node[] {
  if (n.kind === 'sum' || n.kind === 'scan') return [...operands(n), n.body];
  if (n.kind === 'recurrence') return [...operands(n), ...n.next, ...(n.goOn !== undefined ? [n.goOn] : [])];
  return operands(n);
}

/** The loops whose counter `n` depends on: `n` can only be computed inside them. */
export function loopsOf(n: Node, memo = loopMemo): ReadonlySet<Loop> {
  const found = memo.get(n);
  if (found !== undefined) return found;
  let loops: Set<Loop>;
  if (n.kind === 'index' || n.kind === 'carried') {
    // A recurrence's state starts afresh in each iteration of the loops around it, and its reverse
    // loop runs there too. A sum's counter alone ties it to no outer loop, so invariant sums hoist.
    const tied = n.kind === 'carried' || n.loop.reverses !== undefined;
    loops = new Set([...(tied ? (n.loop.within ?? []) : []), n.loop]);
  } else {
    loops = new Set<Loop>();
    for (const r of reads(n)) for (const l of loopsOf(r, memo)) loops.add(l);
    // A sum, a scan or a recurrence binds its own counter.
    if (n.kind === 'sum' || n.kind === 'scan' || n.kind === 'recurrence') loops.delete(n.loop);
  }
  memo.set(n, loops);
  return loops;
}

const loopMemo = new WeakMap<Node, ReadonlySet<Loop>>();

/** Does `n` read `leaf`? */
export function dependsOn(n: Node, leaf: Node, memo = new Map<Node, boolean>()): boolean {
  if (n === leaf) return true;
  const found = memo.get(n);
  if (found !== undefined) return found;
  memo.set(n, false);
  const result = reads(n).some((r) => dependsOn(r, leaf, memo));
  memo.set(n, result);
  return result;
}

export function opaqueKey(e: OpaqueExpr): string {
  switch (e.kind) {
    case 'this':
      return 'this';
    case 'param':
      return `$${e.index}`;
    case 'free':
      return e.name;
    case 'property':
      return `${opaqueKey(e.base)}.${e.name}`;
  }
}

export function constKey(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** Is `n` a constant (with exactly this value, if given)? Not a type guard: false says nothing of `kind`. */
export function isConst(n: Node, value?: number): boolean {
  return n.kind === 'const' && (value === undefined || Object.is(n.value, value));
}
