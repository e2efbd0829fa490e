// STAND-IN for Grafana (see the Dockerfile). What it honours, nothing more:
//   GF_SERVER_HTTP_PORT (3000); GF_SERVER_ROOT_URL with GF_SERVER_SERVE_FROM_SUB_PATH=true: served
//   under the root URL's path (e.g. /grafana/), else at /; GF_SECURITY_ADMIN_USER (admin) and
//   GF_SECURITY_ADMIN_PASSWORD (admin; run.sh fills it from GF_SECURITY_ADMIN_PASSWORD__FILE).
//   At start: every $GF_PATHS_PROVISIONING/datasources/*.y{a,}ml and dashboards/*.y{a,}ml, and
//   every *.json under each dashboard provider's options.path, must read and parse (datasources
//   need name and type; dashboards must be objects, uids distinct), else it exits 1. Grafana
//   itself logs such errors and starts; the stand-in is stricter so a test sees them.
//   GET <sub>/api/health: 200 JSON. GET <sub>/api/dashboards/uid/<uid>: 200 {dashboard, meta} with
//   basic auth as the admin, 401 without or with a wrong password, 404 for an unknown uid.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const YAML = require('yaml');

const env = process.env;
const port = Number(env.GF_SERVER_HTTP_PORT || 3000);
const adminUser = env.GF_SECURITY_ADMIN_USER || 'admin';
const adminPassword = env.GF_SECURITY_ADMIN_PASSWORD || 'admin';
const provisioning = env.GF_PATHS_PROVISIONING || '/etc/grafana/provisioning';

function fail(message) {
  console.error(`grafana-standin: ${message}`);
  process.exit(1);
}

/** The path Grafana serves under: the root URL's path when serve_from_sub_path is on. */
function subPath() {
  if (String(env.GF_SERVER_SERVE_FROM_SUB_PATH).toLowerCase() !== 'true' || !env.GF_SERVER_ROOT_URL) return '';
  // Grafana expands %(protocol)s, %(domain)s and %(http_port)s; only the path matters here.
  const url = env.GF_SERVER_ROOT_URL.replace(/%\((protocol)\)s/g, 'http').replace(/%\((domain|http_port)\)s/g, (_m, k) => (k === 'domain' ? 'localhost' : String(port)));
  let parsed;
  try { parsed = new URL(url); } catch { fail(`GF_SERVER_ROOT_URL is not a URL: ${env.GF_SERVER_ROOT_URL}`); }
  return parsed.pathname.replace(/\/+$/, '');
}

function yamlFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
}

function readYaml(file) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { fail(`cannot read ${file}: ${e.message}`); }
  try { return YAML.parse(text) ?? {}; } catch (e) { fail(`${file} is not valid YAML: ${e.message}`); }
}

function jsonFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsonFiles(abs));
    else if (entry.name.endsWith('.json')) out.push(abs);
  }
  return out.sort();
}

function loadProvisioning() {
  const datasources = [];
  for (const file of yamlFiles(path.join(provisioning, 'datasources'))) {
    const doc = readYaml(file);
    for (const ds of doc.datasources ?? []) {
      if (!ds || typeof ds.name !== 'string' || typeof ds.type !== 'string') fail(`${file}: a datasource needs a name and a type`);
      datasources.push(ds);
    }
  }
  const dashboards = new Map();
  for (const file of yamlFiles(path.join(provisioning, 'dashboards'))) {
    const doc = readYaml(file);
    for (const provider of doc.providers ?? []) {
      const dir = provider?.options?.path;
      if (typeof dir !== 'string') fail(`${file}: provider ${provider?.name ?? '(unnamed)'} has no options.path`);
      let stat;
      try { stat = fs.statSync(dir); } catch (e) { fail(`${file}: provider path ${dir} is unreadable: ${e.message}`); }
      if (!stat.isDirectory()) fail(`${file}: provider path ${dir} is not a directory`);
      for (const json of jsonFiles(dir)) {
        let board;
        try { board = JSON.parse(fs.readFileSync(json, 'utf8')); } catch (e) { fail(`dashboard ${json} is unreadable or not JSON: ${e.message}`); }
        if (!board || typeof board !== 'object' || Array.isArray(board)) fail(`dashboard ${json} is not a JSON object`);
        const uid = typeof board.uid === 'string' && board.uid ? board.uid : undefined;
        if (!uid) { console.log(`grafana-standin: ${json} has no uid; not served by uid`); continue; }
        if (dashboards.has(uid)) fail(`dashboard uid ${uid} is in both ${dashboards.get(uid).file} and ${json}`);
        dashboards.set(uid, { file: json, board, provider: provider.name });
      }
    }
  }
  return { datasources, dashboards };
}

function authorized(header) {
  const m = /^Basic (.+)$/i.exec(header || '');
  if (!m) return false;
  const given = Buffer.from(m[1], 'base64').toString('utf8');
  const expected = `${adminUser}:${adminPassword}`;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const { datasources, dashboards } = loadProvisioning();
const sub = subPath();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (sub && !(url.pathname === sub || url.pathname.startsWith(`${sub}/`))) return send(res, 404, { message: 'Not found' });
  const p = url.pathname.slice(sub.length) || '/';
  if (req.method !== 'GET') return send(res, 405, { message: 'Method not allowed (grafana stand-in)' });
  if (p === '/api/health') return send(res, 200, { database: 'ok', version: 'stand-in', commit: 'stand-in' });
  const m = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(p);
  if (m) {
    if (!authorized(req.headers.authorization)) return send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="grafana"' });
    const found = dashboards.get(decodeURIComponent(m[1]));
    if (!found) return send(res, 404, { message: 'Dashboard not found' });
    return send(res, 200, { dashboard: found.board, meta: { provisioned: true, provisionedExternalId: path.basename(found.file), slug: String(found.board.title ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-') } });
  }
  return send(res, 404, { message: 'Not found' });
});
server.listen(port, '0.0.0.0', () => console.log(`grafana-standin listening on :${port}${sub || '/'} (${datasources.length} datasources, ${dashboards.size} dashboards with a uid)`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
