'use strict';
// A mocha reporter that prints spec-style lines and writes the counts to the file named by
// IMSTACK_TEST_SUMMARY, so scripts/test.js can add up every suite (ours and the apps', which
// may run different mocha versions) into one closing line.
const fs = require('fs');

function SummaryReporter(runner) {
  const stats = { passed: 0, failed: 0, skipped: 0, failures: [] };
  let depth = 0;
  const pad = () => '  '.repeat(depth);
  runner.on('suite', (s) => { if (s.title) { console.log(`${pad()}${s.title}`); depth++; } });
  runner.on('suite end', (s) => { if (s.title) depth--; });
  runner.on('pass', (t) => { stats.passed++; console.log(`${pad()}ok   ${t.title} (${t.duration ?? 0}ms)`); });
  runner.on('pending', (t) => { stats.skipped++; console.log(`${pad()}skip ${t.title}`); });
  runner.on('fail', (t, err) => {
    stats.failed++;
    const title = typeof t.fullTitle === 'function' ? t.fullTitle() : t.title;
    stats.failures.push({ title, message: String(err && err.message) });
    console.log(`${pad()}FAIL ${t.title}`);
    console.log(`${pad()}     ${(err && (err.stack || err.message)) || err}`.split('\n').join(`\n${pad()}     `));
  });
  runner.once('end', () => {
    console.log(`\n  ${stats.passed} passing, ${stats.failed} failing, ${stats.skipped} pending`);
    if (process.env.IMSTACK_TEST_SUMMARY) fs.writeFileSync(process.env.IMSTACK_TEST_SUMMARY, JSON.stringify(stats));
  });
}
module.exports = SummaryReporter;
