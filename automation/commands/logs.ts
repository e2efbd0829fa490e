// imctl logs [service...]: every container's log, prefixed by service (and replica),
// merged by time; --follow streams until Ctrl-C. Under --json each line is one NDJSON
// record, and the envelope after them counts what was printed.
import { interruptible } from '../cli/interrupts';
import { SERVICE_COLOURS, type Colour } from '../cli/output';
import { parseSince, parseTail } from '../cli/duration';
import type { Ctx } from '../context';
import type { ContainerSummary, LogLine } from '../docker/dockerOps';
import { displayName, selectContainers, compareStartOrder } from '../services';
import type { CommandDef, Flags } from './factory';

export interface LogsOptions {
  services: string[];
  follow: boolean;
  /** Lines per container from the end; undefined: all. */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  timestamps: boolean;
}

export interface LogsResult {
  containers: string[];
  lines: number;
}

/** Sort key for Docker's RFC 3339 timestamps with variable-length fractions. */
export function timeKey(time: string | undefined): string {
  if (!time) return '';
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : time;
}

interface Tagged extends LogLine {
  who: string;
  colour: Colour;
  container: ContainerSummary;
}

function printer(ctx: Ctx, width: number, timestamps: boolean): (l: Tagged) => void {
  return (l) => {
    if (ctx.out.json) {
      ctx.out.data({ service: l.container.service, replica: l.container.replica ?? null, container: l.container.name, stream: l.stream, time: l.time ?? null, line: l.text });
      return;
    }
    const prefix = ctx.out.paint(l.colour, `${l.who.padEnd(width)} |`);
    ctx.out.raw(`${prefix} ${timestamps && l.time ? `${l.time} ` : ''}${l.text}\n`);
  };
}

export function logsOptions(services: string[], flags: Flags, now: Date): LogsOptions {
  return {
    services,
    follow: Boolean(flags.follow),
    tail: parseTail(String(flags.tail)),
    since: flags.since === undefined ? undefined : parseSince(String(flags.since), now),
    timestamps: Boolean(flags.timestamps),
  };
}

export async function runLogs(ctx: Ctx, opts: LogsOptions): Promise<LogsResult> {
  const { tail, since } = opts;
  const all = await ctx.containers();
  // One-shot jobs are interesting here, unlike for start/stop.
  const chosen = opts.services.length ? selectContainers(all, opts.services) : [...all].sort(compareStartOrder);
  const services = [...new Set(chosen.map((c) => c.service))];
  const colourOf = (c: ContainerSummary): Colour => SERVICE_COLOURS[services.indexOf(c.service) % SERVICE_COLOURS.length];
  const width = Math.max(...chosen.map((c) => displayName(c).length));
  const printLine = printer(ctx, width, opts.timestamps);
  let count = 0;
  const print = (l: Tagged): void => {
    count++;
    printLine(l);
  };
  const tag = (c: ContainerSummary, l: LogLine): Tagged => ({ ...l, who: displayName(c), colour: colourOf(c), container: c });
  const result = (): LogsResult => ({ containers: chosen.map((c) => c.name), lines: count });

  if (!opts.follow) {
    const lines: Tagged[] = [];
    for (const c of chosen) await ctx.deps.docker.logs(c.id, { follow: false, tail, since }, (l) => lines.push(tag(c, l)));
    // Stable sort keeps each container's own order for equal times.
    lines.sort((a, b) => (timeKey(a.time) < timeKey(b.time) ? -1 : timeKey(a.time) > timeKey(b.time) ? 1 : 0));
    lines.forEach(print);
    return result();
  }
  const intr = interruptible(ctx.deps.interrupts, () => undefined, 'logs');
  try {
    await Promise.all(chosen.map((c) => ctx.deps.docker.logs(c.id, { follow: true, tail, since, signal: intr.signal }, (l) => print(tag(c, l)))));
  } finally {
    intr.dispose();
  }
  return result();
}

export const logsCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('logs')
      .description('show container logs, prefixed per service/replica and merged by time')
      .argument('[service...]', 'services (or replicas such as backend-2); default: all')
      .option('-f, --follow', 'keep streaming new lines until Ctrl-C')
      .option('-n, --tail <lines>', 'lines per container from the end ("all" for everything)', '100')
      .option('--since <time>', 'only lines newer than this: 30s, 10m, 2h, 1d or an ISO time')
      .option('-t, --timestamps', 'show Docker timestamps')
      .action(f.action((ctx, names, flags) => runLogs(ctx, logsOptions(names, flags, ctx.deps.now())))),
};
