// What the live backup tests share: imctl for one stack (transcript printed, no secret allowed
// in its output), the stack's API through nginx, and the backup job's environment.
import * as assert from 'assert';
import type Docker from 'dockerode';
import type { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { imctl, transcript, type CliResult } from '../imctl/support';

/** `imctl --stack <stack> …`, printed as a transcript; fails if any of `secrets()` shows up. */
export function stackCli(stack: string, secrets: () => readonly string[]): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const r = await imctl(['--stack', stack, ...args]);
    transcript(`--stack ${stack} ${args.join(' ')}`, r);
    for (const s of secrets()) assert.ok(!(r.stdout + r.stderr).includes(s), `a secret appeared in the output of imctl ${args.join(' ')}`);
    return r;
  };
}

/** A JSON (or multipart) request to the stack's nginx on 127.0.0.1:`port()`; a status >= 300 throws. */
export function stackApi(port: () => number): <T>(method: string, p: string, token?: string, body?: unknown) => Promise<T> {
  return async <T>(method: string, p: string, token?: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port()}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/**
 * The backup job container's environment, with each secret the job reads from a file (X_FILE,
 * automation/backup/secretEnv.ts) read in as X, so the tests work whichever way it is passed.
 */
export async function jobEnv(docker: Docker, exec: DockerodeExec, containerId: string): Promise<Record<string, string>> {
  const env: Record<string, string> = Object.fromEntries(((await docker.getContainer(containerId).inspect()).Config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  for (const [k, file] of Object.entries(env)) {
    const name = k.replace(/_FILE$/, '');
    if (name === k || env[name]) continue;
    const out: string[] = [];
    const code = await exec.run(containerId, ['cat', file], { stdin: false }, (l) => void (l.stream === 'stdout' && out.push(l.text)));
    if (code === 0) env[name] = out.join('\n');
  }
  return env;
}

/** The inspected container of `service` in `stack` (the first replica of a replicated one); fails when there is none. */
export function stackContainer(docker: Docker, stack: string): (service: string) => Promise<Docker.ContainerInspectInfo> {
  return async (service) => {
    const [c] = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${stack}`, `com.imstack.service=${service}`] } });
    assert.ok(c, `no container for service ${service}`);
    return docker.getContainer(c.Id).inspect();
  };
}

/** GET /api/files/:id through the stack's nginx on 127.0.0.1:`port()`, as the holder of `token`. */
export function fileDownloader(port: () => number): (token: string, id: string) => Promise<{ status: number; type: string; body: Buffer }> {
  return async (token, id) => {
    const res = await fetch(`http://127.0.0.1:${port()}/api/files/${id}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
  };
}
