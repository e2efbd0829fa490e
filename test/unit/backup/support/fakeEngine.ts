// A fake Docker engine for the job's maintenance lifting (automation/backup/site.ts).
import type { SiteContainer, SiteEngine } from '../../../../automation/backup/site';

/** Containers by id; `afterStart` decides what a started container looks like on later inspections. */
export class FakeEngine implements SiteEngine {
  calls: string[] = [];
  /** Per id: inspections left before a started backend reports healthy. */
  warmUp = new Map<string, number>();
  /** Per id: how many times a stop "from elsewhere" hits it right after it started. */
  stoppedAgain = new Map<string, number>();
  execExit = 0;
  constructor(public all: SiteContainer[]) {}
  private find(id: string): SiteContainer {
    const c = this.all.find((x) => x.id === id);
    if (!c) throw new Error(`no ${id}`);
    return c;
  }
  private set(id: string, patch: Partial<SiteContainer>): void {
    this.all = this.all.map((c) => (c.id === id ? { ...c, ...patch } : c));
  }
  async containers() {
    this.calls.push('list');
    return this.all.map((c) => ({ ...c }));
  }
  async inspect(id: string) {
    const c = this.find(id);
    const left = this.warmUp.get(id);
    if (c.running && left !== undefined) {
      if (left <= 0) this.set(id, { health: 'healthy' });
      else this.warmUp.set(id, left - 1);
    }
    return { ...this.find(id) };
  }
  async start(id: string) {
    this.calls.push(`start ${this.find(id).name}`);
    const again = this.stoppedAgain.get(id) ?? 0;
    if (again > 0) {
      // Someone else's stop lands right after this start.
      this.stoppedAgain.set(id, again - 1);
      this.set(id, { running: false });
      return;
    }
    this.set(id, { running: true, health: 'starting' });
    if (!this.warmUp.has(id)) this.warmUp.set(id, 0);
  }
  async exec(id: string, cmd: readonly string[]) {
    this.calls.push(`exec ${this.find(id).name}: ${cmd.join(' ')}`);
    return this.execExit;
  }
}

export const siteContainers = (): SiteContainer[] => [
  { id: 'n', name: 'imstack-test-nginx', service: 'nginx', running: true, health: 'healthy' },
  { id: 'b1', name: 'imstack-test-backend-1', service: 'backend', running: false, health: 'none' },
  { id: 'b2', name: 'imstack-test-backend-2', service: 'backend', running: false, health: 'none' },
  { id: 'p', name: 'imstack-test-postgres', service: 'postgres', running: true, health: 'healthy' },
];

