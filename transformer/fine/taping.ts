/**
 * What the fine emitter (`fine.ts`) and its expression part (`fine-expressions.ts`) share: the
 * values they emit with their shadows, a function's frame, and the emitter's operations the
 * expression part calls back (`Taping`), so that neither imports the other back.
 */
import type ts from 'typescript';
import type { ArrayStorage, CoreFunction, CoreProgram, Expr, Loop, Shape, Stmt, Var } from '../front/core.js';
import type { Activity } from './fine-activity.js';
import type { Namer } from '../emit/names.js';

/** A number, an array of numbers, an array of such arrays (`rows`), an object, or a value no shadow follows. */
export type Kind = 'num' | 'arr' | 'rows' | 'rec' | 'other';

/** A value in the companion: its expression, and its shadow where it may be active. */
export interface Val {
  readonly kind: Kind;
  readonly v: ts.Expression;
  readonly s?: ts.Expression | undefined;
  /**
   * An array that is not the function's own (a parameter array, or one read from `this` or a module
   * variable), described for a diagnostic: the caller's, never written.
   */
  readonly outside?: string;
  /** For an object: `outside` names what it holds, not the object itself, so its number fields may be written. */
  readonly holder?: boolean;
}

export interface Binding {
  readonly kind: Kind;
  readonly name: string;
  /** The shadow's variable; absent when the variable is never active. */
  readonly shadow: string | undefined;
  /** Holds an array that is not the function's own (see `Val.outside`). */
  readonly outside?: string;
  readonly holder?: boolean;
}

/** Where a `return` goes: the result variables of an inlined call, or of the marked function. */
export interface ReturnTarget {
  readonly label: string;
  readonly value: string;
  readonly shadow: string | undefined;
  readonly kind: Kind;
  /** Set when a `return` returns an array that is not the function's own. */
  outside?: string;
  holder?: boolean;
}

/** An emitted loop: its label if it needs one, and the label of the block its body is in, where `continue` must break out of it. */
export interface EmittedLoop {
  readonly loop: Loop;
  label: string | undefined;
  readonly continueAs: string | undefined;
}

export class Frame {
  readonly bindings = new Map<Var, Binding>();
  constructor(
    readonly fn: CoreFunction,
    readonly activity: Activity,
    /** `this` in the function: an inlined method's object with its shadow, or the companion's own. */
    readonly thisValue: Val | undefined,
    readonly returns: ReturnTarget,
  ) {}
}

/** What an array read from `this` or a module variable is, for diagnostics. */
export const borrowed = 'an array from outside the marked function';

export function kindOf(shape: Shape): Kind {
  switch (shape.kind) {
    case 'number':
      return 'num';
    case 'array':
      return 'arr';
    // Arrays of arrays and of objects: the arrays, with a shadow for each element.
    case 'matrix':
    case 'records':
      return 'rows';
    case 'record':
      return 'rec';
    default:
      return 'other';
  }
}

/**
 * Who owns an object chosen from `values`: the caller's if any is (then nothing of it is written),
 * else one holding the caller's arrays or objects if any does, else the function's own.
 */
export function ownerOf(values: readonly { readonly outside?: string | undefined; readonly holder?: boolean | undefined }[]): { outside?: string; holder?: boolean } {
  const callers = values.find((v) => v.outside !== undefined && !v.holder);
  if (callers !== undefined) return { outside: callers.outside! };
  const holding = values.find((v) => v.outside !== undefined);
  return holding === undefined ? {} : { outside: holding.outside!, holder: true };
}

/** A value from outside the functions being differentiated: its objects are read, never shadowed. */
export function storageOf(shape: Shape): ArrayStorage | undefined {
  return shape.kind === 'array' ? shape.storage : undefined;
}

export function outsideKind(shape: Shape): Kind {
  const kind = kindOf(shape);
  return kind === 'rec' ? 'other' : kind;
}

/** The fine emitter (`fine.ts`) as the expression emitter sees it. */
export interface Taping {
  readonly ts: typeof import('typescript');
  readonly f: ts.NodeFactory;
  readonly source: { readonly program: CoreProgram; readonly file: ts.SourceFile; readonly runtime: string };
  readonly namer: Namer;
  out: ts.Statement[];
  readonly stack: Frame[];
  /** Parameter arrays and objects written in place. */
  readonly writable: Set<string>;
  /** The function changes what it was given: parameter objects are read and written as the caller's. */
  readonly inPlace: boolean;
  /** Above 0 while evaluating what only steers control flow: operations are computed, not recorded. */
  passive: number;
  statements(list: readonly Stmt[]): void;
  inline(call: Extract<Expr, { kind: 'call' }>): Val;
  /** The shadow to store for `value` where a shadow of `kind` is kept: constants get constant slots. */
  shadowFor(kind: Kind, value: Val, at: ts.Node): ts.Expression;
  /** Statements emitted while running `body`, taken out of the current list. */
  collect(body: () => void): ts.Statement[];
  /** `value` with its expressions named, where they are not simple. */
  named(value: Val, hint: string): Val;
  /** `e` itself if simple, else a constant holding it. */
  simple(e: ts.Expression, hint: string, always?: boolean): ts.Expression;
  assignment(target: ts.Expression, value: ts.Expression): ts.Statement;
  /** A call of the tape's method `name`. */
  method(name: string, args: readonly ts.Expression[]): ts.Expression;
}
