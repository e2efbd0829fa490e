// Seeds and fingerprints a small IM data set: users, messages, files. The fingerprint is a
// row-level checksum per table plus the sha256 and metadata of every object, so "equal to
// the backup" can be asserted exactly.
import { createHash } from 'crypto';
import { Client } from 'pg';
import type { PgConnection } from '../../../../automation/backup/postgres';
import { listObjects, s3Client, S3Target } from '../../../../automation/backup/objects';

export async function pgClient(conn: PgConnection, database = conn.database): Promise<Client> {
  const c = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database });
  await c.connect();
  return c;
}

export async function seed(conn: PgConnection, s3: S3Target): Promise<void> {
  const admin = await pgClient(conn, 'postgres');
  await admin.query(`CREATE DATABASE ${conn.database}`);
  await admin.end();
  const c = await pgClient(conn);
  await c.query(`CREATE TABLE users (id serial PRIMARY KEY, name text UNIQUE NOT NULL, created timestamptz DEFAULT now())`);
  await c.query(`CREATE TABLE messages (id bigserial PRIMARY KEY, user_id int REFERENCES users(id), body text, meta jsonb)`);
  await c.query(`CREATE INDEX messages_user ON messages(user_id)`);
  await c.query(`INSERT INTO users(name) SELECT 'user' || g FROM generate_series(1, 20) g`);
  await c.query(`INSERT INTO messages(user_id, body, meta) SELECT 1 + g % 20, repeat('hello ' || g, 5), jsonb_build_object('n', g) FROM generate_series(1, 2000) g`);
  await c.end();
  const client = s3Client(s3);
  for (let i = 0; i < 12; i++) {
    const body = Buffer.alloc(1000 + i * 3001, `file-${i}-`);
    await client.putObject(s3.bucket, `uploads/${i}/file ${i}.bin`, body, body.length, { 'Content-Type': i % 2 ? 'image/png' : 'application/octet-stream', 'x-amz-meta-owner': `user${i}` });
  }
  // A key longer than the 100 bytes plain tar headers allow, with non-ASCII characters.
  const long = `uploads/${'deep/'.repeat(25)}ünïcødé-名前.txt`;
  await client.putObject(s3.bucket, long, Buffer.from('long key'), 8, { 'Content-Type': 'text/plain' });
}

export async function mutate(conn: PgConnection, s3: S3Target): Promise<void> {
  const c = await pgClient(conn);
  await c.query(`INSERT INTO users(name) VALUES ('intruder')`);
  await c.query(`DELETE FROM messages WHERE id % 7 = 0`);
  await c.query(`UPDATE messages SET body = 'edited' WHERE id % 11 = 0`);
  await c.query(`CREATE TABLE extra (x int)`);
  await c.end();
  const client = s3Client(s3);
  await client.removeObject(s3.bucket, 'uploads/3/file 3.bin');
  await client.putObject(s3.bucket, 'uploads/new.bin', Buffer.from('new object'), 10);
  await client.putObject(s3.bucket, 'uploads/0/file 0.bin', Buffer.from('overwritten'), 11);
}

export interface Fingerprint {
  readonly tables: Record<string, string>;
  readonly objects: Record<string, string>;
}

export async function fingerprintDb(conn: PgConnection): Promise<Record<string, string>> {
  const c = await pgClient(conn);
  try {
    const t = await c.query<{ s: string; t: string }>(`SELECT schemaname AS s, tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 2`);
    const out: Record<string, string> = {};
    for (const { s, t: name } of t.rows) {
      const r = await c.query<{ h: string | null }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS h, count(*) AS n FROM "${s}"."${name}" x`);
      out[name] = `${r.rows[0].h}`;
    }
    return out;
  } finally {
    await c.end();
  }
}

export async function fingerprintObjects(s3: S3Target): Promise<Record<string, string>> {
  const client = s3Client(s3);
  const out: Record<string, string> = {};
  for await (const o of listObjects(client, s3.bucket)) {
    const h = createHash('sha256');
    for await (const chunk of await client.getObject(s3.bucket, o.key)) h.update(chunk as Buffer);
    const stat = await client.statObject(s3.bucket, o.key);
    out[o.key] = `${h.digest('hex')} ${stat.metaData['content-type'] ?? ''} ${stat.metaData.owner ?? ''}`;
  }
  return out;
}

export async function fingerprint(conn: PgConnection, s3: S3Target): Promise<Fingerprint> {
  return { tables: await fingerprintDb(conn), objects: await fingerprintObjects(s3) };
}
