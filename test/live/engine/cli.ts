// Manual entry points for the live layer:
//   node -r ts-node/register test/live/engine/cli.ts up <stack> [key=value ...]
//   node -r ts-node/register test/live/engine/cli.ts teardown <stack> [--purge]
// `up` uses the live tests' images (substitutes and the SeaweedFS build unless
// IMSTACK_LIVE_IMAGES=official), and prints outputs with secrets masked.
import { dockerClient } from './docker-client';
import { runStack, stateFileFor } from './run-stack';
import { teardownStack } from './teardown';
import { StackState } from './state';
import { extraCaBuildArgs, liveReady, liveStackOverrides } from '../support';

async function main(argv: string[]): Promise<number> {
  const [cmd, stack, ...rest] = argv;
  if (!cmd || !stack) {
    console.error('usage: cli.ts up <stack> [path.key=value ...] | teardown <stack> [--purge]');
    return 2;
  }
  if (cmd === 'teardown') {
    const r = await teardownStack(dockerClient(), stack, { purge: rest.includes('--purge') });
    StackState.remove(stateFileFor(stack));
    console.log(`removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    return 0;
  }
  if (cmd === 'up') {
    const notReady = await liveReady();
    if (notReady) { console.error(`live layer unavailable: ${notReady}`); return 1; }
    const overrides: Record<string, string | number> = { ...liveStackOverrides(), ...extraCaBuildArgs() };
    for (const kv of rest) {
      const i = kv.indexOf('=');
      if (i < 1) { console.error(`expected key=value, got "${kv}"`); return 2; }
      const v = kv.slice(i + 1);
      overrides[kv.slice(0, i)] = /^\d+$/.test(v) ? Number(v) : v;
    }
    const live = await runStack({ stack, configOverrides: overrides, log: (l) => console.error(l) });
    for (const [k, o] of Object.entries(live.outputs)) console.log(`${k}: ${o.secret ? '[secret]' : JSON.stringify(o.value)}`);
    if (!live.ok) console.error(`errors:\n${live.errors.join('\n')}`);
    console.error(`${live.ok ? 'up' : 'FAILED'} in ${live.seconds.toFixed(1)}s`);
    return live.ok ? 0 : 1;
  }
  console.error(`unknown command ${cmd}`);
  return 2;
}

main(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => { console.error(e.message); process.exit(1); });
