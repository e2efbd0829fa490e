// Builds or reuses the SeaweedFS image through scripts/seaweedfs-image.sh (the one place that
// knows the module version, the cache and the tag), and reports what it built.
import path from 'path';
import { spawn } from 'child_process';

export interface SeaweedfsImage {
  readonly module: string;
  /** Go module pseudo-version, as pinned in tools/seaweedfs/go.mod. */
  readonly version: string;
  /** Release number the commit carries (weed/util/version), which tags the official image. */
  readonly release: string;
  readonly officialTag: string;
  readonly image: string;
  readonly id: string;
  /** The cached weed binary. */
  readonly weed: string;
  /** The module's source folder in the Go module cache (upstream docker/ files live there). */
  readonly source: string;
  readonly base: string;
  readonly seconds: number;
}

const SCRIPT = path.resolve(__dirname, '../../../../scripts/seaweedfs-image.sh');

export function ensureSeaweedfsImage(log: (line: string) => void = (l) => console.error(l)): Promise<SeaweedfsImage> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${path.basename(SCRIPT)} exited ${code}: ${tail.trim()}`));
      try {
        resolve(JSON.parse(out) as SeaweedfsImage);
      } catch (e) {
        reject(new Error(`${path.basename(SCRIPT)} printed no JSON report: ${(e as Error).message}: ${out.slice(0, 500)}`));
      }
    });
  });
}
