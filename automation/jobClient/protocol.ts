// One run of the job engine inside its container: `node main.js --json <command> …` over a
// ContainerExec, its stdout read as the contract's events. Knows nothing of imctl's output or
// errors, so the health probe (no command context) and runJob share it.
import { JOB_MAIN, type JobCommand, type JobEvent, type JobResults } from '../backup/contract';
import type { ContainerExec, ExecLine, SendLine } from './containerExec';

/** Arguments of one job command: its name first, so the result's type follows from it. */
export type JobArgs<C extends JobCommand> = readonly [C, ...string[]];

export interface JobExecOptions {
  /** Attach stdin (restore hooks answer over it). */
  stdin?: boolean;
  /** Extra environment of this one exec. */
  env?: Record<string, string>;
  /** Every event except the result and the error, which the outcome carries. */
  onEvent?: (e: JobEvent, send: SendLine) => void;
  /** stderr lines, and stdout lines that are not JSON. */
  onOther?: (line: ExecLine) => void;
}

export interface JobOutcome<T> {
  /** The job's exit code (contract JOB_EXIT). */
  readonly code: number;
  readonly result?: { readonly data: T };
  readonly error?: { readonly message: string; readonly code?: string };
}

/** The command line docker exec runs in the job container. */
export function jobCommandLine(args: readonly string[]): string[] {
  return ['node', JOB_MAIN, '--json', ...args];
}

/** A stdout line as an event; undefined for a line that is not one. */
export function parseJobEvent(text: string): JobEvent | 'not-json' | undefined {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  return e && typeof e === 'object' && typeof (e as { type?: unknown }).type === 'string' ? (e as JobEvent) : undefined;
}

export async function execJob<C extends JobCommand>(exec: ContainerExec, containerId: string, args: JobArgs<C>, opts: JobExecOptions = {}): Promise<JobOutcome<JobResults[C]>> {
  let result: { data: JobResults[C] } | undefined;
  let error: { message: string; code?: string } | undefined;
  const code = await exec.run(containerId, jobCommandLine(args), { stdin: Boolean(opts.stdin), env: opts.env }, (line, send) => {
    const e = line.stream === 'stdout' ? parseJobEvent(line.text) : 'not-json';
    if (e === 'not-json') return opts.onOther?.(line);
    if (!e) return;
    // The engine types each command's result by the contract (main.ts).
    if (e.type === 'result') result = { data: e.data as JobResults[C] };
    else if (e.type === 'error') error = { message: e.message, code: e.code };
    else opts.onEvent?.(e, send);
  });
  return { code, result, error };
}
