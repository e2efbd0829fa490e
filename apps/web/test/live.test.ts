import assert from 'node:assert/strict';
import { reconnectDelay } from '../src/backoff';
import { LiveConnection, liveUrl, parseEvent, type SocketLike, type Timers } from '../src/live';
import type { LiveEvent } from '../src/types';

class FakeSocket implements SocketLike {
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.({} as Event);
  }
  receive(data: string): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  drop(): void {
    this.onerror?.({} as Event);
    this.onclose?.({} as CloseEvent);
  }
}

/** Manual clock: timers fire only when the test advances time. */
class FakeTimers implements Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void; every?: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    this.pending.set(++this.seq, { at: this.now + ms, fn });
    return this.seq;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    this.pending.set(++this.seq, { at: this.now + ms, fn, every: ms });
    return this.seq;
  }
  clearInterval(h: unknown): void {
    this.pending.delete(h as number);
  }
  delays(): number[] {
    return [...this.pending.values()].filter((t) => t.every === undefined).map((t) => t.at - this.now);
  }
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, t] = due;
      this.now = t.at;
      if (t.every) t.at += t.every;
      else this.pending.delete(id);
      t.fn();
      await flush();
    }
    this.now = end;
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const sockets: FakeSocket[] = [];
  const events: LiveEvent[] = [];
  const statuses: string[] = [];
  let reconnects = 0;
  let token: string | null = 't1';
  const timers = new FakeTimers();
  const live = new LiveConnection({
    url: async () => (token ? `ws://h/ws?token=${token}` : null),
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onReconnected: () => reconnects++,
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    timers,
    backoff: { baseMs: 100, maxMs: 1000 },
    pingMs: 25_000,
    random: () => 1,
  });
  return { live, sockets, events, statuses, timers, reconnects: () => reconnects, setToken: (t: string | null) => (token = t) };
}

describe('live connection', () => {
  it('delivers message frames and ignores malformed ones', async () => {
    const t = setup();
    t.live.start();
    await flush();
    t.sockets[0].open();
    t.sockets[0].receive(JSON.stringify({ type: 'message', message: { id: '1', conversationId: 'c' } }));
    t.sockets[0].receive('not json');
    t.sockets[0].receive(JSON.stringify({ type: 'message', message: { id: 1 } }));
    assert.equal(t.events.length, 1);
    t.live.stop();
  });

  it('reconnects with growing delays, resets after a successful open and asks to catch up', async () => {
    const t = setup();
    t.live.start();
    await flush();
    assert.equal(t.sockets.length, 1);
    t.sockets[0].open();
    assert.equal(t.reconnects(), 0, 'the first open is not a reconnect');

    t.sockets[0].drop();
    assert.deepEqual(t.timers.delays(), [100]);
    await t.timers.advance(100);
    assert.equal(t.sockets.length, 2);
    t.sockets[1].drop(); // refused: the backend is still down
    assert.deepEqual(t.timers.delays(), [200]);
    await t.timers.advance(200);
    t.sockets[2].drop();
    assert.deepEqual(t.timers.delays(), [400]);
    await t.timers.advance(400);
    t.sockets[3].open();
    assert.equal(t.reconnects(), 1);
    t.sockets[3].drop();
    assert.deepEqual(t.timers.delays(), [100], 'attempts reset after an open');
    t.live.stop();
  });

  it('uses a fresh token for every attempt and waits while there is none', async () => {
    const t = setup();
    t.setToken(null);
    t.live.start();
    await flush();
    assert.equal(t.sockets.length, 0);
    t.setToken('t2');
    await t.timers.advance(100);
    assert.equal(t.sockets[0].url, 'ws://h/ws?token=t2');
    t.live.stop();
  });

  it('pings while open and stops everything on stop()', async () => {
    const t = setup();
    t.live.start();
    await flush();
    t.sockets[0].open();
    await t.timers.advance(50_000);
    assert.deepEqual(t.sockets[0].sent, ['{"type":"ping"}', '{"type":"ping"}']);
    t.live.stop();
    assert.equal(t.sockets[0].closed, true);
    await t.timers.advance(60_000);
    assert.equal(t.sockets.length, 1, 'no reconnect after stop');
    assert.equal(t.statuses.at(-1), 'closed');
  });
});

describe('live helpers', () => {
  it('builds same-origin ws/wss URLs with an encoded token', () => {
    assert.equal(liveUrl({ protocol: 'https:', host: 'chat.example.org' }, 'a.b+c'), 'wss://chat.example.org/ws?token=a.b%2Bc');
    assert.equal(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, 't'), 'ws://127.0.0.1:8080/ws?token=t');
  });

  it('parses pong frames', () => {
    assert.deepEqual(parseEvent('{"type":"pong"}'), { type: 'pong' });
    assert.equal(parseEvent('{"type":"other"}'), null);
  });

  it('backs off exponentially with jitter inside [d/2, d] and a cap', () => {
    const opts = { baseMs: 500, maxMs: 15_000 };
    assert.equal(reconnectDelay(0, opts, () => 0), 250);
    assert.equal(reconnectDelay(0, opts, () => 1), 500);
    assert.equal(reconnectDelay(3, opts, () => 1), 4000);
    assert.equal(reconnectDelay(30, opts, () => 1), 15_000);
    for (let i = 0; i < 100; i++) {
      const d = reconnectDelay(4, opts);
      assert.ok(d >= 4000 && d <= 8000);
    }
  });
});
