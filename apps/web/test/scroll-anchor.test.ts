import assert from 'node:assert/strict';
import { captureAnchor, isNearBottom, isNearTop, restoreAnchor, scrollToBottom } from '../src/scroll-anchor';
import { FakeScrollBox, makeItems } from './fake-layout';

describe('scroll-anchor', () => {
  it('captures the first item that is still (partly) visible, with its offset', () => {
    const box = new FakeScrollBox(100, 100, 0, 0);
    box.append(['1', '2', '3', '4', '5'].map((id) => ({ id, height: 50 })));
    box.scrollTop = 70; // item 1 fully above, item 2 shows its lower 30 px
    assert.deepEqual(captureAnchor(box), { id: '2', offset: -20 });
  });

  it('returns null for an empty list and restore of null changes nothing', () => {
    const box = new FakeScrollBox(400);
    assert.equal(captureAnchor(box), null);
    assert.equal(restoreAnchor(box, null), 0);
    assert.equal(box.scrollTop, 0);
  });

  it('models the problem: without restore a prepend at scrollTop 0 pushes the anchor off screen', () => {
    const box = new FakeScrollBox(500);
    box.append(makeItems(1000, 50));
    box.scrollTop = 0;
    const before = box.topOf('1000')!;
    box.prepend(makeItems(950, 50, 7));
    assert.ok(box.topOf('1000')! - before > 500, 'the fake layout must move the old first item down');
  });

  it('keeps the anchor within 2 px when a page is prepended while scrolled to the very top', () => {
    const box = new FakeScrollBox(500);
    box.append(makeItems(1000, 50));
    box.scrollTop = 0;
    const anchor = captureAnchor(box);
    assert.equal(anchor?.id, '1000');
    const before = box.topOf('1000')!;
    box.prepend(makeItems(950, 50, 7));
    const delta = restoreAnchor(box, anchor);
    assert.ok(delta > 0);
    assert.ok(Math.abs(box.topOf('1000')! - before) <= 2, `moved by ${box.topOf('1000')! - before}px`);
  });

  it('keeps a partly hidden anchor in place when scrolled a little below the top', () => {
    const box = new FakeScrollBox(480);
    box.append(makeItems(500, 40, 3));
    box.scrollTop = 37;
    const anchor = captureAnchor(box)!;
    const before = box.topOf(anchor.id)!;
    box.prepend(makeItems(460, 40, 11));
    restoreAnchor(box, anchor);
    assert.ok(Math.abs(box.topOf(anchor.id)! - before) <= 2);
  });

  it('stays put across many consecutive history pages', () => {
    const box = new FakeScrollBox(600);
    box.append(makeItems(10_000, 50));
    scrollToBottom(box);
    box.scrollTop = 5; // the user scrolled up to the top, which triggers loading
    let first = 10_000;
    for (let page = 0; page < 8; page++) {
      const anchor = captureAnchor(box)!;
      const before = box.topOf(anchor.id)!;
      first -= 50;
      box.prepend(makeItems(first, 50, page + 20));
      restoreAnchor(box, anchor);
      assert.ok(Math.abs(box.topOf(anchor.id)! - before) <= 2, `page ${page}`);
      box.scrollTop = 0; // and keeps going up
    }
  });

  it('is a no-op when something already kept the anchor in place (e.g. browser anchoring)', () => {
    const box = new FakeScrollBox(400);
    box.append(makeItems(100, 30));
    box.scrollTop = 10;
    const anchor = captureAnchor(box)!;
    const inserted = makeItems(70, 30, 5);
    box.prepend(inserted);
    box.scrollTop += inserted.reduce((s, it) => s + it.height + 8, 0);
    assert.equal(restoreAnchor(box, anchor), 0);
  });

  it('does nothing when the anchored item disappeared', () => {
    const box = new FakeScrollBox(400);
    box.append(makeItems(1, 30));
    box.scrollTop = 50;
    assert.equal(restoreAnchor(box, { id: 'gone', offset: 0 }), 0);
    assert.equal(box.scrollTop, 50);
  });

  it('detects the top and bottom zones', () => {
    const box = new FakeScrollBox(300);
    box.append(makeItems(1, 40));
    box.scrollTop = 0;
    assert.equal(isNearTop(box), true);
    assert.equal(isNearBottom(box), false);
    scrollToBottom(box);
    assert.equal(box.scrollTop, box.scrollHeight - box.clientHeight);
    assert.equal(isNearTop(box), false);
    assert.equal(isNearBottom(box), true);
    box.scrollTop = 81;
    assert.equal(isNearTop(box, 80), false);
  });
});
