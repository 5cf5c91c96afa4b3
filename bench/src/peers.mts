/**
 * The peers coarsegrad is measured against (BENCHMARKS.md), each problem written as a user of each
 * tool would write it:
 *
 * - TensorFlow.js (`@tensorflow/tfjs-core` with the pure-JS CPU backend): vectorised tensor code
 *   under `tf.grad`; data tensors made once per data set; float32, since it has no float64.
 * - Penrose's autodiff (`@penrose/core` 3.x): the function traced once per input shape into a graph
 *   of `ad.Num` (loops unrolled, branches as `ifCond`), compiled to WebAssembly by `genGradient`.
 * - jax-js (`@jax-js/jax`): numpy-style array code under `jit(grad(f))`, traced and compiled on the
 *   first call; float64 arrays (the numbers in its expressions are weakly typed and take their
 *   dtype), on its wasm backend, the only one Node runs, single-threaded since Node has no global
 *   `Worker` for its thread pool; data arrays made once per data set.
 *
 * Each entry takes a problem's arguments and returns the same gradient entries as its hand-written
 * gradient (Float64Arrays and numbers), so that the bench checks and times all of them alike. A peer
 * that cannot take a problem or a size says why instead (`unavailable`).
 */
import * as tf from '@tensorflow/tfjs-core/dist/index.js';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu/dist/index.js';
import { genGradient, variable } from '@penrose/core/dist/engine/Autodiff';
import { add, addN, div, exp, gt, ifCond, ln, log1p, lt, maxN, mul, neg, or, sqrt, squared, sub } from '@penrose/core/dist/engine/AutodiffFunctions';
import type * as ad from '@penrose/core/dist/types/ad';
import type { Array as JaxArray } from '@jax-js/jax';

await tf.setBackend('cpu');

// jax-js names Float16Array (a global from Node 22 on) in an `instanceof` whenever it makes an array
// from a typed array, and constructs one only for float16 arrays, which the bench never makes: an
// empty class stands in, defined before jax-js is loaded.
(globalThis as { Float16Array?: unknown }).Float16Array ??= class Float16Array {};
const { numpy: np, nn, grad, jit, init } = await import('@jax-js/jax');
await init('wasm');

type Entry = number | Float64Array;
export type PeerGradient = (...args: any[]) => Entry[];
/** A peer's gradient for one problem at one size, or why there is none. */
export type Peer = { readonly gradient: PeerGradient } | { readonly unavailable: string };

const k = 1;
const gravity = 9.8;
const sigma2 = 1000;

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
/** `body`'s result, with every tensor made on the way disposed, as `tf.tidy` does for tensors. */
function tidy<T>(body: () => T): T {
  let result!: T;
  tf.tidy(() => {
    result = body();
  });
  return result;
}
const f64 = (t: tf.Tensor) => Float64Array.from(t.dataSync());

/** Data tensors made once per data array, as a TF.js user keeps a data set on the backend. */
function cached<T>(make: (key: object) => T): (key: object) => T {
  const memo = new WeakMap<object, T>();
  return (key) => {
    let hit = memo.get(key);
    if (hit === undefined) memo.set(key, (hit = make(key)));
    return hit;
  };
}

/** gmm's components K, dimensions D, points N and entries below Q_k's diagonal L, from its arguments. */
function gmmSizes(sample: readonly unknown[]): { K: number; D: number; N: number; L: number } {
  const [alpha, , q, , X] = sample as Float64Array[];
  const K = alpha!.length;
  const D = q!.length / K;
  return { K, D, N: X!.length / D, L: (D * (D - 1)) / 2 };
}

// ---- TensorFlow.js --------------------------------------------------------------------------------

function tfjsPeer(name: string, sample: readonly unknown[]): Peer {
  switch (name) {
    case 'HookeanSpring': {
      const n = (sample[0] as Float64Array).length / 2;
      const next1 = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => (i + 1) % n), 'int32');
      const next2 = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => (i + 2) % n), 'int32');
      const rest1 = 2 * Math.sin(Math.PI / n);
      const rest2 = 2 * Math.sin((2 * Math.PI) / n);
      const energy = tf.grad((p: tf.Tensor) => {
        const P = tf.reshape(p, [n, 2]);
        const length = (to: tf.Tensor) => tf.sqrt(tf.sum(tf.square(tf.sub(tf.gather(P, to), P)), 1));
        const e1 = tf.sum(tf.square(tf.sub(length(next1), rest1)));
        const e2 = tf.sum(tf.square(tf.sub(length(next2), rest2)));
        return tf.mul(0.5 * k, tf.add(e1, e2));
      });
      return { gradient: (p: Float64Array) => tidy(() => [f64(energy(tf.tensor1d(f32(p))))]) };
    }
    case 'Brachistochrone': {
      const N = (sample[0] as Float64Array).length + 2;
      const dx = 4 / (N - 1);
      const time = tf.grad((yIn: tf.Tensor) => {
        const y = tf.concat([tf.tensor1d([1]), yIn, tf.tensor1d([0])]);
        const v = tf.sqrt(tf.mul(2 * gravity, tf.sub(1, y)));
        const dy = tf.sub(tf.slice(y, 1, N - 1), tf.slice(y, 0, N - 1));
        const length = tf.sqrt(tf.add(dx * dx, tf.square(dy)));
        const speed = tf.div(tf.add(tf.slice(v, 0, N - 1), tf.slice(v, 1, N - 1)), 2);
        return tf.sum(tf.div(length, speed));
      });
      return { gradient: (yIn: Float64Array) => tidy(() => [f64(time(tf.tensor1d(f32(yIn))))]) };
    }
    case 'HMC logistic regression': {
      const data = cached((X) => tf.keep(tf.tensor2d(f32(X as Float64Array), [(X as Float64Array).length / (sample[0] as Float64Array).length, (sample[0] as Float64Array).length])));
      const labels = cached((y) => tf.keep(tf.tensor1d(f32(y as Float64Array))));
      return {
        gradient: (beta: Float64Array, X: Float64Array, y: Float64Array) => {
          const Xt = data(X);
          const yt = labels(y);
          const potential = tf.grad((b: tf.Tensor) => {
            const z = tf.squeeze(tf.matMul(Xt, tf.reshape(b, [-1, 1])), [1]);
            const likelihood = tf.sum(tf.sub(tf.mul(tf.sub(yt, 1), z), tf.softplus(tf.neg(z))));
            return tf.sub(likelihood, tf.div(tf.sum(tf.square(b)), 2 * sigma2));
          });
          return tidy(() => [f64(potential(tf.tensor1d(f32(beta))))]);
        },
      };
    }
    case 'BGDHyperOpt': {
      const xs = cached((x) => tf.keep(tf.tensor1d(f32(x as Float64Array))));
      return {
        gradient: (x: Float64Array, y: Float64Array, r: number, T: number) => {
          const xt = xs(x);
          const yt = xs(y);
          const M = x.length;
          // The descent is eager: the break needs the step's value, read back each iteration.
          const error = tf.grad((rt: tf.Tensor) => {
            let w: tf.Tensor = tf.scalar(0);
            for (let step = 0; step < T; step++) {
              const d = tf.div(tf.sum(tf.mul(tf.mul(2, xt), tf.sub(yt, tf.mul(xt, w)))), M);
              if (d.dataSync()[0]! < 0.001) break;
              w = tf.add(w, tf.mul(rt, d));
            }
            return tf.div(tf.sqrt(tf.sum(tf.square(tf.sub(yt, tf.mul(xt, w))))), M);
          });
          return tidy(() => [error(tf.scalar(r)).dataSync()[0]!]);
        },
      };
    }
    case 'lse': {
      const lse = tf.grad((x: tf.Tensor) => tf.logSumExp(x));
      return { gradient: (x: Float64Array) => tidy(() => [f64(lse(tf.tensor1d(f32(x))))]) };
    }
    case 'llsq': {
      const m = (sample[0] as Float64Array).length;
      const n = sample[1] as number;
      // The points and exponents are made once; the powers t_i^j are computed in each call, as the
      // primal and the other gradients compute them (GradBench's reference implementations do too).
      const t = tf.tensor2d(f32(Float64Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1))), [n, 1]);
      const exponents = tf.tensor2d(f32(Float64Array.from({ length: m }, (_, j) => j)), [1, m]);
      const signs = tf.reshape(tf.sign(t), [n]);
      const fit = tf.grad((x: tf.Tensor) => {
        const powers = tf.pow(t, exponents);
        return tf.mul(0.5, tf.sum(tf.square(tf.sub(signs, tf.squeeze(tf.matMul(powers, tf.reshape(x, [-1, 1])), [1])))));
      });
      return { gradient: (x: Float64Array) => tidy(() => [f64(fit(tf.tensor1d(f32(x))))]) };
    }
    case 'gmm': {
      const { K, D, N, L } = gmmSizes(sample);
      // Where each entry of Q_k below the diagonal comes from in l_k (L means "zero"), column by column.
      const below = new Int32Array(D * D).fill(L);
      for (let c = 0, at = 0; c < D; c++) for (let r = c + 1; r < D; r++) below[r * D + c] = at++;
      const belowIndex = tf.tensor1d(below, 'int32');
      const eye = tf.eye(D);
      const points = cached((x) => tf.keep(tf.tensor2d(f32(x as Float64Array), [N, D])));
      const logLikelihood = tf.grads((a: tf.Tensor, m: tf.Tensor, qk: tf.Tensor, lk: tf.Tensor) => {
        const Xt = points(sample[4] as Float64Array);
        const lower = tf.reshape(tf.gather(tf.concat([lk, tf.zeros([K, 1])], 1), belowIndex, 1), [K, D, D]);
        const Q = tf.add(lower, tf.mul(tf.expandDims(tf.exp(qk), 2), eye));
        const Z = tf.sub(tf.expandDims(Xt, 0), tf.expandDims(m, 1));
        const Y = tf.matMul(Z, Q, false, true);
        const beta = tf.sub(tf.add(tf.expandDims(a, 1), tf.expandDims(tf.sum(qk, 1), 1)), tf.mul(0.5, tf.sum(tf.square(Y), 2)));
        const prior = tf.mul(0.5, tf.add(tf.sum(tf.exp(tf.mul(2, qk))), tf.sum(tf.square(lk))));
        return tf.sub(tf.sub(tf.sum(tf.logSumExp(beta, 0)), tf.mul(N, tf.logSumExp(a))), prior);
      });
      return {
        gradient: (a: Float64Array, m: Float64Array, qk: Float64Array, lk: Float64Array, x: Float64Array) => {
          points(x);
          return tidy(() => logLikelihood([tf.tensor1d(f32(a)), tf.tensor2d(f32(m), [K, D]), tf.tensor2d(f32(qk), [K, D]), tf.tensor2d(f32(lk), [K, L])]).map(f64));
        },
      };
    }
    default:
      return { unavailable: 'not written for TF.js' };
  }
}

// ---- Penrose --------------------------------------------------------------------------------------

/**
 * `objective` traced over fresh variables for the differentiated arguments, compiled once; the
 * gradient writes into a buffer per call, as Penrose's optimizer uses it.
 */
async function traced(count: number, objective: (vars: readonly ad.Var[]) => ad.Num, read: (args: readonly unknown[]) => ArrayLike<number>, shape: (g: Float64Array) => Entry[]): Promise<Peer> {
  const vars = Array.from({ length: count }, () => variable(0));
  const compiled = await genGradient(vars, [objective(vars)], []);
  const masks = { inputMask: vars.map(() => true), objMask: [true], constrMask: [] as boolean[] };
  return {
    gradient: (...args: unknown[]) => {
      const inputs = Float64Array.from(read(args));
      const gradient = new Float64Array(count);
      compiled(masks, inputs, 1, gradient);
      return shape(gradient);
    },
  };
}

const log1pExp = (z: ad.Num): ad.Num => ifCond(gt(z, 0), add(z, log1p(exp(neg(z)))), log1p(exp(z)));

/** The operations a trace of the problem would hold, roughly. */
function traceSize(name: string, sample: readonly unknown[]): number {
  const length = (i: number) => (sample[i] as Float64Array).length;
  switch (name) {
    case 'BGDHyperOpt':
      return 6 * length(0) * (sample[3] as number);
    case 'llsq':
      return 3 * length(0) * (sample[1] as number);
    case 'gmm': {
      const K = length(0);
      const D = length(2) / K;
      return 3 * K * D * D * (length(4) / D);
    }
    default:
      return 10 * sample.reduce<number>((n, a) => n + (typeof a === 'number' ? 1 : (a as Float64Array).length), 0);
  }
}

/**
 * Traces larger than this are not attempted: building and compiling one takes tens of seconds and
 * gigabytes, and Penrose's WebAssembly compiler already refuses far smaller ones (the bench reports
 * its error where it is attempted).
 */
const traceLimit = 500_000;

async function penrosePeer(name: string, sample: readonly unknown[]): Promise<Peer> {
  const first = (args: readonly unknown[]) => args[0] as Float64Array;
  const whole = (g: Float64Array): Entry[] => [g];
  const size = traceSize(name, sample);
  if (size > traceLimit) return { unavailable: `not attempted: a trace of about ${size.toLocaleString('en')} operations (limit ${traceLimit.toLocaleString('en')})` };
  switch (name) {
    case 'HookeanSpring': {
      const n = first(sample).length / 2;
      const rest = [2 * Math.sin(Math.PI / n), 2 * Math.sin((2 * Math.PI) / n)];
      return traced(
        2 * n,
        (p) => {
          const terms: ad.Num[] = [];
          for (let i = 0; i < n; i++) {
            for (const s of [1, 2]) {
              const j = (i + s) % n;
              const d = sqrt(add(squared(sub(p[2 * j]!, p[2 * i]!)), squared(sub(p[2 * j + 1]!, p[2 * i + 1]!))));
              terms.push(mul(0.5 * k, squared(sub(d, rest[s - 1]!))));
            }
          }
          return addN(terms);
        },
        first,
        whole,
      );
    }
    case 'Brachistochrone': {
      const N = first(sample).length + 2;
      return traced(
        N - 2,
        (yIn) => {
          const y: ad.Num[] = [1, ...yIn, 0];
          const v = y.map((yi) => sqrt(mul(2 * gravity, sub(1, yi))));
          const terms: ad.Num[] = [];
          for (let i = 1; i < N; i++) {
            const length = sqrt(add((4 / (N - 1)) ** 2, squared(sub(y[i]!, y[i - 1]!))));
            terms.push(div(length, div(add(v[i - 1]!, v[i]!), 2)));
          }
          return addN(terms);
        },
        first,
        whole,
      );
    }
    case 'HMC logistic regression': {
      const [beta, X, y] = sample as [Float64Array, Float64Array, Float64Array];
      const d = beta.length;
      // The data are constants of the trace: one compiled gradient per data set.
      return traced(
        d,
        (b) => {
          const terms: ad.Num[] = [];
          for (let i = 0; i < y.length; i++) {
            const z = addN(Array.from({ length: d }, (_, j) => mul(X[i * d + j]!, b[j]!)));
            terms.push(sub(mul(y[i]! - 1, z), log1pExp(neg(z))));
          }
          return sub(addN(terms), div(addN(b.map((bj) => squared(bj))), 2 * sigma2));
        },
        first,
        whole,
      );
    }
    case 'lse': {
      return traced(
        first(sample).length,
        (x) => {
          const a = maxN([...x]);
          return add(a, ln(addN(x.map((xi) => exp(sub(xi, a))))));
        },
        first,
        whole,
      );
    }
    case 'llsq': {
      const m = first(sample).length;
      const n = sample[1] as number;
      return traced(
        m,
        (x) => {
          const terms: ad.Num[] = [];
          for (let i = 0; i < n; i++) {
            const t = -1 + (2 * i) / (n - 1);
            const p = addN(x.map((xj, j) => mul(xj, t ** j)));
            terms.push(squared(sub(Math.sign(t), p)));
          }
          return mul(0.5, addN(terms));
        },
        first,
        whole,
      );
    }
    case 'BGDHyperOpt': {
      const [x, y, , T] = sample as [Float64Array, Float64Array, number, number];
      const M = x.length;
      // The trace unrolls the descent: T steps of a sum over M records; the break becomes a flag
      // that, once set, keeps w as it is in every later step.
      return traced(
        1,
        ([r]) => {
          let w: ad.Num = 0;
          let stopped: ad.Bool | undefined;
          for (let step = 0; step < T; step++) {
            const d = div(addN(Array.from(x, (xi, i) => mul(2 * xi, sub(y[i]!, mul(xi, w))))), M);
            const stop: ad.Bool = stopped === undefined ? lt(d, 0.001) : or(stopped, lt(d, 0.001));
            w = ifCond(stop, w, add(w, mul(r!, d)));
            stopped = stop;
          }
          return div(sqrt(addN(Array.from(x, (xi, j) => squared(sub(y[j]!, mul(xi, w)))))), M);
        },
        (args) => [args[2] as number],
        (g) => [g[0]!],
      );
    }
    case 'gmm': {
      const [alpha, mu, q, l, X] = sample as Float64Array[];
      const K = alpha!.length;
      const D = q!.length / K;
      const N = X!.length / D;
      const L = (D * (D - 1)) / 2;
      const sizes = [K, K * D, K * D, K * L];
      const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
      const lse = (xs: ad.Num[]): ad.Num => {
        const a = maxN(xs);
        return add(a, ln(addN(xs.map((x) => exp(sub(x, a))))));
      };
      return traced(
        sizes.reduce((a, b) => a + b, 0),
        (v) => {
          const [a, m, qk, lk] = sizes.map((size, i) => v.slice(starts[i], starts[i]! + size));
          const terms: ad.Num[] = [];
          for (let i = 0; i < N; i++) {
            const beta: ad.Num[] = [];
            for (let k = 0; k < K; k++) {
              const norm: ad.Num[] = [];
              for (let r = 0; r < D; r++) {
                const parts: ad.Num[] = [mul(exp(qk![k * D + r]!), sub(X![i * D + r]!, m![k * D + r]!))];
                for (let c = 0; c < r; c++) parts.push(mul(lk![k * L + c * D - (c * (c + 1)) / 2 + (r - c - 1)]!, sub(X![i * D + c]!, m![k * D + c]!)));
                norm.push(squared(addN(parts)));
              }
              beta.push(sub(add(a![k]!, addN(qk!.slice(k * D, k * D + D))), mul(0.5, addN(norm))));
            }
            terms.push(lse(beta));
          }
          const prior = add(addN(qk!.map((x) => exp(mul(2, x)))), addN(lk!.map((x) => squared(x))));
          return sub(sub(add(-((N * D) / 2) * Math.log(2 * Math.PI), addN(terms)), mul(N, lse([...a!]))), mul(0.5, prior));
        },
        (args) => [...(args[0] as Float64Array), ...(args[1] as Float64Array), ...(args[2] as Float64Array), ...(args[3] as Float64Array)],
        (g) => sizes.map((size, i) => g.slice(starts[i], starts[i]! + size)),
      );
    }
    default:
      return { unavailable: 'not written for Penrose' };
  }
}

// ---- jax-js --------------------------------------------------------------------------------------

/**
 * A gradient back in JavaScript: `dataSync` consumes the array (jax-js counts references, and every
 * call takes ownership of its arguments) and returns a fresh copy, float64 as every input is.
 */
const f64Of = (a: JaxArray) => a.dataSync() as Float64Array;

function jaxPeer(name: string, sample: readonly unknown[]): Peer {
  switch (name) {
    case 'HookeanSpring': {
      const n = (sample[0] as Float64Array).length / 2;
      const rest1 = 2 * Math.sin(Math.PI / n);
      const rest2 = 2 * Math.sin((2 * Math.PI) / n);
      const energy = jit(
        grad((p: JaxArray) => {
          const P = p.reshape([n, 2]);
          // Rolled up by s rows, P has vertex i + s (mod n) in row i.
          const length = (s: number) => np.sqrt(np.square(np.roll(P.ref, -s, 0).sub(P.ref)).sum(1));
          const e1 = np.square(length(1).sub(rest1)).sum();
          const e2 = np.square(length(2).sub(rest2)).sum();
          P.dispose();
          return e1.add(e2).mul(0.5 * k);
        }),
      );
      return { gradient: (p: Float64Array) => [f64Of(energy(np.array(p)))] };
    }
    case 'Brachistochrone': {
      const N = (sample[0] as Float64Array).length + 2;
      const dx = 4 / (N - 1);
      const f64 = { dtype: np.float64 };
      const time = jit(
        grad((yIn: JaxArray) => {
          const y = np.concatenate([np.ones([1], f64), yIn, np.zeros([1], f64)]);
          const v = np.sqrt(np.subtract(1, y.ref).mul(2 * gravity));
          const dy = y.ref.slice([1]).sub(y.slice([0, N - 1]));
          const length = np.sqrt(np.square(dy).add(dx * dx));
          const speed = v.ref.slice([0, N - 1]).add(v.slice([1])).div(2);
          return length.div(speed).sum();
        }),
      );
      return { gradient: (yIn: Float64Array) => [f64Of(time(np.array(yIn)))] };
    }
    case 'HMC logistic regression': {
      const d = (sample[0] as Float64Array).length;
      const data = cached((X) => np.array(X as Float64Array, { shape: [(X as Float64Array).length / d, d] }));
      const labels = cached((y) => np.array(y as Float64Array));
      const potential = jit(
        grad((b: JaxArray, X: JaxArray, y: JaxArray) => {
          const z = np.matmul(X, b.ref);
          // log(1 + e^−z) as logaddexp(0, −z), which shifts by the larger: jax-js's softplus is
          // log(exp(x) + 1), and its exp overflows past 88 (the float32 range) even in float64.
          const likelihood = y.sub(1).mul(z.ref).sub(np.logaddexp(0, z.neg())).sum();
          return likelihood.sub(np.square(b).sum().div(2 * sigma2));
        }),
      );
      // The data arrays are passed by reference (`.ref`): the call consumes one reference, the cache keeps its own.
      return { gradient: (beta: Float64Array, X: Float64Array, y: Float64Array) => [f64Of(potential(np.array(beta), data(X).ref, labels(y).ref))] };
    }
    case 'BGDHyperOpt':
      return { unavailable: "the early exit needs the step's value under grad, which jax-js's tracers do not give, and the T = 1000 steps unrolled under jit with a stop flag overflow its call stack (already at T = 500)" };
    case 'lse': {
      const lse = jit(grad((x: JaxArray) => nn.logsumexp(x)));
      return { gradient: (x: Float64Array) => [f64Of(lse(np.array(x)))] };
    }
    case 'llsq': {
      const m = (sample[0] as Float64Array).length;
      const n = sample[1] as number;
      const points = np.array(Float64Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)));
      // The powers t_i^j are computed in each call, as the primal computes them, by the recurrence
      // t^j = t^(j−1)·t of GradBench's TF.js llsq: np.power is exp(j·log|t|), good to about 1e-4 here,
      // and np.vander's cumulative product is quadratic in m (about 50 ms a call at n = 1024).
      const fit = jit(
        grad((x: JaxArray, t: JaxArray) => {
          let r = np.sign(t.ref);
          let power = np.onesLike(t.ref);
          for (let j = 0; j < m; j++) {
            if (j > 0) power = power.mul(t.ref);
            r = r.sub(power.ref.mul(x.ref.slice(j)));
          }
          power.dispose();
          t.dispose();
          x.dispose();
          return np.square(r).sum().mul(0.5);
        }),
      );
      return { gradient: (x: Float64Array) => [f64Of(fit(np.array(x), points.ref))] };
    }
    case 'gmm': {
      const { K, D, N, L } = gmmSizes(sample);
      // l_k placed below the diagonal of Q_k, column by column, by a product with a 0/1 matrix: the
      // gather TF.js uses (np.take) differentiates into a scatter, which jax-js's jit refuses.
      const placing = new Float64Array(L * D * D);
      for (let c = 0, at = 0; c < D; c++) for (let r = c + 1; r < D; r++) placing[at++ * D * D + r * D + c] = 1;
      const placement = np.array(placing, { shape: [L, D * D] });
      const eye = np.eye(D, undefined, { dtype: np.float64 });
      const points = cached((x) => np.array(x as Float64Array, { shape: [N, D] }));
      const logLikelihood = jit(
        grad(
          (a: JaxArray, m: JaxArray, qk: JaxArray, lk: JaxArray, x: JaxArray, place: JaxArray, I: JaxArray) => {
            const Q = np.matmul(lk.ref, place).reshape([K, D, D]).add(np.exp(qk.ref).reshape([K, D, 1]).mul(I));
            const Z = x.reshape([1, N, D]).sub(m.reshape([K, 1, D]));
            const Y = np.matmul(Z, np.matrixTranspose(Q));
            const beta = a.ref.reshape([K, 1]).add(qk.ref.sum(1).reshape([K, 1])).sub(np.square(Y).sum(2).mul(0.5));
            const prior = np.exp(qk.mul(2)).sum().add(np.square(lk).sum()).mul(0.5);
            return nn.logsumexp(beta, 0).sum().sub(nn.logsumexp(a).mul(N)).sub(prior);
          },
          { argnums: [0, 1, 2, 3] },
        ),
      );
      return {
        gradient: (a: Float64Array, m: Float64Array, qk: Float64Array, lk: Float64Array, x: Float64Array) =>
          logLikelihood(np.array(a), np.array(m, { shape: [K, D] }), np.array(qk, { shape: [K, D] }), np.array(lk, { shape: [K, L] }), points(x).ref, placement.ref, eye.ref).map(f64Of),
      };
    }
    default:
      return { unavailable: 'not written for jax-js' };
  }
}

/** The peers' gradients for one problem at one size (one sample of its arguments). */
export async function peersFor(name: string, sample: readonly unknown[]): Promise<{ tfjs: Peer; penrose: Peer; jax: Peer }> {
  const tfjs = tfjsPeer(name, sample);
  let penrose: Peer;
  try {
    penrose = await penrosePeer(name, sample);
  } catch (error) {
    // Penrose's compiler has limits of its own (WebAssembly locals per function, ...).
    penrose = { unavailable: `fails to compile: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  return { tfjs, penrose, jax: jaxPeer(name, sample) };
}
