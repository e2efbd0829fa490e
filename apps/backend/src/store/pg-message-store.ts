import type { Pool } from 'pg';
import type { MessageStore, NewMessage, StoredMessage } from './message-store';

interface Row {
  id: string;
  conversation_id: string;
  sender_id: string;
  body: string;
  attachment_id: string | null;
  created_at: Date;
}

const COLUMNS = 'id::text AS id, conversation_id, sender_id, body, attachment_id, created_at';

const toMessage = (r: Row): StoredMessage => ({
  id: r.id,
  conversationId: r.conversation_id,
  senderId: r.sender_id,
  body: r.body,
  attachmentId: r.attachment_id,
  createdAt: r.created_at,
});

export class PgMessageStore implements MessageStore {
  constructor(private readonly pool: Pool) {}

  async insert(m: NewMessage): Promise<StoredMessage> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Locking the conversation row first serialises inserts per conversation, so an id is
      // only drawn once every smaller id of that conversation has committed. Readers paging
      // with "id < cursor" therefore never miss a message that commits late.
      await client.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [m.conversationId]);
      const { rows } = await client.query<Row>(
        `INSERT INTO messages (conversation_id, sender_id, body, attachment_id) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [m.conversationId, m.senderId, m.body, m.attachmentId],
      );
      await client.query('COMMIT');
      return toMessage(rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async page(conversationId: string, before: bigint | null, limit: number): Promise<StoredMessage[]> {
    const { rows } =
      before === null
        ? await this.pool.query<Row>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY messages.id DESC LIMIT $2`, [conversationId, limit])
        : await this.pool.query<Row>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND id < $2 ORDER BY messages.id DESC LIMIT $3`, [
            conversationId,
            before.toString(),
            limit,
          ]);
    return rows.map(toMessage);
  }

  async latest(conversationIds: readonly string[]): Promise<Map<string, StoredMessage>> {
    if (conversationIds.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>(
      `SELECT m.id::text AS id, m.conversation_id, m.sender_id, m.body, m.attachment_id, m.created_at FROM unnest($1::uuid[]) AS c(id)
       CROSS JOIN LATERAL (SELECT * FROM messages WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) m`,
      [conversationIds],
    );
    return new Map(rows.map((r) => [r.conversation_id, toMessage(r)]));
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM messages');
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    // The pool is owned and closed by the app.
  }
}
