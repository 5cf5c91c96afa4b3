/**
 * emit: IR → TypeScript AST (DESIGN.md §3). A companion is straight-line code with branches where
 * the function has them: every value used more than once is named and computed once, in the region
 * that `schedule.ts` placed it in; single-use expressions stay inline; a φ becomes `c ? a : b`, or an
 * `if`/`else` when its arms need work of their own. The result reads as a careful person would write
 * it by hand: the forward sweep, then the reverse sweep of adjoints.
 */
import type ts from 'typescript';
import { show, valueOperands, type Loop, type Node, type OpaqueExpr, type RecurrenceNode, type ScatterNode } from '../coarse/ir.js';
import type { LoweredFunction, ThrowSite } from '../coarse/lowering.js';
import { Namer } from './names.js';
import { primitive } from '../rules.js';
import { infix, numberLiteral } from './syntax.js';
import { argsOf, isPhi, passOf, place, ScheduleCycle, type PhiNode, type Placement, type Region } from '../coarse/schedule.js';
import { worthKeeping } from '../coarse/keep.js';
import { KeptValues } from './kept-values.js';
import { Growth } from '../coarse/growth.js';
import { scheduleItems, type Item } from './items.js';
import { BlockBuilder } from './blocks.js';
import { TapedLoops, type LoopHost } from './taped-loops.js';

/**
 * The gradient of an array parameter: the adjoint of each element read at a constant index, and the
 * adjoints of elements read at run-time indices inside loops (the others are 0).
 */
export interface ArrayGradient {
  readonly elements: readonly (readonly [number, Node])[];
  readonly scatters: readonly ScatterNode[];
}

/** A parameter's gradient: a node for a number, an `ArrayGradient`, `undefined` for no derivative. */
export type Gradient = Node | ArrayGradient | undefined;

export interface CompanionSource {
  readonly lowered: LoweredFunction;
  readonly gradients: readonly Gradient[];
  /** Hints for adjoint nodes (`dx` for the adjoint of `x`). */
  readonly adjointHints: ReadonlyMap<Node, string>;
  /** Nodes created before differentiation began: the forward sweep. */
  readonly primalNodeCount: number;
  /** The parameter positions whose gradients to return, in order (`wrt`); all of them by default. */
  readonly selection?: readonly number[];
  /** The name the file imports the runtime as (for the tape). */
  readonly runtime: string;
  /** The name the file keeps the runtime's `outputs` under: where a reusing gradient's arrays come from. */
  readonly outputs: string;
  /**
   * The adjoints of the cuts and the parameters. One overflows where the primal is finite when a
   * chain of partials is beyond the range of doubles, every factor finite (`growth.ts`): the usual
   * companion checks those it has at hand that can meet such an overflow, and runs again as the
   * careful one if any is not finite.
   */
  readonly watched?: readonly Node[];
}

export interface CompanionBody {
  readonly parameters: ts.ParameterDeclaration[];
  readonly body: ts.Block;
  /** Variables to declare beside the companion, undefined at first: its scratch buffers between calls. */
  readonly state?: readonly ts.Identifier[];
  /**
   * For the report, asked only by it (printing values costs a build time): the values kept for a
   * later pass rather than computed again, and those computed again, as cheaper than keeping them.
   */
  readonly storage?: () => { readonly kept: readonly string[]; readonly recomputed: readonly string[] };
}

/**
 * The body of a companion. `withValue` returns `[value, gradients]`; without it only `gradients`,
 * and work that only the value needs is not emitted.
 */
export function emitCompanion(tsApi: typeof ts, factory: ts.NodeFactory, source: CompanionSource, withValue: boolean): CompanionBody {
  try {
    return new Emitter(tsApi, factory, source, withValue, false, true).emit();
  } catch (e) {
    // Reading a kept value orders its pass after the writer's; should that close a cycle among the
    // passes, the companion recomputes instead.
    if (!(e instanceof ScheduleCycle)) throw e;
    return new Emitter(tsApi, factory, source, withValue, false, false).emit();
  }
}

class Emitter implements LoopHost {
  readonly namer: Namer;
  private readonly loops: TapedLoops;
  private readonly keptValues: KeptValues;
  private readonly paramNames: string[];
  private readonly names = new Map<Node, string>();
  private readonly loopNames = new Map<Loop, string>();
  private readonly roots: Node[];
  readonly placement: Placement;
  private readonly blockForm = new Map<Node, boolean>();
  private readonly named = new Map<Node, boolean>();
  private readonly itemsOf = new Map<Node, Item[]>();
  private readonly hiddenNames: string[] = [];
  /**
   * Where the careful arm of a φ on a rare condition (`rules.ts`) would be computed, the usual
   * companion only raises this flag, and runs again as the careful one once it is done.
   */
  private readonly raised: Node = { kind: 'opaque', id: -1, active: false, expr: { kind: 'free', name: 'rare', node: undefined } };
  private rareFlag: string | undefined;

  constructor(
    readonly ts: typeof import('typescript'),
    readonly f: ts.NodeFactory,
    private readonly source: CompanionSource,
    private readonly withValue: boolean,
    /** Computes both arms of a φ on a rare condition: the companion run again where one held. */
    private readonly careful: boolean,
    /** Keeps values worth keeping for later passes (`keep.ts`); the careful companion, run rarely, recomputes. */
    keeping: boolean,
  ) {
    this.namer = new Namer(source.lowered.freeNames);
    this.loops = new TapedLoops(this);
    this.keptValues = new KeptValues(this);
    this.paramNames = source.lowered.params.map((p) => this.namer.fresh(p.name));
    const { lowered } = source;
    const gradients = this.selected();
    this.roots = [...(withValue ? [lowered.output] : []), ...gradients.filter((g): g is Node => g !== undefined && !isArrayGradient(g))];
    const arrayRoots = gradients.flatMap((g) => (g !== undefined && isArrayGradient(g) ? [...g.elements.map(([, n]) => n), ...g.scatters] : []));
    const recurrences = new Map(source.lowered.graph.nodes.flatMap((n) => (n.kind === 'recurrence' ? [[n.loop, n] as const] : [])));
    this.placement = place([...this.roots, ...arrayRoots, ...lowered.throws.flatMap(throwNodes)], (loop) => recurrences.get(loop), (phi) => this.arms(phi), keeping && !careful ? worthKeeping : undefined);
    if (!careful) this.watched = this.watchable(gradients);
    // In id order, so that a φ nested in an arm is decided before the φ around it.
    for (const n of [...this.placement.regions.keys()].sort((a, b) => a.id - b.id)) this.decideNaming(n);
  }

  get runtime(): string {
    return this.source.runtime;
  }

  get graph(): LoweredFunction['graph'] {
    return this.source.lowered.graph;
  }

  /** The gradients to return, in order, each with its parameter's position. */
  private selected(): Gradient[] {
    const { gradients, selection } = this.source;
    return (selection ?? gradients.map((_, i) => i)).map((i) => gradients[i]);
  }

  emit(): CompanionBody {
    const f = this.f;
    const { lowered } = this.source;
    const root = this.placement.root;
    const positions = this.source.selection ?? lowered.params.map((_, i) => i);
    const gradients = this.selected();
    this.nameNodes();
    const items = this.valueItems();
    const gradientNames = gradients.map((g, k) => (g !== undefined && isArrayGradient(g) ? this.namer.fresh(`d${lowered.params[positions[k]!]!.name}`) : undefined));
    gradients.forEach((g, k) => {
      if (g !== undefined && isArrayGradient(g)) items.push(...this.arrayGradientItems(g, gradientNames[k]!, positions[k]!));
    });
    items.push(...lowered.throws.map((t) => this.throwItem(t)));
    this.connect(items);

    const builder = new BlockBuilder(
      this.ts,
      f,
      root,
      (n, region) => this.expression(n, region),
      (loop) => this.loopName(loop),
      (loop, region) => this.loops.parts(loop, region),
    );
    // The sweeps are named where they begin at the top level; inside branches they interleave.
    let forwardMarked = false;
    let reverseMarked = false;
    for (const item of scheduleItems(items, root)) {
      const statements = [item.statement()].flat();
      const reverse = item.order >= this.source.primalNodeCount;
      if (item.region === root && statements.length > 0 && !(reverse ? reverseMarked : forwardMarked)) {
        statements[0] = this.comment(statements[0]!, reverse ? ' reverse sweep: adjoints flow from cut to cut' : ' forward sweep: values used more than once');
      }
      forwardMarked = true;
      reverseMarked ||= reverse;
      // An item with no statements still opens its region: a loop whose work is all in its step.
      if (statements.length === 0) builder.enter(item.region);
      for (const statement of statements) builder.add(item.region, statement);
    }
    const gradientArray = f.createArrayLiteralExpression(
      gradients.map((g, i) => (g === undefined ? f.createIdentifier('undefined') : isArrayGradient(g) ? f.createIdentifier(gradientNames[i]!) : this.expression(g, root))),
    );
    const result = this.withValue ? f.createArrayLiteralExpression([this.expression(lowered.output, root), gradientArray]) : gradientArray;
    const watch = this.careful ? undefined : this.watch();
    if (watch !== undefined) builder.add(root, watch);
    const tapeStart = this.loops.usesTape || this.tapeStartName !== undefined ? (this.tapeStartName ??= this.namer.fresh('tapeStart')) : undefined;
    // The tape as the companion found it: a reverse loop not run leaves values behind.
    if (tapeStart !== undefined) builder.add(root, f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(this.loops.tapeExpression(), 'seek'), undefined, [f.createIdentifier(tapeStart)])));
    for (const statement of this.keptValues.giveBack()) builder.add(root, statement);
    if (this.rareFlag !== undefined) builder.add(root, this.rerun(this.rareFlag));
    builder.add(root, f.createReturnStatement(result));

    const declared = [...[...this.names].filter(([n]) => !this.isConst(n)).map(([, name]) => name), ...this.hiddenNames].map((name) => f.createVariableDeclaration(name));
    const statements = builder.finish();
    if (tapeStart !== undefined) {
      statements.unshift(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(tapeStart, undefined, undefined, f.createPropertyAccessExpression(this.loops.tapeExpression(), 'size'))], this.ts.NodeFlags.Const)));
    }
    const tape = this.loops.tapeDeclaration();
    if (tape !== undefined) statements.unshift(tape);
    statements.unshift(...this.keptValues.take());
    if (declared.length > 0) statements.unshift(f.createVariableStatement(undefined, f.createVariableDeclarationList(declared, this.ts.NodeFlags.Let)));
    if (this.strongProduct !== undefined) statements.unshift(this.strongProductDeclaration(this.strongProduct));
    const parameters = lowered.params.map((p, i) => f.createParameterDeclaration(undefined, undefined, this.paramNames[i]!, undefined, undefined, p.defaultValue));
    const storage = () => ({ kept: this.keptValues.describe(), recomputed: [...this.placement.recomputed].filter((n) => n.kind === 'apply').map((n) => show(n, 100)) });
    return { parameters, body: f.createBlock(statements, true), ...(this.keptValues.any ? { state: this.keptValues.state } : {}), storage };
  }

  /**
   * `if (rare) return ((x, …) => { … })(x, …);`: the careful companion, run from the start. It
   * reads the same parameters (a companion writes none of them) and declares its own temporaries;
   * an arrow keeps a method's `this`, and is made only on the rare path.
   */
  private rerun(flag: string): ts.Statement {
    const f = this.f;
    // The parameters are passed, not captured: an arrow reading the companion's parameters would
    // make V8 keep them in a context object, and every x[i] in the usual path's loops a load from
    // it (BGDHyperOpt 15% slower).
    const parameters = this.paramNames.map((name) => f.createParameterDeclaration(undefined, undefined, name));
    const run = f.createCallExpression(
      f.createParenthesizedExpression(f.createArrowFunction(undefined, undefined, parameters, undefined, f.createToken(this.ts.SyntaxKind.EqualsGreaterThanToken), this.carefulCompanion().body.body)),
      undefined,
      this.paramNames.map((name) => f.createIdentifier(name)),
    );
    return this.comment(
      f.createIfStatement(f.createIdentifier(flag), f.createReturnStatement(run)),
      ' a rare case held (a norm below 2^-500, an argument past 2^500, a split sum or an adjoint not finite): again, in the careful form',
    );
  }

  private careful$: { body: CompanionBody; differs: boolean } | undefined;

  /** The careful companion, and whether it computes anything differently from this one. */
  private carefulCompanion(): { body: CompanionBody; differs: boolean } {
    if (this.careful$ === undefined) {
      const emitter = new Emitter(this.ts, this.f, this.source, this.withValue, true, false);
      const body = emitter.emit();
      this.careful$ = { body, differs: emitter.strongProduct !== undefined || this.rareFlag !== undefined };
    }
    return this.careful$;
  }

  /**
   * `if (a - a + (b - b) !== 0) rare = 1;` over the watched adjoints this companion names in its own
   * region (NaN exactly where one is ±∞ or NaN): an adjoint that overflowed, a chain of partials
   * past the range of doubles, makes `∞ · 0` where it meets a partial that is 0, and the careful
   * companion, whose products take 0 as a strong zero as the operation tape does, gives the true 0
   * there. Not made where the careful companion would compute the same.
   */
  private watch(): ts.Statement | undefined {
    const f = this.f;
    if (this.watched.size === 0 || !this.carefulCompanion().differs) return undefined;
    const residues = [...this.watched].map((n) => f.createParenthesizedExpression(f.createSubtract(f.createIdentifier(this.names.get(n)!), f.createIdentifier(this.names.get(n)!))));
    const total = residues.slice(1).reduce<ts.Expression>((a, b) => f.createAdd(a, b), residues[0]!);
    return f.createIfStatement(f.createStrictInequality(total, f.createNumericLiteral(0)), f.createExpressionStatement(this.raise()));
  }

  /** The name of the tape's size on entry, once something needs it. */
  private tapeStartName: string | undefined;

  /**
   * `if (guard) throw new RangeError('…' + n);` where the primal throws, as early as what it reads
   * allows: the companion throws the primal's error there, the tape left as it found it.
   */
  private throwItem(t: ThrowSite): Item {
    const f = this.f;
    const root = this.placement.root;
    const nodes = throwNodes(t);
    const statement = (): ts.Statement => {
      const message = (pieces: readonly (string | Node)[]): ts.Expression => {
        const parts = pieces.map((p) => (typeof p === 'string' ? f.createStringLiteral(p) : this.expression(p, root)));
        // A string first, so that numbers after it are joined, not added.
        if (pieces.length > 1 && typeof pieces[0] !== 'string') parts.unshift(f.createStringLiteral(''));
        return parts.slice(1).reduce<ts.Expression>((a, b) => f.createAdd(a, b), parts[0] ?? f.createStringLiteral(''));
      };
      const error = f.createThrowStatement(f.createNewExpression(f.createIdentifier(t.ctor), undefined, t.args.map(message)));
      const onTape = this.source.lowered.graph.nodes.some((n) => n.kind === 'recurrence');
      const seek = () => f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(this.loops.tapeExpression(), 'seek'), undefined, [f.createIdentifier((this.tapeStartName ??= this.namer.fresh('tapeStart')))]));
      const body = f.createBlock(onTape ? [seek(), error] : [error], true);
      return t.guard === undefined ? body : f.createIfStatement(this.expression(t.guard, root), body);
    };
    return this.item(root, Math.max(-1, ...nodes.map((n) => n.id)), statement, this.readsOf(nodes, root), []);
  }

  /** The values the usual companion checks (see `watch`), each named. */
  private watched = new Set<Node>();

  /**
   * The adjoints, and the values added into gradient arrays outside loops, that this companion
   * computes once in its own region and that can meet an overflow (`growth.ts`).
   */
  private watchable(gradients: readonly Gradient[]): Set<Node> {
    const root = this.placement.root;
    const growth = new Growth(this.source.lowered.output);
    const scattered = gradients.flatMap((g) => (g !== undefined && isArrayGradient(g) ? g.scatters.filter((s) => s.within.length === 0).map((s) => s.value) : []));
    const once = (n: Node) => {
      const regions = this.placement.regions.get(n);
      return regions !== undefined && regions.length === 1 && regions[0] === root;
    };
    // A φ on a rare condition raises the flag itself where its value is not finite.
    const raising = (n: Node) => isPhi(n) && n.args[0]!.kind === 'apply' && n.args[0]!.op === 'rare';
    return new Set([...(this.source.watched ?? []), ...scattered].filter((n) => !raising(n) && once(n) && growth.meetsOverflow(n)));
  }

  /** Set where the careful companion multiplies adjoints and partials: the name of its strong product. */
  private strongProduct: string | undefined;

  /** `const times = (a, b) => (a === 0 || b === 0 ? 0 : a * b);`: 0 · ∞ is 0, as the tape's sweep has it. */
  private strongProductDeclaration(name: string): ts.Statement {
    const f = this.f;
    const [a, b] = [f.createIdentifier('a'), f.createIdentifier('b')];
    const zero = f.createNumericLiteral(0);
    const body = f.createConditionalExpression(
      f.createLogicalOr(f.createStrictEquality(a, zero), f.createStrictEquality(b, zero)),
      f.createToken(this.ts.SyntaxKind.QuestionToken),
      zero,
      f.createToken(this.ts.SyntaxKind.ColonToken),
      f.createMultiply(a, b),
    );
    const arrow = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, 'a'), f.createParameterDeclaration(undefined, undefined, 'b')], undefined, f.createToken(this.ts.SyntaxKind.EqualsGreaterThanToken), body);
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, arrow)], this.ts.NodeFlags.Const));
  }

  /** Zeros of the parameter's length, then the adjoint of each element read, added in. */
  private arrayGradientItems(g: ArrayGradient, name: string, param: number): Item[] {
    const f = this.f;
    const root = this.placement.root;
    const length = () => f.createPropertyAccessExpression(f.createIdentifier(this.paramNames[param]!), 'length');
    // `outputs.pool !== undefined ? outputs.zeros(n) : new Float64Array(n)`: the array of the last
    // call where the gradient function was made with `{ reuse: true }` (`runtime/outputs.ts`).
    const outputs = () => f.createIdentifier(this.source.outputs);
    const zeros = f.createConditionalExpression(
      f.createStrictInequality(f.createPropertyAccessExpression(outputs(), 'pool'), f.createIdentifier('undefined')),
      f.createToken(this.ts.SyntaxKind.QuestionToken),
      f.createCallExpression(f.createPropertyAccessExpression(outputs(), 'zeros'), undefined, [length()]),
      f.createToken(this.ts.SyntaxKind.ColonToken),
      f.createNewExpression(f.createIdentifier('Float64Array'), undefined, [length()]),
    );
    const allocation = this.item(root, -1, () => f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, zeros)], this.ts.NodeFlags.Const)), [], []);
    // `g[i] += v`, or `g[i] -= v` for a negated value.
    const add = (index: ts.Expression, value: Node, region: Region): ts.Statement => {
      for (let known: boolean | undefined; isPhi(value) && (known = region.known(value.args[0]!)) !== undefined; ) value = this.arms(value)[known ? 1 : 2];
      // A careful arm in the usual companion: the flag, no addition.
      if (value === this.raised) return f.createExpressionStatement(this.raise());
      const negated = value.kind === 'apply' && value.op === 'neg' && !this.names.has(value);
      const operator = negated ? this.ts.SyntaxKind.MinusEqualsToken : this.ts.SyntaxKind.PlusEqualsToken;
      const amount = this.expression(negated ? (value as Node & { args: Node[] }).args[0]! : value, region);
      return f.createExpressionStatement(f.createBinaryExpression(f.createElementAccessExpression(f.createIdentifier(name), index), operator, amount));
    };
    const items = [allocation];
    for (const [k, node] of g.elements) {
      if (node.kind === 'const' && node.value === 0) continue;
      items.push(this.item(root, node.id, () => add(f.createNumericLiteral(k), node, root), this.readsOf([node], root), [allocation]));
    }
    for (const scatter of g.scatters) {
      for (const region of this.placement.regions.get(scatter) ?? []) {
        const statement = () => add(this.expression(scatter.index, region), scatter.value, region);
        items.push(this.item(region, scatter.value.id, statement, this.readsOf([scatter.index, scatter.value], region), [allocation]));
      }
    }
    return items;
  }

  private item(region: Region, order: number, statement: () => ts.Statement | ts.Statement[], reads: readonly (readonly [Node, Region])[], after: Item[]): Item {
    return { region, order, statement, reads, after, deps: [], done: false };
  }

  loopName(loop: Loop): string {
    let name = this.loopNames.get(loop);
    if (name === undefined) {
      name = this.namer.fresh(loop.counter);
      this.loopNames.set(loop, name);
    }
    return name;
  }

  // ---- naming -----------------------------------------------------------------------------------

  private decideNaming(n: Node): void {
    const regions = this.placement.regions.get(n)!;
    const reads = this.placement.reads.get(n) ?? 0;
    const cheap =
      n.kind === 'const' || n.kind === 'index' || n.kind === 'carried' || n.kind === 'exit' || (n.kind === 'param' && n.element === undefined) || (n.kind === 'opaque' && n.expr.kind !== 'property');
    const block = isPhi(n) && this.armsNeedWork(n, regions);
    this.blockForm.set(n, block);
    // A sum or a scan is a loop's accumulator, always a variable; a scatter is a statement, not a value.
    const named =
      n.kind === 'sum' ||
      n.kind === 'scan' ||
      n.kind === 'recurrence' ||
      (!cheap && (block || reads > 1 || regions.length > 1 || this.placement.hoisted.has(n) || this.roots.includes(n) || this.watched.has(n)));
    this.named.set(n, n.kind !== 'scatter' && named);
  }

  /** Does an arm of this φ read a named value computed inside that arm? Then it is an `if`, not `?:`. */
  private armsNeedWork(phi: PhiNode, regions: readonly Region[]): boolean {
    const [c, a, b] = this.arms(phi);
    return regions.some((p) => this.readsInside(a, p.arm(c, true), p) || this.readsInside(b, p.arm(c, false), p));
  }

  private readsInside(n: Node, region: Region, outer: Region): boolean {
    if (isPhi(n)) {
      const known = region.known(n.args[0]!);
      if (known !== undefined) return this.readsInside(this.arms(n)[known ? 1 : 2], region, outer);
    }
    if (this.named.get(n)) return this.regionOf(n, region).depth > outer.depth;
    if (isPhi(n)) {
      const [c, a, b] = this.arms(n);
      return this.readsInside(c, region, outer) || this.readsInside(a, region.arm(c, true), outer) || this.readsInside(b, region.arm(c, false), outer);
    }
    return valueOperands(n).some((arg) => this.readsInside(arg, region, outer));
  }

  /** The placement of named `n` that is visible in `region`. */
  private regionOf(n: Node, region: Region): Region {
    const found = this.placement.regions.get(n)?.find((p) => p.encloses(region));
    if (found === undefined) {
      const where = (r: Region): string => (r.parent === undefined ? 'root' : `${where(r.parent)}/${r.loop !== undefined ? `loop${r.loop.id}` : `${r.cond!.id}${r.polarity ? '+' : '-'}`}`);
      const placed = (this.placement.regions.get(n) ?? []).map(where).join(', ') || 'nowhere';
      throw new Error(`coarsegrad emit: ${show(n)} (node ${n.id}) is read in ${where(region)} but computed in ${placed}`);
    }
    return found;
  }

  private nameNodes(): void {
    const { lowered, adjointHints } = this.source;
    const positions = this.source.selection ?? lowered.params.map((_, i) => i);
    const rootHints = new Map<Node, string>();
    this.selected().forEach((g, k) => {
      if (g !== undefined && !isArrayGradient(g) && !rootHints.has(g)) rootHints.set(g, `d${lowered.params[positions[k]!]!.name}`);
    });
    if (this.withValue && !rootHints.has(lowered.output)) rootHints.set(lowered.output, 'value');
    // A recurrence is computed by statements but is no value: its state variables have names of their own.
    const ordered = [...this.named].filter(([n, yes]) => yes && n.kind !== 'recurrence').map(([n]) => n).sort((a, b) => a.id - b.id);
    for (const n of ordered) {
      const hint = rootHints.get(n) ?? adjointHints.get(n) ?? lowered.nameHints.get(n) ?? fallbackHint(n);
      this.names.set(n, this.namer.fresh(hint));
    }
  }

  /** Named once, in the companion's own region, as a plain value: a `const`. */
  private isConst(n: Node): boolean {
    const regions = this.placement.regions.get(n)!;
    return n.kind !== 'sum' && n.kind !== 'scan' && n.kind !== 'recurrence' && !this.blockForm.get(n) && regions.length === 1 && regions[0] === this.placement.root;
  }

  // ---- items and their order ----------------------------------------------------------------------

  /** The statements computing the named values, one or more per placement. */
  private valueItems(): Item[] {
    const f = this.f;
    const items: Item[] = [];
    const ordered = [...this.named].filter(([, yes]) => yes).map(([n]) => n).sort((a, b) => a.id - b.id);
    for (const n of ordered) {
      const name = f.createIdentifier(this.names.get(n) ?? '');
      const assign = (value: ts.Expression): ts.Statement => f.createExpressionStatement(f.createAssignment(name, value));
      const kept = this.placement.kept.get(n);
      for (const p of this.placement.regions.get(n)!) {
        if (kept?.writer === p) {
          items.push(...this.keptItems(n, name));
        } else if (kept?.readers.has(p)) {
          // Made with the writer's items, which it comes after.
        } else if (n.kind === 'sum') {
          items.push(...this.sumItems(n, p, name).map((item) => this.own(n, item)));
        } else if (n.kind === 'scan') {
          items.push(...this.scanItems(n, p, name).map((item) => this.own(n, item)));
        } else if (n.kind === 'recurrence') {
          items.push(...this.recurrenceItems(n, p).map((item) => this.own(n, item)));
        } else if (this.blockForm.get(n)) {
          const [c, a, b] = this.arms(n as PhiNode);
          for (const [arm, polarity] of [[a, true], [b, false]] as const) {
            const region = p.arm(c, polarity);
            const statement = () => (arm === this.raised ? f.createExpressionStatement(this.raise()) : assign(this.expression(arm, region)));
            items.push(this.own(n, this.item(region, n.id, statement, this.readsOf([arm], region), [])));
          }
        } else {
          const statement = (): ts.Statement =>
            this.isConst(n)
              ? f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, this.definition(n, p))], this.ts.NodeFlags.Const))
              : assign(this.definition(n, p));
          items.push(this.own(n, this.item(p, n.id, statement, this.readsOf([n], p, true), [])));
        }
      }
    }
    return items;
  }

  /**
   * A value kept over its loop (`kept-values.ts`): the buffer made long enough before the writer's
   * pass, `t = …; kept[i] = t;` in it, and `t = kept[i];` in each later pass that reads it.
   */
  private keptItems(n: Node, name: ts.Identifier): Item[] {
    const f = this.f;
    const kept = this.placement.kept.get(n)!;
    const { writer, outside, loops } = kept;
    const starts = loops.map((l) => l.start);
    const reserve = this.item(outside, n.id, () => this.keptValues.reserve(n, kept), this.readsOf(loops.flatMap((l) => [l.start, l.bound]), outside), []);
    const store = () => this.keptValues.store(n, kept, name);
    // A sum's loop, then the store of what it came to; a value's assignment and its store.
    const computed = n.kind === 'sum' ? this.sumItems(n, writer, name) : [];
    const write =
      n.kind === 'sum'
        ? this.item(writer, n.id, store, this.readsOf(starts, writer), [reserve, ...computed])
        : this.item(writer, n.id, () => [f.createExpressionStatement(f.createAssignment(name, this.definition(n, writer))), store()], this.readsOf([n, ...starts], writer, true), [reserve]);
    const reads = [...kept.readers].map((p) => this.item(p, n.id, () => f.createExpressionStatement(f.createAssignment(name, this.keptValues.load(n, kept, p))), this.readsOf(starts, p), [write]));
    return [reserve, ...[...computed, write, ...reads].map((item) => this.own(n, item))];
  }

  /** `s = init; for (...) { s += body; }`: a sum's start in `p`, its addition in the body of its loop there. */
  private sumItems(n: Node & { kind: 'sum' }, p: Region, name: ts.Identifier): Item[] {
    const f = this.f;
    const start = this.item(p, n.id, () => f.createExpressionStatement(f.createAssignment(name, this.expression(n.init, p))), this.readsOf([n.init], p), []);
    const body = p.body(n.loop, passOf(n, n.loop));
    // Horner's form: `s = s * factor + body`.
    const addition = () =>
      n.factor !== undefined
        ? f.createExpressionStatement(f.createAssignment(name, f.createAdd(f.createMultiply(name, this.expression(n.factor, body)), this.expression(n.body, body))))
        : f.createExpressionStatement(f.createBinaryExpression(name, this.ts.SyntaxKind.PlusEqualsToken, this.expression(n.body, body)));
    const read = n.factor !== undefined ? [n.body, n.factor] : [n.body];
    return [start, this.item(body, n.id, addition, this.readsOf(read, body), [start])];
  }

  /**
   * `k = -1; best = init; for (...) { t = e_i; if (t > best || t !== t) { best = t; k = i; } }`:
   * the first iteration beating all before it, NaN included, as `Math.max` would return it (a NaN
   * is no better for `if (e > m) m = e`).
   */
  private scanItems(n: Node & { kind: 'scan' }, p: Region, k: ts.Identifier): Item[] {
    const f = this.f;
    const best = f.createIdentifier(this.hidden(`${k.text}Value`));
    const current = f.createIdentifier(this.hidden(`${k.text}Candidate`));
    const assign = (target: ts.Identifier, value: ts.Expression) => f.createExpressionStatement(f.createAssignment(target, value));
    const start = this.item(p, n.id, () => [assign(k, f.createPrefixMinus(f.createNumericLiteral(1))), assign(best, this.expression(n.init, p))], this.readsOf([n.init], p), []);
    const body = p.body(n.loop, passOf(n, n.loop));
    const kk = this.ts.SyntaxKind;
    const step = () => {
      const beats = f.createBinaryExpression(current, n.extremum === 'max' ? kk.GreaterThanToken : kk.LessThanToken, best);
      const isNaN = f.createBinaryExpression(current, kk.ExclamationEqualsEqualsToken, current);
      const record = f.createBlock([assign(best, current), assign(k, f.createIdentifier(this.loopName(n.loop)))], true);
      return [assign(current, this.expression(n.body, body)), f.createIfStatement(n.nanWins ? f.createLogicalOr(beats, isNaN) : beats, record)];
    };
    return [start, this.item(body, n.id, step, this.readsOf([n.body], body), [start])];
  }

  /**
   * `x = init; n = 0; for (...) { push x, i; n++; ...; x = next(x) }` forward, and
   * `a = init; for (k = n; k > 0; k--) { pop i, x; ...; a = next(a) }` backwards: the start, then a
   * marker that opens the loop even when all it computes is inline; `loopParts` adds the rest.
   */
  private recurrenceItems(n: RecurrenceNode, p: Region): Item[] {
    const f = this.f;
    this.loops.add(n);
    const assign = (name: string, value: ts.Expression) => f.createExpressionStatement(f.createAssignment(f.createIdentifier(name), value));
    const start = this.item(
      p,
      n.id,
      () => [
        ...n.inits.map((init, k) => assign(this.loops.stateName(n, k), this.expression(init, p))),
        ...(n.forward === undefined && this.loops.reversed(n) ? [assign(this.loops.tripName(n), f.createNumericLiteral(0))] : []),
      ],
      // A reverse loop starts after its forward loop has run, whether or not it reads its state back.
      this.readsOf([...n.inits, ...(n.entry !== undefined ? [n.entry] : []), ...(n.forward !== undefined ? [n.forward] : [])], p),
      [],
    );
    const body = p.body(n.loop, 0);
    const loop = this.item(body, n.id, () => [], this.readsOf([...n.next, ...(n.goOn !== undefined ? [n.goOn] : [])], body), [start]);
    return [start, loop];
  }

  /** A variable of the emitter's own, declared with the others. */
  hidden(hint: string): string {
    const name = this.namer.fresh(hint);
    this.hiddenNames.push(name);
    return name;
  }

  private own(n: Node, item: Item): Item {
    const list = this.itemsOf.get(n);
    if (list === undefined) this.itemsOf.set(n, [item]);
    else list.push(item);
    return item;
  }

  /** The named values `nodes` read in `region` (a defining read computes `nodes` themselves). */
  private readsOf(nodes: readonly Node[], region: Region, defining = false): (readonly [Node, Region])[] {
    const into = new Set<Node>();
    for (const n of nodes) this.namedReads(n, region, into, defining);
    return [...into].map((m) => [m, region] as const);
  }

  /** Each item comes after the values it reads and after what opens the branches and loops around it. */
  private connect(items: readonly Item[]): void {
    for (const item of items) {
      const reads = new Map<Node, Region>(item.reads);
      for (let r: Region | undefined = item.region; r?.parent !== undefined; r = r.parent) {
        const outer = r.parent;
        const headers = r.cond !== undefined ? [r.cond] : r.loop !== undefined ? [r.loop.start, r.loop.bound] : [];
        for (const [m] of this.readsOf(headers, outer)) reads.set(m, outer);
      }
      const deps = new Set<Item>(item.after);
      for (const [m, region] of reads) {
        const visible = this.regionOf(m, region);
        for (const dep of this.itemsOf.get(m) ?? []) if (visible.encloses(dep.region) && dep !== item) deps.add(dep);
      }
      item.deps = [...deps];
    }
  }

  /** The named values the expression of `n` in `region` reads. */
  private namedReads(n: Node, region: Region, into: Set<Node>, defining = false): void {
    if (isPhi(n)) {
      const known = region.known(n.args[0]!);
      if (known !== undefined) return this.namedReads(this.arms(n)[known ? 1 : 2], region, into);
    }
    if (!defining && this.named.get(n)) {
      into.add(n);
      return;
    }
    if (isPhi(n)) {
      const [c, a, b] = this.arms(n);
      this.namedReads(c, region, into);
      this.namedReads(a, region.arm(c, true), into);
      this.namedReads(b, region.arm(c, false), into);
    } else {
      valueOperands(n).forEach((arg) => this.namedReads(arg, region, into));
    }
  }

  private comment(statement: ts.Statement, text: string): ts.Statement {
    return this.ts.addSyntheticLeadingComment(statement, this.ts.SyntaxKind.SingleLineCommentTrivia, text, true);
  }

  // ---- expressions ------------------------------------------------------------------------------

  /** The expression reading `n` in `region`: its name if it has one, else its computation inline. */
  expression(n: Node, region: Region): ts.Expression {
    if (isPhi(n)) {
      const known = region.known(n.args[0]!);
      if (known !== undefined) return this.expression(this.arms(n)[known ? 1 : 2], region);
    }
    const name = this.names.get(n);
    if (name !== undefined) return this.f.createIdentifier(name);
    return this.definition(n, region);
  }

  /** The computation of `n` in `region`, its operands read by name or inline. */
  private definition(n: Node, region: Region): ts.Expression {
    const f = this.f;
    const ts = this.ts;
    if (n === this.raised) return f.createParenthesizedExpression(this.raise());
    switch (n.kind) {
      case 'const':
        return n.name !== undefined ? f.createPropertyAccessExpression(f.createIdentifier('Math'), n.name) : this.numberLiteral(n.value);
      case 'param': {
        const param = f.createIdentifier(this.paramNames[n.index]!);
        return n.element === undefined ? param : f.createElementAccessExpression(param, n.element);
      }
      case 'opaque':
        return this.opaque(n.expr);
      case 'index':
        return f.createIdentifier(this.loopName(n.loop));
      case 'load':
        return f.createElementAccessExpression(f.createIdentifier(this.paramNames[n.param]!), this.expression(n.index, region));
      case 'carried': {
        const owner = this.loops.of(n.loop);
        if (owner === undefined) throw new Error(`coarsegrad emit: ${n.name} is carried by a loop that is not a recurrence`);
        return f.createIdentifier(n.popped ? this.loops.poppedName(n.loop, n.slot, owner.forward!) : this.loops.stateName(owner, n.slot));
      }
      case 'exit':
        return f.createIdentifier(this.loops.stateName(n.recurrence, n.slot));
      case 'sum':
      case 'scan':
      case 'recurrence':
      case 'scatter':
        throw new Error(`coarsegrad emit: a ${n.kind} node is not an expression`);
      case 'apply': {
        if (n.op === 'select') {
          const [c, a, b] = this.arms(n as PhiNode);
          return f.createConditionalExpression(
            this.expression(c, region),
            f.createToken(ts.SyntaxKind.QuestionToken),
            this.expression(a, region.arm(c, true)),
            f.createToken(ts.SyntaxKind.ColonToken),
            this.expression(b, region.arm(c, false)),
          );
        }
        const rule = primitive(n.op);
        if (this.careful && n.op === '*' && n.id >= this.source.primalNodeCount && n.args.every((a) => a.kind !== 'const')) {
          this.strongProduct ??= this.namer.fresh('times');
          return f.createCallExpression(f.createIdentifier(this.strongProduct), undefined, n.args.map((a) => this.expression(a, region)));
        }
        // A stable form's value is the expression as written, its first argument.
        if (rule.stable === true) return this.expression(n.args[0]!, region);
        const args = n.args.map((a) => this.expression(a, region));
        if (n.op === 'neg') return f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, args[0]!);
        if (n.op === '~') return f.createPrefixUnaryExpression(ts.SyntaxKind.TildeToken, args[0]!);
        if (n.op === '!') return f.createLogicalNot(args[0]!);
        if (n.op === 'isUndefined') return f.createStrictEquality(args[0]!, f.createIdentifier('undefined'));
        if (n.op === 'isNullish') return f.createEquality(args[0]!, f.createNull());
        if (rule.infix !== undefined) return infix(ts, f, args[0]!, rule.infix, args[1]!);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Math'), rule.mathName!), undefined, args);
      }
    }
  }

  /** A φ's condition and the arms this companion computes: in the usual one, a flag for a careful arm. */
  private arms(phi: PhiNode): readonly [Node, Node, Node] {
    const [c, a, b] = argsOf(phi);
    return !this.careful && c.kind === 'apply' && c.op === 'rare' ? [c, this.raised, b] : [c, a, b];
  }

  /** `rare = 1`: a rare condition held, so the careful companion runs once this one is done. */
  private raise(): ts.Expression {
    this.rareFlag ??= this.hidden('rare');
    return this.f.createAssignment(this.f.createIdentifier(this.rareFlag), this.f.createNumericLiteral(1));
  }

  private numberLiteral(value: number): ts.Expression {
    return numberLiteral(this.ts, this.f, value);
  }

  private opaque(e: OpaqueExpr): ts.Expression {
    const f = this.f;
    switch (e.kind) {
      case 'this':
        return f.createThis();
      case 'param':
        return f.createIdentifier(this.paramNames[e.index]!);
      case 'free':
        return e.node ?? f.createIdentifier(e.name);
      case 'property': {
        const base = this.opaque(e.base);
        if (e.node !== undefined) return f.createPropertyAccessExpression(base, e.node as ts.Identifier | ts.PrivateIdentifier);
        if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(e.name)) return f.createPropertyAccessExpression(base, e.name);
        const index = Number(e.name);
        return f.createElementAccessExpression(base, Number.isInteger(index) && index >= 0 && String(index) === e.name ? f.createNumericLiteral(index) : f.createStringLiteral(e.name));
      }
    }
  }
}

function isArrayGradient(g: Node | ArrayGradient): g is ArrayGradient {
  return 'elements' in g;
}

/** A name for a value the source did not name: `c` for a condition, a field's own name, else `t`. */
function fallbackHint(n: Node): string {
  if (n.kind === 'opaque' && n.expr.kind === 'property') return /^\d/.test(n.expr.name) ? 't' : n.expr.name;
  if (n.kind === 'param' && n.element !== undefined) return `${n.name}${n.element}`;
  if (n.kind === 'apply' && primitive(n.op).boolean) return 'c';
  return 't';
}

/** What a throw reads: its condition, and the numbers in its message. */
function throwNodes(t: ThrowSite): Node[] {
  return [...(t.guard !== undefined ? [t.guard] : []), ...t.args.flat().filter((p): p is Node => typeof p !== 'string')];
}
