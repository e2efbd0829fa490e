// Child process entry: runs ONE stack of the program under LiveMocks. Pulumi's mocks and
// config are process-global, so every stack run (dev, prod, the rotation re-run) gets
// its own process; they share only Docker objects and the state file.
import * as pulumi from '@pulumi/pulumi';
import { dockerClient } from './docker-client';
import { LiveMocks } from './mocks';
import { StackState } from './state';
import type { ChildMessage, RunJob, StackOutputValue } from './protocol';

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function settle(o: unknown, timeoutMs: number): Promise<StackOutputValue | undefined> {
  const out = pulumi.output(o as pulumi.Input<unknown>) as pulumi.Output<unknown>;
  const value = new Promise<unknown>((resolve) => out.apply((v: unknown) => { resolve(v); return v; }));
  const secret = (out as unknown as { isSecret: Promise<boolean> }).isSecret;
  const timeout = sleep(timeoutMs).then(() => undefined);
  const v = await Promise.race([value.then((x) => ({ x })), timeout]);
  if (!v) return undefined;
  return { value: v.x, secret: await secret };
}

async function run(job: RunJob): Promise<void> {
  const started = Date.now();
  const errors: string[] = [];
  const log = (line: string): void => send({ kind: 'log', line });
  process.chdir(job.projectDir);
  const mocks = new LiveMocks({ docker: dockerClient(), projectDir: job.projectDir, state: new StackState(job.stateFile), log });
  process.on('unhandledRejection', (e) => { errors.push(mocks.scrub(String((e as Error)?.message ?? e))); });
  pulumi.runtime.setAllConfig(job.config, [...job.secretKeys]);
  await pulumi.runtime.setMocks(mocks, job.project, job.stack, false);

  let exported: Record<string, unknown> = {};
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(job.program) as Record<string, unknown> & { default?: unknown };
    const main = typeof mod.default === 'function' ? mod.default : undefined;
    exported = main ? ((await (main as () => Promise<Record<string, unknown>>)()) ?? {}) : { ...mod };
  } catch (e) {
    errors.push(`program failed: ${mocks.scrub((e as Error).stack ?? String(e))}`);
  }

  // Wait until the program stops registering resources (every newResource finished).
  // Keeps the event loop alive while Pulumi waits on outputs that will never resolve.
  const keepAlive = setInterval(() => undefined, 1000);
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  const drained = waitForRPCs ? waitForRPCs() : mocks.idle(3000);
  // A failed resource leaves its dependants pending forever; stop once nothing moves.
  const stuck = (async () => {
    for (;;) {
      await mocks.idle(3000);
      if (mocks.failures.length > 0 || errors.length > 0) return;
      await sleep(1000);
    }
  })();
  await Promise.race([drained, stuck]);
  clearInterval(keepAlive);
  const outputs: Record<string, StackOutputValue> = {};
  for (const [k, v] of Object.entries(exported)) {
    if (k === '__esModule') continue;
    const s = await settle(v, 5000);
    if (s) outputs[k] = s;
    else errors.push(`stack output ${k} never resolved (a resource it depends on failed?)`);
  }
  errors.push(...mocks.failures);
  send({ kind: 'result', ok: errors.length === 0, outputs, resources: mocks.records, errors: [...new Set(errors)], seconds: (Date.now() - started) / 1000 });
}

process.once('message', (job: RunJob) => {
  run(job)
    .catch((e: Error) => send({ kind: 'result', ok: false, outputs: {}, resources: [], errors: [e.stack ?? String(e)], seconds: 0 }))
    .finally(() => setTimeout(() => process.exit(0), 100));
});
