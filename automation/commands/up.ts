// imctl up: create or update the stack.
import type { Command } from 'commander';
import type { App } from '../app';
import { deploy } from '../deploy';

export const order = 10;

export function register(program: Command, app: App): void {
  program
    .command('up')
    .helpGroup('Deploy:')
    .description('create or update the stack (replaces `deploy.sh deploy|update`); prints the changes, then the stack URLs')
    .option('--refresh', 'refresh state from Docker before updating')
    .option('--target <urn...>', 'update only these resource URNs')
    .option('--diff', 'name the properties that change for each resource')
    .action(
      app.action(async (ctx, _args, opts) => {
        const stack = await ctx.openStack(true);
        await deploy(ctx, stack, { refresh: Boolean(opts.refresh), target: opts.target as string[] | undefined, diff: Boolean(opts.diff) });
      }),
    );
}
