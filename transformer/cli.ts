#!/usr/bin/env node
/**
 * `npx coarsegrad explain <file.ts>`: what the plugin makes of each marked function of a file (its
 * loops and how each was classified, its segments and their partials, operation counts) and the
 * companions it writes, without building the project.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import coarsegrad from './index.js';

const usage = 'usage: coarsegrad explain <file.ts>';

function main(argv: readonly string[]): number {
  const [command, file] = argv;
  if (command !== 'explain' || file === undefined) {
    console.error(usage);
    return 2;
  }
  const fileName = path.resolve(file);
  if (!fs.existsSync(fileName)) {
    console.error(`coarsegrad explain: no such file ${file}`);
    return 2;
  }
  const options = compilerOptions(fileName);
  const program = ts.createProgram([fileName], { ...options, noEmit: false, outDir: undefined, declaration: false, sourceMap: false });
  const diagnostics: ts.Diagnostic[] = [];
  const traces: string[] = [];
  const log = console.log;
  console.log = (text: string) => void traces.push(text);
  try {
    const source = program.getSourceFile(fileName)!;
    // Emitted to nowhere: the report is what is wanted.
    program.emit(
      source,
      () => undefined,
      undefined,
      false,
      { before: [coarsegrad(program, { report: true }, { ts, addDiagnostic: (d) => void diagnostics.push(d) })] },
    );
  } finally {
    console.log = log;
  }
  // The report ends with each function's companions.
  for (const trace of traces) console.log(`${trace}\n`);
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    console.error(ts.formatDiagnostics(diagnostics, host));
    return 1;
  }
  return 0;
}

/** The options of the nearest tsconfig.json, or sensible defaults for a lone file. */
function compilerOptions(fileName: string): ts.CompilerOptions {
  const config = ts.findConfigFile(path.dirname(fileName), ts.sys.fileExists);
  if (config === undefined) return { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, strict: true, skipLibCheck: true };
  const read = ts.readConfigFile(config, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config)).options;
}

process.exitCode = main(process.argv.slice(2));
