// Schema migrations, applied at start-up. Each runs once (recorded in schema_migrations) inside
// its own transaction, and a session advisory lock makes replicas that start together take
// turns instead of racing on CREATE TABLE.
import type { Pool } from 'pg';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// An arbitrary constant shared by every replica: "imstack" as bytes.
const MIGRATION_LOCK_KEY = 0x696d737461636bn;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'admin')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('direct', 'group')),
        title text,
        created_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz,
        -- "<smaller user id>:<larger user id>" for direct conversations, so each pair has one.
        direct_key text UNIQUE
      );
      CREATE TABLE conversation_members (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        joined_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (conversation_id, user_id)
      );
      CREATE INDEX conversation_members_user_idx ON conversation_members (user_id);
      CREATE TABLE files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        uploader_id uuid NOT NULL REFERENCES users(id),
        name text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL,
        object_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX files_conversation_idx ON files (conversation_id);
      CREATE TABLE messages (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        sender_id uuid NOT NULL REFERENCES users(id),
        body text NOT NULL,
        attachment_id uuid REFERENCES files(id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Keyset pagination: WHERE conversation_id = $1 AND id < $2 ORDER BY id DESC LIMIT n.
      CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id);
    `,
  },
  {
    version: 2,
    name: 'file deletion marks',
    // A deleted file keeps its row as a tombstone: messages still reference it (attachment_id),
    // and the row is how a removal interrupted before its object was gone gets finished.
    sql: `
      ALTER TABLE files ADD COLUMN deleted_at timestamptz, ADD COLUMN purged_at timestamptz;
      ALTER TABLE files ADD CONSTRAINT files_purged_after_deleted CHECK (purged_at IS NULL OR deleted_at IS NOT NULL);
      CREATE INDEX files_pending_deletion_idx ON files (deleted_at) WHERE deleted_at IS NOT NULL AND purged_at IS NULL;
    `,
  },
];

export interface MigrationResult {
  readonly applied: number[];
}

export async function migrate(pool: Pool): Promise<MigrationResult> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
  return { applied };
}
