// Parsing of time and size flags (--since 10m, --tail 100, --min-free 2GiB).
import { UsageError } from '../errors';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "--since": a relative duration (30s, 10m, 2h, 1d) or an ISO time; returns Unix seconds. */
export function parseSince(value: string, now: Date): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (m) return Math.floor(now.getTime() / 1000) - Number(m[1]) * UNITS[m[2]];
  if (/^\d{4}-\d\d-\d\d/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return Math.floor(t / 1000);
  }
  throw new UsageError(`--since ${JSON.stringify(value)} is not a duration (30s, 10m, 2h, 1d) or an ISO time`);
}

/** "--tail": a non-negative line count or "all" (undefined). */
export function parseTail(value: string): number | undefined {
  if (value === 'all') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--tail ${JSON.stringify(value)} must be a number of lines or "all"`);
  return Number(value);
}

/** A positive number of seconds ("90", "90s", "2m"). */
export function parseSeconds(value: string, flag: string): number {
  const m = /^(\d+)([smh]?)$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} ${JSON.stringify(value)} must be a positive duration such as 90s or 2m`);
  return Number(m[1]) * (m[2] ? UNITS[m[2]] : 1);
}

const SIZE: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1e3, kib: 1024, m: 1024 ** 2, mb: 1e6, mib: 1024 ** 2, g: 1024 ** 3, gb: 1e9, gib: 1024 ** 3, t: 1024 ** 4, tb: 1e12, tib: 1024 ** 4 };

/** A byte size such as 2GiB, 500MB or 1073741824. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m?.[2].toLowerCase() ?? '';
  if (!m || !(unit in SIZE)) throw new UsageError(`${flag} ${JSON.stringify(value)} must be a size such as 2GiB or 500MB`);
  return Math.round(Number(m[1]) * SIZE[unit]);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.floor(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}
