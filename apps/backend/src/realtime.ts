// Live delivery across replicas: every new message is published on one Redis channel, and each
// replica forwards it to the websockets of recipients connected to that replica. Revoked
// sessions are announced on a second channel, so every replica closes their sockets at once.
import type { Redis } from 'ioredis';
import type { WebSocket } from 'ws';

const CHANNEL = 'imstack:messages';
const REVOCATIONS = 'imstack:revocations';

/** Close code and reason a socket gets when its session is revoked (logout, refresh-token reuse). */
export const SESSION_REVOKED = { code: 4401, reason: 'session revoked' } as const;

interface Envelope {
  readonly recipients: string[];
  readonly payload: unknown;
}

interface Revocation {
  readonly sessionIds: string[];
}

export interface SocketOwner {
  readonly userId: string;
  readonly sessionId: string;
}

export class RealtimeHub {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly sessionOf = new Map<WebSocket, string>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      try {
        if (channel === CHANNEL) {
          const env = JSON.parse(raw) as Envelope;
          this.deliverLocal(env.recipients, JSON.stringify(env.payload));
        } else if (channel === REVOCATIONS) {
          this.closeLocal((JSON.parse(raw) as Revocation).sessionIds);
        }
      } catch (err) {
        this.log.warn({ err, channel }, 'dropping malformed realtime envelope');
      }
    });
    await this.subscriber.subscribe(CHANNEL, REVOCATIONS);
  }

  /** Sends `payload` to every connected socket of `recipients`, on every replica. */
  async publish(recipients: readonly string[], payload: unknown): Promise<void> {
    const env: Envelope = { recipients: [...recipients], payload };
    await this.publisher.publish(CHANNEL, JSON.stringify(env));
  }

  /**
   * Closes the sockets of these (already revoked) sessions here at once and on the other
   * replicas through Redis. If the announcement cannot be sent, the sockets' own periodic
   * session check (routes/ws.ts) still closes them.
   */
  async closeSessions(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.closeLocal(sessionIds);
    const msg: Revocation = { sessionIds: [...sessionIds] };
    await this.publisher.publish(REVOCATIONS, JSON.stringify(msg)).catch((err: Error) => this.log.warn({ err: err.message }, 'could not announce a session revocation to the other replicas'));
  }

  add(owner: SocketOwner, socket: WebSocket): void {
    let set = this.sockets.get(owner.userId);
    if (!set) this.sockets.set(owner.userId, (set = new Set()));
    set.add(socket);
    this.sessionOf.set(socket, owner.sessionId);
    socket.once('close', () => {
      set.delete(socket);
      this.sessionOf.delete(socket);
      if (set.size === 0 && this.sockets.get(owner.userId) === set) this.sockets.delete(owner.userId);
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
        if (socket.readyState === socket.OPEN && this.sessionOf.has(socket)) socket.send(text);
      }
    }
  }

  private closeLocal(sessionIds: readonly string[]): void {
    const revoked = new Set(sessionIds);
    for (const [socket, sessionId] of this.sessionOf) {
      if (!revoked.has(sessionId)) continue;
      // Stop delivering at once; the close handshake may take a moment.
      this.sessionOf.delete(socket);
      socket.close(SESSION_REVOKED.code, SESSION_REVOKED.reason);
    }
  }

  closeAll(): void {
    for (const set of this.sockets.values()) for (const s of set) s.close(1001, 'server shutting down');
  }
}
