#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources through ts-node in transpile-only mode, so `npx imctl` works
// straight after `npm ci` with no build step.
require('ts-node').register({ transpileOnly: true, project: require('path').join(__dirname, '..', 'tsconfig.json') });
require('../automation/main').main(process.argv);
