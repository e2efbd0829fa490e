// Mocha global fixtures: one PostgreSQL cluster, one Redis and one s3rver for the whole run.
// Without the binaries the integration tests skip (and say why), except under CI=true.
import { missingBinaries, startPostgres, startRedis, startS3 } from './services';
import { shared } from './shared';

export async function mochaGlobalSetup(): Promise<void> {
  const missing = missingBinaries();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`backend integration tests need real services: ${missing}`);
    shared.skipReason = `skipping integration tests: ${missing}`;
    console.log(`  ${shared.skipReason}`);
    return;
  }
  const started = Date.now();
  const [pg, redis, s3] = await Promise.all([startPostgres(), startRedis(), startS3()]);
  shared.services = { pg, redis, s3, databaseUrl: await pg.createDatabase('imstack_test') };
  console.log(`  services up in ${Date.now() - started} ms (postgres :${pg.port}, redis :${redis.port}, s3rver :${s3.port})`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  const s = shared.services;
  if (!s) return;
  await Promise.allSettled([s.pg.stop(), s.redis.stop(), s.s3.stop()]);
}
