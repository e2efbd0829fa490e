// What the client does once a file is deleted: the messages that carried it show it as removed,
// exactly as the backend now returns them (docs/api.md, attachmentRemoved).
import type { Message } from './types';

/** The messages among `messages` that carried `fileId`, updated to show it removed. */
export function withAttachmentRemoved(messages: readonly Message[], fileId: string): Message[] {
  return messages.filter((m) => m.attachment?.id === fileId).map((m) => ({ ...m, attachment: null, attachmentRemoved: true }));
}
