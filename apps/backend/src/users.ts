// User accounts in PostgreSQL.
import type { Pool } from 'pg';
import { conflict } from './errors';

export type Role = 'user' | 'admin';

/** The username rule, for request schemas and for the admin command alike. */
export const USERNAME_SCHEMA = { type: 'string', minLength: 3, maxLength: 32, pattern: '^[a-z0-9_.-]+$' } as const;
export const USERNAME_RULE = '3-32 characters of a-z, 0-9, _ . -';

export function isValidUsername(name: string): boolean {
  return name.length >= USERNAME_SCHEMA.minLength && name.length <= USERNAME_SCHEMA.maxLength && new RegExp(USERNAME_SCHEMA.pattern).test(name);
}

export interface AdminEntry {
  readonly username: string;
  readonly displayName: string;
  readonly createdAt: string;
}

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

  /** Sets the role of `username`; null when there is no such user. `changed` is false when it already had it. */
  async setRole(username: string, role: Role): Promise<{ user: User; changed: boolean } | null> {
    const { rows } = await this.pool.query<Row & { previous: Role }>(
      `WITH before AS (SELECT id, role FROM users WHERE username = $1 FOR UPDATE)
       UPDATE users u SET role = $2 FROM before WHERE u.id = before.id RETURNING u.*, before.role AS previous`,
      [username, role],
    );
    return rows[0] ? { user: toUser(rows[0]), changed: rows[0].previous !== role } : null;
  }

  async admins(): Promise<AdminEntry[]> {
    const { rows } = await this.pool.query<{ username: string; display_name: string; created_at: Date }>(
      "SELECT username, display_name, created_at FROM users WHERE role = 'admin' ORDER BY username",
    );
    return rows.map((r) => ({ username: r.username, displayName: r.display_name, createdAt: r.created_at.toISOString() }));
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
