// Which archives to delete. Pure, so the rules can be tested against any calendar:
// an archive goes when it is older than retentionDays AND is not among the newest keepLast,
// so a pause in backups (a broken job, a long outage) never prunes everything.
import { JOB_DEFAULTS } from './contract';

export interface RetentionPolicy {
  readonly retentionDays: number;
  readonly keepLast: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { retentionDays: JOB_DEFAULTS.retentionDays, keepLast: JOB_DEFAULTS.keepLast };

export interface Dated {
  readonly file: string;
  readonly createdAt: Date;
}

export interface RetentionPlan<T extends Dated> {
  readonly keep: T[];
  readonly prune: T[];
}

export function planRetention<T extends Dated>(archives: readonly T[], now: Date, policy: RetentionPolicy = DEFAULT_RETENTION): RetentionPlan<T> {
  if (!(policy.retentionDays >= 0) || !Number.isInteger(policy.keepLast) || policy.keepLast < 1) {
    throw new Error(`invalid retention policy: retentionDays must be >= 0 and keepLast an integer >= 1 (got ${policy.retentionDays}, ${policy.keepLast})`);
  }
  const newestFirst = [...archives].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.file.localeCompare(a.file));
  const cutoff = now.getTime() - policy.retentionDays * 86_400_000;
  const keep: T[] = [];
  const prune: T[] = [];
  newestFirst.forEach((a, i) => (i < policy.keepLast || a.createdAt.getTime() >= cutoff ? keep : prune).push(a));
  return { keep, prune };
}
