// Gives a folder of this checkout (samples/, bench/) the node_modules/coarsegrad an install would give it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Projects here name the plugin as `coarsegrad/transformer`, as a user's tsconfig does. ts-patch
 * resolves that from the tsconfig's folder with `require.resolve`, which looks only in node_modules
 * folders: Node's package self-reference (which serves `import ... from 'coarsegrad'`) applies to the
 * requiring file's package, here ts-patch. So `dir` gets a node_modules/coarsegrad linking to this
 * checkout, as `npm link` makes. node_modules is git-ignored and `npm ci` does not touch it there.
 * Returns a problem to report, or undefined when the link is in place.
 */
export function linkPackage(dir) {
  const link = path.join(dir, 'node_modules', 'coarsegrad');
  // lstat, not exists: a dangling link must be reported, not tripped over.
  if (fs.lstatSync(link, { throwIfNoEntry: false }) !== undefined) {
    const target = fs.existsSync(link) ? fs.realpathSync(link) : undefined;
    return target === fs.realpathSync(root) ? undefined : `${link} exists but is not a link to ${root}; remove it and run again.`;
  }
  fs.mkdirSync(path.dirname(link), { recursive: true });
  // Relative, so the link survives moving the checkout; a junction on Windows needs no privileges.
  fs.symlinkSync(path.relative(path.dirname(link), root), link, 'junction');
  return undefined;
}
