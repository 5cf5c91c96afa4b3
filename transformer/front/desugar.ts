/**
 * desugar: the front end both modes share (DESIGN.md §3). It turns a marked function, and every
 * function it calls whose source is in the program, into the core (`core.ts`): names resolved,
 * shapes decided, effects out of expressions in JavaScript's order, defaults applied, `var`s hoisted,
 * destructuring and `for...of` rewritten, one loop form, one return form. What it cannot rewrite is
 * refused here, at its position, before either mode runs (the fence).
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, shapeOf, type ArrayStorage, type BinaryOp, type Call, type CoreFunction, type CoreParameter, type CoreProgram, type Expr, type Loop, type Shape, type Stmt, type Var } from './core.js';
import { walk } from './core-walk.js';
import { bindArguments } from './desugar-arguments.js';
import { arrayEdit, editMethods } from './desugar-array-edits.js';
import { arrayFrom, callbackMethod, callbackMethods, spreadExtremum, type ArrayMethodScope } from './desugar-arrays.js';
import { classOf, construct, type ClassScope } from './desugar-classes.js';
import { guardCall, typeofTest, type GuardScope } from './desugar-guards.js';
import { findDiscrete } from './discrete.js';
import { markedParameters } from './parameters.js';
import { elementOf, lengthOf, refuseBuiltRows, refuseRowWrite } from './rows.js';
import { mathConstants, primitive } from '../rules.js';
import { shapeOfType } from './shapes.js';
import { stable } from './stable.js';
import { stableSums } from './stable-sums.js';
import { calleeDeclaration, enclosesCompanion, mathOperation, skipOuter, unsupportedStatement, type FunctionLike } from './source.js';

export function desugar(tsApi: typeof ts, checker: ts.TypeChecker, main: FunctionLike, companionFile: ts.SourceFile): CoreProgram {
  const front = new FrontEnd(tsApi, checker, main, companionFile);
  const core = front.function(main, main);
  return { main: core, discrete: findDiscrete(core), sources: new Set<ts.Node>([...front.functions.keys(), ...front.constants]) };
}

/** What one marked function's desugaring shares across the functions it reaches. */
class FrontEnd {
  readonly functions = new Map<FunctionLike, CoreFunction>();
  /** Functions desugared for the functions given to their function parameters (see `function`). */
  readonly specialized = new Map<FunctionLike, { readonly bound: ReadonlyMap<ts.Symbol, FunctionLike>; readonly core: CoreFunction }[]>();
  /** Functions whose bodies are being desugared, outermost first: a call to one of them is recursion. */
  readonly active: FunctionLike[] = [];
  private readonly vars = new Map<ts.Symbol, Var>();
  private nextVar = 0;
  /** Constants being folded, against a constant defined by itself. */
  readonly folding = new Set<ts.Symbol>();
  /** The declarations of the constants folded in. */
  readonly constants = new Set<ts.Node>();
  readonly binary: ReadonlyMap<ts.SyntaxKind, BinaryOp>;
  readonly compound: ReadonlyMap<ts.SyntaxKind, BinaryOp>;

  constructor(
    readonly ts: typeof import('typescript'),
    readonly checker: ts.TypeChecker,
    readonly main: FunctionLike,
    readonly companionFile: ts.SourceFile,
  ) {
    const k = ts.SyntaxKind;
    this.binary = new Map<ts.SyntaxKind, BinaryOp>([
      [k.PlusToken, '+'], [k.MinusToken, '-'], [k.AsteriskToken, '*'], [k.SlashToken, '/'], [k.PercentToken, '%'], [k.AsteriskAsteriskToken, '**'],
      [k.AmpersandToken, '&'], [k.BarToken, '|'], [k.CaretToken, '^'], [k.LessThanLessThanToken, '<<'], [k.GreaterThanGreaterThanToken, '>>'],
      [k.GreaterThanGreaterThanGreaterThanToken, '>>>'], [k.LessThanToken, '<'], [k.LessThanEqualsToken, '<='], [k.GreaterThanToken, '>'],
      [k.GreaterThanEqualsToken, '>='], [k.EqualsEqualsEqualsToken, '==='], [k.ExclamationEqualsEqualsToken, '!=='],
      // Between numbers, loose equality is strict equality (other operands are refused).
      [k.EqualsEqualsToken, '==='], [k.ExclamationEqualsToken, '!=='],
    ]);
    this.compound = new Map<ts.SyntaxKind, BinaryOp>([
      [k.PlusEqualsToken, '+'], [k.MinusEqualsToken, '-'], [k.AsteriskEqualsToken, '*'], [k.SlashEqualsToken, '/'], [k.PercentEqualsToken, '%'],
      [k.AsteriskAsteriskEqualsToken, '**'], [k.AmpersandEqualsToken, '&'], [k.BarEqualsToken, '|'], [k.CaretEqualsToken, '^'],
      [k.LessThanLessThanEqualsToken, '<<'], [k.GreaterThanGreaterThanEqualsToken, '>>'], [k.GreaterThanGreaterThanGreaterThanEqualsToken, '>>>'],
    ]);
  }

  /**
   * The core of `decl`, desugared once however many calls reach it; once per set of functions its
   * function parameters are given (`bound`: `integrate(f, a, b)` called with `(t) => t * t` calls
   * that arrow where its body calls `f`).
   */
  function(decl: FunctionLike, at: ts.Node, bound: ReadonlyMap<ts.Symbol, FunctionLike> = new Map()): CoreFunction {
    const ts = this.ts;
    const done = bound.size === 0 ? this.functions.get(decl) : this.specialized.get(decl)?.find((s) => s.bound.size === bound.size && [...bound].every(([k, v]) => s.bound.get(k) === v))?.core;
    if (done !== undefined || (bound.size > 0 && this.active.includes(decl))) {
      if (this.active.includes(decl)) unsupported(codes.recursion, at, 'recursion cannot be differentiated yet; rewrite it as a loop.');
      return done!;
    }
    if (decl.body === undefined) unsupported(codes.unknownCallee, decl, 'this function has no body to differentiate.');
    if (decl.asteriskToken || decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      unsupported(codes.unsupportedSyntax, decl, 'generators and async functions cannot be differentiated; make it a plain function.');
    }
    const isMain = decl === this.main;
    const body = new Body(this, decl, bound);
    const marked = isMain ? markedParameters(this, decl) : undefined;
    const bodyParams = marked?.body ?? decl.parameters.map((p, index) => ({ param: this.helperParameter(p, index), object: undefined }));
    const params = marked?.core ?? bodyParams.map((p) => p.param);
    const core: CoreFunction = {
      decl,
      name: decl.name !== undefined && ts.isIdentifier(decl.name) ? decl.name.text : ts.isVariableDeclaration(decl.parent) && ts.isIdentifier(decl.parent.name) ? decl.parent.name.text : 'anonymous',
      params,
      body: [],
      thisOwner: ts.isArrowFunction(decl) ? thisOwnerOf(ts, decl) : decl,
      closure: ownerFunction(ts, decl) !== undefined,
      result: this.resultShape(decl),
      ...(marked === undefined ? {} : { signature: marked.signature }),
    };
    if (bound.size === 0) this.functions.set(decl, core);
    else this.specialized.set(decl, [...(this.specialized.get(decl) ?? []), { bound, core }]);
    this.active.push(decl);
    try {
      core.body = stableSums(body.functionBody(bodyParams), (name, shape, at) => this.temporary(name, shape, at));
    } finally {
      this.active.pop();
    }
    core.result = returnedShape(core.result, core.body);
    return core;
  }

  /** A parameter of a function the marked function calls: its argument is inlined. */
  private helperParameter(p: ts.ParameterDeclaration, index: number): CoreParameter {
    if (this.ts.isIdentifier(p.name)) return { var: this.variable(p.name, p), companionDefault: undefined };
    // A destructured parameter: a parameter of its own, taken apart in the body's first statements.
    return { var: this.temporary(`arg${index}`, this.shape(p.name), p), companionDefault: undefined };
  }

  /** A leaf of an object parameter of the marked function (`parameters.ts`). */
  leaf(name: string, shape: Shape, at: ts.Node): Var {
    return { id: this.nextVar++, name, shape, at, temporary: false };
  }

  private resultShape(decl: FunctionLike): Shape {
    const signature = this.checker.getSignatureFromDeclaration(decl);
    return signature === undefined ? shapes.number : shapeOfType(this.ts, this.checker, this.checker.getReturnTypeOfSignature(signature));
  }

  /** The variable a declaration's name introduces (a parameter, a local, a `var`). */
  variable(name: ts.Identifier, at: ts.Node): Var {
    const symbol = this.symbolOf(name);
    let v = this.vars.get(symbol);
    if (v === undefined) {
      v = { id: this.nextVar++, name: name.text, shape: this.shape(name), at, temporary: false };
      this.vars.set(symbol, v);
    }
    return v;
  }

  /** The variable `symbol` is, if it is a local or parameter of a function being desugared. */
  localOf(symbol: ts.Symbol): Var | undefined {
    const found = this.vars.get(symbol);
    if (found !== undefined) return found;
    const decl = symbol.valueDeclaration;
    if (decl === undefined || !(this.ts.isVariableDeclaration(decl) || this.ts.isParameter(decl) || this.ts.isBindingElement(decl))) return undefined;
    if (!this.ts.isIdentifier(decl.name)) return undefined;
    const owner = ownerFunction(this.ts, decl);
    // A local of a function that is not being differentiated (an enclosing factory) is not ours.
    if (owner === undefined || !(this.functions.has(owner) || this.specialized.has(owner))) return undefined;
    return this.variable(decl.name, decl);
  }

  temporary(name: string, shape: Shape, at: ts.Node): Var {
    return { id: this.nextVar++, name, shape, at, temporary: true };
  }

  shape(node: ts.Node): Shape {
    return shapeOfType(this.ts, this.checker, this.checker.getTypeAtLocation(node));
  }

  symbolOf(id: ts.Identifier): ts.Symbol {
    const ts = this.ts;
    // In `{ x }`, the name is the property's; the value is the variable's.
    const shorthand = ts.isShorthandPropertyAssignment(id.parent) && id.parent.name === id;
    const symbol = shorthand ? this.checker.getShorthandAssignmentValueSymbol(id.parent) : this.checker.getSymbolAtLocation(id);
    if (symbol === undefined) unsupported(codes.unreachableName, id, `cannot resolve '${id.text}'.`);
    return symbol;
  }

  /** Is `id` a name from the standard library (`Math`, `NaN`, `Float64Array`), not one the program declares? */
  isGlobal(id: ts.Identifier): boolean {
    const symbol = this.checker.getSymbolAtLocation(id);
    const decl = symbol?.declarations?.[0];
    return decl === undefined ? id.text === 'undefined' : decl.getSourceFile().isDeclarationFile;
  }
}

/** The function a declaration belongs to: where a `var`, `let` or parameter lives. */
function ownerFunction(ts: typeof import('typescript'), decl: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = decl.parent; n !== undefined; n = n.parent) {
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n)) return n;
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassStaticBlockDeclaration(n)) return undefined;
  }
  return undefined;
}

/** The function whose `this` a `this` (or an arrow) at `node` reads: the nearest non-arrow function. */
function thisOwnerOf(ts: typeof import('typescript'), node: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n)) return n;
    if (ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isClassLike(n)) return undefined;
  }
  return undefined;
}

/** What a `this` at `node` names: the nearest function that is not an arrow, or the class around a field's initialiser. */
function thisSite(ts: typeof import('typescript'), node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
  }
  return undefined;
}

/** Where an expression is desugared: its value is read, it is only run for its effects, or it initialises a variable. */
type Place = 'value' | 'effect' | 'init';

/** Desugars one function's body. */
class Body {
  private out: Stmt[] = [];
  private readonly loops: { readonly loop: Loop; readonly label: string | undefined; readonly isSwitch?: true }[] = [];
  /** Objects being built by `new` (`desugar-classes.ts`): `this` in their constructor and field initialisers. */
  private readonly constructing: { readonly owner: ts.Node; readonly self: Expr }[] = [];
  /** Callbacks desugared where they are called (`inline`): a `return` in one ends its block. */
  private readonly inlined: { readonly result: Var; readonly block: Loop }[] = [];
  /** Variables the body (or a closure in it) assigns after declaring them: reading one may need a copy. */
  private readonly assigned: ReadonlySet<ts.Symbol>;
  private readonly ts: typeof import('typescript');

  constructor(
    private readonly front: FrontEnd,
    private readonly fn: FunctionLike,
    /** The functions this body's function parameters are (see `FrontEnd.function`). */
    private readonly bound: ReadonlyMap<ts.Symbol, FunctionLike>,
  ) {
    this.ts = front.ts;
    this.assigned = assignedSymbols(front.ts, front.checker, fn);
  }

  // ---- functions ----------------------------------------------------------------------------------

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

  // ---- statements ---------------------------------------------------------------------------------

  private statements(list: readonly ts.Statement[]): void {
    for (const s of list) {
      this.statement(s);
      // What follows a `return`, `break` or `continue` in the same list never runs.
      const last = this.out[this.out.length - 1];
      if (last !== undefined && (last.kind === 'return' || last.kind === 'break' || last.kind === 'continue' || last.kind === 'throw')) return;
    }
  }

  private statement(s: ts.Statement): void {
    const ts = this.ts;
    if (ts.isVariableStatement(s)) {
      this.declarations(s.declarationList);
    } else if (ts.isExpressionStatement(s)) {
      this.effect(s.expression);
    } else if (ts.isReturnStatement(s)) {
      const value = s.expression === undefined ? undefinedAt(s) : this.expression(s.expression);
      refuseBuiltRows(this.front.shape(s.expression ?? s), value);
      const callback = this.inlined[this.inlined.length - 1];
      if (callback !== undefined) {
        this.out.push({ kind: 'assign', var: callback.result, value, at: s }, { kind: 'break', loop: callback.block, at: s });
      } else {
        this.out.push({ kind: 'return', value, at: s });
      }
    } else if (ts.isThrowStatement(s)) {
      this.out.push({ kind: 'throw', value: this.thrown(s.expression), at: s });
    } else if (ts.isIfStatement(s)) {
      const test = this.expression(s.expression);
      const then = this.collect(() => this.statement(s.thenStatement));
      const otherwise = s.elseStatement === undefined ? [] : this.collect(() => this.statement(s.elseStatement!));
      this.out.push({ kind: 'if', test, then, else: otherwise, at: s });
    } else if (ts.isBlock(s)) {
      this.statements(s.statements);
    } else if (ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForOfStatement(s)) {
      this.loop(s, undefined);
    } else if (ts.isSwitchStatement(s)) {
      this.switchStatement(s, undefined);
    } else if (ts.isLabeledStatement(s)) {
      const inner = s.statement;
      if (ts.isSwitchStatement(inner)) {
        this.switchStatement(inner, s.label.text);
        return;
      }
      if (!(ts.isForStatement(inner) || ts.isWhileStatement(inner) || ts.isDoStatement(inner) || ts.isForOfStatement(inner))) {
        unsupported(codes.unsupportedSyntax, s, 'only loops and switches can be labelled in a marked function; restructure the block with an if.');
      }
      this.loop(inner, s.label.text);
    } else if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      // A `continue` is a loop's: it passes over the switches it is in.
      const candidates = ts.isContinueStatement(s) ? this.loops.filter((l) => !l.isSwitch) : this.loops;
      const target = s.label === undefined ? candidates[candidates.length - 1] : candidates.find((l) => l.label === s.label!.text);
      if (target === undefined) unsupported(codes.unsupportedSyntax, s, `this '${ts.isBreakStatement(s) ? 'break' : 'continue'}' has no loop to leave.`);
      this.out.push({ kind: ts.isBreakStatement(s) ? 'break' : 'continue', loop: target.loop, at: s });
    } else if (
      ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s)
    ) {
      // Declarations: a function runs where it is called.
    } else {
      unsupportedStatement(ts, s);
    }
  }

  private declarations(list: ts.VariableDeclarationList): void {
    const ts = this.ts;
    const hoisted = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
    for (const d of list.declarations) {
      // A local function runs where it is called.
      if (d.initializer !== undefined && isFunctionLiteral(ts, d.initializer) && ts.isIdentifier(d.name)) continue;
      if (ts.isIdentifier(d.name)) {
        const v = this.front.variable(d.name, d);
        if (d.initializer === undefined) {
          // A `var` keeps its value; a `let` starts `undefined` again each time it is declared.
          if (!hoisted) this.out.push({ kind: 'let', var: v, init: undefinedAt(d), at: d });
          continue;
        }
        const init = this.expression(d.initializer, 'init');
        const name = d.name;
        this.refine(v, init, () => (list.flags & ts.NodeFlags.Const) !== 0 || !this.reassigned(name));
        this.out.push(hoisted ? { kind: 'assign', var: v, value: init, at: d } : { kind: 'let', var: v, init, at: d });
        continue;
      }
      if (d.initializer === undefined) unsupported(codes.unsupportedSyntax, d, 'a destructuring declaration needs a value.');
      const source = this.stableCopy(this.expression(d.initializer), d.initializer, 'destructured');
      this.destructure(d.name, source, hoisted ? 'assign' : 'let');
    }
  }

  /** Is the variable `name` declares assigned anywhere after its declaration (`o = ...`)? */
  private reassigned(name: ts.Identifier): boolean {
    const ts = this.ts;
    const symbol = this.front.symbolOf(name);
    const scope = ownerFunction(ts, name) ?? name.getSourceFile();
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const targets = ts.isIdentifier(skipOuter(ts, n.left)) ? [skipOuter(ts, n.left)] : ts.isArrayLiteralExpression(n.left) || ts.isObjectLiteralExpression(n.left) ? [n.left] : [];
        // A destructuring assignment may write it too: any name of the same symbol in it counts.
        for (const t of targets) {
          const names: ts.Identifier[] = [];
          const collect = (m: ts.Node): void => (ts.isIdentifier(m) ? void names.push(m) : m.forEachChild(collect));
          collect(t);
          if (names.some((id) => this.front.checker.getSymbolAtLocation(id) === symbol || (ts.isShorthandPropertyAssignment(id.parent) && this.front.checker.getShorthandAssignmentValueSymbol(id.parent) === symbol))) found = true;
        }
      }
      n.forEachChild(visit);
    };
    scope.forEachChild(visit);
    return found;
  }

  /**
   * A variable declared without a type or a value (`let h;`) takes the shape of what it is first
   * given; an object never given another takes the shapes of the fields it was built with.
   */
  private refine(v: Var, value: Expr, neverReassigned: () => boolean = () => false): void {
    refuseBuiltRows(v.shape, value);
    const given = shapeOf(value);
    if (v.shape.kind === 'other' && v.shape.text === 'any') (v as { shape: Shape }).shape = given;
    // Asked last: it reads the whole function around the declaration.
    else if (v.shape.kind === 'record' && given.kind === 'record' && given.fields !== undefined && neverReassigned()) (v as { shape: Shape }).shape = given;
  }

  /** `const { x, y: [a, b = 1] } = source`: one declaration per name, reading `source` (a stable expression). */
  private destructure(pattern: ts.BindingName, source: Expr, how: 'let' | 'assign'): void {
    const ts = this.ts;
    if (ts.isIdentifier(pattern)) {
      const v = this.front.variable(pattern, pattern.parent);
      this.refine(v, source);
      this.out.push(how === 'let' ? { kind: 'let', var: v, init: source, at: pattern } : { kind: 'assign', var: v, value: source, at: pattern });
      return;
    }
    pattern.elements.forEach((element, index) => {
      if (ts.isOmittedExpression(element)) return;
      if (element.dotDotDotToken) unsupported(codes.unsupportedSyntax, element, 'rest elements in destructuring are not supported in a marked function; read the elements you need by index.');
      let part: Expr;
      if (ts.isObjectBindingPattern(pattern)) {
        const key = element.propertyName ?? element.name;
        if (!ts.isIdentifier(key) && !ts.isStringLiteral(key) && !ts.isNumericLiteral(key)) unsupported(codes.unsupportedSyntax, key, 'computed names in destructuring are not supported; read the field directly.');
        part = { kind: 'field', object: source, name: key.text, shape: fieldShape(source, key.text, this.front.shape(element.name)), at: element };
      } else {
        part = elementOf(source, numberAt(index, element), this.front.shape(element.name), element);
      }
      if (element.initializer !== undefined) {
        const holder = this.front.temporary('part', this.front.shape(element.name), element);
        this.out.push({ kind: 'let', var: holder, init: part, at: element });
        const value = this.collectValue(() => this.expression(element.initializer!));
        this.out.push({
          kind: 'if',
          test: { kind: 'isUndefined', operand: read(holder, element), orNull: false, at: element },
          then: [...value.statements, { kind: 'assign', var: holder, value: value.value, at: element }],
          else: [],
          at: element,
        });
        part = read(holder, element);
      }
      this.destructure(element.name, ts.isIdentifier(element.name) ? part : this.stableCopy(part, element, 'part'), how);
    });
  }

  private loop(s: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement, label: string | undefined): void {
    const ts = this.ts;
    const loop: Loop = { kind: 'loop', init: [], testing: [], test: undefined, testFirst: !ts.isDoStatement(s), body: [], update: [], at: s };
    if (ts.isForOfStatement(s)) {
      this.forOf(s, loop, label);
      return;
    }
    if (ts.isForStatement(s) && s.initializer !== undefined) {
      const init = s.initializer;
      loop.init.push(...this.collect(() => (ts.isVariableDeclarationList(init) ? this.declarations(init) : this.effect(init))));
    }
    const test = ts.isForStatement(s) ? s.condition : s.expression;
    if (test !== undefined) {
      const tested = this.collectValue(() => this.expression(test));
      loop.testing = tested.statements;
      loop.test = tested.value;
    }
    if (ts.isForStatement(s) && s.incrementor !== undefined) loop.update = this.collect(() => this.effect(s.incrementor!));
    this.loops.push({ loop, label });
    try {
      loop.body = this.collect(() => this.statement(s.statement));
    } finally {
      this.loops.pop();
    }
    this.out.push(loop);
  }

  /**
   * `switch (d) { case a: A; case b: B; default: C }` is the number of the clause it enters,
   * `k = d === a ? 0 : d === b ? 1 : 2` (the tests in order, the default's place where none holds,
   * one past the end where there is no default), then each clause's statements where `k` is at most
   * its place (falling through), in a loop that runs once, so that `break` leaves it: a constant
   * trip count, unrolled by the coarse lowering.
   */
  private switchStatement(s: ts.SwitchStatement, label: string | undefined): void {
    const ts = this.ts;
    const discriminant = this.stableCopy(this.expression(s.expression), s.expression, 'switched');
    const clauses = s.caseBlock.clauses;
    const fallback = clauses.findIndex((c) => ts.isDefaultClause(c));
    let entry: Expr = numberAt(fallback >= 0 ? fallback : clauses.length, s.caseBlock);
    for (let k = clauses.length - 1; k >= 0; k--) {
      const clause = clauses[k]!;
      if (!ts.isCaseClause(clause)) continue;
      const tested = this.collectValue(() => this.expression(clause.expression));
      // Tested only until one holds: a case whose expression changes something would change it always.
      if (tested.statements.length > 0) unsupported(codes.unsupportedSyntax, clause.expression, "a case's expression is evaluated only until one matches; compute it before the switch.");
      const test: Expr = { kind: 'binary', op: '===', left: discriminant, right: tested.value, at: clause.expression };
      entry = { kind: 'conditional', test, whenTrue: numberAt(k, clause), whenFalse: entry, shape: shapes.int, at: clause };
    }
    const entered = this.copy(entry, s.caseBlock, 'clause');
    const loop = this.onceLoop(s.caseBlock, s);
    this.loops.push({ loop, label, isSwitch: true });
    try {
      loop.body = clauses.map((clause, k) => {
        const test: Expr = { kind: 'binary', op: '<=', left: entered, right: numberAt(k, clause), at: clause };
        return { kind: 'if', test, then: this.collect(() => this.statements(clause.statements)), else: [], at: clause } as Stmt;
      });
    } finally {
      this.loops.pop();
    }
    this.out.push(loop);
  }

  /** `for (const v of xs) body` is `for (let k = 0; k < xs.length; k++) { const v = xs[k]; body }`, with `xs` read once. */
  private forOf(s: ts.ForOfStatement, loop: Loop, label: string | undefined): void {
    const ts = this.ts;
    if (s.awaitModifier !== undefined) unsupported(codes.unsupportedSyntax, s, "'for await' cannot be differentiated.");
    const iterated = this.expression(s.expression);
    const iteratedShape = shapeOf(iterated);
    if (iteratedShape.kind !== 'array' && iteratedShape.kind !== 'records' && iteratedShape.kind !== 'matrix') {
      unsupported(codes.unsupportedSyntax, s.expression, "in a marked function 'for...of' loops over arrays only (of numbers, of arrays of numbers, or a parameter's objects of numbers); loop over indices for anything else.");
    }
    const array = this.stableCopy(iterated, s.expression, 'iterated');
    const counter = this.front.temporary('k', shapes.int, s);
    const at = s.expression;
    loop.init.push({ kind: 'let', var: counter, init: numberAt(0, at), at });
    loop.test = { kind: 'binary', op: '<', left: read(counter, at), right: lengthOf(array, at), at };
    loop.update = [{ kind: 'assign', var: counter, value: { kind: 'binary', op: '+', left: read(counter, at), right: numberAt(1, at), at }, at }];
    const element = elementOf(array, read(counter, at), iteratedShape.kind === 'records' ? iteratedShape.element : shapes.number, s.initializer);
    this.loops.push({ loop, label });
    try {
      loop.body = this.collect(() => {
        const init = s.initializer;
        if (ts.isVariableDeclarationList(init)) {
          const d = init.declarations[0]!;
          const hoisted = (init.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
          this.destructure(d.name, ts.isIdentifier(d.name) ? element : this.stableCopy(element, d, 'item'), hoisted ? 'assign' : 'let');
        } else {
          this.assignTo(init, () => element, 'effect');
        }
        this.statement(s.statement);
      });
    } finally {
      this.loops.pop();
    }
    this.out.push(loop);
  }

  // ---- expressions for their effects --------------------------------------------------------------

  /** An expression statement: what it changes, in order; its value is dropped. */
  private effect(e: ts.Expression): void {
    const ts = this.ts;
    const inner = skipOuter(ts, e);
    if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      this.effect(inner.left);
      this.effect(inner.right);
      return;
    }
    if (ts.isVoidExpression(inner)) {
      this.effect(inner.expression);
      return;
    }
    this.expression(inner, 'effect');
  }

  // ---- expressions --------------------------------------------------------------------------------

  /**
   * The value of `e`, as an expression without effects; its effects are emitted before, in order.
   * At `effect`, the value is not wanted (and may be `undefined`); at `init`, a call may stay whole.
   */
  private expression(e: ts.Expression, place: Place = 'value'): Expr {
    const ts = this.ts;
    const front = this.front;
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) {
      return this.expression(e.expression, place);
    }
    if (ts.isNumericLiteral(e)) return numberAt(Number(e.text), e);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { kind: 'string', value: e.text, at: e };
    if (ts.isTemplateExpression(e)) return this.template(e);
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'boolean', value: e.kind === ts.SyntaxKind.TrueKeyword, at: e };
    if (e.kind === ts.SyntaxKind.NullKeyword) unsupported(codes.unsupportedSyntax, e, "'null' is not a number; a marked function and the functions it calls work on numbers (use NaN or a flag).");
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (e.kind === ts.SyntaxKind.ThisKeyword) {
      const site = thisSite(ts, e);
      const constructing = this.constructing.find((c) => c.owner === site);
      if (constructing !== undefined) return constructing.self;
      return { kind: 'this', owner: thisOwnerOf(ts, e), shape: front.shape(e), at: e };
    }
    if (ts.isPrefixUnaryExpression(e)) return this.prefixUnary(e, place);
    if (ts.isPostfixUnaryExpression(e)) return this.update(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', true, place, e);
    if (ts.isBinaryExpression(e)) return this.binary(e, place);
    if (ts.isConditionalExpression(e)) return this.conditional(e);
    if (ts.isCallExpression(e)) return this.call(e, place);
    if (ts.isNewExpression(e)) return this.newExpression(e);
    if (ts.isArrayLiteralExpression(e)) {
      // `[...xs]`: a copy, as `Array.from(xs)`.
      if (e.elements.length === 1 && ts.isSpreadElement(e.elements[0]!)) {
        const source = this.expression(e.elements[0].expression);
        if (shapeOf(source).kind === 'array') return { kind: 'newArray', storage: 'array', arg: source, copy: true, at: e };
      }
      for (const element of e.elements) {
        if (ts.isSpreadElement(element) || ts.isOmittedExpression(element)) unsupported(codes.unsupportedSyntax, element, 'spread elements and holes are not supported in the array literals of a marked function; list the elements.');
      }
      return { kind: 'arrayLiteral', elements: this.operands(e.elements.map((x) => () => this.expression(x))), at: e };
    }
    if (ts.isObjectLiteralExpression(e)) return this.objectLiteral(e);
    if (ts.isPropertyAccessExpression(e)) return this.propertyAccess(e);
    if (ts.isElementAccessExpression(e)) {
      if (e.questionDotToken) unsupported(codes.unsupportedSyntax, e, "optional chaining ('?.') is not supported in a marked function.");
      const key = skipOuter(ts, e.argumentExpression);
      if (ts.isStringLiteral(key) || ts.isNoSubstitutionTemplateLiteral(key)) {
        const object = this.expression(e.expression);
        return { kind: 'field', object, name: key.text, shape: fieldShape(object, key.text, front.shape(e)), at: e };
      }
      const [array, index] = this.operands([() => this.expression(e.expression), () => this.expression(e.argumentExpression)]);
      return elementOf(array!, index!, front.shape(e), e);
    }
    if (isFunctionLiteral(ts, e)) {
      unsupported(codes.unsupportedSyntax, e, 'functions as values are not differentiated yet; declare the function and call it by name.');
    }
    unsupported(codes.unsupportedSyntax, e, `this expression (${ts.SyntaxKind[e.kind]}) cannot be differentiated; compute it outside the marked function and pass it in.`);
  }

  private identifier(e: ts.Identifier): Expr {
    const ts = this.ts;
    const front = this.front;
    if (front.isGlobal(e)) {
      if (e.text === 'undefined') return undefinedAt(e);
      if (e.text === 'NaN') return numberAt(NaN, e);
      if (e.text === 'Infinity') return numberAt(Infinity, e);
      if (e.text === 'arguments') unsupported(codes.unsupportedSyntax, e, "'arguments' cannot be differentiated; name the parameters.");
    }
    const symbol = front.symbolOf(e);
    const local = front.localOf(symbol);
    if (local !== undefined) return read(local, e);
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl !== undefined && (ts.isFunctionDeclaration(decl) || (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && isFunctionLiteral(ts, decl.initializer)))) {
      unsupported(codes.unsupportedSyntax, e, `the function '${e.text}' is used as a value here; functions as values are not differentiated yet, so call it by name.`);
    }
    return this.freeIdentifier(e, symbol);
  }

  /** A name declared outside every function being differentiated: read where the companion sees it, else folded if a constant. */
  private freeIdentifier(e: ts.Identifier, symbol: ts.Symbol): Expr {
    const ts = this.ts;
    const front = this.front;
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined) unsupported(codes.unreachableName, e, `cannot find the declaration of '${e.text}'.`);
    const global = decl.getSourceFile().isDeclarationFile;
    if (global || (decl.getSourceFile() === front.companionFile && enclosesCompanion(ts, decl, front.main))) {
      const local = e.getSourceFile() === front.companionFile;
      return { kind: 'free', name: e.text, node: local ? e : undefined, shape: front.shape(e), at: e };
    }
    // A constant declared elsewhere (another module, imported or not, or a scope the companion does
    // not see): its value, if it is made of numbers alone.
    const target = symbol.flags & ts.SymbolFlags.Alias ? front.checker.getAliasedSymbol(symbol) : symbol;
    const definition = target.valueDeclaration;
    if (definition !== undefined && ts.isVariableDeclaration(definition) && definition.initializer !== undefined && ts.getCombinedNodeFlags(definition) & ts.NodeFlags.Const && !front.folding.has(target)) {
      front.folding.add(target);
      try {
        const folded = this.collectValue(() => this.expression(definition.initializer!));
        if (folded.statements.length === 0 && isConstant(folded.value)) {
          front.constants.add(definition);
          return folded.value;
        }
      } catch {
        // Not a constant: reported below.
      } finally {
        front.folding.delete(target);
      }
    }
    unsupported(
      codes.unreachableName,
      e,
      `'${e.text}' is declared where the gradient code cannot read it (another module or an inner scope) and is not a constant; pass it as a parameter.`,
    );
  }

  private prefixUnary(e: ts.PrefixUnaryExpression, place: Place): Expr {
    const ts = this.ts;
    switch (e.operator) {
      case ts.SyntaxKind.MinusToken: {
        const operand = this.expression(e.operand);
        // `-3` is a literal, not an operation.
        if (operand.kind === 'number' && ts.isNumericLiteral(skipOuter(ts, e.operand))) return numberAt(-operand.value, e);
        return { kind: 'unary', op: 'neg', operand, at: e };
      }
      case ts.SyntaxKind.PlusToken:
        return { kind: 'unary', op: 'plus', operand: this.expression(e.operand), at: e };
      case ts.SyntaxKind.ExclamationToken:
        return { kind: 'unary', op: '!', operand: this.expression(e.operand), at: e };
      case ts.SyntaxKind.TildeToken:
        return { kind: 'unary', op: '~', operand: this.expression(e.operand), at: e };
      case ts.SyntaxKind.PlusPlusToken:
        return this.update(e.operand, '+', false, place, e);
      case ts.SyntaxKind.MinusMinusToken:
        return this.update(e.operand, '-', false, place, e);
    }
  }

  private binary(e: ts.BinaryExpression, place: Place): Expr {
    const ts = this.ts;
    const k = ts.SyntaxKind;
    const token = e.operatorToken.kind;
    if (token === k.EqualsToken) return this.assignTo(e.left, (where) => this.expression(e.right, where), place, e);
    const compound = this.front.compound.get(token);
    if (compound !== undefined) return this.readModifyWrite(e.left, (current) => this.operate(compound, current, () => this.expression(e.right), e), place, e, false);
    if (token === k.CommaToken) {
      this.effect(e.left);
      return this.expression(e.right, place);
    }
    if (token === k.AmpersandAmpersandToken || token === k.BarBarToken || token === k.QuestionQuestionToken) return this.logical(e);
    const typeTest = typeofTest(this.guardScope(), e);
    if (typeTest !== undefined) return typeTest;
    const op = this.front.binary.get(token);
    if (op !== undefined) {
      if ((token === k.EqualsEqualsToken || token === k.ExclamationEqualsToken) && (!isNumeric(this.front.shape(e.left)) || !isNumeric(this.front.shape(e.right)))) {
        unsupported(codes.unsupportedSyntax, e.operatorToken, `compare with '${token === k.EqualsEqualsToken ? '===' : '!=='}' in a marked function; loose equality between values other than numbers is not differentiated.`);
      }
      return this.operate(op, () => this.expression(e.left), () => this.expression(e.right), e);
    }
    unsupported(codes.unsupportedSyntax, e.operatorToken, `the operator '${e.operatorToken.getText()}' cannot be differentiated in a marked function.`);
  }

  /** `left op right`, the operands evaluated in order; `+` on strings is concatenation. */
  private operate(op: BinaryOp, left: () => Expr, right: () => Expr, at: ts.BinaryExpression | ts.Node): Expr {
    const [a, b] = this.operands([left, right]);
    const concat = op === '+' && (shapeOf(a!).kind === 'string' || shapeOf(b!).kind === 'string');
    return stable({ kind: 'binary', op: concat ? 'concat' : op, left: a!, right: b!, at });
  }

  /** `a && b`, `a || b`, `a ?? b`: the right side runs only when needed. */
  private logical(e: ts.BinaryExpression): Expr {
    const ts = this.ts;
    const op = e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? '&&' : e.operatorToken.kind === ts.SyntaxKind.BarBarToken ? '||' : '??';
    const left = this.expression(e.left);
    const right = this.collectValue(() => this.expression(e.right));
    const shape = joinShapes(shapeOf(left), shapeOf(right.value), this.front.shape(e));
    if (right.statements.length === 0) return { kind: 'logical', op, left, right: right.value, shape, at: e };
    // The right side has effects: `let t = a; if (t) { ...; t = b; }`.
    const result = this.front.temporary('either', shape, e);
    this.out.push({ kind: 'let', var: result, init: left, at: e });
    const held = read(result, e);
    const test: Expr = op === '&&' ? held : op === '||' ? { kind: 'unary', op: '!', operand: held, at: e } : { kind: 'isUndefined', operand: held, orNull: true, at: e };
    this.out.push({ kind: 'if', test, then: [...right.statements, { kind: 'assign', var: result, value: right.value, at: e }], else: [], at: e });
    return held;
  }

  private conditional(e: ts.ConditionalExpression): Expr {
    const test = this.expression(e.condition);
    const whenTrue = this.collectValue(() => this.expression(e.whenTrue));
    const whenFalse = this.collectValue(() => this.expression(e.whenFalse));
    const shape = joinShapes(shapeOf(whenTrue.value), shapeOf(whenFalse.value), this.front.shape(e));
    if (whenTrue.statements.length === 0 && whenFalse.statements.length === 0) {
      return { kind: 'conditional', test, whenTrue: whenTrue.value, whenFalse: whenFalse.value, shape, at: e };
    }
    const result = this.front.temporary('chosen', shape, e);
    this.out.push({ kind: 'let', var: result, init: undefinedAt(e), at: e });
    this.out.push({
      kind: 'if',
      test,
      then: [...whenTrue.statements, { kind: 'assign', var: result, value: whenTrue.value, at: e.whenTrue }],
      else: [...whenFalse.statements, { kind: 'assign', var: result, value: whenFalse.value, at: e.whenFalse }],
      at: e,
    });
    return read(result, e);
  }

  private propertyAccess(e: ts.PropertyAccessExpression): Expr {
    const ts = this.ts;
    if (ts.isIdentifier(e.expression) && e.expression.text === 'Math' && this.front.isGlobal(e.expression)) {
      const value = mathConstants[e.name.text];
      if (value === undefined) unsupported(codes.unsupportedSyntax, e, `Math.${e.name.text} is not a number.`);
      return { kind: 'number', value, name: e.name.text, at: e };
    }
    if (e.questionDotToken) unsupported(codes.unsupportedSyntax, e, "optional chaining ('?.') is not supported in a marked function.");
    if (ts.isPrivateIdentifier(e.name)) unsupported(codes.unsupportedSyntax, e.name, 'private fields (#name) are not read by the gradient code; use a plain field.');
    // A getter of a class in the program is a method called on the object.
    const getter = this.front.checker.getSymbolAtLocation(e.name)?.declarations?.find((d): d is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(d));
    if (getter?.body !== undefined && !getter.getSourceFile().isDeclarationFile) {
      if (getter.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) unsupported(codes.unsupportedSyntax, e, 'a static getter is not differentiated; read a constant or call a function.');
      const receiver = this.expression(e.expression);
      const fn = this.front.function(getter, e);
      return this.placed({ kind: 'call', fn, args: [], receiver, shape: fn.result, at: e }, 'value', e.name.text);
    }
    const object = this.expression(e.expression);
    if (e.name.text === 'length' && (object.kind === 'view' || shapeOf(object).kind === 'matrix')) return lengthOf(object, e);
    return { kind: 'field', object, name: e.name.text, shape: fieldShape(object, e.name.text, this.front.shape(e)), at: e };
  }

  private objectLiteral(e: ts.ObjectLiteralExpression): Expr {
    const ts = this.ts;
    const names: string[] = [];
    const values: (() => Expr)[] = [];
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name))) {
        names.push(p.name.text);
        values.push(() => this.expression(p.initializer));
      } else if (ts.isShorthandPropertyAssignment(p)) {
        names.push(p.name.text);
        values.push(() => this.identifier(p.name));
      } else {
        unsupported(codes.unsupportedSyntax, p, 'the objects a marked function builds may only list fields (`{ x: a, y }`); spreads, computed names, methods and accessors are not differentiated.');
      }
    }
    const evaluated = this.operands(values);
    // `{ x: 1, x: 2 }` keeps the later value, in the earlier position.
    const fields = new Map<string, Expr>();
    names.forEach((name, i) => fields.set(name, evaluated[i]!));
    return { kind: 'objectLiteral', fields: [...fields], at: e };
  }

  /**
   * What a `throw` throws: one of the standard errors, built from strings and numbers
   * (`new RangeError(\`n must be positive, got ${n}\`)`), which the companion throws the same.
   */
  private thrown(e: ts.Expression): Expr {
    const ts = this.ts;
    const inner = skipOuter(ts, e);
    const ctor = ts.isNewExpression(inner) || ts.isCallExpression(inner) ? inner.expression : undefined;
    if (ctor === undefined || !ts.isIdentifier(ctor) || !errorConstructors.has(ctor.text) || !this.front.isGlobal(ctor)) {
      unsupported(codes.unsupportedSyntax, e, "a marked function may throw only a standard error it builds there (throw new Error('...'), RangeError, TypeError); build other values outside it.");
    }
    const args = (inner as ts.NewExpression | ts.CallExpression).arguments ?? [];
    const values = this.operands(args.map((a) => () => this.expression(a)));
    for (const [i, v] of values.entries()) {
      const shape = shapeOf(v).kind;
      if (shape !== 'string' && shape !== 'number') unsupported(codes.unsupportedSyntax, args[i]!, "an error's message is built from strings and numbers here; format other values outside the marked function.");
    }
    return { kind: 'newError', ctor: ctor.text, args: values, at: e };
  }

  /** `\`a ${x} b\``: the string concatenation it is, its expressions evaluated in order. */
  private template(e: ts.TemplateExpression): Expr {
    const parts = this.operands(e.templateSpans.map((span) => () => this.expression(span.expression)));
    let result: Expr = { kind: 'string', value: e.head.text, at: e.head };
    e.templateSpans.forEach((span, i) => {
      result = { kind: 'binary', op: 'concat', left: result, right: parts[i]!, at: span };
      if (span.literal.text !== '') result = { kind: 'binary', op: 'concat', left: result, right: { kind: 'string', value: span.literal.text, at: span.literal }, at: span };
    });
    return result;
  }

  private newExpression(e: ts.NewExpression): Expr {
    const ts = this.ts;
    const cls = classOf(ts, this.front.checker, e);
    if (cls !== undefined) return construct(this.classScope(), e, cls);
    const ctor = e.expression;
    const name = ts.isIdentifier(ctor) && this.front.isGlobal(ctor) ? ctor.text : undefined;
    const storage: ArrayStorage | undefined = name === 'Float64Array' ? 'float64' : name === 'Float32Array' ? 'float32' : name === 'Array' ? 'array' : undefined;
    const args = e.arguments ?? [];
    if (storage === undefined || args.length > 1 || args.some((a) => ts.isSpreadElement(a))) {
      unsupported(codes.unsupportedSyntax, e, "only 'new Float64Array(n)', 'new Float32Array(n)', their copies of an array ('new Float64Array(xs)') and 'new Array(n)' can be created in a marked function.");
    }
    if (args.length === 0) return { kind: 'newArray', storage, arg: undefined, copy: false, at: e };
    const arg = this.expression(args[0]!);
    const argShape = shapeOf(arg);
    if (argShape.kind === 'array' && storage !== 'array') return { kind: 'newArray', storage, arg, copy: true, at: e };
    if (argShape.kind !== 'number') unsupported(codes.unsupportedSyntax, args[0]!, 'the size of a new array must be a number (or, for a typed array, an array of numbers to copy).');
    return { kind: 'newArray', storage, arg, copy: false, at: e };
  }

  // ---- calls --------------------------------------------------------------------------------------

  private call(e: ts.CallExpression, place: Place): Expr {
    const ts = this.ts;
    const front = this.front;
    const callee = skipOuter(ts, e.expression);
    if (e.questionDotToken || (ts.isPropertyAccessExpression(callee) && callee.questionDotToken)) unsupported(codes.unsupportedSyntax, e, "optional calls ('?.()') are not supported in a marked function.");
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && front.isGlobal(callee.expression)) {
      const name = callee.name.text;
      if ((name === 'max' || name === 'min') && e.arguments.some((a) => ts.isSpreadElement(a))) return spreadExtremum(this.arrayScope(), e, name);
    }
    const global = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && front.isGlobal(callee.expression) ? callee.expression.text : undefined;
    const member = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (global === 'Math') return this.mathCall(e, member!);
    const bare = ts.isIdentifier(callee) && front.isGlobal(callee) ? callee.text : undefined;
    const guard = guardCall(this.guardScope(), e, global, member, bare);
    if (guard !== undefined) return guard;
    if (global === 'console') {
      // Logging has no effect on the value: the primal logs, the companion only runs what the arguments change.
      if (place !== 'effect') unsupported(codes.unsupportedSyntax, e, 'the value of a console call cannot be differentiated; call it as a statement.');
      for (const a of e.arguments) this.effect(a);
      return undefinedAt(e);
    }
    if ((global === 'Float64Array' || global === 'Float32Array' || global === 'Array') && member === 'from' && e.arguments.length === 2) {
      return arrayFrom(this.arrayScope(), e, global === 'Float64Array' ? 'float64' : global === 'Float32Array' ? 'float32' : 'array');
    }
    if ((global === 'Float64Array' || global === 'Float32Array' || global === 'Array') && member === 'from' && e.arguments.length === 1) {
      const source = this.expression(e.arguments[0]!);
      if (shapeOf(source).kind !== 'array') unsupported(codes.unsupportedSyntax, e, `${global}.from is differentiated on arrays of numbers only.`);
      return { kind: 'newArray', storage: global === 'Float64Array' ? 'float64' : global === 'Float32Array' ? 'float32' : 'array', arg: source, copy: true, at: e };
    }
    const receiverShape = ts.isPropertyAccessExpression(callee) ? front.shape(callee.expression).kind : undefined;
    if (ts.isPropertyAccessExpression(callee) && (receiverShape === 'array' || ((receiverShape === 'records' || receiverShape === 'matrix') && callbackMethods.has(callee.name.text)))) {
      return this.arrayMethod(e, callee, place);
    }
    const decl = (ts.isIdentifier(callee) ? this.boundFunction(callee) : undefined) ?? (isFunctionLiteral(ts, callee) ? (callee as ts.ArrowFunction | ts.FunctionExpression) : calleeDeclaration(ts, front.checker, e));
    // Function parameters given a function written or declared in the program: the callee is
    // desugared for those functions, and the arguments themselves carry no value.
    const bound = new Map<ts.Symbol, FunctionLike>();
    const spreadAt = e.arguments.findIndex((a) => ts.isSpreadElement(a));
    decl.parameters.forEach((p, i) => {
      const arg = e.arguments[i];
      if (!ts.isIdentifier(p.name) || front.shape(p).kind !== 'function') return;
      if (spreadAt >= 0 && i >= spreadAt) unsupported(codes.unsupportedSyntax, e.arguments[spreadAt]!, 'a spread argument cannot give a function parameter its function; pass the function by name.');
      if (arg !== undefined) bound.set(front.symbolOf(p.name), this.functionValue(arg));
    });
    let receiver: (() => Expr) | undefined;
    if (ts.isMethodDeclaration(decl)) {
      if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) {
        unsupported(codes.unknownCallee, e, 'a method called without its object cannot be differentiated through; call it as obj.method(...).');
      }
      receiver = () => this.expression(callee.expression);
    }
    const given = e.arguments.map((a, i) => {
      const p = decl.parameters[i];
      if (p !== undefined && ts.isIdentifier(p.name) && bound.has(front.symbolOf(p.name))) return () => undefinedAt(a);
      return () => this.expression(ts.isSpreadElement(a) ? a.expression : a);
    });
    const values = this.operands([...(receiver !== undefined ? [receiver] : []), ...given]);
    const self = receiver !== undefined ? values.shift() : undefined;
    const fn = front.function(decl, e, bound);
    const checked = front.shape(e);
    const rest = decl.parameters.findIndex((p) => p.dotDotDotToken !== undefined);
    const args = bindArguments(this.arrayScope(), e, values.map((value, i) => ({ value, spread: ts.isSpreadElement(e.arguments[i]!) })), fn.params.length, rest >= 0 ? rest : undefined);
    const call: Call = { kind: 'call', fn, args, receiver: self, shape: vague(checked) ? fn.result : checked, at: e };
    call.args.forEach((a, i) => refuseBuiltRows(fn.params[i]!.var.shape, a));
    return this.placed(call, place, fn.name);
  }

  /** A call where it stands: kept whole as an initialiser, a statement of its own for its effects, else a temporary. */
  private placed(call: Call | Extract<Expr, { kind: 'arrayMethod' }>, place: Place, name: string): Expr {
    if (place === 'init') return call;
    if (place === 'effect') {
      this.out.push({ kind: 'effect', call, at: call.at });
      return undefinedAt(call.at);
    }
    const result = this.front.temporary(name, shapeOf(call), call.at);
    this.out.push({ kind: 'let', var: result, init: call, at: call.at });
    return read(result, call.at);
  }

  private mathCall(e: ts.CallExpression, name: string): Expr {
    const op = mathOperation(e, name);
    const args = this.operands(e.arguments.map((a) => () => this.expression(a)));
    const rule = primitive(op);
    if (rule.arity === 'variadic') {
      if (args.length === 0) return numberAt(name === 'max' ? -Infinity : name === 'min' ? Infinity : 0, e);
      if (args.length === 1 && (name === 'max' || name === 'min')) return { kind: 'unary', op: 'plus', operand: args[0]!, at: e };
      return { kind: 'math', op, name, args, at: e };
    }
    if (args.length < rule.arity) unsupported(codes.unsupportedSyntax, e, `Math.${name} takes ${rule.arity} argument${rule.arity === 1 ? '' : 's'}.`);
    // Arguments past the ones it reads are still evaluated, and dropped, as JavaScript does.
    return stable({ kind: 'math', op, name, args: args.slice(0, rule.arity), at: e });
  }

  private arrayMethod(e: ts.CallExpression, callee: ts.PropertyAccessExpression, place: Place): Expr {
    const name = callee.name.text;
    if (callbackMethods.has(name)) return callbackMethod(this.arrayScope(), e, callee);
    const [array, ...args] = this.operands([() => this.expression(callee.expression), ...e.arguments.map((a) => () => this.expression(a))]);
    if (name === 'slice') return { kind: 'slice', array: array!, args, at: e };
    if (editMethods.has(name)) return arrayEdit(this.arrayScope(), e, name, this.stableCopy(array!, callee.expression, 'array'), args);
    if (name === 'push' || name === 'fill') {
      if (name === 'fill' && args.length !== 1) unsupported(codes.unsupportedSyntax, e, "'fill' is differentiated with one argument, filling the whole array; fill a range in a loop.");
      const result = this.placed({ kind: 'arrayMethod', method: name, array: array!, args, at: e }, place === 'init' ? 'value' : place, name === 'push' ? 'length' : 'filled');
      return result;
    }
    unsupported(codes.unsupportedSyntax, e, `'${name}' on an array is not differentiated yet; write it as a loop.`);
  }

  // ---- assignments --------------------------------------------------------------------------------

  /** `target = value`: the stored value is the expression's value. */
  private assignTo(target: ts.Expression, value: (place: Place) => Expr, place: Place, at: ts.Node = target): Expr {
    const ts = this.ts;
    const inner = skipOuter(ts, target);
    if (ts.isIdentifier(inner)) {
      const v = this.assignable(inner);
      // A call assigned to a variable stays whole, as a declaration's value does.
      const stored = value('init');
      this.refine(v, stored);
      this.out.push({ kind: 'assign', var: v, value: stored, at });
      return place === 'effect' ? undefinedAt(at) : read(v, at);
    }
    if (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) {
      const parts = this.operands([
        () => this.expression(inner.expression),
        ...(ts.isElementAccessExpression(inner) ? [() => this.expression(inner.argumentExpression)] : []),
        () => value('value'),
      ]);
      return this.store(inner, parts[0]!, ts.isElementAccessExpression(inner) ? parts[1]! : undefined, parts[parts.length - 1]!, place, at);
    }
    if (ts.isArrayLiteralExpression(inner) || ts.isObjectLiteralExpression(inner)) {
      const source = this.stableCopy(value('value'), at, 'destructured');
      this.destructureAssignment(inner, source);
      return source;
    }
    unsupported(codes.unsupportedSyntax, target, 'only variables, array elements and object fields can be assigned in a marked function.');
  }

  /** `[a, b] = source`, `({ x, y } = source)`. */
  private destructureAssignment(pattern: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression, source: Expr): void {
    const ts = this.ts;
    if (ts.isArrayLiteralExpression(pattern)) {
      pattern.elements.forEach((element, index) => {
        if (ts.isOmittedExpression(element)) return;
        if (ts.isSpreadElement(element)) unsupported(codes.unsupportedSyntax, element, 'rest elements in destructuring are not supported in a marked function; read the elements you need by index.');
        const target = ts.isBinaryExpression(element) && element.operatorToken.kind === ts.SyntaxKind.EqualsToken ? element.left : element;
        if (target !== element) unsupported(codes.unsupportedSyntax, element, 'defaults in destructuring assignments are not supported; assign and test the value.');
        this.assignTo(target, () => elementOf(source, numberAt(index, element), this.front.shape(element), element), 'effect');
      });
      return;
    }
    for (const p of pattern.properties) {
      if (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === undefined) {
        this.assignTo(p.name, () => ({ kind: 'field', object: source, name: p.name.text, shape: fieldShape(source, p.name.text, this.front.shape(p.name)), at: p }), 'effect');
      } else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
        const name = p.name.text;
        this.assignTo(p.initializer, () => ({ kind: 'field', object: source, name, shape: fieldShape(source, name, this.front.shape(p.initializer)), at: p }), 'effect');
      } else {
        unsupported(codes.unsupportedSyntax, p, 'only plain fields can be destructured in an assignment in a marked function.');
      }
    }
  }

  private store(target: ts.ElementAccessExpression | ts.PropertyAccessExpression, object: Expr, index: Expr | undefined, value: Expr, place: Place, at: ts.Node): Expr {
    const ts = this.ts;
    const key = index !== undefined ? { kind: 'element' as const, index } : { kind: 'field' as const, name: (target as ts.PropertyAccessExpression).name.text };
    if (ts.isPropertyAccessExpression(target) && ts.isPrivateIdentifier(target.name)) unsupported(codes.unsupportedSyntax, target.name, 'private fields (#name) cannot be written by the gradient code; use a plain field.');
    refuseRowWrite(object, at);
    const stored = place === 'effect' ? value : this.stableCopy(value, at, 'stored');
    this.out.push({ kind: 'store', object, key, value: stored, at });
    return place === 'effect' ? undefinedAt(at) : stored;
  }

  /** `target op= e`, `++target`, `target--`: the target's place is evaluated once, read, then written. */
  private readModifyWrite(target: ts.Expression, modify: (current: () => Expr) => Expr, place: Place, at: ts.Node, postfix: boolean): Expr {
    const ts = this.ts;
    const inner = skipOuter(ts, target);
    if (ts.isIdentifier(inner)) {
      const v = this.assignable(inner);
      let old: Expr | undefined;
      const next = modify(() => {
        old = read(v, inner);
        // The old value is the expression's: kept apart from the variable, which is about to change.
        if (postfix && place !== 'effect') old = this.copy(old, inner, `${v.name}Before`);
        return old;
      });
      this.out.push({ kind: 'assign', var: v, value: next, at });
      if (place === 'effect') return undefinedAt(at);
      return postfix ? old! : read(v, at);
    }
    if (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) {
      const object = this.stableCopy(this.expression(inner.expression), inner.expression, 'target');
      const index = ts.isElementAccessExpression(inner) ? this.stableCopy(this.expression(inner.argumentExpression), inner.argumentExpression, 'at') : undefined;
      const read: Expr =
        index !== undefined
          ? elementOf(object, index, this.front.shape(inner), inner)
          : { kind: 'field', object, name: (inner as ts.PropertyAccessExpression).name.text, shape: fieldShape(object, (inner as ts.PropertyAccessExpression).name.text, this.front.shape(inner)), at: inner };
      let old: Expr | undefined;
      const next = modify(() => (old = postfix && place !== 'effect' ? this.copy(read, inner, 'before') : read));
      const stored = this.store(inner, object, index, next, place === 'effect' ? 'effect' : 'value', at);
      if (place === 'effect') return stored;
      return postfix ? old! : stored;
    }
    unsupported(codes.unsupportedSyntax, target, 'only variables, array elements and object fields can be assigned in a marked function.');
  }

  private update(operand: ts.Expression, op: '+' | '-', postfix: boolean, place: Place, at: ts.Node): Expr {
    return this.readModifyWrite(operand, (current) => ({ kind: 'binary', op, left: { kind: 'unary', op: 'plus', operand: current(), at }, right: numberAt(1, at), at }), place, at, postfix);
  }

  /** The local a name assigns: a variable or parameter of a function being differentiated. */
  private assignable(id: ts.Identifier): Var {
    const symbol = this.front.symbolOf(id);
    const v = this.front.localOf(symbol);
    if (v === undefined) {
      unsupported(codes.mutation, id, `'${id.text}' is not a local variable of the marked function or of a function it calls; writing to outer state cannot be differentiated, so return the value instead.`);
    }
    return v;
  }

  // ---- sequencing ---------------------------------------------------------------------------------

  /**
   * Evaluates expressions in order. When one of them needs statements (an effect), the values before
   * it that such a statement could change are first copied into temporaries, so that each reads
   * what it read in JavaScript's order.
   */
  private operands(items: readonly (() => Expr)[]): Expr[] {
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

  /**
   * A callback written at its call (`xs.forEach((v, i) => { t += v * i; })`), desugared here: its
   * parameters are locals given the arguments (defaults and destructuring as for any parameter), its
   * body runs in a block that runs once, which a `return` ends with the callback's value. What it
   * changes around it is then this function's own variables, in both modes.
   */
  private inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Expr[]): Expr {
    const ts = this.ts;
    if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      unsupported(codes.unsupportedSyntax, fn, 'generators and async functions cannot be differentiated; make it a plain function.');
    }
    if (ts.isFunctionExpression(fn) && usesThis(ts, fn)) unsupported(codes.unsupportedSyntax, fn, "a callback's own 'this' is not differentiated; use an arrow function, which reads the 'this' around it.");
    fn.parameters.forEach((p, i) => {
      if (p.dotDotDotToken) unsupported(codes.unsupportedSyntax, p, 'a callback cannot take rest parameters here; list the parameters one by one.');
      const given = args[i] ?? undefinedAt(p);
      const param = ts.isIdentifier(p.name) ? this.front.variable(p.name, p) : this.front.temporary(`arg${i}`, this.front.shape(p.name), p);
      this.out.push({ kind: 'let', var: param, init: given, at: p });
      if (p.initializer !== undefined) this.defaultWhenUndefined(param, p.initializer, p);
      if (!ts.isIdentifier(p.name)) this.destructure(p.name, read(param, p), 'let');
    });
    const body = fn.body;
    if (!ts.isBlock(body)) return this.expression(body);
    const signature = this.front.checker.getSignatureFromDeclaration(fn);
    const shape = signature === undefined ? shapes.number : shapeOfType(ts, this.front.checker, this.front.checker.getReturnTypeOfSignature(signature));
    const result = this.front.temporary('returned', shape, fn);
    this.out.push({ kind: 'let', var: result, init: undefinedAt(fn), at: fn });
    let call: ts.Node = fn.parent;
    while (!ts.isCallExpression(call)) call = call.parent;
    const block = this.onceLoop(body, call as ts.CallExpression);
    this.inlined.push({ result, block });
    try {
      block.body = this.collect(() => this.apart(() => this.statements(body.statements)));
    } finally {
      this.inlined.pop();
    }
    this.out.push(block);
    return read(result, fn);
  }

  /** `if (v === undefined) v = init`: a default, applied where the argument is `undefined`, as in JavaScript. */
  private defaultWhenUndefined(v: Var, init: ts.Expression, at: ts.Node): void {
    const value = this.collectValue(() => this.expression(init));
    this.out.push({ kind: 'if', test: { kind: 'isUndefined', operand: read(v, at), orNull: false, at }, then: [...value.statements, { kind: 'assign', var: v, value: value.value, at }], else: [], at });
  }

  /** A loop that runs once (`once = 0; once < 1; once++`), so that a `break` leaves the code in it. */
  private onceLoop(at: ts.Node, source: Loop['at']): Loop {
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
  private apart(body: () => void): void {
    const around = this.loops.splice(0);
    try {
      body();
    } finally {
      this.loops.push(...around);
    }
  }

  /** The function a function parameter of this body was given, for `id` naming one. */
  private boundFunction(id: ts.Identifier): FunctionLike | undefined {
    const symbol = this.front.checker.getSymbolAtLocation(id);
    return symbol === undefined ? undefined : this.bound.get(symbol);
  }

  /**
   * The function `e` passes: written there, a function or const arrow of the program named there,
   * or what this body's own function parameter was given.
   */
  private functionValue(e: ts.Expression): FunctionLike {
    const ts = this.ts;
    const inner = skipOuter(ts, e);
    if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return inner;
    if (ts.isIdentifier(inner)) {
      const bound = this.boundFunction(inner);
      if (bound !== undefined) return bound;
      const decl = this.front.checker.getSymbolAtLocation(inner)?.valueDeclaration;
      if (decl !== undefined && ts.isFunctionDeclaration(decl) && decl.body !== undefined && !decl.getSourceFile().isDeclarationFile) return decl;
      if (decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && (decl.parent.flags & ts.NodeFlags.Const) !== 0) {
        const init = skipOuter(ts, decl.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
      }
    }
    unsupported(codes.unsupportedSyntax, e, 'a function passed to a function here must be written at the call or declared in the program (a function, or a const arrow); pass it by name or inline.');
  }

  /** What `desugar-classes.ts` needs of this body. */
  private classScope(): ClassScope {
    return {
      ts: this.ts,
      expression: (e) => this.expression(e),
      temporary: (name, shape, at) => this.front.temporary(name, shape, at),
      variable: (name, at) => this.front.variable(name, at),
      emit: (s) => void this.out.push(s),
      withThis: (owner, self, run) => {
        this.constructing.push({ owner, self });
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
  private guardScope(): GuardScope {
    return { ts: this.ts, expression: (e) => this.expression(e), stable: (e, at, name) => this.stableCopy(e, at, name) };
  }

  /** What `desugar-arrays.ts` needs of this body. */
  private arrayScope(): ArrayMethodScope {
    return {
      ts: this.ts,
      expression: (e) => this.expression(e),
      stable: (e, at, name) => this.stableCopy(e, at, name),
      temporary: (name, shape, at) => this.front.temporary(name, shape, at),
      function: (decl, at) => this.front.function(decl, at),
      inline: (fn, args) => this.inline(fn, args),
      functionValue: (e) => this.functionValue(e),
      emit: (s) => void this.out.push(s),
      collect: (body) => this.collect(body),
    };
  }

  /** `e` itself if stable, else a temporary holding it. */
  private stableCopy(e: Expr, at: ts.Node, name: string): Expr {
    return this.isStable(e) ? e : this.copy(e, at, name);
  }

  private copy(e: Expr, at: ts.Node, name: string): Expr {
    const held = this.front.temporary(name, shapeOf(e), at);
    this.out.push({ kind: 'let', var: held, init: e, at });
    return read(held, at);
  }

  private collect(body: () => void): Stmt[] {
    const saved = this.out;
    this.out = [];
    try {
      body();
      return this.out;
    } finally {
      this.out = saved;
    }
  }

  private collectValue(body: () => Expr): { statements: Stmt[]; value: Expr } {
    let value: Expr | undefined;
    const statements = this.collect(() => (value = body()));
    return { statements, value: value! };
  }
}

function read(v: Var, at: ts.Node): Expr {
  return { kind: 'var', var: v, at };
}

function numberAt(value: number, at: ts.Node): Expr {
  return { kind: 'number', value, at };
}

function undefinedAt(at: ts.Node): Expr {
  return { kind: 'undefined', at };
}

/**
 * The shape of a value that is one of two (`a && b`, `c ? a : b`): a number if either is one (a
 * `false` or `undefined` on the other side reads as a number where it is used as one), else what
 * the checker says the expression is.
 */
function joinShapes(a: Shape, b: Shape, checked: Shape): Shape {
  if (checked.kind !== 'other') return checked;
  if (a.kind === 'number' || b.kind === 'number') return shapes.number;
  return checked;
}

/** `any`, or an object whose fields' shapes are not known: what the checker says where the front end may know better. */
function vague(s: Shape): boolean {
  return (s.kind === 'other' && s.text === 'any') || (s.kind === 'record' && s.fields === undefined);
}

/** A function's result where the checker's is vague: the shape every `return` gives, if they agree. */
function returnedShape(declared: Shape, body: readonly Stmt[]): Shape {
  if (!vague(declared)) return declared;
  const given: Shape[] = [];
  walk(body, (s) => {
    if (s.kind === 'return') given.push(shapeOf(s.value));
  });
  const first = given[0];
  if (first === undefined || !given.every((g) => shapeKey(g) === shapeKey(first))) return declared;
  // An object stays an object: only its fields' shapes are learnt.
  return declared.kind === 'record' && first.kind !== 'record' ? declared : first;
}

function shapeKey(s: Shape): string {
  if (s.kind === 'number') return `number${s.int ? ':int' : ''}${s.optional ? '?' : ''}`;
  if (s.kind === 'array') return `array:${s.storage}`;
  if (s.kind === 'other') return `other:${s.text}`;
  if (s.kind === 'record') return `{${[...(s.fields ?? [])].map(([k, v]) => `${k}:${shapeKey(v)}`).join(',')}}`;
  return s.kind;
}

/** A field's shape: the checker's, or where it says `any`, that of the value the object was built with. */
function fieldShape(object: Expr, name: string, checked: Shape): Shape {
  if (checked.kind !== 'other' || checked.text !== 'any') return checked;
  const record = shapeOf(object);
  return (record.kind === 'record' ? record.fields?.get(name) : undefined) ?? checked;
}

function isNumeric(s: Shape): boolean {
  return s.kind === 'number' || s.kind === 'boolean';
}

function isFunctionLiteral(ts: typeof import('typescript'), e: ts.Expression): boolean {
  const inner = skipOuter(ts, e);
  return ts.isArrowFunction(inner) || ts.isFunctionExpression(inner);
}

/** Numbers and operations on numbers alone: a constant folded from another module. */
function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'number':
    case 'boolean':
      return true;
    case 'unary':
      return isConstant(e.operand);
    case 'binary':
      return e.op !== 'concat' && isConstant(e.left) && isConstant(e.right);
    case 'math':
      return e.args.every(isConstant);
    case 'conditional':
      return isConstant(e.test) && isConstant(e.whenTrue) && isConstant(e.whenFalse);
    case 'logical':
      return isConstant(e.left) && isConstant(e.right);
    default:
      return false;
  }
}

/** The names a function body (with the closures in it) assigns after declaring them. */
function assignedSymbols(ts: typeof import('typescript'), checker: ts.TypeChecker, fn: ts.Node): Set<ts.Symbol> {
  const found = new Set<ts.Symbol>();
  const target = (e: ts.Expression): void => {
    const inner = skipOuter(ts, e);
    if (ts.isIdentifier(inner)) {
      const symbol = checker.getSymbolAtLocation(inner);
      if (symbol !== undefined) found.add(symbol);
    } else if (ts.isArrayLiteralExpression(inner)) {
      inner.elements.forEach((el) => target(ts.isBinaryExpression(el) ? el.left : ts.isSpreadElement(el) ? el.expression : el));
    } else if (ts.isObjectLiteralExpression(inner)) {
      for (const p of inner.properties) {
        if (ts.isShorthandPropertyAssignment(p)) {
          const symbol = checker.getShorthandAssignmentValueSymbol(p);
          if (symbol !== undefined) found.add(symbol);
        } else if (ts.isPropertyAssignment(p)) {
          target(p.initializer);
        }
      }
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(n.left);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target(n.operand);
    if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) target(n.initializer);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return found;
}

/** The errors a marked function may build to throw. */
const errorConstructors = new Set(['Error', 'RangeError', 'TypeError']);

/** Does the function expression read its own `this` (not inside functions of its own)? */
function usesThis(ts: typeof import('typescript'), fn: ts.FunctionExpression): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else if (!ts.isFunctionDeclaration(n) && !ts.isFunctionExpression(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return found;
}

/** The names `var` declares in a function body (not in the functions inside it), once each. */
function hoistedVars(ts: typeof import('typescript'), fn: FunctionLike): ts.Identifier[] {
  const names = new Map<string, ts.Identifier>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) {
      if (!names.has(name.text)) names.set(name.text, name);
      return;
    }
    for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
      for (const d of n.declarations) if (!(d.initializer !== undefined && isFunctionLiteral(ts, d.initializer) && ts.isIdentifier(d.name))) bind(d.name);
    }
    if (ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  if (fn.body !== undefined) ts.forEachChild(fn.body, visit);
  return [...names.values()];
}
