/**
 * What users call: `grad`, `valueAndGrad`, `differentiable`. The gradient code itself was written by
 * the transformer at build time; these functions only find it and shape its result.
 */
import { companionsOf, type Companions } from './registry.js';
import type {
  GradFunction,
  GradientTuple,
  GradOptions,
  NumericFunction,
  ParameterIndex,
  SelectedGradients,
} from './types.js';

export { register } from './registry.js';
export { checkSources, registerSources } from './versions.js';
export { tape } from './tape.js';
export { operations } from './operations.js';
export type { Gradient, GradientTuple, GradOptions, Int, NumericFunction, ParameterIndex, SelectedGradients } from './types.js';

/** `grad(f)(...args)`: the gradient of `f` at `args`, one entry per parameter (or per `wrt` entry). */
export function grad<F extends NumericFunction>(f: F): GradFunction<F, GradientTuple<Parameters<F>>>;
export function grad<F extends NumericFunction, const W extends readonly ParameterIndex<F>[]>(
  f: F,
  options: GradOptions<W>,
): GradFunction<F, SelectedGradients<F, W>>;
export function grad(f: NumericFunction, options?: GradOptions<readonly number[]>): Function {
  const companions = companionsOf(f, 'grad');
  if (options === undefined) return companions.grad;
  const wrt = checkedWrt(options, companions, 'grad');
  const full = companions.grad;
  return function (this: unknown, ...args: unknown[]) {
    const all = full.apply(this, args);
    return wrt.map((i) => all[i]);
  };
}

/** `valueAndGrad(f)(...args)`: `[f(...args), gradient]` from one pass of the companion. */
export function valueAndGrad<F extends NumericFunction>(f: F): GradFunction<F, [number, GradientTuple<Parameters<F>>]>;
export function valueAndGrad<F extends NumericFunction, const W extends readonly ParameterIndex<F>[]>(
  f: F,
  options: GradOptions<W>,
): GradFunction<F, [number, SelectedGradients<F, W>]>;
export function valueAndGrad(f: NumericFunction, options?: GradOptions<readonly number[]>): Function {
  const companions = companionsOf(f, 'valueAndGrad');
  if (options === undefined) return companions.valueAndGrad;
  const wrt = checkedWrt(options, companions, 'valueAndGrad');
  const full = companions.valueAndGrad;
  return function (this: unknown, ...args: unknown[]) {
    const [value, all] = full.apply(this, args);
    return [value, wrt.map((i) => all[i])];
  };
}

function checkedWrt(options: GradOptions<readonly number[]>, companions: Companions, caller: string): readonly number[] {
  const wrt = options?.wrt;
  if (!Array.isArray(wrt)) throw new TypeError(`${caller}: options.wrt must be an array of parameter positions.`);
  for (const i of wrt) {
    if (!Number.isInteger(i) || i < 0 || i >= companions.arity) {
      throw new RangeError(
        `${caller}: wrt position ${String(i)} is not a parameter position (the function has ${companions.arity}).`,
      );
    }
  }
  return wrt.slice();
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
