// The ESM entry re-exports the CommonJS build so that ESM and CommonJS consumers share one runtime.
export { grad, valueAndGrad, differentiable, register, tape, operations, outputs, checkSources, registerSources } from './index.js';
export type * from './index.js';
