import { strict as assert } from 'assert';
import { builtinModules } from 'module';
import * as fs from 'fs';
import * as path from 'path';
import {
  environmentFromStack, fromEnv, isProduction, isStackName, JOB_DEFAULTS, JOB_MAIN, MAINTENANCE_DIR, MAINTENANCE_FLAG, SECRET_ENV, STATUS_FILE, toEnv,
} from '../../../automation/backup/contract';
import { decryptionKeys } from '../../../automation/backup/context';
import { STATUS_FILE as ENGINE_STATUS_FILE } from '../../../automation/backup/status';

const ENGINE_DIR = path.resolve(__dirname, '../../../automation/backup');

describe('backup job settings from the environment', () => {
  const base = { STACK: 'dev', PGPASSWORD: 'pw', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 's' };

  it('reads BACKUP_PREVIOUS_KEYS as a comma-separated list, current key tried first', () => {
    const s = fromEnv({ ...base, BACKUP_KEY: 'cafe01', BACKUP_PREVIOUS_KEYS: 'beef02, dead03,,' });
    assert.deepEqual(s.ctx.previousKeys, ['beef02', 'dead03']);
    assert.deepEqual(decryptionKeys(s.ctx), ['cafe01', 'beef02', 'dead03']);
  });

  it('without previous keys only the current key is tried; without any key none', () => {
    assert.deepEqual(decryptionKeys(fromEnv({ ...base, BACKUP_KEY: 'cafe01' }).ctx), ['cafe01']);
    assert.deepEqual(decryptionKeys(fromEnv({ ...base, BACKUP_PREVIOUS_KEYS: '' }).ctx), []);
  });

  it('previous keys alone still let an encrypted archive be read after encryption was switched off', () => {
    const s = fromEnv({ ...base, BACKUP_PREVIOUS_KEYS: 'beef02' });
    assert.equal(s.ctx.backupKey, undefined);
    assert.deepEqual(decryptionKeys(s.ctx), ['beef02']);
  });
});

/** NAME=value list -> record, as the container's environment is. */
const asEnv = (list: readonly string[]): Record<string, string> => Object.fromEntries(list.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

describe('backup job contract: the environment both ways', () => {
  it('what the program writes is what the job reads, defaults included', () => {
    const s = fromEnv({ ...asEnv(toEnv({ stack: 'dev', s3: { accessKey: 'imstack-backup' } })), PGPASSWORD: 'pw', S3_SECRET_KEY: 's' });
    assert.equal(s.ctx.stack, 'dev');
    assert.equal(s.schedule, JOB_DEFAULTS.schedule);
    assert.equal(s.timezone, JOB_DEFAULTS.timezone);
    assert.deepEqual(s.retention, { retentionDays: JOB_DEFAULTS.retentionDays, keepLast: JOB_DEFAULTS.keepLast });
    assert.deepEqual(s.components, JOB_DEFAULTS.components);
    assert.equal(s.ctx.encrypt, JOB_DEFAULTS.encrypt);
    assert.deepEqual(s.ctx.postgres, { ...JOB_DEFAULTS.postgres, password: 'pw', binDir: undefined });
    assert.deepEqual(s.ctx.s3, { ...JOB_DEFAULTS.s3, accessKey: 'imstack-backup', secretKey: 's' });
    assert.equal(s.ctx.redis, undefined);
    assert.equal(s.ctx.remote, undefined);
  });

  it('every setting survives the trip, remote and redis too', () => {
    const env = toEnv({
      stack: 'prod-eu', postgres: { database: 'chat' }, s3: { endPoint: 'seaweedfs', port: 8333, useSSL: true, bucket: 'up', region: 'eu-1', accessKey: 'k' },
      schedule: '30 3 * * 0', timezone: 'Europe/Berlin', retentionDays: 14, keepLast: 5, components: ['postgres', 'minio', 'redis'], encrypt: false,
      redis: { host: 'redis' }, remote: { endPoint: 's3.example.com', bucket: 'off', accessKey: 'ra' },
    });
    const s = fromEnv({ ...asEnv(env), PGPASSWORD: 'pw', S3_SECRET_KEY: 's', REMOTE_S3_SECRET_KEY: 'rs' });
    assert.equal(s.schedule, '30 3 * * 0');
    assert.equal(s.timezone, 'Europe/Berlin');
    assert.deepEqual(s.retention, { retentionDays: 14, keepLast: 5 });
    assert.deepEqual(s.components, ['postgres', 'minio', 'redis']);
    assert.equal(s.ctx.encrypt, false);
    assert.equal(s.ctx.postgres?.database, 'chat');
    assert.deepEqual(s.ctx.s3, { endPoint: 'seaweedfs', port: 8333, useSSL: true, bucket: 'up', region: 'eu-1', accessKey: 'k', secretKey: 's' });
    assert.deepEqual(s.ctx.redis, { host: 'redis', port: 6379, password: undefined });
    assert.deepEqual(s.ctx.remote, { endPoint: 's3.example.com', port: 443, useSSL: true, bucket: 'off', region: 'us-east-1', accessKey: 'ra', secretKey: 'rs', prefix: 'imstack/prod-eu/' });
  });

  it('writes the variables the component wrote before, in its order, and no secret', () => {
    assert.deepEqual(toEnv({ stack: 'dev', s3: { endPoint: 'seaweedfs', port: 8333, useSSL: false, region: 'us-east-1', bucket: 'imstack', accessKey: 'imstack-backup' } }), [
      'STACK=dev', 'PGHOST=postgres', 'PGPORT=5432', 'PGUSER=postgres', 'PGDATABASE=imstack',
      'BACKUP_SCHEDULE=0 2 * * *', 'BACKUP_TIMEZONE=UTC', 'RETENTION_DAYS=7', 'KEEP_LAST=3', 'BACKUP_COMPONENTS=postgres,minio', 'BACKUP_ENCRYPT=true',
      'S3_ENDPOINT=seaweedfs', 'S3_PORT=8333', 'S3_USE_SSL=false', 'S3_REGION=us-east-1', 'S3_BUCKET=imstack', 'S3_ACCESS_KEY=imstack-backup',
    ]);
    const all = toEnv({ stack: 'dev', redis: { host: 'redis' }, remote: { endPoint: 'x', bucket: 'b', accessKey: 'a' } }).map((e) => e.split('=')[0]);
    for (const name of SECRET_ENV) assert.ok(!all.includes(name), name);
  });

  it('one stack-name rule: the program cannot deploy a name the job refuses at start', () => {
    for (const ok of ['dev', 'prod', 'prod-2', '0a']) assert.ok(isStackName(ok), ok);
    for (const bad of ['dev_1', 'Dev', 'a.b', '-dev', '', 'a b;rm']) {
      assert.ok(!isStackName(bad), bad);
      assert.throws(() => toEnv({ stack: bad }), /invalid stack name .*\(lowercase letters, digits and dashes\)/);
      if (bad) assert.throws(() => fromEnv({ STACK: bad }), /environment variable STACK must be lowercase letters, digits and dashes/);
    }
  });

  it('one "is this prod": prod2 is prod for the config and for the confirmation prompt alike', () => {
    assert.equal(environmentFromStack('prod2'), 'prod');
    assert.ok(isProduction('prod2'));
    assert.ok(isProduction('production'));
    assert.ok(isProduction('dev', 'prod'));
    assert.equal(environmentFromStack('staging'), 'dev');
    assert.ok(!isProduction('staging'));
    assert.ok(!isProduction('staging', 'dev'));
  });

  it('the maintenance flag is a file in its folder', () => {
    assert.equal(path.posix.dirname(MAINTENANCE_FLAG), MAINTENANCE_DIR);
  });

  it('the status file the program health-checks is the one the engine writes', () => {
    assert.equal(STATUS_FILE, ENGINE_STATUS_FILE);
  });
});

describe('backup job image: the Dockerfile agrees with the contract', () => {
  const dockerfile = fs.readFileSync(path.join(ENGINE_DIR, 'Dockerfile'), 'utf8');

  it('carries no job setting of its own: the defaults live in the contract only', () => {
    const envBlock = dockerfile.split('\n').filter((l) => /^\s*(ENV|ARG)\b/.test(l) || /^\s+\S+=/.test(l)).join('\n');
    const names = toEnv({ stack: 'dev', redis: { host: 'redis' }, remote: { endPoint: 'x', bucket: 'b', accessKey: 'a', prefix: 'p/' } }).map((e) => e.split('=')[0]);
    for (const name of [...names, 'BACKUP_DIR', 'BACKUP_GZIP_LEVEL', 'PG_DUMP_COMPRESS', 'DOCKER_SOCKET']) {
      assert.ok(!new RegExp(`\\b${name}=`).test(envBlock), `${name} is set in the Dockerfile`);
    }
  });

  it('runs and health-checks the engine where the job client execs it, built with the contract', () => {
    assert.ok(dockerfile.includes(`CMD ["node", "${JOB_MAIN}", "job"]`));
    assert.ok(dockerfile.includes(`CMD ["node", "${JOB_MAIN}", "status", "--json"]`));
    assert.match(dockerfile, /^COPY contract\/ \.\/contract\/$/m);
  });

  it('the engine imports nothing outside its folder, and the contract nothing but Node built-ins', () => {
    const specifiers = (file: string): string[] => [...fs.readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    const engine = fs.readdirSync(ENGINE_DIR).filter((f) => f.endsWith('.ts')).map((f) => path.join(ENGINE_DIR, f));
    const contractDir = path.join(ENGINE_DIR, 'contract');
    const contract = fs.readdirSync(contractDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(contractDir, f));
    for (const file of [...engine, ...contract]) {
      for (const s of specifiers(file)) assert.ok(!s.startsWith('..') || path.resolve(path.dirname(file), s).startsWith(ENGINE_DIR + path.sep), `${path.basename(file)} imports ${s}`);
    }
    for (const file of contract) {
      for (const s of specifiers(file)) assert.ok(s.startsWith('./') || builtinModules.includes(s), `contract/${path.basename(file)} imports ${s}`);
    }
  });
});
