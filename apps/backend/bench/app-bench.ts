// npm run bench:app — history paging (keyset vs OFFSET) on a 1,000,000-message conversation,
// plus message post throughput. Starts its own temporary PostgreSQL, Redis and s3rver.
// Not a test: it prints figures. BENCH_MESSAGES overrides the seed size.
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { loadConfig } from '../src/config';
import { createServer } from '../src/server';
import { api, baseEnv, groupWith, register } from '../test/support/harness';
import { missingBinaries, startPostgres, startRedis, startS3 } from '../test/support/services';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const DEPTHS = [0, 10_000, 100_000, 900_000].filter((d) => d < TOTAL);
const PAGE = 50;

function pct(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const ms = (v: number) => v.toFixed(2).padStart(9);

async function main(): Promise<void> {
  const missing = missingBinaries();
  if (missing) throw new Error(`bench needs local services: ${missing}`);
  console.log(`imstack backend bench: ${TOTAL.toLocaleString()} messages, page size ${PAGE}`);
  const [pg, redis, s3] = await Promise.all([startPostgres(), startRedis(), startS3()]);
  const databaseUrl = await pg.createDatabase('imstack_bench');
  const services = { pg, redis, s3, databaseUrl };
  const server = await createServer(loadConfig(baseEnv(services, { LOG_LEVEL: 'silent' })), { logger: false });
  const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    const alice = await register(base);
    const bob = await register(base);
    const conv = await groupWith(base, alice, [bob], 'bench');

    let t = performance.now();
    await pool.query(
      `INSERT INTO messages (conversation_id, sender_id, body, created_at)
       SELECT $1, $2, 'bench message #' || g, now() - make_interval(secs => $3 - g)
       FROM generate_series(1, $3::int) AS g`,
      [conv, alice.id, TOTAL],
    );
    const seedMs = performance.now() - t;
    t = performance.now();
    await pool.query('VACUUM ANALYZE messages');
    console.log(`seeded ${TOTAL.toLocaleString()} messages in ${(seedMs / 1000).toFixed(1)} s (+ ${((performance.now() - t) / 1000).toFixed(1)} s VACUUM ANALYZE)\n`);

    const cols = 'id::text AS id, conversation_id, sender_id, body, attachment_id, created_at';
    const keysetSql = `SELECT ${cols} FROM messages WHERE conversation_id = $1 AND id < $2 ORDER BY messages.id DESC LIMIT ${PAGE}`;
    const firstSql = `SELECT ${cols} FROM messages WHERE conversation_id = $1 ORDER BY messages.id DESC LIMIT ${PAGE}`;
    const offsetSql = `SELECT ${cols} FROM messages WHERE conversation_id = $1 ORDER BY messages.id DESC LIMIT ${PAGE} OFFSET $2`;

    console.log('history page latency, ms (SQL = the query alone; HTTP = GET /api/conversations/:id/messages incl. auth and JSON)');
    console.log('    depth |   keyset p50 |   keyset p99 |   OFFSET p50 |   OFFSET p99 | p99 ratio | HTTP keyset p50 | HTTP keyset p99');
    const ratios: { depth: number; p99: number; p50: number }[] = [];
    for (const depth of DEPTHS) {
      // The keyset cursor for depth d is the id of the (d-1)th newest message.
      const boundary = depth === 0 ? null : (await pool.query<{ id: string }>(`SELECT id::text AS id FROM messages WHERE conversation_id = $1 ORDER BY messages.id DESC OFFSET $2 LIMIT 1`, [conv, depth - 1])).rows[0].id;
      const keyset = () => (boundary === null ? pool.query(firstSql, [conv]) : pool.query(keysetSql, [conv, boundary]));
      const offset = () => pool.query(offsetSql, [conv, depth]);
      const [k, o] = [await keyset(), await offset()];
      if (k.rows.map((r) => r.id).join() !== o.rows.map((r) => r.id).join()) throw new Error(`keyset and OFFSET disagree at depth ${depth}`);
      const kSamples = await time(1000, keyset);
      const oSamples = await time(depth >= 100_000 ? 40 : 150, offset);
      const cursor = boundary === null ? '' : `&before=${Buffer.from(`m:${boundary}`).toString('base64url')}`;
      const hSamples = await time(200, async () => {
        const r = await fetch(`${base}/api/conversations/${conv}/messages?limit=${PAGE}${cursor}`, { headers: { authorization: `Bearer ${bob.accessToken}` } });
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
        await r.arrayBuffer();
      });
      const ratio = pct(oSamples, 99) / pct(kSamples, 99);
      ratios.push({ depth, p99: ratio, p50: pct(oSamples, 50) / pct(kSamples, 50) });
      console.log(
        `${String(depth).padStart(9)} |${ms(pct(kSamples, 50))}    |${ms(pct(kSamples, 99))}    |${ms(pct(oSamples, 50))}    |${ms(pct(oSamples, 99))}    | ${ratio.toFixed(1).padStart(8)}x | ${ms(pct(hSamples, 50))}       | ${ms(pct(hSamples, 99))}`,
      );
    }

    console.log('\nmessage post throughput (HTTP POST /api/conversations/:id/messages, 5 s each)');
    for (const [label, concurrency, separate] of [
      [`the ${TOTAL.toLocaleString()}-message conversation, 16 concurrent clients`, 16, false],
      ['16 conversations, 1 client each', 16, true],
    ] as const) {
      const targets = separate ? await Promise.all(Array.from({ length: concurrency }, () => groupWith(base, alice, [bob]))) : Array(concurrency).fill(conv);
      const lat: number[] = [];
      const until = performance.now() + 5000;
      const started = performance.now();
      await Promise.all(
        targets.map(async (c: string, i: number) => {
          while (performance.now() < until) {
            const s0 = performance.now();
            const r = await api(base, 'POST', `/api/conversations/${c}/messages`, { token: alice.accessToken, json: { body: `post ${i}` } });
            if (r.status !== 201) throw new Error(`post failed: ${r.status} ${r.text}`);
            lat.push(performance.now() - s0);
          }
        }),
      );
      const secs = (performance.now() - started) / 1000;
      console.log(`  ${label}: ${(lat.length / secs).toFixed(0)} msg/s (${lat.length} posts), latency p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`);
    }

    console.log('\nratios OFFSET / keyset:');
    for (const r of ratios) console.log(`  depth ${r.depth.toLocaleString().padStart(9)}: p50 ${r.p50.toFixed(1)}x, p99 ${r.p99.toFixed(1)}x${r.depth >= 100_000 ? (r.p99 >= 10 ? '  (target >= 10x: met)' : '  (target >= 10x: NOT met)') : ''}`);
    console.log('\nnote: the temporary cluster runs with fsync=off and synchronous_commit=off, so post throughput is an upper bound for this CPU.');
  } finally {
    await pool.end();
    await server.close();
    await Promise.allSettled([pg.stop(), redis.stop(), s3.stop()]);
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
