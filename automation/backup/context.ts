// What every operation needs: where archives live, how to reach the data services, and
// where to report progress. Built from the environment in the job (config.ts) or by tests.
import type { PgConnection } from './postgres';
import type { S3Target } from './objects';
import type { ProgressEvent } from './contract';

export type { ProgressEvent };

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
}

export interface RemoteTarget extends S3Target {
  /** Key prefix inside the remote bucket, e.g. "imstack/prod/". */
  readonly prefix: string;
}

export interface BackupContext {
  readonly stack: string;
  /** The backups volume (/backups in the job container). */
  readonly backupDir: string;
  /**
   * The stack's backup key: archives are encrypted with it (or, with `encrypt: false`, written
   * plain with a keyed MAC). Empty or undefined: archives are neither encrypted nor authenticated.
   */
  readonly backupKey?: string;
  /** Default true. False: new archives are plain but MACed with backupKey (`backup.encrypt: false`). */
  readonly encrypt?: boolean;
  /**
   * Accept archives the stack's key does not authenticate: a plain archive although this stack
   * encrypts, and a plain archive without a MAC (written before plain archives carried one).
   * Set only for one explicit import (`imctl restore|backups verify --allow-unencrypted`).
   * A MAC that is present but fails is refused regardless.
   */
  readonly allowUnencrypted?: boolean;
  /** Keys of earlier rotations: archives written before a rotation stay readable. */
  readonly previousKeys?: readonly string[];
  readonly postgres?: PgConnection;
  readonly s3?: S3Target;
  readonly redis?: RedisTarget;
  readonly remote?: RemoteTarget;
  readonly gzipLevel?: number;
  /** pg_dump -Z level (default 1; 0 = none, 9 = smallest). */
  readonly dumpCompression?: number;
  readonly now?: () => Date;
  readonly onProgress?: (e: ProgressEvent) => void;
}

/** Keys to try when reading an archive: the current one first, then earlier rotations'. */
export function decryptionKeys(ctx: BackupContext): string[] {
  return [ctx.backupKey ?? '', ...(ctx.previousKeys ?? [])].filter((k) => k.length > 0);
}

/** True when new archives are encrypted (the stack has a key and does not write plain ones). */
export function encrypts(ctx: BackupContext): boolean {
  return Boolean(ctx.backupKey) && ctx.encrypt !== false;
}

/** How ArchiveWriter seals this stack's archives: encrypted, or plain with the keyed MAC. */
export function sealing(ctx: BackupContext): { backupKey?: string; encrypt: boolean } {
  return { backupKey: ctx.backupKey, encrypt: encrypts(ctx) };
}

export function nowOf(ctx: BackupContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

/** Throttled byte/object counter for progress output. */
export class Progress {
  bytes = 0;
  objects = 0;
  private last = 0;
  constructor(private readonly ctx: BackupContext, private readonly phase: string) {}
  add(bytes: number, objects = 0): void {
    this.bytes += bytes;
    this.objects += objects;
    const t = Date.now();
    if (objects || t - this.last > 500) {
      this.last = t;
      this.ctx.onProgress?.({ type: 'progress', phase: this.phase, bytes: this.bytes, objects: this.objects });
    }
  }
  done(): void {
    this.ctx.onProgress?.({ type: 'progress', phase: this.phase, bytes: this.bytes, objects: this.objects });
  }
}
