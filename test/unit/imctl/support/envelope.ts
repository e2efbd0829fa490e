// Reads imctl's --json envelope: the last line of stdout, after any NDJSON events.
import * as assert from 'assert';
import type { Envelope, ErrorEnvelope, ResultEnvelope } from '../../../../automation/cli/envelope';

export function lastEnvelope(stdout: string): Envelope {
  const lines = stdout.trim().split('\n');
  const env = JSON.parse(lines[lines.length - 1]) as Envelope;
  assert.deepStrictEqual(Object.keys(env).sort(), [...['command', 'stack', 'ok', 'exitCode'], 'result' in env ? 'result' : 'error'].sort(), `not an envelope: ${lines[lines.length - 1]}`);
  return env;
}

/** The result of a successful (or result-carrying) run. */
export function resultOf<T>(stdout: string, command?: string): T {
  const env = lastEnvelope(stdout);
  assert.ok('result' in env, `an error envelope: ${JSON.stringify(env)}`);
  if (command !== undefined) assert.strictEqual(env.command, command);
  return (env as ResultEnvelope<T>).result;
}

export function errorOf(stdout: string): ErrorEnvelope {
  const env = lastEnvelope(stdout);
  assert.ok('error' in env, `a result envelope: ${JSON.stringify(env)}`);
  return env as ErrorEnvelope;
}
