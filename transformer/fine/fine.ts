/**
 * The fine-grained mode (DESIGN.md §7): classic operator-level reverse mode, as a tape library would
 * do it, written at build time. The companion runs the marked function's own statements, from the
 * core the front end made (`desugar.ts`), its helpers inlined; beside every primitive operation on
 * an active value it records the operands' tape slots and the local partials
 * (`runtime/operations.ts`), and one reverse sweep over the tape gives the gradient. Control flow is
 * the function's own, so any loop nest, array or object it builds is handled: this is also how the
 * coarse mode's residue is differentiated when coarsening cannot take a whole function.
 *
 * Every value has a shadow: a number's is its tape slot (an expression, `undefined` for a constant),
 * an array's is an array of slots, an array of arrays' or of objects' an array of its elements'
 * shadows, an object's an object of slots. Variables the activity analysis finds constant have no
 * shadow at all. This module emits functions, statements, loops and assignments; expressions are
 * `fine-expressions.ts`'s, the values and frame they share `taping.ts`'s.
 */
import type ts from 'typescript';
import { borrowed, Frame, kindOf, outsideKind, ownerOf, storageOf, type Binding, type EmittedLoop, type Kind, type ReturnTarget, type Val } from './taping.js';
import * as expressions from './fine-expressions.js';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, type ArrayStorage, type CoreFunction, type CoreProgram, type Expr, type Loop, type Stmt, type Var } from '../front/core.js';
import { expressionsOf, forEachExpr, walk } from '../front/core-walk.js';
import { activeVariables, callIsActive } from './fine-activity.js';
import { callTaped, recursiveFunctions, type Recursing, type TapedFunction } from './fine-recursion.js';
import { identifiersIn, Namer } from '../emit/names.js';
import type { CompanionBody } from '../emit/emit.js';
import { numberLiteral } from '../emit/syntax.js';

export interface FineSource {
  readonly program: CoreProgram;
  readonly file: ts.SourceFile;
  /** The name the file imports the runtime as. */
  readonly runtime: string;
}

/** The fine-grained companion: `[value, gradients]` or the gradients, for `wrt` (all by default). */
export function emitFineCompanion(tsApi: typeof ts, factory: ts.NodeFactory, source: FineSource, withValue: boolean, wrt?: readonly number[]): CompanionBody {
  return new FineEmitter(tsApi, factory, source).companion(withValue, wrt);
}

class FineEmitter implements Recursing {
  out: ts.Statement[] = [];
  readonly stack: Frame[] = [];
  private readonly loops: EmittedLoop[] = [];
  readonly namer: Namer;
  private readonly tape: ts.Identifier;
  /** Parameter arrays written in place (their elements, as the primal writes them): see `companion`. */
  readonly writable = new Set<string>();
  /** The function changes what it was given (`writesInPlace`): parameter objects are then read and written as the caller's. */
  inPlace = false;
  /** Above 0 while evaluating what only steers control flow: operations are computed, not recorded. */
  passive = 0;
  readonly hoisted: ts.Statement[] = [];
  readonly taped = new Map<CoreFunction, TapedFunction>();
  /** Functions on a cycle of calls, which run as local functions instead of inlined (`fine-recursion.ts`). */
  private readonly recursive: ReadonlySet<CoreFunction>;

  constructor(
    readonly ts: typeof import('typescript'),
    readonly f: ts.NodeFactory,
    readonly source: FineSource,
  ) {
    this.namer = new Namer(namesToAvoid(ts, source.file, source.program.main.decl));
    this.tape = f.createIdentifier(this.namer.fresh('tape'));
    this.recursive = recursiveFunctions(source.program.main);
  }

  companion(withValue: boolean, wrt: readonly number[] | undefined): CompanionBody {
    const f = this.f;
    const { main, discrete } = this.source.program;
    const positions = wrt ?? main.params.map((_, i) => i);
    const params = main.params.map((p) => ({ var: p.var, name: this.namer.fresh(p.var.name), kind: outsideKind(p.var.shape) }));
    const differentiable = (i: number) => {
      const v = params[i]!.var;
      if (main.params[i]!.data === true) return false;
      return (params[i]!.kind === 'num' && v.shape.kind === 'number' && !v.shape.int && !discrete.has(v)) || params[i]!.kind === 'arr';
    };
    const seeds = new Set(positions.filter(differentiable).map((i) => params[i]!.var));
    const result: ReturnTarget = { label: this.namer.fresh('body'), value: this.namer.fresh('value'), shadow: this.namer.fresh('valueSlot'), kind: 'num' };
    // The companion of a marked arrow is an arrow in the same place: `this` is the same there too.
    const activity = activeVariables(main, seeds, () => false);
    const frame = new Frame(main, activity, { kind: 'other', v: f.createThis() }, result);
    const prologue: ts.Statement[] = [this.declaration(this.tape.text, f.createPropertyAccessExpression(f.createIdentifier(this.source.runtime), 'operations'), true), f.createExpressionStatement(this.method('begin', []))];
    /** Each differentiated parameter's input slots, kept apart from its shadow, which an assignment moves on. */
    const inputs = new Map<Var, string>();
    // Where the function writes elements of arrays, a parameter array may be among them (an
    // in-place step): it is written as the primal writes it, and its shadow is a copy of its input
    // slots, so that the gradient stays with respect to the values on entry.
    const inPlace = writesInPlace(main);
    this.inPlace = inPlace;
    for (const p of params) {
      const outside = p.kind === 'arr' ? `the parameter array '${p.var.name}'` : undefined;
      if (outside !== undefined && inPlace) this.writable.add(outside);
      if (!seeds.has(p.var) && p.kind === 'arr' && inPlace) {
        const slots = this.namer.fresh(`${p.name}$`);
        prologue.push(this.declaration(slots, this.zeroSlots(f.createIdentifier(p.name), storageOf(p.var.shape)), false));
        frame.bindings.set(p.var, { kind: p.kind, name: p.name, shadow: slots, outside });
        continue;
      }
      if (!seeds.has(p.var)) {
        // Not differentiated, but it may be given active values later (`n = n * x`): a shadow from 0.
        const later = activity.active.has(p.var) && p.kind === 'num' ? this.namer.fresh(`${p.name}$`) : undefined;
        if (later !== undefined) prologue.push(this.declaration(later, f.createNumericLiteral(0), false));
        frame.bindings.set(p.var, { kind: p.kind, name: p.name, shadow: later, outside });
        continue;
      }
      const input = this.namer.fresh(`${p.name}$input`);
      const slots = p.kind === 'num' ? this.method('input', []) : this.method('inputs', [f.createPropertyAccessExpression(f.createIdentifier(p.name), 'length')]);
      prologue.push(this.declaration(input, slots, true));
      inputs.set(p.var, input);
      const shadow = this.namer.fresh(`${p.name}$`);
      // A plain array's copy can grow with it (`push`).
      const copy = p.var.shape.kind === 'array' && p.var.shape.storage === 'array' ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [f.createIdentifier(input)]) : f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(input), 'slice'), undefined, []);
      prologue.push(this.declaration(shadow, p.kind === 'arr' && inPlace ? copy : f.createIdentifier(input), false));
      frame.bindings.set(p.var, { kind: p.kind, name: p.name, shadow, outside });
    }
    const body = this.functionBody(frame);
    const gradients = positions.map((i) => {
      const p = params[i]!;
      const input = inputs.get(p.var);
      if (input !== undefined) return this.method(p.kind === 'num' ? 'adjointOf' : 'adjointsOf', [f.createIdentifier(input)]);
      // A discrete parameter has derivative 0; an `Int`, data, a boolean or an object none.
      return discrete.has(p.var) && main.params[i]!.data !== true ? f.createNumericLiteral(0) : f.createIdentifier('undefined');
    });
    const gradientArray = f.createArrayLiteralExpression(gradients);
    const statements = [
      ...prologue,
      ...this.hoisted,
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(result.value), f.createVariableDeclaration(result.shadow!, undefined, undefined, f.createNumericLiteral(0))], this.ts.NodeFlags.Let)),
      ...body,
      f.createExpressionStatement(this.method('sweep', [f.createIdentifier(result.shadow!)])),
      f.createReturnStatement(withValue ? f.createArrayLiteralExpression([f.createIdentifier(result.value), gradientArray]) : gradientArray),
    ];
    const parameters = params.map((p, i) => f.createParameterDeclaration(undefined, undefined, p.name, undefined, undefined, main.params[i]!.companionDefault));
    return { parameters, body: f.createBlock(statements, true) };
  }

  // ---- functions ----------------------------------------------------------------------------------

  /** The statements of a function body run in `frame`, in the labelled block its returns leave. */
  private functionBody(frame: Frame): ts.Statement[] {
    const f = this.f;
    this.stack.push(frame);
    const loops = this.loops.splice(0);
    try {
      const inner = this.collect(() => this.statements(frame.fn.body));
      return [f.createLabeledStatement(frame.returns.label, f.createBlock(inner, true))];
    } finally {
      this.stack.pop();
      this.loops.push(...loops);
    }
  }

  localFunctionBody(frame: Frame, alone: boolean): ts.Statement[] {
    const around = alone ? this.stack.splice(0) : [];
    const passive = this.passive;
    this.passive = 0;
    try {
      return this.functionBody(frame);
    } finally {
      this.stack.push(...around);
      this.passive = passive;
    }
  }

  /** A call to a function with source: inlined, its parameters bound to the arguments; a recursive one's local function called. */
  inline(call: Extract<Expr, { kind: 'call' }>): Val {
    const f = this.f;
    const fn = call.fn;
    if (this.recursive.has(fn)) return callTaped(this, call);
    const args = call.args.map((a) => this.expression(a));
    const receiver = call.receiver === undefined ? undefined : this.expression(call.receiver);
    const kind = kindOf(fn.result);
    const seeds = new Set(fn.params.filter((_, i) => args[i]!.s !== undefined).map((p) => p.var));
    const outer = (v: Var) => this.stack.some((fr) => fr.bindings.get(v)?.shadow !== undefined);
    const activeResult = callIsActive(call, (x) => (x === call.receiver ? receiver : args[call.args.indexOf(x)])?.s !== undefined) && kind !== 'other';
    const target: ReturnTarget = {
      label: this.namer.fresh(`${fn.name}Body`),
      value: this.namer.fresh(fn.name),
      shadow: activeResult ? this.namer.fresh(`${fn.name}$`) : undefined,
      kind,
    };
    // An object the function built is `this` with its shadow: the method reads and writes both.
    const thisValue = fn.thisOwner === fn.decl ? (receiver === undefined ? undefined : this.named(receiver, 'self')) : this.thisOf(fn.thisOwner);
    const frame = new Frame(fn, activeVariables(fn, seeds, outer, thisValue?.s !== undefined), thisValue, target);
    const declarations = [f.createVariableDeclaration(target.value)];
    if (target.shadow !== undefined) declarations.push(f.createVariableDeclaration(target.shadow));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, this.ts.NodeFlags.Let)));
    // The parameters are declared in the callee's frame, where its body reads them.
    this.stack.push(frame);
    try {
      fn.params.forEach((p, i) => this.declare(p.var, args[i]!, p.var.at));
    } finally {
      this.stack.pop();
    }
    this.out.push(...this.functionBody(frame));
    return { kind, v: f.createIdentifier(target.value), s: target.shadow === undefined ? undefined : f.createIdentifier(target.shadow), outside: target.outside, holder: target.holder };
  }

  private returnTo(target: ReturnTarget, value: Val, at: ts.Node): void {
    const f = this.f;
    if (target.kind === 'num' && value.kind !== 'num' && value.kind !== 'other') unsupported(codes.noNumericResult, at, 'this must be a number.');
    if (target.kind === 'arr' || target.kind === 'rows') target.outside ??= value.outside ?? (value.s === undefined && target.shadow !== undefined ? borrowed : undefined);
    if (target.kind === 'rec') Object.assign(target, ownerOf([value, target]));
    this.out.push(this.assignment(f.createIdentifier(target.value), value.v));
    // Without a shadow for the result, the call reads no active value (no active argument, no
    // variables around it): what it returns has a slot only through objects it built, whose slots
    // then hold constants.
    if (target.shadow !== undefined) this.out.push(this.assignment(f.createIdentifier(target.shadow), this.shadowFor(target.kind, value, at)));
  }

  // ---- statements ---------------------------------------------------------------------------------

  statements(list: readonly Stmt[]): void {
    for (const s of list) this.statement(s);
  }

  private statement(s: Stmt): void {
    const f = this.f;
    switch (s.kind) {
      case 'let':
        this.declare(s.var, this.value(s.init), s.at);
        return;
      case 'assign':
        if (!this.counterStep(s.var, s.value)) this.storeVar(s.var, this.value(s.value), s.at);
        return;
      case 'store':
        this.store(s);
        return;
      case 'effect':
        if (s.call.kind === 'call') this.inline(s.call);
        else this.arrayMethod(s.call);
        return;
      case 'if': {
        const test = this.condition(s.test);
        const then = this.block(() => this.statements(s.then));
        const otherwise = s.else.length === 0 ? undefined : this.block(() => this.statements(s.else));
        this.out.push(f.createIfStatement(test, then, otherwise));
        return;
      }
      case 'loop':
        this.loop(s);
        return;
      case 'break':
      case 'continue':
        this.out.push(this.jump(s.kind, s.loop));
        return;
      case 'return': {
        const target = this.frame.returns;
        this.returnTo(target, this.expression(s.value), s.at);
        this.out.push(f.createBreakStatement(target.label));
        return;
      }
      case 'throw':
        // The tape is begun afresh by the next call: nothing to undo.
        this.out.push(f.createThrowStatement(this.condition(s.value)));
        return;
    }
  }

  /**
   * `i = i + 1` on a variable with no shadow (a counter) is written `i++` (`i += c`, `i--`), as the
   * source has it. False if the assignment is not such a step.
   */
  private counterStep(v: Var, value: Expr): boolean {
    const { ts, f } = this;
    if (value.kind !== 'binary' || (value.op !== '+' && value.op !== '-') || value.right.kind !== 'number' || value.right.name !== undefined) return false;
    const base = value.left.kind === 'unary' && value.left.op === 'plus' ? value.left.operand : value.left;
    if (base.kind !== 'var' || base.var !== v) return false;
    const binding = this.binding(v, value.at);
    if (binding.shadow !== undefined || binding.kind !== 'num') return false;
    const name = f.createIdentifier(binding.name);
    const step = value.right.value;
    const statement =
      step === 1 ? (value.op === '+' ? f.createPostfixIncrement(name) : f.createPostfixDecrement(name))
      : f.createBinaryExpression(name, value.op === '+' ? ts.SyntaxKind.PlusEqualsToken : ts.SyntaxKind.MinusEqualsToken, numberLiteral(ts, f, step));
    this.out.push(f.createExpressionStatement(statement));
    return true;
  }

  /** A variable's new value: an expression, or a call, which only a declaration or an assignment takes. */
  private value(e: Expr): Val {
    return e.kind === 'call' ? this.inline(e) : e.kind === 'arrayMethod' ? this.arrayMethod(e) : this.expression(e);
  }

  /** `break` or `continue` of `loop`, labelled where it is not the innermost loop. */
  private jump(kind: 'break' | 'continue', loop: Loop): ts.Statement {
    const f = this.f;
    const index = this.loops.findIndex((l) => l.loop === loop);
    const emitted = this.loops[index]!;
    const innermost = index === this.loops.length - 1;
    if (kind === 'continue' && emitted.continueAs !== undefined) return f.createBreakStatement(emitted.continueAs);
    if (innermost) return kind === 'break' ? f.createBreakStatement() : f.createContinueStatement();
    emitted.label ??= this.namer.fresh('loop');
    return kind === 'break' ? f.createBreakStatement(emitted.label) : f.createContinueStatement(emitted.label);
  }

  /** Declares a variable (and its shadow, if active) holding `value`. */
  private declare(v: Var, value: Val, at: ts.Node): void {
    const f = this.f;
    // A variable the checker could not type (`any`) holds what it is given.
    const kind = v.shape.kind === 'other' ? value.kind : kindOf(v.shape);
    const activity = this.frame.activity;
    const active = activity.active.has(v) && kind !== 'other';
    // A loop counter is an integer: whatever it starts from, it carries no derivative.
    if (activity.counters.has(v)) value = { ...value, s: undefined };
    const outside = kind === 'rec' ? value.outside : kind !== 'arr' && kind !== 'rows' ? undefined : (value.outside ?? (value.s === undefined ? borrowed : undefined));
    const binding: Binding = { kind, name: this.namer.fresh(v.name), shadow: active ? this.namer.fresh(`${v.name}$`) : undefined, outside, holder: kind === 'rec' ? value.holder : undefined };
    const declarations = [f.createVariableDeclaration(binding.name, undefined, undefined, value.v)];
    if (binding.shadow !== undefined) {
      declarations.push(f.createVariableDeclaration(binding.shadow, undefined, undefined, this.shadowFor(kind, value, at)));
    } else if (value.s !== undefined && kind !== 'other') {
      throw new Error(`coarsegrad fine mode: '${v.name}' holds an active value but the analysis found it constant`);
    }
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, this.ts.NodeFlags.Let)));
    this.frame.bindings.set(v, binding);
  }

  /** The shadow to store for `value` where a shadow of `kind` is kept: constants get constant slots. */
  shadowFor(kind: Kind, value: Val, at: ts.Node): ts.Expression {
    const f = this.f;
    if (value.s !== undefined) return value.s;
    if (kind === 'num' || value.kind === 'other') return f.createNumericLiteral(0);
    if (kind === 'arr') return this.zeroSlots(value.v, undefined);
    if (kind === 'rows') unsupported(codes.mutation, at, 'an array of arrays read from outside the marked function cannot be kept where the function keeps its own; copy its rows (rows.map((r) => r.slice())).');
    unsupported(codes.mutation, at, 'an object read from outside the marked function cannot be stored where the function keeps its own objects; copy its fields into a new object.');
  }

  private loop(s: Loop): void {
    const { ts, f } = this;
    // The initialiser's variables live in a block of their own, as in `for (let ...)`.
    const init = this.collect(() => this.statements(s.init));
    let testing: ts.Statement[] = [];
    let test: ts.Expression | undefined;
    if (s.test !== undefined) testing = this.collect(() => (test = this.condition(s.test!)));
    let update = this.collect(() => this.statements(s.update));
    let incrementor: ts.Expression | undefined;
    if (update.length === 1 && ts.isExpressionStatement(update[0]!)) {
      incrementor = update[0].expression;
      update = [];
    }
    const simple = testing.length === 0 && update.length === 0;
    const emitted: EmittedLoop = { loop: s, label: undefined, continueAs: simple ? undefined : this.namer.fresh('iteration') };
    this.loops.push(emitted);
    let body: ts.Statement[];
    try {
      body = this.collect(() => this.statements(s.body));
    } finally {
      this.loops.pop();
    }
    let loop: ts.Statement;
    // `for (let i = 0, ...; ...)` keeps its declarations in the header when they need no other statement.
    const header = simple && s.testFirst && init.length > 0 && init.every((st) => ts.isVariableStatement(st));
    if (header) {
      const declarations = f.createVariableDeclarationList(init.flatMap((st) => [...(st as ts.VariableStatement).declarationList.declarations]), ts.NodeFlags.Let);
      loop = f.createForStatement(declarations, test, incrementor, f.createBlock(body, true));
    } else if (simple && s.testFirst && incrementor === undefined && init.length === 0) {
      loop = f.createWhileStatement(test ?? f.createTrue(), f.createBlock(body, true));
    } else if (simple && s.testFirst) {
      loop = f.createForStatement(undefined, test, incrementor, f.createBlock(body, true));
    } else if (simple && incrementor === undefined) {
      loop = f.createDoStatement(f.createBlock(body, true), test ?? f.createTrue());
    } else {
      // The test or the step needs statements of its own: `for (;;)` with the test inside, and the
      // body in a labelled block so that `continue` still runs the step and the test.
      const exit = test === undefined ? [] : [...testing, f.createIfStatement(f.createLogicalNot(test), f.createBreakStatement())];
      const next = [...update, ...(incrementor === undefined ? [] : [f.createExpressionStatement(incrementor)])];
      const iteration = f.createLabeledStatement(emitted.continueAs ?? this.namer.fresh('iteration'), f.createBlock(body, true));
      const statements = s.testFirst ? [...exit, iteration, ...next] : [iteration, ...next, ...exit];
      loop = f.createForStatement(undefined, undefined, undefined, f.createBlock(statements, true));
    }
    const labelled = emitted.label === undefined ? loop : f.createLabeledStatement(emitted.label, loop);
    this.out.push(init.length === 0 || header ? labelled : f.createBlock([...init, labelled], true));
  }

  // ---- expressions --------------------------------------------------------------------------------

  /** A condition: its value only, with nothing recorded. */
  condition(e: Expr): ts.Expression {
    return expressions.condition(this, e);
  }

  expression(e: Expr): Val {
    return expressions.expression(this, e);
  }

  /** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
  thisOf(owner: CoreFunction['thisOwner']): Val | undefined {
    return expressions.thisOf(this, owner);
  }

  /** `array.push(...)`, `array.fill(v)`: the array and its shadow change together. */
  arrayMethod(e: Extract<Expr, { kind: 'arrayMethod' }>): Val {
    return expressions.arrayMethod(this, e);
  }

  /**
   * Slots of an array of constants as long as `array`; of the kind `slotsOfLength` makes for its
   * storage, decided at run time where the array's kind is not known here.
   */
  zeroSlots(array: ts.Expression, storage: ArrayStorage | undefined): ts.Expression {
    return expressions.zeroSlots(this, array, storage);
  }

  // ---- operations ---------------------------------------------------------------------------------

  // ---- assignments --------------------------------------------------------------------------------

  private storeVar(v: Var, value: Val, at: ts.Node): void {
    const f = this.f;
    const binding = this.binding(v, at);
    const outside = binding.kind === 'arr' || binding.kind === 'rows' ? (value.outside ?? (value.s === undefined && binding.shadow !== undefined ? borrowed : undefined)) : undefined;
    if (outside !== undefined && binding.outside === undefined) {
      // The variable holds the function's own arrays, which it may write: it must not alias the caller's.
      unsupported(codes.mutation, at, `'${v.name}' holds arrays the function writes and here is given ${outside}; copy it into a local array first (Float64Array.from(...)).`);
    }
    if (binding.kind === 'rec' && (value.outside !== binding.outside || value.holder !== binding.holder)) {
      // The companion's copy of a caller's object must not be written as if it were the function's own.
      unsupported(codes.mutation, at, `'${v.name}' holds objects of different owners here (${value.outside ?? binding.outside} and one the function builds); keep them in two variables.`);
    }
    if (binding.shadow !== undefined) {
      // The shadow is read before the value is stored: it may index by the variable itself.
      const shadow = this.simple(this.shadowFor(binding.kind, value, at), `${binding.name}$`);
      this.out.push(this.assignment(f.createIdentifier(binding.name), value.v));
      this.out.push(this.assignment(f.createIdentifier(binding.shadow), shadow));
    } else {
      const counter = this.stack.some((fr) => fr.activity.counters.has(v));
      if (value.s !== undefined && !counter && binding.kind !== 'other') throw new Error(`coarsegrad fine mode: '${v.name}' is assigned an active value but the analysis found it constant`);
      this.out.push(this.assignment(f.createIdentifier(binding.name), value.v));
    }
  }

  private store(s: Extract<Stmt, { kind: 'store' }>): void {
    const f = this.f;
    const base = this.expression(s.object);
    if (base.outside !== undefined && base.kind === 'rec' && !base.holder && !this.writable.has(base.outside)) {
      unsupported(codes.mutation, s.at, `writing to ${base.outside} cannot be differentiated (the caller's object would change); keep the changed value in a local variable or object instead.`);
    }
    if (base.outside !== undefined && base.kind !== 'rec' && !(this.writable.has(base.outside) && s.key.kind === 'element')) {
      unsupported(codes.mutation, s.at, `writing to ${base.outside} cannot be differentiated; copy it into a local array first.`);
    }
    if (base.s === undefined) unsupported(codes.mutation, s.at, 'this writes to an array or object from outside the marked function (a field of `this`, a module variable); compute a new value and return it instead.');
    const where = this.simple(base.v, 'target');
    const slots = this.simple(base.s, 'targetSlots');
    const index = s.key.kind === 'element' ? this.simple(this.expression(s.key.index).v, 'at') : undefined;
    const name = s.key.kind === 'field' ? s.key.name : undefined;
    const place = (object: ts.Expression) => (index !== undefined ? f.createElementAccessExpression(object, index) : f.createPropertyAccessExpression(object, name!));
    const value = this.expression(s.value);
    if (name === 'length') {
      // The array and its slots shrink or grow together.
      const length = this.simple(value.v, 'length');
      this.out.push(this.assignment(place(where), length), this.assignment(place(slots), length));
      return;
    }
    const kind: Kind = base.kind === 'arr' ? 'num' : value.kind;
    if (base.kind === 'rows' && base.outside === undefined && (value.outside !== undefined || value.s === undefined)) {
      // A row stored in the function's own array of arrays may be written through it.
      unsupported(codes.mutation, s.at, `an array of arrays the function builds cannot hold ${value.outside ?? borrowed} as a row; store a copy (row.slice()).`);
    }
    if (base.kind === 'rec' && base.outside === undefined && (value.kind === 'arr' || value.kind === 'rec') && (value.outside !== undefined || value.s === undefined)) {
      // Writes through the function's own object are allowed, so it must not come to hold the caller's.
      unsupported(codes.mutation, s.at, `an object the function builds and writes cannot be given ${value.outside ?? borrowed} afterwards; put it in the object where the object is built, or keep it in a variable of its own.`);
    }
    this.out.push(this.assignment(place(where), value.v));
    if (kind !== 'other') this.out.push(this.assignment(place(slots), this.shadowFor(kind, value, s.at)));
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private binding(v: Var, at: ts.Node): Binding {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const binding = this.stack[i]!.bindings.get(v);
      if (binding !== undefined) return binding;
    }
    unsupported(codes.mutation, at, `'${v.name}' is declared outside the marked function; a marked function may change only its own variables.`);
  }

  /** Statements emitted while running `body`, taken out of the current list. */
  collect(body: () => void): ts.Statement[] {
    const saved = this.out;
    this.out = [];
    try {
      body();
      return this.out;
    } finally {
      this.out = saved;
    }
  }

  private block(body: () => void): ts.Block {
    return this.f.createBlock(this.collect(body), true);
  }

  /** A value whose expression and shadow are each named once: an operation and its shadow's act on the same ones. */
  named(value: Val, hint: string): Val {
    return { ...value, v: this.simple(value.v, hint), s: value.s === undefined ? undefined : this.simple(value.s, `${hint}Slots`) };
  }

  /** `e` itself if it is a name or a literal; otherwise a new constant holding it. */
  simple(e: ts.Expression, hint: string, always = false): ts.Expression {
    if (!always && isSimple(this.ts, e)) return e;
    const name = this.namer.fresh(hint);
    this.out.push(this.declaration(name, e, true));
    return this.f.createIdentifier(name);
  }

  private declaration(name: string, value: ts.Expression, constant: boolean): ts.Statement {
    const f = this.f;
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], constant ? this.ts.NodeFlags.Const : this.ts.NodeFlags.Let));
  }

  assignment(target: ts.Expression, value: ts.Expression): ts.Statement {
    return this.f.createExpressionStatement(this.f.createAssignment(target, value));
  }

  method(name: string, args: readonly ts.Expression[]): ts.Expression {
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(this.tape, name), undefined, [...args]);
  }
}

/**
 * May `fn`, or a function it calls, change what it was given: write an element of an array or a
 * field of an object given to it (a parameter of its own or of a helper, or a name holding one),
 * or push onto such an array? A write into the function's own arrays and objects does not count;
 * one through a field or an element (`o.pos[i]`) may be a parameter's and does.
 */
function writesInPlace(fn: CoreFunction): boolean {
  const functions = new Set<CoreFunction>();
  const reach = (f: CoreFunction): void => {
    if (functions.has(f)) return;
    functions.add(f);
    walk(f.body, (s) => expressionsOf(s).forEach((e) => forEachExpr(e, (x) => x.kind === 'call' && reach(x.fn))));
  };
  reach(fn);
  const given = new Set<Var>([...functions].flatMap((f) => f.params.map((p) => p.var).filter((v) => v.shape.kind === 'array' || v.shape.kind === 'record')));
  const bodies = [...functions].map((f) => f.body);
  // Names that take a given array or object: `const a = xs`, and the marked function's parameter objects.
  for (let changed = true; changed; ) {
    changed = false;
    for (const body of bodies) {
      walk(body, (s) => {
        const value = s.kind === 'let' ? s.init : s.kind === 'assign' ? s.value : undefined;
        // `const p = pts[i]` takes one of what it was given too, and a parameter's array of objects or of rows the caller's array.
        const takes =
          (value?.kind === 'var' && given.has(value.var)) ||
          ((value?.kind === 'objectLiteral' || value?.kind === 'records' || value?.kind === 'matrix') && value.original !== undefined) ||
          (value?.kind === 'element' && value.array.kind === 'var' && given.has(value.array.var));
        if (takes && (s.kind === 'let' || s.kind === 'assign') && !given.has(s.var)) {
          given.add(s.var);
          changed = true;
        }
      });
    }
  }
  let found = false;
  for (const body of bodies) {
    walk(body, (s) => {
      if (s.kind === 'store' && (s.key.kind === 'element' || shapeOf(s.object).kind !== 'array') && (s.object.kind !== 'var' || given.has(s.object.var))) found = true;
      if (s.kind === 'effect' && s.call.kind === 'arrayMethod' && s.call.array.kind === 'var' && given.has(s.call.array.var)) found = true;
    });
  }
  return found;
}

/**
 * Names the companion must not declare: every name in the file, except those declared only inside
 * the marked function, which the companion (beside it) cannot otherwise see.
 */
function namesToAvoid(ts: typeof import('typescript'), file: ts.SourceFile, fn: ts.Node): Set<string> {
  const inside = new Set<string>();
  const outside = new Set<string>();
  const visit = (n: ts.Node, within: boolean): void => {
    const here = within || n === fn;
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name)) (here ? inside : outside).add(n.name.text);
    ts.forEachChild(n, (c) => visit(c, here));
  };
  visit(file, false);
  const avoid = identifiersIn(file.text);
  for (const name of inside) if (!outside.has(name)) avoid.delete(name);
  for (const global of ['Math', 'Int32Array', 'Float64Array', 'Float32Array', 'Array', 'NaN', 'Infinity']) avoid.add(global);
  return avoid;
}

function isSimple(ts: typeof import('typescript'), e: ts.Expression): boolean {
  if (ts.isIdentifier(e) || ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.ThisKeyword || ts.isStringLiteral(e)) return true;
  return ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand);
}
