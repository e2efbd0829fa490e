// The monitoring tier's footprint on a running stack (issue 14, "Benchmark"): each tier
// container's memory (as `docker stats` shows it) and CPU over a window, their sum against the
// 400 MB goal, and Prometheus's disk use per day at the stack's scrape interval, from its own
// ingestion counters and the size of its data directory.
//   npm run bench:monitoring -- <stack> [--seconds 60]
// Needs a stack with monitoring on (e.g. `IMSTACK_LIVE_KEEP=1` on test/live/monitoring/tier.test.ts).
import Docker from 'dockerode';
import { serviceRows } from '../catalogue';
import { memoryNow } from './docker-memory';

interface CpuStats { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus?: number } }

function args(): { stack: string; seconds: number } {
  const [stack, ...rest] = process.argv.slice(2);
  if (!stack || stack.startsWith('-')) throw new Error('usage: npm run bench:monitoring -- <stack> [--seconds N]');
  const i = rest.indexOf('--seconds');
  const seconds = i >= 0 ? Number(rest[i + 1]) : 60;
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) throw new Error(`--seconds must be an integer from 5 to 3600, got ${rest[i + 1]}`);
  return { stack, seconds };
}

async function cpuNanos(c: Docker.Container): Promise<number> {
  return ((await c.stats({ stream: false })) as unknown as CpuStats).cpu_stats.cpu_usage.total_usage;
}

/** Asks Prometheus on its dev port (127.0.0.1), else from inside its container (busybox wget, as the official image has). */
async function promQuery(base: string | undefined, exec: (cmd: string[]) => Promise<string>, expr: string): Promise<number> {
  const url = `${base ?? 'http://127.0.0.1:9090'}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const out = base ? await (await fetch(url)).text() : await exec(['wget', '-qO-', url]);
  const r = JSON.parse(out) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(r.data.result[0]?.value[1] ?? NaN);
}

async function main(): Promise<void> {
  const { stack, seconds } = args();
  const docker = new Docker();
  const tier = new Set(serviceRows().filter((r) => r.tier === 'monitoring').map((r) => r.name));
  const listed = await docker.listContainers({ filters: { label: [`com.imstack.stack=${stack}`] } });
  const mine = listed.filter((c) => tier.has(c.Labels['com.imstack.service']));
  if (mine.length === 0) throw new Error(`stack ${stack} runs no monitoring container (is monitoring.enabled on?)`);
  const name = (c: Docker.ContainerInfo) => c.Labels['com.imstack.service'];
  const before = await Promise.all(mine.map((c) => cpuNanos(docker.getContainer(c.Id))));
  const t0 = Date.now();
  process.stderr.write(`measuring ${mine.length} containers for ${seconds} s\n`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (Date.now() - t0) * 1e6;
  const rows = await Promise.all(mine.map(async (c, i) => {
    const ct = docker.getContainer(c.Id);
    const [mem, cpu] = await Promise.all([memoryNow(ct), cpuNanos(ct)]);
    return { service: name(c), memMiB: mem.used, cpuPercent: ((cpu - before[i]) / wall) * 100 };
  }));
  rows.sort((a, b) => b.memMiB - a.memMiB);
  const total = rows.reduce((s, r) => s + r.memMiB, 0);
  const cpu = rows.reduce((s, r) => s + r.cpuPercent, 0);

  const prom = mine.find((c) => name(c) === 'prometheus')!;
  const exec = async (cmd: string[]): Promise<string> => {
    const e = await docker.getContainer(prom.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => { stream.on('data', (d: Buffer) => chunks.push(d)); stream.on('end', resolve); stream.on('error', reject); });
    // Docker multiplexes stdout/stderr in 8-byte framed chunks.
    const raw = Buffer.concat(chunks);
    const out: Buffer[] = [];
    for (let o = 0; o + 8 <= raw.length;) { const n = raw.readUInt32BE(o + 4); if (raw[o] === 1) out.push(raw.subarray(o + 8, o + 8 + n)); o += 8 + n; }
    return Buffer.concat(out).toString('utf8');
  };
  const bound = (await docker.getContainer(prom.Id).inspect()).HostConfig.PortBindings?.['9090/tcp']?.[0] as { HostIp: string; HostPort: string } | undefined;
  const base = bound ? `http://${bound.HostIp || '127.0.0.1'}:${bound.HostPort}` : undefined;
  const samplesPerSecond = await promQuery(base, exec, 'rate(prometheus_tsdb_head_samples_appended_total[5m])');
  const series = await promQuery(base, exec, 'prometheus_tsdb_head_series');
  const du = Number((await exec(['du', '-sk', '/prometheus'])).split(/\s/)[0]) / 1024;
  // Prometheus's documented compressed size is 1-2 bytes per sample; 2 is the conservative end.
  const perDayMiB = (samplesPerSecond * 86400 * 2) / (1024 * 1024);

  console.log('service              memory MiB   CPU %');
  for (const r of rows) console.log(`${r.service.padEnd(20)} ${r.memMiB.toFixed(1).padStart(10)} ${r.cpuPercent.toFixed(2).padStart(7)}`);
  console.log(`${'total'.padEnd(20)} ${total.toFixed(1).padStart(10)} ${cpu.toFixed(2).padStart(7)}   (goal: under 400 MB: ${total * 1.048576 < 400 ? 'met' : 'missed'})`);
  console.log(`prometheus: ${series} head series, ${samplesPerSecond.toFixed(1)} samples/s at this stack's interval; ~${perDayMiB.toFixed(1)} MiB/day at 2 B/sample; data dir now ${du.toFixed(1)} MiB`);
  console.log(JSON.stringify({ stack, seconds, rows, totalMiB: total, cpuPercent: cpu, series, samplesPerSecond, perDayMiB, dataDirMiB: du }));
}

main().catch((e: Error) => { console.error(`bench:monitoring: ${e.message}`); process.exit(1); });
