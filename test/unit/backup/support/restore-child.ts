// Runs a restore in a separate process so a test can SIGKILL it at a chosen step.
// Input: IMSTACK_TEST_CTX (JSON BackupContext without functions), IMSTACK_TEST_FILE,
// IMSTACK_TEST_STOP_AT (step). Prints "AT <step>" when it reaches the step, then hangs.
import { restore, RestoreStep } from '../../../../automation/backup/restore';
import type { BackupContext } from '../../../../automation/backup/context';

const ctx = JSON.parse(process.env.IMSTACK_TEST_CTX ?? '{}') as BackupContext;
const stopAt = process.env.IMSTACK_TEST_STOP_AT as RestoreStep;
restore(ctx, process.env.IMSTACK_TEST_FILE ?? '', {
  onStep: async (s) => {
    if (s !== stopAt) return;
    process.stdout.write(`AT ${s}\n`);
    await new Promise(() => undefined);
  },
}).then(
  () => process.stdout.write('DONE\n'),
  (e: Error) => {
    process.stdout.write(`ERROR ${e.message}\n`);
    process.exit(1);
  },
);
