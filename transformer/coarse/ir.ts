/**
 * The IR: a hash-consed expression DAG in SSA form (DESIGN.md §4). Every value a marked function
 * computes is a node; building the same operation on the same operands twice returns the same node,
 * so shared subexpressions stay shared through lowering, differentiation and emission.
 */
import type { PrimitiveName } from '../rules.js';
import { simplify } from './ir-fold.js';
import { constKey, isConst, loopsOf, opaqueKey, type CarriedNode, type ConstNode, type ExitNode, type IndexNode, type LoadNode, type Loop, type Node, type OpaqueExpr, type OpaqueNode, type ParamNode, type RecurrenceNode, type ScanNode, type ScatterNode } from './nodes.js';

export * from './nodes.js';
export { operationCount, show } from './ir-print.js';

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

  /** Parameters typed `Data<...>`: their values carry no derivative. */
  readonly data = new Set<number>();

  param(index: number, name: string, element?: number): ParamNode {
    const key = element === undefined ? `p${index}` : `p${index}[${element}]`;
    return this.intern(key, (id) => ({ id, kind: 'param', active: !this.data.has(index), index, name, ...(element !== undefined ? { element } : {}) }));
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
    return this.intern(`load${param}[${index.id}]`, (id) => ({ id, kind: 'load', active: !this.data.has(param), param, name, index }));
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
