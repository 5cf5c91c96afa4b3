/**
 * Puts companions into the file: each beside its marked function, in the same scope, so that the
 * names the function reads mean the same in its companion; registers each with the runtime; and
 * rewrites `grad(f)` on a marked function of this file into a direct reference to its companion.
 * Marked functions themselves are never visited, so they emit exactly as without the plugin.
 */
import type ts from 'typescript';
import { codes, diagnosticAt, Unsupported } from '../diagnostics.js';
import { findMarked, isRuntimeExport, literalPositions, markedTarget, type Marked } from '../find.js';
import { identifiersIn, Namer } from './names.js';
import { compileFunction, overParameters, type CompiledFunction, type PipelineContext } from '../pipeline.js';
import type { CompanionBody } from './emit.js';
import type { SimplifyOptions } from '../coarse/simplify.js';
import { versionsOf, type ProgramIndex } from '../versions.js';
import { holdsNumbers } from '../front/source.js';
import type { CoreProgram, ParameterTree } from '../front/core.js';
import * as path from 'node:path';

export interface FileContext {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
  /** The program's marked functions, desugared, and what each file's code was inlined into. */
  readonly index: ProgramIndex;
  readonly context: ts.TransformationContext;
  readonly addDiagnostic: (d: ts.Diagnostic) => void;
  /** Receives each function's stage trace when `report` or `debug` is on. */
  readonly trace: ((text: string) => void) | undefined;
  readonly mode: 'coarse' | 'fine';
  readonly segmentLimit: number;
  readonly simplify: SimplifyOptions | undefined;
  /** Print the front end's core of each function with its trace. */
  readonly debug: boolean;
}

interface Companion {
  readonly marked: Marked;
  readonly compiled: CompiledFunction;
  /** Names of the companions, for declarations and consts (wrappers and methods are anonymous). */
  readonly valueAndGradName: string;
  readonly gradName: string;
  /** Companions for call sites that name `wrt`, by `grad:0,1` / `valueAndGrad:1`. */
  readonly specialized: Map<string, { readonly name: string; readonly wrt: readonly number[]; readonly withValue: boolean }>;
  /**
   * A method reading numbers from `this`: compiled again with `this` as its last parameter, for
   * `grad(m.loss, { wrt: ['this'] })`; or why that cannot be done, for the runtime's message.
   */
  readonly receiver: CompiledFunction | string | undefined;
}

export function transformFile(fc: FileContext, file: ts.SourceFile): ts.SourceFile {
  const { ts, checker } = fc;
  const f = fc.context.factory;
  const { marked, bad } = findMarked(ts, checker, file);
  for (const b of bad) fc.addDiagnostic(diagnosticAt(ts, b.node, codes.unsupportedSyntax, b.message));
  // Declarations of this file that companions elsewhere were derived from: their versions are
  // registered when it loads, so that a companion built from an older version is caught (versions.ts).
  const inlined = fc.index.inlinedFrom(file);
  if (marked.length === 0 && inlined.length === 0) return file;

  const namer = new Namer(identifiersIn(file.text));
  const runtime = f.createIdentifier(namer.fresh('__coarsegrad'));
  const names = { runtime: runtime.text, outputs: namer.fresh('__coarsegrad_outputs') };
  const companions = new Map<ts.Node, Companion>();
  for (const m of marked) {
    const receiver = m.spelling === 'method' && !m.isStatic && readsThis(ts, m.fn) && holdsNumbers(ts, checker, checker.getTypeAtLocation(m.fn.parent)) ? compileWithReceiver(fc, file, m, names) : undefined;
    const compiled = compileGuarded(fc, file, m, names, typeof receiver === 'object' && flatReceiver(fc.index.core(m.fn, true)) ? receiver : undefined);
    if (compiled === undefined) continue;
    const named = m.spelling === 'declaration' || m.spelling === 'const';
    companions.set(m.fn, {
      marked: m,
      compiled,
      receiver,
      valueAndGradName: named ? namer.fresh(`${m.name}$valueAndGrad`) : '',
      gradName: named ? namer.fresh(`${m.name}$grad`) : '',
      specialized: new Map(),
    });
  }
  if (companions.size === 0 && inlined.length === 0) return file;

  /** `grad(f)`, `valueAndGrad(f)` and their `{ wrt: [...] }` forms on a marked function of this file. */
  const callSite = (call: ts.CallExpression) => {
    if (call.arguments.length === 0 || call.arguments.length > 2) return undefined;
    const which: 'grad' | 'valueAndGrad' | undefined = isRuntimeExport(ts, checker, call.expression, 'grad') ? 'grad' : isRuntimeExport(ts, checker, call.expression, 'valueAndGrad') ? 'valueAndGrad' : undefined;
    const target = which === undefined ? undefined : markedTarget(ts, checker, call.arguments[0]!, marked);
    const c = target && companions.get(target.fn);
    if (c === undefined || which === undefined) return undefined;
    if (call.arguments.length === 1) return { c, which, wrt: undefined };
    const wrt = literalPositions(ts, call.arguments[1]!);
    return wrt === undefined || !withinArity(c, wrt) ? undefined : { c, which, wrt };
  };
  // A position out of range is the runtime's to report; a rest parameter's position is its first
  // argument's, which the runtime picks out of the whole gradient.
  const withinArity = (c: Companion, wrt: readonly number[]) => wrt.every((i) => i < (c.compiled.rest === true ? c.compiled.arity - 1 : c.compiled.arity));
  const specialize = (c: Companion, which: 'grad' | 'valueAndGrad', wrt: readonly number[]): void => {
    const key = `${which}:${wrt.join(',')}`;
    if (!c.specialized.has(key)) c.specialized.set(key, { name: namer.fresh(`${c.marked.name}$${which}$${wrt.join('_')}`), wrt, withValue: which === 'valueAndGrad' });
  };
  // Call sites that name `wrt` get companions of their own, declared with the others.
  const findSites = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const site = callSite(node);
      if (site?.wrt !== undefined) specialize(site.c, site.which, site.wrt);
    }
    ts.forEachChild(node, findSites);
  };
  findSites(file);
  // Call sites in other files, which reach the companions through the registry: a rest parameter's
  // positions are left to the runtime there.
  for (const c of companions.values()) {
    if ((c.marked.spelling !== 'declaration' && c.marked.spelling !== 'const') || c.compiled.rest === true) continue;
    for (const key of fc.index.literalWrt(c.marked.fn)) {
      const [which, list] = key.split(':') as ['grad' | 'valueAndGrad', string];
      const wrt = list === '' ? [] : list.split(',').map(Number);
      if (withinArity(c, wrt)) specialize(c, which, wrt);
    }
  }
  if (fc.trace !== undefined) report(fc, file, companions);

  /** `register(f, valueAndGrad, grad, arity, withThis, { 'grad:0': f$grad$0 })`: the named `wrt` companions too, for `grad` to pick. */
  const register = (primal: ts.Expression, c: Companion, valueAndGrad: ts.Expression, grad: ts.Expression, withThis?: ts.Expression): ts.Expression => {
    const named = c.gradName !== '' ? [...c.specialized].map(([key, s]) => f.createPropertyAssignment(f.createStringLiteral(key), f.createIdentifier(s.name))) : [];
    return f.createCallExpression(f.createPropertyAccessExpression(runtime, 'register'), undefined, [
      primal,
      valueAndGrad,
      grad,
      f.createNumericLiteral(c.compiled.arity),
      ...(withThis === undefined && named.length === 0 ? [] : [withThis ?? f.createIdentifier('undefined')]),
      ...(named.length === 0 ? [] : [f.createObjectLiteralExpression(named)]),
    ]);
  };

  /** `var kept;`: a companion's scratch buffers between calls, beside it (a `var`, so that a hoisted companion called early finds it undefined). */
  const stateDeclarations = (body: CompanionBody): ts.Statement[] =>
    (body.state ?? []).length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList(body.state!.map((name) => f.createVariableDeclaration(name))))];

  /** The companion as a value; with state of its own, made inside `(() => { var kept; return … })()`. */
  const companionExpression = (c: Companion, body: CompanionBody): ts.Expression => {
    const fn = ts.isArrowFunction(c.marked.fn)
      ? f.createArrowFunction(undefined, undefined, body.parameters, undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), body.body)
      : f.createFunctionExpression(undefined, undefined, undefined, undefined, body.parameters, undefined, body.body);
    const state = stateDeclarations(body);
    if (state.length === 0) return fn;
    const maker = f.createArrowFunction(undefined, undefined, [], undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), f.createBlock([...state, f.createReturnStatement(fn)], true));
    return f.createCallExpression(f.createParenthesizedExpression(maker), undefined, []);
  };

  const documented = <T extends ts.Node>(node: T, c: Companion, withValue: boolean): T =>
    ts.addSyntheticLeadingComment(
      node,
      ts.SyntaxKind.MultiLineCommentTrivia,
      `* Gradient companion of ${c.marked.name}, written by coarsegrad: returns ${withValue ? '[value, gradient]' : 'the gradient'}. `,
      true,
    );

  /** Companions of the declarations and consts in one statement list, and their registrations. */
  const statements = (list: readonly ts.Statement[], preamble: readonly ts.Statement[] = []): ts.Statement[] => {
    const hoisted: ts.Statement[] = [];
    const out: ts.Statement[] = [];
    for (const s of list) {
      if (ts.isFunctionDeclaration(s) && companions.has(s)) {
        const c = companions.get(s)!;
        out.push(s);
        for (const [name, body, withValue] of companionBodies(c)) {
          out.push(...stateDeclarations(body));
          out.push(documented(f.createFunctionDeclaration(undefined, undefined, name, undefined, body.parameters, undefined, body.body), c, withValue));
        }
        // Function declarations are hoisted: register them before any code of the scope runs.
        hoisted.push(f.createExpressionStatement(register(f.createIdentifier(c.marked.name), c, f.createIdentifier(c.valueAndGradName), f.createIdentifier(c.gradName))));
        continue;
      }
      out.push(ts.visitNode(s, visit, ts.isStatement));
      if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) {
          const c = d.initializer !== undefined ? companions.get(d.initializer) : undefined;
          if (c === undefined || c.marked.spelling !== 'const') continue;
          for (const [name, body, withValue] of companionBodies(c)) {
            const declaration = f.createVariableDeclaration(name, undefined, undefined, companionExpression(c, body));
            out.push(documented(f.createVariableStatement(undefined, f.createVariableDeclarationList([declaration], ts.NodeFlags.Const)), c, withValue));
          }
          out.push(f.createExpressionStatement(register(f.createIdentifier(c.marked.name), c, f.createIdentifier(c.valueAndGradName), f.createIdentifier(c.gradName))));
        }
      }
    }
    // After the leading imports, so that the file still opens with what it depends on.
    let afterImports = 0;
    while (afterImports < out.length && (ts.isImportDeclaration(out[afterImports]!) || ts.isImportEqualsDeclaration(out[afterImports]!))) afterImports++;
    return [...out.slice(0, afterImports), ...preamble, ...hoisted, ...out.slice(afterImports)];
  };

  const markedFunctions = new Set<ts.Node>(marked.map((m) => m.fn));
  const visit = (node: ts.Node): ts.Node => {
    // A marked function's own body is emitted untouched, whether or not it could be differentiated.
    if (markedFunctions.has(node)) return node;
    if (ts.isBlock(node)) return f.updateBlock(node, statements(node.statements));
    if (ts.isModuleBlock(node)) return f.updateModuleBlock(node, statements(node.statements));
    if (ts.isCaseClause(node)) return f.updateCaseClause(node, ts.visitNode(node.expression, visit, ts.isExpression), statements(node.statements));
    if (ts.isDefaultClause(node)) return f.updateDefaultClause(node, statements(node.statements));
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return classWithCompanions(node);
    if (ts.isCallExpression(node)) {
      const wrapped = node.arguments.length === 1 ? companions.get(node.arguments[0]!) : undefined;
      if (wrapped !== undefined && wrapped.marked.spelling === 'wrapper' && wrapped.marked.call === node) {
        return register(node, wrapped, companionExpression(wrapped, wrapped.compiled.valueAndGrad), companionExpression(wrapped, wrapped.compiled.grad));
      }
      const direct = directCompanion(node);
      if (direct !== undefined) return direct;
    }
    return ts.visitEachChild(node, visit, fc.context);
  };

  /** `grad(f)` / `valueAndGrad(f)` (with a literal `wrt`) on a marked function of this file: its companion, by name. */
  const directCompanion = (call: ts.CallExpression): ts.Expression | undefined => {
    const site = callSite(call);
    if (site === undefined) return undefined;
    if (site.wrt !== undefined) return f.createIdentifier(site.c.specialized.get(`${site.which}:${site.wrt.join(',')}`)!.name);
    return f.createIdentifier(site.which === 'grad' ? site.c.gradName : site.c.valueAndGradName);
  };

  /** The named companions of a declaration or const: value and gradient, gradient, and the `wrt` ones. */
  const companionBodies = (c: Companion): [string, CompanionBody, boolean][] => [
    [c.valueAndGradName, c.compiled.valueAndGrad, true],
    [c.gradName, c.compiled.grad, false],
    ...[...c.specialized.values()].map(({ name, wrt, withValue }): [string, CompanionBody, boolean] => [name, c.compiled.specialize(wrt, withValue), withValue]),
  ];

  /**
   * A method's companion runs on `this`: called without it (`grad(m.loss)(w)` instead of
   * `grad(m.loss).call(m, w)`) it says so, rather than failing on a field read.
   */
  const withThisCheck = (body: CompanionBody, name: string): CompanionBody => {
    const message = `grad: the method '${name}' needs its object; call its gradient as grad(obj.${name}).call(obj, ...).`;
    const check = f.createIfStatement(
      f.createStrictEquality(f.createThis(), f.createIdentifier('undefined')),
      f.createThrowStatement(f.createNewExpression(f.createIdentifier('TypeError'), undefined, [f.createStringLiteral(message)])),
    );
    return { ...body, body: f.updateBlock(body.body, [check, ...body.body.statements]) };
  };

  /** A class with marked methods gains a static block registering their companions. */
  const classWithCompanions = <C extends ts.ClassDeclaration | ts.ClassExpression>(node: C): C => {
    const visited = ts.visitEachChild(node, visit, fc.context) as C;
    const registrations = node.members.flatMap((member) => {
      const c = companions.get(member);
      if (c === undefined || c.marked.spelling !== 'method') return [];
      const owner = c.marked.isStatic ? f.createThis() : f.createPropertyAccessExpression(f.createThis(), 'prototype');
      const primal = f.createPropertyAccessExpression(owner, c.marked.name);
      const method = (body: CompanionBody) => companionExpression(c, readsThis(ts, c.marked.fn) ? withThisCheck(body, c.marked.name) : body);
      const withThis = c.receiver === undefined ? undefined : typeof c.receiver === 'string' ? f.createStringLiteral(c.receiver) : method(c.receiver.valueAndGrad);
      return [f.createExpressionStatement(register(primal, c, method(c.compiled.valueAndGrad), method(c.compiled.grad), withThis))];
    });
    if (registrations.length === 0) return visited;
    const block = f.createClassStaticBlockDeclaration(f.createBlock(registrations, true));
    const members = [...visited.members, block];
    return (
      ts.isClassDeclaration(visited)
        ? f.updateClassDeclaration(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members)
        : f.updateClassExpression(visited as ts.ClassExpression, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members)
    ) as C;
  };

  const importRuntime = f.createImportDeclaration(
    undefined,
    f.createImportClause(false, undefined, f.createNamespaceImport(runtime)),
    f.createStringLiteral('coarsegrad'),
  );
  const versionCall = (name: string, args: ts.Expression[]) => f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(runtime, name), undefined, args));
  const versionsLiteral = (statements: Iterable<ts.Statement>) =>
    f.createObjectLiteralExpression(Object.entries(versionsOf(ts, statements)).map(([name, version]) => f.createPropertyAssignment(f.createStringLiteral(name), f.createStringLiteral(version))));
  const self = f.createStringLiteral(fc.index.key(file));
  const versions: ts.Statement[] = [];
  if (inlined.length > 0) versions.push(versionCall('registerSources', [self, versionsLiteral(inlined)]));
  // What this file's companions were derived from in other files, checked when it loads.
  const derivedFrom = new Map<ts.SourceFile, Set<ts.Statement>>();
  for (const c of companions.values()) {
    for (const [source, statements] of fc.index.foreignSources(fc.index.core(c.marked.fn))) {
      const set = derivedFrom.get(source) ?? new Set<ts.Statement>();
      for (const s of statements) set.add(s);
      derivedFrom.set(source, set);
    }
  }
  for (const [source, statements] of derivedFrom) {
    versions.push(versionCall('checkSources', [self, f.createStringLiteral(fc.index.key(source)), versionsLiteral([...statements].sort((a, b) => a.pos - b.pos))]));
  }
  // After the file's own imports, so that a header comment stays at the top of the file.
  // `const __coarsegrad_outputs = __coarsegrad.outputs;`: read once, not in every call (the runtime's exports are a dictionary).
  const outputs = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(names.outputs, undefined, undefined, f.createPropertyAccessExpression(runtime, 'outputs'))], ts.NodeFlags.Const));
  return f.updateSourceFile(file, statements(file.statements, [importRuntime, ...(companions.size > 0 ? [outputs] : []), ...versions]));
}

/** Each function's report, with the companions it gets (the report's last part, DESIGN.md §8). */
function report(fc: FileContext, file: ts.SourceFile, companions: ReadonlyMap<ts.Node, Companion>): void {
  const { ts } = fc;
  const f = fc.context.factory;
  const printer = ts.createPrinter();
  for (const c of companions.values()) {
    const named: [string, CompanionBody][] = [
      [c.valueAndGradName || `${c.marked.name}$valueAndGrad`, c.compiled.valueAndGrad],
      [c.gradName || `${c.marked.name}$grad`, c.compiled.grad],
      ...[...c.specialized.values()].map(({ name, wrt, withValue }): [string, CompanionBody] => [name, c.compiled.specialize(wrt, withValue)]),
      ...(c.receiver !== undefined && typeof c.receiver !== 'string' ? [[`${c.marked.name}$valueAndGrad$this`, c.receiver.valueAndGrad] as [string, CompanionBody]] : []),
    ];
    const texts = named.map(([name, body]) => printer.printNode(ts.EmitHint.Unspecified, f.createFunctionDeclaration(undefined, undefined, name, undefined, body.parameters, undefined, body.body), file));
    const receiver = c.receiver === undefined ? '' : typeof c.receiver === 'string' ? `\n  with respect to 'this': not differentiated, because ${c.receiver}` : `\n  with respect to 'this' too:\n${c.receiver.trace}`;
    fc.trace!(`${c.compiled.trace}${receiver}\n  companions:\n\n${texts.join('\n\n')}`);
  }
}

/** The names a file gives the runtime and its `outputs`, which companions read. */
interface RuntimeNames {
  readonly runtime: string;
  readonly outputs: string;
}

/**
 * Runs the pipeline on one function; what it cannot do becomes a diagnostic, never an exception.
 * `withReceiver`, for a method reading numbers from `this`, is the method compiled with `this` as
 * a parameter: its companions are the method's where the usual ones cannot be made (it writes to
 * `this`, as a simulation's step does) or go to the operation tape where it stays coarse (a loop
 * over an array field).
 */
function compileGuarded(fc: FileContext, file: ts.SourceFile, m: Marked, names: RuntimeNames, withReceiver?: CompiledFunction): CompiledFunction | undefined {
  try {
    const compiled = compileFunction(pipelineContext(fc, file, names, fc.debug), fc.index.core(m.fn), displayName(fc.ts, m));
    if (withReceiver === undefined || !compiled.residue || withReceiver.residue) return compiled;
    return overParameters(withReceiver, `with 'this' as a parameter coarsening takes the whole method, where otherwise ${compiled.trace.split('\n')[0]!.replace(/^[^:]*: residue: /, '')}`);
  } catch (error) {
    if (error instanceof Unsupported && withReceiver !== undefined) return overParameters(withReceiver, `otherwise: ${error.message}`);
    if (error instanceof Unsupported) fc.addDiagnostic(diagnosticAt(fc.ts, error.node, error.code, error.message));
    else internalError(fc, m, '', error);
    return undefined;
  }
}

/**
 * A method compiled with its `this` as a parameter (`ProgramIndex.core`). What it cannot take is no
 * build error (the method's own companions stand): it is the reason the runtime gives where
 * `wrt: ['this']` is asked. An internal error is a diagnostic, as everywhere.
 */
function compileWithReceiver(fc: FileContext, file: ts.SourceFile, m: Marked, names: RuntimeNames): CompiledFunction | string | undefined {
  try {
    return compileFunction(pipelineContext(fc, file, names, false), fc.index.core(m.fn, true), displayName(fc.ts, m));
  } catch (error) {
    if (error instanceof Unsupported) {
      const at = error.node.getSourceFile();
      return `${error.message} (${path.basename(at.fileName)}, line ${at.getLineAndCharacterOfPosition(error.node.getStart(at)).line + 1})`;
    }
    internalError(fc, m, " with respect to 'this'", error);
    return undefined;
  }
}

function pipelineContext(fc: FileContext, file: ts.SourceFile, names: RuntimeNames, debug: boolean): PipelineContext {
  return { ts: fc.ts, checker: fc.checker, factory: fc.context.factory, file, ...names, mode: fc.mode, segmentLimit: fc.segmentLimit, simplify: fc.simplify, debug };
}

/** A bug of the transformer: a diagnostic asking for a report, never an exception out of the build. */
function internalError(fc: FileContext, m: Marked, what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  fc.addDiagnostic(diagnosticAt(fc.ts, m.fn.name ?? m.fn, codes.internal, `internal error while differentiating '${displayName(fc.ts, m)}'${what}; please report it with this function. ${detail}`));
}

/**
 * Does the method's `this`, as a parameter, hold only numbers, flat arrays and objects of them?
 * An array of arrays or of objects among its fields is copied into flat arrays on entry, and
 * refused there where its rows differ in length, whether the method reads it or not: the method's
 * own companions must not do that (the one for `wrt: ['this']` may, since it is asked for them).
 */
function flatReceiver(program: CoreProgram): boolean {
  const receiver = program.main.signature?.find((p) => p.receiver === true);
  const plain = (tree: ParameterTree): boolean => tree.kind === 'leaf' || (tree.kind === 'object' && tree.fields.every(([, t]) => plain(t)));
  return receiver !== undefined && plain(receiver.tree);
}

/** Does the function read `this` (outside functions of its own)? */
function readsThis(ts: typeof import('typescript'), fn: ts.Node): boolean {
  const visit = (n: ts.Node): boolean => n.kind === ts.SyntaxKind.ThisKeyword || ((!ts.isFunctionLike(n) || ts.isArrowFunction(n)) && ts.forEachChild(n, visit) === true);
  return ts.forEachChild(fn, visit) === true;
}

/** A marked function as the report and messages name it: a method with its class (`Model.loss`). */
function displayName(ts: typeof import('typescript'), m: Marked): string {
  const owner = m.spelling === 'method' ? m.fn.parent : undefined;
  return owner !== undefined && ts.isClassLike(owner) && owner.name !== undefined ? `${owner.name.text}.${m.name}` : m.name;
}

