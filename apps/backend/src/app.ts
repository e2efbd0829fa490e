// Builds the Fastify instance: strict validation, the `{error, message}` error shape, plugins
// and routes. No I/O happens here, so tests can build apps over their own dependencies.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import pino, { type Logger } from 'pino';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import type { AppContext } from './context';
import { isDatabaseUnavailable } from './db';
import { databaseUnavailable, HttpError, RETRY_AFTER_SECONDS } from './errors';
import { recordRequestDurations } from './metrics/http';
import { rejectNulText } from './text';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { conversationRoutes } from './routes/conversations';
import { fileRoutes } from './routes/files';
import { healthRoutes } from './routes/health';
import { messageRoutes } from './routes/messages';
import { wsRoutes } from './routes/ws';

const JSON_BODY_LIMIT = 64 * 1024;

// Fastify's own client-error codes mapped to the statuses and texts our API documents.
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: `request body exceeds ${JSON_BODY_LIMIT / 1024} KB` },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'unsupported Content-Type; send application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'bad_request', message: 'JSON body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported_media_type', message: 'upload must be multipart/form-data' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_FILES_LIMIT: { status: 400, code: 'bad_request', message: 'send exactly one file per upload' },
  FST_PARTS_LIMIT: { status: 400, code: 'bad_request', message: 'send exactly one multipart field named "file"' },
  FST_FIELDS_LIMIT: { status: 400, code: 'bad_request', message: 'send exactly one multipart field named "file"' },
  FST_PROTO_VIOLATION: { status: 400, code: 'bad_request' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'bad_request', message: 'upload was interrupted' },
};

export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]');
}

// Access tokens can ride in ?token= (websocket, <img src>): the request log never shows them.
function serializeRequest(req: { method: string; url: string; ip?: string }): object {
  return { method: req.method, url: redactUrl(req.url), ip: req.ip };
}

export interface Lifecycle {
  /** Set when shutdown begins: responses then close their connection instead of keeping it alive. */
  closing: boolean;
}

export function buildApp(ctx: AppContext, opts: { logger?: Logger; lifecycle?: Lifecycle } = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: (opts.logger ?? pino({ level: ctx.config.logLevel })).child({}, { serializers: { req: serializeRequest } }),
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy: true,
    // Query strings are only ever strings here; bodies must match their schema exactly.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  } as FastifyServerOptions);

  // Our JSON parser: an empty body counts as "no body" (POST /api/auth/logout), anything that is
  // not valid JSON is a 400 naming the problem.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new HttpError(400, 'malformed_json', `request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((raw: FastifyError | HttpError, req, reply) => {
    const err = isDatabaseUnavailable(raw) ? databaseUnavailable() : raw;
    if (err !== raw) req.log.warn({ err: (raw as Error).message }, 'database unavailable');
    if (err instanceof HttpError) {
      if (err.statusCode >= 500) req.log.warn({ code: err.code }, err.message);
      if (err.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    }
    if ('validation' in err && err.validation) {
      const where = err.validationContext ?? 'request';
      return reply.code(400).send({ error: 'validation', message: `${where}${err.message.replace(/^(body|querystring|params|headers)/, '')}` });
    }
    const mapped = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
    if (mapped) return reply.code(mapped.status).send({ error: mapped.code, message: mapped.message ?? err.message });
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: 'bad_request', message: err.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal server error' });
  });

  // PostgreSQL cannot store U+0000: refuse it in every text input before validation and handlers.
  app.addHook('preValidation', async (req) => rejectNulText(req));

  // Requests that were in flight when SIGTERM arrived finish normally, but their keep-alive
  // connections must not hold the shutdown open.
  app.addHook('onSend', async (_req, reply) => {
    if (opts.lifecycle?.closing) reply.header('connection', 'close');
  });

  if (ctx.metrics) recordRequestDurations(app, ctx.metrics);

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });

  app.register(multipart, { limits: { fileSize: ctx.config.uploadMaxBytes, files: 1, parts: 1 } });
  app.register(websocket, { options: { maxPayload: 16 * 1024 } });
  app.register(async (scoped) => {
    healthRoutes(scoped, ctx);
    authRoutes(scoped, ctx);
    conversationRoutes(scoped, ctx);
    messageRoutes(scoped, ctx);
    fileRoutes(scoped, ctx);
    adminRoutes(scoped, ctx);
    wsRoutes(scoped, ctx);
  });
  return app;
}
