#!/usr/bin/env node
// @ts-check
// Zero-dependency static file server for the built client (dist/). Serves files with their
// content type, falls back to index.html for client-side routes, and never serves anything
// outside the root directory. nginx in front adds security headers and edge caching.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** @param {string} file */
function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a request path to a file path inside root, or null when it would leave root or is
 * not a valid path (bad percent-encoding, NUL bytes).
 * @param {string} root absolute, resolved root directory
 * @param {string} urlPath the pathname part of the request URL, still percent-encoded
 * @returns {string | null}
 */
function resolveSafePath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const target = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (target !== root && !target.startsWith(root + path.sep)) return null;
  return target;
}

/**
 * @param {string} file
 * @returns {Promise<fs.Stats | null>}
 */
async function statFile(file) {
  try {
    const st = await fs.promises.stat(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

/**
 * A weak validator from size and modification time, as nginx and most static servers make it:
 * a rebuilt file gets a new one without the server reading the bytes.
 * @param {fs.Stats} stat
 */
function etagOf(stat) {
  return `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

/**
 * RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since, and entity tags compare
 * weakly (a proxy that compresses the body turns "x" into W/"x").
 * @param {http.IncomingMessage} req
 * @param {string} etag
 * @param {Date} mtime
 */
function notModified(req, etag, mtime) {
  const opaque = (/** @type {string} */ tag) => tag.trim().replace(/^W\//, '');
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch !== undefined) {
    return noneMatch.trim() === '*' || noneMatch.split(',').some((t) => opaque(t) === opaque(etag));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds; the file's mtime has milliseconds.
  return Number.isFinite(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
}

/**
 * @param {{ root: string }} opts
 * @returns {http.Server}
 */
function createStaticServer(opts) {
  const root = fs.realpathSync(path.resolve(opts.root));
  const indexFile = path.join(root, 'index.html');

  return http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0].split('#')[0];
    const target = resolveSafePath(root, pathname);
    if (target === null) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('bad path\n');
      return;
    }
    let file = target;
    let stat = await statFile(file);
    if (stat) {
      // A symlink inside dist/ must not lead outside it either.
      const real = await fs.promises.realpath(file);
      if (real !== root && !real.startsWith(root + path.sep)) stat = null;
    }
    if (!stat) {
      // Paths that look like files are real 404s; anything else is a client-side route.
      if (path.extname(target) !== '' || pathname.startsWith('/assets/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return;
      }
      file = indexFile;
      stat = await statFile(file);
      if (!stat) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('index.html missing: run vite build\n');
        return;
      }
    }
    // Vite puts content hashes in /assets/ file names, so those never change; index.html must
    // be revalidated so a deploy takes effect at once (and a 304 keeps that cheap).
    const immutable = file.startsWith(path.join(root, 'assets') + path.sep);
    const validators = {
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etagOf(stat),
      'Last-Modified': stat.mtime.toUTCString(),
    };
    if (notModified(req, validators.ETag, stat.mtime)) {
      res.writeHead(304, validators);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...validators,
      'Content-Type': contentType(file),
      'Content-Length': stat.size,
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}

module.exports = { createStaticServer, resolveSafePath, contentType, notModified };

if (require.main === module) {
  const port = Number(process.env.PORT ?? 5173);
  const host = process.env.HOST ?? '0.0.0.0';
  const root = process.env.STATIC_ROOT ?? path.join(__dirname, '..', 'dist');
  const server = createStaticServer({ root });
  server.listen(port, host, () => {
    process.stdout.write(JSON.stringify({ level: 'info', msg: 'web client listening', port, root }) + '\n');
  });
  const shutdown = () => {
    server.close(() => process.exit(0));
    // Keep-alive connections would hold close() open; they carry no state worth waiting for.
    setTimeout(() => process.exit(0), 5000).unref();
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
