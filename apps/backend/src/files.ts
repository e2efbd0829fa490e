// Uploaded file metadata in PostgreSQL; the bytes live in the S3 bucket under object_key.
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

  async get(id: string): Promise<StoredFile | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM files WHERE id = $1', [id]);
    return rows[0] ? toFile(rows[0]) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, StoredFile>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>('SELECT * FROM files WHERE id = ANY($1::uuid[])', [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, toFile(r)]));
  }
}

export const toFileView = (f: StoredFile): { id: string; name: string; contentType: string; size: number } => ({
  id: f.id,
  name: f.name,
  contentType: f.contentType,
  size: f.size,
});
