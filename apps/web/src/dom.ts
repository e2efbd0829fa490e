// A tiny element builder: enough structure for three screens without a framework.

export type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/**
 * Makes `list`'s children match `keys` in order, reusing the element already rendered for a
 * key. Reusing nodes matters for the history view: prepending a page must not rebuild (and
 * so re-layout and reload images of) the messages already on screen.
 */
export function reconcile<T>(list: Element, items: readonly T[], key: (item: T) => string, render: (item: T) => HTMLElement): void {
  const existing = new Map<string, Element>();
  for (const child of Array.from(list.children)) {
    const k = child.getAttribute('data-key');
    if (k !== null) existing.set(k, child);
  }
  items.forEach((item, i) => {
    const k = key(item);
    let el = existing.get(k);
    if (!el) {
      el = render(item);
      el.setAttribute('data-key', k);
    }
    existing.delete(k);
    const at = list.children[i] ?? null;
    if (at !== el) list.insertBefore(el, at);
  });
  for (const stale of existing.values()) stale.remove();
}
