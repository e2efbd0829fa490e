// The restore as named steps, in order. The runner (runner.ts) journals and announces each one
// before it runs and has one rollback for all of them; each `undo` judges from the journal alone
// what to put back, so the same code undoes a failed restore here and a killed one at the next
// start (recover.ts).
import { createReadStream, promises as fsp } from 'fs';
import { join } from 'path';
import { BackupContext, encrypts } from '../context';
import { RestoreJournal, RestorePhase, RestoreStep } from '../journal';
import { LiveObject, listLive, planObjects } from '../objectPlan';
import { databaseExists, databaseOid, renameDatabases } from '../postgres';
import { BeforeEntry, readBefore, saveObjects, writeBefore } from '../safety';
import { ArchivedObject } from '../verify';
import { applyObjects, fromArchive, ObjectFeed } from './applyObjects';
import { dropStaging, runPass } from './pass';
import { announceStep, RestoreState, setPhase } from './state';
import { SafetyBackupFailed } from './types';

export interface Step {
  /** What the step is announced and journaled as, and what a failure in it is reported in. */
  readonly name: RestoreStep;
  /** Whether this restore has the step (objects only when the objects are restored, ...). */
  readonly applies: (s: RestoreState) => boolean;
  /** The journal phase the step starts in, written before it is announced; default: unchanged. */
  readonly phase?: RestorePhase;
  /** False: the step is announced elsewhere (verify: before the journal exists) or not at all. */
  readonly announce?: boolean;
  run(s: RestoreState): Promise<void>;
  /** Puts back what `run` changed, judged from the journal alone; safe to run more than once. */
  readonly undo?: (ctx: BackupContext, j: RestoreJournal) => Promise<void>;
}

const restoresObjects = (s: RestoreState): boolean => s.components.includes('minio') && s.store !== undefined;
const restoresDatabase = (s: RestoreState): boolean => s.components.includes('postgres') && s.pg !== undefined;

/** Copies the live objects `keys` into a new saved archive in the work folder, and journals it. */
async function save(s: RestoreState, keys: string[]): Promise<void> {
  if (!s.store || keys.length === 0) return;
  const index = (s.journal.saved ?? []).length;
  const file = join(s.work, `saved-${index + 1}.tar.gz${encrypts(s.ctx) ? '.enc' : ''}`);
  for (const [k, e] of await saveObjects(s.ctx, s.store.client, s.store.bucket, keys, file)) s.saved.set(k, [e, index]);
  await setPhase(s, s.journal.phase, { saved: [...(s.journal.saved ?? []), file] });
}

const verify: Step = {
  name: 'verify',
  announce: false,
  applies: () => true,
  run: runPass,
  undo: dropStaging,
};

/** Saves what the object restore will overwrite or remove, while the site still serves. */
const safetyBackup: Step = {
  name: 'safety-backup',
  applies: restoresObjects,
  async run(s) {
    const store = s.store as NonNullable<RestoreState['store']>;
    try {
      const live = (await s.liveAtStart) ?? (await listLive(store.client, store.bucket));
      const checked = new Map<string, string>();
      for (const [k, p] of s.metaChecks) {
        const etag = await p;
        if (etag !== undefined && etag === live.get(k)?.etag) checked.set(k, etag);
      }
      const plan = await planObjects(store.client, store.bucket, s.archived, live, checked, s.metaCheck);
      s.confirmed = plan.unchanged;
      s.ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: `objects: ${plan.unchanged.size} unchanged, ${plan.upload.size} to upload, ${plan.save.size} to save first` });
      await save(s, [...plan.save]);
    } catch (e) {
      throw new SafetyBackupFailed((e as Error).message);
    }
  },
};

const maintenance: Step = {
  name: 'maintenance',
  applies: () => true,
  async run(s) {
    s.entered = true;
    await s.hooks.enterMaintenance();
  },
};

/** The live database is renamed aside, intact, and the staging one takes its name, in one transaction. */
const swap: Step = {
  name: 'postgres-swap',
  applies: (s) => restoresDatabase(s) && s.journal.staging !== undefined && s.journal.previous !== undefined,
  async run(s) {
    const pg = s.pg as NonNullable<RestoreState['pg']>;
    const { staging, previous } = s.journal as Required<Pick<RestoreJournal, 'staging' | 'previous'>>;
    s.stagedOid = await databaseOid(pg, staging);
    await renameDatabases(pg, [[pg.database, previous], [staging, pg.database]]);
  },
  async undo(ctx, j) {
    const pg = ctx.postgres;
    if (!pg || !j.components.includes('postgres') || !j.staging || !j.previous || !(await databaseExists(pg, j.previous))) return;
    ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: 'swapping the previous database back in' });
    // The restored database moves aside under the staging name and is dropped with it.
    await renameDatabases(pg, [[pg.database, j.staging], [j.previous, pg.database]]);
  },
};

/**
 * Re-plans against the bucket as the stopped backends left it, saves anything that changed
 * since the safety-backup step, and records the bucket's state (before.json) for the rollback.
 */
const planChanges: Step = {
  name: 'objects',
  announce: false,
  applies: restoresObjects,
  async run(s) {
    const store = s.store as NonNullable<RestoreState['store']>;
    const live = await listLive(store.client, store.bucket);
    const plan = await planObjects(store.client, store.bucket, s.archived, live, s.confirmed, s.metaCheck);
    await save(s, [...plan.save].filter((k) => s.saved.get(k)?.[0] !== (live.get(k) as LiveObject).etag));
    const before: BeforeEntry[] = [...live].map(([k, o]) => [k, o.size, o.etag, plan.save.has(k) ? (s.saved.get(k)?.[1] ?? -2) : -1]);
    const missing = before.find((e) => e[3] === -2);
    if (missing) throw new Error(`object "${missing[0]}" would change but has no saved copy`);
    await writeBefore(s.work, before);
    s.upload = plan.upload;
    s.objects = { ...s.objects, unchanged: plan.unchanged.size };
  },
};

/** The bucket made exactly equal to the archive: uploads (kept ones from the spool) and removals, then checked. */
const applyChanges: Step = {
  name: 'objects',
  phase: 'objects',
  applies: restoresObjects,
  async run(s) {
    const upload = s.upload ?? new Set<string>();
    // Kept by the pass: read from the spool. Anything else (changed since the pass, or equal
    // bytes with other metadata) is read from the archive once more.
    const fromSpool: ObjectFeed = async (take) => {
      for (const key of upload) {
        const file = s.kept.get(key);
        if (!file) continue;
        const a = s.archived.get(key) as ArchivedObject;
        await take(key, a.size, a.meta, createReadStream(file));
      }
    };
    const rest = new Set([...upload].filter((k) => !s.kept.has(k)));
    const r = await applyObjects(s.ctx, new Map([...s.archived].map(([k, a]) => [k, a.size])), [fromSpool, fromArchive(s.ctx, s.archive, rest)], 'restore', s.opts.beforeUpload);
    s.objects = { ...r, unchanged: s.objects.unchanged };
  },
  async undo(ctx, j) {
    if (j.phase !== 'objects' || !j.components.includes('minio') || !j.work) return;
    ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: 'putting the objects back as they were' });
    const before = await readBefore(j.work);
    const saved = j.saved ?? [];
    await applyObjects(
      ctx,
      new Map(before.map((e) => [e[0], e[1]])),
      saved.map((archive, i) => fromArchive(ctx, archive, new Set(before.filter((e) => e[3] === i).map((e) => e[0])))),
      'rollback',
    );
  },
};

/** The live database must be the restored one; then the journal says committed and maintenance ends. */
const commit: Step = {
  name: 'commit',
  applies: () => true,
  async run(s) {
    await fsp.rm(s.spoolDir, { recursive: true, force: true });
    if (restoresDatabase(s)) {
      const pg = s.pg as NonNullable<RestoreState['pg']>;
      // The staging database was checked row by row; after the rename it must be the live one.
      const live = await databaseOid(pg, pg.database);
      if (!s.stagedOid || live !== s.stagedOid) throw new Error(`the live database after the swap is not the restored one (oid ${live ?? 'none'}, restored ${s.stagedOid ?? 'unknown'})`);
    }
    await setPhase(s, 'committed');
    s.entered = false;
    await s.hooks.leaveMaintenance();
    await announceStep(s, 'done');
  },
};

export const STEPS: readonly Step[] = [verify, safetyBackup, maintenance, swap, planChanges, applyChanges, commit];
