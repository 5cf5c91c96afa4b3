// `npm run bench [-- --quick]`: builds the benchmark problems with tspc through the plugin, then times them.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { linkPackage } from '../scripts/link-package.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const problem = linkPackage(here);
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
const tspc = path.join(root, 'node_modules', 'ts-patch', 'bin', 'tspc.js');
// The same sources twice: coarsened (out/) and in the fine-grained mode (out-fine/), the baseline.
for (const config of ['tsconfig.json', 'tsconfig.fine.json']) {
  const built = spawnSync(process.execPath, [tspc, '-p', path.join(here, config)], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    console.error(`bench: tspc failed to build the benchmark problems (${config})`);
    process.exit(1);
  }
}
const loader = pathToFileURL(path.join(here, 'loader', 'register.mjs')).href;
const ran = spawnSync(process.execPath, ['--import', loader, path.join(here, 'out', 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(ran.status ?? 1);
