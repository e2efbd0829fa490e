// Packs a docker build context the way the docker CLI does (honouring .dockerignore) and
// builds it with the engine's legacy builder, which works without BuildKit/buildx.
import Docker from 'dockerode';
import dockerignore from '@balena/dockerignore';
import fs from 'fs';
import path from 'path';
import { pack, Pack } from 'tar-stream';
import { followProgress } from './docker-client';

export interface ExtraContextFile {
  /** Path inside the context. */
  readonly name: string;
  /** Absolute source path on the host (file or directory, copied recursively). */
  readonly source: string;
}

function addFile(p: Pack, abs: string, name: string, st: fs.Stats): void {
  if (st.isSymbolicLink()) {
    p.entry({ name, type: 'symlink', linkname: fs.readlinkSync(abs), mode: 0o777, mtime: st.mtime });
  } else if (st.isDirectory()) {
    p.entry({ name, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime });
  } else if (st.isFile()) {
    p.entry({ name, type: 'file', mode: st.mode & 0o7777, mtime: st.mtime, size: st.size }, fs.readFileSync(abs));
  }
}

function walk(p: Pack, absDir: string, relDir: string, keep: (rel: string, isDir: boolean) => boolean, canPrune: boolean): void {
  for (const entry of fs.readdirSync(absDir).sort()) {
    const abs = path.join(absDir, entry);
    const rel = relDir ? `${relDir}/${entry}` : entry;
    const st = fs.lstatSync(abs);
    const isDir = st.isDirectory();
    const kept = keep(rel, isDir);
    // An excluded directory can only hold kept files when a `!` exception exists.
    if (!kept && (!isDir || canPrune)) continue;
    if (kept) addFile(p, abs, rel, st);
    if (isDir) walk(p, abs, rel, keep, canPrune);
  }
}

/** A tar stream of `contextDir`, filtered by its .dockerignore, plus extra files. */
export function packContext(contextDir: string, dockerfile = 'Dockerfile', extra: readonly ExtraContextFile[] = []): Pack {
  const p = pack();
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const rules = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '';
  const ig = dockerignore({ ignorecase: false }).add(rules);
  const hasExceptions = rules.split('\n').some((l) => l.trim().startsWith('!'));
  const always = new Set([path.posix.normalize(dockerfile), '.dockerignore']);
  const keep = (rel: string): boolean => always.has(rel) || !ig.ignores(rel);
  try {
    walk(p, contextDir, '', keep, !hasExceptions);
    for (const x of extra) {
      const st = fs.lstatSync(x.source);
      addFile(p, x.source, x.name, st);
      if (st.isDirectory()) walk(p, x.source, x.name, () => true, true);
    }
    p.finalize();
  } catch (e) {
    p.destroy(e as Error);
  }
  return p;
}

export interface BuildRequest {
  readonly context: string;
  readonly dockerfile?: string;
  readonly tags: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly extraFiles?: readonly ExtraContextFile[];
  readonly onLine?: (line: string) => void;
}

/** Builds with the legacy builder and returns the image id (sha256:...). */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<string> {
  const dockerfile = req.dockerfile ?? 'Dockerfile';
  const opts: Record<string, unknown> = {
    t: req.tags[0],
    dockerfile,
    buildargs: req.buildArgs ?? {},
    labels: req.labels ?? {},
    rm: true,
    forcerm: true,
  };
  if (req.target) opts.target = req.target;
  const stream = await docker.buildImage(packContext(req.context, dockerfile, req.extraFiles) as unknown as NodeJS.ReadableStream, opts);
  await followProgress(docker, stream, req.onLine);
  // Not the stream's aux ID: multi-stage builds report one per stage, the first is not the image.
  const id = (await docker.getImage(req.tags[0]).inspect()).Id;
  for (const tag of req.tags.slice(1)) {
    const [repo, t] = splitTag(tag);
    await docker.getImage(id).tag({ repo, tag: t });
  }
  return id;
}

export function splitTag(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  if (i > ref.lastIndexOf('/')) return [ref.slice(0, i), ref.slice(i + 1)];
  return [ref, 'latest'];
}
