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
 * an array's is an array of slots, an array of arrays' an array of its rows' shadows, an object's
 * an object of slots. Variables the activity analysis
 * finds constant have no shadow at all.
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapeOf, type ArrayStorage, type CoreFunction, type CoreProgram, type Expr, type Loop, type Shape, type Stmt, type Var } from '../front/core.js';
import { expressionsOf, forEachExpr, walk } from '../front/core-walk.js';
import { activeVariables, callIsActive, type Activity } from './fine-activity.js';
import { partialsOf } from './fine-partials.js';
import { identifiersIn, Namer } from '../emit/names.js';
import type { CompanionBody } from '../emit/emit.js';
import { hasZeroDerivative, primitive, type PrimitiveName } from '../rules.js';
import { infix, numberLiteral } from '../emit/syntax.js';

/** A number, an array of numbers, an array of such arrays (`rows`), an object, or a value no shadow follows. */
type Kind = 'num' | 'arr' | 'rows' | 'rec' | 'other';

/** A value in the companion: its expression, and its shadow where it may be active. */
interface Val {
  readonly kind: Kind;
  readonly v: ts.Expression;
  readonly s?: ts.Expression | undefined;
  /**
   * An array that is not the function's own (a parameter array, or one read from `this` or a module
   * variable), described for a diagnostic: the caller's, never written.
   */
  readonly outside?: string;
  /** For an object: `outside` names what it holds, not the object itself, so its number fields may be written. */
  readonly holder?: boolean;
}

interface Binding {
  readonly kind: Kind;
  readonly name: string;
  /** The shadow's variable; absent when the variable is never active. */
  readonly shadow: string | undefined;
  /** Holds an array that is not the function's own (see `Val.outside`). */
  readonly outside?: string;
  readonly holder?: boolean;
}

/** Where a `return` goes: the result variables of an inlined call, or of the marked function. */
interface ReturnTarget {
  readonly label: string;
  readonly value: string;
  readonly shadow: string | undefined;
  readonly kind: Kind;
  /** Set when a `return` returns an array that is not the function's own. */
  outside?: string;
  holder?: boolean;
}

/** An emitted loop: its label if it needs one, and the label of the block its body is in, where `continue` must break out of it. */
interface EmittedLoop {
  readonly loop: Loop;
  label: string | undefined;
  readonly continueAs: string | undefined;
}

class Frame {
  readonly bindings = new Map<Var, Binding>();
  constructor(
    readonly fn: CoreFunction,
    readonly activity: Activity,
    /** `this` in the function: an inlined method's object with its shadow, or the companion's own. */
    readonly thisValue: Val | undefined,
    readonly returns: ReturnTarget,
  ) {}
}

/** What an array read from `this` or a module variable is, for diagnostics. */
const borrowed = 'an array from outside the marked function';

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

class FineEmitter {
  private out: ts.Statement[] = [];
  private readonly stack: Frame[] = [];
  private readonly loops: EmittedLoop[] = [];
  private readonly namer: Namer;
  private readonly tape: ts.Identifier;
  /** Parameter arrays written in place (their elements, as the primal writes them): see `companion`. */
  private readonly writable = new Set<string>();
  /** The function changes what it was given (`writesInPlace`): parameter objects are then read and written as the caller's. */
  private inPlace = false;
  /** Above 0 while evaluating what only steers control flow: operations are computed, not recorded. */
  private passive = 0;

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly f: ts.NodeFactory,
    private readonly source: FineSource,
  ) {
    this.namer = new Namer(namesToAvoid(ts, source.file, source.program.main.decl));
    this.tape = f.createIdentifier(this.namer.fresh('tape'));
  }

  companion(withValue: boolean, wrt: readonly number[] | undefined): CompanionBody {
    const f = this.f;
    const { main, discrete } = this.source.program;
    const positions = wrt ?? main.params.map((_, i) => i);
    const params = main.params.map((p) => ({ var: p.var, name: this.namer.fresh(p.var.name), kind: outsideKind(p.var.shape) }));
    const differentiable = (i: number) => {
      const v = params[i]!.var;
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
      // A discrete parameter has derivative 0; an `Int`, a boolean or an object none.
      return discrete.has(p.var) ? f.createNumericLiteral(0) : f.createIdentifier('undefined');
    });
    const gradientArray = f.createArrayLiteralExpression(gradients);
    const statements = [
      ...prologue,
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

  /** A call to a function with source: inlined, its parameters bound to the arguments. */
  private inline(call: Extract<Expr, { kind: 'call' }>): Val {
    const f = this.f;
    const fn = call.fn;
    // The front end refuses recursion.
    if (this.stack.some((fr) => fr.fn === fn)) throw new Error(`coarsegrad fine mode: '${fn.name}' calls itself`);
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

  private statements(list: readonly Stmt[]): void {
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
  private shadowFor(kind: Kind, value: Val, at: ts.Node): ts.Expression {
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
  private condition(e: Expr): ts.Expression {
    this.passive++;
    try {
      return this.expression(e).v;
    } finally {
      this.passive--;
    }
  }

  private expression(e: Expr): Val {
    const { ts, f } = this;
    switch (e.kind) {
      case 'newError':
        return { kind: 'other', v: f.createNewExpression(f.createIdentifier(e.ctor), undefined, e.args.map((a) => this.condition(a))) };
      case 'records': {
        // The caller's objects again, element by element from the fields' arrays (and their
        // slots): an array of objects as the function builds one, the caller's.
        const values = e.fields.map(([, x]) => this.named(this.expression(x), 'field'));
        const shadowed = values.every((v) => v.s !== undefined);
        const elements = (of: (v: Val) => ts.Expression) => {
          const i = f.createIdentifier(this.namer.fresh('i'));
          const at = (k: number) => f.createElementAccessExpression(of(values[k]!), i);
          const element = e.element.tuple === true ? f.createArrayLiteralExpression(e.fields.map((_, k) => at(k))) : f.createParenthesizedExpression(f.createObjectLiteralExpression(e.fields.map(([name], k) => f.createPropertyAssignment(name, at(k)))));
          const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, i)], undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), element);
          const sized = f.createObjectLiteralExpression([f.createPropertyAssignment('length', f.createPropertyAccessExpression(values[0]!.v, 'length'))], false);
          return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [sized, each]);
        };
        return { kind: 'rows', v: elements((v) => v.v), s: shadowed ? elements((v) => v.s!) : undefined, outside: e.readonlyAs };
      }
      case 'matrix': {
        // The caller's rows again, as views of the flat array of their numbers (and of its slots).
        const flat = this.named(this.expression(e.flat), 'flat');
        const [stride, cols] = [this.simple(this.expression(e.stride).v, 'stride'), this.simple(this.expression(e.cols).v, 'cols')];
        const rows = (array: ts.Expression) => {
          const i = f.createIdentifier(this.namer.fresh('i'));
          const start = infix(ts, f, i, '*', stride);
          const row = f.createCallExpression(f.createPropertyAccessExpression(array, 'subarray'), undefined, [start, infix(ts, f, start, '+', cols)]);
          const each = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, '_'), f.createParameterDeclaration(undefined, undefined, i)], undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), row);
          const sized = f.createObjectLiteralExpression([f.createPropertyAssignment('length', this.expression(e.rows).v)], false);
          return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Array'), 'from'), undefined, [sized, each]);
        };
        return { kind: 'rows', v: rows(flat.v), s: flat.s === undefined ? undefined : rows(flat.s), outside: e.readonlyAs };
      }
      case 'view': {
        // `subarray`: views of the array and of its slots, sharing them.
        const array = this.named(this.expression(e.array), 'flat');
        const start = this.simple(this.expression(e.start).v, 'start');
        const args = [start, this.simple(infix(this.ts, f, start, '+', this.expression(e.length).v), 'end')];
        const view = (x: ts.Expression) => f.createCallExpression(f.createPropertyAccessExpression(x, 'subarray'), undefined, args);
        // A view of an array that is not the function's own is not the function's own either.
        return { kind: 'arr', v: view(array.v), s: array.s === undefined ? undefined : view(array.s), outside: array.outside };
      }
      case 'number':
        return { kind: 'num', v: e.name !== undefined ? f.createPropertyAccessExpression(f.createIdentifier('Math'), e.name) : numberLiteral(ts, f, e.value) };
      case 'boolean':
        return { kind: 'other', v: e.value ? f.createTrue() : f.createFalse() };
      case 'string':
        return { kind: 'other', v: f.createStringLiteral(e.value) };
      case 'undefined':
        return { kind: 'other', v: f.createIdentifier('undefined') };
      case 'var':
        return this.variable(e.var);
      case 'free':
        return { kind: outsideKind(e.shape), v: e.node ?? f.createIdentifier(e.name) };
      case 'this': {
        const self = this.thisOf(e.owner);
        if (self === undefined) unsupported(codes.unsupportedSyntax, e.at, "'this' here has no object the gradient code can read; pass the values as parameters.");
        return self;
      }
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'logical':
        return this.logical(e);
      case 'conditional':
        return this.conditional(e);
      case 'isUndefined': {
        const operand = this.expression(e.operand).v;
        return { kind: 'other', v: e.orNull ? f.createEquality(operand, f.createNull()) : f.createStrictEquality(operand, f.createIdentifier('undefined')) };
      }
      case 'math':
        return this.mathCall(e);
      case 'field':
        return this.field(e);
      case 'element':
        return this.element(e);
      case 'arrayLiteral': {
        const values = e.elements.map((x) => this.expression(x));
        if (values.length > 0 && (values.every((v) => v.kind === 'arr') || values.every((v) => v.kind === 'rec'))) {
          // Rows or objects: the array holds them, and its shadow their shadows. Ones that are not
          // the function's own make it the caller's too: it is read, never written.
          const outside = values.find((v) => v.outside !== undefined)?.outside ?? (values.some((v) => v.s === undefined) ? borrowed : undefined);
          if (outside !== undefined && values[0]!.kind === 'rec') unsupported(codes.mutation, e.at, `an array of objects the function builds cannot hold ${outside}; build new objects for it.`);
          return { kind: 'rows', v: f.createArrayLiteralExpression(values.map((v) => v.v)), s: f.createArrayLiteralExpression(values.map((v) => this.shadowFor(v.kind, v, e.at))), outside };
        }
        if (values.some((v) => v.kind !== 'num')) unsupported(codes.unsupportedSyntax, e.at, 'the arrays of a marked function hold numbers, or arrays of numbers.');
        return { kind: 'arr', v: f.createArrayLiteralExpression(values.map((v) => v.v)), s: f.createArrayLiteralExpression(values.map((v) => v.s ?? f.createNumericLiteral(0))) };
      }
      case 'objectLiteral':
        return this.objectLiteral(e);
      case 'newArray':
        return this.newArray(e);
      case 'slice': {
        const array = this.named(this.expression(e.array), 'array');
        const args = e.args.map((a) => this.expression(a).v);
        // A copy: the function's own array, whatever it was copied from.
        const copy = this.simple(f.createCallExpression(f.createPropertyAccessExpression(array.v, 'slice'), undefined, args), 'copy');
        // A copy of an array of arrays holds the same rows.
        if (array.kind === 'rows') return { kind: 'rows', v: copy, s: array.s === undefined ? undefined : f.createCallExpression(f.createPropertyAccessExpression(array.s, 'slice'), undefined, args), outside: array.outside };
        return { kind: 'arr', v: copy, s: array.s === undefined ? this.zeroSlots(copy, storageOf(shapeOf(e.array))) : f.createCallExpression(f.createPropertyAccessExpression(array.s, 'slice'), undefined, args) };
      }
      case 'call':
      case 'arrayMethod':
        // The front end leaves calls only where a statement takes their value.
        throw new Error(`coarsegrad fine mode: a ${e.kind} inside an expression`);
    }
  }

  private variable(v: Var): Val {
    const f = this.f;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const binding = this.stack[i]!.bindings.get(v);
      if (binding !== undefined) {
        return { kind: binding.kind, v: f.createIdentifier(binding.name), s: binding.shadow === undefined ? undefined : f.createIdentifier(binding.shadow), outside: binding.outside, holder: binding.holder };
      }
    }
    throw new Error(`coarsegrad fine mode: '${v.name}' is read before it is declared`);
  }

  /** `this` of `owner`: an inlined method's object, or the companion's own where it is the marked function's. */
  private thisOf(owner: CoreFunction['thisOwner']): Val | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const frame = this.stack[i]!;
      if (frame.fn.decl === owner) return frame.thisValue;
    }
    return owner === this.source.program.main.thisOwner ? { kind: 'other', v: this.f.createThis() } : undefined;
  }

  private unary(e: Extract<Expr, { kind: 'unary' }>): Val {
    const { ts, f } = this;
    const operand = this.expression(e.operand);
    switch (e.op) {
      case 'neg':
        return this.apply('neg', [operand], ([x]) => f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, x!));
      case 'plus':
        return operand.kind === 'num' ? operand : { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.PlusToken, operand.v) };
      case '!':
        return { kind: 'other', v: f.createLogicalNot(operand.v) };
      case '~':
        return { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.TildeToken, operand.v) };
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): Val {
    const { ts, f } = this;
    const a = this.expression(e.left);
    const b = this.expression(e.right);
    switch (e.op) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '**':
        if (a.kind !== 'num' || b.kind !== 'num') {
          if (a.s === undefined && b.s === undefined) return { kind: 'num', v: infix(ts, f, a.v, e.op, b.v) };
          unsupported(codes.unsupportedSyntax, e.at, 'arithmetic is differentiated on numbers only.');
        }
        return this.apply(e.op, [a, b], ([x, y]) => infix(ts, f, x!, e.op, y!));
      case 'concat':
        return { kind: 'other', v: f.createAdd(a.v, b.v) };
      default: {
        // Comparisons and integer operations: values only.
        const comparison = e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=' || e.op === '===' || e.op === '!==';
        return { kind: comparison ? 'other' : 'num', v: infix(ts, f, a.v, e.op, b.v) };
      }
    }
  }

  /** `a && b`, `a || b`, `a ?? b`: the right side runs only when needed, as in the primal. */
  private logical(e: Extract<Expr, { kind: 'logical' }>): Val {
    const { ts, f } = this;
    const left = this.expression(e.left);
    let right: Val | undefined;
    const statements = this.collect(() => (right = this.expression(e.right)));
    const kind = kindOf(e.shape);
    const token = e.op === '&&' ? ts.SyntaxKind.AmpersandAmpersandToken : e.op === '||' ? ts.SyntaxKind.BarBarToken : ts.SyntaxKind.QuestionQuestionToken;
    if (statements.length === 0 && left.s === undefined && right!.s === undefined) return { kind, v: f.createBinaryExpression(left.v, token, right!.v) };
    const result = this.namer.fresh('either');
    const shadow = left.s !== undefined || right!.s !== undefined ? this.namer.fresh('either$') : undefined;
    const declarations = [f.createVariableDeclaration(result, undefined, undefined, left.v)];
    if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow, undefined, undefined, left.s ?? f.createNumericLiteral(0)));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    const id = f.createIdentifier(result);
    const test = e.op === '&&' ? id : e.op === '||' ? f.createLogicalNot(id) : f.createEquality(id, f.createNull());
    const take = [...statements, this.assignment(id, right!.v), ...(shadow === undefined ? [] : [this.assignment(f.createIdentifier(shadow), right!.s ?? f.createNumericLiteral(0))])];
    this.out.push(f.createIfStatement(test, f.createBlock(take, true)));
    return { kind, v: id, s: shadow === undefined ? undefined : f.createIdentifier(shadow) };
  }

  /** `c ? a : b`: only the arm taken runs (and records). */
  private conditional(e: Extract<Expr, { kind: 'conditional' }>): Val {
    const { ts, f } = this;
    const test = this.condition(e.test);
    let a: Val | undefined;
    let b: Val | undefined;
    const whenTrue = this.collect(() => (a = this.expression(e.whenTrue)));
    const whenFalse = this.collect(() => (b = this.expression(e.whenFalse)));
    if (whenTrue.length === 0 && whenFalse.length === 0 && a!.s === undefined && b!.s === undefined) {
      const v = f.createConditionalExpression(test, f.createToken(ts.SyntaxKind.QuestionToken), a!.v, f.createToken(ts.SyntaxKind.ColonToken), b!.v);
      return a!.kind === 'rec' ? { kind: a!.kind, v, ...ownerOf([a!, b!]) } : { kind: a!.kind, v, outside: a!.outside ?? b!.outside };
    }
    const kind = a!.kind === b!.kind ? a!.kind : kindOf(e.shape);
    const result = this.namer.fresh('chosen');
    const shadow = a!.s !== undefined || b!.s !== undefined ? this.namer.fresh('chosen$') : undefined;
    const declarations = [f.createVariableDeclaration(result)];
    if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    const arm = (statements: ts.Statement[], value: Val) =>
      f.createBlock([...statements, this.assignment(f.createIdentifier(result), value.v), ...(shadow === undefined ? [] : [this.assignment(f.createIdentifier(shadow), this.shadowFor(kind, value, e.at))])], true);
    this.out.push(f.createIfStatement(test, arm(whenTrue, a!), arm(whenFalse, b!)));
    if (kind === 'rec') return { kind, v: f.createIdentifier(result), s: shadow === undefined ? undefined : f.createIdentifier(shadow), ...ownerOf([a!, b!]) };
    const outside = kind !== 'arr' ? undefined : (a!.outside ?? b!.outside ?? (shadow !== undefined && (a!.s === undefined || b!.s === undefined) ? borrowed : undefined));
    return { kind, v: f.createIdentifier(result), s: shadow === undefined ? undefined : f.createIdentifier(shadow), outside };
  }

  private mathCall(e: Extract<Expr, { kind: 'math' }>): Val {
    const f = this.f;
    if (primitive(e.op).stable === true) return this.stableForm(e);
    const args = e.args.map((a) => this.expression(a));
    const call = (xs: readonly ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), e.name), undefined, [...xs]);
    // Rounding and sign are piecewise constant: nothing to record.
    if (hasZeroDerivative(e.op)) return { kind: 'num', v: call(args.map((a) => a.v)) };
    return this.apply(e.op, args, call);
  }

  /** A stable form: its value as written, with nothing recorded, then one operation with the form's partials. */
  private stableForm(e: Extract<Expr, { kind: 'math' }>): Val {
    const [written, ...of] = e.args;
    const value = this.simple(this.condition(written!), 'written');
    const args = of.map((a) => this.expression(a));
    return this.apply(e.op, [{ kind: 'num', v: value }, ...args], (values) => values[0]!);
  }

  private field(e: Extract<Expr, { kind: 'field' }>): Val {
    const f = this.f;
    const base = this.expression(e.object);
    // A field of an object from outside holds values from outside, with no shadow.
    const kind = base.s === undefined ? outsideKind(e.shape) : kindOf(e.shape);
    if (base.kind === 'arr' || e.name === 'length') return { kind: 'num', v: f.createPropertyAccessExpression(base.v, e.name) };
    if (base.kind === 'num') unsupported(codes.unsupportedSyntax, e.at, `'${e.name}' of a number cannot be differentiated.`);
    // The shadow holds the field only if it holds a number or an array, which its type must say.
    if (base.s !== undefined && e.shape.kind === 'other') {
      const text = e.shape.text === 'any' ? "typed 'any'" : `of type '${e.shape.text}'`;
      unsupported(codes.unsupportedSyntax, e.at, `the field '${e.name}' is ${text}, so the operation tape cannot tell whether it holds numbers to differentiate; give it one type (for example ${e.name}: number, or an object type).`);
    }
    // What a caller's object holds is the caller's too.
    const outside = kind === 'arr' || kind === 'rec' ? base.outside : undefined;
    return { kind, v: f.createPropertyAccessExpression(base.v, e.name), s: base.s === undefined || kind === 'other' ? undefined : f.createPropertyAccessExpression(base.s, e.name), outside };
  }

  private element(e: Extract<Expr, { kind: 'element' }>): Val {
    const f = this.f;
    const base = this.expression(e.array);
    if (base.kind === 'rows') {
      // A row or an object, with its shadow; one of the caller's is the caller's.
      const at = base.s === undefined ? this.expression(e.index).v : this.simple(this.expression(e.index).v, 'at');
      const kind: Kind = kindOf(e.shape) === 'rec' ? 'rec' : 'arr';
      return { kind, v: f.createElementAccessExpression(base.v, at), s: base.s === undefined ? undefined : f.createElementAccessExpression(base.s, at), outside: base.outside };
    }
    const index = this.expression(e.index);
    // The index is read for the value and again for the shadow: named once if it is not simple.
    const at = base.s === undefined ? index.v : this.simple(index.v, 'at');
    if (base.kind === 'rec' || base.kind === 'other') {
      const kind = kindOf(e.shape);
      return { kind, v: f.createElementAccessExpression(base.v, at), s: base.s === undefined || kind === 'other' ? undefined : f.createElementAccessExpression(base.s, at) };
    }
    if (base.kind !== 'arr') unsupported(codes.unsupportedSyntax, e.at, 'only arrays can be indexed in a marked function.');
    return { kind: 'num', v: f.createElementAccessExpression(base.v, at), s: base.s === undefined ? undefined : f.createElementAccessExpression(base.s, at) };
  }

  private objectLiteral(e: Extract<Expr, { kind: 'objectLiteral' }>): Val {
    const f = this.f;
    const values = e.fields.map(([, x]) => this.expression(x));
    // An object holding the caller's arrays or objects is not written either: a write through it
    // would reach them (the companion's copy of a parameter object is the caller's object).
    const held = values.find((v) => (v.kind === 'arr' || v.kind === 'rec') && v.outside !== undefined)?.outside ?? (values.some((v) => v.kind === 'arr' && v.s === undefined) ? borrowed : undefined);
    const owner = e.readonlyAs !== undefined ? { outside: e.readonlyAs } : held !== undefined ? { outside: held, holder: true } : {};
    const shadowFields = e.fields.flatMap(([name, x], i) => (values[i]!.kind === 'other' ? [] : [f.createPropertyAssignment(name, this.shadowFor(values[i]!.kind, values[i]!, x.at))]));
    if (e.original !== undefined && this.inPlace) {
      // A function that changes what it is given reads and writes the caller's object itself, as
      // the primal does; the shadow is built from its fields' input slots.
      this.writable.add(e.readonlyAs!);
      return { kind: 'rec', v: this.expression(e.original).v, s: f.createObjectLiteralExpression(shadowFields), outside: e.readonlyAs };
    }
    return {
      kind: 'rec',
      v: f.createObjectLiteralExpression(e.fields.map(([name], i) => f.createPropertyAssignment(name, values[i]!.v))),
      s: f.createObjectLiteralExpression(shadowFields),
      ...owner,
    };
  }

  private newArray(e: Extract<Expr, { kind: 'newArray' }>): Val {
    const f = this.f;
    const ctor = f.createIdentifier(e.storage === 'array' ? 'Array' : e.storage === 'float64' ? 'Float64Array' : 'Float32Array');
    if (e.copy) {
      const source = this.named(this.expression(e.arg!), 'source');
      const made = e.storage === 'array' ? f.createCallExpression(f.createPropertyAccessExpression(ctor, 'from'), undefined, [source.v]) : f.createNewExpression(ctor, undefined, [source.v]);
      // `[...pts]`: a new array of the same rows.
      if (source.kind === 'rows') return { kind: 'rows', v: made, s: source.s === undefined ? undefined : this.copySlots(source.s, 'array'), outside: source.outside };
      return { kind: 'arr', v: made, s: source.s === undefined ? this.zeroSlots(source.v, e.storage) : this.copySlots(source.s, e.storage) };
    }
    const length = e.arg === undefined ? f.createNumericLiteral(0) : this.simple(this.expression(e.arg).v, 'length');
    const made = f.createNewExpression(ctor, undefined, e.arg === undefined ? [] : [length]);
    // A plain `new Array(n)` has holes; its slots are constant until written, like its NaN reads.
    return { kind: 'arr', v: made, s: this.slotsOfLength(length, e.storage) };
  }

  /** `array.push(...)`, `array.fill(v)`: the array and its shadow change together. */
  private arrayMethod(e: Extract<Expr, { kind: 'arrayMethod' }>): Val {
    const f = this.f;
    const array = this.named(this.expression(e.array), 'array');
    const args = e.args.map((a) => this.expression(a));
    if (array.outside !== undefined && !this.writable.has(array.outside)) unsupported(codes.mutation, e.at, `'${e.method}' on ${array.outside} cannot be differentiated; copy it into a local array first.`);
    if (array.s === undefined) unsupported(codes.mutation, e.at, `this '${e.method}' changes an array from outside the marked function; build a new array instead.`);
    if (array.kind === 'rows' && args.some((a) => a.outside !== undefined || a.s === undefined)) {
      unsupported(codes.mutation, e.at, `an array of arrays the function builds cannot be given ${args.find((a) => a.outside !== undefined)?.outside ?? borrowed} as a row; push a copy (row.slice()).`);
    }
    const slots = args.map((a) => (a.kind === 'num' ? (a.s ?? f.createNumericLiteral(0)) : this.shadowFor(a.kind, a, e.at)));
    const result = this.simple(f.createCallExpression(f.createPropertyAccessExpression(array.v, e.method), undefined, args.map((a) => a.v)), e.method === 'push' ? 'length' : 'filled');
    this.out.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(array.s, e.method), undefined, slots)));
    return e.method === 'push' ? { kind: 'num', v: result } : { kind: 'arr', v: result, s: array.s };
  }

  /**
   * Slots of an array of constants as long as `array`; of the kind `slotsOfLength` makes for its
   * storage, decided at run time where the array's kind is not known here.
   */
  private zeroSlots(array: ts.Expression, storage: ArrayStorage | undefined): ts.Expression {
    const f = this.f;
    if (storage !== undefined) return this.slotsOfLength(f.createPropertyAccessExpression(array, 'length'), storage);
    const named = this.simple(array, 'array');
    const length = f.createPropertyAccessExpression(named, 'length');
    const isTyped = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('ArrayBuffer'), 'isView'), undefined, [named]);
    return f.createConditionalExpression(isTyped, f.createToken(this.ts.SyntaxKind.QuestionToken), this.slotsOfLength(length, 'float64'), f.createToken(this.ts.SyntaxKind.ColonToken), this.slotsOfLength(length, 'array'));
  }

  /**
   * Zero slots for an array of `storage`: a plain array's can grow and shrink with it; a typed
   * array's are an `Int32Array`, so that a `subarray` of it has the slots' `subarray` as its shadow.
   */
  private slotsOfLength(length: ts.Expression, storage: ArrayStorage): ts.Expression {
    const f = this.f;
    if (storage !== 'array') return f.createNewExpression(f.createIdentifier('Int32Array'), undefined, [length]);
    return f.createCallExpression(f.createPropertyAccessExpression(f.createNewExpression(f.createIdentifier('Array'), undefined, [length]), 'fill'), undefined, [f.createNumericLiteral(0)]);
  }

  private copySlots(slots: ts.Expression, storage: ArrayStorage): ts.Expression {
    const f = this.f;
    return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(storage === 'array' ? 'Array' : 'Int32Array'), 'from'), undefined, [slots]);
  }

  // ---- operations ---------------------------------------------------------------------------------

  /**
   * `op(args)` on numbers. Inactive: an expression. Active: the value in a constant, and one tape
   * entry (a chain of them for more than two active operands) with the rule table's partials.
   */
  private apply(op: PrimitiveName, args: readonly Val[], build: (values: readonly ts.Expression[]) => ts.Expression): Val {
    const { ts, f } = this;
    if (this.passive > 0 || args.every((a) => a.s === undefined)) return { kind: 'num', v: build(args.map((a) => a.v)) };
    const values = args.map((a, i) => this.simple(a.v, `a${i}`));
    const result = this.simple(build(values), 'value', true);
    const partials = partialsOf(ts, f, op, values.map((v, i) => ({ value: v, active: args[i]!.s !== undefined })), result);
    const terms = args.flatMap((a, i) => (a.s !== undefined && partials[i] !== undefined ? [[this.simple(a.s, 'slot'), partials[i]!] as const] : []));
    if (terms.length === 0) return { kind: 'num', v: result };
    // `x + c`, `x - c`: the result moves exactly as x does, so it shares x's slot.
    if (terms.length === 1 && ts.isNumericLiteral(terms[0]![1]) && terms[0]![1].text === '1') return { kind: 'num', v: result, s: terms[0]![0] };
    let slot: ts.Expression = terms.length === 1 ? this.method('unary', [terms[0]![0], terms[0]![1]]) : this.method('binary', [terms[0]![0], terms[0]![1], terms[1]![0], terms[1]![1]]);
    for (const [s, p] of terms.slice(2)) slot = this.method('binary', [this.simple(slot, 'partial'), f.createNumericLiteral(1), s, p]);
    return { kind: 'num', v: result, s: this.simple(slot, `${(result as ts.Identifier).text}$`, true) };
  }

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
  private collect(body: () => void): ts.Statement[] {
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
  private named(value: Val, hint: string): Val {
    return { ...value, v: this.simple(value.v, hint), s: value.s === undefined ? undefined : this.simple(value.s, `${hint}Slots`) };
  }

  /** `e` itself if it is a name or a literal; otherwise a new constant holding it. */
  private simple(e: ts.Expression, hint: string, always = false): ts.Expression {
    if (!always && isSimple(this.ts, e)) return e;
    const name = this.namer.fresh(hint);
    this.out.push(this.declaration(name, e, true));
    return this.f.createIdentifier(name);
  }

  private declaration(name: string, value: ts.Expression, constant: boolean): ts.Statement {
    const f = this.f;
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], constant ? this.ts.NodeFlags.Const : this.ts.NodeFlags.Let));
  }

  private assignment(target: ts.Expression, value: ts.Expression): ts.Statement {
    return this.f.createExpressionStatement(this.f.createAssignment(target, value));
  }

  private method(name: string, args: readonly ts.Expression[]): ts.Expression {
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(this.tape, name), undefined, [...args]);
  }
}

function kindOf(shape: Shape): Kind {
  switch (shape.kind) {
    case 'number':
      return 'num';
    case 'array':
      return 'arr';
    // Arrays of arrays and of objects: the arrays, with a shadow for each element.
    case 'matrix':
    case 'records':
      return 'rows';
    case 'record':
      return 'rec';
    default:
      return 'other';
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
        const takes = (value?.kind === 'var' && given.has(value.var)) || (value?.kind === 'objectLiteral' && value.original !== undefined);
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
 * Who owns an object chosen from `values`: the caller's if any is (then nothing of it is written),
 * else one holding the caller's arrays or objects if any does, else the function's own.
 */
function ownerOf(values: readonly { readonly outside?: string | undefined; readonly holder?: boolean | undefined }[]): { outside?: string; holder?: boolean } {
  const callers = values.find((v) => v.outside !== undefined && !v.holder);
  if (callers !== undefined) return { outside: callers.outside! };
  const holding = values.find((v) => v.outside !== undefined);
  return holding === undefined ? {} : { outside: holding.outside!, holder: true };
}

/** A value from outside the functions being differentiated: its objects are read, never shadowed. */
function storageOf(shape: Shape): ArrayStorage | undefined {
  return shape.kind === 'array' ? shape.storage : undefined;
}

function outsideKind(shape: Shape): Kind {
  const kind = kindOf(shape);
  return kind === 'rec' ? 'other' : kind;
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
