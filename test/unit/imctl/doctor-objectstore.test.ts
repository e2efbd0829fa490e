// imctl doctor on each object-store engine: MinIO is archived (warn, pointing at the
// migration); an unnamed engine warns that the default changed; seaweedfs is ok.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { harness, imctl } from './support/fakes';

function project(stackYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-doctor-os-'));
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: imstack\nruntime: nodejs\n');
  fs.writeFileSync(path.join(dir, 'Pulumi.dev.yaml'), stackYaml);
  return dir;
}

describe('imctl: doctor, object store', function () {
  it('minio: warns that it is archived and points to the migration, without failing', async function () {
    const h = harness(project('config:\n  imstack:objectStore:\n    engine: minio\n'));
    h.workspace.installed = '3.200.0';
    const r = await imctl(h, 'doctor');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /object store +warn +objectStore\.engine is minio: MinIO's community edition is archived and unmaintained/);
    assert.match(r.stdout, /object store: migrate to seaweedfs: docs\/operations\.md, "Migrating from MinIO"/);
  });

  it('seaweedfs named: ok', async function () {
    const h = harness(project('config:\n  imstack:objectStore:\n    engine: seaweedfs\n'));
    h.workspace.installed = '3.200.0';
    const r = await imctl(h, 'doctor');
    assert.match(r.stdout, /object store +ok +seaweedfs/);
  });

  it('no engine named: warns that a MinIO stack must name minio before its next up', async function () {
    const h = harness(project('config: {}\n'));
    h.workspace.installed = '3.200.0';
    const r = await imctl(h, 'doctor');
    assert.match(r.stdout, /object store +warn +objectStore\.engine not set: seaweedfs \(the default\)/);
    assert.match(r.stdout, /must set objectStore\.engine minio before its next up/);
  });
});
