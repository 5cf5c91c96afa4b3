/**
 * The fine-grained mode (DESIGN.md §7): classic operator-level reverse mode, as a tape library would
 * do it, written at build time. The companion runs the marked function's own statements (its helpers
 * inlined), and beside every primitive operation on an active value it records the operands' tape
 * slots and the local partials (`runtime/operations.ts`); one reverse sweep over the tape gives the
 * gradient. Control flow is the function's own, so any loop nest, array or object it builds is
 * handled: this is also how the coarse mode's residue is differentiated when coarsening cannot take
 * a whole function.
 *
 * Every value has a shadow: a number's is its tape slot (an expression, `undefined` for a constant),
 * an array's is an array of slots, an object's an object of slots. Variables the activity analysis
 * finds constant have no shadow at all.
 */
import type ts from 'typescript';
import { codes, unsupported } from './diagnostics.js';
import { activeVariables, isClosure, type Activity } from './fine-activity.js';
import { partialsOf } from './fine-partials.js';
import { identifiersIn, Namer } from './names.js';
import { binaryToken, type CompanionBody } from './emit.js';
import { mathConstants, type PrimitiveName } from './rules.js';
import { calleeDeclaration, checkedParameter, enclosesCompanion, isIntegerType, isNumberType, mathOperation, refuseNumbersInside, skipOuter, unsupportedStatement, type FunctionLike } from './source.js';

type Kind = 'num' | 'arr' | 'rec' | 'other';

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
}

interface Binding {
  readonly kind: Kind;
  readonly name: string;
  /** The shadow's variable; absent when the variable is never active. */
  readonly shadow: string | undefined;
  /** Holds an array that is not the function's own (see `Val.outside`). */
  readonly outside?: string;
}

/** Where a `return` goes: the result variables of an inlined call, or of the marked function. */
interface ReturnTarget {
  readonly label: string;
  readonly value: string;
  readonly shadow: string | undefined;
  readonly kind: Kind;
  /** Set when a `return` returns an array that is not the function's own. */
  outside?: string;
}

interface LoopContext {
  readonly label: string | undefined;
  /** The label of the block holding the loop's body, when `continue` must become a `break` of it. */
  readonly continueAs: string | undefined;
}

class Frame {
  readonly bindings = new Map<ts.Symbol, Binding>();
  readonly labels = new Map<string, string>();
  readonly loops: LoopContext[] = [];
  constructor(
    readonly fn: FunctionLike | undefined,
    readonly activity: Activity,
    readonly thisValue: ts.Expression | undefined,
    readonly returns: ReturnTarget | undefined,
  ) {}
}

const zeroDerivative = new Set(['floor', 'ceil', 'round', 'trunc', 'sign']);

/** What an array read from `this` or a module variable is, for diagnostics. */
const borrowed = 'an array from outside the marked function';

export interface FineSource {
  readonly fn: FunctionLike;
  readonly file: ts.SourceFile;
  /** The name the file imports the runtime as. */
  readonly runtime: string;
}

/** The fine-grained companion of `fn`: `[value, gradients]` or the gradients, for `wrt` (all by default). */
export function emitFineCompanion(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  factory: ts.NodeFactory,
  source: FineSource,
  withValue: boolean,
  wrt?: readonly number[],
): CompanionBody {
  return new FineEmitter(tsApi, checker, factory, source).companion(withValue, wrt);
}

class FineEmitter {
  private out: ts.Statement[] = [];
  private readonly stack: Frame[] = [];
  private readonly namer: Namer;
  private readonly tape: ts.Identifier;

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly checker: ts.TypeChecker,
    private readonly f: ts.NodeFactory,
    private readonly source: FineSource,
  ) {
    this.namer = new Namer(namesToAvoid(ts, source.file, source.fn));
    this.tape = f.createIdentifier(this.namer.fresh('tape'));
  }

  companion(withValue: boolean, wrt: readonly number[] | undefined): CompanionBody {
    const { ts, f } = this;
    const fn = this.source.fn;
    const positions = wrt ?? fn.parameters.map((_, i) => i);
    const params = fn.parameters.map((p) => {
      const kind = this.parameterKind(p);
      const id = p.name as ts.Identifier;
      return { decl: p, name: this.namer.fresh(id.text), symbol: this.symbolOf(id), kind };
    });
    const differentiated = (i: number) => (params[i]!.kind === 'num' && !isIntegerType(ts, this.checker.getTypeAtLocation(fn.parameters[i]!))) || params[i]!.kind === 'arr';
    const seeds = new Set(positions.filter(differentiated).map((i) => params[i]!.symbol));
    const result: ReturnTarget = { label: this.namer.fresh('body'), value: this.namer.fresh('value'), shadow: this.namer.fresh('valueSlot'), kind: 'num' };
    // The companion of a marked arrow is an arrow in the same place: `this` is the same there too.
    const thisValue = f.createThis();
    const frame = new Frame(fn, activeVariables(ts, this.checker, fn, seeds), thisValue, result);
    const prologue: ts.Statement[] = [this.constant(this.tape.text, f.createPropertyAccessExpression(f.createIdentifier(this.source.runtime), 'operations')), f.createExpressionStatement(this.method('begin', []))];
    for (const p of params) {
      const outside = p.kind === 'arr' ? `the parameter array '${(p.decl.name as ts.Identifier).text}'` : undefined;
      if (!seeds.has(p.symbol)) {
        frame.bindings.set(p.symbol, { kind: p.kind, name: p.name, shadow: undefined, outside });
        continue;
      }
      const shadow = this.namer.fresh(`${p.name}$`);
      const slots = p.kind === 'num' ? this.method('input', []) : this.method('inputs', [f.createPropertyAccessExpression(f.createIdentifier(p.name), 'length')]);
      prologue.push(this.constant(shadow, slots));
      frame.bindings.set(p.symbol, { kind: p.kind, name: p.name, shadow, outside });
    }
    const body = this.functionBody(frame, fn);
    const gradients = positions.map((i) => {
      const shadow = frame.bindings.get(params[i]!.symbol)!.shadow;
      if (shadow === undefined) return f.createIdentifier('undefined');
      return this.method(params[i]!.kind === 'num' ? 'adjointOf' : 'adjointsOf', [f.createIdentifier(shadow)]);
    });
    const gradientArray = f.createArrayLiteralExpression(gradients);
    const statements = [
      ...prologue,
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(result.value), f.createVariableDeclaration(result.shadow!, undefined, undefined, f.createNumericLiteral(0))], ts.NodeFlags.Let)),
      ...body,
      f.createExpressionStatement(this.method('sweep', [f.createIdentifier(result.shadow!)])),
      f.createReturnStatement(withValue ? f.createArrayLiteralExpression([f.createIdentifier(result.value), gradientArray]) : gradientArray),
    ];
    const parameters = params.map((p) => f.createParameterDeclaration(undefined, undefined, p.name, undefined, undefined, p.decl.initializer));
    return { parameters, body: f.createBlock(statements, true) };
  }

  // ---- functions ----------------------------------------------------------------------------------

  /** The statements of a function body run in `frame`, ending in the labelled block its returns leave. */
  private functionBody(frame: Frame, fn: FunctionLike): ts.Statement[] {
    const { ts, f } = this;
    if (fn.body === undefined) unsupported(codes.unknownCallee, fn, 'this function has no body to differentiate.');
    if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      unsupported(codes.unsupportedSyntax, fn, 'generators and async functions cannot be differentiated; make it a plain function.');
    }
    const target = frame.returns!;
    this.stack.push(frame);
    try {
      return this.collect(() => {
        const body = fn.body!;
        if (ts.isBlock(body)) {
          const inner = this.collect(() => this.statements(body.statements));
          this.out.push(f.createLabeledStatement(target.label, f.createBlock(inner, true)));
        } else {
          this.returnTo(target, this.expression(body), body);
        }
      });
    } finally {
      this.stack.pop();
    }
  }

  /** A call to a function with source: inlined, its parameters bound to the arguments. */
  private inline(call: ts.CallExpression, decl: FunctionLike, thisValue: ts.Expression | undefined): Val {
    const { ts, f } = this;
    if (this.stack.some((fr) => fr.fn === decl)) unsupported(codes.recursion, call, 'recursion cannot be differentiated yet; rewrite it as a loop.');
    const args = this.operands(call.arguments.map((a) => () => this.expression(a)));
    const signature = this.checker.getSignatureFromDeclaration(decl);
    const kind = signature === undefined ? 'num' : this.kindOf(this.checker.getReturnTypeOfSignature(signature));
    const seeds = new Set<ts.Symbol>();
    decl.parameters.forEach((p, i) => {
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken) {
        unsupported(codes.unsupportedSyntax, p, 'a function called from a marked function must take plain named parameters (no destructuring or rest).');
      }
      if (args[i]?.s !== undefined) seeds.add(this.symbolOf(p.name));
    });
    const activeResult = (args.some((a) => a.s !== undefined) || isClosure(ts, decl)) && kind !== 'other';
    const target: ReturnTarget = {
      label: this.namer.fresh(`${decl.name !== undefined && ts.isIdentifier(decl.name) ? decl.name.text : 'call'}Body`),
      value: this.namer.fresh(decl.name !== undefined && ts.isIdentifier(decl.name) ? decl.name.text : 'result'),
      shadow: activeResult ? this.namer.fresh(`${decl.name !== undefined && ts.isIdentifier(decl.name) ? decl.name.text : 'result'}$`) : undefined,
      kind,
    };
    const frame = new Frame(decl, activeVariables(ts, this.checker, decl, seeds), thisValue, target);
    // Parameters are bound in the caller's frame order: defaults may read earlier parameters.
    const bindings: ts.Statement[] = [];
    this.stack.push(frame);
    try {
      decl.parameters.forEach((p, i) => {
        const name = p.name as ts.Identifier;
        let value = args[i];
        if (value === undefined) {
          if (p.initializer === undefined) unsupported(codes.unsupportedSyntax, call, `argument '${name.text}' is missing; pass every parameter.`);
          const statements = this.collect(() => (value = this.expression(p.initializer!)));
          bindings.push(...statements);
        }
        bindings.push(...this.collect(() => this.declare(name, value!, this.kindOf(this.checker.getTypeAtLocation(p)), p)));
      });
    } finally {
      this.stack.pop();
    }
    const body = this.functionBody(frame, decl);
    const declarations = [f.createVariableDeclaration(target.value)];
    if (target.shadow !== undefined) declarations.push(f.createVariableDeclaration(target.shadow));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    this.out.push(...bindings, ...body);
    return { kind, v: f.createIdentifier(target.value), s: target.shadow === undefined ? undefined : f.createIdentifier(target.shadow), outside: target.outside };
  }

  private returnTo(target: ReturnTarget, value: Val, at: ts.Node): void {
    const { f } = this;
    if (target.kind === 'num' && value.kind !== 'num') unsupported(codes.noNumericResult, at, 'this must be a number.');
    if (target.kind === 'arr') target.outside ??= value.outside ?? (value.s === undefined && target.shadow !== undefined ? borrowed : undefined);
    this.out.push(this.assignment(f.createIdentifier(target.value), value.v));
    if (target.shadow !== undefined) this.out.push(this.assignment(f.createIdentifier(target.shadow), this.shadowFor(target.kind, value, at)));
    else if (value.s !== undefined) throw new Error('coarsegrad fine mode: an active value returned where the analysis found none');
  }

  // ---- statements ---------------------------------------------------------------------------------

  private statements(list: readonly ts.Statement[]): void {
    for (const s of list) this.statement(s);
  }

  private statement(s: ts.Statement): void {
    const { ts, f } = this;
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) this.variable(d);
    } else if (ts.isExpressionStatement(s)) {
      this.effect(s.expression);
    } else if (ts.isReturnStatement(s)) {
      if (s.expression === undefined) unsupported(codes.noNumericResult, s, 'a marked function must return a number here.');
      const target = this.frame.returns!;
      this.returnTo(target, this.expression(s.expression), s);
      this.out.push(f.createBreakStatement(target.label));
    } else if (ts.isIfStatement(s)) {
      const cond = this.condition(s.expression);
      const then = this.block(() => this.statement(s.thenStatement));
      const otherwise = s.elseStatement === undefined ? undefined : this.block(() => this.statement(s.elseStatement!));
      this.out.push(f.createIfStatement(cond, then, otherwise));
    } else if (ts.isBlock(s)) {
      this.out.push(this.block(() => this.statements(s.statements)));
    } else if (ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s)) {
      // Declarations: functions are inlined where they are called.
    } else if (ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForOfStatement(s)) {
      this.loop(s, undefined);
    } else if (ts.isLabeledStatement(s)) {
      const label = this.namer.fresh(s.label.text);
      this.frame.labels.set(s.label.text, label);
      const inner = s.statement;
      if (ts.isForStatement(inner) || ts.isWhileStatement(inner) || ts.isDoStatement(inner) || ts.isForOfStatement(inner)) this.loop(inner, label);
      else this.out.push(f.createLabeledStatement(label, this.block(() => this.statement(inner))));
    } else if (ts.isBreakStatement(s)) {
      this.out.push(f.createBreakStatement(s.label === undefined ? undefined : this.frame.labels.get(s.label.text)));
    } else if (ts.isContinueStatement(s)) {
      const loops = this.frame.loops;
      const loop = s.label === undefined ? loops[loops.length - 1] : loops.find((l) => l.label === this.frame.labels.get(s.label!.text));
      if (loop === undefined) unsupported(codes.unsupportedSyntax, s, "this 'continue' has no loop to continue.");
      if (loop.continueAs !== undefined) this.out.push(f.createBreakStatement(loop.continueAs));
      else this.out.push(f.createContinueStatement(s.label === undefined ? undefined : loop.label));
    } else {
      unsupportedStatement(ts, s);
    }
  }

  private variable(d: ts.VariableDeclaration): void {
    const ts = this.ts;
    if (!ts.isIdentifier(d.name)) unsupported(codes.unsupportedSyntax, d.name, 'destructuring is not supported yet; declare each variable on its own.');
    // A local function is inlined where it is called.
    if (d.initializer !== undefined && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) return;
    const kind = this.kindOf(this.checker.getTypeAtLocation(d.name));
    const value = d.initializer === undefined ? undefined : this.expression(d.initializer);
    this.declare(d.name, value, kind, d);
  }

  /** Declares a variable (and its shadow, if active) holding `value`. */
  private declare(name: ts.Identifier, value: Val | undefined, kind: Kind, at: ts.Node): void {
    const { ts, f } = this;
    const symbol = this.symbolOf(name);
    const active = this.frame.activity.active.has(symbol) && kind !== 'other';
    // A loop counter is an integer: whatever it starts from, it carries no derivative.
    if (value !== undefined && this.frame.activity.counters.has(symbol)) value = { ...value, s: undefined };
    const outside = value === undefined || kind !== 'arr' ? undefined : (value.outside ?? (value.s === undefined ? borrowed : undefined));
    const binding: Binding = { kind, name: this.namer.fresh(name.text), shadow: active ? this.namer.fresh(`${name.text}$`) : undefined, outside };
    const declarations = [f.createVariableDeclaration(binding.name, undefined, undefined, value?.v)];
    if (binding.shadow !== undefined) {
      const shadow = value === undefined ? (kind === 'num' ? f.createNumericLiteral(0) : undefined) : this.shadowFor(kind, value, at);
      declarations.push(f.createVariableDeclaration(binding.shadow, undefined, undefined, shadow));
    } else if (value?.s !== undefined) {
      throw new Error(`coarsegrad fine mode: '${name.text}' holds an active value but the analysis found it constant`);
    }
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    this.frame.bindings.set(symbol, binding);
  }

  /** The shadow to store for `value` where a shadow of `kind` is kept: constants get constant slots. */
  private shadowFor(kind: Kind, value: Val, at: ts.Node): ts.Expression {
    const f = this.f;
    if (value.s !== undefined) return value.s;
    if (kind === 'num') return f.createNumericLiteral(0);
    if (kind === 'arr') return this.zeroSlots(value.v);
    unsupported(codes.mutation, at, 'an object read from outside the marked function cannot be stored where the function keeps its own objects; copy its fields into a new object.');
  }

  private loop(s: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement, label: string | undefined): void {
    const { ts, f } = this;
    if (ts.isForOfStatement(s)) return this.forOf(s, label);
    const init: ts.Statement[] = [];
    let initializer: ts.ForInitializer | undefined;
    if (ts.isForStatement(s) && s.initializer !== undefined) {
      const statements = this.collect(() => {
        if (ts.isVariableDeclarationList(s.initializer!)) s.initializer.declarations.forEach((d) => this.variable(d));
        else this.effect(s.initializer as ts.Expression);
      });
      // `for (let i = 0, ...)` keeps its declarations in the header when they need no other statement.
      if (statements.every((st) => ts.isVariableStatement(st))) {
        initializer = f.createVariableDeclarationList(statements.flatMap((st) => [...(st as ts.VariableStatement).declarationList.declarations]), ts.NodeFlags.Let);
      } else {
        init.push(...statements);
      }
    }
    const test = ts.isForStatement(s) ? s.condition : s.expression;
    let testPrelude: ts.Statement[] = [];
    let cond: ts.Expression | undefined;
    if (test !== undefined) testPrelude = this.collect(() => (cond = this.condition(test)));
    let incrementor: ts.Expression | undefined;
    let nextStatements: ts.Statement[] = [];
    if (ts.isForStatement(s) && s.incrementor !== undefined) {
      nextStatements = this.collect(() => this.effect(s.incrementor!));
      if (nextStatements.length === 1 && ts.isExpressionStatement(nextStatements[0]!)) {
        incrementor = nextStatements[0].expression;
        nextStatements = [];
      }
    }
    const simple = testPrelude.length === 0 && nextStatements.length === 0;
    const bodyLabel = simple ? undefined : this.namer.fresh('iteration');
    this.frame.loops.push({ label, continueAs: bodyLabel });
    let body: ts.Statement[];
    try {
      body = this.collect(() => this.statement(s.statement));
    } finally {
      this.frame.loops.pop();
    }
    this.out.push(...init);
    let loop: ts.Statement;
    if (simple) {
      const block = f.createBlock(body, true);
      if (ts.isForStatement(s)) loop = f.createForStatement(initializer, cond, incrementor, block);
      else if (ts.isWhileStatement(s)) loop = f.createWhileStatement(cond!, block);
      else loop = f.createDoStatement(block, cond!);
    } else {
      // The test or the step needs statements of its own: `for (;;)` with the test inside, and the
      // body in a labelled block so that `continue` still runs the step and the test.
      const exit = cond === undefined ? [] : [...testPrelude, f.createIfStatement(f.createLogicalNot(cond), f.createBreakStatement())];
      const next = [...nextStatements, ...(incrementor === undefined ? [] : [f.createExpressionStatement(incrementor)])];
      const iteration = f.createLabeledStatement(bodyLabel!, f.createBlock(body, true));
      const statements = ts.isDoStatement(s) ? [iteration, ...next, ...exit] : [...exit, iteration, ...next];
      loop = f.createForStatement(initializer, undefined, undefined, f.createBlock(statements, true));
    }
    this.out.push(label === undefined ? loop : f.createLabeledStatement(label, loop));
  }

  /** `for (const v of xs)`: a counted loop over `xs`, so that each element's shadow is at hand. */
  private forOf(s: ts.ForOfStatement, label: string | undefined): void {
    const { ts, f } = this;
    const iterated = this.expression(s.expression);
    if (iterated.kind !== 'arr') unsupported(codes.unsupportedSyntax, s.expression, "'for...of' is differentiated over arrays of numbers only.");
    const array = this.simple(iterated.v, 'array');
    const slots = iterated.s === undefined ? undefined : this.simple(iterated.s, 'slots');
    const decl = s.initializer;
    if (!ts.isVariableDeclarationList(decl) || decl.declarations.length !== 1 || !ts.isIdentifier(decl.declarations[0]!.name)) {
      unsupported(codes.unsupportedSyntax, s.initializer, "declare the 'for...of' variable in the loop: for (const v of xs).");
    }
    const name = decl.declarations[0]!.name as ts.Identifier;
    const k = this.namer.fresh('k');
    this.frame.loops.push({ label, continueAs: undefined });
    let body: ts.Statement[];
    try {
      body = this.collect(() => {
        const index = f.createIdentifier(k);
        this.declare(name, { kind: 'num', v: f.createElementAccessExpression(array, index), s: slots === undefined ? undefined : f.createElementAccessExpression(slots, index) }, 'num', name);
        this.statement(s.statement);
      });
    } finally {
      this.frame.loops.pop();
    }
    const loop = f.createForStatement(
      f.createVariableDeclarationList([f.createVariableDeclaration(k, undefined, undefined, f.createNumericLiteral(0))], ts.NodeFlags.Let),
      f.createLessThan(f.createIdentifier(k), f.createPropertyAccessExpression(array, 'length')),
      f.createPostfixIncrement(f.createIdentifier(k)),
      f.createBlock(body, true),
    );
    this.out.push(label === undefined ? loop : f.createLabeledStatement(label, loop));
  }

  // ---- expressions --------------------------------------------------------------------------------

  /** An expression evaluated for its effect. */
  private effect(e: ts.Expression): void {
    const ts = this.ts;
    const inner = skipOuter(ts, e);
    if (ts.isCallExpression(inner) && this.isConsoleCall(inner)) return; // the primal logs; the companion does not
    // `i++` and `i += 2` on a variable that is never active stay as written: loop steps read as in the source.
    const counter = constantUpdate(ts, inner);
    if (counter !== undefined && this.binding(counter.target).shadow === undefined) {
      const name = this.f.createIdentifier(this.binding(counter.target).name);
      if (counter.right === undefined) {
        this.out.push(this.f.createExpressionStatement(ts.isPrefixUnaryExpression(inner) ? this.f.createPrefixUnaryExpression(inner.operator, name) : this.f.createPostfixUnaryExpression(name, (inner as ts.PostfixUnaryExpression).operator)));
        return;
      }
      const right = this.expression(counter.right);
      if (right.s === undefined) {
        this.out.push(this.f.createExpressionStatement(this.f.createBinaryExpression(name, (inner as ts.BinaryExpression).operatorToken.kind as ts.BinaryOperator, right.v)));
        return;
      }
    }
    const value = this.expression(inner);
    if (!ts.isIdentifier(value.v) && !ts.isLiteralExpression(value.v) && !isAssignmentLike(ts, inner)) this.out.push(this.f.createExpressionStatement(value.v));
  }

  /** A condition: its value only, with nothing recorded (unless it assigns, which records as usual). */
  private condition(e: ts.Expression): ts.Expression {
    this.passive++;
    try {
      return this.expression(e).v;
    } finally {
      this.passive--;
    }
  }

  /** Above 0 while evaluating what only steers control flow: operations are computed, not recorded. */
  private passive = 0;

  private expression(e: ts.Expression): Val {
    const { ts, f } = this;
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) {
      return this.expression(e.expression);
    }
    if (ts.isNumericLiteral(e)) return { kind: 'num', v: f.createNumericLiteral(e.text) };
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { kind: 'other', v: f.createStringLiteral(e.text) };
    if (e.kind === ts.SyntaxKind.TrueKeyword) return { kind: 'other', v: f.createTrue() };
    if (e.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'other', v: f.createFalse() };
    if (e.kind === ts.SyntaxKind.ThisKeyword) {
      const self = this.frame.thisValue;
      if (self === undefined) unsupported(codes.unsupportedSyntax, e, "'this' here has no object the gradient code can read; pass the values as parameters.");
      return { kind: 'other', v: self };
    }
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (ts.isPropertyAccessExpression(e)) return this.propertyAccess(e);
    if (ts.isElementAccessExpression(e)) return this.elementAccess(e);
    if (ts.isPrefixUnaryExpression(e)) return this.prefixUnary(e);
    if (ts.isPostfixUnaryExpression(e)) return this.update(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', true);
    if (ts.isBinaryExpression(e)) return this.binary(e);
    if (ts.isConditionalExpression(e)) return this.conditional(e);
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isNewExpression(e)) return this.newExpression(e);
    if (ts.isArrayLiteralExpression(e)) return this.arrayLiteral(e);
    if (ts.isObjectLiteralExpression(e)) return this.objectLiteral(e);
    unsupported(codes.unsupportedSyntax, e, `this expression (${ts.SyntaxKind[e.kind]}) cannot be differentiated; compute it outside the marked function.`);
  }

  private identifier(e: ts.Identifier, symbol = this.symbolOf(e)): Val {
    const f = this.f;
    if ((e.text === 'NaN' || e.text === 'Infinity') && this.isGlobal(e)) return { kind: 'num', v: f.createIdentifier(e.text) };
    if (e.text === 'undefined' && this.isGlobal(e)) unsupported(codes.unsupportedSyntax, e, "'undefined' is not a number; use a number here.");
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const binding = this.stack[i]!.bindings.get(symbol);
      if (binding !== undefined) {
        return { kind: binding.kind, v: f.createIdentifier(binding.name), s: binding.shadow === undefined ? undefined : f.createIdentifier(binding.shadow), outside: binding.outside };
      }
    }
    return this.freeIdentifier(e, symbol);
  }

  /** A name declared outside the functions being differentiated: read where visible, else inlined if a constant. */
  private freeIdentifier(e: ts.Identifier, symbol: ts.Symbol): Val {
    const ts = this.ts;
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined) unsupported(codes.unreachableName, e, `cannot find the declaration of '${e.text}'.`);
    const kind = this.kindOf(this.checker.getTypeAtLocation(e));
    if (decl.getSourceFile().isDeclarationFile || (decl.getSourceFile() === this.source.file && enclosesCompanion(ts, decl, this.source.fn))) {
      // The source's own identifier, where it is in this file: an imported name is rewritten with it.
      return { kind, v: e.getSourceFile() === this.source.file ? e : this.f.createIdentifier(e.text) };
    }
    // A constant declared elsewhere (another module, or a callee's scope): its definition, inlined.
    if (kind === 'num' && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const && !this.folding.has(symbol)) {
      this.folding.add(symbol);
      this.stack.push(new Frame(undefined, { active: new Set(), counters: new Set() }, undefined, undefined));
      try {
        let value: Val | undefined;
        const statements = this.collect(() => (value = this.expression(decl.initializer!)));
        if (statements.length === 0 && value!.s === undefined) return value!;
      } catch {
        // Not a constant expression: reported below.
      } finally {
        this.stack.pop();
        this.folding.delete(symbol);
      }
    }
    unsupported(
      codes.unreachableName,
      e,
      `'${e.text}' is declared where the gradient code cannot read it (another module or an inner scope) and is not a constant; pass it as a parameter.`,
    );
  }

  private readonly folding = new Set<ts.Symbol>();

  private propertyAccess(e: ts.PropertyAccessExpression): Val {
    const { ts, f } = this;
    if (ts.isIdentifier(e.expression) && e.expression.text === 'Math' && this.isGlobal(e.expression)) {
      if (mathConstants[e.name.text] === undefined) unsupported(codes.unsupportedSyntax, e, `Math.${e.name.text} is not a number.`);
      return { kind: 'num', v: f.createPropertyAccessExpression(f.createIdentifier('Math'), e.name.text) };
    }
    if (e.questionDotToken) unsupported(codes.unsupportedSyntax, e, "optional chaining ('?.') is not supported in a marked function.");
    const base = this.expression(e.expression);
    const kind = this.kindOf(this.checker.getTypeAtLocation(e));
    const name = e.name.text;
    if (base.kind === 'arr' || name === 'length') return { kind: 'num', v: f.createPropertyAccessExpression(base.v, name) };
    if (base.kind === 'num') unsupported(codes.unsupportedSyntax, e, `'${name}' of a number cannot be differentiated.`);
    return { kind, v: f.createPropertyAccessExpression(base.v, name), s: base.s === undefined || kind === 'other' ? undefined : f.createPropertyAccessExpression(base.s, name) };
  }

  private elementAccess(e: ts.ElementAccessExpression): Val {
    const f = this.f;
    const [base, index] = this.operands([() => this.expression(e.expression), () => this.expression(e.argumentExpression)]);
    // The index is read for the value and again for the shadow: named once if it is not simple.
    const at = base!.s === undefined ? index!.v : this.simple(index!.v, 'at');
    if (base!.kind === 'rec' || base!.kind === 'other') {
      const kind = this.kindOf(this.checker.getTypeAtLocation(e));
      return { kind, v: f.createElementAccessExpression(base!.v, at), s: base!.s === undefined || kind === 'other' ? undefined : f.createElementAccessExpression(base!.s, at) };
    }
    if (base!.kind !== 'arr') unsupported(codes.unsupportedSyntax, e, 'only arrays can be indexed in a marked function.');
    return { kind: 'num', v: f.createElementAccessExpression(base!.v, at), s: base!.s === undefined ? undefined : f.createElementAccessExpression(base!.s, at) };
  }

  private prefixUnary(e: ts.PrefixUnaryExpression): Val {
    const { ts, f } = this;
    switch (e.operator) {
      case ts.SyntaxKind.MinusToken: {
        const [a] = this.operands([() => this.number(e.operand)]);
        return this.apply('neg', [a!], ([x]) => f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, x!));
      }
      case ts.SyntaxKind.PlusToken: {
        const value = this.expression(e.operand);
        return value.kind === 'num' ? value : { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.PlusToken, value.v) };
      }
      case ts.SyntaxKind.ExclamationToken:
        return { kind: 'other', v: f.createLogicalNot(this.expression(e.operand).v) };
      case ts.SyntaxKind.TildeToken:
        return { kind: 'num', v: f.createPrefixUnaryExpression(ts.SyntaxKind.TildeToken, this.expression(e.operand).v) };
      case ts.SyntaxKind.PlusPlusToken:
        return this.update(e.operand, '+', false);
      case ts.SyntaxKind.MinusMinusToken:
        return this.update(e.operand, '-', false);
    }
  }

  private binary(e: ts.BinaryExpression): Val {
    const { ts, f } = this;
    const k = ts.SyntaxKind;
    const token = e.operatorToken.kind;
    if (token === k.EqualsToken) return this.assign(e.left, () => this.expression(e.right), e);
    const compound = operatorTables(ts).compound.get(token);
    if (compound !== undefined) {
      return this.assign(e.left, (current) => {
        const [a, b] = this.operands([current, () => this.number(e.right)]);
        return this.arithmetic(compound, a!, b!, e);
      }, e);
    }
    if (token === k.CommaToken) {
      this.effect(e.left);
      return this.expression(e.right);
    }
    if (token === k.AmpersandAmpersandToken || token === k.BarBarToken || token === k.QuestionQuestionToken) return this.logical(e);
    const op = operatorTables(ts).arithmetic.get(token);
    if (op !== undefined) {
      const [a, b] = this.operands([() => this.expression(e.left), () => this.expression(e.right)]);
      return this.arithmetic(op, a!, b!, e);
    }
    // Comparisons and integer operations: values only.
    const [a, b] = this.operands([() => this.expression(e.left), () => this.expression(e.right)]);
    const kind = this.kindOf(this.checker.getTypeAtLocation(e));
    return { kind: kind === 'num' ? 'num' : 'other', v: f.createBinaryExpression(a!.v, e.operatorToken.kind as ts.BinaryOperator, b!.v) };
  }

  private arithmetic(op: PrimitiveName, a: Val, b: Val, at: ts.Node): Val {
    const { ts, f } = this;
    if (a.kind !== 'num' || b.kind !== 'num') {
      if (op === '+' && a.s === undefined && b.s === undefined) return { kind: 'other', v: f.createAdd(a.v, b.v) }; // strings
      unsupported(codes.unsupportedSyntax, at, 'arithmetic is differentiated on numbers only.');
    }
    return this.apply(op, [a, b], ([x, y]) => f.createBinaryExpression(x!, binaryToken(ts, op), y!));
  }

  /** `a && b`, `a || b`, `a ?? b`: the right side runs only when needed, as in the primal. */
  private logical(e: ts.BinaryExpression): Val {
    const { ts, f } = this;
    const left = this.expression(e.left);
    let right: Val | undefined;
    const statements = this.collect(() => (right = this.expression(e.right)));
    const kind = this.kindOf(this.checker.getTypeAtLocation(e));
    if (statements.length === 0 && left.s === undefined && right!.s === undefined) {
      return { kind: kind === 'num' ? 'num' : 'other', v: f.createBinaryExpression(left.v, e.operatorToken.kind as ts.BinaryOperator, right!.v) };
    }
    const result = this.namer.fresh('either');
    const shadow = left.s !== undefined || right!.s !== undefined ? this.namer.fresh('either$') : undefined;
    const declarations = [f.createVariableDeclaration(result, undefined, undefined, left.v)];
    if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow, undefined, undefined, left.s ?? f.createNumericLiteral(0)));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    const id = f.createIdentifier(result);
    const test =
      e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? id
      : e.operatorToken.kind === ts.SyntaxKind.BarBarToken ? f.createLogicalNot(id)
      : f.createEquality(id, f.createNull());
    const take = [...statements, this.assignment(id, right!.v), ...(shadow === undefined ? [] : [this.assignment(f.createIdentifier(shadow), right!.s ?? f.createNumericLiteral(0))])];
    this.out.push(f.createIfStatement(test, f.createBlock(take, true)));
    return { kind: kind === 'num' ? 'num' : 'other', v: id, s: shadow === undefined ? undefined : f.createIdentifier(shadow) };
  }

  private conditional(e: ts.ConditionalExpression): Val {
    const { ts, f } = this;
    const cond = this.condition(e.condition);
    let a: Val | undefined;
    let b: Val | undefined;
    const whenTrue = this.collect(() => (a = this.expression(e.whenTrue)));
    const whenFalse = this.collect(() => (b = this.expression(e.whenFalse)));
    const question = f.createToken(ts.SyntaxKind.QuestionToken);
    const colon = f.createToken(ts.SyntaxKind.ColonToken);
    if (whenTrue.length === 0 && whenFalse.length === 0 && a!.s === undefined && b!.s === undefined) {
      return { kind: a!.kind, v: f.createConditionalExpression(cond, question, a!.v, colon, b!.v), outside: a!.outside ?? b!.outside };
    }
    const kind = a!.kind === b!.kind ? a!.kind : this.kindOf(this.checker.getTypeAtLocation(e));
    const result = this.namer.fresh('chosen');
    const shadow = a!.s !== undefined || b!.s !== undefined ? this.namer.fresh('chosen$') : undefined;
    const declarations = [f.createVariableDeclaration(result)];
    if (shadow !== undefined) declarations.push(f.createVariableDeclaration(shadow));
    this.out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(declarations, ts.NodeFlags.Let)));
    const arm = (statements: ts.Statement[], value: Val) =>
      f.createBlock([...statements, this.assignment(f.createIdentifier(result), value.v), ...(shadow === undefined ? [] : [this.assignment(f.createIdentifier(shadow), this.shadowFor(kind, value, e))])], true);
    this.out.push(f.createIfStatement(cond, arm(whenTrue, a!), arm(whenFalse, b!)));
    const outside = kind !== 'arr' ? undefined : (a!.outside ?? b!.outside ?? (shadow !== undefined && (a!.s === undefined || b!.s === undefined) ? borrowed : undefined));
    return { kind, v: f.createIdentifier(result), s: shadow === undefined ? undefined : f.createIdentifier(shadow), outside };
  }

  // ---- assignments --------------------------------------------------------------------------------

  /**
   * `target = value(current)`: the value and its shadow are stored, and the stored value is the
   * expression's. `current` reads the target as it is, through the base and index evaluated once,
   * for `op=`, `++` and `--`.
   */
  private assign(targetExpr: ts.Expression, value: (current: () => Val) => Val, at: ts.Node): Val {
    const target = skipOuter(this.ts, targetExpr);
    // What is stored is recorded, even inside a condition.
    const passive = this.passive;
    this.passive = 0;
    try {
      return this.store(target, value, at);
    } finally {
      this.passive = passive;
    }
  }

  private store(target: ts.Expression, value: (current: () => Val) => Val, at: ts.Node): Val {
    const { ts, f } = this;
    if (ts.isIdentifier(target)) {
      const binding = this.binding(target);
      const v = value(() => this.identifier(target));
      const outside = binding.kind === 'arr' ? (v.outside ?? (v.s === undefined && binding.shadow !== undefined ? borrowed : undefined)) : undefined;
      if (outside !== undefined && binding.outside === undefined) {
        // The variable holds the function's own arrays, which it may write: it must not alias the caller's.
        unsupported(codes.mutation, at, `'${target.text}' holds arrays the function writes and here is given ${outside}; copy it into a local array first (Float64Array.from(...)).`);
      }
      if (binding.shadow !== undefined) {
        // The shadow is read before the value is stored: it may index by the variable itself.
        const shadow = this.simple(this.shadowFor(binding.kind, v, at), `${binding.name}$`);
        this.out.push(this.assignment(f.createIdentifier(binding.name), v.v));
        this.out.push(this.assignment(f.createIdentifier(binding.shadow), shadow));
      } else {
        const counter = this.stack.some((fr) => fr.activity.counters.has(this.symbolOf(target)));
        if (v.s !== undefined && !counter) throw new Error(`coarsegrad fine mode: '${target.text}' is assigned an active value but the analysis found it constant`);
        this.out.push(this.assignment(f.createIdentifier(binding.name), v.v));
      }
      return { kind: binding.kind, v: f.createIdentifier(binding.name), s: binding.shadow === undefined ? undefined : f.createIdentifier(binding.shadow) };
    }
    if (ts.isElementAccessExpression(target) || ts.isPropertyAccessExpression(target)) {
      const [base, key] = this.operands([
        () => this.expression(target.expression),
        (): Val => (ts.isElementAccessExpression(target) ? this.expression(target.argumentExpression) : { kind: 'other', v: f.createStringLiteral(target.name.text) }),
      ]);
      if (base!.outside !== undefined) {
        unsupported(codes.mutation, target, `writing to ${base!.outside} cannot be differentiated; copy it into a local array first.`);
      }
      if (base!.s === undefined) {
        unsupported(codes.mutation, at, 'this writes to an array or object from outside the marked function (a field of `this`, a module variable); compute a new value and return it instead.');
      }
      const where = this.simple(base!.v, 'target');
      const slots = this.simple(base!.s, 'targetSlots');
      const index = ts.isElementAccessExpression(target) ? this.simple(key!.v, 'at') : undefined;
      const place = (object: ts.Expression) => (index !== undefined ? f.createElementAccessExpression(object, index) : f.createPropertyAccessExpression(object, (target as ts.PropertyAccessExpression).name.text));
      const kind = base!.kind === 'arr' ? 'num' : this.kindOf(this.checker.getTypeAtLocation(target));
      const v = value(() => ({ kind, v: place(where), s: kind === 'other' ? undefined : place(slots) }));
      const stored = this.simple(v.v, 'stored');
      this.out.push(this.assignment(place(where), stored));
      if (kind !== 'other') this.out.push(this.assignment(place(slots), this.shadowFor(kind, v, at)));
      return { kind, v: stored, s: v.s };
    }
    unsupported(codes.unsupportedSyntax, target, 'only variables, array elements and object fields can be assigned in a marked function.');
  }

  /** `x++`, `++x`, `x--`, `--x`. */
  private update(operand: ts.Expression, op: '+' | '-', postfix: boolean): Val {
    const { ts, f } = this;
    const target = skipOuter(ts, operand);
    let old: Val | undefined;
    const stored = this.assign(
      target,
      (current) => {
        old = current();
        if (postfix) old = { kind: old.kind, v: this.simple(old.v, 'old'), s: old.s === undefined ? undefined : this.simple(old.s, 'old$') };
        return this.arithmetic(op, old, { kind: 'num', v: f.createNumericLiteral(1) }, operand);
      },
      operand,
    );
    return postfix ? old! : stored;
  }

  // ---- calls and construction ---------------------------------------------------------------------

  private call(e: ts.CallExpression): Val {
    const { ts, f } = this;
    const callee = skipOuter(ts, e.expression);
    if (e.arguments.some((a) => ts.isSpreadElement(a))) unsupported(codes.unsupportedSyntax, e, 'spread arguments are not supported in a marked function; pass the arguments one by one.');
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && this.isGlobal(callee.expression)) {
      return this.mathCall(e, callee.name.text);
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && this.isGlobal(callee.expression) && (callee.expression.text === 'Float64Array' || callee.expression.text === 'Float32Array') && callee.name.text === 'from' && e.arguments.length === 1) {
      const source = this.expression(e.arguments[0]!);
      if (source.kind !== 'arr') unsupported(codes.unsupportedSyntax, e, `${callee.expression.text}.from is differentiated on arrays of numbers only.`);
      const from = this.simple(source.v, 'source');
      return { kind: 'arr', v: f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(callee.expression.text), 'from'), undefined, [from]), s: source.s === undefined ? this.zeroSlots(from) : this.copySlots(source.s) };
    }
    if (ts.isPropertyAccessExpression(callee) && this.kindOf(this.checker.getTypeAtLocation(callee.expression)) === 'arr') return this.arrayMethod(e, callee);
    const decl = calleeDeclaration(ts, this.checker, e);
    let thisValue: ts.Expression | undefined;
    if (ts.isMethodDeclaration(decl)) {
      if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) {
        unsupported(codes.unknownCallee, e, 'a method called without its object cannot be differentiated through; call it as obj.method(...).');
      }
      thisValue = this.simple(this.expression(callee.expression).v, 'self');
    } else if (ts.isArrowFunction(decl)) {
      thisValue = this.frame.thisValue;
    }
    return this.inline(e, decl, thisValue);
  }

  private mathCall(e: ts.CallExpression, name: string): Val {
    const f = this.f;
    const op = mathOperation(e, name);
    const args = this.operands(e.arguments.map((a) => () => this.number(a)));
    const call = (xs: readonly ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), name), undefined, [...xs]);
    if (zeroDerivative.has(name)) return { kind: 'num', v: call(args.map((a) => a.v)) };
    if ((name === 'max' || name === 'min') && args.length < 2) return args.length === 0 ? { kind: 'num', v: call([]) } : args[0]!;
    return this.apply(op, args, call);
  }

  private arrayMethod(e: ts.CallExpression, callee: ts.PropertyAccessExpression): Val {
    const f = this.f;
    const target = this.expression(callee.expression);
    // The array and its shadow are each named once: the call and its shadow's act on the same ones.
    const array: Val = { ...target, v: this.simple(target.v, 'array'), s: target.s === undefined ? undefined : this.simple(target.s, 'arraySlots') };
    const name = callee.name.text;
    const args = this.operands(e.arguments.map((a) => () => this.expression(a)));
    const onValue = f.createCallExpression(f.createPropertyAccessExpression(array.v, name), undefined, args.map((a) => a.v));
    if (name === 'slice') {
      // A copy: the function's own array, whatever it was copied from.
      const copy = this.simple(onValue, 'copy');
      return { kind: 'arr', v: copy, s: array.s === undefined ? this.zeroSlots(copy) : f.createCallExpression(f.createPropertyAccessExpression(array.s, name), undefined, args.map((a) => a.v)) };
    }
    if (name === 'push' || name === 'fill') {
      if (array.outside !== undefined) unsupported(codes.mutation, e, `'${name}' on ${array.outside} cannot be differentiated; copy it into a local array first.`);
      if (array.s === undefined) unsupported(codes.mutation, e, `this '${name}' changes an array from outside the marked function; build a new array instead.`);
      const slots = args.map((a) => (a.kind === 'num' ? (a.s ?? f.createNumericLiteral(0)) : a.v));
      if (name === 'fill' && args.length !== 1) unsupported(codes.unsupportedSyntax, e, "'fill' is differentiated with one argument: the whole array.");
      const result = this.simple(onValue, name === 'push' ? 'length' : 'filled');
      this.out.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(array.s, name), undefined, slots)));
      return name === 'push' ? { kind: 'num', v: result } : { kind: 'arr', v: result, s: array.s };
    }
    unsupported(codes.unsupportedSyntax, e, `'${name}' on an array is not differentiated; write it as a loop.`);
  }

  private newExpression(e: ts.NewExpression): Val {
    const { ts, f } = this;
    const ctor = e.expression;
    const name = ts.isIdentifier(ctor) && this.isGlobal(ctor) ? ctor.text : undefined;
    const args = e.arguments ?? [];
    if ((name === 'Float64Array' || name === 'Float32Array' || name === 'Array') && args.length <= 1) {
      const arg = args.length === 0 ? undefined : this.expression(args[0]!);
      if (arg === undefined || arg.kind === 'num') {
        const length = arg === undefined ? f.createNumericLiteral(0) : this.simple(arg.v, 'length');
        const made = f.createNewExpression(f.createIdentifier(name), undefined, arg === undefined ? [] : [length]);
        // A plain `new Array(n)` has holes; its slots are constant until written, like its NaN reads.
        return { kind: 'arr', v: made, s: f.createNewExpression(f.createIdentifier('Int32Array'), undefined, [length]) };
      }
      if (arg.kind === 'arr' && name !== 'Array') {
        const source = this.simple(arg.v, 'source');
        return { kind: 'arr', v: f.createNewExpression(f.createIdentifier(name), undefined, [source]), s: arg.s === undefined ? this.zeroSlots(source) : this.copySlots(arg.s) };
      }
    }
    unsupported(codes.unsupportedSyntax, e, 'only new Float64Array(n), new Float32Array(n), their copies of an array, and new Array(n) are differentiated in a marked function.');
  }

  /** Slots of an array of constants as long as `array`. */
  private zeroSlots(array: ts.Expression): ts.Expression {
    const f = this.f;
    return f.createNewExpression(f.createIdentifier('Int32Array'), undefined, [f.createPropertyAccessExpression(array, 'length')]);
  }

  private copySlots(slots: ts.Expression): ts.Expression {
    const f = this.f;
    return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Int32Array'), 'from'), undefined, [slots]);
  }

  private arrayLiteral(e: ts.ArrayLiteralExpression): Val {
    const { ts, f } = this;
    for (const element of e.elements) {
      if (ts.isSpreadElement(element) || ts.isOmittedExpression(element)) unsupported(codes.unsupportedSyntax, element, 'spread elements and holes are not supported in the array literals of a marked function.');
    }
    const values = this.operands(e.elements.map((a) => () => this.number(a)));
    return { kind: 'arr', v: f.createArrayLiteralExpression(values.map((v) => v.v)), s: f.createArrayLiteralExpression(values.map((v) => v.s ?? f.createNumericLiteral(0))) };
  }

  private objectLiteral(e: ts.ObjectLiteralExpression): Val {
    const { ts, f } = this;
    const fields: { name: string; at: ts.Node; value: () => Val }[] = e.properties.map((p) => {
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return { name: p.name.text, at: p, value: () => this.expression(p.initializer) };
      if (ts.isShorthandPropertyAssignment(p)) {
        const symbol = this.checker.getShorthandAssignmentValueSymbol(p);
        return { name: p.name.text, at: p, value: () => this.identifierOfSymbol(p.name, symbol) };
      }
      unsupported(codes.unsupportedSyntax, p, 'only fields written out (`x: value` or `x`) are supported in the objects of a marked function; no spreads, computed names or methods.');
    });
    const values = this.operands(fields.map((field) => field.value));
    values.forEach((v, i) => {
      if (v.kind === 'arr' && (v.outside !== undefined || v.s === undefined)) {
        unsupported(codes.mutation, fields[i]!.at, `an object the function builds may hold only its own arrays, and this is ${v.outside ?? borrowed}; copy it into a local array first (Float64Array.from(...)).`);
      }
    });
    const shadowFields = fields.flatMap((field, i) => (values[i]!.kind === 'other' ? [] : [f.createPropertyAssignment(field.name, this.shadowFor(values[i]!.kind, values[i]!, field.at))]));
    return {
      kind: 'rec',
      v: f.createObjectLiteralExpression(fields.map((field, i) => f.createPropertyAssignment(field.name, values[i]!.v))),
      s: f.createObjectLiteralExpression(shadowFields),
    };
  }

  private identifierOfSymbol(at: ts.Identifier, symbol: ts.Symbol | undefined): Val {
    if (symbol === undefined) unsupported(codes.unreachableName, at, `cannot find '${at.text}'.`);
    return this.identifier(at, symbol);
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

  /**
   * Evaluates expressions in order; a value that is not a name or a literal is kept in a constant
   * before a later operand's statements run, so that they cannot change what it read.
   */
  private operands(items: readonly (() => Val)[]): Val[] {
    const values: Val[] = [];
    const marks: number[] = [];
    for (const item of items) {
      const before = this.out.length;
      const value = item();
      if (this.out.length > before) {
        // Statements were emitted: earlier composite values must be read before them.
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          if (!isSimple(this.ts, v.v)) {
            const name = this.namer.fresh('operand');
            this.out.splice(marks[i]!, 0, this.constant(name, v.v));
            for (let j = i + 1; j < marks.length; j++) marks[j]!++;
            values[i] = { ...v, v: this.f.createIdentifier(name) };
          }
        }
      }
      values.push(value);
      marks.push(this.out.length);
    }
    return values;
  }

  private number(e: ts.Expression): Val {
    const value = this.expression(e);
    if (value.kind !== 'num') unsupported(codes.unsupportedSyntax, e, 'this must be a number.');
    return value;
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private get frame(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private binding(id: ts.Identifier): Binding {
    const symbol = this.symbolOf(id);
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const binding = this.stack[i]!.bindings.get(symbol);
      if (binding !== undefined) return binding;
    }
    unsupported(codes.mutation, id, `'${id.text}' is declared outside the marked function; a marked function may change only its own variables.`);
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

  /** `e` itself if it is a name or a literal; otherwise a new constant holding it. */
  private simple(e: ts.Expression, hint: string, always = false): ts.Expression {
    if (!always && isSimple(this.ts, e)) return e;
    const name = this.namer.fresh(hint);
    this.out.push(this.constant(name, e));
    return this.f.createIdentifier(name);
  }

  private constant(name: string, value: ts.Expression): ts.Statement {
    const f = this.f;
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], this.ts.NodeFlags.Const));
  }

  private assignment(target: ts.Expression, value: ts.Expression): ts.Statement {
    return this.f.createExpressionStatement(this.f.createAssignment(target, value));
  }

  private method(name: string, args: readonly ts.Expression[]): ts.Expression {
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(this.tape, name), undefined, [...args]);
  }

  /** A parameter's kind; parameters holding numbers in shapes not differentiated yet are refused, as in the coarse mode. */
  private parameterKind(p: ts.ParameterDeclaration): Kind {
    const { name, type } = checkedParameter(this.ts, this.checker, p);
    const kind = this.kindOf(type);
    if (kind === 'num' || kind === 'arr') return kind;
    refuseNumbersInside(this.ts, this.checker, p, name, type);
    return 'other';
  }

  private kindOf(type: ts.Type): Kind {
    const ts = this.ts;
    const checker = this.checker;
    const t = type.flags & ts.TypeFlags.TypeParameter ? (checker.getBaseConstraintOfType(type) ?? type) : type;
    if (isNumberType(ts, t)) return 'num';
    const symbolName = t.getSymbol()?.getName();
    if (symbolName === 'Float64Array' || symbolName === 'Float32Array') return 'arr';
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      const element = checker.getIndexTypeOfType(t, ts.IndexKind.Number);
      return element !== undefined && element.flags & ts.TypeFlags.NumberLike ? 'arr' : 'other';
    }
    if (t.flags & ts.TypeFlags.Object && t.getCallSignatures().length === 0) return 'rec';
    return 'other';
  }

  private symbolOf(id: ts.Identifier): ts.Symbol {
    const symbol = this.checker.getSymbolAtLocation(id);
    if (symbol === undefined) unsupported(codes.unreachableName, id, `cannot resolve '${id.text}'.`);
    return symbol;
  }

  private isGlobal(id: ts.Identifier): boolean {
    const decl = this.checker.getSymbolAtLocation(id)?.valueDeclaration ?? this.checker.getSymbolAtLocation(id)?.declarations?.[0];
    return decl === undefined || decl.getSourceFile().isDeclarationFile;
  }

  private isConsoleCall(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = call.expression;
    return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'console' && this.isGlobal(callee.expression);
  }
}

interface OperatorTables {
  /** `a op b` on numbers. */
  readonly arithmetic: ReadonlyMap<ts.SyntaxKind, PrimitiveName>;
  /** `a op= b`. */
  readonly compound: ReadonlyMap<ts.SyntaxKind, PrimitiveName>;
}

// Keyed by the TypeScript instance, whose SyntaxKind numbers are its own.
const tablesByInstance = new WeakMap<object, OperatorTables>();

function operatorTables(ts: typeof import('typescript')): OperatorTables {
  let tables = tablesByInstance.get(ts);
  if (tables === undefined) {
    const k = ts.SyntaxKind;
    tables = {
      arithmetic: new Map<ts.SyntaxKind, PrimitiveName>([[k.PlusToken, '+'], [k.MinusToken, '-'], [k.AsteriskToken, '*'], [k.SlashToken, '/'], [k.PercentToken, '%'], [k.AsteriskAsteriskToken, '**']]),
      compound: new Map<ts.SyntaxKind, PrimitiveName>([[k.PlusEqualsToken, '+'], [k.MinusEqualsToken, '-'], [k.AsteriskEqualsToken, '*'], [k.SlashEqualsToken, '/'], [k.PercentEqualsToken, '%'], [k.AsteriskAsteriskEqualsToken, '**']]),
    };
    tablesByInstance.set(ts, tables);
  }
  return tables;
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

/** `x++`, `--x`, `x op= e` on a plain variable: its target, and `e` for a compound assignment. */
function constantUpdate(ts: typeof import('typescript'), e: ts.Expression): { target: ts.Identifier; right?: ts.Expression } | undefined {
  if ((ts.isPrefixUnaryExpression(e) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) || ts.isPostfixUnaryExpression(e)) {
    const target = skipOuter(ts, e.operand);
    return ts.isIdentifier(target) ? { target } : undefined;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind > ts.SyntaxKind.FirstAssignment && e.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
    const target = skipOuter(ts, e.left);
    return ts.isIdentifier(target) ? { target, right: e.right } : undefined;
  }
  return undefined;
}

function isAssignmentLike(ts: typeof import('typescript'), e: ts.Expression): boolean {
  if (ts.isPrefixUnaryExpression(e)) return e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken;
  if (ts.isPostfixUnaryExpression(e)) return true;
  return ts.isBinaryExpression(e) && e.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && e.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

