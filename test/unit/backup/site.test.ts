// liftMaintenance (the job lifting a page a dead restore left up) against a fake engine, and
// the constants the job keeps in its own folder checked against the ones they copy.
import { strict as assert } from 'assert';
import { createServer, Server } from 'http';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DockerSocketEngine, liftMaintenance, LABEL, MAINTENANCE_FLAG } from '../../../automation/backup/site';
import { FakeEngine, siteContainers } from './support/fakeEngine';
import { MAINTENANCE_FLAG as NGINX_FLAG } from '../../../nginx/render';
import { LABEL as IMCTL_LABEL } from '../../../automation/docker/dockerOps';

describe('the job lifting a maintenance page (site.ts)', function () {
  it('keeps the constants it copies equal to their sources', function () {
    assert.equal(MAINTENANCE_FLAG, NGINX_FLAG);
    assert.equal(LABEL.stack, IMCTL_LABEL.stack);
    assert.equal(LABEL.service, IMCTL_LABEL.service);
  });

  it('starts the stopped backends, waits until they are healthy, and only then removes the flag', async function () {
    const e = new FakeEngine(siteContainers());
    e.warmUp.set('b1', 2).set('b2', 3);
    const r = await liftMaintenance(e, { timeoutMs: 10_000, pollMs: 1 });
    assert.deepEqual(r, { backends: ['imstack-test-backend-1', 'imstack-test-backend-2'], healthy: true });
    assert.deepEqual(e.calls, ['list', 'start imstack-test-backend-1', 'start imstack-test-backend-2', `exec imstack-test-nginx: rm -f ${MAINTENANCE_FLAG}`]);
    assert.ok(e.all.filter((c) => c.service === 'backend').every((c) => c.running && c.health === 'healthy'));
  });

  it('starts again a backend that is stopped after it started (the caller may still have been stopping it)', async function () {
    const e = new FakeEngine(siteContainers());
    e.stoppedAgain.set('b1', 2);
    const r = await liftMaintenance(e, { timeoutMs: 10_000, pollMs: 1 });
    assert.equal(r.healthy, true);
    assert.equal(e.calls.filter((c) => c === 'start imstack-test-backend-1').length, 3);
    assert.equal(e.calls.at(-1), `exec imstack-test-nginx: rm -f ${MAINTENANCE_FLAG}`);
  });

  it('lifts the page after the timeout even when a backend never gets healthy, and says so', async function () {
    const e = new FakeEngine(siteContainers());
    e.warmUp.set('b2', Number.MAX_SAFE_INTEGER);
    const logs: string[] = [];
    const r = await liftMaintenance(e, { timeoutMs: 30, pollMs: 5, log: (l) => logs.push(l) });
    assert.equal(r.healthy, false);
    assert.equal(e.calls.at(-1), `exec imstack-test-nginx: rm -f ${MAINTENANCE_FLAG}`);
    assert.ok(logs.some((l) => /not healthy after .*lifting the maintenance page anyway/.test(l)), logs.join('\n'));
  });

  it('fails, naming the problem, without nginx or when the flag cannot be removed', async function () {
    const noNginx = new FakeEngine(siteContainers().filter((c) => c.service !== 'nginx'));
    await assert.rejects(liftMaintenance(noNginx, { timeoutMs: 1000, pollMs: 1 }), /no running nginx container/);
    const failing = new FakeEngine(siteContainers());
    failing.execExit = 1;
    await assert.rejects(liftMaintenance(failing, { timeoutMs: 1000, pollMs: 1 }), new RegExp(`rm -f ${MAINTENANCE_FLAG} in imstack-test-nginx exited 1`));
  });
});

describe('DockerSocketEngine (the Engine API over a unix socket)', function () {
  let dir = '';
  let server: Server;
  const seen: string[] = [];
  const containers: Record<string, { Name: string; Config: { Labels: Record<string, string> }; State: { Running: boolean; Health?: { Status: string } } }> = {
    aaa: { Name: '/imstack-t-backend-1', Config: { Labels: { [LABEL.stack]: 't', [LABEL.service]: 'backend' } }, State: { Running: false } },
    bbb: { Name: '/imstack-t-nginx', Config: { Labels: { [LABEL.stack]: 't', [LABEL.service]: 'nginx' } }, State: { Running: true, Health: { Status: 'healthy' } } },
    zzz: { Name: '/imstack-other-nginx', Config: { Labels: { [LABEL.stack]: 'other', [LABEL.service]: 'nginx' } }, State: { Running: true } },
  };
  let execPolls = 0;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'imstack-sock-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${decodeURIComponent(req.url ?? '')}${body ? ` ${body}` : ''}`);
        const url = new URL(req.url ?? '/', 'http://docker');
        const json = (status: number, data?: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(data === undefined ? '' : JSON.stringify(data));
        };
        let m: RegExpExecArray | null;
        if (url.pathname === '/containers/json') {
          const label = (JSON.parse(url.searchParams.get('filters') ?? '{}') as { label: string[] }).label[0];
          return json(200, Object.entries(containers).filter(([, c]) => `${LABEL.stack}=${c.Config.Labels[LABEL.stack]}` === label).map(([Id]) => ({ Id })));
        }
        if ((m = /^\/containers\/(\w+)\/json$/.exec(url.pathname))) {
          const c = containers[m[1]];
          return c ? json(200, { Id: m[1], ...c }) : json(404, { message: `No such container: ${m[1]}` });
        }
        if ((m = /^\/containers\/(\w+)\/start$/.exec(url.pathname))) {
          if (containers[m[1]].State.Running) return json(304);
          containers[m[1]].State = { Running: true, Health: { Status: 'starting' } };
          return json(204);
        }
        if ((m = /^\/containers\/(\w+)\/exec$/.exec(url.pathname))) return json(201, { Id: 'ex1' });
        if (url.pathname === '/exec/ex1/start') return json(200);
        if (url.pathname === '/exec/ex1/json') return json(200, { Running: ++execPolls < 2, ExitCode: execPolls < 2 ? null : 0 });
        return json(404, { message: 'page not found' });
      });
    });
    await new Promise<void>((r) => server.listen(join(dir, 'docker.sock'), r));
  });
  after(async function () {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists only its stack, starts (304 when running is fine), runs an exec to its exit code', async function () {
    const e = DockerSocketEngine.ifAvailable('t', join(dir, 'docker.sock'));
    assert.ok(e);
    const list = await e.containers();
    assert.deepEqual(list.map((c) => [c.name, c.service, c.running, c.health]), [
      ['imstack-t-backend-1', 'backend', false, 'none'],
      ['imstack-t-nginx', 'nginx', true, 'healthy'],
    ]);
    await e.start('aaa');
    await e.start('aaa');
    assert.equal((await e.inspect('aaa')).health, 'starting');
    assert.equal(await e.exec('bbb', ['rm', '-f', MAINTENANCE_FLAG]), 0);
    assert.ok(seen.includes(`POST /containers/bbb/exec {"Cmd":["rm","-f","${MAINTENANCE_FLAG}"],"AttachStdout":false,"AttachStderr":false}`), seen.join('\n'));
    assert.ok(seen.includes('POST /exec/ex1/start {"Detach":true}'));
  });

  it('refuses a container of another stack, and reports engine errors with their status', async function () {
    const e = new DockerSocketEngine('t', join(dir, 'docker.sock'));
    await assert.rejects(e.start('zzz'), /container zzz is not part of stack t/);
    await assert.rejects(e.exec('zzz', ['true']), /not part of stack t/);
    assert.ok(!seen.some((s) => s.startsWith('POST /containers/zzz')), 'nothing was sent for the other stack');
    await assert.rejects(e.inspect('nope'), /Docker GET \/containers\/nope\/json: 404 .*No such container/);
  });

  it('is absent without a socket', function () {
    assert.equal(DockerSocketEngine.ifAvailable('t', join(dir, 'missing.sock')), undefined);
  });
});
