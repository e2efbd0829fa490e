// imctl destroy: remove containers and networks. Data volumes are retainOnDelete in the
// program, so they survive unless --purge-data removes them afterwards.
import type { Ctx } from '../context';
import { summarizeChanges } from '../pulumi/engineEvents';
import type { OpMap } from '../pulumi/stackOps';
import type { CommandDef, Flags } from './factory';

export interface DestroyOptions {
  /** Also delete the stack's data volumes afterwards: irreversible. */
  purgeData: boolean;
}

export interface DestroyResult {
  changes: OpMap;
  volumesRemoved: string[];
}

export function destroyOptions(flags: Flags): DestroyOptions {
  return { purgeData: Boolean(flags.purgeData) };
}

export async function runDestroy(ctx: Ctx, opts: DestroyOptions): Promise<DestroyResult> {
  const purge = opts.purgeData;
  const stack = await ctx.openStack(false);
  const outputs = await stack.outputs().catch(() => ({}) as Record<string, { value: unknown }>);
  const prod = ctx.isProduction(outputs.environment?.value);
  const what = purge
    ? `Destroy stack ${ctx.stack} AND DELETE ITS DATA VOLUMES (database, redis, objects, backups)?`
    : `Destroy stack ${ctx.stack}? Containers and networks are removed; data volumes are kept.`;
  await ctx.confirm(what, prod || purge ? ctx.stack : undefined);
  ctx.out.progress(`Destroying stack ${ctx.stack}…`);
  const r = await ctx.operation('destroy', {}, (hooks) => stack.destroy(hooks));
  const removed: string[] = [];
  if (purge) {
    for (const v of await ctx.deps.docker.listVolumes(ctx.stack)) {
      ctx.out.progress(`  removing volume ${v.name}`);
      await ctx.deps.docker.removeVolume(v.name);
      removed.push(v.name);
    }
  }
  ctx.out.line(`Destroyed: ${summarizeChanges(r.changes)}`);
  if (purge) ctx.out.line(removed.length ? `Removed volumes: ${removed.join(', ')}` : 'No data volumes were left to remove.');
  else ctx.out.line(`Data volumes kept (imstack-${ctx.stack}-*); \`imctl up\` reattaches them, \`imctl destroy --purge-data\` deletes them.`);
  return { changes: r.changes, volumesRemoved: removed };
}

export const destroyCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('destroy')
      .description("remove the stack's containers and networks; data volumes are kept unless --purge-data")
      .option('--purge-data', "also delete the stack's data volumes (postgres, redis, minio, backups) afterwards: irreversible")
      .action(f.action((ctx, _args, flags) => runDestroy(ctx, destroyOptions(flags)))),
};
