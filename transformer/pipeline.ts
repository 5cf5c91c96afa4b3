/**
 * The pipeline for one marked function (DESIGN.md §3), stage by stage. Segmentation runs before
 * differentiation because it decides what is differentiated as one symbolic unit.
 */
import type ts from 'typescript';
import { codes, Unsupported } from './diagnostics.js';
import { emitCompanion, type CompanionBody, type Gradient } from './emit/emit.js';
import { ScheduleCycle } from './coarse/schedule.js';
import type { CoreProgram, SourceParameter, Var } from './front/core.js';
import { isFlat, leafPositions, packCompanion, sourcePosition } from './emit/pack.js';
import { printFunction } from './front/core-print.js';
import { emitFineCompanion } from './fine/fine.js';
import { show, operationCount, type Node } from './coarse/ir.js';
import { primitive } from './rules.js';
import { newStats, type SimplifyOptions, type SimplifyStats } from './coarse/simplify.js';
import { lowerFunction } from './coarse/lower.js';
import type { LoweredFunction } from './coarse/lowering.js';
import { segmentsOfInterest, wholeFunction, type Segmentation } from './coarse/soi.js';
import { differentiate, type Derivative } from './coarse/symbolic.js';

export interface CompiledFunction {
  readonly valueAndGrad: CompanionBody;
  readonly grad: CompanionBody;
  /** A companion for `grad(f, { wrt })` at a call site that names `wrt`: only that work is emitted. */
  readonly specialize: (wrt: readonly number[], withValue: boolean) => CompanionBody;
  readonly arity: number;
  /** What the stages produced, for `debug` and `report`. */
  readonly trace: string;
  /** Coarsening stopped, and the whole function went to the operation tape (not the fine mode's choice). */
  readonly residue: boolean;
  /** The last parameter is a rest parameter: its gradient is one entry per argument, which a call site's `wrt` cannot name. */
  readonly rest?: boolean;
  /** How far apart the rows of each array of arrays must be laid out, by its flat leaf (`pack.ts`); 1 by default. */
  readonly rowReach?: ReadonlyMap<number, number>;
}

export interface PipelineContext {
  readonly ts: typeof ts;
  readonly checker: ts.TypeChecker;
  readonly factory: ts.NodeFactory;
  readonly file: ts.SourceFile;
  /** The name the file imports the runtime as. */
  readonly runtime: string;
  /** The name the file keeps the runtime's `outputs` under (the pool of reused gradient arrays). */
  readonly outputs: string;
  readonly mode: 'coarse' | 'fine';
  /** The largest segment, in operations (`soi.ts`). */
  readonly segmentLimit: number;
  /** Guarded simplification of small partials by Algebrite (`simplify.ts`), with the build's budget; none if undefined. */
  readonly simplify: SimplifyOptions | undefined;
  /** Add the front end's core to the trace. */
  readonly debug: boolean;
}

/**
 * Coarse by default. Where coarsening cannot take the function (a loop nest or an array use it does
 * not coarsen yet), the whole function goes to the operation tape instead, as the fine mode would
 * differentiate it, and the report says why; if that cannot take it either, the coarse diagnostic
 * stands.
 */
export function compileFunction(ctx: PipelineContext, program: CoreProgram, name: string): CompiledFunction {
  const compiled = packed(ctx, program, compileProgram(ctx, program, name));
  const leaf = (v: Var) => program.main.params.findIndex((p) => p.var === v);
  const position = (v: Var) => sourcePosition(signatureOf(program), leaf(v));
  const discrete = [...program.discrete].map(([v, why]) => `  ${v.name} (parameter ${position(v)}): taken as discrete (an integer), its gradient entry is 0: ${why}`);
  if (ctx.debug) discrete.push('  core, from the front end:', ...printFunction(program.main).split('\n').map((line) => `    ${line}`));
  return discrete.length === 0 ? compiled : { ...compiled, trace: [compiled.trace, ...discrete].join('\n') };
}

/**
 * A method compiled with its `this` as its last parameter (`desugar`'s `withReceiver`), as the
 * method's own companions: over its parameters alone, `this` read from `this` and not
 * differentiated. `why` says, for the report, why these companions were chosen.
 */
export function overParameters(withReceiver: CompiledFunction, why: string): CompiledFunction {
  const positions = Array.from({ length: withReceiver.arity - 1 }, (_, i) => i);
  return {
    ...withReceiver,
    valueAndGrad: withReceiver.specialize(positions, true),
    grad: withReceiver.specialize(positions, false),
    arity: positions.length,
    trace: `${withReceiver.trace}\n  its companions take 'this' as a parameter, because ${why}`,
  };
}

/** The marked function's parameters as declared: its core parameters, unless it takes objects. */
function signatureOf(program: CoreProgram): readonly SourceParameter[] {
  return program.main.signature ?? program.main.params.map((p, index) => ({ name: p.var.name, default: p.companionDefault, tree: { kind: 'leaf', index, optional: false } }));
}

/** Companions over the source's parameters (`pack.ts`): `wrt` names those, the modes see leaves. */
function packed(ctx: PipelineContext, program: CoreProgram, compiled: CompiledFunction): CompiledFunction {
  const signature = signatureOf(program);
  if (isFlat(signature)) return compiled;
  const all = signature.map((_, i) => i);
  const rowReach = compiled.rowReach ?? new Map<number, number>();
  const pack = (positions: readonly number[], withValue: boolean) =>
    packCompanion(ctx.ts, ctx.factory, signature, compiled.specialize(leafPositions(signature, positions), withValue), positions, withValue, rowReach);
  const rest = signature.some((p) => p.tree.kind === 'leaf' && p.tree.rest === true);
  return { ...compiled, valueAndGrad: pack(all, true), grad: pack(all, false), specialize: pack, arity: signature.length, ...(rest ? { rest } : {}) };
}

function compileProgram(ctx: PipelineContext, program: CoreProgram, name: string): CompiledFunction {
  if (ctx.mode === 'fine') return compileFine(ctx, program, `${name}: fine-grained mode; every operation on the operation tape`);
  try {
    try {
      return compileCoarse(ctx, program, name, true);
    } catch (e) {
      // Loops merged with their twins share passes; should those close a cycle, each loop is its own.
      if (!(e instanceof ScheduleCycle)) throw e;
      return compileCoarse(ctx, program, name, false);
    }
  } catch (coarse) {
    if (!(coarse instanceof Unsupported) && !(coarse instanceof ScheduleCycle)) throw coarse;
    const why = coarse instanceof Unsupported ? `coarsening stopped at line ${lineOf(coarse.node)}: ${coarse.message}` : `the coarse companion could not be scheduled: ${coarse.message}`;
    let fine: CompiledFunction;
    try {
      fine = { ...compileFine(ctx, program, `${name}: residue: the whole function is differentiated on the operation tape, because ${why}`), residue: true };
    } catch (fine) {
      // What the tape cannot take either keeps the coarse diagnostic, unless coarsening stopped only
      // because recursion is the tape's to take; a bug in the fine mode surfaces.
      throw fine instanceof Unsupported && !(coarse instanceof Unsupported && coarse.code === codes.recursion) ? coarse : fine;
    }
    return fine;
  }
}

function lineOf(node: ts.Node): number {
  const file = node.getSourceFile();
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

function compileFine(ctx: PipelineContext, program: CoreProgram, trace: string): CompiledFunction {
  const source = { program, file: ctx.file, runtime: ctx.runtime };
  const emit = (withValue: boolean, wrt?: readonly number[]) => emitFineCompanion(ctx.ts, ctx.factory, source, withValue, wrt);
  return { valueAndGrad: emit(true), grad: emit(false), specialize: (wrt, withValue) => emit(withValue, wrt), arity: program.main.params.length, trace, residue: false };
}

function compileCoarse(ctx: PipelineContext, program: CoreProgram, name: string, twins: boolean): CompiledFunction {
  const lowered = lowerFunction(program, twins);
  const primalNodeCount = lowered.graph.nodes.length;
  const segmentation = segmentsOfInterest([lowered.output], wholeFunction, ctx.segmentLimit);
  const stats = newStats();
  lowered.graph.beginDerivatives();
  const derivative = differentiate(lowered.graph, [[lowered.output, lowered.graph.constant(1)]], wholeFunction, { limit: ctx.segmentLimit, simplify: ctx.simplify, stats });
  const zero = lowered.graph.constant(0);
  const gradients = lowered.params.map((p, index): Gradient => {
    if (p.discrete) return zero;
    if (p.node !== undefined) return derivative.adjoints.get(p.node) ?? zero;
    if (p.elements === undefined) return undefined;
    return {
      elements: [...p.elements].map(([k, n]) => [k, derivative.adjoints.get(n) ?? zero] as const),
      scatters: derivative.scatters.filter((s) => s.param === index),
    };
  });
  const source = { lowered, gradients, adjointHints: adjointHints(lowered, derivative), primalNodeCount, runtime: ctx.runtime, outputs: ctx.outputs, watched: [...derivative.adjoints.values()] };
  const valueAndGrad = emitCompanion(ctx.ts, ctx.factory, source, true);
  return {
    valueAndGrad,
    grad: emitCompanion(ctx.ts, ctx.factory, source, false),
    specialize: (wrt, withValue) => {
      try {
        return emitCompanion(ctx.ts, ctx.factory, { ...source, selection: wrt }, withValue);
      } catch (e) {
        if (!(e instanceof ScheduleCycle) || !twins) throw e;
        return compileCoarse(ctx, program, name, false).specialize(wrt, withValue);
      }
    },
    arity: lowered.params.length,
    trace: [describe(name, lowered, segmentation, derivative, gradients, primalNodeCount, stats), ...storage(valueAndGrad)].join('\n'),
    residue: false,
    rowReach: lowered.rowReach,
  };
}

/** Store or recompute (DESIGN.md §6): what the companion keeps for a later pass over a loop, and what it computes again. */
function storage(companion: CompanionBody): string[] {
  const { kept, recomputed } = companion.storage?.() ?? { kept: [], recomputed: [] };
  const listed = (items: readonly string[], most = 8) => [...items.slice(0, most).map((t) => `    ${t}`), ...(items.length > most ? [`    and ${items.length - most} more`] : [])];
  return [
    ...(kept.length > 0 ? [`  kept per iteration for a later pass, in scratch buffers reused across calls (${kept.length}):`, ...listed(kept)] : []),
    ...(recomputed.length > 0 ? [`  computed again in a later pass, cheaper than keeping (${recomputed.length}):`, ...listed(recomputed)] : []),
  ];
}

/** `dx` for the adjoint of `x`: the reverse sweep's names mirror the forward sweep's. */
function adjointHints(lowered: LoweredFunction, derivative: Derivative): Map<Node, string> {
  const hints = new Map<Node, string>();
  for (const [cut, adjoint] of derivative.adjoints) {
    const name = cut.kind === 'param' ? `${cut.name}${cut.element ?? ''}` : lowered.nameHints.get(cut);
    if (name !== undefined && adjoint.kind === 'apply' && !hints.has(adjoint)) hints.set(adjoint, `d${name}`);
  }
  return hints;
}

function describe(name: string, lowered: LoweredFunction, segmentation: Segmentation, derivative: Derivative, gradients: readonly Gradient[], primalNodeCount: number, stats: SimplifyStats): string {
  const lines = [`${name}: ${lowered.params.length} parameters, output ${show(lowered.output)}`];
  if (lowered.loops.length > 0) lines.push('  loops:', ...lowered.loops.map((l) => `    ${l}`));
  lines.push(`  segments (${segmentation.segments.length}), cut where a value is used more than once:`);
  for (const { segment, partials } of derivative.segments) {
    lines.push(`    ${show(segment.root)}  [${segment.nodes.length} operations; inputs ${segment.inputs.map((n) => show(n)).join(', ') || 'none'}]`);
    for (const [input, partial] of partials) lines.push(`      ∂/∂${show(input)} = ${show(partial)}`);
  }
  if (stats.tried > 0) lines.push(`  Algebrite: ${stats.tried} partials tried, ${stats.accepted} simplified, ${stats.rejected} refused by the guard (${stats.ms.toFixed(0)} ms)`);
  const phis = lowered.graph.nodes.filter((n) => n.kind === 'apply' && n.op === 'select' && n.id < primalNodeCount);
  if (phis.length > 0) lines.push(`  φ nodes (${phis.length}):`, ...phis.map((n) => `    ${show(n)}`));
  // An array's gradient: its elements' adjoints, and what its scatters add at run-time indices.
  const grads = gradients.flatMap((g) => (g === undefined ? [] : 'elements' in g ? [...g.elements.map(([, n]) => n), ...g.scatters] : [g]));
  const primal = operationCount([lowered.output]);
  // The fine mode runs the primal, records one entry per active operation (its partials, about one
  // operation each) and sweeps each entry back with two multiply-adds.
  const taped = operationCount([lowered.output], (n) => n.active && !primitive(n.op).boolean);
  lines.push(
    `  operations: primal ${primal}, gradient ${operationCount(grads)}, value and gradient ${operationCount([lowered.output, ...grads])}; ` +
      `fine-grained value and gradient about ${primal + 5 * taped} (${taped} tape entries)`,
  );
  return lines.join('\n');
}
