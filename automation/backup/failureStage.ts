// Which stage a failed run stopped in, carried on the error itself (its message and name stay as
// they are: main.ts maps names to exit codes) so that runBackup can count it under a fixed label.
import type { FailureReason } from './contract';

const stages = new WeakMap<object, FailureReason>();

/** Marks `e` as thrown in `stage`, unless an inner stage already did; returns it for `throw`. */
export function tagStage<E>(e: E, stage: FailureReason): E {
  if (typeof e === 'object' && e !== null && !stages.has(e)) stages.set(e, stage);
  return e;
}

export function stageOf(e: unknown, otherwise: FailureReason): FailureReason {
  return (typeof e === 'object' && e !== null && stages.get(e)) || otherwise;
}
