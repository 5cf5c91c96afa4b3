// Module resolution hooks for TF.js's ES module build, whose relative imports have no extension
// (`./ops`, `./gradients`): resolved as bundlers resolve them, the file with `.js` first, else the
// folder's `index.js`. Only imports made from inside @tensorflow packages are touched.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const relative = /^\.\.?\//.test(specifier) && context.parentURL?.includes('/@tensorflow/');
    if (!relative || (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT')) throw error;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
