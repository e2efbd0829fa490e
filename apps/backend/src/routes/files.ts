// Uploads into the S3 bucket (size limit, content-type allowlist), membership-checked downloads
// streamed through the backend, so an object is never reachable without access to its conversation,
// and deletion by the uploader or an admin.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { AccessClaims } from '../auth/tokens';
import { authenticate, isAdmin } from '../auth/guard';
import type { AppContext } from '../context';
import { badRequest, forbidden, HttpError, notFound, payloadTooLarge, unavailable, unsupportedMediaType } from '../errors';
import { purgeFile } from '../file-deletion';
import { toFileView, type FileForDeletion } from '../files';
import { requireUuid } from '../ids';
import { reachStorage } from '../object-storage';
import { requireMember } from './conversations';

export const ALLOWED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
]);

// Multipart framing (boundaries, part headers) on top of the file itself.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

/**
 * The uploader or an admin may delete. A member who may not gets 403; anyone else gets the 404 an
 * unknown id gets, and so does everyone but those two once the deletion has begun.
 */
async function requireMayDelete(ctx: AppContext, found: FileForDeletion, claims: AccessClaims): Promise<void> {
  if (found.file.uploaderId === claims.userId || (await isAdmin(ctx, claims))) return;
  if (!found.pending && (await ctx.conversations.access(found.file.conversationId, claims.userId)) === 'member') {
    throw forbidden('only the uploader or an admin may delete this file');
  }
  throw notFound('file not found');
}

function cleanName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters would corrupt the Content-Disposition header on download.
  const name = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return name || 'file';
}

export function fileRoutes(app: FastifyInstance, ctx: AppContext): void {
  const limitMb = Math.round(ctx.config.uploadMaxBytes / 1024 / 1024);

  app.post<{ Params: { id: string } }>(
    '/api/conversations/:id/files',
    { schema: { params: ID_PARAMS } },
    async (req, reply) => {
      const claims = await authenticate(ctx, req);
      const conversationId = await requireMember(ctx, req.params.id, claims.userId);
      if (!req.isMultipart()) throw unsupportedMediaType('upload must be multipart/form-data with one field named "file"');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > ctx.config.uploadMaxBytes + MULTIPART_OVERHEAD_BYTES) throw payloadTooLarge(`file exceeds the ${limitMb} MB upload limit`);

      const part = await req.file({ limits: { fileSize: ctx.config.uploadMaxBytes, files: 1, fields: 0, parts: 1 }, throwFileSizeLimit: false });
      if (!part) throw badRequest('multipart body has no file part; send one field named "file"');
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw badRequest(`multipart field must be named "file" (got "${part.fieldname}")`);
      }
      const contentType = part.mimetype.split(';')[0].trim().toLowerCase();
      if (!ALLOWED_CONTENT_TYPES.has(contentType)) {
        part.file.resume();
        throw unsupportedMediaType(`content type "${contentType}" is not allowed; allowed: ${[...ALLOWED_CONTENT_TYPES].join(', ')}`);
      }

      const id = randomUUID();
      const objectKey = `conversations/${conversationId}/${id}`;
      // Spool to a temp file first: the size must be known before the PUT (S3 servers differ
      // in multipart support), and memory stays flat whatever UPLOAD_MAX_MB is.
      const spool = path.join(os.tmpdir(), `imstack-upload-${id}`);
      let size: number;
      try {
        await pipeline(part.file, createWriteStream(spool, { mode: 0o600 }));
        if (part.file.truncated) throw payloadTooLarge(`file exceeds the ${limitMb} MB upload limit`);
        size = (await stat(spool)).size;
        if (size === 0) throw badRequest('file is empty');
        await reachStorage(() => ctx.minio.putObject(ctx.config.s3.bucket, objectKey, createReadStream(spool), size, { 'Content-Type': contentType }));
      } finally {
        await rm(spool, { force: true });
      }
      const file = await ctx.files.create({ id, conversationId, uploaderId: claims.userId, name: cleanName(part.filename), contentType, size, objectKey });
      req.log.info({ fileId: id, size, contentType }, 'file uploaded');
      return reply.code(201).send(toFileView(file));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { token?: string } }>(
    '/api/files/:id',
    {
      schema: {
        params: ID_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', maxLength: 2048 } } },
      },
    },
    async (req, reply) => {
      const claims = await authenticate(ctx, req, { allowQueryToken: true });
      const id = requireUuid(req.params.id, 'file id');
      const file = await ctx.files.get(id);
      if (!file) throw notFound('file not found');
      if ((await ctx.conversations.access(file.conversationId, claims.userId)) !== 'member') {
        throw forbidden('you are not a member of the conversation this file belongs to');
      }
      const stream = await reachStorage(() => ctx.minio.getObject(ctx.config.s3.bucket, file.objectKey)).catch((err: unknown) => {
        // A delete that marked the row after it was read above, then removed the object.
        if ((err as { code?: string }).code !== 'NoSuchKey') throw err;
        req.log.warn({ fileId: id }, 'file row without its object (deleted meanwhile?)');
        throw notFound('file not found');
      });
      return reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.size))
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=300')
        .send(stream);
    },
  );

  // Mark first, then remove the object, then record that: a crash or an outage at any step leaves
  // a marked row (not served, not attachable) that a retry or the sweep (file-deletion.ts) finishes.
  app.delete<{ Params: { id: string } }>('/api/files/:id', { schema: { params: ID_PARAMS } }, async (req, reply) => {
    const claims = await authenticate(ctx, req);
    const id = requireUuid(req.params.id, 'file id');
    const found = await ctx.files.getForDeletion(id);
    if (!found) throw notFound('file not found');
    await requireMayDelete(ctx, found, claims);
    if (!(await ctx.files.markDeleted(id))) throw notFound('file not found');
    try {
      await purgeFile({ minio: ctx.minio, bucket: ctx.config.s3.bucket, files: ctx.files }, found.file);
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 503) {
        req.log.warn({ fileId: id }, 'file marked deleted; object removal waits for object storage');
        throw unavailable('object storage is unavailable: the file is no longer served, and removing its stored copy finishes on retry or automatically');
      }
      throw err;
    }
    req.log.info({ fileId: id, byUploader: found.file.uploaderId === claims.userId }, 'file deleted');
    return reply.code(204).send();
  });
}
