#!/usr/bin/env node
// `minio` stand-in built on s3rver, command-line compatible with
//   minio server DIR [--address :9000] [--console-address :9001]
// It adds what s3rver lacks and the stack relies on: MINIO_ROOT_USER/PASSWORD credentials,
// SigV4 signature checking (s3rver accepts any secret), MinIO's health endpoints, users
// that persist in DIR/.minio.sys, and a small admin API for the `mc` stand-in.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

function usage(msg) {
  console.error(`minio (imstack substitute): ${msg}\nusage: minio server DIR [--address :9000] [--console-address :9001]`);
  process.exit(2);
}

function parsePort(spec, flag) {
  const m = /^(?:[^:]*):(\d+)$/.exec(spec) || /^(\d+)$/.exec(spec);
  if (!m) usage(`${flag} wants [host]:port, got "${spec}"`);
  return Number(m[1]);
}

function parseArgs(argv) {
  if (argv[0] !== 'server') usage(`only the "server" subcommand is reproduced, got "${argv[0] ?? ''}"`);
  const opts = { dirs: [], port: 9000, consolePort: 9001 };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--address') opts.port = parsePort(value(), flag);
    else if (flag === '--console-address') opts.consolePort = parsePort(value(), flag);
    else if (flag === '--quiet' || flag === '--json' || flag === '--anonymous') continue;
    else if (flag.startsWith('-')) usage(`flag ${flag} is not reproduced`);
    else opts.dirs.push(a);
  }
  if (opts.dirs.length !== 1) usage('exactly one data directory is reproduced (no erasure sets)');
  return opts;
}

function env(name, fallback) {
  const file = process.env[`${name}_FILE`];
  if (file) return fs.readFileSync(file, 'utf8').trim();
  return process.env[name] || fallback;
}

const opts = parseArgs(process.argv.slice(2));
const dataDir = path.resolve(opts.dirs[0]);
const sysDir = path.join(dataDir, '.minio.sys');
const usersFile = path.join(sysDir, 'config', 'iam-users.json');
const rootUser = env('MINIO_ROOT_USER', env('MINIO_ACCESS_KEY', 'minioadmin'));
const rootPassword = env('MINIO_ROOT_PASSWORD', env('MINIO_SECRET_KEY', 'minioadmin'));
if (rootUser.length < 3 || rootPassword.length < 8) {
  console.error('ERROR Unable to validate credentials: MINIO_ROOT_USER needs >= 3 and MINIO_ROOT_PASSWORD >= 8 characters');
  process.exit(1);
}

// accessKey -> { secretKey, policies }
const users = new Map();
// policy name -> document (recorded for fidelity of the admin calls; never enforced)
const policies = new Map();
const policiesFile = path.join(sysDir, 'config', 'iam-policies.json');
const BUILTIN_POLICIES = new Set(['readwrite', 'readonly', 'writeonly', 'diagnostics', 'consoleAdmin']);
function savePolicies() {
  fs.mkdirSync(path.dirname(policiesFile), { recursive: true });
  fs.writeFileSync(policiesFile, JSON.stringify(Object.fromEntries(policies), null, 2), { mode: 0o600 });
}
function loadUsers() {
  if (fs.existsSync(policiesFile)) for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(policiesFile, 'utf8')))) policies.set(k, v);
  if (!fs.existsSync(usersFile)) return;
  for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(usersFile, 'utf8')))) users.set(k, v);
}
function saveUsers() {
  fs.mkdirSync(path.dirname(usersFile), { recursive: true });
  const tmp = `${usersFile}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(users), null, 2), { mode: 0o600 });
  fs.renameSync(tmp, usersFile);
}
function secretFor(accessKey) {
  if (accessKey === rootUser) return rootPassword;
  return users.get(accessKey)?.secretKey;
}
function registerKeys() {
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(rootUser, rootPassword);
  for (const [k, v] of users) DUMMY_ACCOUNT.createKeyPair(k, v.secretKey);
}

// ---- SigV4 (header and presigned query) -------------------------------------------------
const strictEncode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256hex = (data) => crypto.createHash('sha256').update(data).digest('hex');

function canonicalQuery(rawQuery, skip) {
  if (!rawQuery) return '';
  const pairs = rawQuery.split('&').filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    const k = decodeURIComponent((i < 0 ? p : p.slice(0, i)).replace(/\+/g, '%20'));
    const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, '%20'));
    return [strictEncode(k), strictEncode(v)];
  }).filter(([k]) => k !== skip);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Returns null when the request is not SigV4-signed or the signature checks out, else an S3 error code. */
function checkSigV4(req) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const q = new URLSearchParams(rawQuery);
  let credential, signedHeaders, signature, amzDate, payloadHash, skip;
  const auth = req.headers.authorization;
  if (auth && auth.startsWith('AWS4-HMAC-SHA256 ')) {
    const parts = Object.fromEntries(auth.slice(17).split(',').map((s) => s.trim().split(/=(.*)/s).slice(0, 2)));
    credential = parts.Credential; signedHeaders = parts.SignedHeaders; signature = parts.Signature;
    amzDate = req.headers['x-amz-date'];
    payloadHash = req.headers['x-amz-content-sha256'] || 'UNSIGNED-PAYLOAD';
  } else if (q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    credential = q.get('X-Amz-Credential'); signedHeaders = q.get('X-Amz-SignedHeaders');
    signature = q.get('X-Amz-Signature'); amzDate = q.get('X-Amz-Date');
    payloadHash = 'UNSIGNED-PAYLOAD'; skip = 'X-Amz-Signature';
  } else {
    return null; // anonymous or SigV2: s3rver's own checks apply
  }
  if (!credential || !signedHeaders || !signature || !amzDate) return 'AuthorizationHeaderMalformed';
  const [accessKey, ...scopeParts] = credential.split('/');
  const secret = secretFor(accessKey);
  if (!secret) return 'InvalidAccessKeyId';
  const headers = signedHeaders.split(';').map((h) => {
    const raw = req.headers[h];
    const v = Array.isArray(raw) ? raw.join(',') : raw ?? '';
    return `${h}:${String(v).trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonical = [req.method, rawPath, canonicalQuery(rawQuery, skip), headers, signedHeaders, payloadHash].join('\n');
  const scope = scopeParts.join('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let key = hmac(`AWS4${secret}`, scopeParts[0]);
  for (const part of scopeParts.slice(1)) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  const ok = expected.length === signature.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return ok ? null : 'SignatureDoesNotMatch';
}

function s3Error(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

// ---- admin API used by the mc stand-in (root credentials, HTTP basic, JSON) -------------
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });
}

async function handleAdmin(req, res, route) {
  const auth = req.headers.authorization || '';
  const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8').split(/:(.*)/s);
  if (user !== rootUser || pass !== rootPassword) return s3Error(res, 403, 'AccessDenied', 'admin API needs the root credentials');
  const body = req.method === 'GET' ? {} : JSON.parse((await readBody(req)) || '{}');
  const reply = (obj) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
  if (route === 'add-user') {
    if (!body.accessKey || !body.secretKey || body.secretKey.length < 8) return s3Error(res, 400, 'InvalidArgument', 'accessKey and a secretKey of >= 8 characters are required');
    const prev = users.get(body.accessKey);
    users.set(body.accessKey, { secretKey: body.secretKey, policies: prev?.policies ?? [] });
    saveUsers(); registerKeys();
    return reply({ ok: true });
  }
  if (route === 'remove-user') {
    users.delete(body.accessKey); DUMMY_ACCOUNT.revokeAccessKey(body.accessKey); saveUsers();
    return reply({ ok: true });
  }
  if (route === 'create-policy') {
    if (!body.name || typeof body.document !== 'object') return s3Error(res, 400, 'InvalidArgument', 'name and a JSON policy document are required');
    policies.set(body.name, body.document); savePolicies();
    return reply({ ok: true, note: 'policies are recorded, not enforced (s3rver has no IAM)' });
  }
  if (route === 'attach-policy') {
    const missing = (body.policies || []).filter((p) => !policies.has(p) && !BUILTIN_POLICIES.has(p));
    if (missing.length) return s3Error(res, 404, 'XMinioAdminNoSuchPolicy', `policy ${missing.join(',')} does not exist`);
    const u = users.get(body.user);
    if (!u) return s3Error(res, 404, 'XMinioAdminNoSuchUser', `user ${body.user} does not exist`);
    u.policies = [...new Set([...(u.policies || []), ...body.policies])];
    saveUsers();
    return reply({ ok: true, note: 'policies are recorded, not enforced (s3rver has no IAM)' });
  }
  if (route === 'list-users') {
    return reply(Object.fromEntries([...users].map(([k, v]) => [k, { policies: v.policies }])));
  }
  return s3Error(res, 404, 'NotImplemented', `admin route ${route} is not reproduced`);
}

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  loadUsers();
  const s3 = new S3rver({ directory: dataDir, vhostBuckets: false, silent: process.env.MINIO_SUB_LOG !== '1' });
  // MinIO keeps its own state in DIR/.minio.sys; it is not a bucket.
  const listBuckets = s3.store.listBuckets.bind(s3.store);
  s3.store.listBuckets = async () => (await listBuckets()).filter((b) => !b.name.startsWith('.'));
  registerKeys();
  const s3handler = s3.callback();

  const api = http.createServer((req, res) => {
    const url = req.url || '/';
    if (url.startsWith('/minio/health/')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end();
    }
    const admin = /^\/minio\/imstack-admin\/([a-z-]+)/.exec(url);
    if (admin) {
      return handleAdmin(req, res, admin[1]).catch((e) => s3Error(res, 500, 'InternalError', String(e.message)));
    }
    if (url.startsWith('/.minio.sys') || url.startsWith('/minio/')) return s3Error(res, 403, 'AccessDenied', 'reserved path');
    const bad = checkSigV4(req);
    if (bad) return s3Error(res, 403, bad, bad === 'InvalidAccessKeyId' ? 'The Access Key Id you provided does not exist in our records.' : 'The request signature we calculated does not match the signature you provided.');
    s3handler(req, res);
  });
  const consoleServer = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><title>MinIO Console</title><p>The imstack substitute does not reproduce the MinIO console.</p>\n');
  });
  await new Promise((r) => api.listen(opts.port, '0.0.0.0', r));
  await new Promise((r) => consoleServer.listen(opts.consolePort, '0.0.0.0', r));
  console.log(`MinIO substitute (s3rver) API: http://0.0.0.0:${opts.port}  Console: http://0.0.0.0:${opts.consolePort}`);
  const stop = () => { api.close(); consoleServer.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => { console.error(`minio substitute failed: ${e.stack || e}`); process.exit(1); });
