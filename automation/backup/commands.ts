// imctl's backup commands. They run the ops code inside the stack's backup job container
// (one code path, pg_dump matching the server) through `deps.exec`, which the CLI implements
// with the Docker Engine API (exec into imstack-<stack>-backup, stdin attached for hooks).
//   imctl backup [all|postgres|minio|redis] [--output <dir>] [--remote]
//   imctl backups list|verify|prune|status      imctl restore <file|name> [--postgres-only|--minio-only] [--force]
import { Command } from 'commander';
import type { OutputEvent } from './main';

export interface ExecIo {
  /** Each stdout line of the in-container command, parsed; `reply` writes one line to its stdin. */
  onEvent(e: OutputEvent, reply: (line: string) => void): void;
}

export interface BackupCommandDeps {
  /** Stack selected by the global options. */
  stack(cmd: Command): Promise<string>;
  /** Runs `node dist/main.js --json <args>` in the backup container; resolves with its exit code. */
  exec(stack: string, args: string[], io: ExecIo, opts?: { stdin?: boolean }): Promise<number>;
  /** Copies /backups/<file> out of the container to a host directory; returns the host path. */
  copyOut(stack: string, file: string, destDir: string): Promise<string>;
  /** nginx 503 page on + backends stopped / the reverse. */
  enterMaintenance(stack: string): Promise<void>;
  leaveMaintenance(stack: string): Promise<void>;
  confirm(question: string): Promise<boolean>;
  print(text: string): void;
  printJson(value: unknown): void;
  /** Thrown for user-facing failures (the CLI maps it to an exit code without a stack trace). */
  fail(message: string, exitCode: number): never;
}

type Reply = (line: string) => void;

function fmtBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function age(iso: string, now = Date.now()): string {
  const h = (now - Date.parse(iso)) / 3_600_000;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`;
}

/** Runs one in-container command and returns its result payload, printing progress unless --json. */
async function run(deps: BackupCommandDeps, stack: string, args: string[], json: boolean, onHook?: (name: string, reply: Reply) => void): Promise<unknown> {
  let result: unknown;
  let error: { message: string; code?: string } | undefined;
  const io: ExecIo = {
    onEvent(e, reply) {
      if (e.type === 'result') result = e.data;
      else if (e.type === 'error') error = e;
      else if (e.type === 'hook') onHook?.(e.name, reply);
      else if (!json && e.type === 'progress') deps.print(`  ${e.phase}: ${fmtBytes(e.bytes)}, ${e.objects} objects`);
      else if (!json && e.type === 'phase') deps.print(`${e.phase}: ${e.detail ?? ''}`);
    },
  };
  const exitCode = await deps.exec(stack, ['--json', ...args], io, { stdin: Boolean(onHook) });
  if (error || exitCode !== 0) deps.fail(error?.message ?? `backup container command exited with ${exitCode}`, exitCode === 3 ? 3 : exitCode === 4 ? 4 : 1);
  return result;
}

export function registerBackupCommands(program: Command, deps: BackupCommandDeps): void {
  program
    .command('backup')
    .description('back up the stack into the backups volume (all, postgres, minio or redis)')
    .argument('[components...]', 'all | postgres | minio | redis', ['all'])
    .option('--output <dir>', 'also copy the archive to this host directory')
    .option('--remote', 'also upload to the configured off-site S3 target')
    .option('--json', 'machine-readable output')
    .action(async (components: string[], o: { output?: string; remote?: boolean; json?: boolean }, cmd: Command) => {
      const stack = await deps.stack(cmd);
      const r = (await run(deps, stack, ['backup', ...components, ...(o.remote ? ['--remote'] : [])], Boolean(o.json))) as { file: string; bytes: number };
      const copied = o.output ? await deps.copyOut(stack, r.file, o.output) : undefined;
      if (o.json) deps.printJson({ ...r, copiedTo: copied });
      else deps.print(`backup ${r.file} (${fmtBytes(r.bytes)})${copied ? `, copied to ${copied}` : ''}`);
    });

  const backups = program.command('backups').description('list, verify, prune and inspect backups');
  backups
    .command('list')
    .option('--json')
    .option('--no-remote', 'skip the off-site listing')
    .action(async (o: { json?: boolean; remote?: boolean }, cmd: Command) => {
      const stack = await deps.stack(cmd);
      const rows = (await run(deps, stack, ['list', ...(o.remote === false ? [] : ['--remote'])], Boolean(o.json))) as Array<{ where: string; file: string; bytes: number; createdAt: string; encrypted: boolean; components?: string[]; lastVerified?: { at: string; ok: boolean } }>;
      if (o.json) return deps.printJson(rows);
      if (rows.length === 0) return deps.print('no backups');
      for (const b of rows) {
        const v = b.lastVerified ? `${b.lastVerified.ok ? 'verified' : 'FAILED verify'} ${age(b.lastVerified.at)} ago` : 'not verified';
        deps.print(`${b.where.padEnd(6)} ${b.file}  ${fmtBytes(b.bytes).padStart(10)}  ${age(b.createdAt).padStart(7)} old  ${(b.components ?? []).join('+') || '?'}  ${b.encrypted ? 'encrypted' : 'plain'}  ${v}`);
      }
    });
  backups
    .command('verify')
    .argument('<file>')
    .option('--json')
    .action(async (file: string, o: { json?: boolean }, cmd: Command) => {
      const r = await run(deps, await deps.stack(cmd), ['verify', file], Boolean(o.json));
      if (o.json) deps.printJson(r);
      else deps.print(`${file}: OK (every entry matches its sha256; pg_restore accepts the dump)`);
    });
  backups
    .command('prune')
    .option('--dry-run')
    .option('--json')
    .action(async (o: { dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const r = (await run(deps, await deps.stack(cmd), ['prune', ...(o.dryRun ? ['--dry-run'] : [])], Boolean(o.json))) as { kept: string[]; pruned: string[] };
      if (o.json) return deps.printJson(r);
      deps.print(`${o.dryRun ? 'would prune' : 'pruned'} ${r.pruned.length}, kept ${r.kept.length}`);
      for (const f of r.pruned) deps.print(`  - ${f}`);
    });
  backups
    .command('status')
    .option('--json')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = (await run(deps, await deps.stack(cmd), ['status'], Boolean(o.json))) as { lastSuccess?: { at: string; file?: string }; lastFailure?: { at: string; reason?: string }; nextRun?: string; health: { ok: boolean; reason: string } };
      if (o.json) return deps.printJson(r);
      deps.print(`last success: ${r.lastSuccess ? `${r.lastSuccess.at} (${r.lastSuccess.file})` : 'never'}`);
      deps.print(`last failure: ${r.lastFailure ? `${r.lastFailure.at}: ${r.lastFailure.reason}` : 'none'}`);
      deps.print(`next run:     ${r.nextRun ?? 'unknown (job not running?)'}`);
      deps.print(`health:       ${r.health.ok ? 'ok' : 'DEGRADED'} (${r.health.reason})`);
    });

  program
    .command('restore')
    .description('verify, take a safety backup, then restore; any failure puts the previous data back')
    .argument('<file>', 'archive name in the backups volume')
    .option('--postgres-only')
    .option('--minio-only')
    .option('--force', 'do not ask for confirmation')
    .option('--json')
    .action(async (file: string, o: { postgresOnly?: boolean; minioOnly?: boolean; force?: boolean; json?: boolean }, cmd: Command) => {
      if (o.postgresOnly && o.minioOnly) deps.fail('--postgres-only and --minio-only exclude each other', 2);
      const stack = await deps.stack(cmd);
      if (!o.force && !(await deps.confirm(`Restore ${file} into stack ${stack}? Current data is replaced (a safety backup is taken first).`))) {
        deps.fail('restore cancelled', 1);
      }
      const args = ['restore', file, '--hooks', 'stdio', ...(o.postgresOnly ? ['--postgres-only'] : []), ...(o.minioOnly ? ['--minio-only'] : [])];
      const r = await run(deps, stack, args, Boolean(o.json), (name, reply) => {
        const act = name === 'enterMaintenance' ? deps.enterMaintenance(stack) : deps.leaveMaintenance(stack);
        act.then(
          () => reply(JSON.stringify({ ok: true })),
          (e: Error) => reply(JSON.stringify({ ok: false, error: e.message })),
        );
      });
      if (o.json) deps.printJson(r);
      else deps.print(`restored ${file}`);
    });
}
