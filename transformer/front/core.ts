/**
 * The core: the small language that the front end (`desugar.ts`) turns a marked function and every
 * function it reaches into, and the only thing the coarse lowering and the fine emitter read
 * (DESIGN.md §3). A construct of TypeScript is taught to the pipeline once, by desugaring it into
 * this core; the two modes then differ in how they differentiate, never in what a program means.
 *
 * What the core guarantees:
 * - names are resolved: a local is a `Var` (one per declaration, shared by every use), a name from
 *   outside is `free` (read where the companion can see it) or folded to its constant value;
 * - every value carries its `Shape` (number, Int, boolean, array of numbers, object, ...), decided
 *   once from the type checker;
 * - expressions have no effects: assignments, `++`/`--`, compound assignments, calls to functions
 *   with source and array methods that change their array are statements of their own, in the
 *   order JavaScript evaluates them, and what an effect could change is read into a temporary
 *   before it runs;
 * - every local is declared with a value (`undefined` when the source gives none), `var`s at the
 *   top of their function; a parameter's default is applied by the callee's first statements, when
 *   the argument is `undefined`, as JavaScript does;
 * - loops are one form (`for` with an initialiser, a test, an update), `for...of` included; `break`
 *   and `continue` name the loop they leave; a function body is a statement list ending every
 *   path in `return` (a void function returns `undefined`).
 */
import type ts from 'typescript';
import type { FunctionLike } from './source.js';
import type { PrimitiveName } from '../rules.js';

/** What a value is, as far as differentiation cares: the shape its gradient takes. */
export type Shape =
  /** `int`: the runtime's `Int` brand (a size or count, never differentiated). `optional`: may be `undefined`. */
  | { readonly kind: 'number'; readonly int: boolean; readonly optional: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'undefined' }
  /** An array of numbers: a plain array or a typed array. */
  | { readonly kind: 'array'; readonly storage: ArrayStorage }
  /**
   * An object read for its fields (a local record, `this`, an options object). `fields`: the shapes
   * of an object literal's values, where the front end saw them built (the checker types a field
   * holding an element of `new Array(n).fill(0)` as `any`).
   */
  | { readonly kind: 'record'; readonly fields?: ReadonlyMap<string, Shape> }
  | { readonly kind: 'function' }
  /**
   * An array of objects of numbers (`{ x: number; y: number }[]`), a parameter's: held as one array
   * per field (`records` in the core). `element`: the record one element is, its fields numbers or
   * records of numbers.
   */
  | { readonly kind: 'records'; readonly element: RecordShape }
  /**
   * An array of arrays of numbers (`number[][]`, `Float64Array[]`), a parameter's: held as its rows'
   * numbers in one flat array, with the row count and the row length (`matrix` in the core, built
   * by `rows.ts`). `row`: what one row is in the source.
   */
  | { readonly kind: 'matrix'; readonly row: ArrayStorage }
  /** Anything else: passed along, never differentiated. `text` is its type, for messages. */
  | { readonly kind: 'other'; readonly text: string };

export type ArrayStorage = 'array' | 'float64' | 'float32';

/** The fields of an element of an array of records: a number, an array of numbers, or a record of them. */
export type RecordShape = { readonly kind: 'record'; readonly fields: ReadonlyMap<string, Shape>; /** A tuple of numbers (`[number, number]`): fields 0, 1, ... */ readonly tuple?: boolean };

export const shapes = {
  number: { kind: 'number', int: false, optional: false } as Shape,
  int: { kind: 'number', int: true, optional: false } as Shape,
  boolean: { kind: 'boolean' } as Shape,
  string: { kind: 'string' } as Shape,
  undefined: { kind: 'undefined' } as Shape,
  record: { kind: 'record' } as Shape,
  array: (storage: ArrayStorage): Shape => ({ kind: 'array', storage }),
};

/** A local variable or parameter of a core function: every use of one declaration is this object. */
export interface Var {
  readonly id: number;
  readonly name: string;
  readonly shape: Shape;
  /** Where it is declared, for messages; a temporary the front end made points at what it holds. */
  readonly at: ts.Node;
  /** Made by the front end (a temporary, a copy of an operand), not written by the user. */
  readonly temporary: boolean;
}

/** Every node knows the source it came from, for diagnostics at the right place. */
interface At {
  readonly at: ts.Node;
}

export type Expr =
  | (At & { readonly kind: 'number'; readonly value: number; /** `PI` for `Math.PI`. */ readonly name?: string })
  | (At & { readonly kind: 'boolean'; readonly value: boolean })
  | (At & { readonly kind: 'string'; readonly value: string })
  | (At & { readonly kind: 'undefined' })
  | (At & { readonly kind: 'var'; readonly var: Var })
  /**
   * A name declared outside every function being differentiated, in a scope the companion shares
   * (or a global): read at run time. `node` is the source identifier where it is in the marked
   * function's own file, so that the emit reuses it (imports are renamed through it).
   */
  | (At & { readonly kind: 'free'; readonly name: string; readonly node: ts.Identifier | undefined; readonly shape: Shape })
  /** The `this` of `owner` (an arrow reads its enclosing function's; `undefined` outside any function). */
  | (At & { readonly kind: 'this'; readonly owner: FunctionLike | undefined; readonly shape: Shape })
  | (At & { readonly kind: 'unary'; readonly op: 'neg' | 'plus' | '!' | '~'; readonly operand: Expr })
  /** Arithmetic, bitwise operations and comparisons; `+` of strings is `concat`. */
  | (At & { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr })
  /** `a && b`, `a || b`, `a ?? b`: the right side is evaluated only when needed (it has no effect). */
  | (At & { readonly kind: 'logical'; readonly op: '&&' | '||' | '??'; readonly left: Expr; readonly right: Expr; readonly shape: Shape })
  | (At & { readonly kind: 'conditional'; readonly test: Expr; readonly whenTrue: Expr; readonly whenFalse: Expr; readonly shape: Shape })
  /** `v === undefined` (the test a default makes), or `v == null` (`??`'s). */
  | (At & { readonly kind: 'isUndefined'; readonly operand: Expr; readonly orNull: boolean })
  | (At & { readonly kind: 'math'; readonly op: PrimitiveName; readonly name: string; readonly args: readonly Expr[] })
  /** `object.name`; `array.length` too. */
  | (At & { readonly kind: 'field'; readonly object: Expr; readonly name: string; readonly shape: Shape })
  | (At & { readonly kind: 'element'; readonly array: Expr; readonly index: Expr; readonly shape: Shape })
  | (At & { readonly kind: 'arrayLiteral'; readonly elements: readonly Expr[] })
  /**
   * A parameter's array of records, as one array per field (`fields`: each an array, or such
   * records for a nested record); `pts[i]` is the record of the fields' elements at i.
   */
  | (At & {
      readonly kind: 'records';
      readonly fields: readonly (readonly [string, Expr])[];
      readonly element: RecordShape;
      readonly readonlyAs: string;
      /** The caller's array itself, which a function changing it in place writes (as `objectLiteral`'s). */
      readonly original?: Expr;
    })
  /**
   * A parameter's array of arrays (shape `matrix`): `flat` holds row i from `i * stride`, `cols`
   * long (`stride` ≥ `cols`, the cells between NaN); `pts[i]` is a `view` of it. Read as an object
   * with the fields `flat`, `rows`, `cols` and `stride`.
   */
  | (At & {
      readonly kind: 'matrix';
      readonly flat: Expr;
      readonly rows: Expr;
      readonly cols: Expr;
      readonly stride: Expr;
      readonly row: ArrayStorage;
      readonly readonlyAs: string;
      /** The caller's array of rows itself, which a function changing it in place writes. */
      readonly original?: Expr;
    })
  /**
   * `length` elements of `array` from `start` on, as an array of their own that shares them: a
   * typed array's `subarray`. `storage` is what the view is in the source.
   */
  | (At & { readonly kind: 'view'; readonly array: Expr; readonly start: Expr; readonly length: Expr; readonly storage: ArrayStorage })
  /**
   * `readonlyAs` names an object that is not the function's own (a parameter's), which it may not
   * change; `original`, for a parameter's, reads the caller's object itself (what a write to the
   * parameter writes, where the function changes it in place).
   */
  | (At & { readonly kind: 'objectLiteral'; readonly fields: readonly (readonly [string, Expr])[]; readonly readonlyAs?: string; readonly original?: Expr })
  /** `new Float64Array(n)`, `new Float64Array(array)`, `new Array(n)`, `Float64Array.from(array)`. */
  | (At & { readonly kind: 'newArray'; readonly storage: ArrayStorage; readonly arg: Expr | undefined; readonly copy: boolean })
  /** `new Error(message)` (or another of the standard errors): what a `throw` throws. */
  | (At & { readonly kind: 'newError'; readonly ctor: string; readonly args: readonly Expr[] })
  /** `array.slice(...)`: a copy, the function's own. */
  | (At & { readonly kind: 'slice'; readonly array: Expr; readonly args: readonly Expr[] })
  /** Only as the value of a `let`/`assign` or as an `effect` (see `Effectful`). */
  | Call
  | ArrayMethod;

/** A call of a function with source in the program: inlined by both modes. */
export interface Call extends At {
  readonly kind: 'call';
  readonly fn: CoreFunction;
  /** One per parameter of the callee; `undefined` where the call passes none. */
  readonly args: readonly Expr[];
  /** The callee's `this`: the object of a method call. */
  readonly receiver: Expr | undefined;
  readonly shape: Shape;
}

/** `array.push(...)`, `array.fill(v)`: change their array. */
export interface ArrayMethod extends At {
  readonly kind: 'arrayMethod';
  readonly method: 'push' | 'fill';
  readonly array: Expr;
  readonly args: readonly Expr[];
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '**' | '&' | '|' | '^' | '<<' | '>>' | '>>>' | '<' | '<=' | '>' | '>=' | '===' | '!==' | 'concat';

export type Stmt =
  /** `let v = init` (every local, `const` included; `undefined` when the source gives no value). */
  | (At & { readonly kind: 'let'; readonly var: Var; readonly init: Expr })
  | (At & { readonly kind: 'assign'; readonly var: Var; readonly value: Expr })
  /** `object[index] = value` (an element) or `object.name = value` (a field, `length` too). */
  | (At & { readonly kind: 'store'; readonly object: Expr; readonly key: Key; readonly value: Expr })
  /** A call evaluated for what it changes. */
  | (At & { readonly kind: 'effect'; readonly call: Call | ArrayMethod })
  | (At & { readonly kind: 'if'; readonly test: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] })
  | Loop
  | (At & { readonly kind: 'break'; readonly loop: Loop })
  | (At & { readonly kind: 'continue'; readonly loop: Loop })
  | (At & { readonly kind: 'return'; readonly value: Expr })
  /** `throw value`: the companion throws where the primal does, the same error. */
  | (At & { readonly kind: 'throw'; readonly value: Expr });

export type Key = { readonly kind: 'element'; readonly index: Expr } | { readonly kind: 'field'; readonly name: string };

/**
 * Every loop: `init; while (test) { body; update }`, where `continue` goes to `update`. `while` has no
 * init and no update; `do...while` tests after the body (`testFirst` false); `for (;;)` has no test.
 * `testing` holds statements the test needs each time it is evaluated (a call or `i++` in it).
 */
export interface Loop extends At {
  readonly kind: 'loop';
  readonly init: Stmt[];
  testing: Stmt[];
  test: Expr | undefined;
  readonly testFirst: boolean;
  body: Stmt[];
  update: Stmt[];
  /** The source's loop (or the switch, or the array method's call, it stands for), for messages and the report. */
  readonly at: ts.IterationStatement | ts.SwitchStatement | ts.CallExpression;
}

export interface CoreParameter {
  readonly var: Var;
  /** Typed `Data<...>` (alone or within the parameter's object): read, never differentiated, its gradient `undefined`. */
  readonly data?: boolean;
  /**
   * The marked function's own default (a number literal), which its companion's parameter repeats,
   * so that a parameter left out is differentiated at its default. A called function's defaults are
   * applied by its body's first statements instead.
   */
  readonly companionDefault: ts.Expression | undefined;
}

/** A leaf of a parameter: the core parameter at `index`; or an object of such trees. */
export type ParameterTree =
  | {
      readonly kind: 'leaf';
      readonly index: number;
      /** A `k?: number` field: its gradient is `undefined` where it is. */
      readonly optional: boolean;
      /** The marked function's rest parameter (`...xs: number[]`): an array of the arguments, its gradient one entry per argument. */
      readonly rest?: boolean;
    }
  | {
      readonly kind: 'object';
      readonly fields: readonly (readonly [string, ParameterTree])[];
      /** A tuple's elements: fields 0, 1, ... */
      readonly tuple?: boolean;
      /** The leaf holding the caller's object itself (a parameter's, not a field's), which carries no gradient. */
      readonly self?: number;
      /** An optional field's object (`base?: Point`): its leaves are `undefined` where the caller gives none, and so is its gradient. */
      readonly optional?: boolean;
    }
  /**
   * An array of records: `element`'s leaves are arrays, one element's field each. `self`: the leaf
   * holding the caller's array itself (carrying no gradient), where it is one array of the caller's.
   */
  | { readonly kind: 'records'; readonly element: ParameterTree & { readonly kind: 'object' }; readonly self?: number }
  /** An array of arrays of numbers: the leaves holding its numbers, row by row, its sizes and the rows' spacing (and `self`, as a records'). */
  | { readonly kind: 'matrix'; readonly flat: number; readonly rows: number; readonly cols: number; readonly stride: number; readonly self?: number };

/** A parameter of the marked function as its source declares it (`parameters.ts`). */
export interface SourceParameter {
  readonly name: string;
  readonly default: ts.Expression | undefined;
  readonly tree: ParameterTree;
  /** A method's `this`, taken as a parameter (the last one): read from `this`, not passed. */
  readonly receiver?: boolean;
}

export interface CoreFunction {
  readonly decl: FunctionLike;
  readonly name: string;
  readonly params: readonly CoreParameter[];
  /** Filled once the body is desugared (a recursive call refers to its function before). */
  body: readonly Stmt[];
  /** The function whose `this` the body reads: itself, or for an arrow the function around it. */
  readonly thisOwner: FunctionLike | undefined;
  /** Declared inside another function, whose variables it may read. */
  readonly closure: boolean;
  result: Shape;
  /** The marked function's parameters as the source declares them; `params` are their leaves. */
  readonly signature?: readonly SourceParameter[];
}

/** A marked function and what the front end found about it. */
export interface CoreProgram {
  readonly main: CoreFunction;
  /**
   * `number` parameters of the marked function that decide a trip count, an index or a length:
   * integer-valued, so not differentiated (their gradient entry is 0), with the reason (DESIGN.md §4).
   */
  readonly discrete: ReadonlyMap<Var, string>;
  /**
   * Every declaration the companion is derived from: the functions the marked function reaches
   * (itself included) and the constants folded into it. A change to one from another file makes
   * the companion stale (`versions.ts`).
   */
  readonly sources: ReadonlySet<ts.Node>;
}

/** The leaves of a tree, in the order its gradient is built from (`packCompanion`): the caller's own object or array first. */
export function leavesOf(tree: ParameterTree): number[] {
  if (tree.kind === 'leaf') return [tree.index];
  const self = tree.self === undefined ? [] : [tree.self];
  if (tree.kind === 'matrix') return [...self, tree.flat, tree.rows, tree.cols, tree.stride];
  return [...self, ...(tree.kind === 'records' ? tree.element : tree).fields.flatMap(([, t]) => leavesOf(t))];
}

/** The shape of a core expression. */
export function shapeOf(e: Expr): Shape {
  switch (e.kind) {
    case 'number':
    case 'math':
    case 'unary':
      return e.kind === 'unary' && e.op === '!' ? shapes.boolean : shapes.number;
    case 'binary':
      return e.op === 'concat' ? shapes.string : comparisons.has(e.op) ? shapes.boolean : shapes.number;
    case 'boolean':
    case 'isUndefined':
      return shapes.boolean;
    case 'string':
      return shapes.string;
    case 'undefined':
      return shapes.undefined;
    case 'var':
      return e.var.shape;
    case 'arrayLiteral':
      // `[[a, b], [c, d]]`: an array of arrays.
      return e.elements.length > 0 && shapeOf(e.elements[0]!).kind === 'array' ? { kind: 'matrix', row: 'array' } : shapes.array('array');
    case 'objectLiteral':
      return { kind: 'record', fields: new Map(e.fields.map(([name, value]) => [name, shapeOf(value)])) };
    case 'newArray':
      return shapes.array(e.storage);
    case 'slice':
      return shapeOf(e.array);
    case 'arrayMethod':
      return e.method === 'push' ? shapes.number : shapeOf(e.array);
    case 'newError':
      return { kind: 'other', text: e.ctor };
    case 'records':
      return { kind: 'records', element: e.element };
    case 'matrix':
      return { kind: 'matrix', row: e.row };
    case 'view':
      return shapes.array(e.storage);
    default:
      return e.shape;
  }
}

const comparisons = new Set<BinaryOp>(['<', '<=', '>', '>=', '===', '!==']);
