// DELETE /api/files/:id: who may, what readers see afterwards, and that the object and its row
// never part ways, whether the deletion is interrupted by a crash or by an object-store outage.
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import type * as Minio from 'minio';
import { loadConfig } from '../src/config';
import { createObjectClient } from '../src/object-storage';
import { admin, api, baseEnv, form, groupWith, needServices, register, startApp, type ApiResponse, type RunningApp, type TestUser } from './support/harness';
import type { SharedServices } from './support/shared';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { until } from './support/until';

const BUCKET = 'imstack-test';

interface FileRow {
  object_key: string;
  name: string;
  deleted_at: Date | null;
  purged_at: Date | null;
}

/** Straight to the bucket, not through the app: what is really stored. */
async function objectExists(minio: Minio.Client, key: string): Promise<boolean> {
  try {
    await minio.statObject(BUCKET, key);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFound') return false;
    throw err;
  }
}

function assertError(r: ApiResponse, status: number, code: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.body?.error, code, `${what}: ${r.text}`);
  assert.equal(typeof r.body?.message, 'string', `${what}: ${r.text}`);
}

/** The bits of a test's world shared by both suites below. */
function fixture(getApp: () => RunningApp, getPool: () => Pool) {
  const row = async (id: string): Promise<FileRow> => (await getPool().query<FileRow>('SELECT object_key, name, deleted_at, purged_at FROM files WHERE id = $1', [id])).rows[0];
  const upload = async (user: TestUser, conv: string, name = 'note.txt'): Promise<{ id: string; size: number; key: string }> => {
    const up = await api(getApp().url, 'POST', `/api/conversations/${conv}/files`, { token: user.accessToken, body: form(name, 'text/plain', `contents of ${name}`) });
    assert.equal(up.status, 201, up.text);
    return { id: up.body.id, size: up.body.size, key: (await row(up.body.id)).object_key };
  };
  const del = (id: string, user?: TestUser) => api(getApp().url, 'DELETE', `/api/files/${id}`, { token: user?.accessToken });
  const get = (id: string, user: TestUser) => api(getApp().url, 'GET', `/api/files/${id}`, { token: user.accessToken });
  const history = async (conv: string, user: TestUser) => {
    const r = await api(getApp().url, 'GET', `/api/conversations/${conv}/messages`, { token: user.accessToken });
    assert.equal(r.status, 200, r.text);
    return r.body.messages as { id: string; attachment: unknown; attachmentRemoved: boolean }[];
  };
  return { row, upload, del, get, history };
}

describe('file deletion: DELETE /api/files/:id', () => {
  let s: SharedServices;
  let app: RunningApp;
  let pool: Pool;
  let minio: Minio.Client;
  let alice: TestUser, bob: TestUser, eve: TestUser;
  let conv: string;
  const f = fixture(() => app, () => pool);

  before(async function () {
    s = needServices(this);
    // No periodic pass during these tests: each one says which step finishes a deletion.
    app = await startApp(s, {}, { deletionSweepIntervalMs: 3_600_000 });
    pool = new Pool({ connectionString: s.databaseUrl });
    minio = createObjectClient(loadConfig(baseEnv(s)).s3);
    [alice, bob, eve] = await Promise.all([register(app.url), register(app.url), register(app.url)]);
    conv = await groupWith(app.url, alice, [bob]);
    await groupWith(app.url, eve, []);
  });
  after(async () => {
    await app?.close();
    await pool?.end();
  });

  it('lets the uploader delete: 204, then GET 404, the object gone, a second delete 404, messages show it removed', async () => {
    const file = await f.upload(alice, conv, 'plan.txt');
    const plain = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'no attachment' } });
    const withIt = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'see file', attachmentId: file.id } });
    assert.equal(withIt.status, 201, withIt.text);
    assert.equal(withIt.body.attachmentRemoved, false);
    assert.equal(plain.body.attachmentRemoved, false);
    assert.ok(await objectExists(minio, file.key));

    const r = await f.del(file.id, alice);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');

    assertError(await f.get(file.id, bob), 404, 'not_found', 'GET by a member after deletion');
    assertError(await f.get(file.id, alice), 404, 'not_found', 'GET by the uploader after deletion');
    assert.equal(await objectExists(minio, file.key), false, 'the object must be gone from the bucket');
    const after = await f.row(file.id);
    assert.ok(after.deleted_at && after.purged_at, 'the row records a finished deletion');
    assert.equal(after.name, '', 'the file name goes with the file');
    assertError(await f.del(file.id, alice), 404, 'not_found', 'second delete');

    const msgs = await f.history(conv, bob);
    const seen = msgs.find((m) => m.id === withIt.body.id)!;
    assert.equal(seen.attachment, null);
    assert.equal(seen.attachmentRemoved, true);
    assert.equal(msgs.find((m) => m.id === plain.body.id)!.attachmentRemoved, false);
    const list = await api(app.url, 'GET', '/api/conversations', { token: bob.accessToken });
    const last = list.body.conversations.find((c: { id: string }) => c.id === conv).lastMessage;
    assert.equal(last.id, withIt.body.id);
    assert.equal(last.attachment, null);
    assert.equal(last.attachmentRemoved, true);

    const reattach = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'again', attachmentId: file.id } });
    assertError(reattach, 400, 'bad_attachment', 'attaching a deleted file');
  });

  it('answers 403 to another member, 404 to a non-member as to an unknown id, 400 to a bad id, 401 without a token', async () => {
    const file = await f.upload(alice, conv);
    assertError(await f.del(file.id, bob), 403, 'forbidden', 'another member');
    const outsider = await f.del(file.id, eve);
    const unknown = await f.del('00000000-0000-4000-8000-000000000000', eve);
    assertError(outsider, 404, 'not_found', 'a non-member');
    assertError(unknown, 404, 'not_found', 'an unknown id');
    assert.deepEqual(outsider.body, unknown.body, 'a non-member learns nothing an unknown id would not tell');
    assertError(await f.del('not-a-uuid', alice), 400, 'bad_id', 'a malformed id');
    assertError(await f.del('%00', alice), 400, 'invalid_text', 'a NUL in the id');
    assertError(await f.del(file.id), 401, 'unauthorized', 'no token');

    const still = await f.get(file.id, bob);
    assert.equal(still.status, 200, 'refused deletions leave the file served');
    assert.equal(still.text, 'contents of note.txt');
    assert.ok(await objectExists(minio, file.key));
    assert.equal((await f.row(file.id)).deleted_at, null);
  });

  it('lets an admin delete a file in a conversation they are not in, and the stats stop counting it', async () => {
    const file = await f.upload(alice, conv);
    const root = await admin(app.url, s.databaseUrl);
    const stats = async () => (await api(app.url, 'GET', '/api/admin/stats', { token: root.body.accessToken })).body as { files: number; storageBytes: number };
    const before = await stats();
    const r = await api(app.url, 'DELETE', `/api/files/${file.id}`, { token: root.body.accessToken });
    assert.equal(r.status, 204, r.text);
    assert.equal(await objectExists(minio, file.key), false);
    assertError(await f.get(file.id, alice), 404, 'not_found', 'GET after an admin deleted it');
    const now = await stats();
    assert.equal(now.files, before.files - 1);
    assert.equal(now.storageBytes, before.storageBytes - file.size);
  });

  it('answers 404, not 500, when a file is deleted between GET reading its row and its object', async () => {
    const file = await f.upload(alice, conv);
    // The race, frozen: the row is still live but the object has already gone.
    await minio.removeObject(BUCKET, file.key);
    assertError(await f.get(file.id, bob), 404, 'not_found', 'GET of a row whose object is gone');
    assert.equal((await f.del(file.id, alice)).status, 204, 'and it can still be deleted');
  });

  it('finishes deletions a crash interrupted: by the uploader retrying, and by the start-up sweep of another replica', async function () {
    this.timeout(30000);
    // A crash right after the mark (object still stored) and one right after the object's removal.
    const retried = await f.upload(alice, conv, 'retried.txt');
    const markedOnly = await f.upload(alice, conv, 'marked.txt');
    const removedOnly = await f.upload(alice, conv, 'removed.txt');
    await pool.query('UPDATE files SET deleted_at = now() WHERE id = ANY($1::uuid[])', [[retried.id, markedOnly.id, removedOnly.id]]);
    await minio.removeObject(BUCKET, removedOnly.key);

    assertError(await f.get(retried.id, bob), 404, 'not_found', 'GET of a file marked deleted');
    assertError(await f.del(retried.id, bob), 404, 'not_found', 'another member, once the deletion has begun');
    assert.equal((await f.del(retried.id, alice)).status, 204, 'the uploader retrying finishes it');
    assert.equal(await objectExists(minio, retried.key), false);
    assert.ok((await f.row(retried.id)).purged_at);

    const replica = await startApp(s, {}, { deletionSweepIntervalMs: 3_600_000 });
    try {
      await until('the start-up sweep to finish both deletions', 100, 100, async () => {
        const rows = await Promise.all([f.row(markedOnly.id), f.row(removedOnly.id)]);
        return rows.every((r) => r.purged_at) ? true : undefined;
      });
    } finally {
      await replica.close();
    }
    assert.equal(await objectExists(minio, markedOnly.key), false);
  });
});

describe('file deletion while object storage is down', () => {
  let s: SharedServices;
  let proxy: TcpProxy;
  let app: RunningApp;
  let pool: Pool;
  let minio: Minio.Client;
  let alice: TestUser, bob: TestUser;
  let conv: string;
  const f = fixture(() => app, () => pool);

  before(async function () {
    s = needServices(this);
    // Its own database, so no other app's sweep can finish these deletions first; S3 through a
    // relay this suite can cut without disturbing the shared s3rver.
    const databaseUrl = await s.pg.createDatabase(`imstack_fdel_${Date.now()}`);
    proxy = await startTcpProxy(s.s3.port);
    app = await startApp(s, { DATABASE_URL: databaseUrl, S3_PORT: String(proxy.port) }, { deletionSweepIntervalMs: 100 });
    pool = new Pool({ connectionString: databaseUrl });
    minio = createObjectClient(loadConfig(baseEnv(s)).s3);
    [alice, bob] = await Promise.all([register(app.url), register(app.url)]);
    conv = await groupWith(app.url, alice, [bob]);
  });
  after(async () => {
    await proxy?.restore().catch(() => undefined);
    await app?.close();
    await pool?.end();
  });

  it('answers 503 with Retry-After, keeps the row marked and the object stored, and the sweep removes it once S3 is back', async function () {
    this.timeout(30000);
    const file = await f.upload(alice, conv);
    const msg = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'x', attachmentId: file.id } });
    assert.equal(msg.status, 201, msg.text);

    await proxy.cut();
    const r = await f.del(file.id, alice);
    assertError(r, 503, 'unavailable', 'delete while S3 is down');
    assert.match(r.body.message, /object storage/);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);

    const marked = await f.row(file.id);
    assert.ok(marked.deleted_at, 'the row is marked deleted');
    assert.equal(marked.purged_at, null, 'and not recorded as finished');
    assert.ok(await objectExists(minio, file.key), 'the object is still stored');
    assertError(await f.get(file.id, bob), 404, 'not_found', 'GET of the marked file (no 500, no storage call)');
    const seen = (await f.history(conv, bob)).find((m) => m.id === msg.body.id)!;
    assert.equal(seen.attachment, null);
    assert.equal(seen.attachmentRemoved, true);
    assertError(await f.del(file.id, alice), 503, 'unavailable', 'the uploader retrying while S3 is still down');

    await proxy.restore();
    await until('the sweep to remove the object and finish the row', 150, 100, async () =>
      (await f.row(file.id)).purged_at && !(await objectExists(minio, file.key)) ? true : undefined,
    );
    assertError(await f.del(file.id, alice), 404, 'not_found', 'delete after the sweep finished it');
  });
});
