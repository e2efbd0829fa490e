// The admin stats payload (GET /api/admin/stats) and how the overview presents it.

export interface AdminStats {
  readonly users: number;
  readonly conversations: number;
  readonly messages: number;
  readonly files: number;
  readonly storageBytes: number;
}

const FIELDS = ['users', 'conversations', 'messages', 'files', 'storageBytes'] as const;

/** Validates the backend's answer; anything else is reported rather than rendered as NaN. */
export function parseStats(body: unknown): AdminStats {
  if (typeof body !== 'object' || body === null) throw new Error('stats response is not an object');
  const o = body as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const f of FIELDS) {
    // Counts from postgres may arrive as strings (bigint); accept those when they are integers.
    const v = typeof o[f] === 'string' && /^\d+$/.test(o[f] as string) ? Number(o[f]) : o[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`stats field "${f}" is missing or not a non-negative number`);
    out[f] = v;
  }
  return out as unknown as AdminStats;
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

/** Binary units, as `du -h` and docker report storage. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export interface StatCard {
  readonly key: string;
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
}

export function statCards(s: AdminStats): StatCard[] {
  const perConversation = s.conversations > 0 ? s.messages / s.conversations : 0;
  return [
    { key: 'users', label: 'Users', value: formatCount(s.users) },
    { key: 'conversations', label: 'Conversations', value: formatCount(s.conversations) },
    { key: 'messages', label: 'Messages', value: formatCount(s.messages), detail: s.conversations > 0 ? `${perConversation.toFixed(1)} per conversation` : undefined },
    { key: 'storage', label: 'Storage used', value: formatBytes(s.storageBytes), detail: `${formatCount(s.files)} file${s.files === 1 ? '' : 's'}` },
  ];
}
