// What the steps of one restore share: set up once by the runner, each field written by the
// step that produces it and read by the ones after.
import type * as Minio from 'minio';
import { BackupContext } from '../context';
import { StagedArchive } from '../incoming';
import { RestoreJournal, RestorePhase, RestoreStep, writeJournal } from '../journal';
import { Component, Manifest } from '../manifest';
import { LiveObject, MetadataCheck } from '../objectPlan';
import { PgConnection } from '../postgres';
import { ArchivedObject } from '../verify';
import { RestoreHooks, RestoreOptions } from './types';

export interface RestoreState {
  readonly ctx: BackupContext;
  readonly opts: RestoreOptions;
  readonly hooks: RestoreHooks;
  /** The archive as the caller named it (messages say this). */
  readonly fileOrName: string;
  /** Where the archive is read: in the volume, or a staged host copy (`incoming`) not kept yet. */
  readonly path: string;
  readonly incoming?: StagedArchive;
  readonly wanted: readonly Component[];
  /** Set when the database is restored. */
  readonly pg?: PgConnection;
  /** Set when the objects are restored. */
  readonly store?: { readonly client: Minio.Client; readonly bucket: string };
  readonly now: Date;
  /** before.json and the saved copies; kept until the safety archive is written. */
  readonly work: string;
  /** This run's scratch: the dump and the objects the pass kept for uploading. */
  readonly spoolDir: string;

  journal: RestoreJournal;
  /** The step a failure is reported in. */
  current: RestoreStep;
  /** `path`, or once a staged host copy is verified, where it is kept. */
  archive: string;
  /** What the archive holds of what was asked for; known once the pass is through. */
  components: readonly Component[];
  manifest?: Manifest;
  /** Row counts of the staging database, once pg_restore is through. */
  stagedRows?: Record<string, number>;
  /** Every archived object, as the pass saw it. */
  readonly archived: Map<string, ArchivedObject>;
  /** Spool files of the objects the pass kept for uploading, by key. */
  readonly kept: Map<string, string>;
  /** Metadata comparisons the pass started for objects whose bytes are already equal. */
  readonly metaChecks: Map<string, Promise<string | undefined>>;
  metaCheck?: MetadataCheck;
  /** The bucket as listed while the pass ran. */
  liveAtStart?: Promise<Map<string, LiveObject>>;
  /** key -> [ETag it was saved at, index in journal.saved]; a later copy of a key wins. */
  readonly saved: Map<string, [string, number]>;
  /** Objects the safety-backup step found equal to the archive's, with their ETags. */
  confirmed: ReadonlyMap<string, string>;
  /** The keys to upload, as planned against the bucket the stopped backends left. */
  upload?: ReadonlySet<string>;
  stagedOid?: string;
  /** From asking for maintenance until leaving it: a rollback must leave it. */
  entered: boolean;
  objects: { objectCount: number; uploaded: number; removed: number; unchanged: number };
  /** Work started and not awaited (staging database, metadata requests): settled before any rollback. */
  readonly pending: Promise<unknown>[];
}

/** Journals the state (durably) with a new phase and any other changes. */
export async function setPhase(s: RestoreState, phase: RestorePhase, patch: Partial<RestoreJournal> = {}): Promise<void> {
  s.journal = { ...s.journal, ...patch, phase };
  await writeJournal(s.ctx.backupDir, s.journal);
}

/** The step now running: failures are reported in it, the journal names it, and (unless silent) it is announced. */
export async function enterStep(s: RestoreState, step: RestoreStep, phase: RestorePhase = s.journal.phase, announce = true): Promise<void> {
  s.current = step;
  if (s.journal.step !== step || s.journal.phase !== phase) await setPhase(s, phase, { step });
  if (announce) await announceStep(s, step);
}

/** The step as progress (`restore: <step>`) and to the caller's onStep. */
export async function announceStep(s: Pick<RestoreState, 'ctx' | 'opts'>, step: RestoreStep): Promise<void> {
  s.ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: step });
  await s.opts.onStep?.(step);
}
