import assert from 'node:assert/strict';
import { withAttachmentRemoved } from '../src/attachment';
import type { Message } from '../src/types';

const sender = { id: 'u1', username: 'ann', displayName: 'Ann' };
const msg = (id: string, fileId: string | null): Message => ({
  id,
  conversationId: 'c1',
  senderId: sender.id,
  sender,
  body: `message ${id}`,
  attachment: fileId ? { id: fileId, name: `${fileId}.txt`, contentType: 'text/plain', size: 3 } : null,
  attachmentRemoved: false,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('withAttachmentRemoved', () => {
  it('returns only the messages that carried the file, shown as the backend now shows them', () => {
    const messages = [msg('1', 'f1'), msg('2', null), msg('3', 'f2'), msg('4', 'f1')];
    const changed = withAttachmentRemoved(messages, 'f1');
    assert.deepEqual(changed.map((m) => m.id), ['1', '4']);
    for (const m of changed) {
      assert.equal(m.attachment, null);
      assert.equal(m.attachmentRemoved, true);
      assert.equal(m.body, `message ${m.id}`);
    }
    assert.equal(messages[0].attachment?.id, 'f1', 'the state it was given is left as it was');
  });

  it('changes nothing for a file no message carried', () => {
    assert.deepEqual(withAttachmentRemoved([msg('1', 'f1')], 'other'), []);
  });
});
