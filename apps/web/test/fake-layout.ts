// A minimal layout model of a vertical scroll container, enough to reproduce what a browser
// does when items are inserted above the viewport: every item below moves down by the
// inserted height, and scrollTop is clamped to [0, scrollHeight - clientHeight].
import type { AnchorItem, Rect, ScrollBox } from '../src/scroll-anchor';

export interface FakeItem {
  readonly id: string;
  readonly height: number;
}

export class FakeScrollBox implements ScrollBox {
  private items: FakeItem[] = [];
  private scroll = 0;

  constructor(
    readonly clientHeight: number,
    /** Where the container sits on the page; rects are page coordinates as in a browser. */
    private readonly pageTop = 120,
    private readonly padding = 12,
    private readonly gap = 8,
  ) {}

  get scrollHeight(): number {
    const content = this.items.reduce((sum, it) => sum + it.height, 0) + Math.max(0, this.items.length - 1) * this.gap;
    return Math.max(this.clientHeight, content + 2 * this.padding);
  }

  get scrollTop(): number {
    return this.scroll;
  }

  set scrollTop(v: number) {
    this.scroll = Math.max(0, Math.min(v, this.scrollHeight - this.clientHeight));
  }

  append(items: readonly FakeItem[]): void {
    this.items.push(...items);
  }

  /** Inserts above the current items, as a browser does: scrollTop itself stays put. */
  prepend(items: readonly FakeItem[]): void {
    this.items.unshift(...items);
  }

  getBoundingClientRect(): Rect {
    return { top: this.pageTop, bottom: this.pageTop + this.clientHeight };
  }

  querySelectorAll(): ArrayLike<AnchorItem> {
    let y = this.pageTop + this.padding - this.scroll;
    return this.items.map((it) => {
      const top = y;
      y += it.height + this.gap;
      return {
        getAttribute: (name: string) => (name === 'data-id' ? it.id : null),
        getBoundingClientRect: () => ({ top, bottom: top + it.height }),
      };
    });
  }

  /** Page-coordinate top of an item, or undefined when absent. */
  topOf(id: string): number | undefined {
    const items = this.querySelectorAll();
    for (let i = 0; i < items.length; i++) if (items[i].getAttribute('data-id') === id) return items[i].getBoundingClientRect().top;
    return undefined;
  }
}

/** Deterministic item heights that vary like chat messages (one to several lines, images). */
export function makeItems(fromId: number, count: number, seed = 1): FakeItem[] {
  let s = seed;
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const out: FakeItem[] = [];
  for (let i = 0; i < count; i++) {
    const r = next();
    const height = r < 0.1 ? 198 : 38 + Math.floor(next() * 4) * 19;
    out.push({ id: String(fromId + i), height });
  }
  return out;
}
