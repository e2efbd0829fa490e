// Conversations and their membership in PostgreSQL.
import type { Pool } from 'pg';
import type { PublicUser } from './users';

export type ConversationType = 'direct' | 'group';

export interface Conversation {
  readonly id: string;
  readonly type: ConversationType;
  readonly title: string | null;
  readonly members: PublicUser[];
  readonly createdAt: Date;
}

interface Row {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: Date;
  members: { id: string; username: string; displayName: string }[];
}

const SELECT = `
  SELECT c.id, c.type, c.title, c.created_at,
    COALESCE((SELECT json_agg(json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name) ORDER BY m.joined_at, u.username)
      FROM conversation_members m JOIN users u ON u.id = m.user_id WHERE m.conversation_id = c.id), '[]') AS members
  FROM conversations c`;

const toConversation = (r: Row): Conversation => ({ id: r.id, type: r.type, title: r.title, members: r.members, createdAt: r.created_at });

export class ConversationRepository {
  constructor(private readonly pool: Pool) {}

  /** Creates a conversation, or returns the existing direct conversation of the same pair. */
  async create(input: { type: ConversationType; title: string | null; creatorId: string; memberIds: readonly string[] }): Promise<{ conversation: Conversation; created: boolean }> {
    const members = [...new Set([input.creatorId, ...input.memberIds])];
    const directKey = input.type === 'direct' ? [...members].sort().join(':') : null;
    const client = await this.pool.connect();
    let id: string;
    let created = true;
    try {
      await client.query('BEGIN');
      const ins = await client.query<{ id: string }>(
        `INSERT INTO conversations (type, title, created_by, direct_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
        [input.type, input.title, input.creatorId, directKey],
      );
      if (ins.rows[0]) {
        id = ins.rows[0].id;
        await client.query(
          'INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])',
          [id, members],
        );
      } else {
        created = false;
        id = (await client.query<{ id: string }>('SELECT id FROM conversations WHERE direct_key = $1', [directKey])).rows[0].id;
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return { conversation: (await this.get(id))!, created };
  }

  async get(id: string): Promise<Conversation | null> {
    const { rows } = await this.pool.query<Row>(`${SELECT} WHERE c.id = $1`, [id]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** 'missing' | 'member' | 'outsider', so callers can tell 404 from 403 in one query. */
  async access(conversationId: string, userId: string): Promise<'missing' | 'member' | 'outsider'> {
    const { rows } = await this.pool.query<{ member: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = c.id AND user_id = $2) AS member
       FROM conversations c WHERE c.id = $1`,
      [conversationId, userId],
    );
    if (!rows[0]) return 'missing';
    return rows[0].member ? 'member' : 'outsider';
  }

  async listForUser(userId: string): Promise<Conversation[]> {
    const { rows } = await this.pool.query<Row>(
      `${SELECT} WHERE c.id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1)
       ORDER BY COALESCE(c.last_message_at, c.created_at) DESC`,
      [userId],
    );
    return rows.map(toConversation);
  }

  async addMember(conversationId: string, userId: string): Promise<void> {
    await this.pool.query('INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [conversationId, userId]);
  }

  async memberIds(conversationId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>('SELECT user_id FROM conversation_members WHERE conversation_id = $1', [conversationId]);
    return rows.map((r) => r.user_id);
  }

  async countExistingUsers(ids: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [[...new Set(ids)]]);
    return new Set(rows.map((r) => r.id));
  }
}
