// HTTP client for the backend API. Adds the bearer token, and on a 401 refreshes the
// session once (shared by all requests in flight) and retries; a failed refresh ends the
// session.
import { expiresSoon, type TokenStore, type Tokens } from './session';
import type { AuthResponse, Conversation, Message, MessagePage, User, UserSummary, Attachment } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  readonly store: TokenStore;
  readonly fetch?: FetchFn;
  /** Called once when the session can no longer be refreshed. */
  readonly onSessionEnded?: () => void;
  readonly now?: () => number;
}

export class ApiClient {
  private readonly store: TokenStore;
  private readonly fetchFn: FetchFn;
  private readonly onSessionEnded: () => void;
  private readonly now: () => number;
  private refreshing: Promise<boolean> | null = null;

  constructor(opts: ApiClientOptions) {
    this.store = opts.store;
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.onSessionEnded = opts.onSessionEnded ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  get loggedIn(): boolean {
    return this.store.get() !== null;
  }

  /** The current access token, refreshed first when it is about to expire. */
  async freshAccessToken(): Promise<string | null> {
    const tokens = this.store.get();
    if (!tokens) return null;
    if (expiresSoon(tokens.accessToken, this.now()) && !(await this.refresh())) return null;
    return this.store.get()?.accessToken ?? null;
  }

  /** Current access token without refreshing, for URLs such as <img src>. */
  accessToken(): string | null {
    return this.store.get()?.accessToken ?? null;
  }

  async register(username: string, password: string): Promise<User> {
    return this.authenticate('/api/auth/register', { username, password });
  }

  async login(username: string, password: string): Promise<User> {
    return this.authenticate('/api/auth/login', { username, password });
  }

  async logout(): Promise<void> {
    const tokens = this.store.get();
    if (!tokens) return;
    try {
      await this.request('POST', '/api/auth/logout', { refreshToken: tokens.refreshToken });
    } finally {
      // Logged out locally even when the server cannot be reached.
      this.store.set(null);
    }
  }

  me(): Promise<User> {
    return this.request<User>('GET', '/api/me');
  }

  async users(q: string): Promise<UserSummary[]> {
    const res = await this.request<{ users: UserSummary[] }>('GET', `/api/users?q=${encodeURIComponent(q)}`);
    return res.users;
  }

  async conversations(): Promise<Conversation[]> {
    const res = await this.request<{ conversations: Conversation[] }>('GET', '/api/conversations');
    return res.conversations;
  }

  createConversation(type: 'direct' | 'group', memberIds: readonly string[], title?: string): Promise<Conversation> {
    const body: Record<string, unknown> = { type, memberIds };
    if (title) body.title = title;
    return this.request<Conversation>('POST', '/api/conversations', body);
  }

  messages(conversationId: string, before: string | null, limit = 50): Promise<MessagePage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    return this.request<MessagePage>('GET', `/api/conversations/${encodeURIComponent(conversationId)}/messages?${q}`);
  }

  sendMessage(conversationId: string, body: string, attachmentId?: string): Promise<Message> {
    const payload: Record<string, unknown> = { body };
    if (attachmentId) payload.attachmentId = attachmentId;
    return this.request<Message>('POST', `/api/conversations/${encodeURIComponent(conversationId)}/messages`, payload);
  }

  uploadFile(conversationId: string, file: Blob, name: string): Promise<Attachment> {
    const form = new FormData();
    form.append('file', file, name);
    return this.request<Attachment>('POST', `/api/conversations/${encodeURIComponent(conversationId)}/files`, form);
  }

  /** Deletes the file for everyone (the uploader or an admin may); resolves once it is gone. */
  deleteFile(fileId: string): Promise<void> {
    return this.request<void>('DELETE', `/api/files/${encodeURIComponent(fileId)}`);
  }

  fileUrl(fileId: string): string {
    const token = this.accessToken() ?? '';
    return `/api/files/${encodeURIComponent(fileId)}?token=${encodeURIComponent(token)}`;
  }

  /** Refreshes the token pair; concurrent callers share one refresh request. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const tokens = this.store.get();
    if (!tokens) return false;
    let res: Response;
    try {
      res = await this.fetchFn('/api/auth/refresh', jsonInit('POST', { refreshToken: tokens.refreshToken }));
    } catch {
      // Network trouble is not a rejected session: keep the tokens and let the caller retry.
      return false;
    }
    if (res.ok) {
      const next = (await res.json()) as Tokens;
      this.store.set({ accessToken: next.accessToken, refreshToken: next.refreshToken });
      return true;
    }
    if (res.status === 401 || res.status === 400) this.endSession();
    return false;
  }

  private endSession(): void {
    if (!this.store.get()) return;
    this.store.set(null);
    this.onSessionEnded();
  }

  private async authenticate(path: string, body: { username: string; password: string }): Promise<User> {
    const res = await this.request<AuthResponse>('POST', path, body, false);
    this.store.set({ accessToken: res.accessToken, refreshToken: res.refreshToken });
    return res.user;
  }

  async request<T>(method: string, path: string, body?: unknown, withAuth = true): Promise<T> {
    const send = (): Promise<Response> => {
      const init = body instanceof FormData ? { method, body } : jsonInit(method, body);
      const token = withAuth ? this.store.get()?.accessToken : undefined;
      if (token) init.headers = { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` };
      return this.fetchFn(path, init);
    };
    let res = await send();
    if (res.status === 401 && withAuth && this.store.get()) {
      if (await this.refresh()) res = await send();
      else if (this.store.get()) throw await toError(res);
    }
    if (res.status === 401 && withAuth) this.endSession();
    if (!res.ok) throw await toError(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

function jsonInit(method: string, body: unknown): RequestInit {
  if (body === undefined) return { method };
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

async function toError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const data = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof data.error === 'string') code = data.error;
    if (typeof data.message === 'string') message = data.message;
  } catch {
    // Not JSON (for example an nginx error page): keep the status text.
  }
  return new ApiError(res.status, code, message);
}
