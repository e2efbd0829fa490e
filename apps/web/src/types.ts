// Shapes of the backend API as documented in docs/api.md.

export interface UserSummary {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
}

export interface User extends UserSummary {
  readonly role: 'user' | 'admin';
}

export interface Attachment {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
}

export interface Message {
  readonly id: string;
  readonly conversationId: string;
  readonly senderId: string;
  readonly sender: UserSummary;
  readonly body: string;
  readonly attachment: Attachment | null;
  /** The message had an attachment that has since been deleted (attachment is then null). */
  readonly attachmentRemoved: boolean;
  readonly createdAt: string;
}

export interface Conversation {
  readonly id: string;
  readonly type: 'direct' | 'group';
  readonly title?: string | null;
  readonly members: readonly UserSummary[];
  readonly createdAt: string;
  readonly lastMessage?: Message | null;
}

export interface AuthResponse {
  readonly user: User;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface MessagePage {
  /** Newest first, as the API returns them. */
  readonly messages: readonly Message[];
  readonly nextCursor: string | null;
}

/** Server-to-client websocket frames. */
export type LiveEvent =
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'pong' };
