// STORAGE_DRIVER=file: messages in data/messages.json, for local trials on one replica.
// The whole file is rewritten atomically after each insert; inserts that arrive while a write
// is in flight are folded into the next write, and each insert resolves only once it is on disk.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-file';
import type { MessageStore, NewMessage, StoredMessage } from './message-store';

interface FileMessage {
  id: string;
  conversationId: string;
  senderId: string;
  body: string;
  attachmentId: string | null;
  createdAt: string;
}

interface FileShape {
  version: 1;
  lastId: string;
  messages: FileMessage[];
}

export class FileStoreError extends Error {}

const toStored = (m: FileMessage): StoredMessage => ({ ...m, createdAt: new Date(m.createdAt) });

export class FileMessageStore implements MessageStore {
  private lastId = 0n;
  private readonly all: FileMessage[] = [];
  private readonly byConversation = new Map<string, FileMessage[]>();
  private writing: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  private constructor(readonly file: string) {}

  static async open(dataDir: string): Promise<FileMessageStore> {
    const file = path.resolve(dataDir, 'messages.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await removeStaleTempFiles(file);
    const store = new FileMessageStore(file);
    let text: string | null = null;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== null) store.load(text);
    return store;
  }

  private load(text: string): void {
    let data: FileShape;
    try {
      data = JSON.parse(text) as FileShape;
    } catch (err) {
      throw new FileStoreError(`${this.file} is not valid JSON: ${(err as Error).message}`);
    }
    if (data?.version !== 1 || !Array.isArray(data.messages) || !/^\d+$/.test(String(data.lastId))) {
      throw new FileStoreError(`${this.file} does not look like an imstack message file (version 1)`);
    }
    this.lastId = BigInt(data.lastId);
    for (const m of data.messages) this.index(m);
  }

  private index(m: FileMessage): void {
    this.all.push(m);
    let list = this.byConversation.get(m.conversationId);
    if (!list) this.byConversation.set(m.conversationId, (list = []));
    list.push(m);
  }

  async insert(m: NewMessage): Promise<StoredMessage> {
    this.lastId += 1n;
    const stored: FileMessage = { ...m, id: this.lastId.toString(), createdAt: new Date().toISOString() };
    this.index(stored);
    await this.flush();
    return toStored(stored);
  }

  /** Resolves once everything inserted so far is durably on disk. */
  private flush(): Promise<void> {
    if (!this.writing) {
      this.writing = this.writeNow().finally(() => (this.writing = null));
      return this.writing;
    }
    // A write is running with older data: queue exactly one follow-up write for everyone waiting.
    this.queued ??= this.writing.catch(() => undefined).then(() => {
      this.queued = null;
      return this.flush();
    });
    return this.queued;
  }

  private writeNow(): Promise<void> {
    const data: FileShape = { version: 1, lastId: this.lastId.toString(), messages: this.all };
    return writeFileAtomic(this.file, JSON.stringify(data));
  }

  async page(conversationId: string, before: bigint | null, limit: number): Promise<StoredMessage[]> {
    const list = this.byConversation.get(conversationId) ?? [];
    // Ids ascend within the list, so find the first index at or past the cursor by bisection.
    let hi = list.length;
    if (before !== null) {
      let lo = 0;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (BigInt(list[mid].id) < before) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: StoredMessage[] = [];
    for (let i = hi - 1; i >= 0 && out.length < limit; i--) out.push(toStored(list[i]));
    return out;
  }

  async latest(conversationIds: readonly string[]): Promise<Map<string, StoredMessage>> {
    const out = new Map<string, StoredMessage>();
    for (const id of conversationIds) {
      const list = this.byConversation.get(id);
      if (list?.length) out.set(id, toStored(list[list.length - 1]));
    }
    return out;
  }

  async count(): Promise<number> {
    return this.all.length;
  }

  async close(): Promise<void> {
    while (this.writing || this.queued) await (this.queued ?? this.writing)?.catch(() => undefined);
  }
}
