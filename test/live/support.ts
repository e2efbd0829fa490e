// What every live test needs: the engine gate (skip with a reason, or fail under CI=true),
// substitute images, and free host ports.
import { freePort } from '../support/net';
import { probeEngine } from './engine/docker-client';
import { buildSubstituteImages, SUBSTITUTE_TAGS } from './images/build';
import { ensureSeaweedfsImage } from './images/seaweedfs/image';
import { ensureMonitoringImages } from './images/monitoring';

export const IN_CI = process.env.CI === 'true';

let gate: Promise<string | undefined> | undefined;
let useOfficial = false;
/** The real SeaweedFS server's local image (built from its Go module), once the gate has run. */
let seaweedfsTag: string | undefined;
let monitoringImages: Record<string, string> = {};

/** Docker Hub answers /v2/ with 401 when reachable; anything else in 3 s means "no registry". */
async function registryReachable(): Promise<boolean> {
  try {
    const res = await fetch('https://registry-1.docker.io/v2/', { signal: AbortSignal.timeout(3000) });
    return res.status === 401 || res.status === 200;
  } catch {
    return false;
  }
}

/**
 * IMSTACK_LIVE_IMAGES: "official" (registry images, the program's defaults), "substitute"
 * (locally built), or "auto" (default): official when Docker Hub is reachable.
 */
async function chooseImages(): Promise<boolean> {
  const mode = process.env.IMSTACK_LIVE_IMAGES ?? 'auto';
  if (mode === 'official') return true;
  if (mode === 'substitute') return false;
  if (mode !== 'auto') throw new Error(`IMSTACK_LIVE_IMAGES must be official, substitute or auto, got "${mode}"`);
  const ok = await registryReachable();
  console.log(`      registry ${ok ? 'reachable: using official images' : 'unreachable: using substitute images'}`);
  return ok;
}

/** Resolves to undefined when the engine and images are ready, else the reason they are not. */
export function liveReady(): Promise<string | undefined> {
  gate ??= (async () => {
    const probe = await probeEngine();
    if (!probe.ok) return probe.reason;
    useOfficial = await chooseImages();
    if (useOfficial) return undefined;
    const started = Date.now();
    const r = await buildSubstituteImages({ log: (l) => console.log(`      [images] ${l}`) });
    console.log(`      substitute images ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${r.images.filter((i) => i.cached).length}/${r.images.length} cached)`);
    // Every live stack runs the default engine, the real SeaweedFS server (not a stand-in).
    seaweedfsTag = (await ensureSeaweedfsImage((l) => console.log(`      ${l}`))).image;
    // The monitoring tier and admin UI (Debian's binaries, cAdvisor from its Go module, the npm
    // postgres-meta; Grafana and Studio as labelled stand-ins).
    monitoringImages = await ensureMonitoringImages((l) => console.log(`      [monitoring images] ${l}`));
    return undefined;
  })().catch((e: Error) => `substitute images could not be built: ${e.message}`);
  return gate;
}

/** In a before() hook: skip the suite with the reason, or fail it under CI. */
export async function requireLive(ctx: Mocha.Context): Promise<void> {
  const reason = await liveReady();
  if (!reason) return;
  if (IN_CI) throw new Error(`live layer unavailable in CI: ${reason}`);
  console.log(`      skipping live tests: ${reason}`);
  ctx.skip();
}

/** Image config the program gets instead of registry images (none when official). */
export function usingOfficialImages(): boolean {
  return useOfficial;
}

export function imageOverrides(): Record<string, string> {
  if (useOfficial) return {};
  return {
    'images.postgres': SUBSTITUTE_TAGS.postgres,
    'images.redis': SUBSTITUTE_TAGS.redis,
    'images.minio': SUBSTITUTE_TAGS.minio,
    'images.minioClient': SUBSTITUTE_TAGS.mc,
    'images.nginx': SUBSTITUTE_TAGS.nginx,
    'images.node': SUBSTITUTE_TAGS.node,
    ...(seaweedfsTag ? { 'images.seaweedfs': seaweedfsTag } : {}),
    ...monitoringImages,
  };
}

/**
 * What every live stack of the real program gets on top of its stack file: the images. The
 * object store is the program's default engine, SeaweedFS, run from the image built from its Go
 * module.
 */
export function liveStackOverrides(): Record<string, string> {
  return imageOverrides();
}

/**
 * For the minio engine's own tests only (kept for existing deployments): the engine pinned to
 * minio, which the live layer runs as its s3rver-based substitute.
 */
export function minioEngineOverrides(): Record<string, string> {
  return { ...imageOverrides(), 'objectStore.engine': 'minio' };
}

export { freePort };

/**
 * Locally added CA certificates (a TLS-intercepting proxy's), handed to app image builds as
 * the EXTRA_CA_CERT_B64 build arg so `npm ci` inside the build trusts the registry.
 */
export function extraCaBuildArgs(): Record<string, string> {
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const file = process.env.IMSTACK_EXTRA_CA_FILE;
  let pem = '';
  if (file) pem = fs.readFileSync(file, 'utf8');
  else {
    const dir = '/usr/local/share/ca-certificates';
    if (fs.existsSync(dir)) {
      pem = fs.readdirSync(dir).filter((f) => f.endsWith('.crt')).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    }
  }
  return pem.trim() ? { 'buildArgs.EXTRA_CA_CERT_B64': Buffer.from(pem).toString('base64') } : {};
}

export interface DevPorts {
  http: number; postgres: number; redis: number; minioApi: number; minioConsole: number; backend: number; next: number; web: number;
  prometheus: number; alertmanager: number; studio: number;
}

export async function freeDevPorts(): Promise<DevPorts> {
  const names: Array<keyof DevPorts> = ['http', 'postgres', 'redis', 'minioApi', 'minioConsole', 'backend', 'next', 'web', 'prometheus', 'alertmanager', 'studio'];
  const out = {} as DevPorts;
  const used = new Set<number>();
  for (const n of names) {
    let p = await freePort();
    while (used.has(p)) p = await freePort();
    used.add(p);
    out[n] = p;
  }
  return out;
}
