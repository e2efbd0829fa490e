// The live message feed: one websocket to /ws, reopened with backoff whenever it drops, with
// a periodic ping so idle proxies do not close it.
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffOptions } from './backoff';
import type { LiveEvent } from './types';

export type LiveStatus = 'connecting' | 'open' | 'closed';

/** The subset of the browser WebSocket used here, so tests can supply a fake. */
export interface SocketLike {
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface LiveOptions {
  /** Builds the URL for each attempt; null means there is no session to connect with. */
  readonly url: () => Promise<string | null>;
  readonly onEvent: (event: LiveEvent) => void;
  readonly onStatus?: (status: LiveStatus) => void;
  /** Called after every successful (re)open, to catch up on what was missed meanwhile. */
  readonly onReconnected?: () => void;
  readonly createSocket?: (url: string) => SocketLike;
  readonly timers?: Timers;
  readonly backoff?: BackoffOptions;
  readonly pingMs?: number;
  readonly random?: () => number;
}

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>),
};

export class LiveConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private stopped = false;
  private everOpened = false;
  private readonly timers: Timers;

  constructor(private readonly opts: LiveOptions) {
    this.timers = opts.timers ?? browserTimers;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'logout');
    }
    this.opts.onStatus?.('closed');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.opts.onStatus?.('connecting');
    let url: string | null;
    try {
      url = await this.opts.url();
    } catch {
      url = null;
    }
    if (this.stopped) return;
    if (url === null) {
      this.scheduleRetry();
      return;
    }
    const socket = (this.opts.createSocket ?? ((u: string) => new WebSocket(u)))(url);
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.opts.onStatus?.('open');
      this.startPing();
      if (reconnected) this.opts.onReconnected?.();
    };
    socket.onmessage = (ev) => {
      const event = parseEvent(ev.data);
      if (event) this.opts.onEvent(event);
    };
    socket.onerror = () => {
      // Every error is followed by a close event; the retry is scheduled there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopPing();
      this.opts.onStatus?.('closed');
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = reconnectDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = this.timers.setInterval(() => this.socket?.send(JSON.stringify({ type: 'ping' })), this.opts.pingMs ?? 25_000);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) this.timers.clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}

/** Parses a server frame; anything malformed or unknown is ignored. */
export function parseEvent(data: unknown): LiveEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const v = JSON.parse(data) as { type?: unknown; message?: unknown };
    if (v.type === 'pong') return { type: 'pong' };
    if (v.type === 'message' && typeof v.message === 'object' && v.message !== null) {
      const m = v.message as { id?: unknown; conversationId?: unknown };
      if (typeof m.id === 'string' && typeof m.conversationId === 'string') return v as LiveEvent;
    }
  } catch {
    // Not JSON.
  }
  return null;
}

/** Same-origin websocket URL for a page served at `location`. */
export function liveUrl(location: { protocol: string; host: string }, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}
