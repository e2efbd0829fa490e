// User accounts in PostgreSQL.
import type { Pool } from 'pg';
import { conflict } from './errors';

export type Role = 'user' | 'admin';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
}

export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
}

interface Row {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
}

const toUser = (r: Row): User => ({ id: r.id, username: r.username, displayName: r.display_name, role: r.role });
export const toPublicUser = (u: PublicUser): PublicUser => ({ id: u.id, username: u.username, displayName: u.displayName });

export class UserRepository {
  constructor(private readonly pool: Pool) {}

  async create(input: { username: string; displayName: string; passwordHash: string; role: Role }): Promise<User> {
    try {
      const { rows } = await this.pool.query<Row>(
        'INSERT INTO users (username, display_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING *',
        [input.username, input.displayName, input.passwordHash, input.role],
      );
      return toUser(rows[0]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw conflict(`username "${input.username}" is already taken`);
      throw err;
    }
  }

  async findWithPassword(username: string): Promise<{ user: User; passwordHash: string } | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] ? { user: toUser(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  async findById(id: string): Promise<User | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, User>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>('SELECT * FROM users WHERE id = ANY($1::uuid[])', [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, toUser(r)]));
  }

  async search(q: string, limit: number): Promise<User[]> {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM users WHERE username ILIKE $1 OR display_name ILIKE $1
       ORDER BY (username ILIKE $2) DESC, username LIMIT $3`,
      [pattern, `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, limit],
    );
    return rows.map(toUser);
  }
}
