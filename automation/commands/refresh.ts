// imctl refresh: bring Pulumi's state in line with what Docker actually runs.
import type { Command } from 'commander';
import type { App } from '../app';
import { summarizeChanges } from '../pulumi/engineEvents';

export const order = 40;

export function register(program: Command, app: App): void {
  program
    .command('refresh')
    .helpGroup('Deploy:')
    .description("update Pulumi's state from what Docker actually runs (after manual changes)")
    .action(
      app.action(async (ctx) => {
        const stack = await ctx.openStack(false);
        ctx.out.progress(`Refreshing stack ${ctx.stack}…`);
        const r = await ctx.operation('refresh', {}, (hooks) => stack.refresh(hooks));
        if (ctx.out.json) ctx.out.data({ result: { operation: 'refresh', stack: ctx.stack, changes: r.changes } });
        else ctx.out.line(`Refreshed: ${summarizeChanges(r.changes)}`);
      }),
    );
}
