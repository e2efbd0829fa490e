// One place that decides which Docker engine the live layer talks to, and whether it can.
import Docker from 'dockerode';
import fs from 'fs';

export const SOCKET_PATH = process.env.IMSTACK_DOCKER_SOCKET ?? '/var/run/docker.sock';

export function dockerClient(): Docker {
  return new Docker({ socketPath: SOCKET_PATH });
}

export interface EngineProbe {
  readonly ok: boolean;
  /** Why the engine is unusable, for the skip message; empty when ok. */
  readonly reason: string;
  readonly version?: string;
}

export async function probeEngine(docker: Docker = dockerClient()): Promise<EngineProbe> {
  if (!fs.existsSync(SOCKET_PATH)) return { ok: false, reason: `no Docker socket at ${SOCKET_PATH}` };
  try {
    const v = await docker.version();
    return { ok: true, reason: '', version: v.Version };
  } catch (e) {
    return { ok: false, reason: `Docker engine at ${SOCKET_PATH} does not answer: ${(e as Error).message}` };
  }
}

/** Follows a build/import/pull progress stream; rejects on an error message in the stream. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: Array<Record<string, unknown>>) => {
        if (err) return reject(err);
        const failed = out.find((o) => o.error || o.errorDetail);
        if (failed) return reject(new Error(String(failed.error ?? JSON.stringify(failed.errorDetail))));
        resolve(out);
      },
      (ev: Record<string, unknown>) => {
        if (!onLine) return;
        const text = typeof ev.stream === 'string' ? ev.stream : typeof ev.status === 'string' ? `${ev.status}${ev.progress ? ` ${ev.progress}` : ''}\n` : '';
        for (const l of text.split('\n')) if (l.trim()) onLine(l.trimEnd());
      },
    );
  });
}
