// What the job daemon finishes by itself, at start-up and every few seconds after: a restore
// left behind by a killed process (rolled back before its commit), the maintenance page such
// a restore left up (lifted once the data is settled), and the safety archive of a restore
// that returned early (written). So a restore whose container was killed does not wait for
// the next scheduled run, nor for a person, to put the site back in service.
import { BackupContext } from './context';
import { readJournal } from './journal';
import { finishPendingRestore, recoverInterruptedUnlocked } from './restore';
import { liftMaintenance, SiteEngine } from './site';
import { clearMaintenance, readMaintenance, recordFailure, writeMaintenance } from './status';
import { withLock } from './store';

/**
 * When the job died before imctl had answered "maintenance entered", imctl may still be
 * stopping backends (each gets imctl restore's --grace, 30 s by default): lifting before then
 * could start a backend that imctl stops right after. Measured from the record's `since`.
 */
export const ENTER_SETTLE_MS = 60_000;
/** How long the backends get to become healthy when the job lifts the page; the flag goes afterwards regardless, as with imctl. */
export const LIFT_TIMEOUT_MS = 120_000;

export interface SettleOptions {
  /** The engine to lift the maintenance page with; undefined when the job has no Docker socket. */
  readonly site?: SiteEngine;
  readonly log: (message: string) => void;
  readonly now?: () => number;
  readonly liftTimeoutMs?: number;
  readonly enterSettleMs?: number;
}

const BUSY = /another backup operation is running/;

/** One attempt per task, each with its own back-off (1, 2, 4 … 30 min) after a failure. */
class Backoff {
  private failures = 0;
  private notBefore = 0;
  constructor(private readonly now: () => number) {}
  get due(): boolean {
    return this.now() >= this.notBefore;
  }
  ok(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
  failed(): number {
    this.failures++;
    const min = Math.min(2 ** (this.failures - 1), 30);
    this.notBefore = this.now() + min * 60_000;
    return min;
  }
}

export class Settler {
  private running = false;
  private readonly now: () => number;
  private readonly rollback: Backoff;
  private readonly lift: Backoff;
  private readonly safety: Backoff;
  private saidNoSocket = false;
  private saidWaiting = false;

  constructor(private readonly ctx: BackupContext, private readonly opts: SettleOptions) {
    this.now = opts.now ?? Date.now;
    this.rollback = new Backoff(this.now);
    this.lift = new Backoff(this.now);
    this.safety = new Backoff(this.now);
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** Runs the tasks that are due; overlapping calls return at once. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.rollBack();
      await this.liftPage();
      await this.writeSafety();
    } finally {
      this.running = false;
    }
  }

  /** A restore that died before its commit: the previous data back, as `main.js recover` would. */
  private async rollBack(): Promise<void> {
    const dir = this.ctx.backupDir;
    if (!this.rollback.due) return;
    let archive = 'an unreadable journal';
    try {
      const j = await readJournal(dir);
      if (!j || j.phase === 'committed') return;
      archive = j.archive;
      // Lock taken without waiting: a live restore holds it, and is left alone.
      const done = await withLock(dir, 'recover', () => recoverInterruptedUnlocked(this.ctx), 0);
      if (done) this.opts.log(`${this.stamp()} interrupted restore of ${done.archive} rolled back (it had reached phase ${done.phase}); the previous data is in place`);
      this.rollback.ok();
    } catch (e) {
      if (BUSY.test((e as Error).message)) return;
      const m = (e as Error).message;
      const min = this.rollback.failed();
      this.opts.log(`${this.stamp()} rolling back an interrupted restore FAILED (retry in ${min} min): ${m}`);
      await recordFailure(dir, { at: this.stamp(), kind: 'recover', stage: 'recover', reason: `rolling back the interrupted restore of ${archive}: ${m}` }).catch(() => undefined);
    }
  }

  /** The maintenance page a dead restore left up: lifted once its data is settled (rolled back, or committed). */
  private async liftPage(): Promise<void> {
    const dir = this.ctx.backupDir;
    if (!this.lift.due) return;
    try {
      const m = await readMaintenance(dir);
      if (!m) return;
      const j = await readJournal(dir);
      if (j && j.phase !== 'committed') return; // rolled back first (next tick, or a live restore still owns it)
      const site = this.opts.site;
      if (!site) {
        if (!this.saidNoSocket) {
          this.saidNoSocket = true;
          this.opts.log(`${this.stamp()} the site is still in maintenance (${m.reason}, since ${m.since}) and this container has no Docker socket to lift it: run \`imctl start\`, then remove the flag (docs/operations.md, "Interrupted restores")`);
        }
        return;
      }
      const wait = m.entered ? 0 : Date.parse(m.since) + (this.opts.enterSettleMs ?? ENTER_SETTLE_MS) - this.now();
      if (wait > 0) {
        if (!this.saidWaiting) {
          this.saidWaiting = true;
          this.opts.log(`${this.stamp()} maintenance left by a ${m.reason} that died while entering it: lifting it in ${Math.ceil(wait / 1000)}s, once the caller's own backend stops are over`);
        }
        return;
      }
      const r = await withLock(dir, 'leave maintenance', async () => {
        if (!(await readMaintenance(dir))) return undefined; // someone else lifted it meanwhile
        const lifted = await liftMaintenance(site, { timeoutMs: this.opts.liftTimeoutMs ?? LIFT_TIMEOUT_MS, log: (l) => this.opts.log(`${this.stamp()} ${l}`) });
        await clearMaintenance(dir);
        return lifted;
      }, 0);
      this.saidWaiting = false;
      this.lift.ok();
      if (r) this.opts.log(`${this.stamp()} maintenance page lifted (left by a ${m.reason}); backends ${r.backends.join(', ') || 'none'} ${r.healthy ? 'healthy' : 'NOT healthy in time'}`);
    } catch (e) {
      if (BUSY.test((e as Error).message)) return;
      const message = (e as Error).message;
      const min = this.lift.failed();
      this.opts.log(`${this.stamp()} lifting the maintenance page FAILED (retry in ${min} min): ${message}`);
      const now = await readMaintenance(dir).catch(() => undefined);
      if (now) await writeMaintenance(dir, { ...now, problem: { at: this.stamp(), message } }).catch(() => undefined);
    }
  }

  /** The safety archive of a restore run with --defer-safety (or committed and then killed). */
  private async writeSafety(): Promise<void> {
    if (!this.safety.due) return;
    try {
      const done = await finishPendingRestore(this.ctx);
      if (done) this.opts.log(`${this.stamp()} safety archive written: ${done.safety}`);
      this.safety.ok();
    } catch (e) {
      // Each attempt re-reads everything: back off and say so in status.json.
      const m = (e as Error).message;
      const min = this.safety.failed();
      this.opts.log(`${this.stamp()} safety archive FAILED (retry in ${min} min): ${m}`);
      await recordFailure(this.ctx.backupDir, { at: this.stamp(), kind: 'safety', stage: 'safety', reason: `safety archive of the last restore: ${m}` }).catch(() => undefined);
    }
  }
}
