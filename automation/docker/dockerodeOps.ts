// DockerOps over dockerode. The socket comes from DOCKER_HOST (docker-modem reads it) or
// /var/run/docker.sock.
import Docker from 'dockerode';
import { dockerFailure } from './dockerErrors';
import { LogDemuxer, splitTimestamp } from './demux';
import { withSecretFiles } from './secretFiles';
import { LABEL, type ContainerSummary, type DockerOps, type HealthState, type LogLine, type LogOptions, type PortBinding, type VolumeSummary } from './dockerOps';

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw dockerFailure(e, what);
  }
}

type Inspect = Docker.ContainerInspectInfo;

type Bindings = Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined;

function toBindings(map: Bindings): PortBinding[] {
  const ports: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(map ?? {})) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? []) {
      if (!b.HostPort) continue;
      ports.push({ hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort), containerPort: Number(port), protocol: protocol ?? 'tcp' });
    }
  }
  return ports;
}

function toSummary(info: Inspect): ContainerSummary {
  const labels = info.Config.Labels ?? {};
  const networks: Record<string, string> = {};
  for (const [name, n] of Object.entries(info.NetworkSettings.Networks ?? {})) networks[name] = n.IPAddress;
  const replica = labels[LABEL.replica] ? Number(labels[LABEL.replica]) : undefined;
  const state = info.State;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    stack: labels[LABEL.stack] ?? '',
    service: labels[LABEL.service] ?? 'unknown',
    tier: labels[LABEL.tier] ?? 'unknown',
    replica: Number.isFinite(replica) ? replica : undefined,
    state: state.Status,
    health: ((state.Health?.Status as HealthState | undefined) ?? 'none'),
    startedAt: state.Running ? state.StartedAt : undefined,
    exitCode: state.Running ? undefined : state.ExitCode,
    ports: toBindings(info.NetworkSettings.Ports as Bindings),
    publishedPorts: toBindings(info.HostConfig.PortBindings as Bindings),
    networks,
  };
}

export class DockerodeOps implements DockerOps {
  constructor(private readonly docker: Docker = new Docker()) {}

  ping(): Promise<void> {
    return guard('ping', async () => {
      await this.docker.ping();
    });
  }

  version(): Promise<{ version: string; apiVersion: string }> {
    return guard('version', async () => {
      const v = await this.docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    });
  }

  dataRoot(): Promise<string> {
    return guard('info', async () => ((await this.docker.info()) as { DockerRootDir: string }).DockerRootDir);
  }

  listContainers(stack: string): Promise<ContainerSummary[]> {
    return guard('list containers', async () => {
      const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.stack}=${stack}`] } });
      const out: ContainerSummary[] = [];
      for (const c of list) {
        try {
          out.push(toSummary(await this.docker.getContainer(c.Id).inspect()));
        } catch (e) {
          // Removed between list and inspect: it is simply gone.
          if ((e as { statusCode?: number }).statusCode !== 404) throw e;
        }
      }
      return out;
    });
  }

  inspectContainer(id: string): Promise<ContainerSummary> {
    return guard(`inspect ${id.slice(0, 12)}`, async () => toSummary(await this.docker.getContainer(id).inspect()));
  }

  containerEnv(id: string): Promise<Record<string, string>> {
    return guard(`inspect ${id.slice(0, 12)}`, async () => {
      const container = this.docker.getContainer(id);
      const info = await container.inspect();
      const env: Record<string, string> = {};
      for (const kv of info.Config.Env ?? []) {
        const i = kv.indexOf('=');
        if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
      }
      return withSecretFiles(container, env);
    });
  }

  start(id: string): Promise<void> {
    return guard(`start ${id.slice(0, 12)}`, async () => {
      try {
        await this.docker.getContainer(id).start();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 304) throw e; // already running
      }
    });
  }

  stop(id: string, timeoutSeconds: number): Promise<void> {
    return guard(`stop ${id.slice(0, 12)}`, async () => {
      try {
        await this.docker.getContainer(id).stop({ t: timeoutSeconds });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 304) throw e; // already stopped
      }
    });
  }

  async logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    const container = this.docker.getContainer(id);
    const info = await guard(`inspect ${id.slice(0, 12)}`, () => container.inspect());
    const demux = new LogDemuxer(Boolean(info.Config.Tty), (stream, raw) => onLine({ stream, ...splitTimestamp(raw) }));
    const base = { stdout: true, stderr: true, timestamps: true, since: opts.since, ...(opts.tail === undefined ? {} : { tail: opts.tail }) };
    if (!opts.follow) {
      const buf = await guard(`logs ${info.Name}`, () => container.logs({ ...base, follow: false }));
      demux.push(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
      demux.end();
      return;
    }
    const stream = await guard(`logs ${info.Name}`, () => container.logs({ ...base, follow: true }));
    await new Promise<void>((resolve, reject) => {
      const stop = (): void => {
        (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
        resolve();
      };
      if (opts.signal?.aborted) return stop();
      opts.signal?.addEventListener('abort', stop, { once: true });
      stream.on('data', (chunk: Buffer) => demux.push(chunk));
      stream.on('end', () => {
        demux.end();
        resolve();
      });
      stream.on('error', (e: Error) => (opts.signal?.aborted ? resolve() : reject(dockerFailure(e, `logs ${info.Name}`))));
    });
  }

  listVolumes(stack: string): Promise<VolumeSummary[]> {
    return guard('list volumes', async () => {
      const r = await this.docker.listVolumes({ filters: { label: [`${LABEL.stack}=${stack}`] } });
      return (r.Volumes ?? []).map((v) => ({ name: v.Name, mountpoint: v.Mountpoint }));
    });
  }

  removeVolume(name: string): Promise<void> {
    return guard(`remove volume ${name}`, async () => {
      await this.docker.getVolume(name).remove();
    });
  }
}
