// Turns stored messages into the API's message shape, loading senders and attachments in bulk.
import type { AppContext } from './context';
import { toFileView } from './files';
import type { StoredMessage } from './store/message-store';
import type { PublicUser } from './users';

export interface MessageView {
  readonly id: string;
  readonly conversationId: string;
  readonly senderId: string;
  readonly sender: PublicUser;
  readonly body: string;
  readonly attachment: { id: string; name: string; contentType: string; size: number } | null;
  /** True when the message had an attachment that has since been deleted (attachment is then null). */
  readonly attachmentRemoved: boolean;
  readonly createdAt: string;
}

export async function toMessageViews(ctx: AppContext, messages: readonly StoredMessage[]): Promise<MessageView[]> {
  const [users, files] = await Promise.all([
    ctx.users.findMany(messages.map((m) => m.senderId)),
    ctx.files.findMany(messages.flatMap((m) => (m.attachmentId ? [m.attachmentId] : []))),
  ]);
  return messages.map((m) => {
    const u = users.get(m.senderId);
    const f = m.attachmentId ? files.live.get(m.attachmentId) : undefined;
    return {
      id: m.id,
      conversationId: m.conversationId,
      senderId: m.senderId,
      sender: u ? { id: u.id, username: u.username, displayName: u.displayName } : { id: m.senderId, username: 'unknown', displayName: 'unknown' },
      body: m.body,
      attachment: f ? toFileView(f) : null,
      attachmentRemoved: m.attachmentId ? files.removed.has(m.attachmentId) : false,
      createdAt: m.createdAt.toISOString(),
    };
  });
}
