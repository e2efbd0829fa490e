// docker:index/container:Container -> a real container, following the kreuzwerker docker
// provider's create sequence: create (first network at create time), upload files,
// disconnect the default bridge and connect the other networks, start, then the
// mustRun / wait / attach checks. An argument this file does not translate fails loudly.
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { durationToNanos } from '../durations';
import { inputsHash } from '../state';
import { INPUTS_HASH_LABEL, LIVE_LABEL, labelsToMap, rejectUnknownArgs } from './labels';

const KNOWN = new Set([
  'name', 'image', 'envs', 'command', 'entrypoints', 'labels', 'ports', 'networkMode', 'networksAdvanced', 'volumes', 'mounts',
  'uploads', 'healthcheck', 'restart', 'maxRetryCount', 'memory', 'memorySwap', 'memoryReservation', 'cpus', 'cpuShares', 'cpuSet',
  'cpuPeriod', 'cpuQuota', 'logDriver', 'logOpts', 'securityOpts', 'capabilities', 'readOnly', 'tmpfs', 'user', 'init', 'wait',
  'waitTimeout', 'mustRun', 'attach', 'logs', 'destroyGraceSeconds', 'hostname', 'domainname', 'workingDir', 'stopSignal',
  'stopTimeout', 'shmSize', 'sysctls', 'ulimits', 'hosts', 'dns', 'dnsOpts', 'dnsSearches', 'privileged', 'tty', 'stdinOpen',
  'groupAdds', 'publishAllPorts', 'start', 'rm', 'removeVolumes', 'containerReadRefreshTimeoutMilliseconds', 'ipcMode', 'pidMode',
]);

interface Port { internal: number; external?: number; ip?: string; protocol?: string }
interface NetAdv { name: string; aliases?: string[]; ipv4Address?: string; ipv6Address?: string; macAddress?: string; driverOpts?: Record<string, string>; gwPriority?: number; linkLocalIps?: string[] }
interface Vol { volumeName?: string; hostPath?: string; containerPath?: string; readOnly?: boolean; fromContainer?: string; selinuxRelabel?: string }
interface Mount { type: string; source?: string; target: string; readOnly?: boolean; tmpfsOptions?: { sizeBytes?: number; mode?: number }; bindOptions?: { propagation?: string }; volumeOptions?: { noCopy?: boolean; labels?: Array<{ label: string; value: string }>; driverName?: string; driverOptions?: Record<string, string> } }
interface Upload { file: string; content?: string; contentBase64?: string; source?: string; sourceHash?: string; executable?: boolean; permissions?: string; owner?: string; group?: string }

/** The provider takes owner/group as strings and resolves names on the deploying host; only ids are reproduced. */
function uploadId(v: string | number | undefined, what: string, file: string): number {
  if (v === undefined || v === null || v === '') return 0;
  if (!/^\d+$/.test(String(v))) throw new Error(`uploads ${file}: ${what} "${v}" is not a numeric id (the live layer does not resolve names)`);
  return Number(v);
}
interface Health { tests: string[]; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: number }
interface Ulimit { name: string; soft: number; hard: number }

export interface ContainerOutcome {
  readonly id: string;
  readonly state: Record<string, unknown>;
  /** Milliseconds from create to running/healthy/exited, for the report. */
  readonly readyMs: number;
}

const MB = 1024 * 1024;

function healthConfig(h: Health | undefined): Docker.HealthConfig | undefined {
  if (!h) return undefined;
  if (!Array.isArray(h.tests) || h.tests.length === 0) throw new Error('healthcheck.tests must be a non-empty list such as ["CMD", "pg_isready"]');
  if (h.startInterval) throw new Error('live layer: healthcheck.startInterval is not implemented (needs Docker API 1.44)');
  return {
    Test: h.tests,
    Interval: h.interval ? durationToNanos(h.interval, 'healthcheck.interval') : 0,
    Timeout: h.timeout ? durationToNanos(h.timeout, 'healthcheck.timeout') : 0,
    StartPeriod: h.startPeriod ? durationToNanos(h.startPeriod, 'healthcheck.startPeriod') : 0,
    Retries: h.retries ?? 0,
  };
}

function uploadArchive(uploads: Upload[]): NodeJS.ReadableStream {
  const p = pack();
  for (const u of uploads) {
    if (!u.file || !u.file.startsWith('/')) throw new Error(`uploads: file must be an absolute path, got "${u.file}"`);
    const given = [u.content, u.contentBase64, u.source].filter((x) => x !== undefined && x !== null);
    if (given.length !== 1) throw new Error(`uploads ${u.file}: exactly one of content, contentBase64 or source is required`);
    let body: Buffer;
    if (u.content !== undefined && u.content !== null) body = Buffer.from(u.content, 'utf8');
    else if (u.contentBase64 !== undefined && u.contentBase64 !== null) body = Buffer.from(u.contentBase64, 'base64');
    else body = require('fs').readFileSync(u.source as string) as Buffer;
    const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o755 : 0o644;
    p.entry({ name: u.file.replace(/^\/+/, ''), mode, uid: uploadId(u.owner, 'owner', u.file), gid: uploadId(u.group, 'group', u.file), size: body.length }, body);
  }
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

async function lastLogs(docker: Docker, id: string, lines = 40): Promise<string> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demux(buf);
  } catch (e) {
    return `(logs unavailable: ${(e as Error).message})`;
  }
}

/** Docker's multiplexed log frames (8-byte headers) to text; plain text passes through. */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(out).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function buildCreateOptions(name: string, inputs: Record<string, unknown>, hash: string): { opts: Docker.ContainerCreateOptions; extraNetworks: NetAdv[] } {
  rejectUnknownArgs(inputs, KNOWN, `docker:index/container:Container "${name}"`);
  const ports = (inputs.ports ?? []) as Port[];
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of ports) {
    const key = `${p.internal}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.ip ?? '0.0.0.0', HostPort: p.external ? String(p.external) : '' });
  }
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  const volumesFrom: string[] = [];
  for (const v of (inputs.volumes ?? []) as Vol[]) {
    if (v.fromContainer) { volumesFrom.push(v.fromContainer); continue; }
    if (!v.containerPath) throw new Error(`container ${name}: volumes entry needs containerPath`);
    const src = v.volumeName ?? v.hostPath;
    const flags = [v.readOnly ? 'ro' : 'rw', v.selinuxRelabel].filter(Boolean).join(',');
    if (src) binds.push(`${src}:${v.containerPath}:${flags}`);
    else anonymous[v.containerPath] = {};
  }
  const mounts: Docker.MountSettings[] = ((inputs.mounts ?? []) as Mount[]).map((m) => ({
    Type: m.type as Docker.MountType,
    Source: m.source,
    Target: m.target,
    ReadOnly: Boolean(m.readOnly),
    ...(m.bindOptions ? { BindOptions: { Propagation: m.bindOptions.propagation as Docker.MountPropagation } } : {}),
    ...(m.tmpfsOptions ? { TmpfsOptions: { SizeBytes: m.tmpfsOptions.sizeBytes, Mode: m.tmpfsOptions.mode } } : {}),
    ...(m.volumeOptions ? { VolumeOptions: { NoCopy: Boolean(m.volumeOptions.noCopy), Labels: labelsToMap(m.volumeOptions.labels, `mount ${m.target}`), ...(m.volumeOptions.driverName ? { DriverConfig: { Name: m.volumeOptions.driverName, Options: m.volumeOptions.driverOptions ?? {} } } : {}) } } : {}),
  }) as Docker.MountSettings);
  const nets = (inputs.networksAdvanced ?? []) as NetAdv[];
  for (const n of nets) {
    for (const k of ['ipv4Address', 'ipv6Address', 'macAddress', 'driverOpts', 'gwPriority', 'linkLocalIps'] as const) {
      const v = n[k];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) {
        throw new Error(`live layer: container ${name}: networksAdvanced.${k} is not implemented`);
      }
    }
  }
  const networkMode = (inputs.networkMode as string | undefined) ?? 'bridge';
  const firstIsMode = nets.find((n) => n.name === networkMode);
  const endpoints: Record<string, Docker.EndpointSettings> = {};
  if (firstIsMode) endpoints[networkMode] = { Aliases: firstIsMode.aliases ?? [] };
  const restart = (inputs.restart as string | undefined) ?? 'no';
  const caps = (inputs.capabilities ?? {}) as { adds?: string[]; drops?: string[] };
  const cpus = inputs.cpus as string | undefined;
  const health = healthConfig(inputs.healthcheck as Health | undefined);
  const opts: Docker.ContainerCreateOptions = {
    name: (inputs.name as string | undefined) ?? name,
    Image: String(inputs.image),
    Env: (inputs.envs ?? []) as string[],
    Cmd: (inputs.command as string[] | undefined)?.length ? (inputs.command as string[]) : undefined,
    Entrypoint: (inputs.entrypoints as string[] | undefined)?.length ? (inputs.entrypoints as string[]) : undefined,
    Labels: { ...labelsToMap(inputs.labels, `container ${name}`), [LIVE_LABEL]: '1', [INPUTS_HASH_LABEL]: hash },
    ExposedPorts: exposed,
    Volumes: anonymous,
    Hostname: inputs.hostname as string | undefined,
    Domainname: inputs.domainname as string | undefined,
    User: inputs.user as string | undefined,
    WorkingDir: inputs.workingDir as string | undefined,
    StopSignal: inputs.stopSignal as string | undefined,
    StopTimeout: inputs.stopTimeout as number | undefined,
    Tty: Boolean(inputs.tty),
    OpenStdin: Boolean(inputs.stdinOpen),
    AttachStdout: Boolean(inputs.attach),
    AttachStderr: Boolean(inputs.attach),
    Healthcheck: health,
    HostConfig: {
      NetworkMode: networkMode,
      PortBindings: bindings,
      PublishAllPorts: Boolean(inputs.publishAllPorts),
      Binds: binds,
      Mounts: mounts,
      VolumesFrom: volumesFrom,
      RestartPolicy: { Name: restart, MaximumRetryCount: restart === 'on-failure' ? Number(inputs.maxRetryCount ?? 0) : 0 },
      Memory: inputs.memory ? Number(inputs.memory) * MB : undefined,
      MemorySwap: inputs.memorySwap ? Number(inputs.memorySwap) * MB : undefined,
      MemoryReservation: inputs.memoryReservation ? Number(inputs.memoryReservation) * MB : undefined,
      NanoCpus: cpus ? Math.round(Number(cpus) * 1e9) : undefined,
      CpuShares: inputs.cpuShares as number | undefined,
      CpusetCpus: inputs.cpuSet as string | undefined,
      CpuPeriod: inputs.cpuPeriod as number | undefined,
      CpuQuota: inputs.cpuQuota as number | undefined,
      LogConfig: inputs.logDriver || inputs.logOpts ? { Type: (inputs.logDriver as string | undefined) ?? 'json-file', Config: (inputs.logOpts as Record<string, string> | undefined) ?? {} } : undefined,
      SecurityOpt: inputs.securityOpts as string[] | undefined,
      CapAdd: caps.adds,
      CapDrop: caps.drops,
      ReadonlyRootfs: Boolean(inputs.readOnly),
      Tmpfs: inputs.tmpfs as Record<string, string> | undefined,
      Init: inputs.init === undefined ? undefined : Boolean(inputs.init),
      ShmSize: inputs.shmSize ? Number(inputs.shmSize) * MB : undefined,
      Sysctls: inputs.sysctls as Record<string, string> | undefined,
      Ulimits: ((inputs.ulimits ?? []) as Ulimit[]).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      ExtraHosts: ((inputs.hosts ?? []) as Array<{ host: string; ip: string }>).map((h) => `${h.host}:${h.ip}`),
      Dns: inputs.dns as string[] | undefined,
      DnsOptions: inputs.dnsOpts as string[] | undefined,
      DnsSearch: inputs.dnsSearches as string[] | undefined,
      Privileged: Boolean(inputs.privileged),
      GroupAdd: inputs.groupAdds as string[] | undefined,
      AutoRemove: Boolean(inputs.rm),
      IpcMode: inputs.ipcMode as string | undefined,
      PidMode: inputs.pidMode as string | undefined,
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  return { opts, extraNetworks: nets.filter((n) => n !== firstIsMode) };
}

async function removeIfPresent(docker: Docker, nameOrId: string, graceSeconds: number): Promise<void> {
  const c = docker.getContainer(nameOrId);
  try {
    await c.stop({ t: graceSeconds });
  } catch { /* not running or absent */ }
  try {
    await c.remove({ force: true });
  } catch { /* absent */ }
}

export async function createContainer(docker: Docker, name: string, inputs: Record<string, unknown>, log: (l: string) => void): Promise<ContainerOutcome> {
  const hash = inputsHash(inputs);
  const { opts, extraNetworks } = buildCreateOptions(name, inputs, hash);
  const cname = opts.name as string;
  const started = Date.now();

  // Same inputs as a running container from an earlier run: keep it, as `up` would.
  try {
    const existing = await docker.getContainer(cname).inspect();
    if (existing.Config.Labels?.[LIVE_LABEL] !== '1') throw new Error(`container ${cname} exists and was not created by the live layer; refusing to replace it`);
    const healthy = !existing.State.Health || existing.State.Health.Status === 'healthy';
    if (existing.Config.Labels?.[INPUTS_HASH_LABEL] === hash && existing.State.Running && healthy) {
      log(`container ${cname} unchanged, kept`);
      return { id: existing.Id, state: await stateOf(docker, existing.Id, inputs), readyMs: 0 };
    }
    // An exited one-shot with unchanged inputs is not re-run, as with the provider.
    const oneShot = inputs.attach === true || inputs.mustRun === false;
    if (existing.Config.Labels?.[INPUTS_HASH_LABEL] === hash && oneShot && !existing.State.Running && existing.State.ExitCode === 0) {
      log(`one-shot ${cname} unchanged, not re-run`);
      const logs = inputs.logs === true ? await lastLogs(docker, existing.Id, 10000) : '';
      return { id: existing.Id, state: { ...(await stateOf(docker, existing.Id, inputs)), exitCode: 0, containerLogs: logs }, readyMs: 0 };
    }
    log(`container ${cname} changed, replacing (delete before create)`);
    await removeIfPresent(docker, existing.Id, Number(inputs.destroyGraceSeconds ?? 10));
  } catch (e) {
    if (!/no such container/i.test((e as Error).message) && !(e as { statusCode?: number }).statusCode) throw e;
  }

  const container = await docker.createContainer(opts);
  const id = container.id;
  try {
    const uploads = (inputs.uploads ?? []) as Upload[];
    if (uploads.length) await container.putArchive(uploadArchive(uploads), { path: '/' });
    if (((inputs.networksAdvanced ?? []) as NetAdv[]).length && opts.HostConfig?.NetworkMode === 'bridge') {
      try {
        await docker.getNetwork('bridge').disconnect({ Container: id, Force: true });
      } catch { /* was not attached */ }
    }
    for (const n of extraNetworks) {
      await docker.getNetwork(n.name).connect({ Container: id, EndpointConfig: { Aliases: n.aliases ?? [] } });
    }
    if (inputs.start === false) return { id, state: await stateOf(docker, id, inputs), readyMs: Date.now() - started };

    const attach = inputs.attach === true;
    await container.start();
    if (attach) {
      const timeoutMs = Number(inputs.waitTimeout ?? 60) * 1000 * 5;
      const res = (await Promise.race([
        container.wait(),
        sleep(timeoutMs).then(() => { throw new Error(`container ${cname}: one-shot did not exit within ${timeoutMs / 1000}s\n${''}`); }),
      ])) as { StatusCode: number };
      const logs = inputs.logs === true ? await lastLogs(docker, id, 10000) : '';
      log(`container ${cname} exited with ${res.StatusCode} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { id, state: { ...(await stateOf(docker, id, inputs)), exitCode: res.StatusCode, containerLogs: logs }, readyMs: Date.now() - started };
    }
    if (inputs.mustRun !== false) {
      await sleep(300);
      const st = await container.inspect();
      if (!st.State.Running && !st.State.Restarting) {
        throw new Error(`container ${cname} exited immediately (exit code ${st.State.ExitCode}); last logs:\n${await lastLogs(docker, id)}`);
      }
    }
    if (inputs.wait === true) {
      const info = await container.inspect();
      if (!info.Config.Healthcheck || !info.Config.Healthcheck.Test || info.Config.Healthcheck.Test[0] === 'NONE') {
        throw new Error(`container ${cname}: wait: true needs a healthcheck, and it has none`);
      }
      const deadline = Date.now() + Number(inputs.waitTimeout ?? 60) * 1000;
      for (;;) {
        const st = await container.inspect();
        const health = st.State.Health?.Status;
        if (health === 'healthy') break;
        if (health === 'unhealthy') throw new Error(`container ${cname} is unhealthy; last healthcheck: ${JSON.stringify(st.State.Health?.Log?.slice(-1)[0]?.Output ?? '').slice(0, 500)}; last logs:\n${await lastLogs(docker, id)}`);
        if (!st.State.Running && !st.State.Restarting) throw new Error(`container ${cname} stopped (exit code ${st.State.ExitCode}) before becoming healthy; last logs:\n${await lastLogs(docker, id)}`);
        if (Date.now() > deadline) throw new Error(`container ${cname} not healthy within waitTimeout ${inputs.waitTimeout ?? 60}s (status ${health}); last logs:\n${await lastLogs(docker, id)}`);
        await sleep(250);
      }
      log(`container ${cname} healthy after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
    return { id, state: await stateOf(docker, id, inputs), readyMs: Date.now() - started };
  } catch (e) {
    // Like the provider, a failed container stays (tainted) for inspection; the next run
    // replaces it and teardown removes it.
    throw e;
  }
}

async function stateOf(docker: Docker, id: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const info = await docker.getContainer(id).inspect();
  const nets = info.NetworkSettings.Networks ?? {};
  const published = info.NetworkSettings.Ports ?? {};
  const ports = ((inputs.ports ?? []) as Port[]).map((p) => {
    const b = published[`${p.internal}/${p.protocol ?? 'tcp'}`]?.[0];
    return { ...p, ip: p.ip ?? '0.0.0.0', protocol: p.protocol ?? 'tcp', external: p.external ?? (b ? Number(b.HostPort) : undefined) };
  });
  return {
    ...inputs,
    name: info.Name.replace(/^\//, ''),
    hostname: info.Config.Hostname,
    ports,
    networkDatas: Object.entries(nets).map(([networkName, n]) => ({ networkName, ipAddress: n.IPAddress, ipPrefixLength: n.IPPrefixLen, gateway: n.Gateway, macAddress: n.MacAddress, globalIpv6Address: n.GlobalIPv6Address })),
    exitCode: info.State.Running ? undefined : info.State.ExitCode,
  };
}
