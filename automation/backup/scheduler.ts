// The long-running side of the job container: fires runBackup on the cron schedule, keeps
// status.json's nextRun current and records, once, when the job first started (firstStartedAt).
// `protect` stops a slow run from overlapping the next one.
import { Cron } from 'croner';
import type { BackupContext } from './context';
import type { JobSettings } from './contract';
import { runBackup, RunResult } from './run';
import { nowOf } from './context';
import { firstStart, updateStatus } from './status';

export interface Scheduler {
  nextRun(): Date | null;
  stop(): void;
}

/** The job's settings (contract fromEnv), or a test's own context. */
export type SchedulerSettings = Pick<JobSettings, 'schedule' | 'timezone' | 'retention' | 'components'> & { readonly ctx: BackupContext };

export interface SchedulerEvents {
  onRun?(result: RunResult): void;
  onError?(error: Error): void;
}

export async function startScheduler(s: SchedulerSettings, events: SchedulerEvents = {}): Promise<Scheduler> {
  let job: Cron;
  try {
    new Cron(s.schedule, { timezone: s.timezone, paused: true }).stop();
  } catch (e) {
    throw new Error(`BACKUP_SCHEDULE "${s.schedule}" / BACKUP_TIMEZONE "${s.timezone}" is not valid: ${(e as Error).message}`);
  }
  const recordNext = (): Promise<unknown> =>
    updateStatus(s.ctx.backupDir, { nextRun: job.nextRun()?.toISOString(), schedule: s.schedule, timezone: s.timezone });
  const tick = async (): Promise<void> => {
    try {
      const r = await runBackup(s.ctx, { components: s.components, kind: 'scheduled', retention: s.retention, remote: Boolean(s.ctx.remote) });
      events.onRun?.(r);
    } catch (e) {
      // Already recorded as lastFailure in status.json by runBackup.
      events.onError?.(e as Error);
    } finally {
      await recordNext().catch(() => undefined);
    }
  };
  job = new Cron(s.schedule, { timezone: s.timezone, protect: true }, tick);
  // firstStartedAt: what the metrics give as the last success until there is one (status.ts).
  await updateStatus(s.ctx.backupDir, (cur) => ({ ...firstStart(cur, nowOf(s.ctx)), nextRun: job.nextRun()?.toISOString(), schedule: s.schedule, timezone: s.timezone }));
  return { nextRun: () => job.nextRun(), stop: () => job.stop() };
}
