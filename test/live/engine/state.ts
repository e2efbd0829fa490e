// What the live layer remembers between runs of one stack, the way Pulumi state does:
// generated secrets (kept until their inputs/keepers change) and command results (not
// re-run while their inputs are unchanged). Plaintext like a local Pulumi state file,
// so it is written 0600 under a gitignored folder.
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

export interface RecordedResource {
  readonly type: string;
  readonly inputsHash: string;
  readonly state: Record<string, unknown>;
}

export interface StackStateFile {
  resources: Record<string, RecordedResource>;
}

export function inputsHash(v: unknown): string {
  return crypto.createHash('sha256').update(stableJson(v)).digest('hex');
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export class StackState {
  private data: StackStateFile;
  constructor(private readonly file: string) {
    this.data = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StackStateFile) : { resources: {} };
  }
  get(key: string): RecordedResource | undefined {
    return this.data.resources[key];
  }
  set(key: string, rec: RecordedResource): void {
    this.data.resources[key] = rec;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
  static remove(file: string): void {
    fs.rmSync(file, { force: true });
  }
}
