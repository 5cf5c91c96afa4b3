/**
 * lower: the core (`core.ts`) → IR (DESIGN.md §3, §4). Walks a marked function's core in order,
 * keeping each variable's current SSA value, and inlines the functions it calls. Anything it cannot
 * lower is an `Unsupported` error at that node (never a crash, never a guess); the pipeline then
 * hands the function to the operation tape.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Call, CoreFunction, CoreProgram, Expr, Loop as CoreLoop, Shape, Stmt, Var } from '../front/core.js';
import { Graph, type Loop, type Node, type OpaqueExpr, type ParamNode } from './ir.js';
import { arrayMethod, constantIndex, setLength, writeElement } from './lower-arrays.js';
import * as branches from './lower-branches.js';
import * as expressions from './lower-expressions.js';
import { loop } from './lower-loops.js';
import { fieldWrite, recordPhi } from './lower-records.js';
import { writeDynamic } from './lower-maps.js';
import { Frame, type DynamicArray, type Lowering, type LoweredFunction, type LoweredParameter, type PendingReturn, type State, type ThrowSite, type Value } from './lowering.js';

/** `twins`: loops over the same iterations become one loop (`lower-twins.ts`). */
export function lowerFunction(program: CoreProgram, twins = true): LoweredFunction {
  return new Lowerer(program, twins).run();
}

/** The lowering of one marked function; `lower-loops.ts`, `lower-arrays.ts`, ... extend it. */
export class Lowerer implements Lowering {
  readonly graph = new Graph();
  readonly stack: Frame[] = [];
  readonly nameHints = new Map<Node, string>();
  readonly freeNames = new Set<string>();
  /** Contents of local arrays, by reference. An array's element list is replaced, never mutated. */
  heap = new Map<number, readonly Value[]>();
  /** Arrays of run-time length, by reference: their fill value and writes. */
  dynamic = new Map<number, DynamicArray>();
  /** Elements read from arrays of run-time length, in order: a loop checks it does not read its own writes. */
  readonly dynamicReads: { readonly ref: number; readonly index: Node }[] = [];
  nextArray = 0;
  unrolledIterations = 0;
  readonly paramElements = new Map<number, Map<number, ParamNode>>();
  readonly rowReach = new Map<number, number>();
  /** Run-time loops being lowered, outermost first. */
  readonly runtimeLoops: Loop[] = [];
  readonly plainLoops: Loop[] = [];
  /** Loops lowered inside another run-time loop that became recurrences on the tape, in order. */
  readonly innerRecurrences: ts.Node[] = [];
  /** How each loop was classified and why, for the report. */
  readonly loopReport: string[] = [];
  /** Whether a local array is a plain array or a typed array (which fixes its length and rounding). */
  readonly arrayKinds = new Map<number, 'array' | 'float64' | 'float32'>();
  /** The field names of the local arrays that are records built from object literals. */
  readonly recordFields = new Map<number, readonly string[]>();
  /** Records that a branch chose between (and the records it made of them): no longer written. */
  readonly frozenRecords = new Set<number>();
  /** Records that are not the function's own (an object parameter's), by what they are: never written. */
  readonly readonlyRecords = new Map<number, string>();
  readonly throws: ThrowSite[] = [];

  /** Calls of a function inside itself lowered so far: recursion is unrolled while it stays small. */
  private unrolledCalls = 0;

  constructor(
    readonly program: CoreProgram,
    readonly mergesTwins: boolean,
  ) {}

  /** Notes a loop's class in the report, with its line. */
  classify(at: ts.Node, text: string): void {
    const line = at.getSourceFile().getLineAndCharacterOfPosition(at.getStart()).line + 1;
    this.loopReport.push(`line ${line}: ${text}`);
  }

  run(): LoweredFunction {
    const main = this.program.main;
    const frame = new Frame(main, { kind: 'object', expr: { kind: 'this' } });
    const params = main.params.map((p, index) => this.parameter(p.var, index, p.companionDefault, frame, p.data === true));
    const output = this.callBody(frame);
    if (output.kind !== 'number') unsupported(codes.noNumericResult, main.decl.name ?? main.decl, 'a marked function must return a number; this one returns something else.');
    return { graph: this.graph, params, output: output.node, nameHints: this.nameHints, freeNames: this.freeNames, loops: this.loopReport, throws: this.throws, rowReach: this.rowReach };
  }

  // ---- parameters -------------------------------------------------------------------------------

  /** `data`: typed `Data<...>`, read but not differentiated (no gradient, none computed). */
  private parameter(v: Var, index: number, defaultValue: ts.Expression | undefined, frame: Frame, data: boolean): LoweredParameter {
    const shape = v.shape;
    const discrete = this.program.discrete.has(v) && !data;
    const base = { name: v.name, node: undefined, elements: undefined, discrete, defaultValue };
    if (data && shape.kind === 'array') {
      this.graph.data.add(index);
      this.paramElements.set(index, new Map<number, ParamNode>());
      frame.bindings.set(v, { kind: 'paramArray', index, name: v.name, float32: shape.storage === 'float32' });
      return base;
    }
    if (shape.kind === 'number' && !shape.int && !discrete && !data) {
      const node = this.graph.param(index, v.name);
      frame.bindings.set(v, { kind: 'number', node });
      return { ...base, node };
    }
    if (shape.kind === 'array') {
      const elements = new Map<number, ParamNode>();
      this.paramElements.set(index, elements);
      frame.bindings.set(v, { kind: 'paramArray', index, name: v.name, float32: shape.storage === 'float32' });
      return { ...base, elements };
    }
    // Sizes, booleans, strings, objects read as constants: passed through, no derivative.
    frame.bindings.set(v, this.opaqueValue({ kind: 'param', index }, shape));
    return base;
  }

  /** A value read at run time: a constant number, a condition, or an object to read fields of. */
  opaqueValue(expr: OpaqueExpr, shape: Shape): Value {
    if (shape.kind === 'number') return { kind: 'number', node: this.graph.opaque(expr) };
    if (shape.kind === 'boolean') return { kind: 'boolean', node: this.graph.opaque(expr) };
    return { kind: 'object', expr };
  }

  // ---- functions --------------------------------------------------------------------------------

  get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Lowers a function body in `frame` and returns its result. */
  callBody(frame: Frame): Value {
    this.stack.push(frame);
    try {
      this.statements(frame.fn.body);
      return this.foldReturns(frame.returns, frame.fn.decl);
    } finally {
      this.stack.pop();
    }
  }

  /**
   * The function's result: the first return whose guard holds, as nested φs. The arrays and objects
   * it changed are, likewise, as the return taken left them.
   */
  foldReturns(returns: readonly PendingReturn[], at: ts.Node): Value {
    if (returns.length > 1) {
      const joined = this.joinAll(returns, { bindings: new Map(), heap: new Map(), dynamic: new Map() }, at);
      this.heap = new Map(joined.heap);
      this.dynamic = new Map(joined.dynamic);
    } else {
      this.heap = new Map(returns[0]!.state.heap);
      this.dynamic = new Map(returns[0]!.state.dynamic);
    }
    const last = returns[returns.length - 1]!;
    let result = last.value;
    let contents = last.contents;
    for (let i = returns.length - 2; i >= 0; i--) {
      const { guard, value, contents: earlier } = returns[i]!;
      if (value.kind === 'array' && result.kind === 'array' && earlier !== undefined && contents !== undefined) {
        // Each return's object as it was when returned, not as a later path changed it.
        if (value.ref === result.ref && earlier === contents) continue;
        const chosen = recordPhi(this, guard!, [value.ref, new Map([[value.ref, earlier]])], [result.ref, new Map([[result.ref, contents]])], at);
        if (chosen === undefined) unsupported(codes.unsupportedSyntax, at, 'this function returns arrays that differ between its returns; return numbers, or objects with the same fields.');
        result = { kind: 'array', ref: chosen.ref };
        contents = chosen.elements;
        continue;
      }
      result = this.phi(guard!, value, result, at);
    }
    if (result.kind === 'array' && contents !== undefined) this.heap.set(result.ref, contents);
    return result;
  }

  returnValue(value: Value, at: ts.Node): void {
    const frame = this.frame;
    const through = frame.returnsThrough[frame.returnsThrough.length - 1];
    if (through !== undefined && through.exits === frame.loops[frame.loops.length - 1]) {
      // Leaves the run-time loop as a `break`, with the value and the flag saying it returned.
      if (value.kind !== 'number') unsupported(codes.noNumericResult, at, 'a marked function must return a number.');
      const state = this.snapshot();
      state.bindings.set(through.flag, { kind: 'number', node: this.graph.constant(1) });
      state.bindings.set(through.value, value);
      through.exits.push({ kind: 'break', guard: frame.path, state });
      frame.ended = true;
      return;
    }
    // A return further in, inside a loop within the run-time loop, is not carried out of it yet.
    if (through !== undefined) {
      unsupported(codes.unsupportedSyntax, at, "a 'return' inside a loop that is itself inside a loop that runs a run-time number of times is not differentiated yet; break out and return after the loops.");
    }
    this.recordReturn(frame.path, value);
    frame.ended = true;
  }

  /** The function returns `value` where `guard` holds (and no earlier return did). */
  recordReturn(guard: Node | undefined, value: Value): void {
    const frame = this.frame;
    const state = this.snapshot();
    frame.returns.push({ guard, value, state, ...(value.kind === 'array' ? { contents: this.heap.get(value.ref)! } : {}) });
    // A return inside loops also leaves each of them: later iterations must not run on that path.
    for (const exits of frame.loops) exits.push({ kind: 'return', guard, state });
  }

  // ---- branches ---------------------------------------------------------------------------------

  /** `c ? a : b` on lowered values. */
  phi(c: Node, a: Value, b: Value, at: ts.Node): Value {
    return branches.phi(this, c, a, b, at);
  }

  /**
   * Lowers the two arms of a branch on `cond` from the same state, then joins them: each variable
   * and array element the arms leave different becomes a φ. An arm that leaves on every path
   * (`return`, `break`, `continue`) leaves the other arm's state to the code after the branch, so
   * that code is lowered once.
   */
  branch(cond: Node, at: ts.Node, thenArm: () => void, elseArm: () => void): void {
    branches.branch(this, cond, at, thenArm, elseArm);
  }

  /** The current frame's variables and the local arrays, as they are now. */
  snapshot(): State {
    return { bindings: new Map(this.frame.bindings), heap: new Map(this.heap), dynamic: new Map(this.dynamic) };
  }

  restore(state: State): void {
    this.frame.bindings = new Map(state.bindings);
    this.heap = new Map(state.heap);
    this.dynamic = new Map(state.dynamic);
  }

  /** `cond ? a : b` on whole states; variables declared after `scope` are out of scope and dropped. */
  join(cond: Node, a: State, b: State, scope: State, at: ts.Node): State {
    return branches.join(this, cond, a, b, scope, at);
  }

  /** The state of the first of `exits` whose guard holds, the last being the default. */
  joinAll(exits: readonly { readonly guard: Node | undefined; readonly state: State }[], scope: State, at: ts.Node): State {
    return branches.joinAll(this, exits, scope, at);
  }

  /** A variable's value in an enclosing frame (a closure's captured variable), if any. */
  outerBinding(v: Var): Value | undefined {
    for (let i = this.stack.length - 2; i >= 0; i--) {
      const value = this.stack[i]!.bindings.get(v);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Rebinds a variable of the current frame (after a loop). */
  assignExisting(v: Var, value: Value, at: ts.Node): void {
    if (!this.frame.bindings.has(v)) {
      unsupported(codes.mutation, at, `a loop changes '${v.name}' of the function that calls it; return the value instead.`);
    }
    this.bind(v, value);
  }

  // ---- statements -------------------------------------------------------------------------------

  statements(list: readonly Stmt[]): void {
    for (const s of list) {
      if (this.frame.ended) return;
      this.statement(s);
    }
  }

  statement(s: Stmt): void {
    switch (s.kind) {
      case 'let':
        this.bind(s.var, this.value(s.init));
        return;
      case 'assign': {
        const value = this.value(s.value);
        this.assign(s.var, value, s.at);
        return;
      }
      case 'store':
        this.store(s);
        return;
      case 'effect':
        this.value(s.call);
        return;
      case 'if': {
        const cond = this.condition(s.test);
        this.branch(cond, s.at, () => this.statements(s.then), () => this.statements(s.else));
        return;
      }
      case 'loop':
        loop(this, s);
        return;
      case 'break':
      case 'continue': {
        const frame = this.frame;
        if (frame.loopsLowered[frame.loopsLowered.length - 1] !== s.loop) {
          unsupported(codes.unsupportedSyntax, s.at, `a labelled '${s.kind}' out of an inner loop is not coarsened yet; restructure the loops with a flag.`);
        }
        frame.loops[frame.loops.length - 1]!.push({ kind: s.kind, guard: frame.path, state: this.snapshot() });
        frame.ended = true;
        return;
      }
      case 'return':
        this.returnValue(this.expression(s.value), s.at);
        return;
      case 'throw':
        this.throwHere(s);
        return;
    }
  }

  /**
   * `throw new Error(...)`: thrown where every branch leading here holds, in this function and in
   * the calls it is inlined in; the path then ends. Inside a loop that runs a run-time number of
   * times the throw would be per iteration, which the operation tape takes instead.
   */
  private throwHere(s: Extract<Stmt, { kind: 'throw' }>): void {
    if (this.runtimeLoops.length > 0) unsupported(codes.unsupportedSyntax, s.at, "a 'throw' inside a loop that runs a run-time number of times is not coarsened.");
    const error = s.value;
    if (error.kind !== 'newError') throw new Error('coarsegrad: a throw of something other than an error');
    const guard = this.stack.reduce<Node | undefined>((all, frame) => (frame.path === undefined ? all : all === undefined ? frame.path : this.graph.call('&&', all, frame.path)), undefined);
    if (guard === undefined || guard.kind !== 'const' || guard.value !== 0) this.throws.push({ guard, ctor: error.ctor, args: error.args.map((a) => this.pieces(a)) });
    this.frame.ended = true;
  }

  /** A message as the primal builds it: string pieces known here, numbers the companion computes. */
  private pieces(e: Expr): (string | Node)[] {
    if (e.kind === 'binary' && e.op === 'concat') return [...this.pieces(e.left), ...this.pieces(e.right)];
    const v = this.expression(e);
    if (v.kind === 'string') return [v.value];
    if (v.kind === 'number' || v.kind === 'boolean') return [v.node];
    if (v.kind === 'undefined') return ['undefined'];
    unsupported(codes.unsupportedSyntax, e.at, "an error's message is built from strings and numbers here; format other values outside the marked function.");
  }

  /** A variable's new value: an expression, or a call, which only a declaration or an assignment takes. */
  value(e: Expr): Value {
    if (e.kind === 'call') return this.call(e);
    if (e.kind === 'arrayMethod') {
      const array = this.expression(e.array);
      const args = e.args.map((a) => this.expression(a));
      return arrayMethod(this, e, array, args);
    }
    return this.expression(e);
  }

  /** Stores `value` into the local `v` of the current function. */
  assign(v: Var, value: Value, at: ts.Node): void {
    if (!this.frame.bindings.has(v)) {
      const owner = this.stack.find((f) => f.bindings.has(v));
      unsupported(
        codes.mutation,
        at,
        owner !== undefined
          ? `a called function assigns '${v.name}' of the function that calls it; closures that change captured numbers cannot be differentiated, so return the new value instead.`
          : `'${v.name}' is assigned before it is declared here.`,
      );
    }
    this.bind(v, value);
  }

  bind(v: Var, value: Value): void {
    this.frame.bindings.set(v, value);
    if (!v.temporary && value.kind === 'number' && value.node.kind === 'apply' && !this.nameHints.has(value.node)) this.nameHints.set(value.node, v.name);
  }

  /** `object[index] = value`, `object.name = value`: only the function's own arrays and objects. */
  private store(s: Extract<Stmt, { kind: 'store' }>): void {
    const target = this.expression(s.object);
    if (target.kind === 'records' || target.kind === 'matrix') unsupported(codes.mutation, s.at, `writing to ${target.readonlyAs} cannot be differentiated (the caller's array would change); build a local array instead.`);
    if (target.kind === 'paramArray') {
      unsupported(codes.mutation, s.at, `writing to ${target.readonlyAs ?? `the parameter array '${target.name}'`} cannot be differentiated; copy it into a local array first.`);
    }
    if (s.key.kind === 'field') {
      if (target.kind === 'array' && s.key.name === 'length') {
        setLength(this, target.ref, this.number(s.value), s.at);
        return;
      }
      const write = target.kind === 'array' ? fieldWrite(this, target.ref, s.key.name, s.at) : undefined;
      if (write === undefined) unsupported(codes.mutation, s.at, 'a marked function may only write its own local variables and the fields of objects it builds; writing to objects from outside cannot be differentiated, so return the value instead.');
      write(this.expression(s.value));
      return;
    }
    if (target.kind === 'dynArray') {
      const index = this.number(s.key.index);
      const value = this.expression(s.value);
      if (value.kind !== 'number') unsupported(codes.unsupportedSyntax, s.at, 'only numbers can be stored in the arrays of a marked function.');
      writeDynamic(this, target.ref, index, value.node, s.at);
      return;
    }
    if (target.kind !== 'array') {
      unsupported(codes.mutation, s.at, 'a marked function may only write elements of its own local arrays; writing to objects or outer state cannot be differentiated.');
    }
    const index = constantIndex(this, this.number(s.key.index), s.key.index.at);
    writeElement(this, target.ref, index, this.expression(s.value), s.at);
  }

  // ---- expressions ------------------------------------------------------------------------------

  /** A condition: a boolean, or a number read by truthiness as JavaScript does. */
  condition(e: Expr): Node {
    return expressions.condition(this, e);
  }

  number(e: Expr): Node {
    return expressions.number(this, e);
  }

  expression(e: Expr): Value {
    return expressions.expression(this, e);
  }


  /** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
  thisOf(owner: CoreFunction['thisOwner']): Value | undefined {
    return expressions.thisOf(this, owner);
  }











  // ---- calls ------------------------------------------------------------------------------------

  call(e: Call): Value {
    const fn = e.fn;
    const depth = this.stack.filter((frame) => frame.fn === fn).length;
    if (depth > 0 && (depth >= unrolling.depth || ++this.unrolledCalls > unrolling.calls)) {
      // Its depth is decided at run time (the unrolling would not end), or it is too deep or wide to
      // coarsen well: the operation tape takes it, call by call.
      unsupported(codes.recursion, e.at, `recursion that does not end within ${unrolling.depth} calls deep and ${unrolling.calls} calls in all, decided at compile time, cannot be coarsened.`);
    }
    const args = e.args.map((a) => this.expression(a));
    const receiver = e.receiver === undefined ? undefined : this.expression(e.receiver);
    const thisValue = fn.thisOwner === fn.decl ? receiver : this.thisOf(fn.thisOwner);
    const frame = new Frame(fn, thisValue);
    fn.params.forEach((p, i) => {
      const value = args[i]!;
      frame.bindings.set(p.var, value);
      if (value.kind === 'number' && value.node.kind === 'apply' && !this.nameHints.has(value.node)) this.nameHints.set(value.node, p.var.name);
    });
    return this.callBody(frame);
  }

  /** Lowers `loop`'s pieces for `lower-loops.ts`: the test (with the statements it needs) in the current state. */
  test(l: CoreLoop): Node {
    this.statements(l.testing);
    return l.test === undefined ? this.graph.constant(1) : this.condition(l.test);
  }
}

/** How far recursion is unrolled into the graph, where the arguments that end it are known here. */
const unrolling = { depth: 32, calls: 512 };
