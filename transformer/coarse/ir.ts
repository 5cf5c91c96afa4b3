/**
 * The IR: a hash-consed expression DAG in SSA form (DESIGN.md §4). Every value a marked function
 * computes is a node; building the same operation on the same operands twice returns the same node,
 * so shared subexpressions stay shared through lowering, differentiation and emission.
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

function constKey(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Builds nodes. Constructors fold only what is exact in floating point (operations on constants,
 * `x * 1`, `x - 0`, double negation, ...), so the companion's value agrees with the primal's.
 */
export class Graph {
  /**
   * Nodes are being made for derivatives, not for the values the function computes. Derivatives'
   * order of operations is the compiler's to choose, so products may be reassociated there,
   * constants gathered in front (c₁·(c₂·u) = (c₁c₂)·u, (c·u)·v = c·(u·v)); in values only as far
   * as `gathers` allows, since reassociation is exact only up to rounding and the edges of the
   * range (x·(0·x) is 0 where 0·(x·x) is NaN, because x·x overflows). And nothing differentiates a
   * derivative again: a stable form there is just its value.
   */
  get derivatives(): boolean {
    return this.primalNodes !== undefined;
  }
  /** How many nodes the function's own values made, when derivatives began (`beginDerivatives`). */
  private primalNodes: number | undefined;
  private readonly table = new Map<string, Node>();

  /** From here on, nodes are made for derivatives. */
  beginDerivatives(): void {
    this.primalNodes ??= this.nodes.length;
  }

  /** Was `n` made for the function's own values (before derivatives began)? */
  isPrimal(n: Node): boolean {
    return this.primalNodes === undefined || n.id < this.primalNodes;
  }

  private nextId = 0;

  /** Every node in creation order, which is a topological order. */
  readonly nodes: Node[] = [];

  private intern<N extends Node>(key: string, make: (id: number) => N): N {
    const found = this.table.get(key);
    if (found !== undefined) return found as N;
    const node = make(this.nextId++);
    this.table.set(key, node);
    this.nodes.push(node);
    return node;
  }

  constantValue(n: Node): number | undefined {
    return n.kind === 'const' ? n.value : undefined;
  }

  constant(value: number, name?: string): ConstNode {
    const key = name !== undefined ? `#${name}` : `#${constKey(value)}`;
    return this.intern(key, (id) => ({ id, kind: 'const', active: false, value, ...(name !== undefined ? { name } : {}) }));
  }

  param(index: number, name: string, element?: number): ParamNode {
    const key = element === undefined ? `p${index}` : `p${index}[${element}]`;
    return this.intern(key, (id) => ({ id, kind: 'param', active: true, index, name, ...(element !== undefined ? { element } : {}) }));
  }

  opaque(expr: OpaqueExpr): OpaqueNode {
    return this.intern(`o:${opaqueKey(expr)}`, (id) => ({ id, kind: 'opaque', active: false, expr }));
  }

  private nextLoop = 0;

  loop(start: Node, bound: Node, compare: Loop['compare'], step: number, counter: string, within: readonly Loop[] = []): Loop {
    return { id: this.nextLoop++, start, bound, compare, step, counter, within };
  }

  index(loop: Loop): IndexNode {
    return this.intern(`i${loop.id}`, (id) => ({ id, kind: 'index', active: false, loop }));
  }

  carried(loop: Loop, name: string, slot: number, popped = false): CarriedNode {
    return this.intern(`v${loop.id}.${popped ? 'p' : ''}${slot}`, (id) => ({ id, kind: 'carried', active: true, loop, name, slot, ...(popped ? { popped } : {}) }));
  }

  reverseLoop(of: Loop): Loop {
    const zero = this.constant(0);
    return { id: this.nextLoop++, start: zero, bound: zero, compare: '>', step: -1, counter: of.counter, reverses: of, within: of.within ?? [] };
  }

  recurrence(
    loop: Loop,
    carried: readonly CarriedNode[],
    inits: readonly Node[],
    next: readonly Node[],
    more: { readonly forward?: RecurrenceNode; readonly entry?: Node; readonly goOn?: Node } = {},
  ): RecurrenceNode {
    const active = inits.some((n) => n.active) || next.some((n) => n.active);
    const node = this.intern(`rec${loop.id}`, (id): RecurrenceNode => ({ id, kind: 'recurrence', active, loop, carried, inits, next, ...more }));
    recurrences.set(loop, node);
    return node;
  }

  openLoop(counter: string, within: readonly Loop[] = []): Loop {
    const zero = this.constant(0);
    return { id: this.nextLoop++, start: zero, bound: zero, compare: '<', step: 1, counter, open: true, within };
  }

  exit(recurrence: RecurrenceNode, slot: number): ExitNode {
    return this.intern(`exit${recurrence.id}.${slot}`, (id) => ({ id, kind: 'exit', active: recurrence.active, recurrence, slot }));
  }

  load(param: number, name: string, index: Node): LoadNode {
    return this.intern(`load${param}[${index.id}]`, (id) => ({ id, kind: 'load', active: true, param, name, index }));
  }

  /** `init·factorⁿ + Σ_t body(t)·factor^(n−1−t)`, as the loop computes it: `acc = acc * factor + body`. */
  horner(loop: Loop, body: Node, init: Node, factor: Node, name: string): Node {
    return this.intern(`horner${loop.id}(${body.id},${init.id},${factor.id})`, (id) => ({ id, kind: 'sum', active: false, loop, body, init, factor, name }));
  }

  sum(loop: Loop, body: Node, init: Node, name: string): Node {
    // Nothing added: the initial value itself.
    if (isConst(body, 0)) return init;
    // A branch on a condition the loop does not change is taken in every iteration or in none: the
    // sum of one arm or of the other, so that the arm not taken is not computed at all.
    if (body.kind === 'apply' && body.op === 'select' && !loopsOf(body.args[0]!).has(loop)) {
      const [c, a, b] = body.args as [Node, Node, Node];
      return this.apply('select', [c, this.sum(loop, a, init, name), this.sum(loop, b, init, name)]);
    }
    return this.intern(`sum${loop.id}(${body.id},${init.id})`, (id) => ({ id, kind: 'sum', active: body.active || init.active, loop, body, init, name }));
  }

  scan(loop: Loop, body: Node, init: Node, extremum: 'max' | 'min', nanWins: boolean): ScanNode {
    return this.intern(`scan${extremum}${nanWins ? 'NaN' : ''}${loop.id}(${body.id},${init.id})`, (id) => ({ id, kind: 'scan', active: false, loop, body, init, extremum, nanWins }));
  }

  scatter(param: number, index: Node, value: Node, within: readonly Loop[] = []): ScatterNode {
    return this.intern(`scatter${param}[${index.id}](${value.id})in${within.map((l) => l.id).join(',')}`, (id) => ({ id, kind: 'scatter', active: false, param, index, value, within }));
  }

  /** `op(args)`, simplified by exact rewrites, then hash-consed. */
  apply(op: PrimitiveName, args: readonly Node[]): Node {
    // IEEE addition and multiplication commute exactly: one order for both spellings lets
    // hash-consing see `a * b` and `b * a` as the same value (constants stay in front).
    if ((op === '+' || op === '*') && args[0]!.kind !== 'const' && args[1]!.kind !== 'const' && args[0]!.id > args[1]!.id) {
      args = [args[1]!, args[0]!];
    }
    const simpler = simplify(this, op, args);
    if (simpler !== undefined) return simpler;
    const key = `${op}(${args.map((a) => a.id).join(',')})`;
    const active = args.some((a) => a.active);
    return this.intern(key, (id) => ({ id, kind: 'apply', active, op, args }));
  }

  add(a: Node, b: Node): Node {
    return this.apply('+', [a, b]);
  }
  sub(a: Node, b: Node): Node {
    return this.apply('-', [a, b]);
  }
  mul(a: Node, b: Node): Node {
    return this.apply('*', [a, b]);
  }
  div(a: Node, b: Node): Node {
    return this.apply('/', [a, b]);
  }
  neg(a: Node): Node {
    return this.apply('neg', [a]);
  }
  call(op: PrimitiveName, ...args: Node[]): Node {
    return this.apply(op, args);
  }
}

const recurrences = new WeakMap<Loop, RecurrenceNode>();

/** The recurrence a loop runs, if it is on the tape: what its carried values start from. */
export function recurrenceOf(loop: Loop): RecurrenceNode | undefined {
  return recurrences.get(loop);
}

/** Is `n` a constant (with exactly this value, if given)? Not a type guard: false says nothing of `kind`. */
export function isConst(n: Node, value?: number): boolean {
  return n.kind === 'const' && (value === undefined || Object.is(n.value, value));
}

function isNeg(n: Node): n is ApplyNode & { readonly op: 'neg' } {
  return n.kind === 'apply' && n.op === 'neg';
}

function isBoolean(n: Node): boolean {
  return n.kind === 'apply' && primitive(n.op).boolean === true;
}

function isPhi(n: Node): n is ApplyNode & { readonly op: 'select' } {
  return n.kind === 'apply' && n.op === 'select';
}

/** What a stable form's value is: its first argument (`rules.ts`). */
function valueNode(n: Node): Node {
  return n.kind === 'apply' && primitive(n.op).stable === true ? valueNode(n.args[0]!) : n;
}

/**
 * The φ rules of DESIGN.md §5: a constant condition picks its arm; equal arms need no φ; a negated
 * condition swaps the arms; a φ nested in an arm of a φ on the same condition is that arm; a factor
 * or a term common to both arms moves out of the φ.
 */
function simplifyPhi(g: Graph, c: Node, whenTrue: Node, whenFalse: Node): Node | undefined {
  if (c.kind === 'const') return c.value ? whenTrue : whenFalse;
  if (whenTrue === whenFalse) return whenTrue;
  // `c ? stop(w) : w` in a derivative (a closed form's weight, kept from 0·∞ in one arm) is w.
  if (g.derivatives && valueNode(whenTrue) === valueNode(whenFalse)) return valueNode(whenFalse);
  if (c.kind === 'apply' && c.op === '!') return g.call('select', c.args[0]!, whenFalse, whenTrue);
  if (isPhi(whenTrue) && whenTrue.args[0] === c) return g.call('select', c, whenTrue.args[1]!, whenFalse);
  if (isPhi(whenFalse) && whenFalse.args[0] === c) return g.call('select', c, whenTrue, whenFalse.args[2]!);
  // Inside an arm, `c` is decided: a nested condition that tests it again (`!c && d`, the path of
  // what follows `if (c) return`) is simpler there.
  for (const [arm, value] of [[whenTrue, true], [whenFalse, false]] as const) {
    if (!isPhi(arm)) continue;
    const decided = decide(g, arm.args[0]!, c, value, 8);
    if (decided !== arm.args[0]) {
      const simpler = g.call('select', decided, arm.args[1]!, arm.args[2]!);
      return value ? g.call('select', c, simpler, whenFalse) : g.call('select', c, whenTrue, simpler);
    }
  }
  if (whenTrue.kind === 'apply' && whenFalse.kind === 'apply' && whenTrue.op === whenFalse.op && (whenTrue.op === '*' || whenTrue.op === '+')) {
    const [a1, a2] = whenTrue.args as [Node, Node];
    const [b1, b2] = whenFalse.args as [Node, Node];
    const combine = (shared: Node, x: Node, y: Node): Node => g.apply(whenTrue.op, [shared, g.call('select', c, x, y)]);
    if (a1 === b1) return combine(a1, a2, b2);
    if (a2 === b2) return combine(a2, a1, b1);
    if (a1 === b2) return combine(a1, a2, b1);
    if (a2 === b1) return combine(a2, a1, b2);
  }
  return undefined;
}

/** Condition `n` where `c` is known to be `value`: `c` and `!c` among its `&&`/`||` operands fold. */
function decide(g: Graph, n: Node, c: Node, value: boolean, depth: number): Node {
  if (n === c) return g.constant(value ? 1 : 0);
  if (n.kind !== 'apply' || depth === 0) return n;
  if (n.op === '!' && n.args[0] === c) return g.constant(value ? 0 : 1);
  if (n.op !== '&&' && n.op !== '||') return n;
  const a = decide(g, n.args[0]!, c, value, depth - 1);
  const b = decide(g, n.args[1]!, c, value, depth - 1);
  return a === n.args[0] && b === n.args[1] ? n : g.call(n.op, a, b);
}

/** `c * x` with a constant `c`. */
function isScaled(n: Node): n is ApplyNode & { readonly args: readonly [ConstNode, Node] } {
  return n.kind === 'apply' && n.op === '*' && n.args[0]!.kind === 'const';
}

/** `-x`, a negative constant, or `c * x`, `c / x` with a negative constant `c`: written better as a subtraction. */
function isNegative(n: Node): boolean {
  if (n.kind === 'const') return n.value < 0;
  return isNeg(n) || (n.kind === 'apply' && (n.op === '*' || n.op === '/') && n.args[0]!.kind === 'const' && n.args[0].value < 0);
}

/** `-n`, exactly; for a negative `n` (see `isNegative`) without a negation left over. */
function negated(g: Graph, n: Node): Node {
  if (isNeg(n)) return n.args[0]!;
  return g.neg(n);
}

/**
 * May the constant `c` of a product move to the front of it? Always in derivatives; in values, only
 * an integer 2 ≤ |c| ≤ 2⁵³ (a loop's `2 * x[i] * y[i]` becomes `2 * Σ`): then c·(u·v) overflows only
 * where (c·u)·v does, and differs from it by rounding alone, where a 0 or a fraction would not
 * (0·(x·x) is NaN where x·(0·x) is 0; 0.5·(u·v) overflows where (0.5·u)·v does not).
 */
function gathers(g: Graph, c: ConstNode): boolean {
  return g.derivatives || (Number.isInteger(c.value) && Math.abs(c.value) >= 2 && Math.abs(c.value) <= 2 ** 53);
}

/** Exact rewrites only; `undefined` means "no simpler form". */
function simplify(g: Graph, op: PrimitiveName, args: readonly Node[]): Node | undefined {
  const rule = primitive(op);
  if (rule.fold !== undefined && args.every((a) => a.kind === 'const')) {
    const value = rule.fold(...args.map((a) => (a as ConstNode).value));
    return g.constant(value);
  }
  const [a, b] = args as [Node, Node];
  switch (op) {
    case '+':
      if (isConst(b, 0) || isConst(b, -0)) return a;
      if (isConst(a, 0) || isConst(a, -0)) return b;
      // φ(c, a₁, b₁) + φ(c, a₂, b₂) = φ(c, a₁ + a₂, b₁ + b₂): adjoints from both arms of one branch meet.
      if (isPhi(a) && isPhi(b) && a.args[0] === b.args[0]) {
        return g.call('select', a.args[0]!, g.add(a.args[1]!, b.args[1]!), g.add(a.args[2]!, b.args[2]!));
      }
      // (x + φ(c, a₁, 0)) + φ(c, 0, b₂) = x + φ(c, a₁, b₂): on either side one of them adds 0. (The
      // adjoints of a branch's two arms, met after a term outside it.)
      if (isPhi(b) && a.kind === 'apply' && a.op === '+') {
        for (const [inner, rest] of [[a.args[0]!, a.args[1]!], [a.args[1]!, a.args[0]!]] as const) {
          const complementary = isPhi(inner) && inner.args[0] === b.args[0] && ((isConst(inner.args[2]!, 0) && isConst(b.args[1]!, 0)) || (isConst(inner.args[1]!, 0) && isConst(b.args[2]!, 0)));
          if (complementary) return g.add(rest, g.add(inner, b));
        }
      }
      if (a === b) return g.mul(g.constant(2), a);
      if (isNegative(b)) return g.sub(a, negated(g, b));
      if (isNegative(a)) return g.sub(b, negated(g, a));
      return undefined;
    case '-':
      if (isConst(b, 0)) return a;
      if (isConst(a, 0)) return g.neg(b);
      if (isNegative(b)) return g.add(a, negated(g, b));
      return undefined;
    case '*':
      if (isConst(b, 1)) return a;
      if (isConst(a, 1)) return b;
      if (isConst(b, -1)) return g.neg(a);
      if (isConst(a, -1)) return g.neg(b);
      if (isNeg(a) && isNeg(b)) return g.mul(a.args[0]!, b.args[0]!);
      if (a.kind === 'const' && isNeg(b)) return g.mul(g.constant(-a.value), b.args[0]!);
      if (isNeg(a)) return g.neg(g.mul(a.args[0]!, b));
      if (isNeg(b)) return g.neg(g.mul(a, b.args[0]!));
      // Constants first: `2 * x` reads like maths, and folds with a constant already in front.
      if (b.kind === 'const' && a.kind !== 'const') return g.mul(b, a);
      if (a.kind === 'const' && isScaled(b) && gathers(g, a) && gathers(g, b.args[0])) return g.mul(g.constant(a.value * b.args[0].value), b.args[1]!);
      // Constants gather in front of a product: (c·u)·v = c·(u·v).
      if (a.kind !== 'const' && isScaled(a) && gathers(g, a.args[0])) return g.mul(a.args[0], g.mul(a.args[1]!, b));
      if (a.kind !== 'const' && isScaled(b) && gathers(g, b.args[0])) return g.mul(b.args[0], g.mul(a, b.args[1]!));
      return undefined;
    case '/':
      if (isConst(b, 1)) return a;
      if (isConst(b, -1)) return g.neg(a);
      if (isNeg(a) && isNeg(b)) return g.div(a.args[0]!, b.args[0]!);
      if (isNeg(a)) return g.neg(g.div(a.args[0]!, b));
      return undefined;
    case 'neg':
      if (isNeg(a)) return a.args[0];
      // -(c·x) = (-c)·x and -(c/x) = (-c)/x: the sign joins the constant.
      if (a.kind === 'apply' && (a.op === '*' || a.op === '/') && a.args[0]!.kind === 'const') {
        return g.apply(a.op, [g.constant(-a.args[0].value), a.args[1]!]);
      }
      return undefined;
    case '**':
      if (isConst(b, 1)) return a;
      if (isConst(b, 0)) return g.constant(1);
      return undefined;
    case 'select':
      return simplifyPhi(g, args[0]!, args[1]!, args[2]!);
    case 'rare':
      // Decided at compile time, it is no longer a case to run again for.
      return a.kind === 'const' ? a : undefined;
    case '===':
    case '!==':
      // -x is 0 where x is (-0 === 0).
      if (isNeg(a) && isConst(b, 0)) return g.call(op, a.args[0]!, b);
      return undefined;
    case '!':
      // !!c is c only for a boolean c; for a number it is the number's truthiness.
      if (a.kind === 'apply' && a.op === '!' && isBoolean(a.args[0]!)) return a.args[0];
      return undefined;
    case '&&':
      if (a.kind === 'const') return a.value ? b : a;
      if (b.kind === 'const' && b.value) return a;
      // Falsy whatever a boolean `a` is: `c && 0`, and `!c && c`, the path of code after
      // `if (c) return` inside a branch on `c` again (unrolled loops make many).
      if (b.kind === 'const' && isBoolean(a)) return g.constant(0);
      if (isBoolean(b) && a.kind === 'apply' && a.op === '!' && a.args[0] === b) return g.constant(0);
      if (isBoolean(a) && b.kind === 'apply' && b.op === '!' && b.args[0] === a) return g.constant(0);
      return a === b ? a : undefined;
    case '||':
      if (a.kind === 'const') return a.value ? a : b;
      if (b.kind === 'const' && !b.value) return a;
      if (isBoolean(b) && a.kind === 'apply' && a.op === '!' && a.args[0] === b) return g.constant(1);
      if (isBoolean(a) && b.kind === 'apply' && b.op === '!' && b.args[0] === a) return g.constant(1);
      return a === b ? a : undefined;
    default:
      return undefined;
  }
}

/** Operation count of the expressions rooted at `roots`, each shared node counted once. */
export function operationCount(roots: readonly Node[], which: (n: ApplyNode) => boolean = () => true): number {
  const seen = new Set<number>();
  let count = 0;
  const visit = (n: Node): void => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    if (n.kind === 'apply' && which(n)) count++;
    reads(n).forEach(visit);
  };
  roots.forEach(visit);
  return count;
}

/**
 * A one-line rendering for debug dumps and messages: `(y - x * x) ** 2`. A DAG printed as a tree can
 * be exponentially long, so past `budget` characters the rest is elided.
 */
export function show(n: Node, budget = 240): string {
  const left = { chars: budget };
  const text = render(n, left);
  return left.chars < 0 ? `${text.slice(0, budget)}…` : text;
}

function render(n: Node, left: { chars: number }): string {
  if (left.chars < 0) return '…';
  const r = (m: Node) => render(m, left);
  let text: string;
  switch (n.kind) {
    case 'const':
      text = n.name ?? constKey(n.value);
      break;
    case 'param':
      text = n.element === undefined ? n.name : `${n.name}[${n.element}]`;
      break;
    case 'opaque':
      text = opaqueKey(n.expr);
      break;
    case 'index':
      text = n.loop.counter;
      break;
    case 'carried':
      text = `${n.name}ₖ`;
      break;
    case 'load':
      text = `${n.name}[${r(n.index)}]`;
      break;
    case 'sum':
      text = `(${r(n.init)} + Σ_${n.loop.counter} ${r(n.body)})`;
      break;
    case 'scan':
      text = `arg${n.extremum}_${n.loop.counter}(${r(n.init)}; ${r(n.body)})`;
      break;
    case 'scatter':
      text = `d${n.param}[${r(n.index)}] += ${r(n.value)}`;
      break;
    case 'recurrence':
      text = `loop${n.loop.id}(${n.carried.map((c) => c.name).join(', ')})`;
      break;
    case 'exit':
      text = `${n.recurrence.carried[n.slot]!.name}@loop${n.recurrence.loop.id}`;
      break;
    case 'apply': {
      const rule = primitive(n.op);
      const args = n.args.map(r);
      if (rule.infix !== undefined && args.length === 2) text = `(${args[0]} ${rule.infix} ${args[1]})`;
      else if (n.op === 'neg') text = `-${args[0]}`;
      else if (n.op === 'select') text = `(${args[0]} ? ${args[1]} : ${args[2]})`;
      else if (n.op === '!') text = `!${args[0]}`;
      else text = `${rule.mathName !== undefined ? `Math.${rule.mathName}` : n.op}(${args.join(', ')})`;
    }
  }
  left.chars -= text.length;
  return text;
}

/** A loop on the tape asked for at inputs other than its own: see `substitute`. */
export class LoopReuse extends Error {
  constructor(readonly loop: Loop) {
    super(`coarsegrad: loop${loop.id} on the tape would be needed for other inputs`);
  }
}

/** `n` with each node of `map` replaced, rebuilt through the graph's constructors (so it simplifies). */
export function substitute(g: Graph, n: Node, map: ReadonlyMap<Node, Node>, memo = new Map<Node, Node>()): Node {
  const mapped = map.get(n);
  if (mapped !== undefined) return mapped;
  const done = memo.get(n);
  if (done !== undefined) return done;
  let result: Node;
  switch (n.kind) {
    case 'apply': {
      const args = n.args.map((a) => substitute(g, a, map, memo));
      result = args.every((a, i) => a === n.args[i]) ? n : g.apply(n.op, args);
      break;
    }
    case 'load':
      result = g.load(n.param, n.name, substitute(g, n.index, map, memo));
      break;
    case 'sum':
      result =
        n.factor !== undefined
          ? g.horner(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), substitute(g, n.factor, map, memo), n.name)
          : g.sum(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), n.name);
      break;
    case 'scan':
      result = g.scan(n.loop, substitute(g, n.body, map, memo), substitute(g, n.init, map, memo), n.extremum, n.nanWins);
      break;
    case 'recurrence':
    case 'exit':
      // A loop on the tape is one node per loop: it cannot be rebuilt for other inputs (another
      // iteration of a loop around it). Lowering reports the cases it meets; this is the backstop.
      for (const from of map.keys()) {
        if (dependsOn(n, from)) throw new LoopReuse((n.kind === 'exit' ? n.recurrence : n).loop);
      }
      result = n;
      break;
    default:
      result = n;
  }
  memo.set(n, result);
  return result;
}

/**
 * Is `n` the sum of `leaf` and terms that do not read it (`leaf + e`, `leaf - e`, a φ of such,
 * a sum started from such)? Then a loop updating `leaf` to `n` is a reduction.
 */
export function isIncrementOf(n: Node, leaf: Node): boolean {
  if (n === leaf) return true;
  const free = (m: Node) => !dependsOn(m, leaf);
  if (n.kind === 'apply') {
    const [a, b, c] = n.args as [Node, Node, Node];
    if (n.op === '+') return (isIncrementOf(a, leaf) && free(b)) || (isIncrementOf(b, leaf) && free(a));
    if (n.op === '-') return isIncrementOf(a, leaf) && free(b);
    if (n.op === 'select') return free(a) && isIncrementOf(b, leaf) && isIncrementOf(c, leaf);
    return false;
  }
  if (n.kind === 'sum') return n.factor === undefined && isIncrementOf(n.init, leaf) && free(n.body);
  return false;
}

/**
 * `Math.max(leaf, e)` (or `min`) with `e` not reading `leaf`, or `e > leaf ? e : leaf` (`<` for min):
 * an extremum reduction, and the value `e` it compares.
 */
export function extremumOf(n: Node, leaf: Node): { extremum: 'max' | 'min'; value: Node; nanWins: boolean } | undefined {
  if (n.kind !== 'apply') return undefined;
  const free = (m: Node) => !dependsOn(m, leaf);
  if ((n.op === 'max' || n.op === 'min') && n.args.length === 2) {
    const [a, b] = n.args as [Node, Node];
    if (a === leaf && free(b)) return { extremum: n.op, value: b, nanWins: true };
  }
  if (n.op === 'select') {
    const [c, whenTrue, whenFalse] = n.args as [Node, Node, Node];
    if (whenFalse !== leaf || !free(whenTrue) || c.kind !== 'apply' || c.args[0] !== whenTrue || c.args[1] !== leaf) return undefined;
    if (c.op === '>') return { extremum: 'max', value: whenTrue, nanWins: false };
    if (c.op === '<') return { extremum: 'min', value: whenTrue, nanWins: false };
  }
  return undefined;
}
