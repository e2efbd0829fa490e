#!/usr/bin/env node
// The README's test command. Runs the type check and every mocha suite, each in its own
// folder with its own .mocharc, and ends with one line adding them all up.
//   node scripts/test.js              all suites
//   node scripts/test.js unit live    only these
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const SUITES = [
  { name: 'typecheck', kind: 'tsc', dir: '.' },
  { name: 'unit', dir: 'test/unit' },
  { name: 'backend', dir: 'apps/backend' },
  { name: 'web', dir: 'apps/web' },
  { name: 'next', dir: 'apps/next' },
  { name: 'live', dir: 'test/live' },
  { name: 'browser', dir: 'test/browser' },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = SUITES.filter((s) => wanted.length === 0 || wanted.includes(s.name));
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function mochaBin(dir) {
  const own = path.join(dir, 'node_modules', 'mocha', 'bin', 'mocha.js');
  return fs.existsSync(own) ? own : path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
}

for (const suite of selected) {
  const dir = path.join(root, suite.dir);
  const started = Date.now();
  console.log(`\n=== ${suite.name} (${suite.dir}) ===`);
  if (suite.kind === 'tsc') {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
    if (r.status === 0) total.passed++; else total.failed++;
    lines.push(`${suite.name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    continue;
  }
  const hasConfig = ['.mocharc.json', '.mocharc.js', '.mocharc.cjs', '.mocharc.yml'].some((f) => fs.existsSync(path.join(dir, f)));
  if (!hasConfig) {
    console.log(`(no mocha config in ${suite.dir}; suite not present yet)`);
    lines.push(`${suite.name}: not present`);
    continue;
  }
  const summaryFile = path.join(os.tmpdir(), `imstack-test-${process.pid}-${suite.name}.json`);
  fs.rmSync(summaryFile, { force: true });
  const r = spawnSync(process.execPath, [mochaBin(dir), '--reporter', path.join(__dirname, 'summary-reporter.js')], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, IMSTACK_TEST_SUMMARY: summaryFile, IMSTACK_ROOT: root },
  });
  let s = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(summaryFile)) s = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  // A suite that crashed before reporting still counts as a failure.
  if (r.status !== 0 && s.failed === 0) s.failed = 1;
  total.passed += s.passed; total.failed += s.failed; total.skipped += s.skipped;
  lines.push(`${suite.name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

console.log('\n=== summary ===');
for (const l of lines) console.log(`  ${l}`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
