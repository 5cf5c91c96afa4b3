/**
 * desugar: the front end both modes share (DESIGN.md §3). It turns a marked function, and every
 * function it calls whose source is in the program, into the core (`core.ts`): names resolved,
 * shapes decided, effects out of expressions in JavaScript's order, defaults applied, `var`s hoisted,
 * destructuring and `for...of` rewritten, one loop form, one return form. What it cannot rewrite is
 * refused here, at its position, before either mode runs (the fence).
 *
 * This module holds what one marked function's desugaring shares across the functions it reaches
 * (`FrontEnd`); a function's body is desugared by `body.ts`, statement by statement
 * (`statements.ts`), expression by expression (`expressions.ts`, `calls.ts`, `assignments.ts`),
 * with the language's larger pieces apart: parameters (`parameters.ts`), arrays of arrays
 * (`rows.ts`), array methods (`desugar-arrays.ts`, `desugar-array-edits.ts`), arguments
 * (`desugar-arguments.ts`), classes (`desugar-classes.ts`) and guards (`desugar-guards.ts`).
 */
import type ts from 'typescript';
import { codes, unsupported } from '../diagnostics.js';
import { shapes, type BinaryOp, type CoreFunction, type CoreParameter, type CoreProgram, type Shape, type Var } from './core.js';
import { Body } from './body.js';
import { findDiscrete } from './discrete.js';
import { Overrides } from './overrides.js';
import { markedParameters } from './parameters.js';
import { isMade, type Front, type FunctionValue } from './scope.js';
import { ownerFunction, thisOwnerOf } from './scopes.js';
import { shapeOfType } from './shapes.js';
import { stableSums } from './stable-sums.js';
import type { FunctionLike } from './source.js';
import { returnedShape } from './values.js';

/**
 * The core of `main`. `overrides` knows the program's subclasses (built once per program by the
 * caller); without it, those of `main`'s file.
 */
export function desugar(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  main: FunctionLike,
  companionFile: ts.SourceFile,
  overrides = new Overrides(tsApi, checker, () => [main.getSourceFile()]),
  /** Take a method's `this` as its last parameter (`markedParameters`). */
  withReceiver = false,
): CoreProgram {
  const front = new FrontEnd(tsApi, checker, main, companionFile, overrides, withReceiver);
  const core = front.function(main, main);
  return { main: core, discrete: findDiscrete(core), sources: new Set<ts.Node>([...front.functions.keys(), ...front.constants]) };
}

/** What one marked function's desugaring shares across the functions it reaches. */
class FrontEnd implements Front {
  readonly functions = new Map<FunctionLike, CoreFunction>();
  /** Functions desugared for the functions given to their function parameters (see `function`). */
  readonly specialized = new Map<FunctionLike, { readonly bound: ReadonlyMap<ts.Symbol, FunctionValue>; readonly core: CoreFunction }[]>();
  /** Functions whose bodies are being desugared, outermost first: a call to one of them is recursion. */
  readonly active: FunctionLike[] = [];
  receiver: Var | undefined;
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
    readonly overrides: Overrides,
    private readonly withReceiver: boolean,
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
  function(decl: FunctionLike, at: ts.Node, bound: ReadonlyMap<ts.Symbol, FunctionValue> = new Map()): CoreFunction {
    const ts = this.ts;
    const done = bound.size === 0 ? this.functions.get(decl) : this.specialized.get(decl)?.find((s) => s.bound.size === bound.size && [...bound].every(([k, v]) => s.bound.get(k) === v))?.core;
    // A recursive call reaches the core being desugared: its body is filled in when the outer call
    // finishes, and the modes see a call of a function on the stack (`fine-recursion.ts`).
    if (done !== undefined) {
      // The marked function's core takes its objects' leaves, not the objects a call passes.
      if (decl === this.main && done.signature?.some((p, i) => p.tree.kind !== 'leaf' || p.tree.index !== i || p.tree.rest === true)) {
        unsupported(codes.recursion, at, `the marked function '${done.name}' calls itself with objects, arrays of arrays or a rest parameter; move the recursion into a helper it calls.`);
      }
      return done;
    }
    if (this.active.includes(decl)) {
      unsupported(codes.recursion, at, 'this recursive call gives the function a different function argument than the call that reached it; pass the same function down, or rewrite the recursion as a loop.');
    }
    if (decl.body === undefined) unsupported(codes.unknownCallee, decl, 'this function has no body to differentiate.');
    if (decl.asteriskToken || decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      unsupported(codes.unsupportedSyntax, decl, 'generators and async functions cannot be differentiated; make it a plain function.');
    }
    const isMain = decl === this.main;
    const body = new Body(this, decl, bound);
    const receiver = isMain && this.withReceiver && ts.isMethodDeclaration(decl) ? { type: this.checker.getTypeAtLocation(decl.parent), at: decl.name } : undefined;
    const marked = isMain ? markedParameters(this, decl, receiver) : undefined;
    if (marked !== undefined) this.receiver = marked.receiver;
    const bodyParams = marked?.body ?? decl.parameters.map((p, index) => ({ param: this.helperParameter(p, index), object: undefined }));
    const params = marked?.core ?? bodyParams.map((p) => p.param);
    const core: CoreFunction = {
      decl,
      name: decl.name !== undefined && ts.isIdentifier(decl.name) ? decl.name.text : ts.isVariableDeclaration(decl.parent) && ts.isIdentifier(decl.parent.name) ? decl.parent.name.text : 'anonymous',
      params,
      body: [],
      thisOwner: ts.isArrowFunction(decl) ? thisOwnerOf(ts, decl) : decl,
      // A function given a function a call made reads the caller's copies of what it captured.
      closure: ownerFunction(ts, decl) !== undefined || [...bound.values()].some(isMade),
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
    // A name no scope of its file declares resolves the same wherever the file reads it: asked of
    // the checker once per file, which otherwise walks up from each reading (every `Math` of a sum
    // of a thousand terms, a thousand parents up).
    const file = id.getSourceFile();
    let known = globalNames.get(file);
    if (known === undefined) globalNames.set(file, (known = { declared: declaredNames(this.ts, file), answers: new Map() }));
    if (known.declared.has(id.text)) return this.resolvesToLibrary(id);
    let answer = known.answers.get(id.text);
    if (answer === undefined) known.answers.set(id.text, (answer = this.resolvesToLibrary(id)));
    return answer;
  }

  private resolvesToLibrary(id: ts.Identifier): boolean {
    const symbol = this.checker.getSymbolAtLocation(id);
    const decl = symbol?.declarations?.[0];
    return decl === undefined ? id.text === 'undefined' : decl.getSourceFile().isDeclarationFile;
  }
}

const globalNames = new WeakMap<ts.SourceFile, { readonly declared: ReadonlySet<string>; readonly answers: Map<string, boolean> }>();

/**
 * Every name some scope of `file` declares: the keys of the binder's symbol tables (`locals`) of
 * the file and of each function, block and other container in it. (`locals` is the binder's, not
 * in TypeScript's public types; the checker has bound the file before any transformer runs.)
 */
function declaredNames(tsApi: typeof ts, file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    const locals = (node as { locals?: ReadonlyMap<string, unknown> }).locals;
    if (locals !== undefined) for (const name of locals.keys()) names.add(name);
    tsApi.forEachChild(node, visit);
  };
  visit(file);
  return names;
}
