// imctl rotate: change config rotation.<name>, which re-keys that secret, then run `up`.
import { Argument, type Command } from 'commander';
import type { App } from '../app';
import { deploy } from '../deploy';
import { OperationFailedError } from '../errors';
import { configKey, ROTATION_EFFECTS, ROTATION_TARGETS, rotationValue, rotationWrites, type RotationTarget } from '../rotation';

export const order = 90;

export function register(program: Command, app: App): void {
  program
    .command('rotate')
    .helpGroup('Maintenance:')
    .description('rotate a generated secret: set config rotation.<secret> to a new value, then run `up` (says what restarts)')
    .addArgument(new Argument('<secret>', 'which secret').choices([...ROTATION_TARGETS, 'all']))
    .option('--no-up', 'only change the config; apply it later with `imctl up`')
    .action(
      app.action(async (ctx, args, opts) => {
        const targets: RotationTarget[] = args[0] === 'all' ? [...ROTATION_TARGETS] : [args[0] as RotationTarget];
        const stack = await ctx.openStack(false);
        if (!ctx.out.json) {
          ctx.out.line(`Rotating on stack ${ctx.stack}:`);
          for (const t of targets) ctx.out.line(`  ${t}: ${ROTATION_EFFECTS[t]}`);
        }
        if (ctx.isProduction()) await ctx.confirm(`Rotate ${targets.join(', ')} on ${ctx.stack} now? Containers listed above are replaced.`);
        const changed: Record<string, { previous?: string; value: string }> = {};
        const read = (key: string): Promise<string | undefined> => stack.getConfig(key, { path: true });
        for (const t of targets) {
          const previous = await read(configKey(t));
          const value = rotationValue(ctx.deps.now(), previous);
          for (const w of await rotationWrites(t, value, read)) {
            await ctx.operation('config set', {}, () => stack.setConfig(w.key, w.value, { path: true }));
            ctx.out.progress(`  set ${w.key.replace(/^imstack:/, '')} = ${w.value}`);
          }
          changed[t] = { previous, value };
        }
        if (opts.up === false) {
          if (ctx.out.json) ctx.out.data({ result: { operation: 'rotate', stack: ctx.stack, rotated: changed, applied: false } });
          else ctx.out.line('Config changed; run `imctl up` to apply the rotation.');
          return;
        }
        try {
          await deploy(ctx, stack, {});
        } catch (e) {
          if (e instanceof OperationFailedError) {
            throw new OperationFailedError(`${e.message} (rotation config is already changed)`, {
              hint: 'fix the cause and run `imctl up` to finish the rotation',
              cause: e,
            });
          }
          throw e;
        }
        if (ctx.out.json) ctx.out.data({ result: { operation: 'rotate', stack: ctx.stack, rotated: changed, applied: true } });
      }),
    );
}
