#!/usr/bin/env node
// `mc` stand-in for the subcommands the stack's bucket-init one-shot uses, talking to the
// s3rver-based minio substitute. Aliases live in ~/.mc/config.json (or MC_HOST_<alias>)
// like the real client. Unknown subcommands fail loudly.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const https = require('https');
const Minio = require('minio');

const configDir = process.env.MC_CONFIG_DIR || path.join(os.homedir(), '.mc');
const configFile = path.join(configDir, 'config.json');

function fail(msg, code = 1) { console.error(`mc: <ERROR> ${msg}`); process.exit(code); }
function loadConfig() {
  try { return JSON.parse(fs.readFileSync(configFile, 'utf8')); } catch { return { version: '10', aliases: {} }; }
}
function saveConfig(cfg) {
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(configFile, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}
function alias(name) {
  const envHost = process.env[`MC_HOST_${name}`];
  if (envHost) {
    const u = new URL(envHost);
    return { url: `${u.protocol}//${u.host}`, accessKey: decodeURIComponent(u.username), secretKey: decodeURIComponent(u.password) };
  }
  // Like the real client's built-in default alias (used by `mc ready local`).
  const a = loadConfig().aliases[name] || (name === 'local' ? { url: 'http://localhost:9000', accessKey: '', secretKey: '' } : undefined);
  if (!a) fail(`alias "${name}" is not configured (mc alias set ${name} URL ACCESS SECRET)`);
  return a;
}
function client(a) {
  const u = new URL(a.url);
  return new Minio.Client({ endPoint: u.hostname, port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), useSSL: u.protocol === 'https:', accessKey: a.accessKey, secretKey: a.secretKey, region: 'us-east-1' });
}
function target(spec) {
  const [name, ...rest] = spec.split('/');
  return { a: alias(name), bucket: rest[0], prefix: rest.slice(1).join('/') };
}
function admin(a, route, body) {
  const u = new URL(`/minio/imstack-admin/${route}`, a.url);
  const data = JSON.stringify(body || {});
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Basic ${Buffer.from(`${a.accessKey}:${a.secretKey}`).toString('base64')}` },
    }, (res) => {
      let text = ''; res.setEncoding('utf8');
      res.on('data', (c) => { text += c; }).on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`admin ${route}: HTTP ${res.statusCode} ${text.replace(/<[^>]+>/g, ' ').trim()}`))));
    });
    req.on('error', reject); req.end(data);
  });
}
function flags(args) {
  const pos = []; const f = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) { const [k, v] = a.slice(2).split(/=(.*)/s); f[k] = v ?? (['user', 'group', 'api', 'path', 'region'].includes(k) ? args[++i] : true); }
    else if (a === '-p') f['ignore-existing'] = true;
    else pos.push(a);
  }
  return { pos, f };
}

async function main(argv) {
  const { pos, f } = flags(argv.filter((a) => !['--quiet', '-q', '--json', '--insecure', '--no-color'].includes(a)));
  const cmd = pos.slice(0, 3).join(' ');
  if (pos[0] === 'alias' && (pos[1] === 'set' || pos[1] === 'add')) {
    const [, , name, url, accessKey, secretKey] = pos;
    if (!name || !url || !accessKey || !secretKey) fail('usage: mc alias set ALIAS URL ACCESSKEY SECRETKEY');
    const c = client({ url, accessKey, secretKey });
    await c.listBuckets().catch((e) => fail(`unable to initialize new alias from the provided credentials: ${e.code || e.message}`));
    const cfg = loadConfig(); cfg.aliases[name] = { url, accessKey, secretKey, api: 's3v4', path: 'auto' }; saveConfig(cfg);
    console.log(`Added \`${name}\` successfully.`);
    return;
  }
  if (pos[0] === 'ready') {
    const a = alias(pos[1]);
    for (let i = 0; i < 60; i++) {
      const ok = await new Promise((r) => http.get(new URL('/minio/health/ready', a.url), (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
      if (ok) { console.log(`The cluster '${pos[1]}' is ready`); return; }
      await new Promise((r) => setTimeout(r, 1000));
    }
    fail(`the cluster '${pos[1]}' is not ready`);
  }
  if (pos[0] === 'mb') {
    const { a, bucket } = target(pos[1] || fail('usage: mc mb ALIAS/BUCKET'));
    const c = client(a);
    if (await c.bucketExists(bucket)) {
      if (f['ignore-existing']) { console.log(`Bucket created successfully \`${pos[1]}\`.`); return; }
      fail(`Unable to make bucket \`${pos[1]}\`. Your previous request to create the named bucket succeeded and you already own it.`);
    }
    await c.makeBucket(bucket, 'us-east-1');
    console.log(`Bucket created successfully \`${pos[1]}\`.`);
    return;
  }
  if (pos[0] === 'ls') {
    const { a, bucket, prefix } = target(pos[1] || fail('usage: mc ls ALIAS[/BUCKET]'));
    const c = client(a);
    if (!bucket) { for (const b of await c.listBuckets()) console.log(`${b.name}/`); return; }
    await new Promise((resolve, reject) => {
      c.listObjectsV2(bucket, prefix, !!f.recursive).on('data', (o) => console.log(o.name || o.prefix)).on('end', resolve).on('error', reject);
    });
    return;
  }
  if (cmd === 'admin user add') {
    const [, , , name, accessKey, secretKey] = pos;
    await admin(alias(name), 'add-user', { accessKey, secretKey });
    console.log(`Added user \`${accessKey}\` successfully.`);
    return;
  }
  if (cmd === 'admin user remove' || cmd === 'admin user rm') {
    await admin(alias(pos[3]), 'remove-user', { accessKey: pos[4] });
    console.log(`Removed user \`${pos[4]}\` successfully.`);
    return;
  }
  if (cmd === 'admin policy create' || cmd === 'admin policy add') {
    const [, , , name, policy, file] = pos;
    if (!policy || !file) fail('usage: mc admin policy create ALIAS POLICY FILE');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    await admin(alias(name), 'create-policy', { name: policy, document: doc });
    console.log(`Created policy \`${policy}\` successfully.`);
    return;
  }
  if (cmd === 'admin user info') {
    const users = JSON.parse(await admin(alias(pos[3]), 'list-users', {}));
    const u = users[pos[4]];
    if (!u) fail(`Unable to get user info. The specified user does not exist.`);
    console.log(`AccessKey: ${pos[4]}\nStatus: enabled\nPolicyName: ${(u.policies || []).join(',')}`);
    return;
  }
  if (cmd === 'admin policy attach') {
    const [, , , name, ...policies] = pos;
    if (!f.user) fail('only `--user USER` is reproduced for policy attach');
    await admin(alias(name), 'attach-policy', { user: f.user, policies });
    console.log(`Attached Policies: [${policies.join(' ')}]\nTo User: ${f.user}`);
    return;
  }
  fail(`subcommand "${pos.join(' ')}" is not reproduced by the imstack mc substitute`, 2);
}

main(process.argv.slice(2)).catch((e) => fail(e.message || String(e)));
