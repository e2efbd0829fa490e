// Issue 15, item 6 on a running dev stack (stack edgehard): what nginx answers itself (400, 413,
// maintenance 503) on API routes and pages, the upload limit at its exact value, revalidation of
// static files, one Cache-Control on the SPA index, the CSP, the object store refusing unsigned
// and wrongly signed requests, no generated secret in any container's configured environment,
// and the app's and the backup job's separate SeaweedFS identities (the minio engine's own
// bucket-scoped backup user is checked on a minio stack by objectstore/migration.test.ts).
import assert from 'assert';
import fs from 'fs';
import http from 'http';
import net from 'net';
import * as Minio from 'minio';
import type Docker from 'dockerode';
import { dockerClient } from '../engine/docker-client';
import { containerFile, containerS3Credentials, envOf, execIn } from './containerFiles';
import { stateFileFor } from '../engine/run-stack';
import { SECRET_VARIABLES } from '../../support/secretVariables';
import { SEAWEEDFS_S3_CONFIG_PATH } from '../../../components/objectStore/seaweedfsRuntime';
import { SEAWEEDFS_UID } from '../../../components/objectStore/seaweedfsIdentities';
import { requireLive } from '../support';
import { AppApi, Conversation, DevStackRun, eventually, purgeLeftovers, Session, stateDirFor, uniqueName, upDevStack } from './support';

const STACK = 'edgehard';
const SECURITY_HEADERS = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy', 'permissions-policy'];
const MAINTENANCE_FLAG = '/var/lib/imstack/maintenance/on';
interface RawResponse { status: number; headers: Array<[string, string]>; body: string }

/** One request written byte for byte (nginx must see it malformed), read until the server closes. */
function rawRequest(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    const chunks: Buffer[] = [];
    s.setTimeout(30000, () => s.destroy(new Error('no answer within 30 s')));
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(all.slice(0, 200))}`));
      const [statusLine, ...lines] = all.slice(0, end).split('\r\n');
      const headers = lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: all.slice(end + 4) });
    });
  });
}

/** A GET through node's http client, keeping repeated headers apart (fetch joins them). */
function get(port: number, p: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.setTimeout(30000, () => req.destroy(new Error(`GET ${p}: no answer within 30 s`)));
    req.on('error', reject);
  });
}

function header(r: RawResponse, name: string): string[] {
  return r.headers.filter(([k]) => k === name).map(([, v]) => v);
}

function assertSecurityHeaders(what: string, r: RawResponse): void {
  const missing = SECURITY_HEADERS.filter((h) => header(r, h).length !== 1);
  assert.deepStrictEqual(missing, [], `${what}: security headers missing or repeated: ${missing.join(', ')} (got ${r.headers.map(([k]) => k).join(', ')})`);
}

function assertJsonError(what: string, r: RawResponse, status: number): { error: string; message: string } {
  assert.strictEqual(r.status, status, `${what}: status ${r.status}, body ${r.body.slice(0, 200)}`);
  assert.match(header(r, 'content-type')[0] ?? '', /^application\/json/, `${what}: content-type ${header(r, 'content-type')}`);
  const body = JSON.parse(r.body) as { error: string; message: string };
  assert.ok(typeof body.error === 'string' && body.error.length > 0 && typeof body.message === 'string' && body.message.length > 0, `${what}: body ${r.body}`);
  assertSecurityHeaders(what, r);
  return body;
}

/** Every RandomPassword the live layer generated for the stack (its state file, like Pulumi's). */
function generatedPasswords(): string[] {
  const state = JSON.parse(fs.readFileSync(stateFileFor(STACK, stateDirFor(STACK)), 'utf8')) as { resources: Record<string, { type: string; state: { result?: { value?: string } } }> };
  return Object.values(state.resources).filter((r) => r.type === 'random:index/randomPassword:RandomPassword').map((r) => String(r.state.result?.value ?? '')).filter((v) => v.length >= 16);
}

describe('edge and secret hardening on the dev stack (issue 15, item 6)', function () {
  const docker = dockerClient();
  let run: DevStackRun | undefined;
  let api: AppApi;
  let port = 0;
  let user: Session;
  let conv: Conversation;
  const uploadMb = 10; // Pulumi.dev.yaml limits.uploadMb

  before(async function () {
    await requireLive(this);
    await purgeLeftovers(docker, STACK);
    run = await upDevStack(STACK);
    assert.deepStrictEqual(run.live.errors, []);
    port = run.ports.http;
    api = new AppApi(`http://127.0.0.1:${port}`);
    user = await api.register(uniqueName('edge'), 'correct-horse-battery');
    conv = await api.group(user, [], 'edge hardening');
  });

  after(async function () {
    if (run && process.env.IMSTACK_LIVE_KEEP !== '1') await run.live.teardown({ purge: true });
  });

  it('nginx answers a malformed request on an API route with a JSON 400 and the security headers; on a page with HTML', async function () {
    const apiBad = await rawRequest(port, 'GET /api/me%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assertJsonError('400 on /api/', apiBad, 400);
    const pageBad = await rawRequest(port, 'GET /%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.strictEqual(pageBad.status, 400);
    assert.match(header(pageBad, 'content-type')[0] ?? '', /^text\/html/);
    assertSecurityHeaders('400 on a page', pageBad);
  });

  it('nginx answers a body over its limit on an API route with a JSON 413 and the security headers', async function () {
    const big = (uploadMb + 5) * 1024 * 1024;
    const r = await rawRequest(port, `POST /api/conversations/${conv.id}/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${user.accessToken}\r\n` +
      `Content-Type: multipart/form-data; boundary=x\r\nContent-Length: ${big}\r\nConnection: close\r\n\r\n`);
    assertJsonError('413 from nginx', r, 413);
  });

  it('accepts a file of exactly the upload limit through nginx, and the backend refuses one byte more with its JSON 413', async function () {
    const exact = Buffer.alloc(uploadMb * 1024 * 1024, 0x61);
    const meta = await api.upload(user, conv.id, 'exact.txt', 'text/plain', exact);
    assert.strictEqual(meta.size, exact.length);
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(exact.length + 1, 0x62)], { type: 'text/plain' }), 'over.txt');
    const over = await api.call('POST', `/api/conversations/${conv.id}/files`, { token: user.accessToken, body: form });
    assert.strictEqual(over.status, 413, over.body.toString('utf8').slice(0, 200));
    assert.strictEqual(over.json<{ error: string }>().error, 'payload_too_large');
  });

  it('maintenance: API routes get a JSON 503 with Retry-After, pages the HTML page, both with the security headers', async function () {
    const nginx = `imstack-${STACK}-nginx`;
    assert.strictEqual((await execIn(docker, nginx, ['touch', MAINTENANCE_FLAG])).code, 0);
    try {
      const apiDown = await get(port, '/api/me', { authorization: `Bearer ${user.accessToken}` });
      const body = assertJsonError('maintenance on /api/', apiDown, 503);
      assert.strictEqual(body.error, 'maintenance');
      assert.ok(Number(header(apiDown, 'retry-after')[0]) > 0, 'Retry-After');
      const page = await get(port, '/');
      assert.strictEqual(page.status, 503);
      assert.match(header(page, 'content-type')[0] ?? '', /^text\/html/);
      assert.match(page.body, /maintenance/i);
      assertSecurityHeaders('maintenance page', page);
    } finally {
      await execIn(docker, nginx, ['rm', '-f', MAINTENANCE_FLAG]);
    }
    assert.strictEqual((await get(port, '/api/me', { authorization: `Bearer ${user.accessToken}` })).status, 200);
  });

  it('serves the SPA index with exactly one Cache-Control header', async function () {
    const r = await get(port, '/');
    assert.strictEqual(r.status, 200);
    assert.deepStrictEqual(header(r, 'cache-control'), ['no-cache']);
  });

  it('revalidates static files with 304: the web index (ETag and Last-Modified), a hashed asset and a Next static file', async function () {
    const check = async (p: string) => {
      const first = await get(port, p);
      assert.strictEqual(first.status, 200, `${p}: ${first.status}`);
      const etag = header(first, 'etag')[0];
      const modified = header(first, 'last-modified')[0];
      assert.ok(etag, `${p} has no ETag`);
      assert.ok(modified, `${p} has no Last-Modified`);
      const byTag = await get(port, p, { 'if-none-match': etag });
      assert.strictEqual(byTag.status, 304, `${p} with If-None-Match ${etag}: ${byTag.status}`);
      assert.strictEqual(byTag.body, '');
      assert.strictEqual(header(byTag, 'cache-control').length, 1, `${p} 304 Cache-Control: ${header(byTag, 'cache-control')}`);
      const byDate = await get(port, p, { 'if-modified-since': modified });
      assert.strictEqual(byDate.status, 304, `${p} with If-Modified-Since ${modified}: ${byDate.status}`);
      return first;
    };
    const index = await check('/');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    assert.ok(asset, `no /assets/ script in the index: ${index.body.slice(0, 300)}`);
    await check(asset);
    const nextPage = await eventually(async () => {
      const r = await get(port, '/next/login');
      return r.status === 200 ? r : undefined;
    }, 60000, '/next/login answering 200');
    const nextStatic = /(\/next\/_next\/static\/[^"'\s]+\.js)/.exec(nextPage.body)?.[1];
    assert.ok(nextStatic, 'no /next/_next/static/ script in /next/login');
    await check(nextStatic);
  });

  it('allows inline scripts only under /next/: the SPA and the API get script-src without unsafe-inline', async function () {
    const scriptSrc = (r: RawResponse) => header(r, 'content-security-policy')[0]?.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) ?? '';
    const index = await get(port, '/');
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(index.body), 'the web index has an inline script');
    for (const p of ['/', '/api/me', '/health']) {
      const r = await get(port, p);
      assert.strictEqual(scriptSrc(r), "script-src 'self'", `${p}: ${scriptSrc(r)}`);
    }
    const next = await get(port, '/next/login');
    assert.strictEqual(next.status, 200);
    // Next.js streams its render payload in inline <script> elements (self.__next_f.push).
    assert.match(next.body, /<script>[^<]*self\.__next_f/, 'Next renders inline scripts');
    assert.match(scriptSrc(next), /'unsafe-inline'/, `/next/login: ${scriptSrc(next)}`);
  });

  it('the object store refuses unsigned and wrongly signed requests; signed and presigned ones work', async function () {
    const minioPort = run!.ports.minioApi;
    const s3 = await containerS3Credentials(docker, `imstack-${STACK}-backend-1`);
    const good = new Minio.Client({ endPoint: '127.0.0.1', port: minioPort, useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' });
    await good.putObject(s3.bucket, 'edge/probe.txt', Buffer.from('signed'));
    const unsigned = async (method: string, p: string, body?: string) => {
      const res = await fetch(`http://127.0.0.1:${minioPort}${p}`, { method, body });
      await res.arrayBuffer();
      return res.status;
    };
    assert.strictEqual(await unsigned('GET', `/${s3.bucket}/edge/probe.txt`), 403, 'unsigned GET');
    assert.strictEqual(await unsigned('PUT', `/${s3.bucket}/edge/unsigned.txt`, 'x'), 403, 'unsigned PUT');
    assert.strictEqual(await unsigned('DELETE', `/${s3.bucket}/edge/probe.txt`), 403, 'unsigned DELETE');
    assert.strictEqual(await unsigned('GET', `/${s3.bucket}?list-type=2`), 403, 'unsigned list');
    const wrong = new Minio.Client({ endPoint: '127.0.0.1', port: minioPort, useSSL: false, accessKey: s3.accessKey, secretKey: `${s3.secretKey}x`, region: 'us-east-1' });
    await assert.rejects(wrong.getObject(s3.bucket, 'edge/probe.txt'), (e: Error & { code?: string }) => e.code === 'SignatureDoesNotMatch', 'a wrong secret key is refused');
    await assert.rejects(wrong.removeObject(s3.bucket, 'edge/probe.txt'), (e: Error & { code?: string }) => e.code === 'SignatureDoesNotMatch');
    const url = await good.presignedGetObject(s3.bucket, 'edge/probe.txt', 60);
    const presigned = await fetch(url);
    assert.strictEqual(presigned.status, 200);
    assert.strictEqual(await presigned.text(), 'signed');
    const tampered = await fetch(url.replace('probe.txt', 'other.txt'));
    assert.strictEqual(tampered.status, 403, 'a presigned URL for another key');
    const stat = await good.statObject(s3.bucket, 'edge/probe.txt');
    assert.strictEqual(stat.size, 6, 'the unsigned and wrongly signed DELETEs removed nothing');
  });

  it('docker inspect shows no generated secret in any container environment; secrets are files of mode 0400', async function () {
    const passwords = generatedPasswords();
    assert.ok(passwords.length >= 6, `generated passwords found: ${passwords.length}`);
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const leaks: string[] = [];
    const files: Array<{ container: string; file: string }> = [];
    for (const c of cs) {
      const info = await docker.getContainer(c.Id).inspect();
      const name = info.Name.replace(/^\//, '');
      for (const [k, v] of envOf(info)) {
        if (SECRET_VARIABLES.includes(k)) leaks.push(`${name}: ${k} is set`);
        if (passwords.some((p) => v.includes(p))) leaks.push(`${name}: ${k} holds a generated password`);
        if (k.endsWith('_FILE') && SECRET_VARIABLES.includes(k.slice(0, -5))) files.push({ container: name, file: v });
      }
      if (passwords.some((p) => JSON.stringify(info.Config.Cmd ?? []).includes(p) || JSON.stringify(info.Config.Entrypoint ?? []).includes(p))) leaks.push(`${name}: command line holds a generated password`);
    }
    assert.deepStrictEqual(leaks, []);
    const names = new Set(files.map((f) => f.container.replace(`imstack-${STACK}-`, '')));
    for (const svc of ['postgres', 'seaweedfs-init', 'backend-1', 'backup']) assert.ok(names.has(svc), `${svc} reads no secret from a file (have ${[...names].join(', ')})`);
    for (const f of files) {
      const st = await containerFile(docker, f.container, f.file);
      assert.strictEqual(st.mode, 0o400, `${f.container}:${f.file} mode ${st.mode.toString(8)}`);
      // The list of earlier backup keys is empty until the first rotation; seaweedfs-init empties
      // its file as it reads it (the next test).
      if (!f.file.endsWith('/backup-previous-keys') && !f.container.endsWith('-seaweedfs-init')) assert.ok(st.body.length > 0, `${f.container}:${f.file} is empty`);
    }
    // The gateway reads its keys from its identities file (never its environment): 0400, its own user's.
    const gateway = `imstack-${STACK}-seaweedfs`;
    const config = await containerFile(docker, gateway, SEAWEEDFS_S3_CONFIG_PATH);
    assert.strictEqual(config.mode, 0o400, `${SEAWEEDFS_S3_CONFIG_PATH} mode ${config.mode.toString(8)}`);
    assert.strictEqual(config.uid, SEAWEEDFS_UID, `${SEAWEEDFS_S3_CONFIG_PATH} owner ${config.uid}`);
    const identities = (JSON.parse(config.body) as { identities: Array<{ name: string }> }).identities.map((i) => i.name).sort();
    assert.deepStrictEqual(identities, ['admin', 'app']);
  });

  it('the app and the backup job have separate identities: the app is kept to its bucket, the exited seaweedfs-init keeps no key', async function () {
    const backup = `imstack-${STACK}-backup`;
    const app = await containerS3Credentials(docker, `imstack-${STACK}-backend-1`);
    const job = await containerS3Credentials(docker, backup);
    assert.notStrictEqual(job.accessKey, app.accessKey, 'the backup job uses the app identity');
    assert.notStrictEqual(job.secretKey, app.secretKey);
    const port = run!.ports.minioApi;
    const client = (c: { accessKey: string; secretKey: string }) => new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: c.accessKey, secretKey: c.secretKey, region: 'us-east-1' });
    const asApp = client(app);
    await assert.rejects(asApp.makeBucket('edgehard-other', 'us-east-1'), (e: Error & { code?: string }) => e.code === 'AccessDenied', 'the app identity may create buckets');
    const asBackup = client(job);
    await asBackup.putObject(job.bucket, 'edge/backup-probe.txt', Buffer.from('b'));
    await asBackup.removeObject(job.bucket, 'edge/backup-probe.txt');
    const done = await execIn(docker, backup, ['node', '/opt/imstack-backup/dist/main.js', 'backup']);
    assert.strictEqual(done.code, 0, `backup with the job's identity failed:\n${done.out.slice(-2000)}`);
    const init = await docker.getContainer(`imstack-${STACK}-seaweedfs-init`).inspect();
    assert.strictEqual(init.State.ExitCode, 0);
    const initFiles = [...envOf(init)].filter(([k, v]) => k.endsWith('_FILE') && v.startsWith('/run/secrets/'));
    assert.ok(initFiles.length >= 1, `seaweedfs-init reads its key from a file: ${[...envOf(init).keys()].join(', ')}`);
    for (const [k, v] of initFiles) {
      assert.strictEqual((await containerFile(docker, `imstack-${STACK}-seaweedfs-init`, v)).body, '', `seaweedfs-init still holds ${k} after it exited`);
    }
  });
});
