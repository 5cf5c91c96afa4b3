/**
 * The companion registry: every module the transformer compiled registers its marked functions here,
 * so that `grad(f)` finds the companion of a function value passed around at run time.
 */

/** A marked function's gradient companions, as the transformer emits them. */
export interface Companions {
  /** Returns `[value, gradients]`. */
  readonly valueAndGrad: (...args: any[]) => [number, unknown[]];
  /** Returns the gradient tuple only, skipping work that only the value needs. */
  readonly grad: (...args: any[]) => unknown[];
  /** Number of parameters of the marked function, for checking `wrt`. */
  readonly arity: number;
  /**
   * A method reading numbers from `this`: `[value, gradients]` with the gradient with respect to
   * `this` after the parameters' (`wrt: ['this']`); or why the build could not take it.
   */
  readonly withThis?: ((...args: any[]) => [number, unknown[]]) | string;
  /**
   * Companions made for the `wrt` lists call sites write out (`'grad:1,0'`, `'valueAndGrad:0'`):
   * they compute only the gradients asked for, in that order.
   */
  readonly specialized?: Readonly<Record<string, (...args: any[]) => any>>;
}

// Kept on globalThis under a registered symbol so that two copies of the package loaded into one
// process (an ESM and a CommonJS consumer, or two installed versions) still see one registry.
const registryKey = Symbol.for('coarsegrad.registry');
type Host = typeof globalThis & { [registryKey]?: WeakMap<Function, Companions> };
const host = globalThis as Host;
const registry: WeakMap<Function, Companions> = (host[registryKey] ??= new WeakMap());

/**
 * Called by transformed modules; not part of the user-facing API. Returns `primal`, so that a
 * wrapper call `differentiable(fn)` can be registered where it stands, as an expression.
 */
export function register<F extends Function>(
  primal: F,
  valueAndGrad: Companions['valueAndGrad'],
  grad: Companions['grad'],
  arity: number,
  withThis?: Companions['withThis'],
  specialized?: Companions['specialized'],
): F {
  registry.set(primal, { valueAndGrad, grad, arity, ...(withThis !== undefined ? { withThis } : {}), ...(specialized !== undefined ? { specialized } : {}) });
  return primal;
}

export function companionsOf(primal: unknown, caller: string): Companions {
  if (typeof primal !== 'function') {
    throw new TypeError(`${caller} expects a function, got ${primal === null ? 'null' : typeof primal}.`);
  }
  const found = registry.get(primal);
  if (found === undefined) {
    const name = primal.name ? `'${primal.name}'` : 'this anonymous function';
    throw new Error(
      `${caller}: ${name} has no gradient companion, so coarsegrad cannot differentiate it. ` +
        `Mark it @differentiable (a /** @differentiable */ JSDoc tag, the @differentiable decorator on a method, ` +
        `or the differentiable(...) wrapper), add { "transform": "coarsegrad/transformer" } to ` +
        `compilerOptions.plugins in tsconfig.json, and build with tspc (ts-patch).`,
    );
  }
  return found;
}
