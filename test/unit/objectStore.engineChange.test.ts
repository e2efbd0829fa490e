// imctl up's guard against an object-store engine that changes under an upgrade: a stack
// deployed on minio whose stack file names no engine would otherwise get an empty SeaweedFS.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configuredEngine, deployedEngine, implicitEngineChange } from '../../automation/health/objectStoreEngine';

function stackFile(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-engine-'));
  fs.writeFileSync(path.join(dir, 'Pulumi.s1.yaml'), body);
  return dir;
}

describe('imctl up: an implicit object-store engine change is refused', () => {
  it('refuses when minio is deployed and the stack file names no engine, naming both ways out', () => {
    const choice = configuredEngine(stackFile('config:\n  imstack:environment: dev\n'), 's1');
    assert.deepStrictEqual(choice, { engine: 'seaweedfs', explicit: false });
    const why = implicitEngineChange(choice, 'minio');
    assert.ok(why, 'no refusal');
    assert.match(why!, /stores its objects in minio/);
    assert.match(why!, /Nothing was changed/);
    assert.match(why!, /pulumi config set --path objectStore\.engine minio/);
    assert.match(why!, /Migrating from MinIO/);
  });

  it('a stack deployed before objectStore existed (a minio container in its outputs) counts as minio', () => {
    const deployed = deployedEngine({ containers: { value: { minio: 'imstack-s1-minio', postgres: 'imstack-s1-postgres' } } });
    assert.strictEqual(deployed, 'minio');
    assert.ok(implicitEngineChange({ engine: 'seaweedfs', explicit: false }, deployed));
  });

  it('lets up go ahead when the stack file names the engine (the migration), when nothing changes, and on a new stack', () => {
    const named = configuredEngine(stackFile('config:\n  imstack:objectStore:\n    engine: seaweedfs\n'), 's1');
    assert.deepStrictEqual(named, { engine: 'seaweedfs', explicit: true });
    assert.strictEqual(implicitEngineChange(named, 'minio'), undefined);
    assert.strictEqual(implicitEngineChange({ engine: 'seaweedfs', explicit: false }, 'seaweedfs'), undefined);
    assert.strictEqual(implicitEngineChange({ engine: 'seaweedfs', explicit: false }, undefined), undefined);
    assert.strictEqual(implicitEngineChange(undefined, 'minio'), undefined);
  });
});
