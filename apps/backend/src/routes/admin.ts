// Admin-only overview numbers (used by the Next.js admin page).
import type { FastifyInstance } from 'fastify';
import { authenticate, requireAdmin } from '../auth/guard';
import type { AppContext } from '../context';

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/admin/stats', async (req) => {
    await requireAdmin(ctx, await authenticate(ctx, req));
    const { rows } = await ctx.pool.query<{ users: string; conversations: string; files: string; storage_bytes: string }>(`
      SELECT (SELECT count(*) FROM users)::text AS users,
             (SELECT count(*) FROM conversations)::text AS conversations,
             (SELECT count(*) FROM files WHERE deleted_at IS NULL)::text AS files,
             (SELECT COALESCE(sum(size), 0) FROM files WHERE deleted_at IS NULL)::text AS storage_bytes`);
    const r = rows[0];
    return {
      users: Number(r.users),
      conversations: Number(r.conversations),
      messages: await ctx.messages.count(),
      files: Number(r.files),
      storageBytes: Number(r.storage_bytes),
    };
  });
}
