// The web client in a real browser (Debian chromium driven by playwright-core, headless)
// against a live dev stack behind nginx (its own throwaway stack e2ebrowser): log in and send,
// live delivery to a second context, scroll-to-top history loading that keeps the first
// visible message in place, and an image upload with its preview. Screenshots go to
// test-artifacts/.
import assert from 'assert';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dockerClient } from '../live/engine/docker-client';
import { IN_CI, requireLive } from '../live/support';
import { AppApi, ARTIFACTS, Conversation, DevStackRun, purgeLeftovers, seedMessages, Session, uniqueName, upDevStack } from '../live/e2e/support';

const STACK = 'e2ebrowser';
const CHROMIUM = process.env.IMSTACK_CHROMIUM ?? '/usr/bin/chromium';
// playwright's launch() always starts from a fresh temporary --user-data-dir of its own.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SEEDED = 150;

// The root tsconfig has no DOM lib (it types server code); the browser-side shapes used below.
interface El {
  readonly dataset: Record<string, string | undefined>;
  scrollTop: number;
  getBoundingClientRect(): { top: number; bottom: number };
  querySelectorAll(selector: string): ArrayLike<El>;
}
interface Img { readonly complete: boolean; readonly naturalWidth: number; readonly naturalHeight: number }
declare const document: { querySelector(selector: string): El | null; querySelectorAll(selector: string): ArrayLike<El> };
declare function requestAnimationFrame(cb: () => void): number;

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `browser-${name}.png`) });
}

/** Logs in through the UI and waits until the conversation is open and the socket is live. */
async function logIn(ctx: BrowserContext, base: string, s: Session, conversationId: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByTestId('username').fill(s.user.username);
  await page.getByTestId('password').fill(s.password);
  await page.getByTestId('login').click();
  await page.locator(`[data-testid="conversation"][data-conversation-id="${conversationId}"]`).click();
  await page.locator('[data-testid="live-status"][data-state="open"]').waitFor({ timeout: 15000 });
  await page.getByTestId('message').first().waitFor();
  return page;
}

describe('browser: the web client through nginx', function () {
  const docker = dockerClient();
  let run: DevStackRun | undefined;
  let browser: Browser | undefined;
  let base = '';
  let alice: Session;
  let bob: Session;
  let conv: Conversation;
  let pageA: Page;
  let pageB: Page;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      const reason = `no chromium at ${CHROMIUM} (apt-get install chromium, or set IMSTACK_CHROMIUM)`;
      if (IN_CI) throw new Error(reason);
      console.log(`      skipping browser tests: ${reason}`);
      this.skip();
    }
    await requireLive(this);
    await purgeLeftovers(docker, STACK);
    run = await upDevStack(STACK);
    assert.deepStrictEqual(run.live.errors, []);
    console.log(`      stack ${STACK} up to healthy in ${run.seconds.toFixed(1)}s`);
    base = `http://127.0.0.1:${run.ports.http}`;
    const api = new AppApi(base);
    alice = await api.register(uniqueName('alice'), 'alice-password-1');
    bob = await api.register(uniqueName('bob'), 'bob-password-1');
    conv = await api.group(alice, [bob], 'browser');
    await seedMessages(api, alice, conv.id, SEEDED, 'seed');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async function () {
    await browser?.close();
    if (run && process.env.IMSTACK_LIVE_KEEP !== '1') await run.live.teardown({ purge: true });
  });

  it('logs in, sends a message, and it appears live in a second browser context', async function () {
    const viewport = { width: 1100, height: 700 };
    pageA = await logIn(await browser!.newContext({ viewport }), base, alice, conv.id);
    pageB = await logIn(await browser!.newContext({ viewport }), base, bob, conv.id);
    const text = `hello from the browser ${crypto.randomUUID().slice(0, 8)}`;
    await pageA.getByTestId('composer').fill(text);
    await pageA.getByTestId('send').click();
    await pageA.getByTestId('message-body').filter({ hasText: text }).waitFor({ timeout: 10000 });
    await pageB.getByTestId('message-body').filter({ hasText: text }).waitFor({ timeout: 10000 });
    // B did not reload: the message came over the websocket into the already-rendered list.
    assert.strictEqual(await pageB.getByTestId('message').count(), 51, 'B holds the first page plus the live message');
    await shot(pageA, 'sender');
    await shot(pageB, 'receiver-live');
  });

  it('scrolling to the top loads older messages and the first visible message keeps its place (within 2 px)', async function () {
    const before = await pageB.getByTestId('message').count();
    // Same task as the scroll, so no load can run in between: take the topmost visible message.
    const anchor = await pageB.evaluate(() => {
      const list = document.querySelector('[data-testid="messages"]')!;
      list.scrollTop = 0;
      const top = list.getBoundingClientRect().top;
      const first = Array.from(list.querySelectorAll('[data-testid="message"]')).find((m) => m.getBoundingClientRect().bottom > top)!;
      return { id: first.dataset.id!, y: first.getBoundingClientRect().top };
    });
    await pageB.waitForFunction((n) => document.querySelectorAll('[data-testid="message"]').length > n, before, { timeout: 10000 });
    // Let the restore and a couple of frames settle before measuring.
    const after = await pageB.evaluate(async (id) => {
      await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
      await new Promise((r) => setTimeout(r, 300));
      const el = document.querySelector(`[data-testid="message"][data-id="${id}"]`)!;
      return { y: el.getBoundingClientRect().top, count: document.querySelectorAll('[data-testid="message"]').length };
    }, anchor.id);
    await shot(pageB, 'history-after-scroll');
    console.log(`      messages ${before} -> ${after.count}; anchor ${anchor.id} at y=${anchor.y.toFixed(1)} -> ${after.y.toFixed(1)}`);
    assert.ok(after.count >= before + 50, `only ${after.count - before} older messages loaded`);
    assert.ok(Math.abs(after.y - anchor.y) <= 2, `the first visible message moved ${(after.y - anchor.y).toFixed(1)} px`);
  });

  it('uploads an image and shows its preview', async function () {
    // A real PNG from the browser itself: a crop of the rendered page.
    const png = await pageA.screenshot({ clip: { x: 0, y: 0, width: 64, height: 48 } });
    await pageA.getByTestId('file-input').setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: png });
    const img = pageA.getByTestId('attachment-image').last();
    await img.waitFor({ timeout: 15000 });
    await img.scrollIntoViewIfNeeded();
    await pageA.waitForFunction((el) => (el as Img).complete && (el as Img).naturalWidth > 0, await img.elementHandle(), { timeout: 15000 });
    const size = await img.evaluate((el) => ({ w: (el as Img).naturalWidth, h: (el as Img).naturalHeight }));
    assert.deepStrictEqual(size, { w: 64, h: 48 });
    // The other member gets it live and can load it too.
    const imgB = pageB.getByTestId('attachment-image').last();
    await imgB.waitFor({ timeout: 10000 });
    await imgB.scrollIntoViewIfNeeded();
    await pageB.waitForFunction((el) => (el as Img).complete && (el as Img).naturalWidth > 0, await imgB.elementHandle(), { timeout: 15000 });
    await shot(pageA, 'image-preview');
  });
});
