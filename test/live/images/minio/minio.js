#!/usr/bin/env node
// `minio` stand-in built on s3rver, command-line compatible with
//   minio server DIR [--address :9000] [--console-address :9001]
// It adds what s3rver lacks and the stack relies on: MINIO_ROOT_USER/PASSWORD credentials (also
// as *_FILE, read like MinIO does), SigV4 signature checking (s3rver accepts any secret and
// unsigned requests), IAM policies enforced for users other than root, MinIO's health
// endpoints, users that persist in DIR/.minio.sys, and a small admin API for the `mc` stand-in.
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

/**
 * As MinIO's readFromSecret: X_FILE names a file (relative names are looked up in
 * /run/secrets first); a missing file is ignored, and a non-empty file wins over X.
 */
function fromSecretFile(name) {
  const given = process.env[`${name}_FILE`];
  if (!given) return undefined;
  const inSecrets = path.join('/run/secrets', given);
  const file = !path.isAbsolute(given) && fs.existsSync(inSecrets) && fs.statSync(inSecrets).isFile() ? inSecrets : given;
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    console.error(`ERROR Unable to validate credentials inherited from the secret file(s): ${name}_FILE ${file}: ${e.code || e.message}`);
    process.exit(1);
  }
}

function env(name, fallback) {
  return fromSecretFile(name) || process.env[name] || fallback;
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
// policy name -> document, enforced for every user but root (see authorize)
const policies = new Map();
const policiesFile = path.join(sysDir, 'config', 'iam-policies.json');
// MinIO's canned policies, as far as the S3 API goes (their admin:* grants are not reproduced).
const BUILTIN_POLICIES = new Map([
  ['readwrite', { Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] }],
  ['readonly', { Statement: [{ Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:GetObject'], Resource: ['arn:aws:s3:::*'] }] }],
  ['writeonly', { Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::*'] }] }],
  ['diagnostics', { Statement: [] }],
  ['consoleAdmin', { Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] }],
]);
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

const MAX_SKEW_MS = 15 * 60 * 1000; // MinIO's (and S3's) RequestTimeTooSkewed window

function amzTime(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

/**
 * Who signed the request: { accessKey } when a SigV4 signature (header or presigned query)
 * checks out, else { code, message } of the S3 error to answer. Unsigned requests are refused
 * like MinIO refuses them without an anonymous bucket policy (none is reproduced); SigV2,
 * which MinIO still accepts, is refused as not reproduced.
 */
function authenticate(req) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const q = new URLSearchParams(rawQuery);
  let credential, signedHeaders, signature, amzDate, payloadHash, skip, expires;
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
    expires = Number(q.get('X-Amz-Expires'));
  } else if ((auth && auth.startsWith('AWS ')) || q.has('AWSAccessKeyId')) {
    return { code: 'AccessDenied', message: 'Signature version 2 is not reproduced by the imstack MinIO substitute; sign with SigV4.' };
  } else {
    return { code: 'AccessDenied', message: 'Access Denied.' };
  }
  if (!credential || !signedHeaders || !signature || !amzDate) return { code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed.' };
  const [accessKey, ...scopeParts] = credential.split('/');
  const secret = secretFor(accessKey);
  if (!secret) return { code: 'InvalidAccessKeyId', message: 'The Access Key Id you provided does not exist in our records.' };
  const signedAt = amzTime(amzDate);
  if (!Number.isFinite(signedAt)) return { code: 'AuthorizationHeaderMalformed', message: 'X-Amz-Date is not a valid ISO 8601 basic time.' };
  if (expires !== undefined) {
    if (!Number.isInteger(expires) || expires < 1 || expires > 604800) return { code: 'AuthorizationQueryParametersError', message: 'X-Amz-Expires must be from 1 to 604800 seconds.' };
    if (Date.now() > signedAt + expires * 1000) return { code: 'AccessDenied', message: 'Request has expired' };
  } else if (Math.abs(Date.now() - signedAt) > MAX_SKEW_MS) {
    return { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the server\'s time is too large.' };
  }
  if (!signedHeaders.split(';').includes('host')) return { code: 'AccessDenied', message: 'The host header must be signed.' };
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
  return ok ? { accessKey } : { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
}

// ---- IAM policies (users other than root) -------------------------------------------------
const BUCKET_SUBRESOURCES = {
  location: { GET: 's3:GetBucketLocation' },
  uploads: { GET: 's3:ListBucketMultipartUploads' },
  delete: { POST: 's3:DeleteObject' },
  policy: { GET: 's3:GetBucketPolicy', PUT: 's3:PutBucketPolicy', DELETE: 's3:DeleteBucketPolicy' },
  versioning: { GET: 's3:GetBucketVersioning', PUT: 's3:PutBucketVersioning' },
  tagging: { GET: 's3:GetBucketTagging', PUT: 's3:PutBucketTagging', DELETE: 's3:PutBucketTagging' },
  cors: { GET: 's3:GetBucketCORS', PUT: 's3:PutBucketCORS', DELETE: 's3:PutBucketCORS' },
  lifecycle: { GET: 's3:GetLifecycleConfiguration', PUT: 's3:PutLifecycleConfiguration', DELETE: 's3:PutLifecycleConfiguration' },
  notification: { GET: 's3:GetBucketNotification', PUT: 's3:PutBucketNotification' },
  acl: { GET: 's3:GetBucketPolicy', PUT: 's3:PutBucketPolicy' },
  website: { GET: 's3:GetBucketWebsite', PUT: 's3:PutBucketWebsite', DELETE: 's3:DeleteBucketWebsite' },
};
const OBJECT_SUBRESOURCES = {
  uploadId: { GET: 's3:ListMultipartUploadParts', PUT: 's3:PutObject', POST: 's3:PutObject', DELETE: 's3:AbortMultipartUpload' },
  uploads: { POST: 's3:PutObject' },
  tagging: { GET: 's3:GetObjectTagging', PUT: 's3:PutObjectTagging', DELETE: 's3:DeleteObjectTagging' },
  acl: { GET: 's3:GetObject', PUT: 's3:PutObject' },
};
const PLAIN = { GET: 's3:GetObject', HEAD: 's3:GetObject', PUT: 's3:PutObject', DELETE: 's3:DeleteObject' };
const PLAIN_BUCKET = { GET: 's3:ListBucket', HEAD: 's3:ListBucket', PUT: 's3:CreateBucket', DELETE: 's3:DeleteBucket' };

/** The (action, resource) pairs a request needs, as MinIO maps its S3 handlers; undefined when not reproduced. */
function requiredPermissions(req) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const q = new URLSearchParams(rawQuery);
  const [bucket, ...rest] = rawPath.replace(/^\/+/, '').split('/').map((p) => decodeURIComponent(p));
  const key = rest.join('/');
  const method = req.method;
  if (!bucket) return method === 'GET' ? [['s3:ListAllMyBuckets', 'arn:aws:s3:::*']] : undefined;
  const table = key ? OBJECT_SUBRESOURCES : BUCKET_SUBRESOURCES;
  const sub = Object.keys(table).find((k) => q.has(k));
  const action = sub ? table[sub][method] : (key ? PLAIN : PLAIN_BUCKET)[method];
  if (!action) return undefined;
  // Multi-object delete names its keys in the body: the whole bucket's objects are required.
  const resource = key ? `arn:aws:s3:::${bucket}/${key}` : sub === 'delete' ? `arn:aws:s3:::${bucket}/*` : `arn:aws:s3:::${bucket}`;
  const needs = [[action, resource]];
  const copy = req.headers['x-amz-copy-source'];
  if (copy && key && method === 'PUT') needs.push(['s3:GetObject', `arn:aws:s3:::${decodeURIComponent(String(copy)).replace(/^\/+/, '').split('?')[0]}`]);
  return needs;
}

// IAM wildcards: * any run, ? one character; action names compare case-insensitively.
const wildcard = (pattern, flags = '') => new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, flags);
const list = (v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM evaluation: an explicit Deny wins, then any Allow; a statement with a Condition never allows (conditions are not reproduced). */
function allowed(accessKey, action, resource) {
  const docs = (users.get(accessKey)?.policies || []).map((p) => policies.get(p) || BUILTIN_POLICIES.get(p)).filter(Boolean);
  const statements = docs.flatMap((d) => list(d.Statement));
  const matches = (st) => list(st.Action).some((a) => wildcard(a, 'i').test(action)) && list(st.Resource).some((r) => wildcard(r).test(resource));
  if (statements.some((st) => st.Effect === 'Deny' && matches(st))) return false;
  return statements.some((st) => st.Effect === 'Allow' && !st.Condition && matches(st));
}

/** null when `accessKey` may make this request, else the S3 error to answer. */
function authorize(req, accessKey) {
  if (accessKey === rootUser) return null;
  const needs = requiredPermissions(req);
  if (!needs) return { code: 'AccessDenied', message: `the imstack MinIO substitute does not reproduce ${req.method} ${req.url.split('?')[0]} with these parameters for users other than root` };
  const missing = needs.find(([action, resource]) => !allowed(accessKey, action, resource));
  return missing ? { code: 'AccessDenied', message: 'Access Denied.' } : null;
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
    return reply({ ok: true });
  }
  if (route === 'attach-policy') {
    const missing = (body.policies || []).filter((p) => !policies.has(p) && !BUILTIN_POLICIES.has(p));
    if (missing.length) return s3Error(res, 404, 'XMinioAdminNoSuchPolicy', `policy ${missing.join(',')} does not exist`);
    const u = users.get(body.user);
    if (!u) return s3Error(res, 404, 'XMinioAdminNoSuchUser', `user ${body.user} does not exist`);
    u.policies = [...new Set([...(u.policies || []), ...body.policies])];
    saveUsers();
    return reply({ ok: true });
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
    const who = authenticate(req);
    if (who.code) return s3Error(res, 403, who.code, who.message);
    const denied = authorize(req, who.accessKey);
    if (denied) return s3Error(res, 403, denied.code, denied.message);
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
