// The live layer's own rules that need no Docker engine: loud failure on anything it does
// not implement, secrets handling, durations, random options, build-context filtering.
import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { extract } from 'tar-stream';
import * as pulumi from '@pulumi/pulumi';
import { buildCreateOptions } from './engine/resources/container';
import { durationToNanos } from './engine/durations';
import { generateRandomString, randomPasswordState } from './engine/resources/random';
import { unwrapSecrets, wrapSecret } from './engine/secrets';
import { packContext } from './engine/build-context';
import { LiveMocks } from './engine/mocks';
import { StackState } from './engine/state';
import { resolveStackConfig } from './engine/config';
import { dockerClient } from './engine/docker-client';

describe('live engine rules (no Docker needed)', function () {
  it('refuses a container argument it does not translate, naming it', function () {
    assert.throws(() => buildCreateOptions('c', { image: 'x', gpus: 'all' }, 'h'), /Container "c" argument\(s\) not implemented: gpus/);
    assert.throws(() => buildCreateOptions('c', { image: 'x', networksAdvanced: [{ name: 'n', ipv4Address: '10.0.0.2' }] }, 'h'), /networksAdvanced.ipv4Address/);
    assert.throws(() => buildCreateOptions('c', { image: 'x', healthcheck: { tests: ['CMD', 'true'], startInterval: '1s' } }, 'h'), /startInterval/);
  });

  it('translates the provider arguments the program uses', function () {
    const { opts, extraNetworks } = buildCreateOptions('c', {
      name: 'imstack-dev-backend-1', image: 'sha256:abc', envs: ['A=1'], command: ['node', 'x.js'], entrypoints: ['/bin/sh', '-c'],
      labels: [{ label: 'com.imstack.stack', value: 'dev' }], ports: [{ internal: 4000, external: 14000, ip: '127.0.0.1', protocol: 'tcp' }],
      networkMode: 'data', networksAdvanced: [{ name: 'data', aliases: [] }, { name: 'edge', aliases: ['backend'] }],
      volumes: [{ volumeName: 'v', containerPath: '/d', readOnly: true }], healthcheck: { tests: ['CMD', 'true'], interval: '5s', timeout: '3s', startPeriod: '1m30s', retries: 4 },
      restart: 'unless-stopped', memory: 512, cpus: '1.5', logDriver: 'json-file', logOpts: { 'max-size': '10m' }, securityOpts: ['no-new-privileges:true'],
      readOnly: true, tmpfs: { '/tmp': 'rw,size=64m' }, user: '1000', init: true, hostname: 'backend-1', wait: true, waitTimeout: 120, destroyGraceSeconds: 30,
    }, 'hash');
    assert.strictEqual(opts.HostConfig?.NetworkMode, 'data');
    assert.deepStrictEqual(extraNetworks.map((n) => n.name), ['edge']);
    assert.deepStrictEqual(opts.HostConfig?.PortBindings, { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: '14000' }] });
    assert.deepStrictEqual(opts.HostConfig?.Binds, ['v:/d:ro']);
    assert.strictEqual(opts.HostConfig?.Memory, 512 * 1024 * 1024);
    assert.strictEqual(opts.HostConfig?.NanoCpus, 1.5e9);
    assert.strictEqual(opts.Healthcheck?.StartPeriod, 90e9);
    assert.strictEqual(opts.HostConfig?.ReadonlyRootfs, true);
    assert.strictEqual(opts.Labels?.['com.imstack.live'], '1');
  });

  it('fails loudly on an unknown resource type or invoke', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-'));
    const mocks = new LiveMocks({ docker: dockerClient(), projectDir: dir, state: new StackState(path.join(dir, 's.json')), log: () => undefined });
    await assert.rejects(mocks.newResource({ type: 'docker:index/service:Service', name: 's', inputs: {}, custom: true }), /resource type docker:index\/service:Service is not implemented/);
    assert.throws(() => mocks.call({ token: 'docker:index/getNetwork:getNetwork', inputs: {} } as unknown as pulumi.runtime.MockCallArgs), /invoke docker:index\/getNetwork:getNetwork is not implemented/);
    await assert.rejects(mocks.newResource({ type: 'random:index/randomPassword:RandomPassword', name: 'p', inputs: { length: 8, bcryptCost: 4 }, custom: true }), /bcryptCost/);
  });

  it('scrubs secrets out of failure messages', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-'));
    const mocks = new LiveMocks({ docker: dockerClient(), projectDir: dir, state: new StackState(path.join(dir, 's.json')), log: () => undefined });
    await assert.rejects(
      mocks.newResource({ type: 'command:local:Command', name: 'c', inputs: { create: 'echo "$PW" >&2; exit 3', environment: { PW: wrapSecret('hunter2-secret') } }, custom: true }),
      (e: Error) => /exited with code 3/.test(e.message) && !e.message.includes('hunter2-secret') && e.message.includes('[secret]'),
    );
  });

  it('keeps a generated password while its inputs are unchanged, and rotates it when keepers change', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-'));
    const file = path.join(dir, 's.json');
    const make = () => new LiveMocks({ docker: dockerClient(), projectDir: dir, state: new StackState(file), log: () => undefined });
    const args = (rotation: string) => ({ type: 'random:index/randomPassword:RandomPassword', name: 'pw', inputs: { length: 16, special: false, keepers: { rotation } }, custom: true });
    const a = unwrapSecrets<{ result: string }>((await make().newResource(args('0'))).state);
    const b = unwrapSecrets<{ result: string }>((await make().newResource(args('0'))).state);
    const c = unwrapSecrets<{ result: string }>((await make().newResource(args('1'))).state);
    assert.strictEqual(a.result, b.result);
    assert.notStrictEqual(a.result, c.result);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('random strings respect classes, minimums and overrideSpecial', function () {
    for (let i = 0; i < 50; i++) {
      const s = generateRandomString({ length: 12, upper: false, special: true, overrideSpecial: '-_', minSpecial: 3, minNumeric: 2 });
      assert.match(s, /^[a-z0-9_-]{12}$/);
      assert.ok((s.match(/[-_]/g) ?? []).length >= 3);
      assert.ok((s.match(/[0-9]/g) ?? []).length >= 2);
    }
    const st = randomPasswordState({ length: 20, special: false });
    assert.ok(pulumi.runtime.specialSigKey in (st.result as object), 'result must be returned as a secret');
  });

  it('parses Go durations and rejects nonsense', function () {
    assert.strictEqual(durationToNanos('1m30s', 'x'), 90e9);
    assert.strictEqual(durationToNanos('250ms', 'x'), 250e6);
    assert.throws(() => durationToNanos('5 seconds', 'healthcheck.interval'), /healthcheck.interval/);
  });

  it('packs a build context honouring .dockerignore, always keeping the Dockerfile', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM x\n');
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'node_modules\n*.log\nDockerfile\n');
    fs.mkdirSync(path.join(dir, 'node_modules', 'a'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'a', 'i.js'), '');
    fs.writeFileSync(path.join(dir, 'debug.log'), '');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'main.ts'), '');
    const names: string[] = [];
    const ex = extract();
    ex.on('entry', (h, s, next) => { names.push(h.name); s.on('end', next); s.resume(); });
    await new Promise<void>((resolve, reject) => { ex.on('finish', () => resolve()); ex.on('error', reject); packContext(dir).pipe(ex); });
    assert.deepStrictEqual(names.sort(), ['.dockerignore', 'Dockerfile', 'src', 'src/main.ts']);
  });

  it('reads the real stack file and applies --path overrides without losing siblings', function () {
    const root = path.resolve(__dirname, '../..');
    const cfg = resolveStackConfig({ projectDir: root, stack: 'dev', overrides: { 'images.postgres': 'imstack-sub/postgres:16', 'ports.http': 18080 } });
    const ports = JSON.parse(cfg.all['imstack:ports']) as Record<string, number>;
    assert.strictEqual(ports.http, 18080);
    assert.strictEqual(ports.postgres, 5432);
    assert.strictEqual(JSON.parse(cfg.all['imstack:images']).postgres, 'imstack-sub/postgres:16');
    assert.strictEqual(cfg.all['imstack:environment'], 'dev');
  });
});
