// imctl up: create or update the stack. `rotate` runs the same update after changing config.
import type { Command } from 'commander';
import type { Ctx } from '../context';
import { ConfigError } from '../errors';
import { configuredEngine, deployedEngine, implicitEngineChange } from '../health/objectStoreEngine';
import { summarizeChanges } from '../pulumi/engineEvents';
import type { OpMap, StackOps, StackOutputs } from '../pulumi/stackOps';
import type { CommandDef, Flags } from './factory';

export interface UpOptions {
  refresh: boolean;
  /** Update only these resource URNs. */
  target?: string[];
  diff: boolean;
}

export interface UpResult {
  changes: OpMap;
  urls: Record<string, string>;
}

export function upOptions(flags: Flags): UpOptions {
  return { refresh: Boolean(flags.refresh), target: flags.target as string[] | undefined, diff: Boolean(flags.diff) };
}

/** The update with progress, then the change summary and the stack's URLs. */
export async function deploy(ctx: Ctx, stack: StackOps, opts: Partial<UpOptions>): Promise<UpResult> {
  // An upgrade must not swap a deployed store for an empty one because a default changed.
  const outputs = await stack.outputs().catch(() => ({}) as StackOutputs);
  const refusal = implicitEngineChange(configuredEngine(ctx.deps.projectDir, ctx.stack), deployedEngine(outputs));
  if (refusal) throw new ConfigError(refusal);
  ctx.out.progress(`Updating stack ${ctx.stack}…`);
  const result = await ctx.operation('up', { diff: opts.diff }, (hooks) =>
    stack.up({ ...hooks, refresh: opts.refresh, target: opts.target, diff: opts.diff }),
  );
  const urls = urlsFrom(result.outputs);
  ctx.out.line(`Changes: ${summarizeChanges(result.changes)}`);
  const entries = Object.entries(urls);
  if (entries.length) {
    ctx.out.line('');
    ctx.out.line(`Stack ${ctx.stack} is up:`);
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [k, v] of entries) ctx.out.line(`  ${k.padEnd(width)}  ${v}`);
  }
  return { changes: result.changes, urls };
}

/** publicUrl and the urls map from the outputs (never secrets). */
export function urlsFrom(outputs: StackOutputs): Record<string, string> {
  const urls: Record<string, string> = {};
  const pub = outputs.publicUrl;
  if (pub && !pub.secret && typeof pub.value === 'string') urls.public = pub.value;
  const map = outputs.urls;
  if (map && !map.secret && map.value && typeof map.value === 'object') {
    for (const [k, v] of Object.entries(map.value as Record<string, unknown>)) if (typeof v === 'string') urls[k] = v;
  }
  return urls;
}

export async function runUp(ctx: Ctx, opts: UpOptions): Promise<UpResult> {
  return deploy(ctx, await ctx.openStack(true), opts);
}

export const upCommand: CommandDef = {
  register: (program: Command, f) =>
    program
      .command('up')
      .description('create or update the stack (replaces `deploy.sh deploy|update`); prints the changes, then the stack URLs')
      .option('--refresh', 'refresh state from Docker before updating')
      .option('--target <urn...>', 'update only these resource URNs')
      .option('--diff', 'name the properties that change for each resource')
      .action(f.action((ctx, _args, flags) => runUp(ctx, upOptions(flags)))),
};
