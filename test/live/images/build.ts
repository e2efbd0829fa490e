// Builds the registry-free substitute images (postgres, redis, minio, mc, nginx, node) from
// one debootstrapped Debian bookworm rootfs. Every image is tagged with the hash of the
// files it is built from, so a second run only inspects tags (~0 s).
//   npx ts-node test/live/images/build.ts [--json]
import Docker from 'dockerode';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { spawn } from 'child_process';
import { buildImage, ExtraContextFile, splitTag } from '../engine/build-context';
import { dockerClient, followProgress } from '../engine/docker-client';

const HERE = __dirname;
const REPO_ROOT = path.resolve(HERE, '../../..');
export const HASH_LABEL = 'com.imstack.sub.hash';
export const CACHE_DIR = process.env.IMSTACK_CACHE_DIR ?? '/var/cache/imstack';

/** Debian packages in the shared rootfs. */
const PACKAGES = ['postgresql-15', 'redis-server', 'nginx-light', 'ca-certificates', 'curl', 'tini', 'gettext-base'];

export type SubstituteName = 'postgres' | 'redis' | 'minio' | 'mc' | 'nginx' | 'node';

/** Repository and version of each substitute; the tag adds the hash of what it is built from. */
const SUBSTITUTES: Readonly<Record<SubstituteName, { repo: string; version?: string }>> = {
  postgres: { repo: 'imstack-sub/postgres', version: '16' },
  redis: { repo: 'imstack-sub/redis', version: '7' },
  minio: { repo: 'imstack-sub/minio' },
  mc: { repo: 'imstack-sub/mc' },
  nginx: { repo: 'imstack-sub/nginx', version: '1.27' },
  node: { repo: 'imstack-sub/node', version: '20' },
};

interface ImageSpec {
  readonly name: SubstituteName;
  readonly dir: string;
  readonly target?: string;
  readonly extra?: () => ExtraContextFile[];
}

const SPECS: readonly ImageSpec[] = [
  { name: 'postgres', dir: 'postgres' },
  { name: 'redis', dir: 'redis' },
  { name: 'nginx', dir: 'nginx' },
  { name: 'node', dir: 'node' },
  { name: 'minio', dir: 'minio', target: 'minio', extra: () => nodeModulesClosure(['s3rver', 'minio']) },
  { name: 'mc', dir: 'minio', target: 'mc', extra: () => nodeModulesClosure(['s3rver', 'minio']) },
];

/**
 * Image references the live layer passes to the program instead of registry images. The tag
 * carries the content hash (imstack-sub/minio:3f0c…), so checkouts with different substitute
 * files sharing one engine each use their own images instead of retagging one another's.
 */
export const SUBSTITUTE_TAGS: Readonly<Record<SubstituteName, string>> = Object.defineProperties({} as Record<SubstituteName, string>,
  Object.fromEntries(SPECS.map((spec) => [spec.name, { enumerable: true, get: () => substituteTag(spec) }])));

const tagCache = new Map<SubstituteName, { tag: string; hash: string; extra: ExtraContextFile[] }>();

function resolveSpec(spec: ImageSpec): { tag: string; hash: string; extra: ExtraContextFile[] } {
  let r = tagCache.get(spec.name);
  if (!r) {
    const extra = spec.extra?.() ?? [];
    const hash = hashOf([baseTag(), spec.target ?? '', ...hashDir(path.join(HERE, spec.dir)), closureFingerprint(extra)]);
    const { repo, version } = SUBSTITUTES[spec.name];
    r = { tag: `${repo}:${version ? `${version}-` : ''}${hash}`, hash, extra };
    tagCache.set(spec.name, r);
  }
  return r;
}

function substituteTag(spec: ImageSpec): string {
  return resolveSpec(spec).tag;
}

export interface ImageResult {
  readonly name: string;
  readonly tag: string;
  readonly id: string;
  readonly cached: boolean;
  readonly seconds: number;
}

export interface BuildReport {
  readonly images: readonly ImageResult[];
  readonly totalSeconds: number;
  readonly tags: Readonly<Record<SubstituteName, string>>;
}

export interface BuildOptions {
  readonly docker?: Docker;
  readonly log?: (line: string) => void;
  /** Stream docker build output to log as well. */
  readonly verbose?: boolean;
}

export function hashOf(parts: Array<string | Buffer>): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? `${p.length}:${p}` : p);
  return h.digest('hex').slice(0, 16);
}

export function hashDir(dir: string): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const abs = path.join(dir, f);
    if (fs.statSync(abs).isDirectory()) out.push(...hashDir(abs));
    else out.push(`${path.relative(HERE, abs)}\n${fs.readFileSync(abs, 'utf8')}\n${fs.statSync(abs).mode & 0o111}`);
  }
  return out;
}

/**
 * The host's installed copy of these packages and everything they require, keeping the
 * node_modules layout so Node's resolution works unchanged inside the image.
 */
export function nodeModulesClosure(roots: readonly string[]): ExtraContextFile[] {
  const base = path.join(REPO_ROOT, 'node_modules');
  const seen = new Set<string>();
  const lookup = (name: string, fromDir: string): string | undefined => {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
      if (dir === REPO_ROOT || dir === path.dirname(dir)) return undefined;
    }
  };
  const visit = (name: string, fromDir: string, optional: boolean): void => {
    const dir = lookup(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`cannot find installed package "${name}" (needed from ${fromDir}); run npm ci at ${REPO_ROOT}`);
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const r of roots) visit(r, REPO_ROOT, false);
  // Nested copies live inside their parent's directory and are copied with it.
  const dirs = [...seen].sort();
  const top = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}${path.sep}`)));
  return top.map((d) => ({ name: `node_modules/${path.relative(base, d).split(path.sep).join('/')}`, source: d }));
}

function closureFingerprint(files: readonly ExtraContextFile[]): string {
  return files.map((f) => `${f.name}@${(JSON.parse(fs.readFileSync(path.join(f.source, 'package.json'), 'utf8')) as { version: string }).version}`).join('\n');
}

export async function existingHash(docker: Docker, tag: string): Promise<{ id: string; hash?: string } | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { id: info.Id, hash: info.Config?.Labels?.[HASH_LABEL] };
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-4000)}`))));
  });
}

const BASE_SCRIPT = path.join(HERE, 'base', 'rootfs.sh');

function baseHash(): string {
  const npmVersion = (JSON.parse(fs.readFileSync('/usr/lib/node_modules/npm/package.json', 'utf8')) as { version: string }).version;
  return hashOf([fs.readFileSync(BASE_SCRIPT, 'utf8'), PACKAGES.join(','), process.version, npmVersion, 'bookworm']);
}

function baseTag(): string {
  return `imstack-sub/base:${baseHash()}`;
}

/** The shared rootfs image every substitute is built FROM (monitoring.ts builds on it too). */
export async function ensureBase(docker: Docker, log: (l: string) => void): Promise<ImageResult> {
  const started = Date.now();
  const script = BASE_SCRIPT;
  const hash = baseHash();
  const tag = baseTag();
  const have = await existingHash(docker, tag);
  if (have) return { name: 'base', tag, id: have.id, cached: true, seconds: (Date.now() - started) / 1000 };
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const tarball = path.join(CACHE_DIR, `rootfs-${hash}.tar`);
  if (!fs.existsSync(tarball)) {
    log(`debootstrap bookworm (${PACKAGES.join(', ')}) -> ${tarball}`);
    await run('bash', [script, tarball, PACKAGES.join(',')]);
  }
  log(`docker import ${tarball} -> ${tag}`);
  const [repo, t] = splitTag(tag);
  const stream = await docker.importImage(tarball, { repo, tag: t, changes: ['ENV LANG=C.UTF-8', `LABEL ${HASH_LABEL}=${hash}`] } as Record<string, unknown>);
  await followProgress(docker, stream);
  const info = await docker.getImage(tag).inspect();
  return { name: 'base', tag, id: info.Id, cached: false, seconds: (Date.now() - started) / 1000 };
}

export async function buildSubstituteImages(opts: BuildOptions = {}): Promise<BuildReport> {
  const docker = opts.docker ?? dockerClient();
  const log = opts.log ?? ((l: string) => console.error(`[images] ${l}`));
  const started = Date.now();
  const base = await ensureBase(docker, log);
  const results: ImageResult[] = [base];
  for (const spec of SPECS) {
    const t0 = Date.now();
    const { tag, hash, extra } = resolveSpec(spec);
    const have = await existingHash(docker, tag);
    if (have?.hash === hash) {
      results.push({ name: spec.name, tag, id: have.id, cached: true, seconds: (Date.now() - t0) / 1000 });
      continue;
    }
    log(`building ${tag}`);
    const id = await buildImage(docker, {
      context: path.join(HERE, spec.dir),
      tags: [tag],
      buildArgs: { BASE: base.tag },
      target: spec.target,
      labels: { [HASH_LABEL]: hash, 'com.imstack.sub': spec.name },
      extraFiles: extra,
      onLine: opts.verbose ? (l) => log(`  ${l}`) : undefined,
    });
    results.push({ name: spec.name, tag, id, cached: false, seconds: (Date.now() - t0) / 1000 });
  }
  return { images: results, totalSeconds: (Date.now() - started) / 1000, tags: SUBSTITUTE_TAGS };
}

if (require.main === module) {
  buildSubstituteImages({ verbose: process.argv.includes('--verbose') })
    .then((r) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
      else {
        for (const i of r.images) console.log(`${i.cached ? 'cached ' : 'built  '} ${i.tag.padEnd(34)} ${i.seconds.toFixed(1)}s`);
        console.log(`substitute images ready in ${r.totalSeconds.toFixed(1)}s`);
      }
    })
    .catch((e: Error) => { console.error(`substitute image build failed: ${e.message}`); process.exit(1); });
}
