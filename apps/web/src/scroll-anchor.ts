// Keeps the message the user is looking at still on screen while older history is inserted
// above it. Capture the topmost visible item and its offset from the container's top edge
// before the DOM changes, then after the change scroll by however far that item moved.
// Measuring the item again (rather than adding the inserted height) makes the restore
// correct whatever else moved, including a browser's own scroll anchoring.

export interface Rect {
  readonly top: number;
  readonly bottom: number;
}

export interface AnchorItem {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Rect;
}

/** The subset of an HTMLElement scroll container this module needs. */
export interface ScrollBox {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  getBoundingClientRect(): Rect;
  querySelectorAll(selector: string): ArrayLike<AnchorItem>;
}

export interface Anchor {
  readonly id: string;
  /** Distance in px from the container's top edge to the item's top edge. */
  readonly offset: number;
}

export const ITEM_SELECTOR = '[data-id]';

/** Finds the first item whose bottom edge is below the container's top edge. */
export function captureAnchor(box: ScrollBox, selector: string = ITEM_SELECTOR): Anchor | null {
  const top = box.getBoundingClientRect().top;
  const items = box.querySelectorAll(selector);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const rect = item.getBoundingClientRect();
    const id = item.getAttribute('data-id');
    if (id !== null && rect.bottom > top) return { id, offset: rect.top - top };
  }
  return null;
}

/**
 * Scrolls so the anchored item is back at its captured offset. Returns the scroll delta that
 * was applied (0 when the anchor is gone or did not move).
 */
export function restoreAnchor(box: ScrollBox, anchor: Anchor | null, selector: string = ITEM_SELECTOR): number {
  if (!anchor) return 0;
  const items = box.querySelectorAll(selector);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.getAttribute('data-id') !== anchor.id) continue;
    const offset = item.getBoundingClientRect().top - box.getBoundingClientRect().top;
    const delta = offset - anchor.offset;
    if (delta !== 0) box.scrollTop += delta;
    return delta;
  }
  return 0;
}

export function isNearTop(box: ScrollBox, thresholdPx = 80): boolean {
  return box.scrollTop <= thresholdPx;
}

export function isNearBottom(box: ScrollBox, thresholdPx = 80): boolean {
  return box.scrollHeight - box.clientHeight - box.scrollTop <= thresholdPx;
}

export function scrollToBottom(box: ScrollBox): void {
  box.scrollTop = box.scrollHeight;
}
