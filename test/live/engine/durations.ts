// Go-style durations ("5s", "1m30s", "250ms") as the docker provider accepts them.
const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function durationToNanos(input: string, field: string): number {
  const s = input.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched !== s.length || s.length === 0) throw new Error(`${field}: "${input}" is not a duration like "5s", "1m30s" or "500ms"`);
  return Math.round(total);
}
