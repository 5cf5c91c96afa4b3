declare const integerBrand: unique symbol;

/**
 * A number that is a size, a count or an index: `steps: Int` in a marked function's parameters says
 * it carries no derivative, and its gradient entry is `undefined`. Any number is assignable to it.
 * (A plain `number` used only as a size gets 0, its derivative wherever it has one.)
 */
export type Int = number & { readonly [integerBrand]?: 'integer' };

declare const dataBrand: unique symbol;

/**
 * Data a marked function reads but is not differentiated with respect to (a training set, an
 * observation): `x: Data<Float64Array>`, `samples: Data<number[][]>`. Its gradient entry is
 * `undefined` and the companion neither computes nor allocates it. Any value of `T` is assignable.
 */
export type Data<T> = T & { readonly [dataBrand]?: 'data' };

/** The gradient of one parameter, shaped like the parameter (DESIGN.md §2). */
export type Gradient<T> = typeof dataBrand extends keyof T
  ? undefined
  : T extends number
  ? typeof integerBrand extends keyof T
    ? undefined
    : number
  : T extends Float64Array | Float32Array | readonly number[]
    ? Float64Array
    : T extends (...args: never[]) => unknown
      ? undefined
      : T extends object
        ? { [K in keyof T]: Gradient<T[K]> }
        : undefined;

/** One gradient entry per parameter, in order. */
export type GradientTuple<P extends readonly unknown[]> = { -readonly [K in keyof P]: Gradient<P[K]> };

/** Any function whose value can be differentiated. */
export type NumericFunction = (this: any, ...args: any[]) => number;

/** Parameter positions of `F`, for the `wrt` option. */
export type ParameterIndex<F extends NumericFunction> = Extract<keyof Parameters<F>, `${number}`> extends `${infer N extends number}`
  ? N
  : never;

/** What `wrt` may name: a parameter position, or `'this'` for a method's object (its fields' gradient). */
export type WrtEntry<F extends NumericFunction> = ParameterIndex<F> | 'this';

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions<W extends readonly (number | 'this')[]> {
  /** Parameter positions (and `'this'`) to differentiate with respect to, in the order the gradient lists them. */
  readonly wrt: W;
  /** See `ReuseOptions`. */
  readonly reuse?: boolean;
}

/**
 * `{ reuse: true }`: the gradient's arrays (the `Float64Array` of each array parameter, and those
 * inside the gradients of objects) are the same arrays call after call of the function `grad`
 * returns, zeroed and filled anew: a training loop allocates none per step. Each call overwrites
 * what the one before returned; copy what you keep (`g.slice()`).
 */
export interface ReuseOptions {
  readonly reuse: boolean;
}

/**
 * The gradient with respect to a method's `this`: an object of its fields' gradients. Exact where
 * the method declares its `this` (`loss(this: Model, x: number)`); a method's type does not carry
 * its class otherwise, and the fields' gradients are `unknown` to the type checker.
 */
export type ThisGradient<F extends NumericFunction> = unknown extends ThisParameterType<F> ? { readonly [field: string]: unknown } : Gradient<ThisParameterType<F>>;

/** The gradients of the parameters at positions `W` (and of `this`), in that order. */
export type SelectedGradients<F extends NumericFunction, W extends readonly (number | 'this')[]> = {
  -readonly [K in keyof W]: W[K] extends 'this' ? ThisGradient<F> : W[K] extends number ? Gradient<Parameters<F>[W[K]]> : never;
};

export type GradFunction<F extends NumericFunction, G> = (this: ThisParameterType<F>, ...args: Parameters<F>) => G;
