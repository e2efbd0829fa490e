// A container's memory as `docker stats` shows it: the cgroup's usage minus its inactive page
// cache (cgroup v1: total_inactive_file, v2: inactive_file), from the engine's stats API.
import Docker from 'dockerode';

interface MemoryStats {
  usage?: number;
  stats?: Record<string, number>;
}

/** MiB used by the container now (one non-streamed stats read). */
export async function memoryMiB(c: Docker.Container): Promise<number> {
  const s = (await c.stats({ stream: false })) as unknown as { memory_stats?: MemoryStats };
  const m = s.memory_stats ?? {};
  if (m.usage === undefined) throw new Error('the stats API gave no memory usage (is the container running?)');
  const st = m.stats ?? {};
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return (m.usage - (cache < m.usage ? cache : 0)) / 1024 / 1024;
}

/** The median of `n` reads `everyMs` apart: one read can catch a GC or a flush. */
export async function settledMemoryMiB(c: Docker.Container, n = 5, everyMs = 1000): Promise<{ median: number; min: number; max: number }> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i) await new Promise((r) => setTimeout(r, everyMs));
    xs.push(await memoryMiB(c));
  }
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1] };
}
