/**
 * What the lowering of a marked function (`lower.ts`) and its parts (`lower-loops.ts`,
 * `lower-arrays.ts`, `lower-maps.ts`, `lower-records.ts`) share: the values it keeps for the core's
 * variables, the state a branch or a loop saves and joins, a function's frame, its result, and the
 * lowerer's operations that the parts call back (`Lowering`), so that no part imports the lowerer.
 */
import type ts from 'typescript';
import type { CoreFunction, CoreProgram, Expr, Loop as CoreLoop, Shape, Stmt, Var } from '../front/core.js';
import type { Graph, Loop, Node, OpaqueExpr, ParamNode } from './ir.js';

export interface LoweredParameter {
  readonly name: string;
  /** The differentiated input, for a `number` parameter; absent for parameters that carry no derivative. */
  readonly node: ParamNode | undefined;
  /** For an array parameter: the elements read, by index; the gradient is an array of the same length. */
  readonly elements: ReadonlyMap<number, ParamNode> | undefined;
  /** A `number` parameter that decides a trip count, an index or a length: its derivative is 0. */
  readonly discrete: boolean;
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
  /** Where the function throws: the companion throws there too, before anything else it returns. */
  readonly throws: readonly ThrowSite[];
  /** For each flat array parameter of an array of arrays, how far apart its rows must be: one past the largest constant index read on a row. */
  readonly rowReach: ReadonlyMap<number, number>;
}

/** A `throw` met on the way: the error is thrown where `guard` holds (always, if undefined). */
export interface ThrowSite {
  readonly guard: Node | undefined;
  readonly ctor: string;
  /** Each argument of the error, as pieces joined: text, or a number computed by the companion. */
  readonly args: readonly (readonly (string | Node)[])[];
}

/**
 * A lowered value: a number or a condition (DAG nodes), an inactive object read at run time, a local
 * array (its elements live in the lowerer's heap, so that aliases see each other's writes), an
 * array parameter (its elements are inputs), or `undefined` and string constants, which only steer.
 */
export type Value =
  | { readonly kind: 'number'; readonly node: Node }
  | { readonly kind: 'boolean'; readonly node: Node }
  | { readonly kind: 'object'; readonly expr: OpaqueExpr }
  | { readonly kind: 'array'; readonly ref: number }
  /** A local array of run-time length (`lower-maps.ts`). */
  | { readonly kind: 'dynArray'; readonly ref: number }
  /**
   * An array parameter, or (with `offset`) `length` of its elements from `offset` on: a row of a
   * parameter's array of arrays (`view` in the core), `readonlyAs` in messages.
   */
  | { readonly kind: 'paramArray'; readonly index: number; readonly name: string; readonly float32: boolean; readonly offset?: Node; readonly length?: Node; readonly readonlyAs?: string }
  /**
   * A parameter's array of arrays (`matrix` in the core): its numbers in one flat array parameter,
   * row i from `i * stride`, `cols` long, `rows` rows; row i is a view of it. Never written.
   */
  | { readonly kind: 'matrix'; readonly flat: Extract<Value, { kind: 'paramArray' }>; readonly rows: Node; readonly cols: Node; readonly stride: Node; readonly readonlyAs: string }
  /** A parameter's array of records: an array per field (`records` in the core); never written. */
  | { readonly kind: 'records'; readonly fields: readonly (readonly [string, Value])[]; readonly readonlyAs: string }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'string'; readonly value: string };

/** What a statement list may change: the current frame's variables and the contents of local arrays. */
export interface State {
  readonly bindings: Map<Var, Value>;
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
export interface PendingReturn {
  readonly guard: Node | undefined;
  readonly value: Value;
  /** For an array or object returned: its contents as they were when it was returned. */
  readonly contents?: readonly Value[];
  /** The arrays and objects as the return left them: what the caller sees of a called function's changes. */
  readonly state: State;
}

export class Frame {
  bindings = new Map<Var, Value>();
  /** Returns so far, in program order: the first whose guard holds is the function's result. */
  readonly returns: PendingReturn[] = [];
  /** Every path reaching the current statement has left it: by `return`, `break` or `continue`. */
  ended = false;
  /** The conjunction of branch conditions leading here; `undefined` at the top of the body. */
  path: Node | undefined = undefined;
  /** Exits met in the bodies of this function's loops being lowered, innermost last, with their loops. */
  readonly loops: LoopExit[][] = [];
  readonly loopsLowered: CoreLoop[] = [];
  /**
   * For run-time loops whose body returns: the variables a `return` sets before leaving the loop
   * like a `break`, and that loop's exits; the function returns after the loop if the flag is set.
   */
  readonly returnsThrough: { readonly flag: Var; readonly value: Var; readonly exits: LoopExit[] }[] = [];
  constructor(
    readonly fn: CoreFunction,
    /** `this` inside the function; `undefined` where it has none the companion can rebuild. */
    readonly thisValue: Value | undefined,
  ) {}
}

/** A write: at `index` (a point), or for a map, at `index(loop) + offset` in every iteration of `loop`. */
export interface Write {
  readonly index: Node;
  readonly value: Node;
  readonly loop?: Loop;
  readonly offset?: number;
  /** How many reads of arrays of run-time length came before it (`Lowering.dynamicReads`). */
  readonly readsBefore: number;
}

export interface DynamicArray {
  readonly length: Node;
  readonly fill: Node;
  readonly kind: 'array' | 'float64' | 'float32';
  readonly writes: readonly Write[];
  /**
   * Written whole in every iteration of this run-time loop (a per-iteration scratch array): what it
   * holds after the loop is the last iteration's, which is not modelled, so it is not read again.
   */
  readonly rewrittenIn?: ts.Node;
}


export const undefinedValue: Value = { kind: 'undefined' };

/** Comparisons: their result is a condition. */
export function isBooleanOp(op: string): boolean {
  return op === '<' || op === '<=' || op === '>' || op === '>=' || op === '===' || op === '!==';
}

/** The lowerer (`lower.ts`) as its parts see it. */
export interface Lowering {
  readonly program: CoreProgram;
  readonly graph: Graph;
  readonly frame: Frame;
  /** The frames of the functions being lowered, the marked function's first. */
  readonly stack: Frame[];
  /** Names from enclosing scopes that the companion reads. */
  readonly freeNames: Set<string>;
  /** Elements of array parameters read at constant indices, by parameter. */
  readonly paramElements: Map<number, Map<number, ParamNode>>;
  /** How far apart the rows of each array of arrays parameter must be (`LoweredFunction.rowReach`). */
  readonly rowReach: Map<number, number>;
  /** A value read at run time: a constant number, a condition, or an object to read fields of. */
  opaqueValue(expr: OpaqueExpr, shape: Shape): Value;
  heap: Map<number, readonly Value[]>;
  dynamic: Map<number, DynamicArray>;
  readonly dynamicReads: { readonly ref: number; readonly index: Node }[];
  nextArray: number;
  unrolledIterations: number;
  readonly runtimeLoops: Loop[];
  /** Counted loops lowered as reductions and maps, with nothing on the tape: loops over the same iterations merge into them (`lower-twins.ts`). */
  readonly plainLoops: Loop[];
  /** Whether loops merge with their twins at all. */
  readonly mergesTwins: boolean;
  /** The source's names for values, by node: the emitted companion's names. */
  readonly nameHints: Map<Node, string>;
  readonly innerRecurrences: ts.Node[];
  readonly loopReport: string[];
  readonly arrayKinds: Map<number, 'array' | 'float64' | 'float32'>;
  readonly recordFields: Map<number, readonly string[]>;
  readonly frozenRecords: Set<number>;
  readonly readonlyRecords: Map<number, string>;
  /** Notes a loop's class in the report, with its line. */
  classify(at: ts.Node, text: string): void;
  snapshot(): State;
  restore(state: State): void;
  join(cond: Node, a: State, b: State, scope: State, at: ts.Node): State;
  joinAll(exits: readonly { readonly guard: Node | undefined; readonly state: State }[], scope: State, at: ts.Node): State;
  outerBinding(v: Var): Value | undefined;
  assignExisting(v: Var, value: Value, at: ts.Node): void;
  recordReturn(guard: Node | undefined, value: Value): void;
  phi(c: Node, a: Value, b: Value, at: ts.Node): Value;
  statements(list: readonly Stmt[]): void;
  condition(e: Expr): Node;
  number(e: Expr): Node;
  /** Lowers `loop`'s test (with the statements it needs) in the current state. */
  test(l: CoreLoop): Node;
}
