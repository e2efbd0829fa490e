// Docker's log stream for a container without a TTY multiplexes stdout and stderr into
// frames: [stream type, 0, 0, 0, payload size (uint32 BE)] + payload. Frames can be split
// across chunks, and lines across frames, so both are buffered here.

export type StreamName = 'stdout' | 'stderr';

export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StreamName, string> = { stdout: '', stderr: '' };

  /**
   * @param tty a TTY container's stream is raw text (all stdout), not frames
   * @param onLine receives each complete line, without its newline
   */
  constructor(
    private readonly tty: boolean,
    private readonly onLine: (stream: StreamName, line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.text('stdout', chunk.toString('utf8'));
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size).toString('utf8');
      this.pending = this.pending.subarray(8 + size);
      this.text(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }

  /** Flushes lines that did not end with a newline. */
  end(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) this.onLine(s, this.partial[s]);
      this.partial[s] = '';
    }
  }

  private text(stream: StreamName, text: string): void {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts) this.onLine(stream, p.replace(/\r$/, ''));
  }
}

/** Splits Docker's `timestamps: true` prefix ("2024-01-01T00:00:00.123456789Z text"). */
export function splitTimestamp(line: string): { time?: string; text: string } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/s.exec(line);
  return m ? { time: m[1], text: m[2] } : { text: line };
}
