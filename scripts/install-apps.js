#!/usr/bin/env node
// Each app in apps/ is its own package with its own lockfile, so its Dockerfile can run
// `npm ci` from the app folder alone. The root `npm ci` installs them too, so one command
// sets up everything the tests need.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

if (process.env.IMSTACK_SKIP_APPS_INSTALL === '1') process.exit(0);
const appsDir = path.join(__dirname, '..', 'apps');
if (!fs.existsSync(appsDir)) process.exit(0);
for (const name of fs.readdirSync(appsDir).sort()) {
  const dir = path.join(appsDir, name);
  if (!fs.existsSync(path.join(dir, 'package-lock.json'))) continue;
  console.log(`imstack: installing apps/${name}`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit', env: { ...process.env, IMSTACK_SKIP_APPS_INSTALL: '1' } });
  if (r.status !== 0) {
    console.error(`imstack: npm ci failed in apps/${name} (exit ${r.status})`);
    process.exit(r.status || 1);
  }
}
