import type { ApiClient } from '../api';
import { h } from '../dom';
import type { Conversation, UserSummary } from '../types';

/**
 * The "new conversation" panel: search users, tick one for a direct conversation or several
 * for a group (with an optional title).
 */
export function newConversationPanel(api: ApiClient, me: UserSummary, onCreated: (c: Conversation) => void): HTMLElement {
  const selected = new Map<string, UserSummary>();
  const search = h('input', { type: 'search', placeholder: 'Search users', 'data-testid': 'user-search', 'aria-label': 'Search users' });
  const results = h('ul', { class: 'user-results', 'data-testid': 'user-results' });
  const title = h('input', { placeholder: 'Group title (optional)', 'data-testid': 'group-title', maxlength: 100, hidden: true });
  const create = h('button', { type: 'submit', 'data-testid': 'create-conversation', disabled: true }, 'Start conversation');
  const error = h('p', { class: 'error', role: 'alert' });

  const refreshState = (): void => {
    create.disabled = selected.size === 0;
    title.hidden = selected.size < 2;
  };

  let searchSeq = 0;
  const runSearch = async (): Promise<void> => {
    const seq = ++searchSeq;
    try {
      const users = (await api.users(search.value.trim())).filter((u) => u.id !== me.id);
      if (seq !== searchSeq) return; // a newer search already answered
      results.replaceChildren(
        ...users.map((u) => {
          const box = h('input', { type: 'checkbox', value: u.id, checked: selected.has(u.id) });
          box.addEventListener('change', () => {
            if (box.checked) selected.set(u.id, u);
            else selected.delete(u.id);
            refreshState();
          });
          return h('li', {}, h('label', { 'data-testid': 'user-option', 'data-username': u.username }, box, ` ${u.displayName || u.username} `, h('small', {}, `@${u.username}`)));
        }),
      );
      if (users.length === 0) results.append(h('li', { class: 'muted' }, 'No users found'));
      error.textContent = '';
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
    }
  };

  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void runSearch(), 200);
  });

  const form = h('form', { class: 'new-conversation', 'data-testid': 'new-conversation-form' }, search, results, title, error, create);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      create.disabled = true;
      try {
        const ids = [...selected.keys()];
        const conversation = await api.createConversation(ids.length === 1 ? 'direct' : 'group', ids, title.value.trim() || undefined);
        onCreated(conversation);
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        refreshState();
      }
    })();
  });
  void runSearch();
  return form;
}
