/**
 * Lowering of loops (DESIGN.md §4, §5): loops with a trip count known at compile time are unrolled;
 * counted loops with a run-time trip count become sums (reductions `s += e_i`) and argmax scans
 * (`m = Math.max(m, e_i)`) over a loop whose body is lowered once.
 */
import type ts from 'typescript';
import { splitSum } from './algebra.js';
import { mapsOfLoop } from './lower-maps.js';
import { codes, unsupported, Unsupported } from './diagnostics.js';
import { dependsOn, LoopReuse, extremumOf, isConst, isIncrementOf, substitute, type CarriedNode, type Graph, type Loop, type Node } from './ir.js';
import { elementsOf } from './lower-arrays.js';
import type { LoopExit, Lowerer, State, Value } from './lower.js';

/** Unrolling stops past this many iterations in one marked function, or this many DAG nodes. */
const unrollBudget = { iterations: 4096, nodes: 200_000 };

/**
 * A loop whose trip count is known at compile time, unrolled into the DAG (DESIGN.md §5, small
 * constant trip counts): each iteration is lowered from the state the previous one left, and
 * coarsening then works across iterations. The loop's condition must fold to a constant in every
 * iteration; a `break`, `continue` or `return` under a run-time condition becomes a φ over "has
 * left the loop", and later iterations run only where it has not.
 */
/** Unrolling met a test that is not a constant: the loop runs a run-time number of times. */
export class TripCountUnknown extends Unsupported {
  constructor(at: ts.Node) {
    super(codes.unsupportedSyntax, at, 'the number of times this loop runs is not known at compile time.');
  }
}

/**
 * A loop unrolled if its trip count turns out to be known at compile time, else `otherwise`: the
 * state the attempt changed is put back first.
 */
export function unrollOr(lo: Lowerer, at: ts.Node, loop: Parameters<typeof unroll>[2], otherwise: () => void): void {
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
    frame.returns.length = saved.returns;
    lo.loopReport.length = saved.report;
    otherwise();
  }
}

export function unroll(lo: Lowerer, at: ts.Node, loop: { test: () => Node; body: () => void; next?: () => void; testAfterBody?: boolean }): void {
  const frame = lo.frame;
  const g = lo.graph;
  const scope = lo.snapshot();
  const entryPath = frame.path;
  /** Some earlier iteration left the loop; `undefined` while none can have. */
  let left: Node | undefined;
  /** The states in which iterations left by `break`, under "left in that iteration". */
  const broken: { guard: Node | undefined; state: State }[] = [];
  let finishes = false;
  let iterations = 0;
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
    if (++lo.unrolledIterations > unrollBudget.iterations || g.nodes.length > unrollBudget.nodes) {
      unsupported(codes.unsupportedSyntax, at, `this loop runs too many times to unroll at compile time (the budget is ${unrollBudget.iterations} iterations in all); loops that run at run time are not differentiated yet.`);
    }
    frame.path = left === undefined ? entryPath : entryPath === undefined ? g.call('!', left) : g.call('&&', entryPath, g.call('!', left));
    frame.loops.push([]);
    loop.body();
    const exits = frame.loops.pop()!;
    if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: lo.snapshot() });
    frame.ended = false;
    // Stays in the loop: the first way out of the body that was taken is a continue (or the end).
    let stays: Node = g.constant(exits[exits.length - 1]!.kind === 'continue' ? 1 : 0);
    for (let i = exits.length - 2; i >= 0; i--) {
      const guard = exits[i]!.guard!;
      stays = exits[i]!.kind === 'continue' ? g.call('||', guard, stays) : g.call('&&', g.call('!', guard), stays);
    }
    const breaks = exits.filter((e) => e.kind === 'break');
    if (breaks.length > 0) broken.push({ guard: g.call('!', stays), state: lo.joinAll(breaks, scope, at) });
    const continues = exits.filter((e) => e.kind === 'continue');
    if (continues.length === 0) break;
    lo.restore(lo.joinAll(continues, scope, at));
    frame.path = entryPath;
    loop.next?.();
    const leftNow = g.call('!', stays);
    left = left === undefined ? leftNow : g.call('||', left, leftNow);
    if (left.kind === 'const' && left.value) break;
  }
  frame.path = entryPath;
  lo.classify(at, `unrolled, ${iterations} iteration${iterations === 1 ? '' : 's'}: the trip count is known at compile time`);
  const outcomes = finishes ? [...broken, { guard: undefined, state: lo.snapshot() }] : broken;
  // Every path left by `return`: nothing runs after the loop.
  if (outcomes.length === 0) {
    frame.ended = true;
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
export function runtimeLoop(lo: Lowerer, s: ts.ForStatement): void {
  const ts = lo.ts;
  const frame = lo.frame;
  const shape = countedLoop(lo, s);
  if (shape === undefined) {
    conditionalLoop(lo, s, { test: s.condition, ...(s.incrementor !== undefined ? { next: s.incrementor } : {}), testFirst: true });
    return;
  }
  const start = frame.bindings.get(shape.counter);
  if (start === undefined || start.kind !== 'number') unsupported(codes.unsupportedSyntax, s, 'the loop counter must start at a number.');
  countedRuntimeLoop(lo, s, {
    start: start.node,
    bound: () => loopBound(lo, shape),
    boundAt: shape.bound,
    compare: shape.compare,
    step: shape.step,
    counterName: shape.counterName,
    exclude: shape.counter,
    body: (index) => {
      frame.bindings.set(shape.counter, { kind: 'number', node: index });
      lo.statement(s.statement);
    },
  });
  // A counter declared before the loop holds its final value after it, which is not modelled:
  // reading it is reported rather than computed wrongly.
  const declaredByLoop = s.initializer !== undefined && ts.isVariableDeclarationList(s.initializer);
  if (!declaredByLoop) frame.bindings.set(shape.counter, undefined);
}

/** The counted loop underneath `for (let i = a; i < n; i++)` and `for (const v of xs)` over a parameter. */
function countedRuntimeLoop(
  lo: Lowerer,
  s: ts.IterationStatement,
  shape: {
    readonly start: Node;
    /** Lowers the bound in the current state: it must come out the same after the body. */
    readonly bound: () => Node;
    readonly boundAt: ts.Node;
    readonly compare: Loop['compare'];
    readonly step: number;
    readonly counterName: string;
    readonly exclude?: ts.Symbol;
    readonly body: (index: Node) => void;
  },
): void {
  const g = lo.graph;
  const returns = returnsFrom(lo, s.statement);
  const slots = heapSlotsWritten(lo, [s.statement]);
  const innerBefore = lo.innerRecurrences.length;
  const scope = lo.snapshot();
  const bound = shape.bound();
  const loop = g.loop(shape.start, bound, shape.compare, shape.step, shape.counterName, [...lo.runtimeLoops]);
  const symbols = [...assignedOutside(lo, [s.statement], scope).filter((symbol) => symbol !== shape.exclude), ...slots.keys(), ...(returns ? [returns.flag, returns.value] : [])];
  const step = iterate(lo, s, loop, scope, symbols, () => shape.body(g.index(loop)), undefined, returns, slots);
  if (shape.bound() !== bound) unsupported(codes.unsupportedSyntax, shape.boundAt, "the loop's bound changes inside the loop; compute it once before the loop.");
  const initial = (symbol: ts.Symbol) => (scope.bindings.get(symbol) ?? lo.outerBinding(symbol)) as { kind: 'number'; node: Node };
  const updates: Updates = { loop, leaves: step.leaves, updated: step.next, initial };
  const reduced = step.breaks ? undefined : reducedOrNested(lo, updates, innerBefore);
  if (reduced !== undefined && [...step.dynamic].some(([ref, written]) => scope.dynamic.get(ref) !== written)) {
    refuseNested(lo, innerBefore, 'a loop that keeps a maximum, a minimum or a last value, or writes an array');
  }
  const carried = [...step.leaves.keys()].map((symbol) => symbol.getName()).join(', ') || 'nothing';
  lo.classify(
    s,
    reduced !== undefined
      ? `reduction of ${carried} over a run-time trip count: sums, scans and closed forms, no tape`
      : `recurrence on the tape, carrying ${carried}: ${step.breaks ? "it may 'break'" : 'a variable is updated from its previous value other than by adding to it'}`,
  );
  const exitValues = reduced ?? recurrence(lo, s, updates, step.breaks ? { goOn: step.stays } : {}, innerBefore);
  lo.restore({ ...scope, dynamic: step.dynamic });
  for (const [symbol, value] of exitValues) lo.assignExisting(symbol, value);
  slotsFromVariables(lo, slots, true);
  if (returns !== undefined) returnAfter(lo, s, returns);
}

/**
 * A loop on the tape nests only in run-time loops that add up what it computes. Inside an outer
 * loop on the tape, it would have to run forward again in the outer reverse loop; a maximum over
 * the outer loop, or an array it writes, reads it back at another iteration, where it is not kept.
 */
function refuseNested(lo: Lowerer, innerBefore: number, outer: string): void {
  if (lo.innerRecurrences.length === innerBefore) return;
  unsupported(
    codes.unsupportedSyntax,
    lo.innerRecurrences[innerBefore]!,
    `a loop that runs a run-time number of times and carries a recurrence (or breaks, or runs while a condition holds) is not differentiated yet inside ${outer}, only inside a loop that adds up what it computes (\`s += ...\`). Give one of the loops a constant trip count, or move the outer loop to an unmarked caller.`,
  );
}

/** A variable of the lowering's own, carried by a loop like one of the source's. */
function syntheticSymbol(name: string): ts.Symbol {
  return { escapedName: name, getName: () => name, flags: 0 } as unknown as ts.Symbol;
}

/** One element of a local array, or one field of an object the function built. */
interface HeapSlot {
  readonly ref: number;
  readonly slot: number;
}

/**
 * The local arrays and objects a run-time loop's own statements write (`s.v += a`, `p[0] = x`):
 * each of their slots is carried like a variable, under a symbol bound here to the slot's value.
 * Writes in a function the loop calls are not seen, and are reported after the body.
 */
function heapSlotsWritten(lo: Lowerer, parts: readonly ts.Node[]): Map<ts.Symbol, HeapSlot> {
  const ts = lo.ts;
  const slots = new Map<ts.Symbol, HeapSlot>();
  const seen = new Set<number>();
  const target = (e: ts.Expression): void => {
    const inner = lo.skipParentheses(e);
    if (!ts.isPropertyAccessExpression(inner) && !ts.isElementAccessExpression(inner)) return;
    const base = lo.skipParentheses(inner.expression);
    if (!ts.isIdentifier(base)) return;
    const symbol = lo.checker.getSymbolAtLocation(base);
    const value = symbol === undefined ? undefined : (lo.frame.bindings.get(symbol) ?? lo.outerBinding(symbol));
    if (value?.kind !== 'array' || seen.has(value.ref)) return;
    seen.add(value.ref);
    const fields = lo.recordFields.get(value.ref);
    lo.heap.get(value.ref)!.forEach((element, slot) => {
      const name = fields !== undefined ? `${base.text}.${fields[slot]}` : `${base.text}[${slot}]`;
      const carried = syntheticSymbol(name);
      slots.set(carried, { ref: value.ref, slot });
      lo.frame.bindings.set(carried, element);
    });
  };
  forEachAssignmentTarget(lo, parts, target);
  return slots;
}

/** Puts the carried slots' variables into their arrays and objects (`state`: the lowerer's now). */
function slotsFromVariables(lo: Lowerer, slots: ReadonlyMap<ts.Symbol, HeapSlot>, drop: boolean): void {
  for (const [symbol, { ref, slot }] of slots) {
    const elements = lo.heap.get(ref)!.slice();
    elements[slot] = lo.frame.bindings.get(symbol)!;
    lo.heap.set(ref, elements);
    if (drop) lo.frame.bindings.delete(symbol);
  }
}

/**
 * For a run-time loop whose body returns: a flag and a value it carries, set by the `return`, which
 * then leaves the loop like a `break` (`undefined` if the body does not return).
 */
function returnsFrom(lo: Lowerer, body: ts.Statement): { flag: ts.Symbol; value: ts.Symbol } | undefined {
  const ts = lo.ts;
  const returns = (n: ts.Node): boolean => ts.isReturnStatement(n) || (!ts.isFunctionLike(n) && ts.forEachChild(n, returns) === true);
  if (!returns(body)) return undefined;
  const through = { flag: syntheticSymbol('returned'), value: syntheticSymbol('result') };
  const zero: Value = { kind: 'number', node: lo.graph.constant(0) };
  lo.frame.bindings.set(through.flag, zero);
  lo.frame.bindings.set(through.value, zero);
  return through;
}

/** After such a loop: the function returns the value if the loop ended by a `return`. */
function returnAfter(lo: Lowerer, s: ts.IterationStatement, through: { flag: ts.Symbol; value: ts.Symbol }): void {
  if (lo.runtimeLoops.length > 0) {
    unsupported(codes.unsupportedSyntax, s, "a loop with a 'return' inside is not differentiated yet inside a loop that runs a run-time number of times; break out of both loops and return after them.");
  }
  const g = lo.graph;
  const frame = lo.frame;
  const flag = frame.bindings.get(through.flag) as { node: Node };
  const value = frame.bindings.get(through.value)!;
  const returned = g.call('===', flag.node, g.constant(1));
  frame.returns.push({ guard: frame.path === undefined ? returned : g.call('&&', frame.path, returned), value });
  frame.bindings.delete(through.flag);
  frame.bindings.delete(through.value);
}

/**
 * A loop whose end depends on run-time values (`while`, `do...while`, a `for` that is not counted):
 * a recurrence on the tape. Its test runs on the initial state to enter, and on each new state to go
 * on; the tape records how many iterations ran, so the reverse loop runs them all back.
 */
export function conditionalLoop(
  lo: Lowerer,
  s: ts.IterationStatement,
  parts: { readonly test: ts.Expression | undefined; readonly next?: ts.Expression; readonly testFirst: boolean },
): void {
  const g = lo.graph;
  const returns = returnsFrom(lo, s.statement);
  const sources = [s.statement, ...(parts.test !== undefined ? [parts.test] : []), ...(parts.next !== undefined ? [parts.next] : [])];
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
      test = parts.test === undefined ? g.constant(1) : lo.condition(parts.test);
      lo.statement(s.statement);
    },
    parts.next === undefined ? undefined : () => lo.expression(parts.next!),
    returns,
    slots,
  );
  refuseNested(lo, innerBefore, 'another such loop');
  const initial = (symbol: ts.Symbol) => (scope.bindings.get(symbol) ?? lo.outerBinding(symbol)) as { kind: 'number'; node: Node };
  const onState = (values: (leaf: CarriedNode, symbol: ts.Symbol) => Node) =>
    substitute(g, test, new Map([...step.leaves].map(([symbol, leaf]) => [leaf, values(leaf, symbol)] as const)));
  const entry = parts.testFirst ? onState((_, symbol) => initial(symbol).node) : g.constant(1);
  const goOn = g.call('&&', step.stays, onState((_, symbol) => step.next.get(symbol)!));
  const carried = [...step.leaves.keys()].map((symbol) => symbol.getName()).join(', ') || 'nothing';
  lo.classify(s, `recurrence on the tape, carrying ${carried}: it runs while a run-time condition holds`);
  const exitValues = recurrence(lo, s, { loop, leaves: step.leaves, updated: step.next, initial }, { entry, goOn }, innerBefore);
  lo.restore({ ...scope, dynamic: step.dynamic });
  for (const [symbol, value] of exitValues) lo.assignExisting(symbol, value);
  slotsFromVariables(lo, slots, true);
  if (returns !== undefined) returnAfter(lo, s, returns);
}

interface Iteration {
  readonly leaves: ReadonlyMap<ts.Symbol, CarriedNode>;
  /** Each carried variable after an iteration. */
  readonly next: ReadonlyMap<ts.Symbol, Node>;
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
  lo: Lowerer,
  s: ts.IterationStatement,
  loop: Loop,
  scope: State,
  symbols: readonly ts.Symbol[],
  body: () => void,
  next?: () => void,
  returns?: { readonly flag: ts.Symbol; readonly value: ts.Symbol },
  slots: ReadonlyMap<ts.Symbol, HeapSlot> = new Map(),
): Iteration {
  const g = lo.graph;
  const frame = lo.frame;
  const leaves = new Map<ts.Symbol, CarriedNode>();
  const readsFrom = lo.dynamicReads.length;
  symbols.forEach((symbol, slot) => {
    const value = scope.bindings.get(symbol) ?? lo.outerBinding(symbol);
    if (value === undefined || value.kind !== 'number') {
      unsupported(codes.unsupportedSyntax, s, `'${symbol.getName()}' is changed by this loop but is not a number; only numbers can be carried by a loop that runs a run-time number of times.`);
    }
    const leaf = g.carried(loop, symbol.getName(), slot);
    leaves.set(symbol, leaf);
    frame.bindings.set(symbol, { kind: 'number', node: leaf });
  });
  // The body reads and writes the carried slots in their arrays and objects.
  slotsFromVariables(lo, slots, false);
  const loopExits: LoopExit[] = [];
  frame.loops.push(loopExits);
  if (returns !== undefined) frame.returnsThrough.push({ ...returns, exits: loopExits });
  lo.runtimeLoops.push(loop);
  try {
    body();
  } finally {
    lo.runtimeLoops.pop();
    if (returns !== undefined) frame.returnsThrough.pop();
  }
  const exits = frame.loops.pop()!;
  const returning = exits.find((e) => e.kind === 'return');
  if (returning !== undefined) unsupported(codes.unsupportedSyntax, s, "a 'return' inside a loop that runs a run-time number of times is not differentiated yet; break out and return after the loop.");
  if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: lo.snapshot() });
  frame.ended = false;
  if (exits.length === 0) unsupported(codes.unsupportedSyntax, s, 'this loop body never finishes an iteration.');
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
    lo.restore(lo.joinAll(continues, scope, s));
    next?.();
    going = lo.snapshot();
  }
  const leaving = breaks.length > 0 ? lo.joinAll(breaks, scope, s) : undefined;
  const joined = going !== undefined && leaving !== undefined ? lo.join(g.call('!', stays), leaving, going, scope, s) : (going ?? leaving)!;
  // Writes at the counter into arrays of run-time length are maps over this loop.
  const state = { ...joined, dynamic: mapsOfLoop(lo, loop, s, scope, joined, [...leaves.values()], readsFrom) };
  const carriedRefs = new Set([...slots.values()].map((h) => h.ref));
  for (const [symbol, { ref, slot }] of slots) state.bindings.set(symbol, state.heap.get(ref)![slot]!);
  for (const [ref, elements] of state.heap) {
    // Arrays and objects made in the body are the iteration's own; those from before must not change.
    if (scope.heap.has(ref) && scope.heap.get(ref) !== elements && !carriedRefs.has(ref)) {
      // The loop's own writes are carried (`heapSlotsWritten`); these come from a function it calls.
      const what = lo.recordFields.has(ref) ? 'changes the fields of an object built in the marked function' : 'writes the elements of a local array';
      unsupported(
        codes.unsupportedSyntax,
        s,
        `a function called in this loop, which runs a run-time number of times, ${what}; that is not differentiated yet: make the change in the loop's own statements (\`s.v += a\`, \`p[0] = x\`).`,
      );
    }
  }
  lo.restore(state);
  const nextValues = new Map<ts.Symbol, Node>();
  for (const symbol of leaves.keys()) {
    const value = state.bindings.get(symbol);
    if (value === undefined || value.kind !== 'number') unsupported(codes.unsupportedSyntax, s, `'${symbol.getName()}' is not a number after an iteration of this loop.`);
    nextValues.set(symbol, value.node);
  }
  return { leaves, next: nextValues, stays, breaks: breaks.length > 0, dynamic: state.dynamic };
}

export function loopBound(lo: Lowerer, shape: { bound: ts.Expression; offset: number }): Node {
  const bound = lo.number(shape.bound);
  return shape.offset === 0 ? bound : lo.graph.sub(bound, lo.graph.constant(shape.offset));
}

/** What one iteration of a run-time loop does to the variables it carries. */
interface Updates {
  readonly loop: Loop;
  readonly leaves: ReadonlyMap<ts.Symbol, CarriedNode>;
  /** Each carried variable after an iteration, in terms of the leaves. */
  readonly updated: ReadonlyMap<ts.Symbol, Node>;
  readonly initial: (symbol: ts.Symbol) => { node: Node };
}

/**
 * The loop's updates as reductions: each variable only added to (`s += e_i`), or replaced by a
 * maximum or minimum, from values that do not read the other updated variables. `undefined` if the
 * loop is not made of such reductions alone.
 */
function reductions(lo: Lowerer, { loop, leaves, updated, initial }: Updates): Map<ts.Symbol, Value> | undefined {
  const g = lo.graph;
  const exitValues = new Map<ts.Symbol, Value>();
  const readsOthers = (n: Node) => [...leaves.values()].some((other) => dependsOn(n, other));
  for (const [symbol, leaf] of leaves) {
    const next = updated.get(symbol)!;
    const extremum = extremumOf(next, leaf);
    if (extremum !== undefined) {
      if (readsOthers(extremum.value)) return undefined;
      // `m = Math.max(m, e_i)`: the first iteration k that beats everything before is recorded,
      // and m is e_k (or its initial value): a φ, differentiated as one.
      const k = g.scan(loop, extremum.value, initial(symbol).node, extremum.extremum);
      const atK = substitute(g, extremum.value, new Map([[g.index(loop), k]]));
      exitValues.set(symbol, { kind: 'number', node: g.call('select', g.call('>=', k, g.constant(0)), atK, initial(symbol).node) });
      continue;
    }
    if (!isIncrementOf(next, leaf)) return undefined;
    const increment = substitute(g, next, new Map([[leaf, g.constant(0)]]));
    if (readsOthers(increment)) return undefined;
    exitValues.set(symbol, { kind: 'number', node: splitSum(g, loop, increment, initial(symbol).node, symbol.getName()) });
  }
  return exitValues;
}

/**
 * Closed forms (DESIGN.md §5): each variable updated as `x ← a·x + b_i`, with `a` the same in every
 * iteration and neither `a` nor `b_i` reading what the loop carries, is `aⁿ·x₀ + Σ_t b_t·a^(n−1−t)`
 * after n iterations: a power and a sum, with no tape. `undefined` unless every variable is such.
 */
function closedForms(lo: Lowerer, { loop, leaves, updated, initial }: Updates): Map<ts.Symbol, Value> | undefined {
  const g = lo.graph;
  const counter = g.index(loop);
  const free = (n: Node, also?: Node) => [...leaves.values()].every((leaf) => !dependsOn(n, leaf)) && (also === undefined || !dependsOn(n, also));
  const forms = new Map<ts.Symbol, { a: Node; b: Node }>();
  for (const [symbol, leaf] of leaves) {
    const form = affineIn(g, updated.get(symbol)!, leaf);
    if (form === undefined || !free(form.a, counter) || !free(form.b)) return undefined;
    forms.set(symbol, form);
  }
  const trips = tripCount(g, loop);
  // The iteration number t of the counter's value i: the last iteration weighs a⁰.
  const remaining = g.sub(g.sub(trips, g.constant(1)), g.div(g.sub(counter, loop.start), g.constant(loop.step)));
  const exits = new Map<ts.Symbol, Value>();
  for (const [symbol, { a, b }] of forms) {
    const carriedOver = g.mul(g.apply('**', [a, trips]), initial(symbol).node);
    exits.set(symbol, { kind: 'number', node: splitSum(g, loop, g.mul(b, g.apply('**', [a, remaining])), carriedOver, symbol.getName()) });
  }
  return exits;
}

/** `n` as `a·leaf + b` with `a`, `b` not reading `leaf`, if it is affine in it. */
function affineIn(g: Graph, n: Node, leaf: Node): { a: Node; b: Node } | undefined {
  if (n === leaf) return { a: g.constant(1), b: g.constant(0) };
  if (!dependsOn(n, leaf)) return { a: g.constant(0), b: n };
  if (n.kind !== 'apply') return undefined;
  const [x, y, z] = n.args as [Node, Node, Node];
  // Both parts given explicitly: a default parameter would stand in for an `undefined` part (one
  // that is not affine) and make a φ of a maximum look affine.
  const both = (combine: (u: Node, v: Node) => Node, p: { a: Node; b: Node } | undefined, q: { a: Node; b: Node } | undefined) =>
    p === undefined || q === undefined ? undefined : { a: combine(p.a, q.a), b: combine(p.b, q.b) };
  switch (n.op) {
    case '+':
      return both((u, v) => g.add(u, v), affineIn(g, x, leaf), affineIn(g, y, leaf));
    case '-':
      return both((u, v) => g.sub(u, v), affineIn(g, x, leaf), affineIn(g, y, leaf));
    case 'neg': {
      const p = affineIn(g, x, leaf);
      return p === undefined ? undefined : { a: g.neg(p.a), b: g.neg(p.b) };
    }
    case '*': {
      const [scaled, factor] = dependsOn(x, leaf) ? [x, y] : [y, x];
      if (dependsOn(factor, leaf)) return undefined;
      const p = affineIn(g, scaled, leaf);
      // A part that is exactly 0 by construction stays 0 (not `0 * factor`).
      const times = (v: Node) => (isConst(v, 0) ? v : g.mul(factor, v));
      return p === undefined ? undefined : { a: times(p.a), b: times(p.b) };
    }
    case '/': {
      if (dependsOn(y, leaf)) return undefined;
      const p = affineIn(g, x, leaf);
      const over = (v: Node) => (isConst(v, 0) ? v : g.div(v, y));
      return p === undefined ? undefined : { a: over(p.a), b: over(p.b) };
    }
    case 'select':
      if (dependsOn(x, leaf)) return undefined;
      return both((u, v) => g.call('select', x, u, v), affineIn(g, y, leaf), affineIn(g, z, leaf));
    default:
      return undefined;
  }
}

/** How many times a counted loop runs: ⌈(bound − start)/step⌉ for `<`, one more at equality for `<=`. */
function tripCount(g: Graph, loop: Loop): Node {
  const span = g.div(g.sub(loop.bound, loop.start), g.constant(loop.step));
  const n = loop.compare === '<' || loop.compare === '>' ? g.call('ceil', span) : g.add(g.call('floor', span), g.constant(1));
  return g.call('max', g.constant(0), n);
}

/**
 * The loop's updates as a general recurrence (DESIGN.md §5, the residue): its carried variables
 * become the state of a recurrence node, which the companion runs forward pushing the state onto
 * the tape, and backwards popping it.
 */
function recurrence(
  lo: Lowerer,
  s: ts.IterationStatement,
  { loop, leaves, updated, initial }: Updates,
  ends: { readonly entry?: Node; readonly goOn?: Node },
  /** How many inner recurrences had been lowered before this loop's body. */
  innerBefore: number,
): Map<ts.Symbol, Value> {
  const g = lo.graph;
  refuseNested(lo, innerBefore, 'another such loop');
  if (lo.runtimeLoops.length > 0) lo.innerRecurrences.push(s);
  const symbols = [...leaves.keys()];
  const node = g.recurrence(
    loop,
    symbols.map((symbol) => leaves.get(symbol)!),
    symbols.map((symbol) => initial(symbol).node),
    symbols.map((symbol) => updated.get(symbol)!),
    ends,
  );
  return new Map(symbols.map((symbol, slot) => [symbol, { kind: 'number', node: g.exit(node, slot) }]));
}

/** The parts of `for (let i = a; i < n; i++)`; anything else is not a counted loop. */
export function countedLoop(
  lo: Lowerer,
  s: ts.ForStatement,
): { counter: ts.Symbol; counterName: string; bound: ts.Expression; offset: number; compare: Loop['compare']; step: number } | undefined {
  const ts = lo.ts;
  const cond = s.condition === undefined ? undefined : lo.skipParentheses(s.condition);
  if (cond === undefined || !ts.isBinaryExpression(cond)) return undefined;
  const flip: Record<string, Loop['compare']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
  const op = ts.tokenToString(cond.operatorToken.kind) as Loop['compare'];
  if (!(op in flip)) return undefined;
  // `i + c < n` counts like `i < n - c`.
  const counterSide = (e: ts.Expression): [ts.Identifier, number] | undefined => {
    const inner = lo.skipParentheses(e);
    if (ts.isIdentifier(inner)) return [inner, 0];
    if (ts.isBinaryExpression(inner) && ts.isIdentifier(inner.left) && ts.isNumericLiteral(inner.right)) {
      const k = Number(inner.right.text);
      if (inner.operatorToken.kind === ts.SyntaxKind.PlusToken) return [inner.left, k];
      if (inner.operatorToken.kind === ts.SyntaxKind.MinusToken) return [inner.left, -k];
    }
    return undefined;
  };
  const onLeft = counterSide(cond.left);
  const onRight = onLeft === undefined ? counterSide(cond.right) : undefined;
  if (onLeft === undefined && onRight === undefined) return undefined;
  const [[counterId, offset], bound, compare] = onLeft !== undefined ? [onLeft, cond.right, op] : [onRight!, cond.left, flip[op]!];
  const counter = lo.symbolOf(counterId);
  const inc = s.incrementor === undefined ? undefined : lo.skipParentheses(s.incrementor);
  let step: number | undefined;
  if (inc !== undefined && (ts.isPostfixUnaryExpression(inc) || ts.isPrefixUnaryExpression(inc)) && ts.isIdentifier(inc.operand) && lo.symbolOf(inc.operand) === counter) {
    step = inc.operator === ts.SyntaxKind.PlusPlusToken ? 1 : inc.operator === ts.SyntaxKind.MinusMinusToken ? -1 : undefined;
  } else if (inc !== undefined && ts.isBinaryExpression(inc) && ts.isIdentifier(inc.left) && lo.symbolOf(inc.left) === counter) {
    const amount = lo.number(inc.right);
    const sign = inc.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken ? 1 : inc.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken ? -1 : 0;
    if (amount.kind === 'const' && sign !== 0) step = sign * amount.value;
  }
  const counts = step !== undefined && step !== 0 && ((step > 0 && (compare === '<' || compare === '<=')) || (step < 0 && (compare === '>' || compare === '>=')));
  if (!counts) return undefined;
  return { counter, counterName: counterId.text, bound, offset, compare, step: step! };
}

/** Calls `target` on what each assignment, `++` and `--` in `parts` writes (not inside nested functions). */
function forEachAssignmentTarget(lo: Lowerer, parts: readonly ts.Node[], target: (e: ts.Expression) => void): void {
  const ts = lo.ts;
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(n.left);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target(n.operand);
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  parts.forEach(visit);
}

/** Variables declared before `body` that it assigns (the loop's carried variables). */
export function assignedOutside(lo: Lowerer, parts: readonly ts.Node[], scope: State): ts.Symbol[] {
  const ts = lo.ts;
  const found = new Set<ts.Symbol>();
  const target = (e: ts.Expression): void => {
    const inner = lo.skipParentheses(e);
    if (!ts.isIdentifier(inner)) return;
    const symbol = lo.checker.getSymbolAtLocation(inner);
    if (symbol !== undefined && (scope.bindings.has(symbol) || lo.outerBinding(symbol) !== undefined)) found.add(symbol);
  };
  forEachAssignmentTarget(lo, parts, target);
  return [...found];
}

/** `for (const v of array)`: unrolled over a local array, whose length is known at compile time. */
export function forOf(lo: Lowerer, s: ts.ForOfStatement): void {
  const ts = lo.ts;
  const iterable = lo.expression(s.expression);
  const declarations = ts.isVariableDeclarationList(s.initializer) ? s.initializer.declarations : undefined;
  const target = declarations?.[0]?.name;
  if (declarations === undefined || declarations.length !== 1 || target === undefined || !ts.isIdentifier(target)) {
    unsupported(codes.unsupportedSyntax, s.initializer, "write the loop variable as 'for (const v of array)'.");
  }
  const symbol = lo.symbolOf(target);
  if (iterable.kind === 'paramArray') {
    // Over a parameter's elements: `for (let i = 0; i < xs.length; i++) { const v = xs[i]; ... }`.
    const g = lo.graph;
    const length = g.opaque({ kind: 'property', base: { kind: 'param', index: iterable.index }, name: 'length', node: undefined });
    countedRuntimeLoop(lo, s, {
      start: g.constant(0),
      bound: () => length,
      boundAt: s.expression,
      compare: '<',
      step: 1,
      counterName: 'i',
      body: (index) => {
        lo.bind(symbol, { kind: 'number', node: g.load(iterable.index, iterable.name, index) }, target.text);
        lo.statement(s.statement);
      },
    });
    return;
  }
  if (iterable.kind !== 'array') unsupported(codes.unsupportedSyntax, s.expression, "'for...of' loops over arrays only.");
  let index = 0;
  unroll(lo, s, {
    test: () => lo.graph.constant(+(index < elementsOf(lo, iterable.ref).length)),
    body: () => {
      lo.bind(symbol, elementsOf(lo, iterable.ref)[index]!, target.text);
      lo.statement(s.statement);
    },
    next: () => void index++,
  });
}

/**
 * The loop's reductions or closed forms, if it has them. A maximum or a closed form reads the body
 * at another iteration (the one that won, the last one), which an inner loop on the tape cannot give.
 */
function reducedOrNested(lo: Lowerer, updates: Updates, innerBefore: number): Map<ts.Symbol, Value> | undefined {
  try {
    return reductions(lo, updates) ?? closedForms(lo, updates);
  } catch (e) {
    if (e instanceof LoopReuse) refuseNested(lo, innerBefore, 'a loop that keeps a maximum, a minimum or a last value, or writes an array');
    throw e;
  }
}
