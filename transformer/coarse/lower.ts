/**
 * lower: the core (`core.ts`) → IR (DESIGN.md §3, §4). Walks a marked function's core in order,
 * keeping each variable's current SSA value, and inlines the functions it calls. Anything it cannot
 * lower is an `Unsupported` error at that node (never a crash, never a guess); the pipeline then
 * hands the function to the operation tape.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import type { Call, CoreFunction, CoreProgram, Expr, Loop as CoreLoop, Shape, Stmt, Var } from '../front/core.js';
import { Graph, opaqueKey, type Loop, type Node, type OpaqueExpr, type ParamNode } from './ir.js';
import { arrayLiteral, arrayMethod, constantIndex, elementsOf, newArrayOf, setLength, writeElement } from './lower-arrays.js';
import { loop } from './lower-loops.js';
import { fieldWrite, objectLiteral, readField, recordPhi } from './lower-records.js';
import { dynamicOf, joinDynamic, readDynamic, writeDynamic } from './lower-maps.js';
import { Frame, type DynamicArray, type Lowering, type LoweredFunction, type LoweredParameter, type PendingReturn, type State, type ThrowSite, type Value } from './lowering.js';
import type { PrimitiveName } from '../rules.js';

export function lowerFunction(program: CoreProgram): LoweredFunction {
  return new Lowerer(program).run();
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

  constructor(readonly program: CoreProgram) {}

  /** Notes a loop's class in the report, with its line. */
  classify(at: ts.Node, text: string): void {
    const line = at.getSourceFile().getLineAndCharacterOfPosition(at.getStart()).line + 1;
    this.loopReport.push(`line ${line}: ${text}`);
  }

  run(): LoweredFunction {
    const main = this.program.main;
    const frame = new Frame(main, { kind: 'object', expr: { kind: 'this' } });
    const params = main.params.map((p, index) => this.parameter(p.var, index, p.companionDefault, frame));
    const output = this.callBody(frame);
    if (output.kind !== 'number') unsupported(codes.noNumericResult, main.decl.name ?? main.decl, 'a marked function must return a number; this one returns something else.');
    return { graph: this.graph, params, output: output.node, nameHints: this.nameHints, freeNames: this.freeNames, loops: this.loopReport, throws: this.throws, rowReach: this.rowReach };
  }

  // ---- parameters -------------------------------------------------------------------------------

  private parameter(v: Var, index: number, defaultValue: ts.Expression | undefined, frame: Frame): LoweredParameter {
    const shape = v.shape;
    const discrete = this.program.discrete.has(v);
    const base = { name: v.name, node: undefined, elements: undefined, discrete, defaultValue };
    if (shape.kind === 'number' && !shape.int && !discrete) {
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
    if (a.kind === 'number' && b.kind === 'number') return { kind: 'number', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'boolean' && b.kind === 'boolean') return { kind: 'boolean', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'object' && b.kind === 'object' && opaqueKey(a.expr) === opaqueKey(b.expr)) return a;
    if ((a.kind === 'array' || a.kind === 'dynArray') && b.kind === a.kind && a.ref === b.ref) return a;
    if (a.kind === 'undefined' && b.kind === 'undefined') return a;
    if (a.kind === 'string' && b.kind === 'string' && a.value === b.value) return a;
    if (a.kind === 'array' && b.kind === 'array') {
      const chosen = recordPhi(this, c, [a.ref, this.heap], [b.ref, this.heap], at);
      if (chosen !== undefined) {
        this.heap.set(chosen.ref, chosen.elements);
        return { kind: 'array', ref: chosen.ref };
      }
    }
    if (a.kind === 'paramArray' && b.kind === 'paramArray' && a.index === b.index) {
      if (a.offset === b.offset) return a;
      // Two rows of one array of arrays: the row at the chosen offset.
      if (a.offset !== undefined && b.offset !== undefined && a.length === b.length) return { ...a, offset: this.graph.call('select', c, a.offset, b.offset) };
    }
    if ((a.kind === 'records' || a.kind === 'matrix') && a === b) return a;
    if (a.kind === 'undefined' || b.kind === 'undefined') {
      unsupported(codes.unsupportedSyntax, at, 'a value here is `undefined` on some paths (read before it is assigned, or a path that returns nothing); give it a number on every path.');
    }
    if (a.kind !== b.kind && (a.kind === 'number' || a.kind === 'boolean') && (b.kind === 'number' || b.kind === 'boolean')) {
      unsupported(codes.unsupportedSyntax, at, 'the two branches give a number and a boolean; give both the same type.');
    }
    unsupported(codes.unsupportedSyntax, at, 'a branch chooses between objects or arrays here; only numbers, conditions and array elements can depend on a branch in a marked function.');
  }

  /**
   * Lowers the two arms of a branch on `cond` from the same state, then joins them: each variable
   * and array element the arms leave different becomes a φ. An arm that leaves on every path
   * (`return`, `break`, `continue`) leaves the other arm's state to the code after the branch, so
   * that code is lowered once.
   */
  branch(cond: Node, at: ts.Node, thenArm: () => void, elseArm: () => void): void {
    const frame = this.frame;
    const g = this.graph;
    // A condition known at compile time: the arm not taken is never lowered (it may not even make sense).
    if (cond.kind === 'const') {
      (cond.value ? thenArm : elseArm)();
      return;
    }
    const before = this.snapshot();
    const path = frame.path;
    const within = (c: Node) => (path === undefined ? c : g.call('&&', path, c));
    const thenPath = within(cond);
    frame.path = thenPath;
    thenArm();
    const [thenState, thenEnded, thenRest] = [this.snapshot(), frame.ended, frame.path];
    this.restore(before);
    frame.ended = false;
    const notCond = g.call('!', cond);
    const elsePath = within(notCond);
    frame.path = elsePath;
    elseArm();
    const [elseState, elseEnded, elseRest] = [this.snapshot(), frame.ended, frame.path];
    frame.ended = thenEnded && elseEnded;
    if (thenEnded || elseEnded) {
      // Only the arm that goes on reaches what follows, so what follows runs under its condition.
      frame.path = frame.ended ? path : thenEnded ? elseRest : thenRest;
      this.restore(thenEnded ? elseState : thenState);
    } else {
      // An arm left on some of its paths (a `break` in a branch inside it): what follows runs
      // where one of the arms went on.
      frame.path = thenRest === thenPath && elseRest === elsePath ? path : g.call('||', thenRest!, elseRest!);
      this.restore(this.join(cond, thenState, elseState, before, at));
    }
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
    const bindings = new Map<Var, Value>();
    const chosenRecords = new Map<number, readonly Value[]>();
    for (const v of scope.bindings.keys()) {
      const v1 = a.bindings.get(v);
      const v2 = b.bindings.get(v);
      if (v1 === undefined || v2 === undefined) continue;
      const chosen = v1.kind === 'array' && v2.kind === 'array' && v1.ref !== v2.ref ? recordPhi(this, cond, [v1.ref, a.heap], [v2.ref, b.heap], at) : undefined;
      if (chosen !== undefined) chosenRecords.set(chosen.ref, chosen.elements);
      // A variable `undefined` on one side stays so until it is read (then it is reported).
      const joined = chosen !== undefined ? { kind: 'array' as const, ref: chosen.ref } : v1 === v2 ? v1 : v1.kind === 'undefined' || v2.kind === 'undefined' ? undefinedValue : this.phi(cond, v1, v2, at);
      bindings.set(v, joined);
    }
    // An array or object made in one arm only is kept: a value chosen from that arm may refer to it.
    const heap = new Map<number, readonly Value[]>([...b.heap, ...chosenRecords]);
    for (const [ref, e1] of a.heap) {
      const e2 = b.heap.get(ref);
      if (e2 === undefined || e1 === e2) {
        heap.set(ref, e1);
        continue;
      }
      if (e1.length !== e2.length) {
        unsupported(codes.unsupportedSyntax, at, 'an array has a different length on the two sides of this branch; give it the same length on both.');
      }
      heap.set(ref, e1.map((v, i) => (v === e2[i] ? v : this.phi(cond, v, e2[i]!, at))));
    }
    const dynamic = new Map<number, DynamicArray>();
    for (const [ref, d1] of a.dynamic) {
      const d2 = b.dynamic.get(ref);
      if (d2 !== undefined) dynamic.set(ref, joinDynamic(this, cond, d1, d2, at));
    }
    return { bindings, heap, dynamic };
  }

  /** The state of the first of `exits` whose guard holds, the last being the default. */
  joinAll(exits: readonly { readonly guard: Node | undefined; readonly state: State }[], scope: State, at: ts.Node): State {
    let state = exits[exits.length - 1]!.state;
    for (let i = exits.length - 2; i >= 0; i--) state = this.join(exits[i]!.guard!, exits[i]!.state, state, scope, at);
    return state;
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
    const v = this.expression(e);
    if (v.kind === 'undefined') return this.graph.constant(0);
    if (v.kind !== 'number' && v.kind !== 'boolean') unsupported(codes.unsupportedSyntax, e.at, 'a condition on an object or array cannot be differentiated; compare numbers instead.');
    return v.node;
  }

  number(e: Expr): Node {
    const v = this.expression(e);
    // `+(a < b)`: a condition read as 1 or 0.
    if (v.kind === 'boolean') return this.graph.call('select', v.node, this.graph.constant(1), this.graph.constant(0));
    if (v.kind === 'undefined') unsupported(codes.unsupportedSyntax, e.at, 'this value is `undefined` here (read before it is assigned?); give it a number first.');
    if (v.kind !== 'number') unsupported(codes.unsupportedSyntax, e.at, 'expected a number here.');
    return v.node;
  }

  expression(e: Expr): Value {
    const g = this.graph;
    const num = (node: Node): Value => ({ kind: 'number', node });
    switch (e.kind) {
      case 'number':
        return num(g.constant(e.value, e.name));
      case 'boolean':
        return { kind: 'boolean', node: g.constant(e.value ? 1 : 0) };
      case 'string':
        return { kind: 'string', value: e.value };
      case 'undefined':
        return undefinedValue;
      case 'var':
        return this.variable(e.var, e.at);
      case 'free':
        this.freeNames.add(e.name);
        return this.opaqueValue({ kind: 'free', name: e.name, node: e.node }, e.shape);
      case 'this': {
        const self = this.thisOf(e.owner);
        if (self === undefined) unsupported(codes.unreachableName, e.at, "'this' here is not the marked function's 'this'; pass the value as a parameter.");
        return self;
      }
      case 'unary':
        switch (e.op) {
          case 'neg':
            return num(g.neg(this.number(e.operand)));
          case 'plus':
            return num(this.number(e.operand));
          case '~':
            return num(g.call('~', this.number(e.operand)));
          case '!':
            return { kind: 'boolean', node: g.call('!', this.condition(e.operand)) };
        }
      // eslint-disable-next-line no-fallthrough
      case 'binary':
        return this.binary(e);
      case 'logical':
        return this.logical(e);
      case 'conditional': {
        const cond = this.condition(e.test);
        return this.phi(cond, this.expression(e.whenTrue), this.expression(e.whenFalse), e.at);
      }
      case 'isUndefined':
        return this.isUndefined(e);
      case 'math':
        return num(g.apply(e.op, e.args.map((a) => this.number(a))));
      case 'field':
        return this.field(e);
      case 'element':
        return this.element(e);
      case 'arrayLiteral':
        return arrayLiteral(this, e.elements.map((x) => this.expression(x)), e.at);
      case 'objectLiteral':
        return objectLiteral(this, e.fields.map(([name, x]) => [name, this.expression(x), x.at] as const), e.readonlyAs);
      case 'newArray':
        return newArrayOf(this, e.storage, e.arg === undefined ? undefined : this.expression(e.arg), e.copy, e.at);
      case 'records':
        return { kind: 'records', fields: e.fields.map(([name, x]) => [name, this.expression(x)] as const), readonlyAs: e.readonlyAs };
      case 'matrix': {
        const flat = this.expression(e.flat);
        if (flat.kind !== 'paramArray') throw new Error('coarsegrad: an array of arrays whose numbers are not a parameter array');
        return { kind: 'matrix', flat, rows: this.number(e.rows), cols: this.number(e.cols), stride: this.number(e.stride), readonlyAs: e.readonlyAs };
      }
      case 'view': {
        const array = this.expression(e.array);
        if (array.kind !== 'paramArray' || array.offset !== undefined) unsupported(codes.unsupportedSyntax, e.at, 'a view of an array the function builds (subarray) is not coarsened yet.');
        return { ...array, offset: this.number(e.start), length: this.number(e.length), readonlyAs: e.readonlyAs };
      }
      case 'newError':
        unsupported(codes.unsupportedSyntax, e.at, 'an error can only be thrown here; build it in the throw statement.');
      // eslint-disable-next-line no-fallthrough
      case 'slice':
        unsupported(codes.unsupportedSyntax, e.at, "'slice' is not coarsened yet; copy the elements in a loop.");
      // eslint-disable-next-line no-fallthrough
      case 'call':
      case 'arrayMethod':
        // The front end leaves calls only where a statement takes their value.
        throw new Error(`coarsegrad: a ${e.kind} inside an expression`);
    }
  }

  private variable(v: Var, at: ts.Node): Value {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const value = this.stack[i]!.bindings.get(v);
      if (value !== undefined) return value;
    }
    unsupported(codes.unsupportedSyntax, at, `'${v.name}' is read before it is declared.`);
  }

  /** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
  private thisOf(owner: CoreFunction['thisOwner']): Value | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const frame = this.stack[i]!;
      if (frame.fn.decl === owner) return frame.thisValue;
    }
    return owner === this.program.main.thisOwner ? { kind: 'object', expr: { kind: 'this' } } : undefined;
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): Value {
    const g = this.graph;
    if (e.op === 'concat') unsupported(codes.unsupportedSyntax, e.at, 'string concatenation is not coarsened; build strings outside the marked function.');
    const left = this.expression(e.left);
    const right = this.expression(e.right);
    if (e.op === '===' || e.op === '!==') {
      // Strings are compared as constants (an option passed as a literal); numbers at run time.
      if (left.kind === 'string' && right.kind === 'string') return { kind: 'boolean', node: g.constant(+((left.value === right.value) === (e.op === '==='))) };
      if (left.kind === 'undefined' || right.kind === 'undefined') {
        if (left.kind === right.kind) return { kind: 'boolean', node: g.constant(e.op === '===' ? 1 : 0) };
        return this.isUndefined({ kind: 'isUndefined', operand: left.kind === 'undefined' ? e.right : e.left, orNull: false, at: e.at }, e.op === '!==');
      }
    }
    const a = this.asNumber(left, e.left);
    const b = this.asNumber(right, e.right);
    return { kind: isBooleanOp(e.op) ? 'boolean' : 'number', node: g.apply(e.op as PrimitiveName, [a, b]) };
  }

  private asNumber(v: Value, e: Expr): Node {
    if (v.kind === 'number') return v.node;
    if (v.kind === 'boolean') return this.graph.call('select', v.node, this.graph.constant(1), this.graph.constant(0));
    unsupported(codes.unsupportedSyntax, e.at, 'expected a number here.');
  }

  /** `v === undefined` (`v == null`): known for what the lowering computed, a run-time test on a value read from outside. */
  private isUndefined(e: Extract<Expr, { kind: 'isUndefined' }>, negate = false): Value {
    const g = this.graph;
    const v = this.expression(e.operand);
    let node: Node;
    const element = e.operand.kind === 'element' ? e.operand : undefined;
    const base = element === undefined ? undefined : this.expression(element.array);
    if (base?.kind === 'paramArray') {
      // Past the end of the array (or of a row), and at a fractional index, JavaScript reads `undefined`.
      const position = this.number(element!.index);
      const outside = this.outsideView(base, position);
      const missing = g.call(e.orNull ? 'isNullish' : 'isUndefined', this.paramRead(base, position, element!.index.at));
      node = outside === undefined ? missing : g.call('||', outside, missing);
    } else if (v.kind === 'undefined') node = g.constant(1);
    else if (v.kind === 'number' && (v.node.kind === 'opaque' || v.node.kind === 'param')) node = g.call(e.orNull ? 'isNullish' : 'isUndefined', v.node);
    else if (v.kind === 'object') node = g.call(e.orNull ? 'isNullish' : 'isUndefined', g.opaque(v.expr));
    else node = g.constant(0);
    return { kind: 'boolean', node: negate ? g.call('!', node) : node };
  }

  /**
   * `a && b`, `a || b`, `a ?? b`. On conditions, the logical operation; on numbers, JavaScript's
   * selector: `a && b` is `a ? b : a`, `a || b` is `a ? a : b`, `a ?? b` is `a == null ? b : a`.
   */
  private logical(e: Extract<Expr, { kind: 'logical' }>): Value {
    const g = this.graph;
    const left = this.expression(e.left);
    if (e.op === '??') {
      const missing = this.isUndefined({ kind: 'isUndefined', operand: e.left, orNull: true, at: e.at });
      if (missing.kind === 'boolean' && missing.node.kind === 'const') return missing.node.value ? this.expression(e.right) : left;
      return this.phi((missing as { node: Node }).node, this.expression(e.right), left, e.at);
    }
    if (left.kind !== 'number' && left.kind !== 'boolean') {
      unsupported(codes.unsupportedSyntax, e.left.at, 'a logical operator on an object or array cannot be differentiated; compare numbers instead.');
    }
    const and = e.op === '&&';
    const right = this.expression(e.right);
    if (left.kind === 'boolean' && right.kind === 'boolean') return { kind: 'boolean', node: g.call(and ? '&&' : '||', left.node, right.node) };
    return and ? this.phi(left.node, right, left, e.at) : this.phi(left.node, left, right, e.at);
  }

  private field(e: Extract<Expr, { kind: 'field' }>): Value {
    return this.fieldOf(this.expression(e.object), e);
  }

  private fieldOf(base: Value, e: Extract<Expr, { kind: 'field' }>): Value {
    const g = this.graph;
    const field = base.kind === 'array' ? readField(this, base.ref, e.name, e.at) : undefined;
    if (field !== undefined) return field;
    if (e.name === 'length') {
      if (base.kind === 'matrix') return { kind: 'number', node: base.rows };
      // An array of records is as long as each of its fields' arrays.
      if (base.kind === 'records') {
        let first: Value = base;
        while (first.kind === 'records') first = first.fields[0]![1];
        return this.fieldOf(first, e);
      }
      if (base.kind === 'array') return { kind: 'number', node: g.constant(elementsOf(this, base.ref).length) };
      if (base.kind === 'dynArray') return { kind: 'number', node: dynamicOf(this, base.ref).length };
      if (base.kind === 'paramArray') return { kind: 'number', node: base.length ?? g.opaque({ kind: 'property', base: { kind: 'param', index: base.index }, name: 'length', node: undefined }) };
      if (base.kind === 'string') return { kind: 'number', node: g.constant(base.value.length) };
    }
    if (base.kind !== 'object') unsupported(codes.unsupportedSyntax, e.at, `'${e.name}' of this value cannot be differentiated.`);
    return this.opaqueValue({ kind: 'property', base: base.expr, name: e.name, node: undefined }, e.shape);
  }

  private element(e: Extract<Expr, { kind: 'element' }>): Value {
    const base = this.expression(e.array);
    if (base.kind === 'paramArray') return this.paramElement(base, this.number(e.index), e.index.at);
    if (base.kind === 'matrix') {
      // Row i: a view of the flat array, the caller's.
      return { ...base.flat, offset: this.graph.mul(this.number(e.index), base.stride), length: base.cols, readonlyAs: base.readonlyAs };
    }
    if (base.kind === 'records') {
      // `pts[i]`: the record of each field's element at i, the caller's (never written).
      const at = this.number(e.index);
      const record = (r: Extract<Value, { kind: 'records' }>): Value =>
        objectLiteral(
          this,
          r.fields.map(([name, v]) => [name, v.kind === 'records' ? record(v) : this.paramElement(v as Extract<Value, { kind: 'paramArray' }>, at, e.index.at), e.at] as const),
          r.readonlyAs,
        );
      return record(base);
    }
    if (base.kind === 'dynArray') return { kind: 'number', node: readDynamic(this, base.ref, this.number(e.index)) };
    const index = constantIndex(this, this.number(e.index), e.index.at);
    if (base.kind === 'object') return this.opaqueValue({ kind: 'property', base: base.expr, name: String(index), node: undefined }, e.shape);
    if (base.kind === 'array') {
      // Past the end, JavaScript reads `undefined`, which arithmetic turns into NaN.
      return elementsOf(this, base.ref)[index] ?? { kind: 'number', node: this.graph.constant(NaN) };
    }
    unsupported(codes.unsupportedSyntax, e.at, 'only arrays can be indexed in a marked function.');
  }

  /** `xs[at]` of a parameter array: a load at a run-time index, a parameter element at a constant one. */
  private paramElement(base: Extract<Value, { kind: 'paramArray' }>, position: Node, where: ts.Node): Value {
    const read = this.paramRead(base, position, where);
    if (base.length !== undefined && position.kind === 'const' && Number.isInteger(position.value) && position.value >= 0) {
      // A row at a constant index: the companion spaces the rows at least that far apart, the
      // cells past a row's end NaN, so the read needs no test (`pack.ts`).
      this.rowReach.set(base.index, Math.max(this.rowReach.get(base.index) ?? 0, position.value + 1));
      return { kind: 'number', node: read };
    }
    const outside = this.outsideView(base, position);
    // Past a row's end the source reads `undefined`, which arithmetic makes NaN, not the next row's number.
    return { kind: 'number', node: outside === undefined ? read : this.graph.call('select', outside, this.graph.constant(NaN), read) };
  }

  /** The element of the parameter array at `position` (from the view's offset). */
  private paramRead(base: Extract<Value, { kind: 'paramArray' }>, position: Node, where: ts.Node): Node {
    const at = base.offset === undefined ? position : this.graph.add(base.offset, position);
    if (at.kind !== 'const') return this.graph.load(base.index, base.name, at);
    const index = constantIndex(this, at, where);
    const elements = this.paramElements.get(base.index)!;
    let node = elements.get(index);
    if (node === undefined) {
      node = this.graph.param(base.index, base.name, index);
      elements.set(index, node);
    }
    return node;
  }

  /**
   * For a view (a row), where `position` falls outside it; `undefined` where it cannot: a loop's
   * counter from a number ≥ 0 up to the row's length (every row of an array of arrays is as long).
   */
  private outsideView(base: Extract<Value, { kind: 'paramArray' }>, position: Node): Node | undefined {
    const g = this.graph;
    if (base.length === undefined) return undefined;
    if (position.kind === 'index') {
      const loop = position.loop;
      const upward = loop.step > 0 && loop.start.kind === 'const' && loop.start.value >= 0;
      if (upward && loop.compare === '<' && loop.bound === base.length) return undefined;
    }
    const above = g.call('>=', position, base.length);
    if (position.kind === 'const') return position.value >= 0 ? above : g.constant(1);
    return g.call('||', g.call('<', position, g.constant(0)), above);
  }

  // ---- calls ------------------------------------------------------------------------------------

  call(e: Call): Value {
    const fn = e.fn;
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

const undefinedValue: Value = { kind: 'undefined' };

function isBooleanOp(op: string): boolean {
  return op === '<' || op === '<=' || op === '>' || op === '>=' || op === '===' || op === '!==';
}
