// Scrapes /metrics as Prometheus would, but only while its backend is under load: the bench loads
// the two backends in alternating slices, and scrape time is counted in loaded time so that the
// interval holds however short the slices are.
import { performance } from 'node:perf_hooks';
import { scrape } from '../../test/support/metrics';

export class Scraper {
  count = 0;
  failures = 0;
  readonly ms: number[] = [];
  /** Size of the last exposition text, in characters. */
  bytes = 0;
  /** Loaded time since the last scrape started, not counting the running stretch. */
  private sinceLast = 0;
  private activeSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly metricsUrl: string,
    private readonly intervalMs: number,
  ) {}

  resume(): void {
    this.activeSince = performance.now();
    this.schedule(this.intervalMs - this.sinceLast);
  }

  /** Stops the clock and waits for a scrape in progress, so it never overlaps the other backend's slice. */
  async pause(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.activeSince !== null) this.sinceLast += performance.now() - this.activeSince;
    this.activeSince = null;
    await this.inFlight;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.sinceLast = 0;
      this.activeSince = performance.now();
      this.fire();
      this.schedule(this.intervalMs);
    }, Math.max(0, ms));
  }

  private fire(): void {
    if (this.inFlight) return; // still answering the last one: Prometheus would not pile up either
    const t0 = performance.now();
    this.inFlight = scrape(this.metricsUrl)
      .then(
        (text) => {
          this.count++;
          this.ms.push(performance.now() - t0);
          this.bytes = text.length;
        },
        () => {
          this.failures++;
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
  }
}
