// imctl health's bucket check on each engine: local engines through their container, an
// external store directly, and a missing local container still named as such.
import * as assert from 'assert';
import { harness, imctl } from './support/fakes';

describe('imctl: health, object store per engine', function () {
  it('external: probes the external endpoint itself with the backend credentials', async function () {
    const h = harness();
    for (const c of h.docker.containers.filter((x) => x.service === 'backend')) Object.assign(h.docker.env[c.id], { S3_ENDPOINT: 's3.example.net', S3_PORT: '9443', S3_USE_SSL: 'true', S3_BUCKET: 'chat-uploads' });
    h.docker.containers = h.docker.containers.filter((c) => c.service !== 'minio' && c.service !== 'minio-init');
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /bucket +ok +chat-uploads reachable via external store s3\.example\.net:9443/, r.stdout);
    assert.ok(h.probes.calls.includes('bucket s3.example.net:9443/chat-uploads'), h.probes.calls.join('\n'));
    assert.ok(!r.stdout.includes('s3SECRETkey789') && !r.stderr.includes('s3SECRETkey789'));
  });

  it('seaweedfs: a missing seaweedfs container is reported, not probed by name from the host', async function () {
    const h = harness();
    for (const c of h.docker.containers.filter((x) => x.service === 'backend')) Object.assign(h.docker.env[c.id], { S3_ENDPOINT: 'seaweedfs', S3_PORT: '8333' });
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /bucket +degraded +no container for service seaweedfs/, r.stdout);
    assert.ok(!h.probes.calls.some((c) => c.startsWith('bucket seaweedfs')), h.probes.calls.join('\n'));
  });

  it('seaweedfs: seaweedfs-init is a one-shot, so its exit 0 reads as completed, not degraded', async function () {
    const h = harness();
    h.docker.containers = h.docker.containers.flatMap((c) =>
      c.service === 'minio' ? [{ ...c, service: 'seaweedfs', name: 'imstack-dev-seaweedfs', id: 'id-imstack-dev-seaweedfs' }]
        : c.service === 'minio-init' ? [{ ...c, service: 'seaweedfs-init', name: 'imstack-dev-seaweedfs-init', id: 'id-imstack-dev-seaweedfs-init' }] : [c]);
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /^container seaweedfs-init +ok +completed \(exit 0\)/m, r.stdout);
  });
});
