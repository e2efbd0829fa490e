// docker:index/remoteImage:RemoteImage (resolved against the local engine) and
// docker:index/image:Image (built with the legacy builder; never pushed).
import Docker from 'dockerode';
import fs from 'fs';
import path from 'path';
import { buildImage, ExtraContextFile } from '../build-context';
import { followProgress } from '../docker-client';
import { rejectUnknownArgs } from './labels';

const REMOTE_KNOWN = new Set(['name', 'keepLocally', 'forceRemove', 'pullTriggers', 'triggers', 'platform']);
const IMAGE_KNOWN = new Set(['build', 'imageName', 'skipPush', 'buildOnPreview', 'registry']);
const BUILD_KNOWN = new Set(['context', 'dockerfile', 'args', 'target', 'platform', 'builderVersion', 'cacheFrom', 'addHosts', 'network']);

async function localImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch {
    return undefined;
  }
}

function checkPlatform(p: unknown, what: string): void {
  if (p === undefined || p === null || p === '') return;
  if (p !== 'linux/amd64' || process.arch !== 'x64') throw new Error(`live layer: ${what}: platform "${String(p)}" is not implemented (host is ${process.platform}/${process.arch})`);
}

export async function resolveRemoteImage(docker: Docker, name: string, inputs: Record<string, unknown>, log: (l: string) => void): Promise<{ id: string; state: Record<string, unknown> }> {
  rejectUnknownArgs(inputs, REMOTE_KNOWN, `docker:index/remoteImage:RemoteImage "${name}"`);
  checkPlatform(inputs.platform, `RemoteImage "${name}"`);
  const ref = String(inputs.name);
  let info = await localImage(docker, ref);
  if (!info) {
    log(`pulling ${ref}`);
    try {
      await followProgress(docker, await docker.pull(ref));
    } catch (e) {
      throw new Error(`RemoteImage "${name}": ${ref} is not present locally and cannot be pulled (${(e as Error).message}); point the program's image config at a local or substitute image`);
    }
    info = await localImage(docker, ref);
    if (!info) throw new Error(`RemoteImage "${name}": ${ref} vanished after pull`);
  }
  // Locally built substitutes have no registry digest; the image id is the equally
  // immutable reference, and docker accepts it wherever a digest reference goes.
  const repoDigest = info.RepoDigests?.[0] ?? info.Id;
  return { id: `${info.Id}${ref}`, state: { ...inputs, imageId: info.Id, repoDigest } };
}

export async function buildProgramImage(docker: Docker, name: string, inputs: Record<string, unknown>, projectDir: string, log: (l: string) => void): Promise<{ id: string; state: Record<string, unknown> }> {
  rejectUnknownArgs(inputs, IMAGE_KNOWN, `docker:index/image:Image "${name}"`);
  if (inputs.registry) throw new Error(`live layer: Image "${name}": registry/push is not implemented; use skipPush: true`);
  if (inputs.skipPush !== true) throw new Error(`live layer: Image "${name}": pushing is not implemented (no registry); the program must set skipPush: true`);
  const build = (inputs.build ?? {}) as Record<string, unknown>;
  rejectUnknownArgs(build, BUILD_KNOWN, `docker:index/image:Image "${name}" build`);
  checkPlatform(build.platform, `Image "${name}"`);
  for (const k of ['cacheFrom', 'addHosts', 'network'] as const) {
    const v = build[k];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0)) {
      throw new Error(`live layer: Image "${name}": build.${k} is not implemented`);
    }
  }
  const context = path.resolve(projectDir, String(build.context ?? '.'));
  if (!fs.existsSync(context)) throw new Error(`Image "${name}": build context ${context} does not exist`);
  const dfInput = build.dockerfile as string | undefined;
  let dockerfile = 'Dockerfile';
  const extra: ExtraContextFile[] = [];
  if (dfInput) {
    // The provider resolves `dockerfile` against the working directory, else the context.
    const candidates = [path.resolve(projectDir, dfInput), path.resolve(context, dfInput)];
    const abs = candidates.find((c) => fs.existsSync(c));
    if (!abs) throw new Error(`Image "${name}": dockerfile ${dfInput} not found (looked at ${candidates.join(', ')})`);
    const rel = path.relative(context, abs);
    if (rel.startsWith('..')) {
      dockerfile = '.imstack-live.Dockerfile';
      extra.push({ name: dockerfile, source: abs });
    } else dockerfile = rel.split(path.sep).join('/');
  }
  const imageName = String(inputs.imageName);
  const started = Date.now();
  const args = Object.fromEntries(Object.entries((build.args ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  let lastLines: string[] = [];
  let id: string;
  try {
    id = await buildImage(docker, {
      context, dockerfile, tags: [imageName], buildArgs: args, target: build.target as string | undefined, extraFiles: extra,
      onLine: (l) => { lastLines = [...lastLines.slice(-30), l]; if (/^Step \d+\/\d+/.test(l)) log(`[${name}] ${l}`); },
    });
  } catch (e) {
    throw new Error(`Image "${name}" build failed: ${(e as Error).message}\n${lastLines.join('\n')}`);
  }
  log(`image ${imageName} built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return {
    id,
    state: { ...inputs, imageName, repoDigest: id, baseImageName: imageName, registryServer: '', context, dockerfile: dfInput ?? path.join(context, 'Dockerfile'), platform: build.platform },
  };
}
