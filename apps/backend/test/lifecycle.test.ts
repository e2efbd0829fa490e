import assert from 'node:assert/strict';
import http from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { createServer } from '../src/server';
import { api, baseEnv, groupWith, needServices, register } from './support/harness';
import { exitOf, startProcess, waitHealthy } from './support/process';
import { freePort } from './support/services';
import type { SharedServices } from './support/shared';

describe('process lifecycle: env validation, migrations, graceful SIGTERM', () => {
  let s: SharedServices;
  before(function () {
    s = needServices(this);
  });

  it('exits 2 listing every bad variable, without printing secret values', async () => {
    const { child, output } = startProcess({ DATABASE_URL: 'mysql://root:hunter2-secret@db/x', JWT_SECRET: 'tiny', STORAGE_DRIVER: 'nosql' });
    assert.equal(await exitOf(child), 2);
    const text = output();
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET', 'JWT_SECRET', 'STORAGE_DRIVER']) assert.match(text, new RegExp(name));
    assert.ok(!text.includes('hunter2-secret') && !text.includes('tiny'), text);
    assert.ok(!/\n\s+at /.test(text), `no stack trace expected: ${text}`);
  });

  it('runs migrations once even when two replicas start together on a fresh database', async () => {
    const url = await s.pg.createDatabase(`imstack_mig_${Date.now()}`);
    const config = loadConfig(baseEnv(s, { DATABASE_URL: url }));
    const servers = await Promise.all([1, 2, 3].map(() => createServer(config, { logger: false, startupTimeoutMs: 5000 })));
    await Promise.all(servers.map((x) => x.close()));
    const again = await createServer(config, { logger: false, startupTimeoutMs: 5000 });
    await again.close();
    const pool = new Pool({ connectionString: url });
    const { rows } = await pool.query('SELECT version FROM schema_migrations');
    const idx = await pool.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_conversation_id_idx'");
    await pool.end();
    assert.deepEqual(rows.map((r) => r.version), [1, 2]);
    assert.match(idx.rows[0].indexdef, /\(conversation_id, id\)/);
  });

  it('on SIGTERM stops accepting, finishes the in-flight upload, then exits 0', async function () {
    this.timeout(30000);
    const port = await freePort();
    const env = { ...baseEnv(s, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }) };
    const { child, output } = startProcess(env);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitHealthy(base, { child, output });
      const alice = await register(base);
      const conv = await groupWith(base, alice, []);

      // A slow multipart upload: half the body now, the rest after SIGTERM.
      const boundary = 'imstackboundary';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\nContent-Type: text/plain\r\n\r\n`;
      const tail = `\r\n--${boundary}--\r\n`;
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${base}/api/conversations/${conv}/files`, {
          method: 'POST',
          headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write(head + 'first half ');
        setTimeout(() => child.kill('SIGTERM'), 300);
        setTimeout(() => req.end('second half' + tail), 1200);
      });
      await new Promise((r) => setTimeout(r, 700));
      const refused = await fetch(`${base}/health`).then((r) => `status ${r.status}`, (e: Error) => `refused: ${(e.cause as Error)?.message ?? e.message}`);
      assert.match(refused, /refused|503/, 'new requests are not served while shutting down');
      const res = await response;
      assert.equal(res.status, 201, res.body);
      assert.equal(JSON.parse(res.body).size, 'first half second half'.length);
      assert.equal(await exitOf(child), 0, output());
      assert.match(output(), /shutdown complete/);
      if (process.env.TEST_LOG) console.log(output());
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
