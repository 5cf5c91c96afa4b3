/**
 * lower: TypeScript AST → IR (DESIGN.md §3, §4). Walks a marked function's body in order, keeping
 * each local's current SSA value, and inlines the functions it calls whose source is in the program.
 * Anything it cannot lower is an `Unsupported` error at that node (never a crash, never a guess).
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';
import { Graph, isConst, opaqueKey, type Loop, type Node, type OpaqueExpr, type ParamNode } from './ir.js';
import { arrayLiteral, arrayMethod, constantIndex, elementsOf, newExpression, writeElement } from './lower-arrays.js';
import { conditionalLoop, forOf, runtimeLoop, unrollOr } from './lower-loops.js';
import { fieldWrite, objectLiteral, readField, recordPhi } from './lower-records.js';
import { dynamicOf, fillDynamic, joinDynamic, readDynamic, writeDynamic, type DynamicArray } from './lower-maps.js';
import { mathConstants, primitive, type PrimitiveName } from './rules.js';
import { calleeDeclaration, checkedParameter, enclosesCompanion, isIntegerType, isNumberType, mathOperation, refuseNumbersInside, skipOuter, unsupportedStatement } from './source.js';

export type { FunctionLike } from './source.js';
import type { FunctionLike } from './source.js';

export interface LoweredParameter {
  readonly name: string;
  /** The differentiated input, for a `number` parameter; absent for parameters that carry no derivative. */
  readonly node: ParamNode | undefined;
  /** For an array parameter: the elements read, by index; the gradient is an array of the same length. */
  readonly elements: ReadonlyMap<number, ParamNode> | undefined;
  /** A literal default value, reproduced on the companion's parameter. */
  readonly defaultValue: ts.Expression | undefined;
}

export interface LoweredFunction {
  readonly graph: Graph;
  readonly params: readonly LoweredParameter[];
  readonly output: Node;
  /** Source names of values, so that emitted temporaries read like the user's variables. */
  readonly nameHints: ReadonlyMap<Node, string>;
  /** Names from enclosing scopes that the companion reads; its own names must not shadow them. */
  readonly freeNames: ReadonlySet<string>;
  /** How each loop was classified and why, for the report. */
  readonly loops: readonly string[];
}

/**
 * A lowered value: a number or a condition (DAG nodes), an inactive object read at run time, a local
 * array (its elements live in the lowerer's heap, so that aliases see each other's writes), or an
 * array parameter (its elements are inputs).
 */
export type Value =
  | { readonly kind: 'number'; readonly node: Node }
  | { readonly kind: 'boolean'; readonly node: Node }
  | { readonly kind: 'object'; readonly expr: OpaqueExpr }
  | { readonly kind: 'array'; readonly ref: number }
  /** A local array of run-time length (`lower-maps.ts`). */
  | { readonly kind: 'dynArray'; readonly ref: number }
  | { readonly kind: 'paramArray'; readonly index: number; readonly name: string; readonly float32: boolean };

/** What a statement list may change: the current frame's variables and the contents of local arrays. */
export interface State {
  readonly bindings: Map<ts.Symbol, Value | undefined>;
  readonly heap: Map<number, readonly Value[]>;
  readonly dynamic: Map<number, DynamicArray>;
}

/** A way out of a loop body met while unrolling it, with the state it leaves the iteration in. */
export interface LoopExit {
  readonly kind: 'break' | 'continue' | 'return';
  readonly guard: Node | undefined;
  readonly state: State;
}


/** A `return` met on the way: the function returned `value` if `guard` held (and no earlier return did). */
interface PendingReturn {
  readonly guard: Node | undefined;
  readonly value: Value;
  /** For an array or object returned: its contents as they were when it was returned. */
  readonly contents?: readonly Value[];
}

export class Frame {
  bindings = new Map<ts.Symbol, Value | undefined>();
  /** Returns so far, in program order: the first whose guard holds is the function's result. */
  readonly returns: PendingReturn[] = [];
  /** Every path reaching the current statement has left it: by `return`, `break` or `continue`. */
  ended = false;
  /** The conjunction of branch conditions leading here; `undefined` at the top of the body. */
  path: Node | undefined = undefined;
  /** Exits met in the bodies of this function's loops being unrolled, innermost last. */
  readonly loops: LoopExit[][] = [];
  /**
   * For run-time loops whose body returns: the variables a `return` sets before leaving the loop
   * like a `break`, and that loop's exits; the function returns after the loop if the flag is set.
   */
  readonly returnsThrough: { readonly flag: ts.Symbol; readonly value: ts.Symbol; readonly exits: LoopExit[] }[] = [];
  constructor(
    readonly fn: FunctionLike,
    /** `this` inside the function; `undefined` where it has none the companion can rebuild. */
    readonly thisValue: Value | undefined,
  ) {}
}

interface OperatorTables {
  /** `a op b` */
  readonly binary: ReadonlyMap<ts.SyntaxKind, PrimitiveName>;
  /** `a op b` giving a boolean */
  readonly comparison: ReadonlyMap<ts.SyntaxKind, PrimitiveName>;
  /** `a op= b` */
  readonly compound: ReadonlyMap<ts.SyntaxKind, PrimitiveName>;
}

// Keyed by the TypeScript instance, whose SyntaxKind numbers are its own.
const operatorTables = new WeakMap<typeof ts, OperatorTables>();

function operatorsOf(tsApi: typeof ts): OperatorTables {
  const cached = operatorTables.get(tsApi);
  if (cached !== undefined) return cached;
  const k = tsApi.SyntaxKind;
  const tables: OperatorTables = {
    binary: new Map<ts.SyntaxKind, PrimitiveName>([
      [k.PlusToken, '+'], [k.MinusToken, '-'], [k.AsteriskToken, '*'], [k.SlashToken, '/'], [k.PercentToken, '%'],
      [k.AsteriskAsteriskToken, '**'], [k.AmpersandToken, '&'], [k.BarToken, '|'], [k.CaretToken, '^'],
      [k.LessThanLessThanToken, '<<'], [k.GreaterThanGreaterThanToken, '>>'], [k.GreaterThanGreaterThanGreaterThanToken, '>>>'],
    ]),
    comparison: new Map<ts.SyntaxKind, PrimitiveName>([
      [k.LessThanToken, '<'], [k.LessThanEqualsToken, '<='], [k.GreaterThanToken, '>'], [k.GreaterThanEqualsToken, '>='],
      [k.EqualsEqualsEqualsToken, '==='], [k.ExclamationEqualsEqualsToken, '!=='],
      // Between numbers, loose equality is strict equality.
      [k.EqualsEqualsToken, '==='], [k.ExclamationEqualsToken, '!=='],
    ]),
    compound: new Map<ts.SyntaxKind, PrimitiveName>([
      [k.PlusEqualsToken, '+'], [k.MinusEqualsToken, '-'], [k.AsteriskEqualsToken, '*'], [k.SlashEqualsToken, '/'],
      [k.PercentEqualsToken, '%'], [k.AsteriskAsteriskEqualsToken, '**'], [k.AmpersandEqualsToken, '&'], [k.BarEqualsToken, '|'],
      [k.CaretEqualsToken, '^'], [k.LessThanLessThanEqualsToken, '<<'], [k.GreaterThanGreaterThanEqualsToken, '>>'],
      [k.GreaterThanGreaterThanGreaterThanEqualsToken, '>>>'],
    ]),
  };
  operatorTables.set(tsApi, tables);
  return tables;
}

export function lowerFunction(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  fn: FunctionLike,
  companionFile: ts.SourceFile,
): LoweredFunction {
  return new Lowerer(tsApi, checker, fn, companionFile).run();
}

/** The lowering of one marked function; `lower-loops.ts` and `lower-arrays.ts` extend it. */
export class Lowerer {
  readonly graph = new Graph();
  readonly stack: Frame[] = [];
  readonly nameHints = new Map<Node, string>();
  readonly freeNames = new Set<string>();
  readonly folding = new Set<ts.Symbol>();
  readonly operators: OperatorTables;
  /** Contents of local arrays, by reference. An array's element list is replaced, never mutated. */
  heap = new Map<number, readonly Value[]>();
  /** Arrays of run-time length, by reference: their fill value and writes. */
  dynamic = new Map<number, DynamicArray>();
  /** Elements read from arrays of run-time length, in order: a loop checks it does not read its own writes. */
  readonly dynamicReads: { readonly ref: number; readonly index: Node }[] = [];
  nextArray = 0;
  unrolledIterations = 0;
  readonly paramElements = new Map<number, Map<number, ParamNode>>();
  /** Run-time loops being lowered, outermost first. */
  readonly runtimeLoops: Loop[] = [];
  /** Loops lowered inside another run-time loop that became recurrences on the tape, in order. */
  readonly innerRecurrences: ts.IterationStatement[] = [];
  /** How each loop was classified and why, for the report. */
  readonly loopReport: string[] = [];

  /** Notes a loop's class in the report, with its line. */
  classify(at: ts.Node, text: string): void {
    const line = at.getSourceFile().getLineAndCharacterOfPosition(at.getStart()).line + 1;
    this.loopReport.push(`line ${line}: ${text}`);
  }
  /** Whether a local array is a plain array or a typed array (which fixes its length and rounding). */
  readonly arrayKinds = new Map<number, 'array' | 'float64' | 'float32'>();
  /** The field names of the local arrays that are records built from object literals. */
  readonly recordFields = new Map<number, readonly string[]>();
  /** Records that a branch chose between (and the records it made of them): no longer written. */
  readonly frozenRecords = new Set<number>();

  constructor(
    readonly ts: typeof import('typescript'),
    readonly checker: ts.TypeChecker,
    readonly fn: FunctionLike,
    readonly companionFile: ts.SourceFile,
  ) {
    this.operators = operatorsOf(ts);
  }

  run(): LoweredFunction {
    const ts = this.ts;
    const fn = this.fn;
    const thisValue: Value | undefined = ts.isArrowFunction(fn) ? this.lexicalThis(fn) : { kind: 'object', expr: { kind: 'this' } };
    const frame = new Frame(fn, thisValue);
    const params = fn.parameters.map((p, index) => this.parameter(p, index, frame));
    const output = this.callBody(frame);
    if (output.kind !== 'number') {
      unsupported(codes.noNumericResult, fn.name ?? fn, 'a marked function must return a number; this one returns an object.');
    }
    return { graph: this.graph, params, output: output.node, nameHints: this.nameHints, freeNames: this.freeNames, loops: this.loopReport };
  }

  // ---- parameters -------------------------------------------------------------------------------

  parameter(p: ts.ParameterDeclaration, index: number, frame: Frame): LoweredParameter {
    const ts = this.ts;
    const { name, type } = checkedParameter(ts, this.checker, p);
    const defaultValue = p.initializer;
    const symbol = this.symbolOf(p.name as ts.Identifier);
    if (isIntegerType(ts, type)) {
      frame.bindings.set(symbol, this.opaqueValue({ kind: 'param', index }, type));
      return { name, node: undefined, elements: undefined, defaultValue };
    }
    if (this.isNumber(type)) {
      const node = this.graph.param(index, name);
      frame.bindings.set(symbol, { kind: 'number', node });
      return { name, node, elements: undefined, defaultValue };
    }
    const arrayKind = this.numberArrayKind(type);
    if (arrayKind !== undefined) {
      const elements = new Map<number, ParamNode>();
      this.paramElements.set(index, elements);
      frame.bindings.set(symbol, { kind: 'paramArray', index, name, float32: arrayKind === 'float32' });
      return { name, node: undefined, elements, defaultValue };
    }
    refuseNumbersInside(ts, this.checker, p, name, type);
    // Booleans, strings, functions: passed through, no derivative (`undefined` in the gradient).
    frame.bindings.set(symbol, this.opaqueValue({ kind: 'param', index }, type));
    return { name, node: undefined, elements: undefined, defaultValue };
  }

  isArrayType(type: ts.Type): boolean {
    const name = type.getSymbol()?.getName();
    return name === 'Float64Array' || name === 'Float32Array' || this.checker.isArrayType(type) || this.checker.isTupleType(type);
  }

  /** `number[]`, `readonly number[]`, `Float64Array`, `Float32Array`: which, if the type is one. */
  numberArrayKind(type: ts.Type): 'array' | 'float64' | 'float32' | undefined {
    const name = type.getSymbol()?.getName();
    if (name === 'Float64Array') return 'float64';
    if (name === 'Float32Array') return 'float32';
    if (!this.checker.isArrayType(type) && !this.checker.isTupleType(type)) return undefined;
    const element = this.checker.getIndexTypeOfType(type, this.ts.IndexKind.Number);
    return element !== undefined && this.isNumber(element) ? 'array' : undefined;
  }

  /** A value read at run time: a constant number, a condition, or an object to read fields of. */
  opaqueValue(expr: OpaqueExpr, type: ts.Type): Value {
    if (this.isNumber(type)) return { kind: 'number', node: this.graph.opaque(expr) };
    if (type.flags & this.ts.TypeFlags.BooleanLike) return { kind: 'boolean', node: this.graph.opaque(expr) };
    return { kind: 'object', expr };
  }



  isNumber(type: ts.Type): boolean {
    return isNumberType(this.ts, type);
  }



  // ---- statements -------------------------------------------------------------------------------

  get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Lowers a function body in `frame` and returns its result. */
  callBody(frame: Frame): Value {
    const ts = this.ts;
    const fn = frame.fn;
    this.stack.push(frame);
    try {
      if (fn.body === undefined) unsupported(codes.unknownCallee, fn, 'this function has no body to differentiate.');
      if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
        unsupported(codes.unsupportedSyntax, fn, 'generators and async functions cannot be differentiated; make it a plain function.');
      }
      if (ts.isBlock(fn.body)) this.statements(fn.body.statements);
      else this.returnValue(this.expression(fn.body), fn.body);
      if (!frame.ended) {
        unsupported(codes.noNumericResult, fn.name ?? fn, 'this function does not return a value on every path; end every path with a `return` of a number.');
      }
      return this.foldReturns(frame.returns, fn);
    } finally {
      this.stack.pop();
    }
  }

  /** The function's result: the first return whose guard holds, as nested φs. */
  foldReturns(returns: readonly PendingReturn[], at: ts.Node): Value {
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
    frame.returns.push({ guard: frame.path, value, ...(value.kind === 'array' ? { contents: this.heap.get(value.ref)! } : {}) });
    // A return inside a loop also leaves the loop: later iterations must not run on that path.
    frame.loops[frame.loops.length - 1]?.push({ kind: 'return', guard: frame.path, state: this.snapshot() });
    frame.ended = true;
  }

  /** `c ? a : b` on lowered values. */
  phi(c: Node, a: Value, b: Value, at: ts.Node): Value {
    if (a.kind === 'number' && b.kind === 'number') return { kind: 'number', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'boolean' && b.kind === 'boolean') return { kind: 'boolean', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'object' && b.kind === 'object' && opaqueKey(a.expr) === opaqueKey(b.expr)) return a;
    if ((a.kind === 'array' || a.kind === 'dynArray') && b.kind === a.kind && a.ref === b.ref) return a;
    if (a.kind === 'array' && b.kind === 'array') {
      const chosen = recordPhi(this, c, [a.ref, this.heap], [b.ref, this.heap], at);
      if (chosen !== undefined) {
        this.heap.set(chosen.ref, chosen.elements);
        return { kind: 'array', ref: chosen.ref };
      }
    }
    if (a.kind === 'paramArray' && b.kind === 'paramArray' && a.index === b.index) return a;
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
  branch<T>(cond: Node, at: ts.Node, thenArm: () => T, elseArm: () => T): [T, T] {
    const frame = this.frame;
    const g = this.graph;
    const before = this.snapshot();
    const path = frame.path;
    frame.path = path === undefined ? cond : g.call('&&', path, cond);
    const thenResult = thenArm();
    const [thenState, thenEnded] = [this.snapshot(), frame.ended];
    this.restore(before);
    frame.ended = false;
    const notCond = g.call('!', cond);
    frame.path = path === undefined ? notCond : g.call('&&', path, notCond);
    const elseResult = elseArm();
    const [elseState, elseEnded] = [this.snapshot(), frame.ended];
    frame.path = path;
    frame.ended = thenEnded && elseEnded;
    if (thenEnded || elseEnded) this.restore(thenEnded ? elseState : thenState);
    else this.restore(this.join(cond, thenState, elseState, before, at));
    return [thenResult, elseResult];
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
    const bindings = new Map<ts.Symbol, Value | undefined>();
    const chosenRecords = new Map<number, readonly Value[]>();
    for (const symbol of scope.bindings.keys()) {
      const v1 = a.bindings.get(symbol);
      const v2 = b.bindings.get(symbol);
      const chosen = v1?.kind === 'array' && v2?.kind === 'array' && v1.ref !== v2.ref ? recordPhi(this, cond, [v1.ref, a.heap], [v2.ref, b.heap], at) : undefined;
      if (chosen !== undefined) chosenRecords.set(chosen.ref, chosen.elements);
      bindings.set(symbol, chosen !== undefined ? { kind: 'array', ref: chosen.ref } : v1 === v2 ? v1 : v1 === undefined || v2 === undefined ? undefined : this.phi(cond, v1, v2, at));
    }
    // An array or object made in one arm only is kept: a value chosen from that arm may refer to it.
    const heap = new Map<number, readonly Value[]>([...b.heap, ...chosenRecords]);
    for (const [ref, e1] of a.heap) {
      const e2 = b.heap.get(ref);
      if (e2 === undefined) {
        heap.set(ref, e1);
        continue;
      }
      if (e1 === e2) {
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
  outerBinding(symbol: ts.Symbol): Value | undefined {
    for (let i = this.stack.length - 2; i >= 0; i--) {
      const bindings = this.stack[i]!.bindings;
      if (bindings.has(symbol)) return bindings.get(symbol);
    }
    return undefined;
  }

  /** Rebinds a variable of the current frame (after a loop). */
  assignExisting(symbol: ts.Symbol, value: Value): void {
    if (!this.frame.bindings.has(symbol)) {
      unsupported(codes.mutation, this.fn, `a loop changes '${symbol.getName()}' of the function that calls it; return the value instead.`);
    }
    this.bind(symbol, value, symbol.getName());
  }


  /** A condition: a boolean, or a number read by truthiness as JavaScript does. */
  condition(e: ts.Expression): Node {
    const v = this.expression(e);
    if (v.kind !== 'number' && v.kind !== 'boolean') unsupported(codes.unsupportedSyntax, e, 'a condition on an object or array cannot be differentiated; compare numbers instead.');
    return v.node;
  }

  statements(list: readonly ts.Statement[]): void {
    for (const s of list) {
      if (this.frame.ended) return;
      this.statement(s);
    }
  }

  statement(s: ts.Statement): void {
    const ts = this.ts;
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) this.variable(d);
    } else if (ts.isExpressionStatement(s)) {
      this.expressionStatement(s.expression);
    } else if (ts.isReturnStatement(s)) {
      if (s.expression === undefined) unsupported(codes.noNumericResult, s, 'a marked function must return a number here.');
      this.returnValue(this.expression(s.expression), s);
    } else if (ts.isIfStatement(s)) {
      const cond = this.condition(s.expression);
      this.branch(cond, s, () => this.statement(s.thenStatement), () => s.elseStatement !== undefined && this.statement(s.elseStatement));
    } else if (ts.isBlock(s)) {
      this.statements(s.statements);
    } else if (
      ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s) || ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s)
    ) {
      // Declarations: functions are lowered where they are called.
    } else if (ts.isForStatement(s)) {
      if (s.initializer !== undefined) {
        if (ts.isVariableDeclarationList(s.initializer)) s.initializer.declarations.forEach((d) => this.variable(d));
        else this.expression(s.initializer);
      }
      // A loop whose first test is not a constant runs a run-time number of times.
      if (s.condition !== undefined && this.condition(s.condition).kind !== 'const') {
        runtimeLoop(this, s);
        return;
      }
      const loop = {
        test: () => (s.condition === undefined ? this.graph.constant(1) : this.condition(s.condition)),
        body: () => this.statement(s.statement),
        next: () => s.incrementor !== undefined && this.expression(s.incrementor),
      };
      unrollOr(this, s, loop, () => conditionalLoop(this, s, { test: s.condition, ...(s.incrementor !== undefined ? { next: s.incrementor } : {}), testFirst: true }));
    } else if (ts.isWhileStatement(s)) {
      const loop = { test: () => this.condition(s.expression), body: () => this.statement(s.statement) };
      unrollOr(this, s, loop, () => conditionalLoop(this, s, { test: s.expression, testFirst: true }));
    } else if (ts.isDoStatement(s)) {
      const loop = { test: () => this.condition(s.expression), body: () => this.statement(s.statement), testAfterBody: true };
      unrollOr(this, s, loop, () => conditionalLoop(this, s, { test: s.expression, testFirst: false }));
    } else if (ts.isForOfStatement(s)) {
      forOf(this, s);
    } else if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label !== undefined) unsupported(codes.unsupportedSyntax, s, 'labelled break and continue are not supported yet; restructure the loops with a flag.');
      const exits = this.frame.loops[this.frame.loops.length - 1]!;
      exits.push({ kind: ts.isBreakStatement(s) ? 'break' : 'continue', guard: this.frame.path, state: this.snapshot() });
      this.frame.ended = true;
    } else if (ts.isLabeledStatement(s)) {
      unsupported(codes.unsupportedSyntax, s, 'labelled statements are not supported yet; restructure the loops with a flag.');
    } else {
      unsupportedStatement(ts, s);
    }
  }

  variable(d: ts.VariableDeclaration): void {
    const ts = this.ts;
    if (!ts.isIdentifier(d.name)) {
      unsupported(codes.unsupportedSyntax, d.name, 'destructuring is not supported yet; declare each variable on its own.');
    }
    // A local function is lowered where it is called, like a nested function declaration.
    if (d.initializer !== undefined && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) return;
    const symbol = this.symbolOf(d.name);
    if (d.initializer === undefined) {
      this.frame.bindings.set(symbol, undefined);
      return;
    }
    this.bind(symbol, this.expression(d.initializer), d.name.text);
  }

  bind(symbol: ts.Symbol, value: Value, name: string): void {
    this.frame.bindings.set(symbol, value);
    if (value.kind === 'number' && value.node.kind === 'apply' && !this.nameHints.has(value.node)) {
      this.nameHints.set(value.node, name);
    }
  }

  expressionStatement(e: ts.Expression): void {
    const ts = this.ts;
    const inner = this.skipParentheses(e);
    if (ts.isCallExpression(inner) && this.isConsoleCall(inner)) {
      // Logging has no effect on the value; the primal still logs, the companion does not.
      return;
    }
    if (ts.isBinaryExpression(inner) || ts.isPrefixUnaryExpression(inner) || ts.isPostfixUnaryExpression(inner)) {
      this.expression(inner);
      return;
    }
    if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && this.isArrayType(this.checker.getTypeAtLocation(inner.expression.expression))) {
      this.expression(inner);
      return;
    }
    unsupported(codes.unsupportedSyntax, e, 'this statement is not an assignment, so it can only matter through side effects, which cannot be differentiated; remove it from the marked function.');
  }

  isConsoleCall(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return false;
    return callee.expression.text === 'console' && this.isGlobal(callee.expression);
  }

  // ---- expressions ------------------------------------------------------------------------------

  number(e: ts.Expression): Node {
    const v = this.expression(e);
    // `+(a < b)`: a condition read as 1 or 0.
    if (v.kind === 'boolean') return this.graph.call('select', v.node, this.graph.constant(1), this.graph.constant(0));
    if (v.kind !== 'number') {
      unsupported(codes.unsupportedSyntax, e, `expected a number here, found '${this.checker.typeToString(this.checker.getTypeAtLocation(e))}'.`);
    }
    return v.node;
  }

  expression(e: ts.Expression): Value {
    const ts = this.ts;
    const g = this.graph;
    const num = (node: Node): Value => ({ kind: 'number', node });
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) ||
        ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) {
      return this.expression(e.expression);
    }
    if (ts.isNumericLiteral(e)) return num(g.constant(Number(e.text)));
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (e.kind === ts.SyntaxKind.ThisKeyword) {
      const thisValue = this.frame.thisValue;
      if (thisValue === undefined) unsupported(codes.unreachableName, e, "'this' here is not the marked function's 'this'; pass the value as a parameter.");
      return thisValue;
    }
    if (ts.isArrayLiteralExpression(e)) return arrayLiteral(this, e);
    if (ts.isObjectLiteralExpression(e)) return objectLiteral(this, e);
    if (ts.isNewExpression(e)) return newExpression(this, e);
    if (ts.isPropertyAccessExpression(e)) return this.propertyAccess(e);
    if (ts.isElementAccessExpression(e)) return this.elementAccess(e);
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isPrefixUnaryExpression(e)) return this.prefixUnary(e);
    if (ts.isPostfixUnaryExpression(e)) {
      const old = this.number(e.operand);
      this.assign(e.operand, num(g.apply(e.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', [old, g.constant(1)])));
      return num(old);
    }
    if (ts.isBinaryExpression(e)) return this.binary(e);
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) {
      return { kind: 'boolean', node: g.constant(e.kind === ts.SyntaxKind.TrueKeyword ? 1 : 0) };
    }
    if (ts.isConditionalExpression(e)) {
      const cond = this.condition(e.condition);
      const [a, b] = this.branch(cond, e, () => this.expression(e.whenTrue), () => this.expression(e.whenFalse));
      return this.phi(cond, a, b, e);
    }
    unsupported(codes.unsupportedSyntax, e, `this expression (${ts.SyntaxKind[e.kind]}) cannot be differentiated; compute it outside the marked function and pass it in.`);
  }

  prefixUnary(e: ts.PrefixUnaryExpression): Value {
    const ts = this.ts;
    const g = this.graph;
    switch (e.operator) {
      case ts.SyntaxKind.MinusToken: {
        const operand = this.number(e.operand);
        // `-3` is a literal, not an operation.
        return { kind: 'number', node: operand.kind === 'const' ? g.constant(-operand.value) : g.neg(operand) };
      }
      case ts.SyntaxKind.PlusToken:
        return { kind: 'number', node: this.number(e.operand) };
      case ts.SyntaxKind.TildeToken:
        return { kind: 'number', node: g.call('~', this.number(e.operand)) };
      case ts.SyntaxKind.PlusPlusToken:
      case ts.SyntaxKind.MinusMinusToken: {
        const op = e.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-';
        const value = g.apply(op, [this.number(e.operand), g.constant(1)]);
        this.assign(e.operand, { kind: 'number', node: value });
        return { kind: 'number', node: value };
      }
      case ts.SyntaxKind.ExclamationToken:
        return { kind: 'boolean', node: g.call('!', this.condition(e.operand)) };
      default:
        unsupported(codes.unsupportedSyntax, e, `the operator '${ts.tokenToString(e.operator)}' cannot be differentiated.`);
    }
  }

  binary(e: ts.BinaryExpression): Value {
    const ts = this.ts;
    const g = this.graph;
    const kind = e.operatorToken.kind;
    if (kind === ts.SyntaxKind.EqualsToken) {
      const write = this.assignTarget(e.left);
      const value = this.expression(e.right);
      write(value);
      return value;
    }
    const compound = this.operators.compound.get(kind);
    if (compound !== undefined) {
      const value = g.apply(compound, [this.number(e.left), this.number(e.right)]);
      this.assign(e.left, { kind: 'number', node: value });
      return { kind: 'number', node: value };
    }
    const op = this.operators.binary.get(kind);
    if (op !== undefined) {
      if (op === '+' && !this.isNumber(this.checker.getTypeAtLocation(e))) {
        unsupported(codes.unsupportedSyntax, e, "string concatenation cannot be differentiated; build strings outside the marked function.");
      }
      const left = this.number(e.left);
      return { kind: 'number', node: g.apply(op, [left, this.number(e.right)]) };
    }
    const comparison = this.operators.comparison.get(kind);
    if (comparison !== undefined) {
      const left = this.number(e.left);
      return { kind: 'boolean', node: g.apply(comparison, [left, this.number(e.right)]) };
    }
    if (kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken) return this.logical(e, kind === ts.SyntaxKind.AmpersandAmpersandToken);
    if (kind === ts.SyntaxKind.CommaToken) {
      this.expression(e.left);
      return this.expression(e.right);
    }
    unsupported(codes.unsupportedSyntax, e.operatorToken, `the operator '${e.operatorToken.getText()}' cannot be differentiated in a marked function.`);
  }

  /**
   * `a && b`, `a || b`. On conditions, the logical operation; on numbers, JavaScript's selector:
   * `a && b` is `a ? b : a` and `a || b` is `a ? a : b`. The right side is evaluated only when needed.
   */
  logical(e: ts.BinaryExpression, and: boolean): Value {
    const left = this.expression(e.left);
    if (left.kind !== 'number' && left.kind !== 'boolean') {
      unsupported(codes.unsupportedSyntax, e.left, 'a logical operator on an object or array cannot be differentiated; compare numbers instead.');
    }
    const [whenTrue, whenFalse] = this.branch(
      left.node,
      e,
      () => (and ? this.expression(e.right) : left),
      () => (and ? left : this.expression(e.right)),
    );
    const right = and ? whenTrue : whenFalse;
    if (left.kind === 'boolean' && right.kind === 'boolean') return { kind: 'boolean', node: this.graph.call(and ? '&&' : '||', left.node, right.node) };
    return this.phi(left.node, whenTrue, whenFalse, e);
  }

  /** Stores `value` into the local named by `target`. */
  assign(target: ts.Expression, value: Value): void {
    this.assignTarget(target)(value);
  }

  /** Checks that the marked function may write `target`, and returns the write. */
  assignTarget(target: ts.Expression): (value: Value) => void {
    const ts = this.ts;
    const inner = this.skipParentheses(target);
    if (ts.isElementAccessExpression(inner)) {
      const array = this.expression(inner.expression);
      if (array.kind === 'paramArray') {
        unsupported(codes.mutation, target, `writing to the parameter array '${array.name}' cannot be differentiated; copy it into a local array first.`);
      }
      if (array.kind === 'dynArray') {
        const index = this.number(inner.argumentExpression);
        return (value) => {
          if (value.kind !== 'number') unsupported(codes.unsupportedSyntax, target, 'only numbers can be stored in the arrays of a marked function.');
          writeDynamic(this, array.ref, index, value.node);
        };
      }
      if (array.kind !== 'array') {
        unsupported(codes.mutation, target, 'a marked function may only write elements of its own local arrays; writing to objects or outer state cannot be differentiated.');
      }
      const index = constantIndex(this, inner.argumentExpression);
      return (value) => writeElement(this, array.ref, index, value, target);
    }
    if (ts.isPropertyAccessExpression(inner)) {
      const base = this.expression(inner.expression);
      const write = base.kind === 'array' ? fieldWrite(this, base.ref, inner.name.text, target) : undefined;
      if (write !== undefined) return write;
    }
    const symbol = this.assignableSymbol(target);
    return (value) => this.bind(symbol, value, (inner as ts.Identifier).text);
  }

  /** The local `target` names, if the marked function may assign it. */
  assignableSymbol(target: ts.Expression): ts.Symbol {
    const ts = this.ts;
    const inner = this.skipParentheses(target);
    if (!ts.isIdentifier(inner)) {
      unsupported(codes.mutation, target, 'a marked function may only assign its own local variables and parameters; writing to objects or outer state cannot be differentiated.');
    }
    const symbol = this.symbolOf(inner);
    if (!this.frame.bindings.has(symbol)) {
      const owner = this.stack.find((f) => f.bindings.has(symbol));
      unsupported(
        codes.mutation,
        target,
        owner !== undefined
          ? `a called function assigns '${inner.text}' of the function that calls it; closures that change captured numbers cannot be differentiated, so return the new value instead.`
          : `'${inner.text}' is not a local variable of the marked function; writing to outer state cannot be differentiated, so return the value instead.`,
      );
    }
    return symbol;
  }

  identifier(e: ts.Identifier): Value {
    const g = this.graph;
    if (e.text === 'undefined' && this.isGlobal(e)) {
      unsupported(codes.unsupportedSyntax, e, "'undefined' is not a number; use a number here.");
    }
    if ((e.text === 'NaN' || e.text === 'Infinity') && this.isGlobal(e)) {
      return { kind: 'number', node: g.constant(e.text === 'NaN' ? NaN : Infinity) };
    }
    const symbol = this.symbolOf(e);
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const bindings = this.stack[i]!.bindings;
      if (bindings.has(symbol)) {
        const value = bindings.get(symbol);
        if (value === undefined) unsupported(codes.unsupportedSyntax, e, `'${e.text}' is read before it is assigned.`);
        return value;
      }
    }
    return this.freeIdentifier(e, symbol);
  }

  /** A name declared outside every function being lowered: read at run time, or folded if constant. */
  freeIdentifier(e: ts.Identifier, symbol: ts.Symbol): Value {
    const ts = this.ts;
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined) unsupported(codes.unreachableName, e, `cannot find the declaration of '${e.text}'.`);
    const type = this.checker.getTypeAtLocation(e);
    const global = decl.getSourceFile().isDeclarationFile;
    const visible = global || (decl.getSourceFile() === this.companionFile && this.enclosesCompanion(decl));
    if (visible) {
      const local = decl.getSourceFile() === this.companionFile && e.getSourceFile() === this.companionFile;
      const expr: OpaqueExpr = { kind: 'free', name: e.text, node: local ? e : undefined };
      this.freeNames.add(e.text);
      return this.opaqueValue(expr, type);
    }
    // A constant declared elsewhere (another module, or inside a callee's scope): fold its value.
    if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && !this.folding.has(symbol)) {
      this.folding.add(symbol);
      try {
        const v = this.expression(decl.initializer);
        if (v.kind === 'number' && isConst(v.node)) return v;
      } catch {
        // Not a constant: fall through to the diagnostic below.
      } finally {
        this.folding.delete(symbol);
      }
    }
    unsupported(
      codes.unreachableName,
      e,
      `'${e.text}' is declared where the gradient code cannot read it (another module or an inner scope) and is not a constant; pass it as a parameter.`,
    );
  }

  /** Is `decl` in a scope that also contains the marked function, so the companion sees the same binding? */
  enclosesCompanion(decl: ts.Node): boolean {
    return enclosesCompanion(this.ts, decl, this.fn);
  }

  propertyAccess(e: ts.PropertyAccessExpression): Value {
    const ts = this.ts;
    const g = this.graph;
    if (ts.isIdentifier(e.expression) && e.expression.text === 'Math' && this.isGlobal(e.expression)) {
      const value = mathConstants[e.name.text];
      if (value === undefined) unsupported(codes.unsupportedSyntax, e, `Math.${e.name.text} is not a number.`);
      return { kind: 'number', node: g.constant(value, e.name.text) };
    }
    if (e.questionDotToken) unsupported(codes.unsupportedSyntax, e, "optional chaining ('?.') is not supported in a marked function.");
    const base = this.expression(e.expression);
    const field = base.kind === 'array' ? readField(this, base.ref, e.name.text, e) : undefined;
    if (field !== undefined) return field;
    if (e.name.text === 'length' && base.kind === 'array') return { kind: 'number', node: g.constant(elementsOf(this, base.ref).length) };
    if (e.name.text === 'length' && base.kind === 'dynArray') return { kind: 'number', node: dynamicOf(this, base.ref).length };
    if (e.name.text === 'length' && base.kind === 'paramArray') {
      return { kind: 'number', node: g.opaque({ kind: 'property', base: { kind: 'param', index: base.index }, name: 'length', node: e.name }) };
    }
    if (base.kind !== 'object') {
      unsupported(codes.unsupportedSyntax, e, `'${e.name.text}' of a number cannot be differentiated.`);
    }
    return this.opaqueValue({ kind: 'property', base: base.expr, name: e.name.text, node: e.name }, this.checker.getTypeAtLocation(e));
  }

  elementAccess(e: ts.ElementAccessExpression): Value {
    const ts = this.ts;
    const base = this.expression(e.expression);
    const key = this.skipParentheses(e.argumentExpression);
    if (base.kind === 'object' && ts.isStringLiteral(key)) {
      return this.opaqueValue({ kind: 'property', base: base.expr, name: key.text, node: undefined }, this.checker.getTypeAtLocation(e));
    }
    if (base.kind === 'paramArray') {
      const at = this.number(e.argumentExpression);
      if (at.kind !== 'const') return { kind: 'number', node: this.graph.load(base.index, base.name, at) };
    }
    if (base.kind === 'dynArray') return { kind: 'number', node: readDynamic(this, base.ref, this.number(e.argumentExpression)) };
    const index = constantIndex(this, e.argumentExpression);
    switch (base.kind) {
      case 'object':
        return this.opaqueValue({ kind: 'property', base: base.expr, name: String(index), node: undefined }, this.checker.getTypeAtLocation(e));
      case 'array':
        // Past the end, JavaScript reads `undefined`, which arithmetic turns into NaN.
        return elementsOf(this, base.ref)[index] ?? { kind: 'number', node: this.graph.constant(NaN) };
      case 'paramArray': {
        const elements = this.paramElements.get(base.index)!;
        let node = elements.get(index);
        if (node === undefined) {
          node = this.graph.param(base.index, base.name, index);
          elements.set(index, node);
        }
        return { kind: 'number', node };
      }
      default:
        unsupported(codes.unsupportedSyntax, e, 'only arrays can be indexed in a marked function.');
    }
  }








  // ---- calls ------------------------------------------------------------------------------------

  call(e: ts.CallExpression): Value {
    const ts = this.ts;
    const callee = this.skipParentheses(e.expression);
    if (e.arguments.some((a) => ts.isSpreadElement(a))) {
      unsupported(codes.unsupportedSyntax, e, 'spread arguments are not supported in a marked function; pass the arguments one by one.');
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && this.isGlobal(callee.expression)) {
      return { kind: 'number', node: this.mathCall(e, callee.name.text) };
    }
    if (ts.isPropertyAccessExpression(callee) && this.isArrayType(this.checker.getTypeAtLocation(callee.expression))) {
      const array = this.expression(callee.expression);
      if (array.kind === 'paramArray') {
        unsupported(codes.unsupportedSyntax, e, `'${callee.name.text}' on the parameter array '${array.name}' is not differentiated yet; read its elements by index.`);
      }
      if (array.kind === 'array') return arrayMethod(this, e, array, callee.name.text);
      if (array.kind === 'dynArray' && callee.name.text === 'fill' && e.arguments.length === 1) {
        fillDynamic(this, array.ref, this.number(e.arguments[0]!), e);
        return array;
      }
      if (array.kind === 'dynArray') unsupported(codes.unsupportedSyntax, e, `'${callee.name.text}' on an array of run-time length is not differentiated yet; write it as a loop.`);
    }
    const declaration = this.calleeDeclaration(e);
    let thisValue: Value | undefined;
    if (ts.isArrowFunction(declaration)) {
      thisValue = this.lexicalThis(declaration);
    } else if (ts.isMethodDeclaration(declaration)) {
      if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) {
        unsupported(codes.unknownCallee, e, 'a method called without its object cannot be differentiated through; call it as obj.method(...).');
      }
      thisValue = this.expression(callee.expression);
    }
    if (this.stack.some((f) => f.fn === declaration)) {
      unsupported(codes.recursion, e, 'recursion cannot be differentiated yet; rewrite it as straight-line code.');
    }
    const args = e.arguments.map((a) => this.expression(a));
    const frame = new Frame(declaration, thisValue);
    declaration.parameters.forEach((p, i) => {
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken) {
        unsupported(codes.unsupportedSyntax, p, 'a function called from a marked function must take plain named parameters (no destructuring or rest).');
      }
      const symbol = this.symbolOf(p.name);
      let value = args[i];
      if (value === undefined) {
        if (p.initializer === undefined) unsupported(codes.unsupportedSyntax, e, `argument '${p.name.text}' is missing; pass every parameter.`);
        this.stack.push(frame);
        try {
          value = this.expression(p.initializer);
        } finally {
          this.stack.pop();
        }
      }
      frame.bindings.set(symbol, value);
      if (value.kind === 'number' && value.node.kind === 'apply' && !this.nameHints.has(value.node)) this.nameHints.set(value.node, p.name.text);
    });
    return this.callBody(frame);
  }

  mathCall(e: ts.CallExpression, name: string): Node {
    const g = this.graph;
    const op = mathOperation(e, name);
    const args = e.arguments.map((a) => this.number(a));
    const rule = primitive(op);
    if (rule.arity === 'variadic') {
      if (args.length === 0) return g.constant(name === 'max' ? -Infinity : name === 'min' ? Infinity : 0);
      if (args.length === 1 && name !== 'hypot') return args[0]!;
      return g.apply(op, args);
    }
    if (args.length < rule.arity) {
      unsupported(codes.unsupportedSyntax, e, `Math.${name} takes ${rule.arity} argument${rule.arity === 1 ? '' : 's'}.`);
    }
    return g.apply(op, args.slice(0, rule.arity));
  }

  /** The function a call runs, when its source is in the program. */
  calleeDeclaration(e: ts.CallExpression): FunctionLike {
    return calleeDeclaration(this.ts, this.checker, e);
  }

  /** `this` inside an arrow function is its enclosing function's `this`, if that function is being lowered. */
  lexicalThis(arrow: ts.ArrowFunction): Value | undefined {
    const ts = this.ts;
    let container: ts.Node = arrow.parent;
    while (!ts.isSourceFile(container) && !(ts.isFunctionLike(container) && !ts.isArrowFunction(container))) container = container.parent;
    const frame = this.stack.find((f) => f.fn === container);
    if (frame !== undefined) return frame.thisValue;
    // The marked arrow itself: its companion is an arrow in the same scope, so `this` is shared.
    return arrow === this.fn ? { kind: 'object', expr: { kind: 'this' } } : undefined;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  symbolOf(id: ts.Identifier): ts.Symbol {
    // In `{ x }`, the name is the property's; the value is the variable's.
    const shorthand = this.ts.isShorthandPropertyAssignment(id.parent) && id.parent.name === id;
    const symbol = shorthand ? this.checker.getShorthandAssignmentValueSymbol(id.parent) : this.checker.getSymbolAtLocation(id);
    if (symbol === undefined) unsupported(codes.unreachableName, id, `cannot resolve '${id.text}'.`);
    return symbol;
  }

  isGlobal(id: ts.Identifier): boolean {
    const symbol = this.checker.getSymbolAtLocation(id);
    const decl = symbol?.declarations?.[0];
    return decl === undefined ? id.text === 'undefined' : decl.getSourceFile().isDeclarationFile;
  }

  skipParentheses(e: ts.Expression): ts.Expression {
    return skipOuter(this.ts, e);
  }
}
