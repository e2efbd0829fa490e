// imctl preview: what `up` would change; with --expect-no-changes, a CI gate.
import { ExitCode } from '../errors';
import type { Ctx } from '../context';
import { configuredEngine, deployedEngine, engineWarnings } from '../health/objectStoreEngine';
import { hasChanges, summarizeChanges } from '../pulumi/engineEvents';
import type { OpMap } from '../pulumi/stackOps';
import type { CommandDef, Flags } from './factory';

export interface PreviewOptions {
  diff: boolean;
  refresh: boolean;
  expectNoChanges: boolean;
}

export interface PreviewResult {
  changes: OpMap;
  changesPresent: boolean;
  warnings: string[];
}

export function previewOptions(flags: Flags): PreviewOptions {
  return { diff: Boolean(flags.diff), refresh: Boolean(flags.refresh), expectNoChanges: Boolean(flags.expectNoChanges) };
}

export async function runPreview(ctx: Ctx, opts: PreviewOptions): Promise<PreviewResult> {
  const stack = await ctx.openStack(true);
  const outputs = await stack.outputs().catch(() => ({}) as Record<string, { value: unknown }>);
  const warnings = engineWarnings(configuredEngine(ctx.deps.projectDir, ctx.stack), deployedEngine(outputs));
  for (const w of warnings) ctx.out.warn(w);
  ctx.out.progress(`Previewing stack ${ctx.stack}…`);
  const r = await ctx.operation('preview', { preview: true, diff: opts.diff }, (hooks) => stack.preview({ ...hooks, diff: opts.diff, refresh: opts.refresh }));
  const changed = hasChanges(r.changes);
  ctx.out.line(`Planned: ${summarizeChanges(r.changes)}${changed ? '' : ' (no changes)'}`);
  if (opts.expectNoChanges && changed) {
    ctx.out.progress(`changes are pending but --expect-no-changes was given (exit ${ExitCode.CHANGES_PRESENT})`);
    ctx.exitCode = ExitCode.CHANGES_PRESENT;
  }
  return { changes: r.changes, changesPresent: changed, warnings };
}

export const previewCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('preview')
      .description(`show what \`up\` would change; exit ${ExitCode.CHANGES_PRESENT} under --expect-no-changes when anything would`)
      .option('--diff', 'name the properties that change for each resource')
      .option('--refresh', 'refresh state from Docker first')
      .option('--expect-no-changes', `exit ${ExitCode.CHANGES_PRESENT} if any resource would change (for CI)`)
      .action(f.action((ctx, _args, flags) => runPreview(ctx, previewOptions(flags)))),
};
