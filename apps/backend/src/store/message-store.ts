// The message storage seam: PostgreSQL in every real deployment, a JSON file for local trials.
// Users, conversations and files always live in PostgreSQL.

export interface StoredMessage {
  readonly id: string;
  readonly conversationId: string;
  readonly senderId: string;
  readonly body: string;
  readonly attachmentId: string | null;
  readonly createdAt: Date;
}

export interface NewMessage {
  readonly conversationId: string;
  readonly senderId: string;
  readonly body: string;
  readonly attachmentId: string | null;
}

export interface MessageStore {
  /** Ids are increasing per conversation in the order messages become visible. */
  insert(message: NewMessage): Promise<StoredMessage>;
  /** Newest first, strictly older than `before` when given. */
  page(conversationId: string, before: bigint | null, limit: number): Promise<StoredMessage[]>;
  latest(conversationIds: readonly string[]): Promise<Map<string, StoredMessage>>;
  count(): Promise<number>;
  close(): Promise<void>;
}
