// imctl outputs: the stack outputs, secrets masked unless --show-secrets.
import { Revealed } from '../cli/envelope';
import type { Ctx } from '../context';
import type { CommandDef, Flags } from './factory';

export interface OutputsOptions {
  /** Print secret outputs in clear text. */
  showSecrets: boolean;
}

export type OutputValues = Record<string, unknown>;

export function outputsOptions(flags: Flags): OutputsOptions {
  return { showSecrets: Boolean(flags.showSecrets) };
}

/** The outputs by name; with --show-secrets the result is exported unredacted. */
export async function runOutputs(ctx: Ctx, opts: OutputsOptions): Promise<OutputValues | Revealed<OutputValues>> {
  const stack = await ctx.openStack(false);
  const outputs = await stack.outputs();
  const show = opts.showSecrets;
  const values: OutputValues = {};
  for (const [k, o] of Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))) {
    values[k] = o.secret && !show ? '[secret]' : o.value;
  }
  if (Object.keys(values).length === 0) ctx.out.line(`Stack ${ctx.stack} has no outputs (not deployed yet? run \`imctl up\`).`);
  for (const [k, v] of Object.entries(values)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');
    ctx.out.line(`${k}: ${text}`, show);
  }
  return show ? new Revealed(values) : values;
}

export const outputsCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('outputs')
      .description('print the stack outputs (URLs, container names, ports); secrets show as [secret]')
      .option('--show-secrets', 'print secret outputs in clear text (connection strings, keys)')
      .action(f.action((ctx, _args, flags) => runOutputs(ctx, outputsOptions(flags)))),
};
