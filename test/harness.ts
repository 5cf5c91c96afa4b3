/**
 * Compiles TypeScript programs in memory through the plugin, exactly as ts-patch would call it, and
 * runs what comes out. Library files are parsed once and shared by every compilation.
 */
import * as path from 'node:path';
import ts from 'typescript';
import coarsegrad, { type CoarsegradOptions } from '../transformer/index.js';
import { numbersIn } from './gradcheck.js';

const root = path.resolve(__dirname, '..', '..');
export const runtimeEntry = path.join(root, 'dist', 'runtime', 'index.js');
const runtimeTypes = path.join(root, 'dist', 'runtime', 'index.d.ts');
const virtualDir = '/virtual';

const libCache = new Map<string, ts.SourceFile>();
const resolutionCache = new Map<string, ts.ResolvedModuleFull | undefined>();

export interface CompileOptions {
  /** Plugin options; `false` compiles with plain tsc (no plugin). */
  readonly plugin?: CoarsegradOptions | false;
  readonly module?: ts.ModuleKind;
  readonly experimentalDecorators?: boolean;
}

export interface CompileResult {
  /** Emitted JavaScript by source file name (`main.ts` → its `.js` text). */
  readonly js: Readonly<Record<string, string>>;
  /** Type errors and plugin diagnostics. */
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Plugin diagnostics only. */
  readonly pluginDiagnostics: readonly ts.Diagnostic[];
}

export function compile(files: Readonly<Record<string, string>>, options: CompileOptions = {}): CompileResult {
  return compileModes(files, [options.plugin], options)[0]!;
}

/**
 * Compiles one program once and emits it once per plugin configuration (`false`: plain tsc), so
 * that the modes share the parse and the type check. The results are what `compile` gives for each.
 */
export function compileModes(files: Readonly<Record<string, string>>, plugins: readonly (CoarsegradOptions | false | undefined)[], options: Omit<CompileOptions, 'plugin'> = {}): CompileResult[] {
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: options.module ?? ts.ModuleKind.CommonJS,
    strict: true,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
    experimentalDecorators: options.experimentalDecorators ?? false,
    outDir: '/out',
    rootDir: virtualDir,
  };
  const virtual = new Map(Object.entries(files).map(([name, text]) => [path.join(virtualDir, name), text]));
  const host = ts.createCompilerHost(compilerOptions);
  const realGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    const cached = libCache.get(fileName);
    if (cached !== undefined) return cached;
    const file = realGetSourceFile(fileName, languageVersion, onError);
    if (file !== undefined) libCache.set(fileName, file);
    return file;
  };
  const realFileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => virtual.has(fileName) || realFileExists(fileName);
  const realReadFile = host.readFile.bind(host);
  host.readFile = (fileName) => virtual.get(fileName) ?? realReadFile(fileName);
  host.resolveModuleNames = (names, containingFile) =>
    names.map((name) => {
      if (name === 'coarsegrad') return { resolvedFileName: runtimeTypes, extension: ts.Extension.Dts, isExternalLibraryImport: true };
      const base = path.resolve(path.dirname(containingFile), name).replace(/\.js$/, '');
      const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => virtual.has(candidate));
      if (found !== undefined) return { resolvedFileName: found, extension: ts.Extension.Ts };
      // The runtime's own declaration files import each other (resolved once per process).
      const key = `${options.module ?? ts.ModuleKind.CommonJS}:${containingFile}:${name}`;
      if (!resolutionCache.has(key)) resolutionCache.set(key, ts.resolveModuleName(name, containingFile, compilerOptions, host).resolvedModule);
      return resolutionCache.get(key);
    });

  const program = ts.createProgram([...virtual.keys()], compilerOptions, host);
  const emitted = plugins.map((plugin) => {
    const pluginDiagnostics: ts.Diagnostic[] = [];
    const js: Record<string, string> = {};
    const transformers = plugin === false ? undefined : { before: [coarsegrad(program, plugin ?? {}, { ts, addDiagnostic: (d) => void pluginDiagnostics.push(d) })] };
    program.emit(
      undefined,
      (fileName, text) => {
        if (fileName.endsWith('.js')) js[path.relative('/out', fileName).replace(/\.js$/, '.ts')] = text;
      },
      undefined,
      false,
      transformers,
    );
    return { js, pluginDiagnostics };
  });
  const typeDiagnostics = ts.getPreEmitDiagnostics(program);
  return emitted.map(({ js, pluginDiagnostics }) => ({ js, diagnostics: [...typeDiagnostics, ...pluginDiagnostics], pluginDiagnostics }));
}

/** Formats diagnostics as `file(line,col): message` lines, for assertions and failure messages. */
export function describeDiagnostics(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.basename(d.file.fileName)}(${line + 1},${character + 1}): TS${d.code}: ${message}`;
  });
}

/** Runs emitted CommonJS modules; `coarsegrad` resolves to this package's runtime. */
export function load(js: Readonly<Record<string, string>>, entry = 'main.ts'): Record<string, any> {
  const cache = new Map<string, { exports: Record<string, any> }>();
  const requireFrom = (name: string, from: string): unknown => {
    if (name === 'coarsegrad') return require(runtimeEntry);
    const resolved = path.normalize(path.join(path.dirname(from), name)).replace(/\.js$/, '') + '.ts';
    return run(resolved);
  };
  const run = (file: string): Record<string, any> => {
    const hit = cache.get(file);
    if (hit !== undefined) return hit.exports;
    const code = js[file];
    if (code === undefined) throw new Error(`no emitted module ${file}; have ${Object.keys(js).join(', ')}`);
    const module = { exports: {} as Record<string, any> };
    cache.set(file, module);
    new Function('exports', 'require', 'module', code)(module.exports, (n: string) => requireFrom(n, file), module);
    return module.exports;
  };
  return run(entry);
}

/** Compiles through the plugin, fails on any diagnostic, and runs `main.ts`. */
export function build(files: Readonly<Record<string, string>> | string, options: CompileOptions = {}): Record<string, any> {
  const sources = typeof files === 'string' ? { 'main.ts': files } : files;
  const result = compile(sources, options);
  if (result.diagnostics.length > 0) throw new Error(`compilation failed:\n${describeDiagnostics(result.diagnostics).join('\n')}`);
  const built = load(result.js);
  if (options.plugin === false || options.plugin?.mode === 'fine') return built;
  // Every program built in the default mode is built in the fine mode too, and every gradient a test
  // asks of it through the registry is computed both ways and compared (DESIGN.md §7).
  const fine = compile(sources, { ...options, plugin: { ...options.plugin, mode: 'fine' } });
  if (fine.diagnostics.length > 0) {
    const lines = fine.diagnostics.map((d) => (d.file === undefined || d.start === undefined ? '' : `\n    ${d.file.text.split('\n')[d.file.getLineAndCharacterOfPosition(d.start).line]!.trim()}`));
    throw new Error(`compilation in the fine mode failed:\n${describeDiagnostics(fine.diagnostics).map((text, i) => text + lines[i]).join('\n')}`);
  }
  crossCheck(built, load(fine.js));
  return built;
}

/** Largest relative difference tolerated between the coarse and the fine gradient, norm-wise. */
export const fineTolerance = 1e-12;

/** Gradients compared between the modes so far in this process. */
let crossChecked = 0;

export function crossCheckedCount(): number {
  return crossChecked;
}

/**
 * Re-registers each marked function of `coarse` (exported functions, and methods of exported
 * classes) with companions that also run `fine`'s and throw if they disagree.
 */
function crossCheck(coarse: Record<string, any>, fine: Record<string, any>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const registry = require(path.join(root, 'dist', 'runtime', 'registry.js')) as typeof import('../runtime/registry.js');
  const pair = (a: unknown, b: unknown, what: string): void => {
    if (typeof a !== 'function' || typeof b !== 'function') return;
    let c: ReturnType<typeof registry.companionsOf>;
    let d: ReturnType<typeof registry.companionsOf>;
    try {
      c = registry.companionsOf(a, 'crossCheck');
      d = registry.companionsOf(b, 'crossCheck');
    } catch {
      return;
    }
    const both = <R>(mine: (...args: any[]) => R, theirs: (...args: any[]) => R, gradientOf: (r: R) => unknown[]) =>
      function (this: unknown, ...args: any[]): R {
        // The fine companion gets the arguments as they were: a function may write its arrays.
        const before = args.map(copyOf);
        // And its own object as it was: a method may change `this` in place.
        const self = typeof this === 'object' && this !== null ? Object.assign(Object.create(Object.getPrototypeOf(this)), copyOf({ ...this })) : this;
        const result = mine.apply(this, args);
        const other = theirs.apply(self, before);
        compareGradients(gradientOf(result), gradientOf(other), `${what} at (${args.map(show).join(', ')})`);
        crossChecked++;
        return result;
      };
    const withThis = typeof c.withThis === 'function' && typeof d.withThis === 'function' ? both(c.withThis, d.withThis, (r) => r[1]) : c.withThis;
    registry.register(a, both(c.valueAndGrad, d.valueAndGrad, (r) => r[1]), both(c.grad, d.grad, (r) => r), c.arity, withThis);
  };
  for (const [name, value] of Object.entries(coarse)) {
    pair(value, fine[name], name);
    if (typeof value === 'function' && value.prototype !== undefined) {
      for (const key of Object.getOwnPropertyNames(value.prototype)) if (key !== 'constructor') pair(value.prototype[key], fine[name]?.prototype?.[key], `${name}.${key}`);
      for (const key of Object.getOwnPropertyNames(value)) if (key !== 'prototype') pair(value[key], fine[name]?.[key], `${name}.${key}`);
    }
  }
}

/** A deep copy of an argument where one can be made (data), else the argument itself. */
function copyOf(a: unknown): unknown {
  if (typeof a !== 'object' || a === null) return a;
  try {
    return structuredClone(a);
  } catch {
    return a;
  }
}

function show(v: unknown): string {
  return ArrayBuffer.isView(v) || Array.isArray(v) ? `[${Array.from(v as ArrayLike<number>).join(', ')}]` : String(v);
}

/**
 * Coarse and fine gradient tuples agree, norm-wise: every difference within `fineTolerance` of the
 * largest entry of the whole gradient (a component that is 0 in exact arithmetic is rounding noise in
 * both, and may differ in sign).
 */
function compareGradients(coarse: readonly unknown[], fine: readonly unknown[], what: string): void {
  if (coarse.length !== fine.length) throw new Error(`fine mode: ${what}: ${fine.length} gradients, coarse ${coarse.length}`);
  // An object parameter's gradient is an object of the same shape: compared number by number.
  const numbers = (g: unknown): number[] => numbersIn(g).map(([, n]) => n);
  const scale = Math.max(0, ...[...coarse, ...fine].flatMap(numbers).filter(Number.isFinite).map(Math.abs));
  coarse.forEach((c, i) => {
    const f = fine[i];
    if (c === undefined || f === undefined) {
      // The fine mode tapes integer-only parameters and gets 0 where the coarse mode knows there is no derivative.
      if (c !== f && !(c === undefined && f === 0) && !(f === undefined && c === 0)) throw new Error(`fine mode: ${what}: gradient ${i} is ${String(f)}, coarse ${String(c)}`);
      return;
    }
    const a = numbers(c);
    const b = numbers(f);
    if (a.length !== b.length) throw new Error(`fine mode: ${what}: gradient ${i} has ${b.length} entries, coarse ${a.length}`);
    a.forEach((x, k) => {
      const y = b[k]!;
      // Below the smallest normal number, values are rounding's leftovers (an underflowing product).
      const same = Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= Math.max(fineTolerance * scale, 2 ** -1022);
      if (!same) throw new Error(`fine mode: ${what}: gradient ${i}[${k}] is ${y}, coarse ${x}`);
    });
  });
}

/** The prelude every test program starts with. */
export const prelude = `import { grad, valueAndGrad, differentiable } from 'coarsegrad';\nexport { grad, valueAndGrad, differentiable };\n`;
