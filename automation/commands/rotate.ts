// imctl rotate: change config rotation.<name>, which re-keys that secret, then run `up`.
import { Argument } from 'commander';
import type { Ctx } from '../context';
import { OperationFailedError } from '../errors';
import { configKey, ROTATION_EFFECTS, ROTATION_TARGETS, rotationValue, rotationWrites, type RotationTarget } from '../rotation';
import type { CommandDef, Flags } from './factory';
import { deploy, type UpResult } from './up';

export interface RotateOptions {
  targets: RotationTarget[];
  /** false: only change the config (`--no-up`). */
  up: boolean;
}

export interface RotateResult {
  rotated: Record<string, { previous?: string; value: string }>;
  applied: boolean;
  /** The update that applied it (absent under --no-up). */
  up?: UpResult;
}

export function rotateOptions(args: readonly string[], flags: Flags): RotateOptions {
  return { targets: args[0] === 'all' ? [...ROTATION_TARGETS] : [args[0] as RotationTarget], up: flags.up !== false };
}

export async function runRotate(ctx: Ctx, opts: RotateOptions): Promise<RotateResult> {
  const { targets } = opts;
  const stack = await ctx.openStack(false);
  ctx.out.line(`Rotating on stack ${ctx.stack}:`);
  for (const t of targets) ctx.out.line(`  ${t}: ${ROTATION_EFFECTS[t]}`);
  if (ctx.isProduction()) await ctx.confirm(`Rotate ${targets.join(', ')} on ${ctx.stack} now? Containers listed above are replaced.`);
  const rotated: RotateResult['rotated'] = {};
  const read = (key: string): Promise<string | undefined> => stack.getConfig(key, { path: true });
  for (const t of targets) {
    const previous = await read(configKey(t));
    const value = rotationValue(ctx.deps.now(), previous);
    for (const w of await rotationWrites(t, value, read)) {
      await ctx.operation('config set', {}, () => stack.setConfig(w.key, w.value, { path: true }));
      ctx.out.progress(`  set ${w.key.replace(/^imstack:/, '')} = ${w.value}`);
    }
    rotated[t] = { previous, value };
  }
  if (!opts.up) {
    ctx.out.line('Config changed; run `imctl up` to apply the rotation.');
    return { rotated, applied: false };
  }
  try {
    return { rotated, applied: true, up: await deploy(ctx, stack, {}) };
  } catch (e) {
    if (e instanceof OperationFailedError) {
      throw new OperationFailedError(`${e.message} (rotation config is already changed)`, {
        hint: 'fix the cause and run `imctl up` to finish the rotation',
        cause: e,
      });
    }
    throw e;
  }
}

export const rotateCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('rotate')
      .description('rotate a generated secret: set config rotation.<secret> to a new value, then run `up` (says what restarts)')
      .addArgument(new Argument('<secret>', 'which secret').choices([...ROTATION_TARGETS, 'all']))
      .option('--no-up', 'only change the config; apply it later with `imctl up`')
      .action(f.action((ctx, args, flags) => runRotate(ctx, rotateOptions(args, flags)))),
};
