// `up` as both `imctl up` and `imctl rotate` run it: progress while it runs, then the
// change summary and the stack's URLs.
import type { Ctx } from './context';
import { summarizeChanges } from './pulumi/engineEvents';
import type { StackOps, StackOutputs } from './pulumi/stackOps';

export interface DeployOptions {
  refresh?: boolean;
  target?: string[];
  diff?: boolean;
}

export async function deploy(ctx: Ctx, stack: StackOps, opts: DeployOptions): Promise<void> {
  ctx.out.progress(`Updating stack ${ctx.stack}…`);
  const result = await ctx.operation('up', { diff: opts.diff }, (hooks) =>
    stack.up({ ...hooks, refresh: opts.refresh, target: opts.target, diff: opts.diff }),
  );
  const urls = urlsFrom(result.outputs);
  if (ctx.out.json) {
    ctx.out.data({ result: { operation: 'up', stack: ctx.stack, changes: result.changes, urls } });
    return;
  }
  ctx.out.line(`Changes: ${summarizeChanges(result.changes)}`);
  const entries = Object.entries(urls);
  if (entries.length) {
    ctx.out.line('');
    ctx.out.line(`Stack ${ctx.stack} is up:`);
    const width = Math.max(...entries.map(([k]) => k.length));
    for (const [k, v] of entries) ctx.out.line(`  ${k.padEnd(width)}  ${v}`);
  }
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
