// Admins come from an operator act (`imctl admin grant`, which runs src/admin-cli.ts in a
// backend container), never from a username someone can claim at registration (issue 15,
// item 4), and a grant or revoke takes effect on the user's next request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { api, baseEnv, needServices, register, startApp, uniqueName, type RunningApp } from './support/harness';
import type { SharedServices } from './support/shared';

const ROOT = path.join(__dirname, '..');

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: { ok: boolean; result?: any; error?: string; message?: string };
}

function adminCli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/admin-cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: CliRun['json'];
      try {
        json = JSON.parse(last);
      } catch {
        return reject(new Error(`admin-cli printed no JSON line (exit ${code}):\n${stdout}\n${stderr}`));
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

describe('admin role: granted by an operator, never by registering a name', () => {
  let s: SharedServices;
  let app: RunningApp;
  let env: Record<string, string>;
  before(async function () {
    s = needServices(this);
    app = await startApp(s);
    env = baseEnv(s);
  });
  after(() => app?.close());

  it('gives role user to every registration, including "admin" and "root-admin"', async () => {
    for (const name of ['admin', 'root-admin', 'administrator']) {
      const reg = await api(app.url, 'POST', '/api/auth/register', { json: { username: name, password: 'claimed-name-1' } });
      // Another test may have registered it before (shared database): then log in as it.
      const r = reg.status === 409 ? await api(app.url, 'POST', '/api/auth/login', { json: { username: name, password: 'claimed-name-1' } }) : reg;
      assert.ok(r.status === 201 || r.status === 200, r.text);
      assert.equal(r.body.user.role, 'user', `${name} became ${r.body.user.role} by registering`);
      assert.equal((await api(app.url, 'GET', '/api/admin/stats', { token: r.body.accessToken })).status, 403, `${name} reached the admin API`);
    }
  });

  it('grant makes a user admin at once (same token), list shows them, revoke takes it away at once', async function () {
    this.timeout(30000);
    const u = await register(app.url, uniqueName('ops'));
    assert.equal((await api(app.url, 'GET', '/api/admin/stats', { token: u.accessToken })).status, 403);

    const grant = await adminCli(env, 'grant', u.username);
    assert.equal(grant.code, 0, grant.stderr);
    assert.deepEqual(grant.json, { ok: true, result: { username: u.username, role: 'admin', changed: true } });
    const stats = await api(app.url, 'GET', '/api/admin/stats', { token: u.accessToken });
    assert.equal(stats.status, 200, stats.text);
    assert.equal((await api(app.url, 'GET', '/api/me', { token: u.accessToken })).body.role, 'admin');

    const again = await adminCli(env, 'grant', u.username);
    assert.deepEqual(again.json.result, { username: u.username, role: 'admin', changed: false });

    const list = await adminCli(env, 'list');
    assert.equal(list.code, 0, list.stderr);
    const mine = list.json.result.admins.find((a: { username: string }) => a.username === u.username);
    assert.ok(mine, JSON.stringify(list.json));
    assert.deepEqual(Object.keys(mine).sort(), ['createdAt', 'displayName', 'username']);

    const revoke = await adminCli(env, 'revoke', u.username);
    assert.deepEqual(revoke.json, { ok: true, result: { username: u.username, role: 'user', changed: true } });
    assert.equal((await api(app.url, 'GET', '/api/admin/stats', { token: u.accessToken })).status, 403, 'the old token still carries admin rights');
    const after = await adminCli(env, 'list');
    assert.ok(!after.json.result.admins.some((a: { username: string }) => a.username === u.username));
  });

  it('answers an unknown user, a malformed name or a bad command with exit 1 and a JSON error, never a secret', async function () {
    this.timeout(30000);
    const redisPassword = decodeURIComponent(new URL(env.REDIS_URL).password);
    const runs = await Promise.all([
      adminCli(env, 'grant', 'nobody-by-this-name'),
      adminCli(env, 'grant', 'Not A Name!'),
      adminCli(env, 'promote', 'x'),
      adminCli(env, 'grant'),
    ]);
    assert.deepEqual(runs.map((r) => [r.code, r.json.ok, r.json.error]), [
      [1, false, 'not_found'],
      [1, false, 'bad_username'],
      [1, false, 'usage'],
      [1, false, 'usage'],
    ]);
    assert.match(runs[0].json.message!, /no user named "nobody-by-this-name"/);
    for (const r of runs) assert.ok(!(r.stdout + r.stderr).includes(redisPassword), 'a secret reached the output');
  });

  it('exits 2 with the configuration problem when the environment is invalid', async () => {
    const r = await adminCli({ ...env, DATABASE_URL: 'mysql://u:admin-cli-secret@db/x' }, 'list');
    assert.equal(r.code, 2);
    assert.equal(r.json.error, 'config');
    assert.match(r.json.message!, /DATABASE_URL must use postgres/);
    assert.ok(!(r.stdout + r.stderr).includes('admin-cli-secret'));
  });
});
