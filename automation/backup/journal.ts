// The restore journal: a small file in the backups volume saying what a restore is about to
// do, written before each irreversible step. If the process dies, the next run reads it and
// puts the previous data back (see restore/recover.ts).
import { promises as fsp } from 'fs';
import { join } from 'path';
import { writeJsonAtomic } from './atomicFile';
import { Component } from './manifest';

export type RestorePhase = 'prepared' | 'objects' | 'committed';

/** What a restore tells onStep, in order: its steps (restore/steps.ts), then 'done' and, unless deferred, 'safety-archive'. */
export type RestoreStep = 'verify' | 'postgres-staging' | 'safety-backup' | 'maintenance' | 'postgres-swap' | 'objects' | 'commit' | 'done' | 'safety-archive';

export interface RestoreJournal {
  /** Path of the archive being restored. */
  readonly archive: string;
  /** File name the safety archive (the data as it was before this restore) gets. */
  readonly safety: string;
  readonly components: readonly Component[];
  readonly database?: string;
  readonly staging?: string;
  /** Name the live database gets while the restored one takes its place. */
  readonly previous?: string;
  /** Holds before.json (the bucket as it was) and the saved copies of objects the restore replaces. */
  readonly work?: string;
  /** Archives (in `work`) of the live objects saved before they were overwritten or removed, oldest first. */
  readonly saved?: readonly string[];
  /**
   * prepared: nothing live touched yet except possibly the atomic db swap (rolled back);
   * objects: the bucket is being changed (rolled back from the saved copies);
   * committed: the restored data is in service and the safety archive is still to be written
   * from the previous database and the saved objects (rolled forward).
   */
  readonly phase: RestorePhase;
  /** The step running when this was written (older journals lack it); the phase alone decides the recovery. */
  readonly step?: RestoreStep;
  readonly startedAt: string;
}

export const JOURNAL_FILE = 'restore-journal.json';

export async function readJournal(dir: string): Promise<RestoreJournal | undefined> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, JOURNAL_FILE), 'utf8')) as RestoreJournal;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`restore journal ${JOURNAL_FILE} is unreadable (${(e as Error).message}); inspect it before retrying`);
  }
}

/** Durable: a crash leaves either the old or the new journal. */
export async function writeJournal(dir: string, j: RestoreJournal): Promise<void> {
  await writeJsonAtomic(join(dir, JOURNAL_FILE), j, { mode: 0o600, durable: true });
}

export async function clearJournal(dir: string): Promise<void> {
  await fsp.rm(join(dir, JOURNAL_FILE), { force: true });
}
