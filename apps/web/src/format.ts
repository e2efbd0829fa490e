import type { Conversation, UserSummary } from './types';

export function conversationTitle(c: Conversation, meId: string): string {
  if (c.title) return c.title;
  const others = c.members.filter((m) => m.id !== meId);
  if (others.length === 0) return 'Just you';
  return others.map((m) => m.displayName || m.username).join(', ');
}

export function displayName(u: UserSummary): string {
  return u.displayName || u.username;
}

/** Most recent activity first. */
export function sortConversations(list: readonly Conversation[]): Conversation[] {
  const activity = (c: Conversation): string => c.lastMessage?.createdAt ?? c.createdAt;
  return [...list].sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
