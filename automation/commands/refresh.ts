// imctl refresh: bring Pulumi's state in line with what Docker actually runs.
import type { Ctx } from '../context';
import { summarizeChanges } from '../pulumi/engineEvents';
import type { OpMap } from '../pulumi/stackOps';
import type { CommandDef } from './factory';

/** refresh takes no options of its own. */
export type RefreshOptions = Record<string, never>;

export async function runRefresh(ctx: Ctx, _opts: RefreshOptions = {}): Promise<{ changes: OpMap }> {
  const stack = await ctx.openStack(false);
  ctx.out.progress(`Refreshing stack ${ctx.stack}…`);
  const r = await ctx.operation('refresh', {}, (hooks) => stack.refresh(hooks));
  ctx.out.line(`Refreshed: ${summarizeChanges(r.changes)}`);
  return { changes: r.changes };
}

export const refreshCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('refresh')
      .description("update Pulumi's state from what Docker actually runs (after manual changes)")
      .action(f.action((ctx) => runRefresh(ctx))),
};
