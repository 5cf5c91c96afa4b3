/**
 * Diagnostics (DESIGN.md §9). Deep code throws one typed error, `Unsupported`, at the node it cannot
 * handle; only the per-function boundary in the driver catches it and reports it as a TypeScript
 * diagnostic at that node's position. ERRORS.md lists every code with its cause and fix.
 */
import type ts from 'typescript';

export const codes = {
  /** A statement or expression kind the pipeline does not differentiate (yet). */
  unsupportedSyntax: 95001,
  /** A call whose callee's source the transformer cannot see. */
  unknownCallee: 95002,
  /** A value from another module or scope that the companion cannot read. */
  unreachableName: 95003,
  /** A parameter of a type that cannot be differentiated or passed through. */
  unsupportedParameter: 95004,
  /** Recursion among the functions called from a marked function. */
  recursion: 95005,
  /** Writing to state outside the marked function. */
  mutation: 95006,
  /** The function does not return a number on every path. */
  noNumericResult: 95007,
  /** The plugin entry in tsconfig has an invalid option. */
  invalidOption: 95008,
  /** A bug in coarsegrad: the function is left without a companion, and the build fails. */
  internal: 95999,
} as const;

export type DiagnosticCode = (typeof codes)[keyof typeof codes];

export class Unsupported extends Error {
  constructor(
    readonly code: DiagnosticCode,
    readonly node: ts.Node,
    message: string,
  ) {
    super(message);
    this.name = 'Unsupported';
  }
}

export function unsupported(code: DiagnosticCode, node: ts.Node, message: string): never {
  throw new Unsupported(code, node, message);
}

export function diagnosticAt(tsApi: typeof ts, node: ts.Node, code: DiagnosticCode, message: string): ts.Diagnostic {
  const file = node.getSourceFile();
  const start = node.getStart(file);
  return {
    file,
    start,
    length: Math.max(0, node.getEnd() - start),
    messageText: `coarsegrad: ${message}`,
    category: tsApi.DiagnosticCategory.Error,
    code,
    source: 'coarsegrad',
  };
}
