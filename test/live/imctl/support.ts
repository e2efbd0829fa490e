// Runs the real imctl (bin/imctl.js, real DockerOps, real probes) as a child process, and
// brings up a labelled stack for it: the live layer's runStack over the real program, under
// its own stack name so it never collides with the other live suites.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'bin', 'imctl.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The `result` of an `imctl --json` run: the envelope is the last line of stdout (docs/operations.md,
 * "JSON output"); fails unless the command succeeded.
 */
export function jsonResult<T>(r: CliResult): T {
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const envelope = JSON.parse(last) as { ok: boolean; exitCode: number; result?: T; error?: { message: string } };
  if (!envelope.ok || !('result' in envelope)) throw new Error(`imctl --json: exit ${envelope.exitCode}: ${envelope.error?.message ?? last.slice(0, 300)}`);
  return envelope.result as T;
}

export function imctl(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`imctl ${args.join(' ')} took longer than ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Polls until fn() resolves true or the time is up. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * A throwaway project folder for stack `name`: the repo's Pulumi.yaml and Pulumi.dev.yaml
 * (as Pulumi.<name>.yaml). The program itself is the repo's index.ts.
 */
export function scratchProject(name: string): string {
  // Inside the repo, so the live runner (forked with this cwd) resolves ts-node and @pulumi.
  const dir = path.join(__dirname, '.scratch', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'Pulumi.yaml'), path.join(dir, 'Pulumi.yaml'));
  fs.copyFileSync(path.join(ROOT, 'Pulumi.dev.yaml'), path.join(dir, `Pulumi.${name}.yaml`));
  return dir;
}

/** Prints a transcript block so a test run doubles as a demonstration. */
export function transcript(cmd: string, r: CliResult): void {
  const body = (r.stdout + (r.stderr ? `\n[stderr]\n${r.stderr}` : '')).trimEnd();
  console.log(`\n      $ imctl ${cmd}    # exit ${r.code}, ${(r.ms / 1000).toFixed(1)}s\n${body.replace(/^/gm, '      ')}\n`);
}
