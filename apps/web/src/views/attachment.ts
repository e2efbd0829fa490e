// A message's attachment: an inline image or a download link, a "delete" control for those who
// may delete it, or a marker once it has been deleted.
import type { ApiClient } from '../api';
import { h } from '../dom';
import { formatBytes } from '../format';
import type { Attachment, Message } from '../types';

export function attachmentView(api: ApiClient, m: Message, onDelete: ((a: Attachment) => void) | null): HTMLElement | null {
  if (m.attachmentRemoved) return h('div', { class: 'attachment-removed muted', 'data-testid': 'attachment-removed' }, 'Attachment removed');
  const a = m.attachment;
  if (!a) return null;
  const url = api.fileUrl(a.id);
  // Fixed-size box (see CSS): a late-loading image must not change the height of messages above
  // the one the user is reading.
  const link = a.contentType.startsWith('image/')
    ? h('a', { href: url, target: '_blank', rel: 'noopener' }, h('img', { class: 'attachment-image', 'data-testid': 'attachment-image', src: url, alt: a.name, loading: 'lazy', width: 240, height: 160 }))
    : h('a', { class: 'attachment-file', 'data-testid': 'attachment-file', href: url, download: a.name }, `${a.name} (${formatBytes(a.size)})`);
  if (!onDelete) return link;
  const del = h('button', { type: 'button', class: 'secondary attachment-delete', 'data-testid': 'attachment-delete', title: `Delete ${a.name} for everyone` }, 'Delete file');
  del.addEventListener('click', () => onDelete(a));
  return h('div', { class: 'attachment' }, link, del);
}
