/**
 * lower: TypeScript AST → IR (DESIGN.md §3, §4). Walks a marked function's body in order, keeping
 * each local's current SSA value, and inlines the functions it calls whose source is in the program.
 * Anything it cannot lower is an `Unsupported` error at that node (never a crash, never a guess).
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';
import { dependsOn, extremumOf, Graph, isConst, isIncrementOf, opaqueKey, substitute, type CarriedNode, type Loop, type Node, type OpaqueExpr, type ParamNode } from './ir.js';
import { mathConstants, mathPrimitive, primitive, type PrimitiveName } from './rules.js';

export type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

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
}

/**
 * A lowered value: a number or a condition (DAG nodes), an inactive object read at run time, a local
 * array (its elements live in the lowerer's heap, so that aliases see each other's writes), or an
 * array parameter (its elements are inputs).
 */
type Value =
  | { readonly kind: 'number'; readonly node: Node }
  | { readonly kind: 'boolean'; readonly node: Node }
  | { readonly kind: 'object'; readonly expr: OpaqueExpr }
  | { readonly kind: 'array'; readonly ref: number }
  | { readonly kind: 'paramArray'; readonly index: number; readonly name: string; readonly float32: boolean };

/** What a statement list may change: the current frame's variables and the contents of local arrays. */
interface State {
  readonly bindings: Map<ts.Symbol, Value | undefined>;
  readonly heap: Map<number, readonly Value[]>;
}

/** A way out of a loop body met while unrolling it, with the state it leaves the iteration in. */
interface LoopExit {
  readonly kind: 'break' | 'continue' | 'return';
  readonly guard: Node | undefined;
  readonly state: State;
}

/** Unrolling stops past this many iterations in one marked function, or this many DAG nodes. */
const unrollBudget = { iterations: 4096, nodes: 200_000 };

/** A `return` met on the way: the function returned `value` if `guard` held (and no earlier return did). */
interface PendingReturn {
  readonly guard: Node | undefined;
  readonly value: Value;
}

class Frame {
  bindings = new Map<ts.Symbol, Value | undefined>();
  /** Returns so far, in program order: the first whose guard holds is the function's result. */
  readonly returns: PendingReturn[] = [];
  /** Every path reaching the current statement has left it: by `return`, `break` or `continue`. */
  ended = false;
  /** The conjunction of branch conditions leading here; `undefined` at the top of the body. */
  path: Node | undefined = undefined;
  /** Exits met in the bodies of this function's loops being unrolled, innermost last. */
  readonly loops: LoopExit[][] = [];
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

class Lowerer {
  private readonly graph = new Graph();
  private readonly stack: Frame[] = [];
  private readonly nameHints = new Map<Node, string>();
  private readonly freeNames = new Set<string>();
  private readonly folding = new Set<ts.Symbol>();
  private readonly operators: OperatorTables;
  /** Contents of local arrays, by reference. An array's element list is replaced, never mutated. */
  private heap = new Map<number, readonly Value[]>();
  private nextArray = 0;
  private unrolledIterations = 0;
  private readonly paramElements = new Map<number, Map<number, ParamNode>>();
  /** Whether a local array is a plain array or a typed array (which fixes its length and rounding). */
  private readonly arrayKinds = new Map<number, 'array' | 'float64' | 'float32'>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly checker: ts.TypeChecker,
    private readonly fn: FunctionLike,
    private readonly companionFile: ts.SourceFile,
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
    return { graph: this.graph, params, output: output.node, nameHints: this.nameHints, freeNames: this.freeNames };
  }

  // ---- parameters -------------------------------------------------------------------------------

  private parameter(p: ts.ParameterDeclaration, index: number, frame: Frame): LoweredParameter {
    const ts = this.ts;
    if (!ts.isIdentifier(p.name)) {
      unsupported(codes.unsupportedParameter, p, 'destructured parameters are not supported yet; take the object whole and read its fields in the body.');
    }
    if (p.dotDotDotToken) {
      unsupported(codes.unsupportedParameter, p, 'rest parameters are not supported; list the parameters one by one.');
    }
    const name = p.name.text;
    let defaultValue: ts.Expression | undefined;
    if (p.initializer !== undefined) {
      if (!this.isLiteralNumber(p.initializer)) {
        unsupported(codes.unsupportedParameter, p.initializer, 'a parameter default must be a number literal in a marked function; pass the value explicitly instead.');
      }
      defaultValue = p.initializer;
    } else if (p.questionToken) {
      unsupported(codes.unsupportedParameter, p, 'optional parameters are not supported in a marked function; give it a number default (`x = 0`) or make it required.');
    }
    const symbol = this.symbolOf(p.name);
    const declared = this.checker.getTypeAtLocation(p);
    const type = this.checker.getBaseConstraintOfType(declared) ?? declared;
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
      unsupported(codes.unsupportedParameter, p, `parameter '${name}' has type '${this.checker.typeToString(declared)}'; give it a type ('number' to differentiate it).`);
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
    if (this.holdsNumbers(type)) {
      unsupported(
        codes.unsupportedParameter,
        p,
        `parameter '${name}' has type '${this.checker.typeToString(type)}'; objects of numbers and nested arrays are not differentiated yet, so pass the numbers as 'number' parameters or a 'number[]'.`,
      );
    }
    // Booleans, strings, functions: passed through, no derivative (`undefined` in the gradient).
    frame.bindings.set(symbol, this.opaqueValue({ kind: 'param', index }, type));
    return { name, node: undefined, elements: undefined, defaultValue };
  }

  private isArrayType(type: ts.Type): boolean {
    const name = type.getSymbol()?.getName();
    return name === 'Float64Array' || name === 'Float32Array' || this.checker.isArrayType(type) || this.checker.isTupleType(type);
  }

  /** `number[]`, `readonly number[]`, `Float64Array`, `Float32Array`: which, if the type is one. */
  private numberArrayKind(type: ts.Type): 'array' | 'float64' | 'float32' | undefined {
    const name = type.getSymbol()?.getName();
    if (name === 'Float64Array') return 'float64';
    if (name === 'Float32Array') return 'float32';
    if (!this.checker.isArrayType(type) && !this.checker.isTupleType(type)) return undefined;
    const element = this.checker.getIndexTypeOfType(type, this.ts.IndexKind.Number);
    return element !== undefined && this.isNumber(element) ? 'array' : undefined;
  }

  /** A value read at run time: a constant number, a condition, or an object to read fields of. */
  private opaqueValue(expr: OpaqueExpr, type: ts.Type): Value {
    if (this.isNumber(type)) return { kind: 'number', node: this.graph.opaque(expr) };
    if (type.flags & this.ts.TypeFlags.BooleanLike) return { kind: 'boolean', node: this.graph.opaque(expr) };
    return { kind: 'object', expr };
  }

  private isLiteralNumber(e: ts.Expression): boolean {
    const ts = this.ts;
    if (ts.isNumericLiteral(e)) return true;
    return ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand);
  }

  private isNumber(type: ts.Type): boolean {
    const ts = this.ts;
    if (type.flags & ts.TypeFlags.NumberLike) return true;
    if (type.isUnion()) return type.types.every((t) => (t.flags & ts.TypeFlags.NumberLike) !== 0);
    return false;
  }

  /** Does a value of this type carry numbers a user may expect a derivative for? */
  private holdsNumbers(type: ts.Type): boolean {
    const ts = this.ts;
    if (type.isUnion()) return type.types.some((t) => this.holdsNumbers(t));
    if (this.checker.isArrayLikeType(type)) return true;
    const name = type.getSymbol()?.getName();
    if (name === 'Float64Array' || name === 'Float32Array') return true;
    if (type.getCallSignatures().length > 0) return false;
    if (type.flags & ts.TypeFlags.Object) {
      return type.getProperties().some((prop) => {
        const decl = prop.valueDeclaration;
        return decl !== undefined && this.isNumber(this.checker.getTypeOfSymbolAtLocation(prop, decl));
      });
    }
    return false;
  }

  // ---- statements -------------------------------------------------------------------------------

  private get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Lowers a function body in `frame` and returns its result. */
  private callBody(frame: Frame): Value {
    const ts = this.ts;
    const fn = frame.fn;
    this.stack.push(frame);
    try {
      if (fn.body === undefined) unsupported(codes.unknownCallee, fn, 'this function has no body to differentiate.');
      if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
        unsupported(codes.unsupportedSyntax, fn, 'generators and async functions cannot be differentiated; make it a plain function.');
      }
      if (ts.isBlock(fn.body)) this.statements(fn.body.statements);
      else this.returnValue(this.expression(fn.body));
      if (!frame.ended) {
        unsupported(codes.noNumericResult, fn.name ?? fn, 'this function does not return a value on every path; end every path with a `return` of a number.');
      }
      return this.foldReturns(frame.returns, fn);
    } finally {
      this.stack.pop();
    }
  }

  /** The function's result: the first return whose guard holds, as nested φs. */
  private foldReturns(returns: readonly PendingReturn[], at: ts.Node): Value {
    let result = returns[returns.length - 1]!.value;
    for (let i = returns.length - 2; i >= 0; i--) result = this.phi(returns[i]!.guard!, returns[i]!.value, result, at);
    return result;
  }

  private returnValue(value: Value): void {
    const frame = this.frame;
    frame.returns.push({ guard: frame.path, value });
    // A return inside a loop also leaves the loop: later iterations must not run on that path.
    frame.loops[frame.loops.length - 1]?.push({ kind: 'return', guard: frame.path, state: this.snapshot() });
    frame.ended = true;
  }

  /** `c ? a : b` on lowered values. */
  private phi(c: Node, a: Value, b: Value, at: ts.Node): Value {
    if (a.kind === 'number' && b.kind === 'number') return { kind: 'number', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'boolean' && b.kind === 'boolean') return { kind: 'boolean', node: this.graph.call('select', c, a.node, b.node) };
    if (a.kind === 'object' && b.kind === 'object' && opaqueKey(a.expr) === opaqueKey(b.expr)) return a;
    if (a.kind === 'array' && b.kind === 'array' && a.ref === b.ref) return a;
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
  private branch<T>(cond: Node, at: ts.Node, thenArm: () => T, elseArm: () => T): [T, T] {
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
  private snapshot(): State {
    return { bindings: new Map(this.frame.bindings), heap: new Map(this.heap) };
  }

  private restore(state: State): void {
    this.frame.bindings = new Map(state.bindings);
    this.heap = new Map(state.heap);
  }

  /** `cond ? a : b` on whole states; variables declared after `scope` are out of scope and dropped. */
  private join(cond: Node, a: State, b: State, scope: State, at: ts.Node): State {
    const bindings = new Map<ts.Symbol, Value | undefined>();
    for (const symbol of scope.bindings.keys()) {
      const v1 = a.bindings.get(symbol);
      const v2 = b.bindings.get(symbol);
      bindings.set(symbol, v1 === v2 ? v1 : v1 === undefined || v2 === undefined ? undefined : this.phi(cond, v1, v2, at));
    }
    const heap = new Map<number, readonly Value[]>();
    for (const [ref, e1] of a.heap) {
      const e2 = b.heap.get(ref);
      if (e2 === undefined) continue;
      if (e1 === e2) {
        heap.set(ref, e1);
        continue;
      }
      if (e1.length !== e2.length) {
        unsupported(codes.unsupportedSyntax, at, 'an array has a different length on the two sides of this branch; give it the same length on both.');
      }
      heap.set(ref, e1.map((v, i) => (v === e2[i] ? v : this.phi(cond, v, e2[i]!, at))));
    }
    return { bindings, heap };
  }

  /** The state of the first of `exits` whose guard holds, the last being the default. */
  private joinAll(exits: readonly { readonly guard: Node | undefined; readonly state: State }[], scope: State, at: ts.Node): State {
    let state = exits[exits.length - 1]!.state;
    for (let i = exits.length - 2; i >= 0; i--) state = this.join(exits[i]!.guard!, exits[i]!.state, state, scope, at);
    return state;
  }

  /**
   * A loop whose trip count is known at compile time, unrolled into the DAG (DESIGN.md §5, small
   * constant trip counts): each iteration is lowered from the state the previous one left, and
   * coarsening then works across iterations. The loop's condition must fold to a constant in every
   * iteration; a `break`, `continue` or `return` under a run-time condition becomes a φ over "has
   * left the loop", and later iterations run only where it has not.
   */
  private unroll(at: ts.Node, loop: { test: () => Node; body: () => void; next?: () => void; testAfterBody?: boolean }): void {
    const frame = this.frame;
    const g = this.graph;
    const scope = this.snapshot();
    const entryPath = frame.path;
    /** Some earlier iteration left the loop; `undefined` while none can have. */
    let left: Node | undefined;
    /** The states in which iterations left by `break`, under "left in that iteration". */
    const broken: { guard: Node | undefined; state: State }[] = [];
    let finishes = false;
    for (let first = true; ; first = false) {
      if (!(first && loop.testAfterBody)) {
        const test = loop.test();
        if (test.kind !== 'const') {
          unsupported(
            codes.unsupportedSyntax,
            at,
            'the number of times this loop runs is not known at compile time; loops that run a run-time number of times are not differentiated yet (loops with a constant trip count are unrolled).',
          );
        }
        if (!test.value) {
          finishes = true;
          break;
        }
      }
      if (++this.unrolledIterations > unrollBudget.iterations || g.nodes.length > unrollBudget.nodes) {
        unsupported(codes.unsupportedSyntax, at, `this loop runs too many times to unroll at compile time (the budget is ${unrollBudget.iterations} iterations in all); loops that run at run time are not differentiated yet.`);
      }
      frame.path = left === undefined ? entryPath : entryPath === undefined ? g.call('!', left) : g.call('&&', entryPath, g.call('!', left));
      frame.loops.push([]);
      loop.body();
      const exits = frame.loops.pop()!;
      if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: this.snapshot() });
      frame.ended = false;
      // Stays in the loop: the first way out of the body that was taken is a continue (or the end).
      let stays: Node = g.constant(exits[exits.length - 1]!.kind === 'continue' ? 1 : 0);
      for (let i = exits.length - 2; i >= 0; i--) {
        const guard = exits[i]!.guard!;
        stays = exits[i]!.kind === 'continue' ? g.call('||', guard, stays) : g.call('&&', g.call('!', guard), stays);
      }
      const breaks = exits.filter((e) => e.kind === 'break');
      if (breaks.length > 0) broken.push({ guard: g.call('!', stays), state: this.joinAll(breaks, scope, at) });
      const continues = exits.filter((e) => e.kind === 'continue');
      if (continues.length === 0) break;
      this.restore(this.joinAll(continues, scope, at));
      frame.path = entryPath;
      loop.next?.();
      const leftNow = g.call('!', stays);
      left = left === undefined ? leftNow : g.call('||', left, leftNow);
      if (left.kind === 'const' && left.value) break;
    }
    frame.path = entryPath;
    const outcomes = finishes ? [...broken, { guard: undefined, state: this.snapshot() }] : broken;
    // Every path left by `return`: nothing runs after the loop.
    if (outcomes.length === 0) {
      frame.ended = true;
      return;
    }
    this.restore(this.joinAll(outcomes, scope, at));
  }

  /**
   * A counted loop that runs a run-time number of times, `for (let i = a; i < n; i++)`, whose
   * body updates variables from outside only as reductions `s += e_i` (DESIGN.md §5, strategy 3).
   * The body is lowered once, with the counter and each updated variable as leaves; each reduced
   * variable becomes `s + Σ e_i`, a sum node whose derivative is another sum and no tape is needed.
   */
  private runtimeLoop(s: ts.ForStatement): void {
    const ts = this.ts;
    const g = this.graph;
    const frame = this.frame;
    const shape = this.countedLoop(s);
    const scope = this.snapshot();
    const bound = this.loopBound(shape);
    const start = scope.bindings.get(shape.counter);
    if (start === undefined || start.kind !== 'number') unsupported(codes.unsupportedSyntax, s, 'the loop counter must start at a number.');
    const loop = g.loop(start.node, bound, shape.compare, shape.step, shape.counterName);
    const carried = this.assignedOutside(s.statement, scope).filter((symbol) => symbol !== shape.counter);
    const leaves = new Map<ts.Symbol, CarriedNode>();
    carried.forEach((symbol, slot) => {
      const value = scope.bindings.get(symbol) ?? this.outerBinding(symbol);
      if (value === undefined || value.kind !== 'number') {
        unsupported(codes.unsupportedSyntax, s, `'${symbol.getName()}' is changed by this loop but is not a number; only numbers can be accumulated in a loop that runs a run-time number of times.`);
      }
      const leaf = g.carried(loop, symbol.getName(), slot);
      leaves.set(symbol, leaf);
      frame.bindings.set(symbol, { kind: 'number', node: leaf });
    });
    frame.bindings.set(shape.counter, { kind: 'number', node: g.index(loop) });

    frame.loops.push([]);
    this.statement(s.statement);
    const exits = frame.loops.pop()!;
    const leaving = exits.find((e) => e.kind !== 'continue');
    if (leaving !== undefined) {
      unsupported(codes.unsupportedSyntax, s, `a '${leaving.kind}' inside a loop that runs a run-time number of times is not differentiated yet; only 'continue' is.`);
    }
    if (!frame.ended) exits.push({ kind: 'continue', guard: undefined, state: this.snapshot() });
    frame.ended = false;
    if (exits.length === 0) unsupported(codes.unsupportedSyntax, s, 'this loop body never finishes an iteration.');
    const next = this.joinAll(exits, scope, s);
    for (const [ref, elements] of next.heap) {
      if (scope.heap.get(ref) !== elements) {
        unsupported(codes.unsupportedSyntax, s, 'writing array elements in a loop that runs a run-time number of times is not differentiated yet; accumulate into number variables instead.');
      }
    }
    this.restore(next);
    if (this.loopBound(shape) !== bound) unsupported(codes.unsupportedSyntax, shape.bound, "the loop's bound changes inside the loop; compute it once before the loop.");

    const exitValues = new Map<ts.Symbol, Value>();
    for (const [symbol, leaf] of leaves) {
      const updated = next.bindings.get(symbol);
      const initial = (scope.bindings.get(symbol) ?? this.outerBinding(symbol)) as { kind: 'number'; node: Node };
      const extremum = updated?.kind === 'number' ? extremumOf(updated.node, leaf) : undefined;
      if (extremum !== undefined) {
        // `m = Math.max(m, e_i)`: the first iteration k that beats everything before is recorded,
        // and m is e_k (or its initial value): a φ, differentiated as one.
        for (const other of leaves.values()) {
          if (dependsOn(extremum.value, other)) unsupported(codes.unsupportedSyntax, s, `what '${symbol.getName()}' is compared with reads '${other.name}', which the loop also changes; only independent reductions are differentiated yet.`);
        }
        const k = g.scan(loop, extremum.value, initial.node, extremum.extremum);
        const atK = substitute(g, extremum.value, new Map([[g.index(loop), k]]));
        exitValues.set(symbol, { kind: 'number', node: g.call('select', g.call('>=', k, g.constant(0)), atK, initial.node) });
        continue;
      }
      if (updated === undefined || updated.kind !== 'number' || !isIncrementOf(updated.node, leaf)) {
        unsupported(
          codes.unsupportedSyntax,
          s,
          `'${symbol.getName()}' is updated from its previous value other than by adding to it or taking a maximum or minimum (a recurrence); in a loop that runs a run-time number of times only reductions ('s += e', 'm = Math.max(m, e)') are differentiated yet.`,
        );
      }
      const increment = substitute(g, updated.node, new Map([[leaf, g.constant(0)]]));
      for (const other of leaves.values()) {
        if (dependsOn(increment, other)) {
          unsupported(codes.unsupportedSyntax, s, `what is added to '${symbol.getName()}' reads '${other.name}', which the loop also changes; only independent reductions are differentiated yet.`);
        }
      }
      exitValues.set(symbol, { kind: 'number', node: g.sum(loop, increment, initial.node, symbol.getName()) });
    }
    this.restore(scope);
    for (const [symbol, value] of exitValues) this.assignExisting(symbol, value);
    // A counter declared before the loop holds its final value after it, which is not modelled:
    // reading it is reported rather than computed wrongly.
    const declaredByLoop = s.initializer !== undefined && ts.isVariableDeclarationList(s.initializer);
    if (!declaredByLoop) frame.bindings.set(shape.counter, undefined);
  }

  private loopBound(shape: { bound: ts.Expression; offset: number }): Node {
    const bound = this.number(shape.bound);
    return shape.offset === 0 ? bound : this.graph.sub(bound, this.graph.constant(shape.offset));
  }

  /** The parts of `for (let i = a; i < n; i++)`; anything else is not a counted loop. */
  private countedLoop(s: ts.ForStatement): { counter: ts.Symbol; counterName: string; bound: ts.Expression; offset: number; compare: Loop['compare']; step: number } {
    const ts = this.ts;
    const notCounted = (): never =>
      unsupported(
        codes.unsupportedSyntax,
        s,
        "this loop runs a run-time number of times and is not a counted loop 'for (let i = a; i < n; i += c)'; other loops with a run-time trip count are not differentiated yet.",
      );
    const cond = s.condition === undefined ? undefined : this.skipParentheses(s.condition);
    if (cond === undefined || !ts.isBinaryExpression(cond)) return notCounted();
    const flip: Record<string, Loop['compare']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
    const op = ts.tokenToString(cond.operatorToken.kind) as Loop['compare'];
    if (!(op in flip)) return notCounted();
    // `i + c < n` counts like `i < n - c`.
    const counterSide = (e: ts.Expression): [ts.Identifier, number] | undefined => {
      const inner = this.skipParentheses(e);
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
    const [[counterId, offset], bound, compare] = onLeft !== undefined ? [onLeft, cond.right, op] : onRight !== undefined ? [onRight, cond.left, flip[op]!] : notCounted();
    const counter = this.symbolOf(counterId);
    const inc = s.incrementor === undefined ? undefined : this.skipParentheses(s.incrementor);
    let step: number | undefined;
    if (inc !== undefined && (ts.isPostfixUnaryExpression(inc) || ts.isPrefixUnaryExpression(inc)) && ts.isIdentifier(inc.operand) && this.symbolOf(inc.operand) === counter) {
      step = inc.operator === ts.SyntaxKind.PlusPlusToken ? 1 : inc.operator === ts.SyntaxKind.MinusMinusToken ? -1 : undefined;
    } else if (inc !== undefined && ts.isBinaryExpression(inc) && ts.isIdentifier(inc.left) && this.symbolOf(inc.left) === counter) {
      const amount = this.number(inc.right);
      const sign = inc.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken ? 1 : inc.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken ? -1 : 0;
      if (amount.kind === 'const' && sign !== 0) step = sign * amount.value;
    }
    const counts = step !== undefined && step !== 0 && ((step > 0 && (compare === '<' || compare === '<=')) || (step < 0 && (compare === '>' || compare === '>=')));
    if (!counts) return notCounted();
    return { counter, counterName: counterId.text, bound, offset, compare, step: step! };
  }

  /** Variables declared before `body` that it assigns (the loop's carried variables). */
  private assignedOutside(body: ts.Statement, scope: State): ts.Symbol[] {
    const ts = this.ts;
    const found = new Set<ts.Symbol>();
    const target = (e: ts.Expression): void => {
      const inner = this.skipParentheses(e);
      if (!ts.isIdentifier(inner)) return;
      const symbol = this.checker.getSymbolAtLocation(inner);
      if (symbol !== undefined && (scope.bindings.has(symbol) || this.outerBinding(symbol) !== undefined)) found.add(symbol);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(n.left);
      if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target(n.operand);
      if (ts.isFunctionLike(n)) return;
      ts.forEachChild(n, visit);
    };
    visit(body);
    return [...found];
  }

  /** A variable's value in an enclosing frame (a closure's captured variable), if any. */
  private outerBinding(symbol: ts.Symbol): Value | undefined {
    for (let i = this.stack.length - 2; i >= 0; i--) {
      const bindings = this.stack[i]!.bindings;
      if (bindings.has(symbol)) return bindings.get(symbol);
    }
    return undefined;
  }

  /** Rebinds a variable of the current frame (after a loop). */
  private assignExisting(symbol: ts.Symbol, value: Value): void {
    if (!this.frame.bindings.has(symbol)) {
      unsupported(codes.mutation, this.fn, `a loop changes '${symbol.getName()}' of the function that calls it; return the value instead.`);
    }
    this.bind(symbol, value, symbol.getName());
  }

  /** `for (const v of array)`: unrolled over a local array, whose length is known at compile time. */
  private forOf(s: ts.ForOfStatement): void {
    const ts = this.ts;
    const iterable = this.expression(s.expression);
    if (iterable.kind !== 'array') {
      unsupported(codes.unsupportedSyntax, s.expression, "'for...of' is unrolled over local arrays only, whose length is known at compile time; looping over a parameter's elements is not differentiated yet.");
    }
    const declarations = ts.isVariableDeclarationList(s.initializer) ? s.initializer.declarations : undefined;
    const target = declarations?.[0]?.name;
    if (declarations === undefined || declarations.length !== 1 || target === undefined || !ts.isIdentifier(target)) {
      unsupported(codes.unsupportedSyntax, s.initializer, "write the loop variable as 'for (const v of array)'.");
    }
    const symbol = this.symbolOf(target);
    let index = 0;
    this.unroll(s, {
      test: () => this.graph.constant(+(index < this.elementsOf(iterable.ref).length)),
      body: () => {
        this.bind(symbol, this.elementsOf(iterable.ref)[index]!, target.text);
        this.statement(s.statement);
      },
      next: () => void index++,
    });
  }

  /** A condition: a boolean, or a number read by truthiness as JavaScript does. */
  private condition(e: ts.Expression): Node {
    const v = this.expression(e);
    if (v.kind !== 'number' && v.kind !== 'boolean') unsupported(codes.unsupportedSyntax, e, 'a condition on an object or array cannot be differentiated; compare numbers instead.');
    return v.node;
  }

  private statements(list: readonly ts.Statement[]): void {
    for (const s of list) {
      if (this.frame.ended) return;
      this.statement(s);
    }
  }

  private statement(s: ts.Statement): void {
    const ts = this.ts;
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) this.variable(d);
    } else if (ts.isExpressionStatement(s)) {
      this.expressionStatement(s.expression);
    } else if (ts.isReturnStatement(s)) {
      if (s.expression === undefined) unsupported(codes.noNumericResult, s, 'a marked function must return a number here.');
      this.returnValue(this.expression(s.expression));
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
    } else if (ts.isSwitchStatement(s)) {
      unsupported(codes.unsupportedSyntax, s, "'switch' is not differentiated yet; write it as an if/else-if chain.");
    } else if (ts.isForStatement(s)) {
      if (s.initializer !== undefined) {
        if (ts.isVariableDeclarationList(s.initializer)) s.initializer.declarations.forEach((d) => this.variable(d));
        else this.expression(s.initializer);
      }
      // A loop whose first test is not a constant runs a run-time number of times.
      if (s.condition !== undefined && this.condition(s.condition).kind !== 'const') {
        this.runtimeLoop(s);
        return;
      }
      this.unroll(s, {
        test: () => (s.condition === undefined ? this.graph.constant(1) : this.condition(s.condition)),
        body: () => this.statement(s.statement),
        next: () => s.incrementor !== undefined && this.expression(s.incrementor),
      });
    } else if (ts.isWhileStatement(s)) {
      this.unroll(s, { test: () => this.condition(s.expression), body: () => this.statement(s.statement) });
    } else if (ts.isDoStatement(s)) {
      this.unroll(s, { test: () => this.condition(s.expression), body: () => this.statement(s.statement), testAfterBody: true });
    } else if (ts.isForOfStatement(s)) {
      this.forOf(s);
    } else if (ts.isForInStatement(s)) {
      unsupported(codes.unsupportedSyntax, s, "'for...in' cannot be differentiated; loop over indices or use 'for...of' over an array.");
    } else if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label !== undefined) unsupported(codes.unsupportedSyntax, s, 'labelled break and continue are not supported yet; restructure the loops with a flag.');
      const exits = this.frame.loops[this.frame.loops.length - 1]!;
      exits.push({ kind: ts.isBreakStatement(s) ? 'break' : 'continue', guard: this.frame.path, state: this.snapshot() });
      this.frame.ended = true;
    } else if (ts.isLabeledStatement(s)) {
      unsupported(codes.unsupportedSyntax, s, 'labelled statements are not supported yet; restructure the loops with a flag.');
    } else if (ts.isTryStatement(s) || ts.isThrowStatement(s)) {
      unsupported(codes.unsupportedSyntax, s, `'${ts.isTryStatement(s) ? 'try' : 'throw'}' cannot be differentiated; validate inputs in an unmarked caller instead.`);
    } else {
      unsupported(codes.unsupportedSyntax, s, `this statement (${ts.SyntaxKind[s.kind]}) cannot be differentiated; move it out of the marked function.`);
    }
  }

  private variable(d: ts.VariableDeclaration): void {
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

  private bind(symbol: ts.Symbol, value: Value, name: string): void {
    this.frame.bindings.set(symbol, value);
    if (value.kind === 'number' && value.node.kind === 'apply' && !this.nameHints.has(value.node)) {
      this.nameHints.set(value.node, name);
    }
  }

  private expressionStatement(e: ts.Expression): void {
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

  private isConsoleCall(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return false;
    return callee.expression.text === 'console' && this.isGlobal(callee.expression);
  }

  // ---- expressions ------------------------------------------------------------------------------

  private number(e: ts.Expression): Node {
    const v = this.expression(e);
    // `+(a < b)`: a condition read as 1 or 0.
    if (v.kind === 'boolean') return this.graph.call('select', v.node, this.graph.constant(1), this.graph.constant(0));
    if (v.kind !== 'number') {
      unsupported(codes.unsupportedSyntax, e, `expected a number here, found '${this.checker.typeToString(this.checker.getTypeAtLocation(e))}'.`);
    }
    return v.node;
  }

  private expression(e: ts.Expression): Value {
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
    if (ts.isArrayLiteralExpression(e)) return this.arrayLiteral(e);
    if (ts.isNewExpression(e)) return this.newExpression(e);
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

  private prefixUnary(e: ts.PrefixUnaryExpression): Value {
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

  private binary(e: ts.BinaryExpression): Value {
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
  private logical(e: ts.BinaryExpression, and: boolean): Value {
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
  private assign(target: ts.Expression, value: Value): void {
    this.assignTarget(target)(value);
  }

  /** Checks that the marked function may write `target`, and returns the write. */
  private assignTarget(target: ts.Expression): (value: Value) => void {
    const ts = this.ts;
    const inner = this.skipParentheses(target);
    if (ts.isElementAccessExpression(inner)) {
      const array = this.expression(inner.expression);
      if (array.kind === 'paramArray') {
        unsupported(codes.mutation, target, `writing to the parameter array '${array.name}' cannot be differentiated; copy it into a local array first.`);
      }
      if (array.kind !== 'array') {
        unsupported(codes.mutation, target, 'a marked function may only write elements of its own local arrays; writing to objects or outer state cannot be differentiated.');
      }
      const index = this.constantIndex(inner.argumentExpression);
      return (value) => this.writeElement(array.ref, index, value, target);
    }
    const symbol = this.assignableSymbol(target);
    return (value) => this.bind(symbol, value, (inner as ts.Identifier).text);
  }

  /** The local `target` names, if the marked function may assign it. */
  private assignableSymbol(target: ts.Expression): ts.Symbol {
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

  private identifier(e: ts.Identifier): Value {
    const ts = this.ts;
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
  private freeIdentifier(e: ts.Identifier, symbol: ts.Symbol): Value {
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
  private enclosesCompanion(decl: ts.Node): boolean {
    const ts = this.ts;
    let scope: ts.Node | undefined = decl.parent;
    while (scope !== undefined && !ts.isSourceFile(scope) && !ts.isBlock(scope) && !ts.isFunctionLike(scope) && !ts.isClassLike(scope) && !ts.isModuleBlock(scope)) {
      scope = scope.parent;
    }
    // The companion sits beside the marked function, so it sees every scope that encloses the
    // function, an outer function's parameters included, but not the function's own.
    for (let n: ts.Node | undefined = this.fn.parent; n !== undefined; n = n.parent) if (n === scope) return true;
    return false;
  }

  private propertyAccess(e: ts.PropertyAccessExpression): Value {
    const ts = this.ts;
    const g = this.graph;
    if (ts.isIdentifier(e.expression) && e.expression.text === 'Math' && this.isGlobal(e.expression)) {
      const value = mathConstants[e.name.text];
      if (value === undefined) unsupported(codes.unsupportedSyntax, e, `Math.${e.name.text} is not a number.`);
      return { kind: 'number', node: g.constant(value, e.name.text) };
    }
    if (e.questionDotToken) unsupported(codes.unsupportedSyntax, e, "optional chaining ('?.') is not supported in a marked function.");
    const base = this.expression(e.expression);
    if (e.name.text === 'length' && base.kind === 'array') return { kind: 'number', node: g.constant(this.elementsOf(base.ref).length) };
    if (e.name.text === 'length' && base.kind === 'paramArray') {
      return { kind: 'number', node: g.opaque({ kind: 'property', base: { kind: 'param', index: base.index }, name: 'length', node: e.name }) };
    }
    if (base.kind !== 'object') {
      unsupported(codes.unsupportedSyntax, e, `'${e.name.text}' of a number cannot be differentiated.`);
    }
    return this.opaqueValue({ kind: 'property', base: base.expr, name: e.name.text, node: e.name }, this.checker.getTypeAtLocation(e));
  }

  private elementAccess(e: ts.ElementAccessExpression): Value {
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
    const index = this.constantIndex(e.argumentExpression);
    switch (base.kind) {
      case 'object':
        return this.opaqueValue({ kind: 'property', base: base.expr, name: String(index), node: undefined }, this.checker.getTypeAtLocation(e));
      case 'array':
        // Past the end, JavaScript reads `undefined`, which arithmetic turns into NaN.
        return this.elementsOf(base.ref)[index] ?? { kind: 'number', node: this.graph.constant(NaN) };
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

  /**
   * An element index, which must be known at compile time for now: a literal, or a loop counter of
   * a loop that is unrolled. Run-time indices arrive with loops that run at run time.
   */
  private constantIndex(e: ts.Expression): number {
    const index = this.number(e);
    if (index.kind !== 'const' || !Number.isInteger(index.value) || index.value < 0) {
      unsupported(
        codes.unsupportedSyntax,
        e,
        'this element index is not known at compile time; indices that come from run-time values are not differentiated yet (a literal or the counter of a loop with a constant trip count is).',
      );
    }
    return index.value;
  }

  private elementsOf(ref: number): readonly Value[] {
    return this.heap.get(ref)!;
  }

  private writeElement(ref: number, index: number, value: Value, at: ts.Node): void {
    if (value.kind !== 'number') unsupported(codes.unsupportedSyntax, at, 'only numbers can be stored in the arrays of a marked function.');
    const elements = this.elementsOf(ref);
    const kind = this.arrayKinds.get(ref)!;
    // Typed arrays ignore writes past their end; Float32Array rounds what it stores.
    if (kind !== 'array' && index >= elements.length) return;
    const stored: Value = kind === 'float32' ? { kind: 'number', node: this.graph.call('fround', value.node) } : value;
    const next = elements.slice();
    for (let i = next.length; i < index; i++) next.push({ kind: 'number', node: this.graph.constant(NaN) });
    next[index] = stored;
    this.heap.set(ref, next);
  }

  private newArray(kind: 'array' | 'float64' | 'float32', elements: readonly Value[]): Value {
    const ref = this.nextArray++;
    this.arrayKinds.set(ref, kind);
    this.heap.set(ref, kind === 'float32' ? elements.map((v) => (v.kind === 'number' ? { kind: 'number', node: this.graph.call('fround', v.node) } : v)) : elements);
    return { kind: 'array', ref };
  }

  /** `[a, b]`, `new Float64Array(n)`, `new Float64Array([a, b])`, `new Array(n)` (filled later). */
  private arrayLiteral(e: ts.ArrayLiteralExpression): Value {
    const elements = e.elements.map((element) => {
      if (this.ts.isSpreadElement(element) || this.ts.isOmittedExpression(element)) {
        unsupported(codes.unsupportedSyntax, element, 'spread elements and holes are not supported in the array literals of a marked function.');
      }
      const v = this.expression(element);
      if (v.kind !== 'number') unsupported(codes.unsupportedSyntax, element, 'the arrays of a marked function hold numbers only.');
      return v;
    });
    return this.newArray('array', elements);
  }

  private newExpression(e: ts.NewExpression): Value {
    const ts = this.ts;
    const name = ts.isIdentifier(e.expression) && this.isGlobal(e.expression) ? e.expression.text : undefined;
    const kind = name === 'Float64Array' ? 'float64' : name === 'Float32Array' ? 'float32' : name === 'Array' ? 'array' : undefined;
    const args = e.arguments ?? [];
    if (kind === undefined || args.length > 1) {
      unsupported(codes.unsupportedSyntax, e, "only 'new Float64Array(n)', 'new Float32Array(n)' and 'new Array(n)' can be created in a marked function.");
    }
    if (args.length === 1 && kind !== 'array' && this.skipParentheses(args[0]!).kind === ts.SyntaxKind.ArrayLiteralExpression) {
      const source = this.arrayLiteral(this.skipParentheses(args[0]!) as ts.ArrayLiteralExpression) as { ref: number };
      return this.newArray(kind, this.elementsOf(source.ref));
    }
    const length = args.length === 0 ? 0 : this.constantIndex(args[0]!);
    // Typed arrays start at 0; `new Array(n)` has holes, read as NaN in arithmetic until filled.
    const fill = this.graph.constant(kind === 'array' ? NaN : 0);
    return this.newArray(kind, Array.from({ length }, () => ({ kind: 'number', node: fill })));
  }

  /** `array.push(v, ...)` and `array.fill(v)`, the array methods a marked function may call. */
  private arrayMethod(e: ts.CallExpression, array: Value & { kind: 'array' }, method: string): Value {
    const g = this.graph;
    const values = e.arguments.map((a) => this.expression(a));
    if (values.some((v) => v.kind !== 'number')) unsupported(codes.unsupportedSyntax, e, 'the arrays of a marked function hold numbers only.');
    const elements = this.elementsOf(array.ref);
    if (method === 'push') {
      if (this.arrayKinds.get(array.ref) !== 'array') unsupported(codes.unsupportedSyntax, e, 'typed arrays have no push.');
      values.forEach((v, i) => this.writeElement(array.ref, elements.length + i, v, e));
      return { kind: 'number', node: g.constant(this.elementsOf(array.ref).length) };
    }
    if (method === 'fill' && values.length === 1) {
      values[0]!.kind === 'number' && elements.forEach((_, i) => this.writeElement(array.ref, i, values[0]!, e));
      return array;
    }
    unsupported(codes.unsupportedSyntax, e, `'${method}' on an array is not differentiated yet; write it as a loop.`);
  }

  // ---- calls ------------------------------------------------------------------------------------

  private call(e: ts.CallExpression): Value {
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
      if (array.kind === 'array') return this.arrayMethod(e, array, callee.name.text);
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

  private mathCall(e: ts.CallExpression, name: string): Node {
    const g = this.graph;
    const op = mathPrimitive(name);
    if (op === undefined) {
      unsupported(
        codes.unknownCallee,
        e,
        name === 'random'
          ? 'Math.random() has no derivative; draw random numbers outside the marked function and pass them in.'
          : `Math.${name} has no derivative rule; compute it outside the marked function and pass the result in.`,
      );
    }
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
  private calleeDeclaration(e: ts.CallExpression): FunctionLike {
    const ts = this.ts;
    let decl: ts.Node | undefined = this.checker.getResolvedSignature(e)?.declaration;
    if (decl !== undefined && !ts.isFunctionLike(decl)) decl = undefined;
    if (decl === undefined) {
      const symbol = this.checker.getSymbolAtLocation(e.expression);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
      decl = target?.valueDeclaration;
      if (decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined) decl = decl.initializer;
    }
    const calleeText = e.expression.getText();
    if (decl !== undefined && this.isWrapperCall(decl)) decl = (decl as ts.CallExpression).arguments[0];
    if (
      decl === undefined ||
      !(ts.isFunctionDeclaration(decl) || ts.isFunctionExpression(decl) || ts.isArrowFunction(decl) || ts.isMethodDeclaration(decl)) ||
      decl.body === undefined
    ) {
      unsupported(
        codes.unknownCallee,
        e,
        `'${calleeText}' has no source that coarsegrad can see (it is declared in a .d.ts file, a library, or is not a plain function), so it cannot be differentiated through; write it in TypeScript in this program or compute its result outside the marked function.`,
      );
    }
    if (decl.getSourceFile().isDeclarationFile) {
      unsupported(codes.unknownCallee, e, `'${calleeText}' comes from a declaration file without source; compute its result outside the marked function and pass it in.`);
    }
    return decl;
  }

  /** `differentiable(fn)` as written by the user: the wrapped function is what runs. */
  private isWrapperCall(node: ts.Node): boolean {
    const ts = this.ts;
    return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'differentiable' && node.arguments.length >= 1 && ts.isFunctionLike(node.arguments[0]!);
  }

  /** `this` inside an arrow function is its enclosing function's `this`, if that function is being lowered. */
  private lexicalThis(arrow: ts.ArrowFunction): Value | undefined {
    const ts = this.ts;
    let container: ts.Node = arrow.parent;
    while (!ts.isSourceFile(container) && !(ts.isFunctionLike(container) && !ts.isArrowFunction(container))) container = container.parent;
    const frame = this.stack.find((f) => f.fn === container);
    if (frame !== undefined) return frame.thisValue;
    // The marked arrow itself: its companion is an arrow in the same scope, so `this` is shared.
    return arrow === this.fn ? { kind: 'object', expr: { kind: 'this' } } : undefined;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private symbolOf(id: ts.Identifier): ts.Symbol {
    const symbol = this.checker.getSymbolAtLocation(id);
    if (symbol === undefined) unsupported(codes.unreachableName, id, `cannot resolve '${id.text}'.`);
    return symbol;
  }

  private isGlobal(id: ts.Identifier): boolean {
    const symbol = this.checker.getSymbolAtLocation(id);
    const decl = symbol?.declarations?.[0];
    return decl === undefined ? id.text === 'undefined' : decl.getSourceFile().isDeclarationFile;
  }

  private skipParentheses(e: ts.Expression): ts.Expression {
    const ts = this.ts;
    while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    return e;
  }
}
