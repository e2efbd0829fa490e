// imctl preview: what `up` would change; with --expect-no-changes, a CI gate.
import type { Command } from 'commander';
import type { App } from '../app';
import { ExitCode } from '../errors';
import { configuredEngine, deployedEngine, engineWarnings } from '../health/objectStoreEngine';
import { hasChanges, summarizeChanges } from '../pulumi/engineEvents';

export const order = 20;

export function register(program: Command, app: App): void {
  program
    .command('preview')
    .helpGroup('Deploy:')
    .description(`show what \`up\` would change; exit ${ExitCode.CHANGES_PRESENT} under --expect-no-changes when anything would`)
    .option('--diff', 'name the properties that change for each resource')
    .option('--refresh', 'refresh state from Docker first')
    .option('--expect-no-changes', `exit ${ExitCode.CHANGES_PRESENT} if any resource would change (for CI)`)
    .action(
      app.action(async (ctx, _args, opts) => {
        const stack = await ctx.openStack(true);
        const outputs = await stack.outputs().catch(() => ({}) as Record<string, { value: unknown }>);
        const warnings = engineWarnings(configuredEngine(ctx.deps.projectDir, ctx.stack), deployedEngine(outputs));
        for (const w of warnings) ctx.out.warn(w);
        ctx.out.progress(`Previewing stack ${ctx.stack}…`);
        const r = await ctx.operation('preview', { preview: true, diff: Boolean(opts.diff) }, (hooks) =>
          stack.preview({ ...hooks, diff: Boolean(opts.diff), refresh: Boolean(opts.refresh) }),
        );
        const changed = hasChanges(r.changes);
        if (ctx.out.json) ctx.out.data({ result: { operation: 'preview', stack: ctx.stack, changes: r.changes, changesPresent: changed, warnings } });
        else ctx.out.line(`Planned: ${summarizeChanges(r.changes)}${changed ? '' : ' (no changes)'}`);
        if (opts.expectNoChanges && changed) {
          ctx.out.progress(`changes are pending but --expect-no-changes was given (exit ${ExitCode.CHANGES_PRESENT})`);
          ctx.exitCode = ExitCode.CHANGES_PRESENT;
        }
      }),
    );
}
