// `node --import ./bench/loader/register.mjs`: lets the bench load TF.js's ES module build, the one
// that registers gradients (its CommonJS build registers none, so `tf.grad` would fail).
import { createRequire, register } from 'node:module';

register('./hooks.mjs', import.meta.url);
// That build reads Node's `util` through a global `require`, as it would find under a bundler.
globalThis.require ??= createRequire(import.meta.url);
