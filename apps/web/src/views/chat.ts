import { ApiError, type ApiClient } from '../api';
import { h, reconcile } from '../dom';
import { withAttachmentRemoved } from '../attachment';
import { conversationTitle, displayName, sortConversations } from '../format';
import { applyNewer, applyOlderPage, emptyHistory, hasOlder, type HistoryState } from '../history';
import { LiveConnection, liveUrl, type LiveStatus } from '../live';
import { captureAnchor, isNearBottom, isNearTop, restoreAnchor, scrollToBottom } from '../scroll-anchor';
import type { Attachment, Conversation, LiveEvent, Message, User } from '../types';
import { attachmentView } from './attachment';
import { newConversationPanel } from './new-conversation';

const PAGE_SIZE = 50;

/** The signed-in screen: conversation list, message history, composer and live feed. */
export class ChatView {
  private conversations: Conversation[] = [];
  private activeId: string | null = null;
  private readonly histories = new Map<string, HistoryState<Message>>();
  private loadingOlder = false;
  private readonly live: LiveConnection;

  private readonly root: HTMLElement;
  private readonly convList = h('ul', { class: 'conversations', 'data-testid': 'conversations' });
  private readonly pickerSlot = h('div', { class: 'picker-slot' });
  private readonly title = h('h2', { 'data-testid': 'conversation-title' }, 'Pick or start a conversation');
  private readonly historyStatus = h('span', { class: 'muted', 'data-testid': 'history-status' });
  private readonly liveStatus = h('span', { class: 'live-status', 'data-testid': 'live-status', title: 'live connection' });
  private readonly list = h('ol', { class: 'messages', 'data-testid': 'messages' });
  private readonly input = h('input', { 'data-testid': 'composer', placeholder: 'Write a message', maxlength: 4000, autocomplete: 'off', disabled: true });
  private readonly fileInput = h('input', { type: 'file', 'data-testid': 'file-input', accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain', disabled: true });
  private readonly sendBtn = h('button', { type: 'submit', 'data-testid': 'send', disabled: true }, 'Send');
  private readonly notice = h('p', { class: 'error', role: 'alert', 'data-testid': 'chat-error' });

  constructor(
    root: HTMLElement,
    private readonly api: ApiClient,
    private readonly me: User,
    private readonly onLogout: () => void,
  ) {
    this.root = root;
    this.live = new LiveConnection({
      url: async () => {
        const token = await this.api.freshAccessToken();
        return token ? liveUrl(window.location, token) : null;
      },
      onEvent: (ev) => this.onLiveEvent(ev),
      onStatus: (s) => this.showLiveStatus(s),
      onReconnected: () => void this.catchUp(),
    });
  }

  async mount(): Promise<void> {
    const logout = h('button', { type: 'button', class: 'secondary', 'data-testid': 'logout' }, 'Log out');
    logout.addEventListener('click', () => void this.logout());
    const newBtn = h('button', { type: 'button', 'data-testid': 'new-conversation' }, 'New conversation');
    newBtn.addEventListener('click', () => this.togglePicker());

    const composer = h('form', { class: 'composer', 'data-testid': 'composer-form' }, this.input, h('label', { class: 'file', title: 'Attach a file' }, 'Attach', this.fileInput), this.sendBtn);
    composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.send();
    });
    this.fileInput.addEventListener('change', () => void this.upload());
    this.list.addEventListener('scroll', () => {
      if (isNearTop(this.list)) void this.loadOlder();
    }, { passive: true });

    this.root.replaceChildren(
      h(
        'div',
        { class: 'app' },
        h(
          'aside',
          { class: 'sidebar' },
          h('header', {}, h('strong', { 'data-testid': 'me' }, displayName(this.me)), this.liveStatus, logout),
          newBtn,
          this.pickerSlot,
          this.convList,
        ),
        h('main', { class: 'chat' }, h('header', {}, this.title, this.historyStatus), this.list, this.notice, composer),
      ),
    );
    this.live.start();
    await this.loadConversations();
  }

  destroy(): void {
    this.live.stop();
  }

  private async logout(): Promise<void> {
    this.live.stop();
    try {
      await this.api.logout();
    } catch {
      // Local state is gone either way; the server session expires on its own.
    }
    this.onLogout();
  }

  private showLiveStatus(s: LiveStatus): void {
    this.liveStatus.textContent = s === 'open' ? 'live' : s === 'connecting' ? 'connecting…' : 'offline';
    this.liveStatus.dataset.state = s;
  }

  private showError(err: unknown): void {
    this.notice.textContent = err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);
  }

  private togglePicker(): void {
    if (this.pickerSlot.firstChild) {
      this.pickerSlot.replaceChildren();
      return;
    }
    this.pickerSlot.replaceChildren(
      newConversationPanel(this.api, this.me, (c) => {
        this.pickerSlot.replaceChildren();
        this.upsertConversation(c);
        void this.open(c.id);
      }),
    );
  }

  private async loadConversations(): Promise<void> {
    try {
      this.conversations = sortConversations(await this.api.conversations());
      this.renderConversations();
      if (!this.activeId && this.conversations.length > 0) await this.open(this.conversations[0].id);
    } catch (err) {
      this.showError(err);
    }
  }

  private upsertConversation(c: Conversation): void {
    const rest = this.conversations.filter((x) => x.id !== c.id);
    this.conversations = sortConversations([c, ...rest]);
    this.renderConversations();
  }

  private renderConversations(): void {
    reconcile(this.convList, this.conversations, (c) => `${c.id}:${c.lastMessage?.id ?? ''}:${c.id === this.activeId}`, (c) => {
      const btn = h(
        'button',
        { type: 'button', class: c.id === this.activeId ? 'active' : undefined, 'data-testid': 'conversation', 'data-conversation-id': c.id },
        h('span', { class: 'conv-title' }, conversationTitle(c, this.me.id)),
        h('small', { class: 'muted' }, c.lastMessage ? `${displayName(c.lastMessage.sender)}: ${c.lastMessage.body}` : c.type),
      );
      btn.addEventListener('click', () => void this.open(c.id));
      return h('li', {}, btn);
    });
  }

  private async open(id: string): Promise<void> {
    if (this.activeId === id) return;
    this.activeId = id;
    this.loadingOlder = false;
    this.notice.textContent = '';
    const c = this.conversations.find((x) => x.id === id);
    this.title.textContent = c ? conversationTitle(c, this.me.id) : '';
    this.renderConversations();
    this.list.replaceChildren();
    for (const el of [this.input, this.fileInput, this.sendBtn]) el.disabled = false;
    const state = this.histories.get(id);
    if (state && !state.initial) {
      this.renderMessages(state);
      scrollToBottom(this.list);
      this.updateHistoryStatus(state);
      return;
    }
    await this.loadOlder();
  }

  /**
   * Fetches the next older page and prepends it while keeping the message the user was
   * looking at in place. Keeps going while the list is still at the top (a short first page,
   * or a tall viewport) so the user never has to scroll to trigger the next page.
   */
  private async loadOlder(): Promise<void> {
    const id = this.activeId;
    if (!id || this.loadingOlder) return;
    const before = this.histories.get(id) ?? emptyHistory<Message>();
    if (!hasOlder(before)) return;
    this.loadingOlder = true;
    this.historyStatus.textContent = 'Loading older messages…';
    try {
      const page = await this.api.messages(id, before.nextCursor, PAGE_SIZE);
      if (this.activeId !== id) return;
      // The anchor is taken now, not before the request: the user may have scrolled meanwhile.
      const anchor = before.initial ? null : captureAnchor(this.list);
      const state = applyOlderPage(this.histories.get(id) ?? before, page);
      this.histories.set(id, state);
      this.renderMessages(state);
      if (before.initial) scrollToBottom(this.list);
      else restoreAnchor(this.list, anchor);
      this.updateHistoryStatus(state);
    } catch (err) {
      this.historyStatus.textContent = '';
      this.showError(err);
      return;
    } finally {
      if (this.activeId === id) this.loadingOlder = false;
    }
    const after = this.histories.get(id);
    if (after && hasOlder(after) && isNearTop(this.list)) setTimeout(() => void this.loadOlder(), 0);
  }

  private updateHistoryStatus(state: HistoryState<Message>): void {
    this.historyStatus.textContent = state.nextCursor === null ? (state.messages.length ? 'Beginning of conversation' : 'No messages yet') : '';
  }

  private renderMessages(state: HistoryState<Message>): void {
    reconcile(this.list, state.messages, (m) => m.id, (m) => this.renderMessage(m));
  }

  private renderMessage(m: Message): HTMLElement {
    const mine = m.senderId === this.me.id;
    const time = new Date(m.createdAt);
    return h(
      'li',
      { class: mine ? 'message mine' : 'message', 'data-testid': 'message', 'data-id': m.id },
      h('div', { class: 'meta' }, h('strong', {}, displayName(m.sender)), ' ', h('time', { datetime: m.createdAt }, time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }))),
      h('div', { class: 'body', 'data-testid': 'message-body' }, m.body),
      attachmentView(this.api, m, mine || this.me.role === 'admin' ? (a) => void this.deleteFile(m.conversationId, a) : null),
    );
  }

  /** Deletes a file after the user confirms, then shows it removed in the messages that carried it. */
  private async deleteFile(conversationId: string, a: Attachment): Promise<void> {
    if (!window.confirm(`Delete ${a.name} for everyone in this conversation?`)) return;
    try {
      await this.api.deleteFile(a.id);
    } catch (err) {
      // 404: already deleted (another tab, an admin), so it is removed all the same.
      if (!(err instanceof ApiError && err.status === 404)) return this.showError(err);
    }
    const state = this.histories.get(conversationId);
    if (!state) return;
    const changed = withAttachmentRemoved(state.messages, a.id);
    // reconcile() keeps the element already rendered for an id: drop those so they render anew.
    if (conversationId === this.activeId) for (const m of changed) this.list.querySelector(`[data-key="${CSS.escape(m.id)}"]`)?.remove();
    this.addMessages(conversationId, changed, false);
  }

  private onLiveEvent(ev: LiveEvent): void {
    if (ev.type !== 'message') return;
    const m = ev.message;
    const known = this.conversations.find((c) => c.id === m.conversationId);
    if (!known) {
      // Someone started a conversation with us: fetch the list to learn its members.
      void this.loadConversations();
      return;
    }
    this.upsertConversation({ ...known, lastMessage: m });
    this.addMessages(m.conversationId, [m], m.senderId === this.me.id);
  }

  private addMessages(conversationId: string, messages: readonly Message[], forceBottom: boolean): void {
    const state = this.histories.get(conversationId);
    if (!state) return; // not opened yet; it loads fresh when opened
    const next = applyNewer(state, messages);
    this.histories.set(conversationId, next);
    if (conversationId !== this.activeId) return;
    const stick = forceBottom || isNearBottom(this.list);
    this.renderMessages(next);
    if (stick) scrollToBottom(this.list);
    this.updateHistoryStatus(next);
  }

  /** After a reconnect: fetch what arrived while the socket was down. */
  private async catchUp(): Promise<void> {
    for (const id of [...this.histories.keys()]) if (id !== this.activeId) this.histories.delete(id);
    await this.loadConversations();
    const id = this.activeId;
    if (!id || !this.histories.get(id) || this.histories.get(id)?.initial) return;
    try {
      const page = await this.api.messages(id, null, PAGE_SIZE);
      this.addMessages(id, page.messages, false);
    } catch (err) {
      this.showError(err);
    }
  }

  private async send(): Promise<void> {
    const id = this.activeId;
    const body = this.input.value.trim();
    if (!id || !body) return;
    this.sendBtn.disabled = true;
    try {
      const m = await this.api.sendMessage(id, body);
      this.input.value = '';
      this.notice.textContent = '';
      this.addMessages(id, [m], true);
    } catch (err) {
      this.showError(err);
    } finally {
      this.sendBtn.disabled = false;
      this.input.focus();
    }
  }

  private async upload(): Promise<void> {
    const id = this.activeId;
    const file = this.fileInput.files?.[0];
    if (!id || !file) return;
    this.fileInput.disabled = true;
    this.historyStatus.textContent = `Uploading ${file.name}…`;
    try {
      const attachment = await this.api.uploadFile(id, file, file.name);
      const body = this.input.value.trim() || file.name;
      const m = await this.api.sendMessage(id, body.slice(0, 4000), attachment.id);
      this.input.value = '';
      this.notice.textContent = '';
      this.addMessages(id, [m], true);
    } catch (err) {
      this.showError(err);
    } finally {
      this.fileInput.value = '';
      this.fileInput.disabled = false;
      const state = this.histories.get(id);
      if (state) this.updateHistoryStatus(state);
    }
  }
}
