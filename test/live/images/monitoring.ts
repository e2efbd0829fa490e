// Builds or reuses the monitoring tier's substitute images (issue 14), FROM the live layer's shared
// bookworm base (build.ts), each tagged with the hash of what it is built from:
//   - the exporters, Prometheus and Alertmanager: Debian bookworm's packages (`apt-get download`,
//     cached in $IMSTACK_CACHE_DIR/debs, unpacked with dpkg-deb), real binaries under the official
//     images' paths, ENTRYPOINT, CMD and USER;
//   - cAdvisor: upstream's Go library at the version in tools/cadvisor/go.mod behind our small
//     main (tools/cadvisor/main.go), compiled once per version into $IMSTACK_CACHE_DIR/cadvisor;
//   - postgres-meta: the npm release, installed once per version into $IMSTACK_CACHE_DIR;
//   - Grafana and Studio: clearly labelled STAND-INS (they cannot be built here), see their dirs.
//   npx ts-node test/live/images/monitoring.ts [--json]
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { spawn } from 'child_process';
import Docker from 'dockerode';
import { buildImage, ExtraContextFile } from '../engine/build-context';
import { dockerClient } from '../engine/docker-client';
import { CACHE_DIR, ensureBase, existingHash, HASH_LABEL, hashDir, hashOf, nodeModulesClosure } from './build';

const HERE = __dirname;
const REPO_ROOT = path.resolve(HERE, '../../..');
const DEB_DIR = path.join(CACHE_DIR, 'debs');

/** The config keys the program reads its monitoring images from, in the order they are built. */
export const MONITORING_IMAGE_KEYS = [
  'images.prometheus', 'images.alertmanager', 'images.postgresExporter', 'images.redisExporter',
  'images.nginxExporter', 'images.nodeExporter', 'images.blackboxExporter', 'images.cadvisor',
  'images.postgresMeta', 'images.grafana', 'images.studio',
] as const;
export type MonitoringImageKey = (typeof MONITORING_IMAGE_KEYS)[number];

/**
 * What the official image runs by default, which the substitute reproduces (checked against the
 * built image by images-monitoring.test.ts). From each project's Dockerfile at the pinned release.
 */
export interface OfficialImage {
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  /** USER; undefined: root. */
  readonly user?: string;
  readonly workdir?: string;
  readonly port: number;
}

/** A Debian package's file, put in the build context under `name`. */
interface DebFile { readonly name: string; readonly path: string }

type Source =
  | { readonly kind: 'deb'; readonly pkg: string; readonly files: readonly DebFile[] }
  | { readonly kind: 'cadvisor' }
  | { readonly kind: 'npm'; readonly pkg: string; readonly version: string }
  | { readonly kind: 'standin'; readonly extra: () => ExtraContextFile[] };

interface MonitoringSpec {
  readonly key: MonitoringImageKey;
  readonly repo: string;
  readonly dir: string;
  readonly official: OfficialImage;
  readonly source: Source;
}

const NODE_ENTRYPOINT: ExtraContextFile = { name: 'docker-entrypoint.sh', source: path.join(HERE, 'node', 'docker-entrypoint.sh') };
/** The npm release postgres-meta is built from (its image tag is `v` + this). */
export const POSTGRES_META_VERSION = '0.99.0';

export const MONITORING_SPECS: readonly MonitoringSpec[] = [
  {
    key: 'images.prometheus', repo: 'imstack-sub/prometheus', dir: 'prometheus',
    official: {
      entrypoint: ['/bin/prometheus'],
      cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus',
        '--web.console.libraries=/usr/share/prometheus/console_libraries', '--web.console.templates=/usr/share/prometheus/consoles'],
      user: 'nobody', workdir: '/prometheus', port: 9090,
    },
    source: { kind: 'deb', pkg: 'prometheus', files: [
      { name: 'prometheus', path: 'usr/bin/prometheus' }, { name: 'promtool', path: 'usr/bin/promtool' },
      { name: 'web', path: 'usr/share/prometheus/web' }] },
  },
  {
    key: 'images.alertmanager', repo: 'imstack-sub/alertmanager', dir: 'alertmanager',
    official: {
      entrypoint: ['/bin/alertmanager'], cmd: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
      user: 'nobody', workdir: '/alertmanager', port: 9093,
    },
    source: { kind: 'deb', pkg: 'prometheus-alertmanager', files: [
      { name: 'alertmanager', path: 'usr/bin/prometheus-alertmanager' }, { name: 'amtool', path: 'usr/bin/amtool' },
      { name: 'share', path: 'usr/share/prometheus/alertmanager' }] },
  },
  {
    key: 'images.postgresExporter', repo: 'imstack-sub/postgres-exporter', dir: 'postgres-exporter',
    official: { entrypoint: ['/bin/postgres_exporter'], user: 'nobody', port: 9187 },
    source: { kind: 'deb', pkg: 'prometheus-postgres-exporter', files: [{ name: 'postgres_exporter', path: 'usr/bin/prometheus-postgres-exporter' }] },
  },
  {
    key: 'images.redisExporter', repo: 'imstack-sub/redis-exporter', dir: 'redis-exporter',
    official: { entrypoint: ['/redis_exporter'], user: '59000:59000', port: 9121 },
    source: { kind: 'deb', pkg: 'prometheus-redis-exporter', files: [{ name: 'redis_exporter', path: 'usr/bin/prometheus-redis-exporter' }] },
  },
  {
    key: 'images.nginxExporter', repo: 'imstack-sub/nginx-exporter', dir: 'nginx-exporter',
    official: { entrypoint: ['/usr/bin/nginx-prometheus-exporter'], user: '1001:1001', port: 9113 },
    source: { kind: 'deb', pkg: 'prometheus-nginx-exporter', files: [{ name: 'nginx-prometheus-exporter', path: 'usr/bin/prometheus-nginx-exporter' }] },
  },
  {
    key: 'images.nodeExporter', repo: 'imstack-sub/node-exporter', dir: 'node-exporter',
    official: { entrypoint: ['/bin/node_exporter'], user: 'nobody', port: 9100 },
    source: { kind: 'deb', pkg: 'prometheus-node-exporter', files: [{ name: 'node_exporter', path: 'usr/bin/prometheus-node-exporter' }] },
  },
  {
    key: 'images.blackboxExporter', repo: 'imstack-sub/blackbox-exporter', dir: 'blackbox-exporter',
    official: { entrypoint: ['/bin/blackbox_exporter'], cmd: ['--config.file=/etc/blackbox_exporter/config.yml'], user: 'blackbox_exporter', port: 9115 },
    source: { kind: 'deb', pkg: 'prometheus-blackbox-exporter', files: [
      { name: 'blackbox_exporter', path: 'usr/bin/prometheus-blackbox-exporter' }, { name: 'config.yml', path: 'etc/prometheus/blackbox.yml' }] },
  },
  {
    key: 'images.cadvisor', repo: 'imstack-sub/cadvisor', dir: 'cadvisor',
    // v0.61.0's deploy/Dockerfile: entrypoint.sh execs `/usr/bin/cadvisor -logtostderr "$@"`.
    official: { entrypoint: ['/usr/bin/entrypoint.sh'], port: 8080 },
    source: { kind: 'cadvisor' },
  },
  {
    key: 'images.postgresMeta', repo: 'imstack-sub/postgres-meta', dir: 'postgres-meta',
    official: { entrypoint: ['docker-entrypoint.sh'], cmd: ['node', 'dist/server/server.js'], workdir: '/usr/src/app', port: 8080 },
    source: { kind: 'npm', pkg: '@supabase/postgres-meta', version: POSTGRES_META_VERSION },
  },
  {
    key: 'images.grafana', repo: 'imstack-sub/grafana-standin', dir: 'grafana-standin',
    official: { entrypoint: ['/run.sh'], user: '472', workdir: '/usr/share/grafana', port: 3000 },
    source: { kind: 'standin', extra: () => nodeModulesClosure(['yaml']) },
  },
  {
    key: 'images.studio', repo: 'imstack-sub/studio-standin', dir: 'studio-standin',
    official: { entrypoint: ['docker-entrypoint.sh'], cmd: ['node', 'apps/studio/server.js'], workdir: '/app', port: 3000 },
    source: { kind: 'standin', extra: () => [NODE_ENTRYPOINT] },
  },
];

type Log = (line: string) => void;

function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`))));
  });
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Writes into a fresh temporary sibling, then renames: concurrent builders never see half a result. */
async function atomically(target: string, make: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.partial-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  try {
    await make(tmp);
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      // Another builder finished first: its result is as good as ours.
      if (!fs.existsSync(target)) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- Debian packages ------------------------------------------------------------------------

interface Deb { readonly pkg: string; readonly version: string; readonly file: string; readonly root: string; readonly sha256: string }

/** apt's candidate version, or undefined when apt has no lists. */
async function candidateVersion(pkg: string): Promise<string | undefined> {
  try {
    const out = await run('apt-cache', ['show', '--no-all-versions', pkg]);
    return /^Version: (\S+)$/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** apt-get download's file name: `<pkg>_<version with : as %3a>_<arch>.deb`. */
function cachedDebs(pkg: string): string[] {
  if (!fs.existsSync(DEB_DIR)) return [];
  return fs.readdirSync(DEB_DIR).filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb')).sort();
}

/**
 * The package's .deb: the cached one when there is one (asking apt costs seconds per package on
 * this machine, and a warm run should only hash), else apt's candidate, downloaded into the cache.
 * Remove the cached file to take a newer candidate.
 */
async function ensureDeb(pkg: string, log: Log): Promise<Deb> {
  fs.mkdirSync(DEB_DIR, { recursive: true });
  let file = cachedDebs(pkg).at(-1);
  const version = file ? undefined : await candidateVersion(pkg);
  if (!file && version) {
    log(`apt-get download ${pkg}=${version} -> ${DEB_DIR}`);
    // Into a private folder first: a concurrent builder sees the whole file or none.
    const tmp = fs.mkdtempSync(path.join(DEB_DIR, `.dl-${pkg}-`));
    try {
      await run('apt-get', ['download', `${pkg}=${version}`], { cwd: tmp });
      for (const f of fs.readdirSync(tmp)) fs.renameSync(path.join(tmp, f), path.join(DEB_DIR, f));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    file = cachedDebs(pkg).find((f) => f.startsWith(`${pkg}_${version.replace(/:/g, '%3a')}_`));
  }
  if (!file) throw new Error(`no ${pkg} .deb in ${DEB_DIR} and apt knows no candidate: run apt-get update`);
  const abs = path.join(DEB_DIR, file);
  const root = path.join(DEB_DIR, 'unpacked', file.replace(/\.deb$/, ''));
  if (!fs.existsSync(root)) {
    fs.mkdirSync(path.dirname(root), { recursive: true });
    await atomically(root, async (tmp) => { await run('dpkg-deb', ['-x', abs, tmp]); });
  }
  const debVersion = decodeURIComponent(file.slice(pkg.length + 1).replace(/_[^_]+\.deb$/, ''));
  return { pkg, version: debVersion, file: abs, root, sha256: sha256File(abs) };
}

/** `2.42.0+ds-5+deb12u1` -> `2.42.0`: the upstream release, which names the substitute's tag. */
function upstreamVersion(debVersion: string): string {
  return debVersion.replace(/^\d+:/, '').replace(/[+~-].*$/, '');
}

// ---- cAdvisor -------------------------------------------------------------------------------

const CADVISOR_TOOL = path.join(REPO_ROOT, 'tools', 'cadvisor');
const CADVISOR_MODULE = 'github.com/google/cadvisor';

export interface CadvisorBinary { readonly version: string; readonly binary: string; readonly sha256: string; readonly compileSeconds?: number }

/** The cadvisor binary for the version tools/cadvisor/go.mod pins, compiled once per version and main.go. */
export async function ensureCadvisorBinary(log: Log): Promise<CadvisorBinary> {
  const version = (await run('go', ['list', '-m', '-f', '{{.Version}}', CADVISOR_MODULE], { cwd: CADVISOR_TOOL })).trim();
  if (!version) throw new Error(`${CADVISOR_TOOL}/go.mod does not require ${CADVISOR_MODULE}`);
  // The main is ours: a change to it (or to go.sum) is a different binary of the same version.
  const mainHash = hashOf(['main.go', 'go.mod', 'go.sum'].map((f) => fs.readFileSync(path.join(CADVISOR_TOOL, f), 'utf8')));
  const dir = path.join(CACHE_DIR, 'cadvisor', `${version}-${mainHash}`);
  const binary = path.join(dir, 'cadvisor');
  let compileSeconds: number | undefined;
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    log(`building cadvisor ${version} (${CADVISOR_MODULE}{,/lib}@${version} + tools/cadvisor/main.go) -> ${binary}`);
    // Static and CGO off: the image's base has no libpfm/libipmctl (upstream builds perf support
    // with the libpfm tag only; without it the perf_event metrics are absent, as with -tags none).
    const partial = `${binary}.partial-${process.pid}`;
    await run('nice', ['-n', '10', 'go', 'build', '-trimpath',
      '-ldflags', `-s -w -X ${CADVISOR_MODULE}/lib/version.Version=${version}`, '-o', partial, '.'],
    { cwd: CADVISOR_TOOL, env: { ...process.env, CGO_ENABLED: '0' } });
    fs.renameSync(partial, binary);
    compileSeconds = (Date.now() - t0) / 1000;
    log(`cadvisor built in ${compileSeconds.toFixed(0)}s`);
  }
  return { version, binary, sha256: sha256File(binary), compileSeconds };
}

// ---- postgres-meta (npm) --------------------------------------------------------------------

async function ensureNpmApp(pkg: string, version: string, log: Log): Promise<{ dir: string; fingerprint: string }> {
  const dir = path.join(CACHE_DIR, 'npm', `${pkg.replace(/[@/]/g, '_')}-${version}`);
  if (!fs.existsSync(path.join(dir, 'node_modules', pkg, 'package.json'))) {
    log(`npm install ${pkg}@${version} -> ${dir}`);
    await atomically(dir, async (tmp) => {
      fs.mkdirSync(tmp, { recursive: true });
      fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'imstack-sub-npm-app', private: true }));
      // Scripts off: nothing here needs a build step (optional native addons ship prebuilt).
      await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact', `${pkg}@${version}`], { cwd: tmp });
    });
  }
  const lock = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  return { dir, fingerprint: hashOf([lock]) };
}

// ---- images ---------------------------------------------------------------------------------

export interface MonitoringImageResult {
  readonly key: MonitoringImageKey;
  readonly tag: string;
  readonly cached: boolean;
  readonly seconds: number;
  /** What the substitute runs: the Debian package version, the cAdvisor module version, the npm release. */
  readonly from: string;
}

interface Prepared { readonly version?: string; readonly from: string; readonly fingerprint: string; readonly extra: ExtraContextFile[] }

async function prepare(spec: MonitoringSpec, log: Log): Promise<Prepared> {
  const src = spec.source;
  switch (src.kind) {
    case 'deb': {
      const deb = await ensureDeb(src.pkg, log);
      const extra = src.files.map((f) => {
        const source = path.join(deb.root, f.path);
        if (!fs.existsSync(source)) throw new Error(`${path.basename(deb.file)} has no ${f.path}`);
        return { name: f.name, source };
      });
      return { version: upstreamVersion(deb.version), from: `Debian ${deb.pkg} ${deb.version}`, fingerprint: deb.sha256, extra };
    }
    case 'cadvisor': {
      const bin = await ensureCadvisorBinary(log);
      return { version: bin.version.replace(/^v/, ''), from: `${CADVISOR_MODULE}@${bin.version} (library) + tools/cadvisor/main.go`, fingerprint: bin.sha256, extra: [{ name: 'cadvisor', source: bin.binary }] };
    }
    case 'npm': {
      const app = await ensureNpmApp(src.pkg, src.version, log);
      const pkgDir = path.join(app.dir, 'node_modules', src.pkg);
      return {
        version: src.version, from: `npm ${src.pkg}@${src.version}`, fingerprint: app.fingerprint,
        extra: [NODE_ENTRYPOINT, { name: 'app/node_modules', source: path.join(app.dir, 'node_modules') },
          { name: 'app/dist', source: path.join(pkgDir, 'dist') }, { name: 'app/package.json', source: path.join(pkgDir, 'package.json') }],
      };
    }
    case 'standin': {
      const extra = src.extra();
      const fingerprint = hashOf(extra.flatMap((f) => (fs.statSync(f.source).isDirectory()
        ? [f.name, fs.readFileSync(path.join(f.source, 'package.json'), 'utf8')] : [f.name, fs.readFileSync(f.source, 'utf8')])));
      return { from: 'stand-in (not the real service)', fingerprint, extra };
    }
  }
}

async function ensureImage(docker: Docker, spec: MonitoringSpec, baseTag: string, log: Log): Promise<MonitoringImageResult> {
  const t0 = Date.now();
  const prep = await prepare(spec, log);
  const hash = hashOf([baseTag, prep.fingerprint, ...hashDir(path.join(HERE, spec.dir))]);
  const tag = `${spec.repo}:${prep.version ? `${prep.version}-` : ''}${hash}`;
  const have = await existingHash(docker, tag);
  if (have?.hash === hash) return { key: spec.key, tag, cached: true, seconds: (Date.now() - t0) / 1000, from: prep.from };
  log(`building ${tag} (${prep.from})`);
  await buildImage(docker, {
    context: path.join(HERE, spec.dir),
    tags: [tag],
    buildArgs: { BASE: baseTag },
    labels: { [HASH_LABEL]: hash, 'com.imstack.sub': spec.dir, 'com.imstack.sub.from': prep.from },
    extraFiles: prep.extra,
  });
  return { key: spec.key, tag, cached: false, seconds: (Date.now() - t0) / 1000, from: prep.from };
}

export interface MonitoringBuildReport {
  readonly images: readonly MonitoringImageResult[];
  readonly totalSeconds: number;
}

export async function buildMonitoringImages(opts: { docker?: Docker; log?: Log } = {}): Promise<MonitoringBuildReport> {
  const docker = opts.docker ?? dockerClient();
  const log = opts.log ?? ((l: string) => console.error(`[monitoring-images] ${l}`));
  const started = Date.now();
  const base = await ensureBase(docker, log);
  const images: MonitoringImageResult[] = [];
  // One at a time: two shared cores, and the cAdvisor compile alone takes both.
  for (const spec of MONITORING_SPECS) images.push(await ensureImage(docker, spec, base.tag, log));
  return { images, totalSeconds: (Date.now() - started) / 1000 };
}

/** `{ 'images.prometheus': tag, ... }` for all eleven monitoring images, built or reused. */
export async function ensureMonitoringImages(log?: (l: string) => void): Promise<Record<string, string>> {
  const report = await buildMonitoringImages({ log });
  return Object.fromEntries(report.images.map((i) => [i.key, i.tag]));
}

if (require.main === module) {
  buildMonitoringImages()
    .then((r) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
      else {
        for (const i of r.images) console.log(`${i.cached ? 'cached ' : 'built  '} ${i.key.padEnd(24)} ${i.tag.padEnd(52)} ${i.seconds.toFixed(1)}s  ${i.from}`);
        console.log(`monitoring images ready in ${r.totalSeconds.toFixed(1)}s`);
      }
    })
    .catch((e: Error) => { console.error(`monitoring image build failed: ${e.message}`); process.exit(1); });
}
