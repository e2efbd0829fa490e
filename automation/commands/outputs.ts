// imctl outputs: the stack outputs, secrets masked unless --show-secrets.
import type { Command } from 'commander';
import type { App } from '../app';

export const order = 50;

export function register(program: Command, app: App): void {
  program
    .command('outputs')
    .helpGroup('Deploy:')
    .description('print the stack outputs (URLs, container names, ports); secrets show as [secret]')
    .option('--show-secrets', 'print secret outputs in clear text (connection strings, keys)')
    .action(
      app.action(async (ctx, _args, opts) => {
        const stack = await ctx.openStack(false);
        const outputs = await stack.outputs();
        const show = Boolean(opts.showSecrets);
        const values: Record<string, unknown> = {};
        for (const [k, o] of Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))) {
          values[k] = o.secret && !show ? '[secret]' : o.value;
        }
        if (ctx.out.json) {
          ctx.out.data(values, show);
          return;
        }
        if (Object.keys(values).length === 0) {
          ctx.out.line(`Stack ${ctx.stack} has no outputs (not deployed yet? run \`imctl up\`).`);
          return;
        }
        for (const [k, v] of Object.entries(values)) {
          const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');
          ctx.out.line(`${k}: ${text}`, show);
        }
      }),
    );
}
