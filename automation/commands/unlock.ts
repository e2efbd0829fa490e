// imctl unlock: clear a stale lock left by an interrupted update (`pulumi cancel`).
import type { Command } from 'commander';
import type { App } from '../app';

export const order = 95;

export function register(program: Command, app: App): void {
  program
    .command('unlock')
    .helpGroup('Maintenance:')
    .description('clear a stale stack lock left by a killed update (only when nothing else is updating)')
    .action(
      app.action(async (ctx) => {
        const stack = await ctx.openStack(false);
        await ctx.confirm(`Clear the lock on stack ${ctx.stack}? Do this only when no imctl or pulumi update is running.`);
        await ctx.operation('unlock', {}, () => stack.cancel());
        if (ctx.out.json) ctx.out.data({ result: { operation: 'unlock', stack: ctx.stack } });
        else ctx.out.line(`Stack ${ctx.stack} unlocked.`);
      }),
    );
}
