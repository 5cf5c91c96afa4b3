/**
 * The front end's parts as they see each other (`desugar.ts`, `body.ts`): what one marked function's
 * desugaring shares (`Front`), and the body being desugared with its operations (`BodyScope`), which
 * the statement, expression, call and assignment rewriters (`statements.ts`, `expressions.ts`,
 * `calls.ts`, `assignments.ts`) call on each other through it, so that none imports another.
 */
import type ts from 'typescript';
import type { BinaryOp, Call, CoreFunction, CoreParameter, Expr, Loop, Shape, Stmt, Var } from './core.js';
import type { ArrayMethodScope } from './desugar-arrays.js';
import type { ClassScope } from './desugar-classes.js';
import type { GuardScope } from './desugar-guards.js';
import type { Overrides } from './overrides.js';
import type { FunctionLike } from './source.js';

/** Where an expression is desugared: its value is read, it is only run for its effects, or it initialises a variable. */
export type Place = 'value' | 'effect' | 'init';

/** What one marked function's desugaring shares across the functions it reaches (`desugar.ts`). */
export interface Front {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
  readonly main: FunctionLike;
  /** The marked method's `this` as a parameter's variable, where it is taken as one (`markedParameters`). */
  readonly receiver: Var | undefined;
  readonly companionFile: ts.SourceFile;
  /** The methods the program's subclasses override, and the classes classes extend. */
  readonly overrides: Overrides;
  /** Functions whose bodies are being desugared, outermost first. */
  readonly active: readonly FunctionLike[];
  /** Constants being folded, against a constant defined by itself. */
  readonly folding: Set<ts.Symbol>;
  /** The declarations of the constants folded in. */
  readonly constants: Set<ts.Node>;
  readonly binary: ReadonlyMap<ts.SyntaxKind, BinaryOp>;
  readonly compound: ReadonlyMap<ts.SyntaxKind, BinaryOp>;
  /** The core of `decl`, desugared once per set of functions its function parameters are given. */
  function(decl: FunctionLike, at: ts.Node, bound?: ReadonlyMap<ts.Symbol, FunctionValue>): CoreFunction;
  /** The variable a declaration's name introduces (a parameter, a local, a `var`). */
  variable(name: ts.Identifier, at: ts.Node): Var;
  /** The variable `symbol` is, if it is a local or parameter of a function being desugared. */
  localOf(symbol: ts.Symbol): Var | undefined;
  temporary(name: string, shape: Shape, at: ts.Node): Var;
  shape(node: ts.Node): Shape;
  symbolOf(id: ts.Identifier): ts.Symbol;
  /** Is `id` a name from the standard library (`Math`, `NaN`, `Float64Array`), not one the program declares? */
  isGlobal(id: ts.Identifier): boolean;
}

/** A function a call made (`closures.ts`): the factory, and its arguments as they were at the call. */
export interface MadeFunction {
  readonly factory: FunctionLike;
  readonly args: readonly Expr[];
  readonly at: ts.CallExpression;
}

/** What a function parameter is given at a call: a function of the program, or one a call made. */
export type FunctionValue = FunctionLike | MadeFunction;

/** Whether a function parameter's value is one a call made. */
export function isMade(v: FunctionValue): v is MadeFunction {
  return 'factory' in v;
}

/** One function's body being desugared (`body.ts`), with the rewriters' operations. */
export interface BodyScope {
  readonly ts: typeof ts;
  readonly front: Front;
  readonly fn: FunctionLike;
  /** The functions this body's function parameters are (see `Front.function`). */
  readonly bound: ReadonlyMap<ts.Symbol, FunctionValue>;
  /** The statements desugared so far, where the next one goes. */
  out: Stmt[];
  /** The loops and switches around the statement being desugared, innermost last. */
  readonly loops: { readonly loop: Loop; readonly label: string | undefined; readonly isSwitch?: true }[];
  /** Objects being built by `new` (`desugar-classes.ts`): `this` in their constructor and field initialisers. */
  readonly constructing: { readonly owner: ts.Node; readonly self: Expr; /** A derived class's constructor: what its `super(...)` runs. */ readonly superCall?: ((args: readonly Expr[], at: ts.Node) => void) | undefined }[];
  /** Callbacks desugared where they are called (`inline`): a `return` in one ends its block. */
  readonly inlined: { readonly result: Var; readonly block: Loop; /** In a factory's body: what a `return` of a function gives (`closures.ts`). */ readonly returned?: ((e: ts.Expression) => Expr) | undefined }[];
  /** Functions made by calls in this body (`const f = factory(k)`), by name (`closures.ts`). */
  readonly made: Map<ts.Symbol, MadeFunction>;
  /** Variables the body (or a closure in it) assigns after declaring them: reading one may need a copy. */
  readonly assigned: ReadonlySet<ts.Symbol>;
  /**
   * The `finally` blocks around the statement being desugared, innermost last, with how many loops
   * and inlined callbacks were around each: what a `return`, `break` or `throw` leaves runs them.
   */
  readonly finallies: { readonly block: ts.Block; readonly loops: number; readonly inlined: number }[];
  /** The function's body in the core, its parameters' defaults and destructuring first. */
  functionBody(params: readonly { readonly param: CoreParameter; readonly object: Expr | undefined }[]): Stmt[];
  statements(list: readonly ts.Statement[]): void;
  /**
   * A variable declared without a type or a value (`let h;`) takes the shape of what it is first
   * given; an object never given another takes the shapes of the fields it was built with.
   */
  refine(v: Var, value: Expr, neverReassigned?: () => boolean): void;
  /** `const { x, y: [a, b = 1] } = source`: one declaration per name, reading `source` (a stable expression). */
  destructure(pattern: ts.BindingName, source: Expr, how: 'let' | 'assign'): void;
  /** An expression statement: what it changes, in order; its value is dropped. */
  effect(e: ts.Expression): void;
  /**
   * The value of `e`, as an expression without effects; its effects are emitted before, in order.
   * At `effect`, the value is not wanted (and may be `undefined`); at `init`, a call may stay whole.
   */
  expression(e: ts.Expression, place?: Place): Expr;
  /**
   * What a `throw` throws: one of the standard errors, built from strings and numbers
   * (`new RangeError(\`n must be positive, got ${n}\`)`), which the companion throws the same.
   */
  thrown(e: ts.Expression): Expr;
  /** `f(...)`: a call of `Math`, a guard, an array method, or a function with source, inlined by both modes. */
  call(e: ts.CallExpression, place: Place): Expr;
  /** A call where it stands: kept whole as an initialiser, a statement of its own for its effects, else a temporary. */
  placed(call: Call | Extract<Expr, { kind: 'arrayMethod' }>, place: Place, name: string): Expr;
  /** `target = value`: the stored value is the expression's value. */
  assignTo(target: ts.Expression, value: (place: Place) => Expr, place: Place, at?: ts.Node): Expr;
  /** `target op= e`, `++target`, `target--`: the target's place is evaluated once, read, then written. */
  readModifyWrite(target: ts.Expression, modify: (current: () => Expr) => Expr, place: Place, at: ts.Node, postfix: boolean): Expr;
  /** `++x`, `x--`: `readModifyWrite` adding or taking 1. */
  update(operand: ts.Expression, op: '+' | '-', postfix: boolean, place: Place, at: ts.Node): Expr;
  /**
   * Evaluates expressions in order. When one of them needs statements (an effect), the values before
   * it that such a statement could change are first copied into temporaries, so that each reads
   * what it read in JavaScript's order.
   */
  operands(items: readonly (() => Expr)[]): Expr[];
  /**
   * A callback written at its call (`xs.forEach((v, i) => { t += v * i; })`), desugared here: its
   * parameters are locals given the arguments (defaults and destructuring as for any parameter), its
   * body runs in a block that runs once, which a `return` ends with the callback's value. What it
   * changes around it is then this function's own variables, in both modes.
   */
  inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Expr[], site?: ts.CallExpression): Expr;
  /** A factory's body desugared at `site`, where a `return` of a function is `returned` of it. */
  inlineFactory(fn: FunctionLike, args: readonly Expr[], site: ts.CallExpression, returned: (e: ts.Expression) => Expr): Expr;
  /** `if (v === undefined) v = init`: a default, applied where the argument is `undefined`, as in JavaScript. */
  defaultWhenUndefined(v: Var, init: ts.Expression, at: ts.Node): void;
  /** A loop that runs once (`once = 0; once < 1; once++`), so that a `break` leaves the code in it. */
  onceLoop(at: ts.Node, source: Loop['at']): Loop;
  /** Runs `body` (another function's code desugared here) with none of this body's loops around it for `break` and `continue`. */
  apart(body: () => void): void;
  /**
   * The function `e` passes: written there, a function or const arrow of the program named there,
   * or what this body's own function parameter was given.
   */
  functionValue(e: ts.Expression): FunctionLike;
  /** What `desugar-classes.ts` needs of this body. */
  classScope(): ClassScope;
  /** What `desugar-guards.ts` needs of this body. */
  guardScope(): GuardScope;
  /** What `desugar-arrays.ts` needs of this body. */
  arrayScope(): ArrayMethodScope;
  /** `e` itself if stable, else a temporary holding it. */
  stableCopy(e: Expr, at: ts.Node, name: string): Expr;
  /** A temporary holding `e`'s value now, whatever changes later. */
  copy(e: Expr, at: ts.Node, name: string): Expr;
  /** The statements `body` desugars, kept apart from the body's. */
  collect(body: () => void): Stmt[];
  /** The statements `body` desugars and the value it gives. */
  collectValue(body: () => Expr): { statements: Stmt[]; value: Expr };
}
