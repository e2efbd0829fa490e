// Uploaded file metadata in PostgreSQL; the bytes live in the S3 bucket under object_key.
// A deletion marks the row (deleted_at), removes the object, then records that (purged_at).
import type { Pool } from 'pg';

export interface StoredFile {
  readonly id: string;
  readonly conversationId: string;
  readonly uploaderId: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly objectKey: string;
}

interface Row {
  id: string;
  conversation_id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  size: string;
  object_key: string;
}

const toFile = (r: Row): StoredFile => ({
  id: r.id,
  conversationId: r.conversation_id,
  uploaderId: r.uploader_id,
  name: r.name,
  contentType: r.content_type,
  size: Number(r.size),
  objectKey: r.object_key,
});

/** What a deletion finds: a live file, one whose removal began but did not finish, or nothing. */
export interface FileForDeletion {
  readonly file: StoredFile;
  readonly pending: boolean;
}

export class FileRepository {
  constructor(private readonly pool: Pool) {}

  async create(f: StoredFile): Promise<StoredFile> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO files (id, conversation_id, uploader_id, name, content_type, size, object_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [f.id, f.conversationId, f.uploaderId, f.name, f.contentType, f.size, f.objectKey],
    );
    return toFile(rows[0]);
  }

  /** A file that can be read or attached: a deleted one is gone from the moment it is marked. */
  async get(id: string): Promise<StoredFile | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM files WHERE id = $1 AND deleted_at IS NULL', [id]);
    return rows[0] ? toFile(rows[0]) : null;
  }

  /** Attachments for message views: live files by id, and the ids of files deleted since. */
  async findMany(ids: readonly string[]): Promise<{ live: Map<string, StoredFile>; removed: Set<string> }> {
    const live = new Map<string, StoredFile>();
    const removed = new Set<string>();
    if (ids.length === 0) return { live, removed };
    const { rows } = await this.pool.query<Row & { deleted: boolean }>(
      'SELECT *, deleted_at IS NOT NULL AS deleted FROM files WHERE id = ANY($1::uuid[])',
      [[...new Set(ids)]],
    );
    for (const r of rows) {
      if (r.deleted) removed.add(r.id);
      else live.set(r.id, toFile(r));
    }
    return { live, removed };
  }

  /** The file unless its removal has finished (then it is as unknown as a never-seen id). */
  async getForDeletion(id: string): Promise<FileForDeletion | null> {
    const { rows } = await this.pool.query<Row & { pending: boolean }>(
      'SELECT *, deleted_at IS NOT NULL AS pending FROM files WHERE id = $1 AND purged_at IS NULL',
      [id],
    );
    return rows[0] ? { file: toFile(rows[0]), pending: rows[0].pending } : null;
  }

  /**
   * First step of a deletion, before the object is touched: from here on the file is not served
   * or attachable, and the mark is what tells a later sweep to finish the job. Idempotent.
   */
  async markDeleted(id: string): Promise<boolean> {
    const r = await this.pool.query('UPDATE files SET deleted_at = COALESCE(deleted_at, now()) WHERE id = $1 AND purged_at IS NULL', [id]);
    return r.rowCount === 1;
  }

  /** Last step, once the object is gone. The name goes too: the uploader asked for the file to be removed. */
  async markPurged(id: string): Promise<void> {
    await this.pool.query("UPDATE files SET purged_at = now(), name = '' WHERE id = $1 AND deleted_at IS NOT NULL AND purged_at IS NULL", [id]);
  }

  /** Files marked deleted whose object removal has not been confirmed, oldest first. */
  async pendingDeletions(limit: number): Promise<StoredFile[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM files WHERE deleted_at IS NOT NULL AND purged_at IS NULL ORDER BY deleted_at LIMIT $1',
      [limit],
    );
    return rows.map(toFile);
  }
}

export const toFileView = (f: StoredFile): { id: string; name: string; contentType: string; size: number } => ({
  id: f.id,
  name: f.name,
  contentType: f.contentType,
  size: f.size,
});
