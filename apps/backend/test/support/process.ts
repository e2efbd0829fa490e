// The backend as a real child process (src/main.ts), for tests that must see it exit or survive:
// an unhandled error in-process would take the test runner down with it instead.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface BackendProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

export function startProcess(env: Record<string, string>): BackendProcess {
  let out = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

export const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

/** Polls GET /health until 200; fails early when the process exits. */
export async function waitHealthy(base: string, proc: BackendProcess, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`backend did not become healthy:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
