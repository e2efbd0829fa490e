// imctl destroy: remove containers and networks. Data volumes are retainOnDelete in the
// program, so they survive unless --purge-data removes them afterwards.
import type { Command } from 'commander';
import type { App } from '../app';
import { summarizeChanges } from '../pulumi/engineEvents';

export const order = 30;

export function register(program: Command, app: App): void {
  program
    .command('destroy')
    .helpGroup('Deploy:')
    .description('remove the stack\'s containers and networks; data volumes are kept unless --purge-data')
    .option('--purge-data', 'also delete the stack\'s data volumes (postgres, redis, minio, backups) afterwards: irreversible')
    .action(
      app.action(async (ctx, _args, opts) => {
        const purge = Boolean(opts.purgeData);
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
        if (ctx.out.json) {
          ctx.out.data({ result: { operation: 'destroy', stack: ctx.stack, changes: r.changes, volumesRemoved: removed } });
          return;
        }
        ctx.out.line(`Destroyed: ${summarizeChanges(r.changes)}`);
        if (purge) ctx.out.line(removed.length ? `Removed volumes: ${removed.join(', ')}` : 'No data volumes were left to remove.');
        else ctx.out.line(`Data volumes kept (imstack-${ctx.stack}-*); \`imctl up\` reattaches them, \`imctl destroy --purge-data\` deletes them.`);
      }),
    );
}
