// Entry point inside the backup job container (compiled to dist/main.js: contract JOB_MAIN).
//   main.js job                                   run the scheduler until SIGTERM; settle interrupted restores (settle.ts);
//                                                 serve GET /metrics on BACKUP_METRICS_PORT (jobMetrics.ts)
//   main.js backup [all|postgres|minio|redis]... [--remote]
//   main.js verify <file>   restore <file> [--postgres-only|--minio-only] [--hooks stdio]
//   main.js list [--remote]  prune [--dry-run]  status  recover [--hooks stdio]
// With --json every line on stdout is one JSON event; the last one is {"type":"result",...}
// or {"type":"error",...} (contract/events.ts; exit codes contract/exitCodes.ts). imctl runs
// these through `docker exec` and parses the lines (automation/jobClient/protocol.ts).
// --hooks stdio: restore prints {"type":"hook","name":"enterMaintenance"} and waits for one
// line on stdin ({"ok":true} or {"ok":false,"error":"..."}), so the caller outside the
// container can switch nginx and stop/start the backends.
import { basename } from 'path';
import { createInterface } from 'readline';
import { Command } from 'commander';
import { BackupContext, nowOf } from './context';
import {
  BackupJobResult, fromEnv, HookName, HookReply, JOB_EXIT, JobCommand, JobEvent, JobResults, ListedArchive, parseComponents, StatusJobResult, VerifyJobResult,
} from './contract';
import { prune } from './prune';
import { listRemote } from './remote';
import { recoverInterrupted, restore, RestoreHooks } from './restore';
import { JobMetrics } from './jobMetrics';
import { readJournal } from './journal';
import { MetricsServer, startMetricsServer } from './metricsServer';
import { runBackup } from './run';
import { startScheduler } from './scheduler';
import { Settler } from './settle';
import { DockerSocketEngine } from './site';
import { backupHealth, clearMaintenance, readMaintenance, readStatus, writeMaintenance } from './status';
import { listLocal } from './store';
import { verify } from './verify';

/**
 * Hooks answered by the caller over stdin. Around them the job keeps maintenance.json, so that
 * if this process dies while the site is in maintenance, the job daemon knows a restore put it
 * there and lifts it once the data is settled (settle.ts), with no caller left to do it.
 */
function stdioHooks(emit: (e: JobEvent) => void, dir: string, reason: string): RestoreHooks {
  const rl = createInterface({ input: process.stdin });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (name: HookName): Promise<void> => {
    emit({ type: 'hook', name });
    const next = await lines.next();
    if (next.done) throw new Error(`caller went away during ${name}`);
    const reply = JSON.parse(next.value) as HookReply;
    if (!reply.ok) throw new Error(`${name} failed: ${reply.error ?? 'unknown error'}`);
  };
  return {
    enterMaintenance: async () => {
      const record = { since: new Date().toISOString(), reason, entered: false };
      await writeMaintenance(dir, record);
      await ask('enterMaintenance');
      await writeMaintenance(dir, { ...record, entered: true });
    },
    leaveMaintenance: async () => {
      // Kept when the caller could not lift it: the daemon then tries.
      await ask('leaveMaintenance');
      await clearMaintenance(dir);
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('imstack-backup').option('--json', 'one JSON event per line').exitOverride();
  let json = false;
  const emit = (e: JobEvent): void => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    else if (e.type === 'phase') process.stderr.write(`${e.phase}: ${e.detail ?? ''}\n`);
    else if (e.type === 'progress') process.stderr.write(`${e.phase}: ${(e.bytes / 1048576).toFixed(1)} MiB, ${e.objects} objects\n`);
    else if (e.type === 'result') process.stdout.write(JSON.stringify(e.data, null, 2) + '\n');
    else if (e.type === 'error') process.stderr.write(`error: ${e.message}\n`);
    else if (e.type === 'log') process.stderr.write(e.message + '\n');
  };
  const ctx = (): BackupContext => {
    json = Boolean(program.opts().json);
    return { ...fromEnv().ctx, onProgress: emit };
  };
  // Each command's result has the contract's type for that command (imctl's job client reads it so).
  const result = <C extends JobCommand>(_command: C, data: JobResults[C]): void => emit({ type: 'result', data });

  program.command('job').action(async () => {
    const s = fromEnv();
    const c = { ...s, ctx: { ...s.ctx, onProgress: undefined } };
    const sched = await startScheduler(c, {
      onRun: (r) => console.log(`${new Date().toISOString()} backup ok: ${r.backup.file} (${r.backup.bytes} bytes)${r.remote ? `, remote ${r.remote.ok ? 'ok' : 'FAILED: ' + r.remote.reason}` : ''}`),
      onError: (e) => console.error(`${new Date().toISOString()} backup FAILED: ${e.message}`),
    });
    console.log(`backup job for stack ${c.ctx.stack}: schedule "${c.schedule}" (${c.timezone}), next run ${sched.nextRun()?.toISOString()}`);
    // After the scheduler's first status write, so the first scrape already has firstStartedAt.
    // A listener that cannot start is logged, not fatal: backups matter more than their metrics,
    // and Prometheus reports the missing target (up == 0) by itself.
    let metrics: MetricsServer | undefined;
    if (s.metricsPort > 0) {
      try {
        metrics = await startMetricsServer(new JobMetrics({ backupDir: c.ctx.backupDir, now: () => nowOf(c.ctx) }), {
          port: s.metricsPort,
          onError: (e) => console.error(`${new Date().toISOString()} metrics: ${e.message}`),
        });
        console.log(`metrics on :${metrics.port}/metrics`);
      } catch (e) {
        console.error(`${new Date().toISOString()} metrics listener on :${s.metricsPort} FAILED: ${(e as Error).message}`);
      }
    }
    // At once, and every 2 s: an interrupted restore rolled back, the maintenance page it left
    // lifted, a deferred safety archive written (settle.ts).
    const socket = s.dockerSocket;
    const site = DockerSocketEngine.ifAvailable(c.ctx.stack, socket);
    if (!site) console.log(`no Docker socket at ${socket}: a maintenance page left by a killed restore is reported, not lifted`);
    const settler = new Settler(c.ctx, { site, log: (m) => console.log(m) });
    // Handlers first: as PID 1 the job would otherwise ignore a SIGTERM sent during a long first tick.
    const stopped = new Promise<void>((res) => {
      process.once('SIGTERM', res);
      process.once('SIGINT', res);
    });
    const settle = (): void => void settler.tick().catch((e: Error) => console.error(`${new Date().toISOString()} settle: ${e.message}`));
    const poll = setInterval(settle, 2000);
    settle();
    await stopped;
    clearInterval(poll);
    sched.stop();
    await metrics?.close();
  });
  program.command('backup').argument('[components...]').option('--remote').action(async (components: string[], o: { remote?: boolean }) => {
    const c = ctx();
    const r = await runBackup(c, { components: parseComponents(components.length ? components.join(',') : 'all'), kind: 'manual', remote: o.remote });
    const data: BackupJobResult = { file: r.backup.file, bytes: r.backup.bytes, durationMs: r.backup.durationMs, objectCount: r.backup.manifest.objectCount, rowCounts: r.backup.manifest.rowCounts, remote: r.remote };
    result('backup', data);
  });
  program.command('verify').argument('<file>').action(async (file: string) => {
    const r = await verify(ctx(), file);
    const data: VerifyJobResult = { file: r.path, ok: true, createdAt: r.manifest.createdAt, components: [...r.manifest.components], entries: r.manifest.entries.length, objectCount: r.manifest.objectCount, rowCounts: r.manifest.rowCounts };
    result('verify', data);
  });
  program
    .command('restore')
    .argument('<file>')
    .option('--postgres-only')
    .option('--minio-only')
    .option('--hooks <mode>', 'stdio: ask the caller to enter/leave maintenance')
    .option('--defer-safety', 'return once the restored data serves; the job daemon (or the next run) writes the safety archive')
    .action(async (file: string, o: { postgresOnly?: boolean; minioOnly?: boolean; hooks?: string; deferSafety?: boolean }) => {
      const c = ctx();
      const r = await restore(c, file, { postgresOnly: o.postgresOnly, minioOnly: o.minioOnly, hooks: o.hooks === 'stdio' ? stdioHooks(emit, c.backupDir, `restore of ${basename(file)}`) : undefined, deferSafety: o.deferSafety });
      result('restore', { ...r, components: [...r.components] });
    });
  program.command('recover').option('--hooks <mode>').action(async (o: { hooks?: string }) => {
    const c = ctx();
    const j = await recoverInterrupted(c, o.hooks === 'stdio' ? stdioHooks(emit, c.backupDir, 'recovery of an interrupted restore') : undefined);
    result('recover', { recovered: j ?? null });
  });
  program.command('list').option('--remote').action(async (o: { remote?: boolean }) => {
    const c = ctx();
    const local = (await listLocal(c.backupDir, c.stack)).map((a): ListedArchive => ({ where: 'local', file: a.file, bytes: a.bytes, createdAt: a.createdAt.toISOString(), encrypted: a.encrypted, components: a.info && [...a.info.components], kind: a.info?.kind, lastVerified: a.info?.lastVerified }));
    const remote = o.remote && c.remote ? (await listRemote(c.remote, c.stack)).map((a): ListedArchive => ({ where: 'remote', file: a.file, bytes: a.bytes, createdAt: a.createdAt.toISOString(), encrypted: a.encrypted })) : [];
    result('list', [...local, ...remote]);
  });
  program.command('prune').option('--dry-run').action(async (o: { dryRun?: boolean }) => {
    const s = fromEnv();
    ctx();
    const r = await prune(s.ctx, s.retention, Boolean(o.dryRun));
    result('prune', { ...r, kept: [...r.kept], pruned: [...r.pruned] });
  });
  program.command('status').action(async () => {
    const c = ctx();
    const st = await readStatus(c.backupDir);
    const j = await readJournal(c.backupDir);
    const restoring = j ? { archive: j.archive, safety: j.safety, phase: j.phase, startedAt: j.startedAt } : undefined;
    const maintenance = await readMaintenance(c.backupDir);
    const data: StatusJobResult = { ...st, restoring, maintenance, health: backupHealth(st, new Date()) };
    result('status', data);
  });

  try {
    await program.parseAsync(argv);
    return JOB_EXIT.OK;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 2;
    emit({ type: 'error', message: err.message, code: err.name === 'ArchiveRejected' ? (err as { code?: string }).code : err.name });
    return err.name === 'ArchiveRejected' ? JOB_EXIT.ARCHIVE_REFUSED : err.name === 'RestoreFailed' ? JOB_EXIT.RESTORE_ROLLED_BACK : JOB_EXIT.FAILED;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => process.exit(code));
}
