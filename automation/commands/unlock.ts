// imctl unlock: clear a stale lock left by an interrupted update (`pulumi cancel`).
import type { Ctx } from '../context';
import type { CommandDef } from './factory';

/** unlock takes no options of its own; its --json result is null (the envelope says it all). */
export type UnlockOptions = Record<string, never>;

export async function runUnlock(ctx: Ctx, _opts: UnlockOptions = {}): Promise<void> {
  const stack = await ctx.openStack(false);
  await ctx.confirm(`Clear the lock on stack ${ctx.stack}? Do this only when no imctl or pulumi update is running.`);
  await ctx.operation('unlock', {}, () => stack.cancel());
  ctx.out.line(`Stack ${ctx.stack} unlocked.`);
}

export const unlockCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('unlock')
      .description('clear a stale stack lock left by a killed update (only when nothing else is updating)')
      .action(f.action((ctx) => runUnlock(ctx))),
};
