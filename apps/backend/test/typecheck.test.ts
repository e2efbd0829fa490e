import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The other tests run through ts-node in transpile-only mode for speed, so types are checked here.
describe('typecheck', () => {
  it('src, tests and bench compile with tsc --noEmit (strict)', function () {
    this.timeout(60000);
    const root = path.join(__dirname, '..');
    const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
