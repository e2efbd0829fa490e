// A container's memory as `docker stats` shows it: the cgroup's usage minus its inactive page
// cache (cgroup v1: total_inactive_file, v2: inactive_file), from the engine's stats API. That
// figure still counts active page cache (files the server wrote or read twice lately), so the
// anonymous memory (the processes' own heap and stacks) is read beside it.
import Docker from 'dockerode';

interface MemoryStats {
  usage?: number;
  stats?: Record<string, number>;
}

export interface Memory {
  /** MiB, what `docker stats` shows. */
  readonly used: number;
  /** MiB of anonymous memory (v1 total_rss, v2 anon). */
  readonly anon: number;
}

const MiB = 1024 * 1024;

/** The container's memory now (one non-streamed stats read). */
export async function memoryNow(c: Docker.Container): Promise<Memory> {
  const s = (await c.stats({ stream: false })) as unknown as { memory_stats?: MemoryStats };
  const m = s.memory_stats ?? {};
  if (m.usage === undefined) throw new Error('the stats API gave no memory usage (is the container running?)');
  const st = m.stats ?? {};
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return { used: (m.usage - (cache < m.usage ? cache : 0)) / MiB, anon: (st.total_rss ?? st.anon ?? 0) / MiB };
}

export const memoryMiB = async (c: Docker.Container): Promise<number> => (await memoryNow(c)).used;

export interface Settled {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Anonymous MiB at the read that gave the median. */
  readonly anon: number;
}

/** The median of `n` reads `everyMs` apart: one read can catch a GC or a flush. */
export async function settledMemoryMiB(c: Docker.Container, n = 5, everyMs = 1000): Promise<Settled> {
  const xs: Memory[] = [];
  for (let i = 0; i < n; i++) {
    if (i) await new Promise((r) => setTimeout(r, everyMs));
    xs.push(await memoryNow(c));
  }
  xs.sort((a, b) => a.used - b.used);
  const mid = xs[Math.floor(xs.length / 2)];
  return { median: mid.used, min: xs[0].used, max: xs[xs.length - 1].used, anon: mid.anon };
}
