// Live delivery across replicas: every new message is published on one Redis channel, and each
// replica forwards it to the websockets of recipients connected to that replica.
import type { Redis } from 'ioredis';
import type { WebSocket } from 'ws';

const CHANNEL = 'imstack:messages';

interface Envelope {
  readonly recipients: string[];
  readonly payload: unknown;
}

export class RealtimeHub {
  private readonly sockets = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== CHANNEL) return;
      try {
        const env = JSON.parse(raw) as Envelope;
        this.deliverLocal(env.recipients, JSON.stringify(env.payload));
      } catch (err) {
        this.log.warn({ err }, 'dropping malformed realtime envelope');
      }
    });
    await this.subscriber.subscribe(CHANNEL);
  }

  /** Sends `payload` to every connected socket of `recipients`, on every replica. */
  async publish(recipients: readonly string[], payload: unknown): Promise<void> {
    const env: Envelope = { recipients: [...recipients], payload };
    await this.publisher.publish(CHANNEL, JSON.stringify(env));
  }

  add(userId: string, socket: WebSocket): void {
    let set = this.sockets.get(userId);
    if (!set) this.sockets.set(userId, (set = new Set()));
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.sockets.get(userId) === set) this.sockets.delete(userId);
    });
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.sockets.values()) n += set.size;
    return n;
  }

  private deliverLocal(recipients: readonly string[], text: string): void {
    for (const userId of recipients) {
      for (const socket of this.sockets.get(userId) ?? []) {
        if (socket.readyState === socket.OPEN) socket.send(text);
      }
    }
  }

  closeAll(): void {
    for (const set of this.sockets.values()) for (const s of set) s.close(1001, 'server shutting down');
  }
}
