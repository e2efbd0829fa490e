// Archive file names: backup_<stack>_<YYYYMMDD_HHMMSS>.tar.gz, plus ".enc" when encrypted.
// The timestamp is UTC so names sort chronologically regardless of the schedule's timezone.
import { STACK_NAME_PATTERN, stackNameProblem } from './contract';

export interface ArchiveName {
  readonly file: string;
  readonly stack: string;
  readonly createdAt: Date;
  readonly encrypted: boolean;
}

const NAME_RE = new RegExp(`^backup_(${STACK_NAME_PATTERN.source.slice(1, -1)})_(\\d{8})_(\\d{6})\\.tar\\.gz(\\.enc)?$`);

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatTimestamp(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export function archiveFileName(stack: string, createdAt: Date, encrypted: boolean): string {
  const problem = stackNameProblem(stack);
  if (problem) throw new Error(problem);
  return `backup_${stack}_${formatTimestamp(createdAt)}.tar.gz${encrypted ? '.enc' : ''}`;
}

/** Parses a file name (not a path); returns null for anything that is not a backup archive. */
export function parseArchiveName(file: string): ArchiveName | null {
  const m = NAME_RE.exec(file);
  if (!m) return null;
  const [, stack, day, time, enc] = m;
  const createdAt = new Date(Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8), +time.slice(0, 2), +time.slice(2, 4), +time.slice(4, 6)));
  if (Number.isNaN(createdAt.getTime())) return null;
  return { file, stack, createdAt, encrypted: Boolean(enc) };
}
