/**
 * Real builds of projects on disk, for the suites that run ts-patch's tspc the way a user does
 * (tspc.test.ts, incremental.test.ts).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

/** Where the suites put the projects they build. */
export const tmpRoot = path.join(root, 'test', '.tmp');

/** tspc as a command line: ts-patch's script through this node when present, else the bin link. */
export function tspcCommand(): [string, string[]] {
  const script = path.join(root, 'node_modules', 'ts-patch', 'bin', 'tspc.js');
  if (fs.existsSync(script)) return [process.execPath, [script]];
  return [path.join(root, 'node_modules', '.bin', 'tspc'), []];
}

export interface Ran {
  /** Exit code, or null when the process was killed or never started. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Never rejects: a failed start is reported like a failed run, so no promise is left unhandled. */
export function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: `${stderr}${String(error)}` }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function describe(ran: Ran): string {
  return `exit ${String(ran.status)}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
}

/** A consumer project that depends on this repository the way an installed package would. */
export function createConsumer(name: string, packageJson: object, compilerOptions: object, files: Readonly<Record<string, string>>): string {
  const dir = path.join(tmpRoot, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  // Relative, so the link survives the checkout being moved or mounted elsewhere.
  fs.symlinkSync(path.relative(path.join(dir, 'node_modules'), root), path.join(dir, 'node_modules', 'coarsegrad'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, ...packageJson }, null, 2));
  const tsconfig = {
    compilerOptions: {
      target: 'es2022',
      module: 'node20',
      strict: true,
      rootDir: 'src',
      outDir: 'out',
      // Keeps the repository's own @types (found by walking up from test/.tmp) out of the consumer.
      types: [],
      plugins: [{ transform: 'coarsegrad/transformer' }],
      ...compilerOptions,
    },
    include: ['src'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', file), text);
  }
  return dir;
}
