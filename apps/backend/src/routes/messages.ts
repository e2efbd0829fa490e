// Posting messages and reading history with keyset pagination.
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth/guard';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { decodeCursor, encodeCursor, requireUuid } from '../ids';
import { toMessageViews } from '../message-views';
import { requireMember } from './conversations';

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

export function messageRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Params: { id: string }; Body: { body: string; attachmentId?: string } }>(
    '/api/conversations/:id/messages',
    {
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          required: ['body'],
          additionalProperties: false,
          properties: { body: { type: 'string', minLength: 1, maxLength: 4000 }, attachmentId: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (req, reply) => {
      const claims = await authenticate(ctx, req);
      const conversationId = await requireMember(ctx, req.params.id, claims.userId);
      if (!req.body.body.trim()) throw badRequest('body must contain more than whitespace');
      let attachmentId: string | null = null;
      if (req.body.attachmentId !== undefined) {
        attachmentId = requireUuid(req.body.attachmentId, 'attachmentId');
        const file = await ctx.files.get(attachmentId);
        if (!file || file.conversationId !== conversationId) throw badRequest('attachmentId does not name a file uploaded to this conversation', 'bad_attachment');
      }
      const stored = await ctx.messages.insert({ conversationId, senderId: claims.userId, body: req.body.body, attachmentId });
      ctx.metrics?.messagesPosted.inc();
      const [message] = await toMessageViews(ctx, [stored]);
      const recipients = await ctx.conversations.memberIds(conversationId);
      // Delivery is best effort: the message is stored, and clients re-read history on reconnect.
      await ctx.hub.publish(recipients, { type: 'message', message }).catch((err) => req.log.warn({ err }, 'live delivery failed'));
      return reply.code(201).send(message);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { before?: string; limit?: string } }>(
    '/api/conversations/:id/messages',
    {
      schema: {
        params: ID_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { before: { type: 'string', maxLength: 100 }, limit: { type: 'string', maxLength: 10 } },
        },
      },
    },
    async (req) => {
      const claims = await authenticate(ctx, req);
      const conversationId = await requireMember(ctx, req.params.id, claims.userId);
      let limit = 50;
      if (req.query.limit !== undefined) {
        if (!/^\d+$/.test(req.query.limit) || Number(req.query.limit) < 1 || Number(req.query.limit) > 100) {
          throw badRequest(`limit must be an integer from 1 to 100 (got "${req.query.limit}")`, 'bad_limit');
        }
        limit = Number(req.query.limit);
      }
      const before = req.query.before !== undefined && req.query.before !== '' ? decodeCursor(req.query.before) : null;
      // One extra row tells whether an older page exists without a second query.
      const rows = await ctx.messages.page(conversationId, before, limit + 1);
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1].id) : null;
      return { messages: await toMessageViews(ctx, page), nextCursor };
    },
  );
}
