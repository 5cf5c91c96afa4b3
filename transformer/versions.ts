/**
 * What each companion was derived from, across files (DESIGN.md §9, incremental builds; the runtime
 * half is `runtime/versions.ts`). A file whose declarations some companion in another file inlined
 * registers their versions when it loads; a file with such companions checks them. A version is a
 * hash of the top-level statement holding the declaration, so any change to a helper, the class of
 * a method, or a constant folded in, is seen.
 *
 * Which declarations those are is known only from the whole program (the helper's own file has no
 * marked function), so the first file transformed desugars every marked function of the program;
 * each file's transformation then reuses that work.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type ts from 'typescript';
import type { CoreProgram } from './front/core.js';
import { desugar } from './front/desugar.js';
import { Overrides } from './front/overrides.js';
import { findMarked, isRuntimeExport, literalPositions, namedFunction, type Marked } from './find.js';
import type { FunctionLike } from './front/source.js';

export class ProgramIndex {
  private readonly cores = new Map<FunctionLike, CoreProgram | { readonly failed: unknown }>();
  private readonly receiverCores = new Map<FunctionLike, CoreProgram | { readonly failed: unknown }>();
  private inlined: Map<ts.SourceFile, Set<ts.Statement>> | undefined;
  /** The program's subclasses, for every marked function's desugaring. */
  private overrides: Overrides | undefined;

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
  ) {}

  /**
   * The core of a marked function, desugared once; throws what desugaring threw (a diagnostic).
   * `withReceiver`: a method's core with its `this` taken as its last parameter.
   */
  core(fn: FunctionLike, withReceiver = false): CoreProgram {
    const cores = withReceiver ? this.receiverCores : this.cores;
    let found = cores.get(fn);
    if (found === undefined) {
      try {
        this.overrides ??= new Overrides(this.ts, this.checker, () => this.program.getSourceFiles());
        found = desugar(this.ts, this.checker, fn, fn.getSourceFile(), this.overrides, withReceiver);
      } catch (error) {
        found = { failed: error };
      }
      cores.set(fn, found);
    }
    if ('failed' in found) throw found.failed;
    return found;
  }

  private wrtSites: Map<ts.Node, Set<string>> | undefined;

  /**
   * The `wrt` lists written out with numbers at calls `grad(f, { wrt: [...] })` and
   * `valueAndGrad(...)` anywhere in the program that name the marked function `fn` (imported or
   * not), as `grad:1,0`: each gets a companion of its own, registered with `fn`'s, so that `grad`
   * computes only what it asks for there too. Found once per program.
   */
  literalWrt(fn: FunctionLike): readonly string[] {
    this.wrtSites ??= this.findWrtSites();
    return [...(this.wrtSites.get(fn) ?? [])];
  }

  private findWrtSites(): Map<ts.Node, Set<string>> {
    const ts = this.ts;
    const sites = new Map<ts.Node, Set<string>>();
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.arguments.length === 2) {
        const which = isRuntimeExport(ts, this.checker, node.expression, 'grad') ? 'grad' : isRuntimeExport(ts, this.checker, node.expression, 'valueAndGrad') ? 'valueAndGrad' : undefined;
        const positions = which === undefined ? undefined : literalPositions(ts, node.arguments[1]!);
        const target = positions === undefined ? undefined : namedFunction(ts, this.checker, node.arguments[0]!);
        if (target !== undefined) {
          const keys = sites.get(target) ?? new Set<string>();
          keys.add(`${which}:${positions!.join(',')}`);
          sites.set(target, keys);
        }
      }
      ts.forEachChild(node, visit);
    };
    for (const file of this.program.getSourceFiles()) {
      // A call of grad names it: files without the word make none.
      if (file.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(file) || !file.text.includes('rad(')) continue;
      visit(file);
    }
    return sites;
  }

  /** The statements of `file` that companions in other files were derived from, in file order. */
  inlinedFrom(file: ts.SourceFile): ts.Statement[] {
    this.inlined ??= this.index();
    return [...(this.inlined.get(file) ?? [])].sort((a, b) => a.pos - b.pos);
  }

  private index(): Map<ts.SourceFile, Set<ts.Statement>> {
    const ts = this.ts;
    const inlined = new Map<ts.SourceFile, Set<ts.Statement>>();
    for (const file of this.program.getSourceFiles()) {
      // Every marking spells the word: files without it have no marked function.
      if (file.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(file) || !file.text.includes('differentiable')) continue;
      for (const m of findMarked(ts, this.checker, file).marked) {
        for (const [source, statements] of this.foreignSources(this.coreOrUndefined(m))) {
          const set = inlined.get(source) ?? new Set<ts.Statement>();
          for (const s of statements) set.add(s);
          inlined.set(source, set);
        }
      }
    }
    return inlined;
  }

  private coreOrUndefined(m: Marked): CoreProgram | undefined {
    try {
      return this.core(m.fn);
    } catch {
      // Reported when its own file is transformed.
      return undefined;
    }
  }

  /** The top-level statements of other emitted files that a companion was derived from, by file. */
  foreignSources(core: CoreProgram | undefined): Map<ts.SourceFile, Set<ts.Statement>> {
    const byFile = new Map<ts.SourceFile, Set<ts.Statement>>();
    if (core === undefined) return byFile;
    const own = core.main.decl.getSourceFile();
    for (const declaration of core.sources) {
      const file = declaration.getSourceFile();
      if (file === own || file.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(file)) continue;
      const statement = topLevelStatement(this.ts, declaration);
      if (statement === undefined) continue;
      const set = byFile.get(file) ?? new Set<ts.Statement>();
      set.add(statement);
      byFile.set(file, set);
    }
    return byFile;
  }

  /** A file's name as both the file that inlines and the file inlined spell it: relative to the build's directory. */
  key(file: ts.SourceFile): string {
    return path.relative(this.program.getCurrentDirectory(), file.fileName).split(path.sep).join('/');
  }
}


function topLevelStatement(ts: typeof import('typescript'), node: ts.Node): ts.Statement | undefined {
  let n: ts.Node = node;
  while (n.parent !== undefined && !ts.isSourceFile(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isSourceFile(n.parent) ? (n as ts.Statement) : undefined;
}

/** `{ name: version }` for top-level statements: a declaration's name, and a hash of its text. */
export function versionsOf(ts: typeof import('typescript'), statements: Iterable<ts.Statement>): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const s of statements) versions[nameOf(ts, s)] = createHash('sha256').update(s.getText()).digest('hex').slice(0, 16);
  return versions;
}

function nameOf(ts: typeof import('typescript'), s: ts.Statement): string {
  if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name !== undefined) return s.name.text;
  if (ts.isVariableStatement(s)) {
    const first = s.declarationList.declarations[0];
    if (first !== undefined && ts.isIdentifier(first.name)) return first.name.text;
  }
  const file = s.getSourceFile();
  return `line ${file.getLineAndCharacterOfPosition(s.getStart(file)).line + 1}`;
}
