// The state backend: a file backend inside the project unless PULUMI_BACKEND_URL says
// otherwise, so a fresh checkout needs no Pulumi Cloud account.
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL, fileURLToPath } from 'url';

export const STATE_DIR = '.pulumi-state';

export interface BackendChoice {
  url: string;
  /** Set when the URL is a local directory imctl should create. */
  localDir?: string;
}

export function chooseBackend(projectDir: string, env: NodeJS.ProcessEnv): BackendChoice {
  const url = env.PULUMI_BACKEND_URL;
  if (url) {
    if (!url.startsWith('file://')) return { url };
    try {
      return { url, localDir: fileURLToPath(url) };
    } catch {
      // e.g. file://~ : Pulumi expands it itself.
      return { url };
    }
  }
  const dir = path.join(projectDir, STATE_DIR);
  return { url: pathToFileURL(dir).href, localDir: dir };
}

export function ensureBackendDir(choice: BackendChoice): void {
  if (choice.localDir) fs.mkdirSync(choice.localDir, { recursive: true });
}
