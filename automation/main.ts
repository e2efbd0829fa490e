// Entry point used by bin/imctl.js: `main(process.argv)`.
import { run } from './app';

export { buildProgram, run } from './app';

export async function main(argv: string[]): Promise<void> {
  const code = await run(argv);
  // Clients (docker sockets, pg, redis) are closed, but a stray keep-alive must not hold
  // the process open: exit once stdout has drained.
  process.stdout.write('', () => process.exit(code));
}
