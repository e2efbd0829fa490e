// Pure pagination state for one conversation's message list. Kept free of the DOM so the
// merge rules (no duplicates, strict id order) can be tested on their own.

export interface HasId {
  readonly id: string;
}

/**
 * Orders message ids, which are decimal strings of bigints. Comparing length first and then
 * characters is exact for non-negative integers without leading zeros and never throws on
 * unexpected input (it degrades to plain string order).
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges two message lists into one ascending list without duplicate ids; incoming wins. */
export function mergeMessages<T extends HasId>(current: readonly T[], incoming: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const m of current) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) => compareIds(x.id, y.id));
}

export interface HistoryState<T extends HasId> {
  /** Oldest first: the order they are shown in. */
  readonly messages: readonly T[];
  /** Cursor for the next older page; null once the beginning has been reached. */
  readonly nextCursor: string | null;
  /** True until the first page arrived. */
  readonly initial: boolean;
}

export function emptyHistory<T extends HasId>(): HistoryState<T> {
  return { messages: [], nextCursor: null, initial: true };
}

/** True when another older page can be requested. */
export function hasOlder<T extends HasId>(state: HistoryState<T>): boolean {
  return state.initial || state.nextCursor !== null;
}

/** Applies a page fetched with `before=state.nextCursor` (or the first page). */
export function applyOlderPage<T extends HasId>(
  state: HistoryState<T>,
  page: { readonly messages: readonly T[]; readonly nextCursor: string | null },
): HistoryState<T> {
  return {
    messages: mergeMessages(state.messages, page.messages),
    nextCursor: page.nextCursor,
    initial: false,
  };
}

/**
 * Adds messages that arrived live or from a catch-up fetch of the newest page. The cursor
 * for older history is untouched: it still points below the oldest message already loaded.
 */
export function applyNewer<T extends HasId>(state: HistoryState<T>, messages: readonly T[]): HistoryState<T> {
  return { ...state, messages: mergeMessages(state.messages, messages) };
}
