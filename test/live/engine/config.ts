// The stack's config exactly as `pulumi up` would see it: Pulumi.<stack>.yaml, plus
// `--path`-style overrides (only what live runs need: local images, free host ports).
import fs from 'fs';
import path from 'path';
import YAML from 'yaml';

export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [k: string]: ConfigValue };

export interface StackConfigInput {
  readonly projectDir: string;
  readonly stack: string;
  /** Keys like "images.postgres" or "imstack:ports.nginx" (namespace defaults to the project). */
  readonly overrides?: Readonly<Record<string, ConfigValue>>;
  /** Override keys whose values are secrets (marked secret like `config set --secret`). */
  readonly secretOverrides?: readonly string[];
}

export interface ResolvedConfig {
  readonly project: string;
  /** Flat "ns:key" -> string, structured values JSON-encoded, as setAllConfig wants. */
  readonly all: Record<string, string>;
  readonly secretKeys: string[];
}

function projectName(projectDir: string): string {
  const doc = YAML.parse(fs.readFileSync(path.join(projectDir, 'Pulumi.yaml'), 'utf8')) as { name?: string };
  if (!doc?.name) throw new Error(`${projectDir}/Pulumi.yaml has no project name`);
  return doc.name;
}

function setPath(target: Record<string, ConfigValue>, keyPath: string[], value: ConfigValue): void {
  const [head, ...rest] = keyPath;
  if (rest.length === 0) { target[head] = value; return; }
  const cur = target[head];
  const next: Record<string, ConfigValue> = typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? { ...cur } : {};
  setPath(next, rest, value);
  target[head] = next;
}

export function resolveStackConfig(input: StackConfigInput): ResolvedConfig {
  const project = projectName(input.projectDir);
  const file = path.join(input.projectDir, `Pulumi.${input.stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`stack config ${file} does not exist`);
  const doc = (YAML.parse(fs.readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, ConfigValue> };
  const cfg: Record<string, ConfigValue> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'secure' in v) {
      throw new Error(`${file}: ${k} is an encrypted "secure:" value; the live layer cannot decrypt it (committed stack files carry no secrets)`);
    }
    cfg[k.includes(':') ? k : `${project}:${k}`] = v;
  }
  for (const [k, v] of Object.entries(input.overrides ?? {})) {
    const full = k.includes(':') ? k : `${project}:${k}`;
    const [ns, rest] = full.split(/:(.*)/s);
    const [top, ...sub] = rest.split('.');
    const topKey = `${ns}:${top}`;
    if (sub.length === 0) cfg[topKey] = v;
    else {
      const holder: Record<string, ConfigValue> = { [topKey]: cfg[topKey] ?? {} };
      setPath(holder, [topKey, ...sub], v);
      cfg[topKey] = holder[topKey];
    }
    if (input.secretOverrides?.includes(k)) secretKeys.push(topKey);
  }
  const all = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { project, all, secretKeys };
}
