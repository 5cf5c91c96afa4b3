/**
 * What users call: `grad`, `valueAndGrad`, `differentiable`. The gradient code itself was written by
 * the transformer at build time; these functions only find it and shape its result.
 */
import { companionsOf, type Companions } from './registry.js';
import { outputs } from './outputs.js';
import type {
  GradFunction,
  GradientTuple,
  GradOptions,
  NumericFunction,
  ReuseOptions,
  SelectedGradients,
  WrtEntry,
} from './types.js';

export { register } from './registry.js';
export { checkSources, registerSources } from './versions.js';
export { tape } from './tape.js';
export { operations } from './operations.js';
export { outputs } from './outputs.js';
export type { Data, Gradient, GradientTuple, GradOptions, Int, NumericFunction, ParameterIndex, ReuseOptions, SelectedGradients, ThisGradient, WrtEntry } from './types.js';

/** `grad(f)(...args)`: the gradient of `f` at `args`, one entry per parameter (or per `wrt` entry). */
export function grad<F extends NumericFunction>(f: F, options?: ReuseOptions): GradFunction<F, GradientTuple<Parameters<F>>>;
export function grad<F extends NumericFunction, const W extends readonly WrtEntry<F>[]>(
  f: F,
  options: GradOptions<W>,
): GradFunction<F, SelectedGradients<F, W>>;
export function grad(f: NumericFunction, options?: Options): Function {
  const companions = companionsOf(f, 'grad');
  if (options === undefined) return companions.grad;
  const wrt = checkedWrt(options, companions, 'grad');
  if (wrt === undefined) return reusing(options, companions.grad, 'grad');
  const named = companions.specialized?.[`grad:${wrt.join(',')}`];
  if (named !== undefined) return reusing(options, named, 'grad');
  const full = fullCompanion(companions, wrt, 'grad');
  const arity = companions.arity;
  const run = reusing(options, full, 'grad');
  return function (this: unknown, ...args: unknown[]) {
    const all = full === companions.grad ? run.apply(this, args) : run.apply(this, args)[1];
    return wrt.map((i) => all[i === 'this' ? arity : i]);
  };
}

type Options = Partial<GradOptions<readonly (number | 'this')[]>>;

/** `companion`, or with `reuse`, the companion run with gradient arrays kept from its last call (`outputs.ts`). */
function reusing(options: Options, companion: (...args: any[]) => any, caller: string): (...args: any[]) => any {
  if (options.reuse === undefined || options.reuse === false) return companion;
  if (options.reuse !== true) throw new TypeError(`${caller}: options.reuse must be true or false.`);
  const pool: Float64Array[] = [];
  // No closure per call: a scalar function's gradient, which has no array to reuse, pays little.
  return function (this: unknown, ...args: unknown[]) {
    const outerPool = outputs.pool;
    const outerNext = outputs.next;
    outputs.pool = pool;
    outputs.next = 0;
    try {
      return companion.apply(this, args);
    } finally {
      outputs.pool = outerPool;
      outputs.next = outerNext;
    }
  };
}

/** `valueAndGrad(f)(...args)`: `[f(...args), gradient]` from one pass of the companion. */
export function valueAndGrad<F extends NumericFunction>(f: F, options?: ReuseOptions): GradFunction<F, [number, GradientTuple<Parameters<F>>]>;
export function valueAndGrad<F extends NumericFunction, const W extends readonly WrtEntry<F>[]>(
  f: F,
  options: GradOptions<W>,
): GradFunction<F, [number, SelectedGradients<F, W>]>;
export function valueAndGrad(f: NumericFunction, options?: Options): Function {
  const companions = companionsOf(f, 'valueAndGrad');
  if (options === undefined) return companions.valueAndGrad;
  const wrt = checkedWrt(options, companions, 'valueAndGrad');
  if (wrt === undefined) return reusing(options, companions.valueAndGrad, 'valueAndGrad');
  const named = companions.specialized?.[`valueAndGrad:${wrt.join(',')}`];
  if (named !== undefined) return reusing(options, named, 'valueAndGrad');
  const full = reusing(options, fullCompanion(companions, wrt, 'valueAndGrad'), 'valueAndGrad');
  const arity = companions.arity;
  return function (this: unknown, ...args: unknown[]) {
    const [value, all] = full.apply(this, args) as [number, unknown[]];
    return [value, wrt.map((i) => all[i === 'this' ? arity : i])];
  };
}

/** The positions `wrt` names, checked; `undefined` where the options name none (`{ reuse: true }` alone). */
function checkedWrt(options: Options, companions: Companions, caller: string): readonly (number | 'this')[] | undefined {
  if (options === null || typeof options !== 'object') throw new TypeError(`${caller}: options must be an object ({ wrt: [...] }, { reuse: true }).`);
  const wrt = options.wrt;
  if (wrt === undefined && 'reuse' in options) return undefined;
  if (!Array.isArray(wrt)) throw new TypeError(`${caller}: options.wrt must be an array of parameter positions (and 'this').`);
  for (const i of wrt) {
    if (i !== 'this' && (!Number.isInteger(i) || i < 0 || i >= companions.arity)) {
      throw new RangeError(
        `${caller}: wrt position ${String(i)} is not a parameter position (the function has ${companions.arity}) or 'this'.`,
      );
    }
  }
  return wrt.slice();
}

/**
 * The companion that computes what `wrt` asks: the one with the gradient of `this` after the
 * parameters' where it names `this`, else the usual one (`grad`'s own for `grad`).
 */
function fullCompanion(companions: Companions, wrt: readonly (number | 'this')[], caller: 'grad' | 'valueAndGrad'): (...args: any[]) => any {
  if (!wrt.includes('this')) return caller === 'grad' ? companions.grad : companions.valueAndGrad;
  const withThis = companions.withThis;
  if (typeof withThis === 'function') return withThis;
  throw new TypeError(
    withThis === undefined
      ? `${caller}: wrt 'this' needs a method of a class that reads numbers from 'this'; this function is not one.`
      : `${caller}: the build could not differentiate this method with respect to 'this': ${withThis}`,
  );
}

/**
 * Marks a function for differentiation. Three uses, all returning the function unchanged:
 * the wrapper `differentiable((x: number) => ...)`, the standard method decorator `@differentiable`,
 * and the legacy (experimentalDecorators) method decorator. The transformer finds the mark at build
 * time; at run time this is the identity.
 */
export function differentiable<F extends NumericFunction>(f: F): F;
export function differentiable<F extends NumericFunction>(method: F, context: ClassMethodDecoratorContext): F;
export function differentiable(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
export function differentiable(target: unknown, contextOrKey?: unknown, descriptor?: PropertyDescriptor): unknown {
  if (descriptor !== undefined) return descriptor;
  if (typeof target !== 'function') {
    throw new TypeError('differentiable expects a function (or to decorate a method).');
  }
  void contextOrKey;
  return target;
}
