// The issue's end-to-end flows on the dev stack, all through nginx on 127.0.0.1: the real
// program under its own stack name (e2edev), brought up once, then exercised in order
// (later flows rely on the data earlier ones wrote), rotated, torn down and purged.
import assert from 'assert';
import crypto from 'crypto';
import { Client } from 'pg';
import WebSocket from 'ws';
import { dockerClient } from '../engine/docker-client';
import { requireLive } from '../support';
import { AppApi, Attachment, Conversation, DevStackRun, eventually, memoryReport, Message, purgeLeftovers, Session, seedMessages, sleep, uniqueName, upDevStack } from './support';

const STACK = 'e2edev';
const SECURITY_HEADERS = ['x-content-type-options', 'x-frame-options', 'content-security-policy', 'referrer-policy'];

const duplicated = new Set<string>();

/**
 * Present on the response; where the upstream sets one too and nginx adds its own, the
 * header arrives twice ("nosniff, nosniff"): tolerated when the copies agree (browsers use
 * the first/only value), a failure when they conflict. Duplicates are reported at the end.
 */
function assertSecurityHeaders(what: string, h: Headers): void {
  const missing = SECURITY_HEADERS.filter((n) => !h.get(n));
  assert.deepStrictEqual(missing, [], `${what}: missing security headers ${missing.join(', ')}`);
  for (const n of ['x-content-type-options', 'x-frame-options', 'referrer-policy']) {
    const values = h.get(n)!.split(',').map((v) => v.trim());
    assert.strictEqual(new Set(values).size, 1, `${what}: conflicting ${n} values: ${h.get(n)}`);
    // nginx hides the upstreams' copies (proxy_hide_header), so each header arrives once.
    assert.strictEqual(values.length, 1, `${what}: ${n} arrives ${values.length} times: ${h.get(n)}`);
    if (values.length > 1) duplicated.add(`${n} on ${what}`);
  }
  assert.strictEqual(h.get('x-content-type-options')!.split(',')[0].trim(), 'nosniff', what);
}

/** Can `user` log in to postgres on 127.0.0.1:port? false only for a refused password. */
async function pgLogin(port: number, url: string): Promise<boolean> {
  const u = new URL(url);
  const c = new Client({ host: '127.0.0.1', port, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch (e) {
    if (/password authentication failed/.test((e as Error).message)) return false;
    throw new Error(`postgres on 127.0.0.1:${port}: ${(e as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('e2e flows on the dev stack (through nginx)', function () {
  const docker = dockerClient();
  let run: DevStackRun | undefined;
  let api: AppApi;
  let alice: Session;
  let bob: Session;
  let conv: Conversation;
  let posted: Message[] = [];
  let file: { meta: Attachment; data: Buffer } | undefined;
  let firstDatabaseUrl = '';

  before(async function () {
    await requireLive(this);
    await purgeLeftovers(docker, STACK);
  });

  after(async function () {
    if (run && process.env.IMSTACK_LIVE_KEEP !== '1') await run.live.teardown({ purge: true });
  });

  it('1. up: every container healthy (time from start to healthy)', async function () {
    const started = Date.now();
    run = await upDevStack(STACK);
    assert.deepStrictEqual(run.live.errors, []);
    api = new AppApi(`http://127.0.0.1:${run.ports.http}`);
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const services = new Set(cs.map((c) => c.Labels['com.imstack.service']));
    for (const s of ['postgres', 'redis', 'seaweedfs', 'seaweedfs-init', 'backend', 'web', 'next', 'nginx']) assert.ok(services.has(s), `no ${s} container (have ${[...services].join(', ')})`);
    for (const c of cs) {
      const info = await docker.getContainer(c.Id).inspect();
      const name = info.Name.replace(/^\//, '');
      if (info.State.Running) {
        if (info.Config.Healthcheck?.Test && info.Config.Healthcheck.Test[0] !== 'NONE') assert.strictEqual(info.State.Health?.Status, 'healthy', `${name} is ${info.State.Health?.Status}`);
      } else {
        assert.strictEqual(info.State.ExitCode, 0, `${name} exited ${info.State.ExitCode}`);
      }
    }
    console.log(`      up to healthy: ${((Date.now() - started) / 1000).toFixed(1)}s (runStack ${run.seconds.toFixed(1)}s, program ${run.live.seconds.toFixed(1)}s)`);
    console.log(`      memory: ${(await memoryReport(docker, STACK)).join(', ')}`);
    firstDatabaseUrl = run.live.output<string>('databaseUrl');
    assert.strictEqual(run.live.outputs.databaseUrl.secret, true, 'databaseUrl must be a secret output');
  });

  it('2. two users, a conversation, 200 messages, history paged backwards without gaps or duplicates', async function () {
    assert.ok(run, 'stack is not up');
    alice = await api.register(uniqueName('alice'), 'alice-password-1');
    bob = await api.register(uniqueName('bob'), 'bob-password-1');
    conv = await api.group(alice, [bob], 'e2e');
    const t = Date.now();
    posted = [
      ...(await seedMessages(api, alice, conv.id, 100, 'a')),
      ...(await seedMessages(api, bob, conv.id, 100, 'b')),
    ];
    console.log(`      posted 200 messages in ${((Date.now() - t) / 1000).toFixed(1)}s (paced under nginx's rate limit)`);
    const { messages, pages } = await api.history(bob, conv.id, 50);
    assert.strictEqual(pages, 4, 'limit 50 over 200 messages is 4 pages');
    const ids = messages.map((m) => m.id);
    assert.strictEqual(new Set(ids).size, ids.length, 'duplicate message ids across pages');
    assert.deepStrictEqual(ids, posted.map((m) => m.id).reverse(), 'history (newest first) differs from what was posted');
    for (let i = 1; i < ids.length; i++) assert.ok(BigInt(ids[i]) < BigInt(ids[i - 1]), `ids not strictly descending at ${i}`);
    assert.strictEqual(messages[0].body, 'b-0100');
    assert.strictEqual(messages[199].body, 'a-0001');
  });

  it('3. websocket: a live message arrives at the other user', async function () {
    assert.ok(conv, 'no conversation');
    const ws = new WebSocket(`ws://127.0.0.1:${run!.ports.http}/ws?token=${encodeURIComponent(bob.accessToken)}`);
    const received: Message[] = [];
    ws.on('message', (raw) => {
      const ev = JSON.parse(raw.toString()) as { type: string; message?: Message };
      if (ev.type === 'message' && ev.message) received.push(ev.message);
    });
    try {
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      const pong = new Promise<string>((resolve) => ws.on('message', (raw) => { if (JSON.parse(raw.toString()).type === 'pong') resolve('pong'); }));
      ws.send(JSON.stringify({ type: 'ping' }));
      assert.strictEqual(await pong, 'pong');
      const sent = await api.post(alice, conv.id, `live ${crypto.randomUUID()}`);
      posted.push(sent);
      const got = await eventually(async () => received.find((m) => m.id === sent.id), 5000, 'the live message at bob');
      assert.strictEqual(got.body, sent.body);
      assert.strictEqual(got.conversationId, conv.id);
      assert.strictEqual(got.senderId, alice.user.id);
    } finally {
      ws.close();
    }
  });

  it('4. upload a file and download it byte-equal; a non-member gets 403', async function () {
    assert.ok(conv, 'no conversation');
    const data = crypto.randomBytes(300 * 1024);
    const meta = await api.upload(alice, conv.id, 'e2e.pdf', 'application/pdf', data);
    assert.strictEqual(meta.size, data.length);
    posted.push(await api.post(alice, conv.id, 'with a file', meta.id));
    file = { meta, data };
    const got = await api.call('GET', `/api/files/${meta.id}`, { token: bob.accessToken });
    assert.strictEqual(got.status, 200, got.body.toString().slice(0, 200));
    assert.strictEqual(got.headers.get('content-type'), 'application/pdf');
    assert.ok(got.body.equals(data), `downloaded ${got.body.length} bytes differ from the ${data.length} uploaded`);
    const mallory = await api.register(uniqueName('mallory'), 'mallory-password-1');
    const denied = await api.call('GET', `/api/files/${meta.id}`, { token: mallory.accessToken });
    assert.strictEqual(denied.status, 403, denied.body.toString().slice(0, 200));
    const deniedHistory = await api.call('GET', `/api/conversations/${conv.id}/messages`, { token: mallory.accessToken });
    assert.strictEqual(deniedHistory.status, 403);
  });

  it('5. /health fully ok; security headers on every kind of response (page, asset, JSON, 404, /next)', async function () {
    assert.ok(run, 'stack is not up');
    const h = await api.health();
    assert.strictEqual(h.status, 200, JSON.stringify(h.body));
    assert.deepStrictEqual(h.body, { status: 'ok', checks: { postgres: 'ok', redis: 'ok', s3: 'ok' } });

    const page = await api.call('GET', '/');
    assert.strictEqual(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assertSecurityHeaders('web page /', page.headers);
    const asset = /(?:src|href)="(\/assets\/[^"]+)"/.exec(page.body.toString())?.[1];
    assert.ok(asset, `the web page references no /assets/ file:\n${page.body.toString().slice(0, 500)}`);
    const a = await api.call('GET', asset);
    assert.strictEqual(a.status, 200, asset);
    assertSecurityHeaders(`asset ${asset}`, a.headers);

    const json = await api.call('GET', '/api/me', { token: alice.accessToken });
    assert.strictEqual(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /application\/json/);
    assertSecurityHeaders('/api JSON', json.headers);
    assertSecurityHeaders('/health', (await api.raw('GET', '/health')).headers);

    const missingApi = await api.call('GET', '/api/no-such-route', { token: alice.accessToken });
    assert.strictEqual(missingApi.status, 404);
    assertSecurityHeaders('/api 404', missingApi.headers);
    const missingAsset = await api.call('GET', '/assets/no-such-file.js');
    assert.strictEqual(missingAsset.status, 404);
    assertSecurityHeaders('/assets 404', missingAsset.headers);

    // Signed out, the Next admin app redirects to its login page: both responses count.
    const next = await api.call('GET', '/next');
    assert.ok([200, 307, 308].includes(next.status), `/next answered ${next.status}`);
    assertSecurityHeaders(`/next (${next.status})`, next.headers);
    const login = await api.call('GET', '/next/login');
    assert.strictEqual(login.status, 200, `/next/login answered ${login.status}`);
    assert.match(login.headers.get('content-type') ?? '', /text\/html/);
    assertSecurityHeaders('/next/login page', login.headers);
    const missingNext = await api.call('GET', '/next/no-such-page');
    assert.strictEqual(missingNext.status, 404);
    assertSecurityHeaders('/next 404', missingNext.headers);
    if (duplicated.size) console.log(`      NOTE duplicated (agreeing) headers, upstream + nginx: ${[...duplicated].join('; ')}`);
  });

  it('6. a burst above the rate limit gets 429 (with the security headers)', async function () {
    assert.ok(run, 'stack is not up');
    // dev: 20 r/s with a burst of 40 per client address; 120 at once must overflow it.
    const results = await Promise.all(Array.from({ length: 120 }, () => api.raw('GET', '/api/me', { token: alice.accessToken })));
    const by = new Map<number, number>();
    for (const r of results) by.set(r.status, (by.get(r.status) ?? 0) + 1);
    console.log(`      burst of 120: ${[...by].map(([s, n]) => `${n}x${s}`).join(', ')}`);
    const limited = results.find((r) => r.status === 429);
    assert.ok(limited, 'no 429 in a burst of 120');
    assert.ok((by.get(200) ?? 0) >= 20, 'the burst allowance let almost nothing through');
    assert.deepStrictEqual(limited.json<{ error: string }>().error, 'rate_limited');
    assert.ok(limited.headers.get('retry-after'), '429 without Retry-After');
    assertSecurityHeaders('429', limited.headers);
    await sleep(2500); // let the bucket refill before the next flows
  });

  it('7. restart postgres, redis and seaweedfs: every message and the file are still there', async function () {
    assert.ok(file, 'no file uploaded');
    const t = Date.now();
    // SeaweedFS flushes its volumes on SIGTERM, which takes longer than Docker's 10 s after writes:
    // the program gives it 60 s to stop, and so does this restart.
    for (const s of ['postgres', 'redis', 'seaweedfs']) await docker.getContainer(`imstack-${STACK}-${s}`).restart({ t: s === 'seaweedfs' ? 60 : 10 });
    await eventually(async () => (await api.health()).body.status === 'ok', 90000, '/health ok after the restarts');
    // Docker's own health state too, so the next run of the program sees healthy containers.
    for (const s of ['postgres', 'redis', 'seaweedfs']) {
      await eventually(async () => (await docker.getContainer(`imstack-${STACK}-${s}`).inspect()).State.Health?.Status === 'healthy', 90000, `${s} healthy again`);
    }
    console.log(`      restarts + /health ok again in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    const { messages } = await eventually(async () => api.history(alice, conv.id, 50), 30000, 'history after the restarts');
    assert.deepStrictEqual(messages.map((m) => m.id), posted.map((m) => m.id).reverse());
    const got = await eventually(async () => {
      const r = await api.call('GET', `/api/files/${file!.meta.id}`, { token: alice.accessToken });
      return r.status === 200 ? r : undefined;
    }, 30000, 'the file after the restarts');
    assert.ok(got.body.equals(file.data), 'the file changed across the restarts');
    // Sessions live in postgres/redis: an existing token still works and new writes succeed.
    posted.push(await api.post(bob, conv.id, 'after the restarts'));
  });

  it('8. rotation.postgres changed: the app keeps working and postgres refuses the old app password', async function () {
    assert.ok(run && firstDatabaseUrl, 'first run missing');
    assert.ok(await pgLogin(run.ports.postgres, firstDatabaseUrl), 'the first run\'s app password does not work before the rotation (no valid baseline)');
    const t = Date.now();
    const second = await upDevStack(STACK, { ports: run.ports, extra: { 'rotation.postgres': '1' } });
    run = second;
    assert.deepStrictEqual(second.live.errors, []);
    console.log(`      re-run with rotation.postgres=1 in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    const newUrl = second.live.output<string>('databaseUrl');
    assert.notStrictEqual(new URL(newUrl).password, new URL(firstDatabaseUrl).password, 'the app password did not change');
    assert.strictEqual(new URL(newUrl).username, new URL(firstDatabaseUrl).username);
    await eventually(async () => (await api.health()).body.status === 'ok', 60000, '/health ok after the rotation');
    alice = await api.login(alice.user.username, alice.password);
    const { messages } = await api.history(alice, conv.id, 50);
    assert.deepStrictEqual(messages.map((m) => m.id), posted.map((m) => m.id).reverse());
    posted.push(await api.post(alice, conv.id, 'after the rotation'));
    assert.strictEqual(await pgLogin(run.ports.postgres, firstDatabaseUrl), false, 'postgres still accepts the old app password');
    assert.strictEqual(await pgLogin(run.ports.postgres, newUrl), true, 'postgres refuses the new app password');
  });

  it('9. teardown removes containers and networks and keeps volumes; purge removes them', async function () {
    assert.ok(run, 'stack is not up');
    const filters = { label: [`com.imstack.stack=${STACK}`] };
    const volumesBefore = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name).sort();
    const wanted = ['postgres', 'redis', 'seaweedfs', 'backups'].map((s) => `imstack-${STACK}-${s}`);
    for (const v of wanted) assert.ok(volumesBefore.includes(v), `volume ${v} missing before teardown (have ${volumesBefore.join(', ')})`);

    const r = await run.live.teardown({ purge: false, keepState: true });
    assert.ok(r.containers.length >= 8, `teardown removed only ${r.containers.join(', ')}`);
    assert.deepStrictEqual(r.volumes, []);
    assert.deepStrictEqual(await docker.listContainers({ all: true, filters }), [], 'containers survived teardown');
    const byName = await docker.listContainers({ all: true, filters: { name: [`imstack-${STACK}-`] } });
    assert.deepStrictEqual(byName.map((c) => c.Names[0]), [], 'containers named for the stack survived teardown');
    assert.deepStrictEqual((await docker.listNetworks({ filters })).map((n) => n.Name), [], 'networks survived teardown');
    const kept = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name).sort();
    assert.deepStrictEqual(kept, volumesBefore, 'teardown without purge removed volumes');

    const purged = await run.live.teardown({ purge: true });
    assert.deepStrictEqual(purged.volumes.sort(), volumesBefore);
    assert.deepStrictEqual(((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name), [], 'volumes survived purge');
    run = undefined;
  });
});
