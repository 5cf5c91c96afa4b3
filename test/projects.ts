/**
 * Real builds of projects on disk, for the suites that run ts-patch's tspc the way a user does
 * (tspc.test.ts, incremental.test.ts).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

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
