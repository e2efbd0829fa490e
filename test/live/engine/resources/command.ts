// command:local:Command run for real: `create` through the interpreter (default
// /bin/sh -c), with `environment` merged over this process's env, `stdin` piped, in `dir`.
import { spawn } from 'child_process';

const KNOWN = new Set(['create', 'update', 'delete', 'environment', 'stdin', 'dir', 'interpreter', 'triggers', 'logging', 'addPreviousOutputInEnv', 'assetPaths', 'archivePaths']);

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

export async function runLocalCommand(name: string, inputs: Record<string, unknown>, log: (l: string) => void): Promise<Record<string, unknown>> {
  const unknown = Object.keys(inputs).filter((k) => !KNOWN.has(k) && inputs[k] !== undefined);
  if (unknown.length) throw new Error(`live layer: command:local:Command "${name}" argument(s) not implemented: ${unknown.join(', ')}`);
  for (const k of ['assetPaths', 'archivePaths'] as const) {
    if (Array.isArray(inputs[k]) && (inputs[k] as unknown[]).length) throw new Error(`live layer: command:local:Command "${name}": ${k} is not implemented`);
  }
  const create = inputs.create;
  if (typeof create !== 'string' || !create) {
    return { ...inputs, stdout: '', stderr: '' };
  }
  const interpreter = Array.isArray(inputs.interpreter) && inputs.interpreter.length ? (inputs.interpreter as string[]) : ['/bin/sh', '-c'];
  const env = { ...process.env, ...((inputs.environment as Record<string, string> | undefined) ?? {}) };
  const started = Date.now();
  const result = await new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(interpreter[0], [...interpreter.slice(1), create], { cwd: (inputs.dir as string | undefined) ?? process.cwd(), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, '') });
      // Like the provider: the failure names the command resource and carries its output,
      // which the program is expected to keep free of secrets.
      else reject(new Error(`command:local:Command "${name}" exited with code ${code}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
    });
    child.stdin.end(typeof inputs.stdin === 'string' ? inputs.stdin : undefined);
  });
  log(`command ${name} ran in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { ...inputs, ...result };
}
