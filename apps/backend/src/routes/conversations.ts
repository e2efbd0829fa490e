// Conversations, membership, and the users directory used to start them.
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth/guard';
import type { AppContext } from '../context';
import type { Conversation } from '../conversations';
import { badRequest, forbidden, notFound } from '../errors';
import { requireUuid } from '../ids';
import { toMessageViews } from '../message-views';
import { toPublicUser } from '../users';

const UUID = { type: 'string', minLength: 36, maxLength: 36, pattern: '^[0-9a-fA-F-]{36}$' } as const;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

/** 404 for an unknown conversation, 403 for a non-member; returns the normalised id. */
export async function requireMember(ctx: AppContext, rawId: string, userId: string): Promise<string> {
  const id = requireUuid(rawId, 'conversation id');
  const access = await ctx.conversations.access(id, userId);
  if (access === 'missing') throw notFound('conversation not found');
  if (access === 'outsider') throw forbidden('you are not a member of this conversation');
  return id;
}

const view = (c: Conversation) => ({ ...c, createdAt: c.createdAt.toISOString() });

export function conversationRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: { q?: string } }>(
    '/api/users',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { q: { type: 'string', maxLength: 64 } } } } },
    async (req) => {
      await authenticate(ctx, req);
      const users = await ctx.users.search((req.query.q ?? '').trim(), 50);
      return { users: users.map(toPublicUser) };
    },
  );

  app.post<{ Body: { type: 'direct' | 'group'; title?: string; memberIds: string[] } }>(
    '/api/conversations',
    {
      schema: {
        body: {
          type: 'object',
          required: ['type', 'memberIds'],
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: ['direct', 'group'] },
            title: { type: 'string', minLength: 1, maxLength: 100 },
            memberIds: { type: 'array', maxItems: 200, items: UUID },
          },
        },
      },
    },
    async (req, reply) => {
      const claims = await authenticate(ctx, req);
      const memberIds = [...new Set(req.body.memberIds.map((id) => requireUuid(id, 'memberIds item')))].filter((id) => id !== claims.userId);
      if (req.body.type === 'direct') {
        if (memberIds.length !== 1) throw badRequest('a direct conversation needs exactly one other member in memberIds');
        if (req.body.title !== undefined) throw badRequest('a direct conversation has no title');
      }
      const existing = await ctx.conversations.countExistingUsers(memberIds);
      const unknown = memberIds.filter((id) => !existing.has(id));
      if (unknown.length) throw badRequest(`unknown user id(s) in memberIds: ${unknown.join(', ')}`, 'unknown_user');
      const { conversation, created } = await ctx.conversations.create({
        type: req.body.type,
        title: req.body.title?.trim() || null,
        creatorId: claims.userId,
        memberIds,
      });
      // An existing direct conversation of the same pair is returned with 200 instead of a duplicate.
      return reply.code(created ? 201 : 200).send(view(conversation));
    },
  );

  app.get('/api/conversations', async (req) => {
    const claims = await authenticate(ctx, req);
    const list = await ctx.conversations.listForUser(claims.userId);
    const latest = await ctx.messages.latest(list.map((c) => c.id));
    const lastViews = new Map((await toMessageViews(ctx, [...latest.values()])).map((m) => [m.conversationId, m]));
    const conversations = list.map((c) => {
      const lastMessage = lastViews.get(c.id);
      return lastMessage ? { ...view(c), lastMessage } : view(c);
    });
    // Most recent activity first (file-driver messages do not touch the conversations table).
    const activity = (c: (typeof conversations)[number]) => ('lastMessage' in c && c.lastMessage ? c.lastMessage.createdAt : c.createdAt);
    conversations.sort((a, b) => activity(b).localeCompare(activity(a)));
    return { conversations };
  });

  app.get<{ Params: { id: string } }>('/api/conversations/:id', { schema: { params: ID_PARAMS } }, async (req) => {
    const claims = await authenticate(ctx, req);
    const id = await requireMember(ctx, req.params.id, claims.userId);
    return view((await ctx.conversations.get(id))!);
  });

  app.post<{ Params: { id: string }; Body: { userId: string } }>(
    '/api/conversations/:id/members',
    {
      schema: {
        params: ID_PARAMS,
        body: { type: 'object', required: ['userId'], additionalProperties: false, properties: { userId: UUID } },
      },
    },
    async (req, reply) => {
      const claims = await authenticate(ctx, req);
      const id = await requireMember(ctx, req.params.id, claims.userId);
      const userId = requireUuid(req.body.userId, 'userId');
      const conversation = (await ctx.conversations.get(id))!;
      if (conversation.type !== 'group') throw badRequest('members can only be added to group conversations');
      if (!(await ctx.users.findById(userId))) throw badRequest(`unknown user id: ${userId}`, 'unknown_user');
      await ctx.conversations.addMember(id, userId);
      return reply.code(201).send(view((await ctx.conversations.get(id))!));
    },
  );
}
