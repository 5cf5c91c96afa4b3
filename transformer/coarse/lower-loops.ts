/**
 * Lowering of loops (DESIGN.md §4, §5): loops with a trip count known at compile time are unrolled;
 * counted loops with a run-time trip count become sums (reductions `s += e_i`) and argmax scans
 * (`m = Math.max(m, e_i)`) over a loop whose body is lowered once.
 */
import type ts from 'typescript';
import { shapes, type Expr, type Loop as CoreLoop, type Stmt, type Var } from '../front/core.js';
import { walk } from '../front/core-walk.js';
import { mapsOfLoop } from './lower-maps.js';
import { recurrence, reducedOrNested, refuseNested, type Updates } from './lower-reductions.js';
import { overTwin } from './lower-twins.js';
import { codes, unsupported, Unsupported } from '../diagnostics.js';
import { type CarriedNode, type Loop, type Node } from './ir.js';
import { substitute } from './ir-rewrite.js';
import { extremumOf } from './ir-patterns.js';
import type { DynamicArray, LoopExit, Lowering, State, Value } from './lowering.js';

/**
 * A loop with a constant trip count is unrolled while that stays small: at most this many of its
 * iterations, this many new DAG nodes, and this many iterations unrolled in the whole function.
 * Past that it is lowered as a loop, as one whose trip count is known only at run time is: compile
 * time and the companion's size stay bounded whatever the trip count.
 */
const unrollBudget = { iterations: 64, nodes: 4000, total: 4096 };

/** Unrolling met a test that is not a constant, or ran past its budget: the loop is lowered as a loop. */
class TripCountUnknown extends Unsupported {
  constructor(at: ts.Node) {
    super(codes.unsupportedSyntax, at, 'the number of times this loop runs is not known at compile time.');
  }
}

/**
 * A loop of the core: unrolled if its trip count turns out to be known at compile time (DESIGN.md
 * §5), else a sum, a scan or a closed form over a run-time trip count, else a recurrence on the tape.
 */
export function loop(lo: Lowering, s: CoreLoop): void {
  lo.statements(s.init);
  // A loop whose first test is not a constant runs a run-time number of times.
  if (s.testFirst && s.test !== undefined && s.testing.length === 0 && lo.condition(s.test).kind !== 'const') {
    runtimeLoop(lo, s);
    return;
  }
  const steps = { core: s, test: () => lo.test(s), body: () => lo.statements(s.body), next: () => lo.statements(s.update), testAfterBody: !s.testFirst };
  unrollOr(lo, s.at, steps, () => (s.testFirst && s.testing.length === 0 ? runtimeLoop(lo, s) : conditionalLoop(lo, s)));
}

/**
 * A loop unrolled if its trip count turns out to be known at compile time, else `otherwise`: the
 * state the attempt changed is put back first.
 */
function unrollOr(lo: Lowering, at: ts.Node, loop: Parameters<typeof unroll>[2], otherwise: () => void): void {
  const frame = lo.frame;
  const saved = { state: lo.snapshot(), path: frame.path, ended: frame.ended, loops: frame.loops.length, returns: frame.returns.length, report: lo.loopReport.length };
  try {
    unroll(lo, at, loop);
  } catch (error) {
    if (!(error instanceof TripCountUnknown)) throw error;
    lo.restore(saved.state);
    frame.path = saved.path;
    frame.ended = saved.ended;
    frame.loops.length = saved.loops;
    frame.loopsLowered.length = saved.loops;
    frame.returns.length = saved.returns;
    lo.loopReport.length = saved.report;
    otherwise();
  }
}

/**
 * A loop whose trip count is known at compile time, unrolled into the DAG (DESIGN.md §5, small
 * constant trip counts): each iteration is lowered from the state the previous one left, and
 * coarsening then works across iterations. The loop's condition must fold to a constant in every
 * iteration; a `break`, `continue` or `return` under a run-time condition becomes a φ over "has
 * left the loop", and later iterations run only where it has not.
 */
function unroll(lo: Lowering, at: ts.Node, loop: { core: CoreLoop; test: () => Node; body: () => void; next?: () => void; testAfterBody?: boolean }): void {
  const frame = lo.frame;
  const g = lo.graph;
  const scope = lo.snapshot();
  const entryPath = frame.path;
  /** Some earlier iteration left the loop; `undefined` while none can have. */
  let left: Node | undefined;
  /** The states in which iterations left by `break`, under "left in that iteration". */
  const broken: { guard: Node | undefined; state: State }[] = [];
  /** Some iteration returned from the function; `undefined` while none can have. */
  let returned: Node | undefined;
  let finishes = false;
  let iterations = 0;
  const nodesBefore = g.nodes.length;
  for (let first = true; ; first = false) {
    if (!(first && loop.testAfterBody)) {
      const test = loop.test();
      if (test.kind !== 'const') {
        throw new TripCountUnknown(at);
      }
      if (!test.value) {
        finishes = true;
        break;
      }
    }
    iterations++;
    if (iterations > unrollBudget.iterations || g.nodes.length - nodesBefore > unrollBudget.nodes || ++lo.unrolledIterations > unrollBudget.total) throw new TripCountUnknown(at);
    frame.path = left === undefined ? entryPath : entryPath === undefined ? g.call('!', left) : g.call('&&', entryPath, g.call('!', left));
    frame.loops.push([]);
    frame.loopsLowered.push(loop.core);
    loop.body();
    frame.loopsLowered.pop();
    const exits = frame.loops.pop()!;
    if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: lo.snapshot() });
    frame.ended = false;
    // Every path through the body returned, each recorded where it returned: nothing of the loop,
    // nor after it, runs again.
    if (exits.length === 0) {
      returned = g.constant(1);
      break;
    }
    // Stays in the loop: the first way out of the body that was taken is a continue (or the end).
    let stays: Node = g.constant(exits[exits.length - 1]!.kind === 'continue' ? 1 : 0);
    for (let i = exits.length - 2; i >= 0; i--) {
      const guard = exits[i]!.guard!;
      stays = exits[i]!.kind === 'continue' ? g.call('||', guard, stays) : g.call('&&', g.call('!', guard), stays);
    }
    const breaks = exits.filter((e) => e.kind === 'break');
    if (breaks.length > 0) broken.push({ guard: g.call('!', stays), state: lo.joinAll(breaks, scope, at) });
    for (const exit of exits) if (exit.kind === 'return') returned = returned === undefined ? (exit.guard ?? g.constant(1)) : g.call('||', returned, exit.guard ?? g.constant(1));
    const continues = exits.filter((e) => e.kind === 'continue');
    if (continues.length === 0) break;
    lo.restore(lo.joinAll(continues, scope, at));
    frame.path = entryPath;
    loop.next?.();
    const leftNow = g.call('!', stays);
    left = left === undefined ? leftNow : g.call('||', left, leftNow);
    if (left.kind === 'const' && left.value) break;
  }
  // What follows the loop runs where no iteration returned.
  const notReturned = returned === undefined ? undefined : g.call('!', returned);
  frame.path = notReturned === undefined ? entryPath : entryPath === undefined ? notReturned : g.call('&&', entryPath, notReturned);
  lo.classify(at, `unrolled, ${iterations} iteration${iterations === 1 ? '' : 's'}: the trip count is known at compile time`);
  const outcomes = finishes ? [...broken, { guard: undefined, state: lo.snapshot() }] : broken;
  // Every path left by `return`: nothing runs after the loop.
  if (outcomes.length === 0 || (frame.path?.kind === 'const' && !frame.path.value)) {
    frame.ended = true;
    frame.path = entryPath;
    return;
  }
  lo.restore(lo.joinAll(outcomes, scope, at));
}

/**
 * A counted loop that runs a run-time number of times, `for (let i = a; i < n; i++)`. If its body
 * updates outer variables only as reductions (`s += e_i`, `m = Math.max(m, e_i)`) they become sums
 * and scans, differentiated with no tape (DESIGN.md §5, strategy 3); otherwise, or with a `break`,
 * its variables are the state of a recurrence on the tape (strategy 5).
 */
function runtimeLoop(lo: Lowering, s: CoreLoop): void {
  const frame = lo.frame;
  const shape = countedLoop(lo, s);
  if (shape === undefined) {
    conditionalLoop(lo, s);
    return;
  }
  const start = frame.bindings.get(shape.counter);
  if (start === undefined || start.kind !== 'number') unsupported(codes.unsupportedSyntax, s.at, 'the loop counter must start at a number.');
  countedRuntimeLoop(lo, s, {
    start: start.node,
    bound: () => loopBound(lo, shape),
    boundAt: shape.bound.at,
    compare: shape.compare,
    step: shape.step,
    counterName: shape.counter.name,
    exclude: shape.counter,
    body: (index) => {
      frame.bindings.set(shape.counter, { kind: 'number', node: index });
      lo.statements(s.body);
    },
  });
  // A counter declared before the loop holds its final value after it, which is not modelled:
  // reading it is reported rather than computed wrongly.
  const declaredByLoop = s.init.some((st) => st.kind === 'let' && st.var === shape.counter);
  if (!declaredByLoop) frame.bindings.set(shape.counter, { kind: 'undefined' });
}

/** The counted loop underneath `for (let i = a; i < n; i++)` and `for (const v of xs)` over a parameter. */
function countedRuntimeLoop(
  lo: Lowering,
  s: CoreLoop,
  shape: {
    readonly start: Node;
    /** Lowers the bound in the current state: it must come out the same after the body. */
    readonly bound: () => Node;
    readonly boundAt: ts.Node;
    readonly compare: Loop['compare'];
    readonly step: number;
    readonly counterName: string;
    readonly exclude?: Var;
    readonly body: (index: Node) => void;
  },
): void {
  const g = lo.graph;
  const returns = returnsFrom(lo, s);
  const slots = heapSlotsWritten(lo, s.body);
  const innerBefore = lo.innerRecurrences.length;
  const scope = lo.snapshot();
  const bound = shape.bound();
  const loop = g.loop(shape.start, bound, shape.compare, shape.step, shape.counterName, [...lo.runtimeLoops]);
  const symbols = [...assignedOutside(lo, s.body, scope).filter((v) => v !== shape.exclude), ...slots.keys(), ...(returns ? [returns.flag, returns.value] : [])];
  const step = iterate(lo, s, loop, scope, symbols, () => shape.body(g.index(loop)), undefined, returns, slots);
  if (shape.bound() !== bound) unsupported(codes.unsupportedSyntax, shape.boundAt, "the loop's bound changes inside the loop; compute it once before the loop.");
  const initial = (v: Var) => (scope.bindings.get(v) ?? lo.outerBinding(v)) as { kind: 'number'; node: Node };
  const updates: Updates = { loop, leaves: step.leaves, updated: step.next, initial };
  const reduced = step.breaks ? undefined : reducedOrNested(lo, updates, innerBefore);
  // A maximum reads the iteration that won, and a map every iteration, after the loop: an inner
  // loop on the tape keeps only the last.
  const keepsExtremum = [...step.leaves].some(([v, leaf]) => extremumOf(step.next.get(v)!, leaf) !== undefined);
  if (reduced !== undefined && (keepsExtremum || [...step.dynamic].some(([ref, written]) => scope.dynamic.get(ref) !== written))) {
    refuseNested(lo, innerBefore, 'a loop that keeps a maximum, a minimum or a last value, or writes an array');
  }
  const carried = [...step.leaves.keys()].map((v) => v.name).join(', ') || 'nothing';
  lo.classify(
    s.at,
    reduced !== undefined
      ? `reduction of ${carried} over a run-time trip count: sums, scans and closed forms, no tape`
      : `recurrence on the tape, carrying ${carried}: ${step.breaks ? "it may 'break'" : 'a variable is updated from its previous value other than by adding to it'}`,
  );
  let exitValues: ReadonlyMap<Var, Value> = reduced ?? recurrence(lo, s.at, updates, step.breaks ? { goOn: step.stays } : {}, innerBefore);
  let dynamic: ReadonlyMap<number, DynamicArray> = step.dynamic;
  if (reduced !== undefined && lo.mergesTwins && lo.innerRecurrences.length === innerBefore) ({ exits: exitValues, dynamic } = overTwin(lo, loop, exitValues, scope.dynamic, dynamic));
  lo.restore({ ...scope, dynamic: new Map(dynamic) });
  for (const [v, value] of exitValues) lo.assignExisting(v, value, s.at);
  slotsFromVariables(lo, slots, true);
  if (returns !== undefined) returnAfter(lo, s.at, returns);
}

/** A variable of the lowering's own, carried by a loop like one of the source's. */
function syntheticVar(name: string, at: ts.Node): Var {
  return { id: -1, name, shape: shapes.number, at, temporary: true };
}

/** One element of a local array, or one field of an object the function built. */
interface HeapSlot {
  readonly ref: number;
  readonly slot: number;
}

/**
 * The local arrays and objects a run-time loop's own statements write (`s.v += a`, `p[0] = x`):
 * each of their slots is carried like a variable, under a variable bound here to the slot's value.
 * Writes in a function the loop calls are not seen, and are reported after the body.
 */
function heapSlotsWritten(lo: Lowering, parts: readonly Stmt[]): Map<Var, HeapSlot> {
  const slots = new Map<Var, HeapSlot>();
  const seen = new Set<number>();
  // What the loop's own temporaries stand for: `let target = p` before `target[0] = ...`.
  const aliases = new Map<Var, Expr>();
  walk(parts, (st) => {
    if (st.kind === 'let' && st.var.temporary && st.init.kind === 'var') aliases.set(st.var, st.init);
  });
  const resolve = (e: Expr): Expr => {
    for (let seenVars = 0; e.kind === 'var' && aliases.has(e.var) && seenVars < 64; seenVars++) e = aliases.get(e.var)!;
    return e;
  };
  walk(parts, (st) => {
    if (st.kind !== 'store' && !(st.kind === 'effect' && st.call.kind === 'arrayMethod')) return;
    const base = resolve(st.kind === 'store' ? st.object : (st.call as Extract<Expr, { kind: 'arrayMethod' }>).array);
    if (base.kind !== 'var') return;
    const value = lo.frame.bindings.get(base.var) ?? lo.outerBinding(base.var);
    if (value?.kind !== 'array' || seen.has(value.ref)) return;
    seen.add(value.ref);
    const fields = lo.recordFields.get(value.ref);
    lo.heap.get(value.ref)!.forEach((element, slot) => {
      // A record's other fields (a parameter's array, a string) are never written.
      if (element.kind !== 'number') return;
      const name = fields !== undefined ? `${base.var.name}.${fields[slot]}` : `${base.var.name}[${slot}]`;
      const carried = syntheticVar(name, st.at);
      slots.set(carried, { ref: value.ref, slot });
      lo.frame.bindings.set(carried, element);
    });
  });
  return slots;
}

/** Puts the carried slots' variables into their arrays and objects (`state`: the lowerer's now). */
function slotsFromVariables(lo: Lowering, slots: ReadonlyMap<Var, HeapSlot>, drop: boolean): void {
  for (const [v, { ref, slot }] of slots) {
    const elements = lo.heap.get(ref)!.slice();
    elements[slot] = lo.frame.bindings.get(v)!;
    lo.heap.set(ref, elements);
    if (drop) lo.frame.bindings.delete(v);
  }
}

/**
 * For a run-time loop whose body returns: a flag and a value it carries, set by the `return`, which
 * then leaves the loop like a `break` (`undefined` if the body does not return).
 */
function returnsFrom(lo: Lowering, s: CoreLoop): { flag: Var; value: Var } | undefined {
  let returns = false;
  walk(s.body, (st) => (returns ||= st.kind === 'return'));
  if (!returns) return undefined;
  const through = { flag: syntheticVar('returned', s.at), value: syntheticVar('result', s.at) };
  const zero: Value = { kind: 'number', node: lo.graph.constant(0) };
  lo.frame.bindings.set(through.flag, zero);
  lo.frame.bindings.set(through.value, zero);
  return through;
}

/** After such a loop: the function returns the value if the loop ended by a `return`. */
function returnAfter(lo: Lowering, at: ts.Node, through: { flag: Var; value: Var }): void {
  if (lo.runtimeLoops.length > 0) {
    unsupported(codes.unsupportedSyntax, at, "a loop with a 'return' inside is not differentiated yet inside a loop that runs a run-time number of times; break out of both loops and return after them.");
  }
  const g = lo.graph;
  const frame = lo.frame;
  const flag = frame.bindings.get(through.flag) as { node: Node };
  const value = frame.bindings.get(through.value)!;
  frame.bindings.delete(through.flag);
  frame.bindings.delete(through.value);
  const returned = g.call('===', flag.node, g.constant(1));
  const within = (c: Node) => (frame.path === undefined ? c : g.call('&&', frame.path, c));
  lo.recordReturn(within(returned), value);
  // What follows the loop runs where it did not return.
  frame.path = within(g.call('!', returned));
}

/**
 * A loop whose end depends on run-time values (`while`, `do...while`, a `for` that is not counted):
 * a recurrence on the tape. Its test runs on the initial state to enter, and on each new state to go
 * on; the tape records how many iterations ran, so the reverse loop runs them all back.
 */
function conditionalLoop(lo: Lowering, s: CoreLoop): void {
  const g = lo.graph;
  // A test that changes state (`while (i++ < n)`) would change it once more when it fails, after
  // the last iteration: not modelled by the recurrence.
  if (s.testing.some((st) => st.kind !== 'let')) unsupported(codes.unsupportedSyntax, s.at, "a loop whose test changes variables is not coarsened; change them in the loop's body.");
  const returns = returnsFrom(lo, s);
  const sources = [...s.testing, ...s.body, ...s.update];
  const slots = heapSlotsWritten(lo, sources);
  const innerBefore = lo.innerRecurrences.length;
  const scope = lo.snapshot();
  const loop = g.openLoop('k', [...lo.runtimeLoops]);
  const symbols = [...assignedOutside(lo, sources, scope), ...slots.keys(), ...(returns ? [returns.flag, returns.value] : [])];
  let test: Node = g.constant(1);
  const step = iterate(
    lo,
    s,
    loop,
    scope,
    symbols,
    () => {
      test = lo.test(s);
      lo.statements(s.body);
    },
    s.update.length === 0 ? undefined : () => lo.statements(s.update),
    returns,
    slots,
  );
  refuseNested(lo, innerBefore, 'another such loop');
  const initial = (v: Var) => (scope.bindings.get(v) ?? lo.outerBinding(v)) as { kind: 'number'; node: Node };
  const onState = (values: (leaf: CarriedNode, v: Var) => Node) =>
    substitute(g, test, new Map([...step.leaves].map(([v, leaf]) => [leaf, values(leaf, v)] as const)));
  const entry = s.testFirst ? onState((_, v) => initial(v).node) : g.constant(1);
  const goOn = g.call('&&', step.stays, onState((_, v) => step.next.get(v)!));
  const carried = [...step.leaves.keys()].map((v) => v.name).join(', ') || 'nothing';
  lo.classify(s.at, `recurrence on the tape, carrying ${carried}: it runs while a run-time condition holds`);
  const exitValues = recurrence(lo, s.at, { loop, leaves: step.leaves, updated: step.next, initial }, { entry, goOn }, innerBefore);
  lo.restore({ ...scope, dynamic: step.dynamic });
  for (const [v, value] of exitValues) lo.assignExisting(v, value, s.at);
  slotsFromVariables(lo, slots, true);
  if (returns !== undefined) returnAfter(lo, s.at, returns);
}

interface Iteration {
  readonly leaves: ReadonlyMap<Var, CarriedNode>;
  /** Each carried variable after an iteration. */
  readonly next: ReadonlyMap<Var, Node>;
  /** The iteration ended without `break`. */
  readonly stays: Node;
  readonly breaks: boolean;
  /** Arrays of run-time length after the loop: with the maps it wrote. */
  readonly dynamic: State['dynamic'];
}

/**
 * Lowers one iteration of a run-time loop's body, once for all iterations: each variable it changes
 * is a leaf standing for its value at the start of the iteration.
 */
function iterate(
  lo: Lowering,
  s: CoreLoop,
  loop: Loop,
  scope: State,
  symbols: readonly Var[],
  body: () => void,
  next?: () => void,
  returns?: { readonly flag: Var; readonly value: Var },
  slots: ReadonlyMap<Var, HeapSlot> = new Map(),
): Iteration {
  const g = lo.graph;
  const frame = lo.frame;
  const leaves = new Map<Var, CarriedNode>();
  const readsFrom = lo.dynamicReads.length;
  symbols.forEach((v, slot) => {
    const value = scope.bindings.get(v) ?? lo.outerBinding(v);
    if (value === undefined || value.kind !== 'number') {
      unsupported(codes.unsupportedSyntax, s.at, `'${v.name}' is changed by this loop but is not a number; only numbers can be carried by a loop that runs a run-time number of times.`);
    }
    const leaf = g.carried(loop, v.name, slot);
    leaves.set(v, leaf);
    frame.bindings.set(v, { kind: 'number', node: leaf });
  });
  // The body reads and writes the carried slots in their arrays and objects.
  slotsFromVariables(lo, slots, false);
  const loopExits: LoopExit[] = [];
  frame.loops.push(loopExits);
  frame.loopsLowered.push(s);
  if (returns !== undefined) frame.returnsThrough.push({ ...returns, exits: loopExits });
  lo.runtimeLoops.push(loop);
  // The body runs under conditions of its own iteration; the loop as a whole under the path around it.
  const entryPath = frame.path;
  try {
    body();
  } finally {
    frame.path = entryPath;
    lo.runtimeLoops.pop();
    frame.loopsLowered.pop();
    if (returns !== undefined) frame.returnsThrough.pop();
  }
  const exits = frame.loops.pop()!;
  const returning = exits.find((e) => e.kind === 'return');
  if (returning !== undefined) unsupported(codes.unsupportedSyntax, s.at, "a 'return' inside a loop that runs a run-time number of times is not differentiated yet; break out and return after the loop.");
  if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: lo.snapshot() });
  frame.ended = false;
  if (exits.length === 0) unsupported(codes.unsupportedSyntax, s.at, 'this loop body never finishes an iteration.');
  // Stays: the first way out of the body that was taken is a continue (or the end of the body).
  let stays: Node = g.constant(exits[exits.length - 1]!.kind === 'continue' ? 1 : 0);
  for (let i = exits.length - 2; i >= 0; i--) {
    const guard = exits[i]!.guard!;
    stays = exits[i]!.kind === 'continue' ? g.call('||', guard, stays) : g.call('&&', g.call('!', guard), stays);
  }
  const continues = exits.filter((e) => e.kind === 'continue');
  const breaks = exits.filter((e) => e.kind === 'break');
  let going: State | undefined;
  if (continues.length > 0) {
    lo.restore(lo.joinAll(continues, scope, s.at));
    next?.();
    going = lo.snapshot();
  }
  const leaving = breaks.length > 0 ? lo.joinAll(breaks, scope, s.at) : undefined;
  const joined = going !== undefined && leaving !== undefined ? lo.join(g.call('!', stays), leaving, going, scope, s.at) : (going ?? leaving)!;
  // Writes at the counter into arrays of run-time length are maps over this loop.
  const state = { ...joined, dynamic: mapsOfLoop(lo, loop, s.at, scope, joined, [...leaves.values()], readsFrom) };
  const carriedRefs = new Set([...slots.values()].map((h) => h.ref));
  for (const [v, { ref, slot }] of slots) state.bindings.set(v, state.heap.get(ref)![slot]!);
  for (const [ref, elements] of state.heap) {
    // Arrays and objects made in the body are the iteration's own; those from before must not change.
    if (scope.heap.has(ref) && scope.heap.get(ref) !== elements && !carriedRefs.has(ref)) {
      // The loop's own writes are carried (`heapSlotsWritten`); these come from a function it calls.
      const what = lo.recordFields.has(ref) ? 'changes the fields of an object built in the marked function' : 'writes the elements of a local array';
      unsupported(
        codes.unsupportedSyntax,
        s.at,
        `a function called in this loop, which runs a run-time number of times, ${what}; that is not differentiated yet: make the change in the loop's own statements (\`s.v += a\`, \`p[0] = x\`).`,
      );
    }
  }
  lo.restore(state);
  const nextValues = new Map<Var, Node>();
  for (const v of leaves.keys()) {
    const value = state.bindings.get(v);
    if (value === undefined || value.kind !== 'number') unsupported(codes.unsupportedSyntax, s.at, `'${v.name}' is not a number after an iteration of this loop.`);
    nextValues.set(v, value.node);
  }
  return { leaves, next: nextValues, stays, breaks: breaks.length > 0, dynamic: state.dynamic };
}

function loopBound(lo: Lowering, shape: { bound: Expr; offset: number }): Node {
  const bound = lo.number(shape.bound);
  return shape.offset === 0 ? bound : lo.graph.sub(bound, lo.graph.constant(shape.offset));
}

/** The parts of `for (let i = a; i < n; i++)`; anything else is not a counted loop. */
function countedLoop(lo: Lowering, s: CoreLoop): { counter: Var; bound: Expr; offset: number; compare: Loop['compare']; step: number } | undefined {
  const cond = s.test;
  if (cond === undefined || cond.kind !== 'binary') return undefined;
  const flip: Record<string, Loop['compare']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
  const op = cond.op as Loop['compare'];
  if (!(op in flip)) return undefined;
  // `i + c < n` counts like `i < n - c`.
  const counterSide = (e: Expr): [Var, number] | undefined => {
    const inner = plain(e);
    if (inner.kind === 'var') return [inner.var, 0];
    if (inner.kind === 'binary' && (inner.op === '+' || inner.op === '-') && plain(inner.left).kind === 'var' && inner.right.kind === 'number') {
      return [(plain(inner.left) as Extract<Expr, { kind: 'var' }>).var, inner.op === '+' ? inner.right.value : -inner.right.value];
    }
    return undefined;
  };
  const onLeft = counterSide(cond.left);
  const onRight = onLeft === undefined ? counterSide(cond.right) : undefined;
  if (onLeft === undefined && onRight === undefined) return undefined;
  const [[counter, offset], bound, compare] = onLeft !== undefined ? [onLeft, cond.right, op] : [onRight!, cond.left, flip[op]!];
  // The counter is stepped by the update alone, by a constant: `i++`, `i += 2`, `i = i - 1`.
  if (s.update.length !== 1) return undefined;
  const update = s.update[0]!;
  if (update.kind !== 'assign' || update.var !== counter || update.value.kind !== 'binary' || (update.value.op !== '+' && update.value.op !== '-')) return undefined;
  const stepped = plain(update.value.left);
  if (stepped.kind !== 'var' || stepped.var !== counter) return undefined;
  const amount = lo.number(update.value.right);
  if (amount.kind !== 'const') return undefined;
  const step = (update.value.op === '+' ? 1 : -1) * amount.value;
  const counts = step !== 0 && Number.isFinite(step) && ((step > 0 && (compare === '<' || compare === '<=')) || (step < 0 && (compare === '>' || compare === '>=')));
  if (!counts) return undefined;
  let assignedInBody = false;
  walk(s.body, (st) => (assignedInBody ||= st.kind === 'assign' && st.var === counter));
  return assignedInBody ? undefined : { counter, bound, offset, compare, step };
}

/** `+e` is `e` for the numbers a counter holds. */
function plain(e: Expr): Expr {
  return e.kind === 'unary' && e.op === 'plus' ? e.operand : e;
}

/** Variables declared before `parts` that they assign (the loop's carried variables). */
function assignedOutside(lo: Lowering, parts: readonly Stmt[], scope: State): Var[] {
  const found = new Set<Var>();
  walk(parts, (st) => {
    if (st.kind === 'assign' && (scope.bindings.has(st.var) || lo.outerBinding(st.var) !== undefined)) found.add(st.var);
  });
  return [...found];
}

