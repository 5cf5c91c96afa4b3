/**
 * One function's body as the front end desugars it (`desugar.ts`): the statements made so far, the
 * loops, callbacks and constructions around the one being desugared, and the sequencing every
 * rewriter needs (operands evaluated in order, values copied where a later effect could change
 * them, statements collected apart). The rewriting itself is the parts' (`statements.ts`,
 * `expressions.ts`, `calls.ts`, `assignments.ts`), which call each other through this body.
 */
import type ts from 'typescript';
import { shapeOf, shapes, type Call, type CoreParameter, type Expr, type Loop, type Stmt, type Var } from './core.js';
import type { ArrayMethodScope } from './desugar-arrays.js';
import type { ClassScope } from './desugar-classes.js';
import type { GuardScope } from './desugar-guards.js';
import * as assignments from './assignments.js';
import * as calls from './calls.js';
import * as expressions from './expressions.js';
import * as statements from './statements.js';
import { assignedSymbols, hoistedVars } from './scopes.js';
import { isMade, type BodyScope, type Front, type FunctionValue, type MadeFunction, type Place } from './scope.js';
import { callMadeWith, madeFunction } from './closures.js';
import { skipOuter, type FunctionLike } from './source.js';
import { numberAt, read, undefinedAt } from './values.js';

/** Desugars one function's body. */
export class Body implements BodyScope {
  out: Stmt[] = [];
  readonly loops: BodyScope['loops'] = [];
  readonly constructing: BodyScope['constructing'] = [];
  readonly inlined: BodyScope['inlined'] = [];
  readonly made: BodyScope['made'] = new Map();
  readonly finallies: BodyScope['finallies'] = [];
  readonly assigned: ReadonlySet<ts.Symbol>;
  readonly ts: typeof import('typescript');

  constructor(
    readonly front: Front,
    readonly fn: FunctionLike,
    readonly bound: ReadonlyMap<ts.Symbol, FunctionValue>,
  ) {
    this.ts = front.ts;
    this.assigned = assignedSymbols(front.ts, front.checker, fn);
  }

  functionBody(params: readonly { readonly param: CoreParameter; readonly object: Expr | undefined }[]): Stmt[] {
    const ts = this.ts;
    const fn = this.fn;
    // `var`s live from the top of the function, `undefined` until assigned (a `var` naming a
    // parameter is the parameter).
    for (const name of hoistedVars(ts, fn)) {
      const v = this.front.variable(name, name.parent);
      if (!params.some((p) => p.param.var === v)) this.out.push({ kind: 'let', var: v, init: undefinedAt(name), at: name });
    }
    // An object parameter of the marked function, rebuilt from its leaves.
    for (const { param, object } of params) if (object !== undefined) this.out.push({ kind: 'let', var: param.var, init: object, at: object.at });
    fn.parameters.forEach((p, i) => {
      const { param } = params[i]!;
      if (p.initializer !== undefined && param.companionDefault === undefined) this.defaultWhenUndefined(param.var, p.initializer, p);
      if (!ts.isIdentifier(p.name)) this.destructure(p.name, read(param.var, p), 'let');
    });
    const body = fn.body!;
    if (ts.isBlock(body)) {
      this.statements(body.statements);
      // Falling off the end returns `undefined`; after a `return` on every path this is never reached.
      const last = this.out[this.out.length - 1]?.kind;
      if (last !== 'return' && last !== 'throw') this.out.push({ kind: 'return', value: undefinedAt(body), at: body.getLastToken() ?? body });
    } else {
      const value = this.expression(body);
      this.out.push({ kind: 'return', value, at: body });
    }
    return this.out;
  }

  statements(list: readonly ts.Statement[]): void {
    statements.statements(this, list);
  }




  refine(v: Var, value: Expr, neverReassigned?: () => boolean): void {
    statements.refine(this, v, value, neverReassigned);
  }

  destructure(pattern: ts.BindingName, source: Expr, how: 'let' | 'assign'): void {
    statements.destructure(this, pattern, source, how);
  }




  effect(e: ts.Expression): void {
    statements.effect(this, e);
  }

  expression(e: ts.Expression, place?: Place): Expr {
    return expressions.expression(this, e, place);
  }










  thrown(e: ts.Expression): Expr {
    return expressions.thrown(this, e);
  }



  call(e: ts.CallExpression, place: Place): Expr {
    return calls.call(this, e, place);
  }

  /** A call where it stands: kept whole as an initialiser, a statement of its own for its effects, else a temporary. */
  placed(call: Call | Extract<Expr, { kind: 'arrayMethod' }>, place: Place, name: string): Expr {
    if (place === 'init') return call;
    if (place === 'effect') {
      this.out.push({ kind: 'effect', call, at: call.at });
      return undefinedAt(call.at);
    }
    const result = this.front.temporary(name, shapeOf(call), call.at);
    this.out.push({ kind: 'let', var: result, init: call, at: call.at });
    return read(result, call.at);
  }



  assignTo(target: ts.Expression, value: (place: Place) => Expr, place: Place, at?: ts.Node): Expr {
    return assignments.assignTo(this, target, value, place, at);
  }



  readModifyWrite(target: ts.Expression, modify: (current: () => Expr) => Expr, place: Place, at: ts.Node, postfix: boolean): Expr {
    return assignments.readModifyWrite(this, target, modify, place, at, postfix);
  }

  update(operand: ts.Expression, op: '+' | '-', postfix: boolean, place: Place, at: ts.Node): Expr {
    return assignments.update(this, operand, op, postfix, place, at);
  }


  /**
   * Evaluates expressions in order. When one of them needs statements (an effect), the values before
   * it that such a statement could change are first copied into temporaries, so that each reads
   * what it read in JavaScript's order.
   */
  operands(items: readonly (() => Expr)[]): Expr[] {
    const values: Expr[] = [];
    const marks: number[] = [];
    for (const item of items) {
      const out = this.out;
      const before = out.length;
      const value = item();
      if (out.length > before) {
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          if (this.isStable(v)) continue;
          const held = this.front.temporary('operand', shapeOf(v), v.at);
          out.splice(marks[i]!, 0, { kind: 'let', var: held, init: v, at: v.at });
          for (let j = i; j < marks.length; j++) marks[j]!++;
          values[i] = read(held, v.at);
        }
      }
      values.push(value);
      marks.push(out.length);
    }
    return values;
  }

  /** Can no statement of this function change what `e` reads (until it is reassigned by name)? */
  private isStable(e: Expr): boolean {
    switch (e.kind) {
      case 'number':
      case 'boolean':
      case 'string':
      case 'undefined':
      case 'this':
      case 'free':
        return true;
      case 'var':
        return e.var.temporary || !this.assignedVar(e.var);
      case 'unary':
      case 'isUndefined':
        return this.isStable(e.operand);
      case 'binary':
      case 'logical':
        return this.isStable(e.left) && this.isStable(e.right);
      case 'conditional':
        return this.isStable(e.test) && this.isStable(e.whenTrue) && this.isStable(e.whenFalse);
      case 'math':
        return e.args.every((a) => this.isStable(a));
      case 'field':
        // Reads from outside (`this.k`, a module's object) cannot be written by a marked function.
        return e.object.kind === 'this' || e.object.kind === 'free';
      default:
        return false;
    }
  }

  private assignedVar(v: Var): boolean {
    const decl = v.at;
    const ts = this.ts;
    const name = ts.isVariableDeclaration(decl) || ts.isParameter(decl) || ts.isBindingElement(decl) ? decl.name : ts.isIdentifier(decl) ? decl : undefined;
    if (name === undefined || !ts.isIdentifier(name)) return true;
    const symbol = this.front.checker.getSymbolAtLocation(name);
    return symbol === undefined || this.assigned.has(symbol) || (ts.isVariableDeclaration(decl) && (ts.getCombinedNodeFlags(decl) & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0);
  }

  inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Expr[], site?: ts.CallExpression): Expr {
    return calls.inline(this, fn, args, site);
  }

  inlineFactory(fn: FunctionLike, args: readonly Expr[], site: ts.CallExpression, returned: (e: ts.Expression) => Expr): Expr {
    return calls.inlineFactory(this, fn, args, site, returned);
  }

  /** `if (v === undefined) v = init`: a default, applied where the argument is `undefined`, as in JavaScript. */
  defaultWhenUndefined(v: Var, init: ts.Expression, at: ts.Node): void {
    const value = this.collectValue(() => this.expression(init));
    this.out.push({ kind: 'if', test: { kind: 'isUndefined', operand: read(v, at), orNull: false, at }, then: [...value.statements, { kind: 'assign', var: v, value: value.value, at }], else: [], at });
  }

  /** A loop that runs once (`once = 0; once < 1; once++`), so that a `break` leaves the code in it. */
  onceLoop(at: ts.Node, source: Loop['at']): Loop {
    const once = this.front.temporary('once', shapes.int, at);
    return {
      kind: 'loop',
      init: [{ kind: 'let', var: once, init: numberAt(0, at), at }],
      testing: [],
      test: { kind: 'binary', op: '<', left: read(once, at), right: numberAt(1, at), at },
      testFirst: true,
      body: [],
      update: [{ kind: 'assign', var: once, value: { kind: 'binary', op: '+', left: read(once, at), right: numberAt(1, at), at }, at }],
      at: source,
    };
  }

  /** Runs `body` (another function's code desugared here) with none of this body's loops around it for `break` and `continue`. */
  apart(body: () => void): void {
    const around = this.loops.splice(0);
    try {
      body();
    } finally {
      this.loops.push(...around);
    }
  }


  functionValue(e: ts.Expression): FunctionLike {
    return calls.functionValue(this, e);
  }

  /** What `desugar-classes.ts` needs of this body. */
  classScope(): ClassScope {
    return {
      ts: this.ts,
      expression: (e) => this.expression(e),
      temporary: (name, shape, at) => this.front.temporary(name, shape, at),
      variable: (name, at) => this.front.variable(name, at),
      emit: (s) => void this.out.push(s),
      base: (cls) => this.front.overrides.base(cls),
      withThis: (owner, self, run, superCall) => {
        this.constructing.push({ owner, self, superCall });
        try {
          this.apart(run);
        } finally {
          this.constructing.pop();
        }
      },
      defaultWhenUndefined: (v, init, at) => this.defaultWhenUndefined(v, init, at),
      statements: (list) => this.statements(list),
    };
  }

  /** What `desugar-guards.ts` needs of this body. */
  guardScope(): GuardScope {
    return { ts: this.ts, expression: (e) => this.expression(e), stable: (e, at, name) => this.stableCopy(e, at, name) };
  }

  /** What `desugar-arrays.ts` needs of this body. */
  arrayScope(): ArrayMethodScope {
    return {
      ts: this.ts,
      expression: (e) => this.expression(e),
      stable: (e, at, name) => this.stableCopy(e, at, name),
      temporary: (name, shape, at) => this.front.temporary(name, shape, at),
      checked: (node) => this.front.shape(node),
      function: (decl, at) => this.front.function(decl, at),
      inline: (fn, args) => this.inline(fn, args),
      functionValue: (e) => this.functionValue(e),
      madeCallback: (e) => {
        const inner = skipOuter(this.ts, e);
        const made = this.ts.isIdentifier(inner) ? (madeFunction(this, inner) ?? this.boundMade(inner)) : undefined;
        return made === undefined ? undefined : (args, site) => callMadeWith(this, made, args, site);
      },
      emit: (s) => void this.out.push(s),
      collect: (body) => this.collect(body),
    };
  }

  /** The function a call made that this body's function parameter `id` was given, if it was. */
  private boundMade(id: ts.Identifier): MadeFunction | undefined {
    const symbol = this.front.checker.getSymbolAtLocation(id);
    const given = symbol === undefined ? undefined : this.bound.get(symbol);
    return given !== undefined && isMade(given) ? given : undefined;
  }

  /** `e` itself if stable, else a temporary holding it. */
  stableCopy(e: Expr, at: ts.Node, name: string): Expr {
    return this.isStable(e) ? e : this.copy(e, at, name);
  }

  copy(e: Expr, at: ts.Node, name: string): Expr {
    const held = this.front.temporary(name, shapeOf(e), at);
    this.out.push({ kind: 'let', var: held, init: e, at });
    return read(held, at);
  }

  collect(body: () => void): Stmt[] {
    const saved = this.out;
    this.out = [];
    try {
      body();
      return this.out;
    } finally {
      this.out = saved;
    }
  }

  collectValue(body: () => Expr): { statements: Stmt[]; value: Expr } {
    let value: Expr | undefined;
    const statements = this.collect(() => (value = body()));
    return { statements, value: value! };
  }
}
