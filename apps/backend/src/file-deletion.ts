// The second half of a file deletion (the row is already marked): remove the object, then record
// that it is gone. The sweep finishes deletions that a crash or an object-store outage interrupted,
// so no marked row is left with its object, and no object is left without the row that names it.
import type * as Minio from 'minio';
import { isDatabaseUnavailable } from './db';
import { HttpError } from './errors';
import type { FileRepository, StoredFile } from './files';
import { reachStorage } from './object-storage';

export interface PurgeDeps {
  readonly minio: Minio.Client;
  readonly bucket: string;
  readonly files: FileRepository;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const SWEEP_BATCH = 100;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** Removes the file's object (already gone counts as removed), then marks the deletion finished. */
export async function purgeFile(deps: PurgeDeps, file: StoredFile): Promise<void> {
  await reachStorage(async () => {
    try {
      await deps.minio.removeObject(deps.bucket, file.objectKey);
    } catch (err) {
      // A crash after the removal but before markPurged leaves the row to retry against nothing.
      if ((err as { code?: string }).code !== 'NoSuchKey') throw err;
    }
  });
  await deps.files.markPurged(file.id);
}

const isUnavailable = (err: unknown): boolean => (err instanceof HttpError && err.statusCode === 503) || isDatabaseUnavailable(err);

/**
 * Runs a pass at start-up and then every `intervalMs`. Passes never overlap; several replicas may
 * sweep at once, which is harmless because every step is idempotent.
 */
export class DeletionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: PurgeDeps,
    private readonly log: Log,
    private readonly intervalMs = DEFAULT_SWEEP_INTERVAL_MS,
  ) {}

  start(): void {
    this.tick();
  }

  /** Finishes every pending deletion it can; returns how many it finished. */
  async runOnce(): Promise<number> {
    let finished = 0;
    for (;;) {
      const batch = await this.deps.files.pendingDeletions(SWEEP_BATCH);
      let failed = 0;
      for (const file of batch) {
        if (this.stopped) return finished;
        try {
          await purgeFile(this.deps, file);
          finished++;
        } catch (err) {
          // Storage (or the database) is away: the rest would fail the same way; next pass.
          if (isUnavailable(err)) throw err;
          failed++;
          this.log.warn({ fileId: file.id, err: (err as Error).message }, 'could not finish a file deletion; will retry');
        }
      }
      // A failing file stays first in line: stop rather than fetch the same batch again.
      if (batch.length < SWEEP_BATCH || failed > 0) return finished;
    }
  }

  /** Stops the schedule and waits for a pass in progress, so the pool can close under nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.runOnce()
      .then((n) => {
        if (n > 0) this.log.info({ files: n }, 'finished pending file deletions');
      })
      .catch((err: Error) => this.log.warn({ err: err.message }, 'file deletion sweep could not run; will retry'))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        this.timer = setTimeout(() => this.tick(), this.intervalMs);
        this.timer.unref();
      });
  }
}
