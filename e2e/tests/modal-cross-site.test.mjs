// The modal as integrators really use it: their page on another site than verifyd (here
// `localhost` while verifyd is on 127.0.0.1), browsers that block third-party cookies or
// every cookie, and host pages whose own global CSS must not reach the modal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  KEYS,
  cardImage,
  createSession,
  openBrowser,
  shot,
  upload,
  waitForSession,
} from '../lib/harness.mjs';
import { startShop } from '../lib/shop.mjs';

const FRAME = 'iframe[title="Identity verification"]';
const settled = (s) => s.status !== 'processing';

async function startModal(page, shop, session) {
  shop.offer(session, KEYS.pkTest);
  await page.goto(shop.url);
  await page.locator('#verify').click();
  return page.frameLocator(FRAME);
}

async function resultOf(page) {
  await page.waitForFunction(() => document.getElementById('result').textContent !== '');
  return JSON.parse(await page.locator('#result').textContent());
}

test('an integrator page on another site completes the modal with uploads, and verifyd sets no cookie', async () => {
  const shop = await startShop({ hostname: 'localhost' });
  const session = await createSession(KEYS.skTest, { options: { document: { allowed_types: ['passport'] } } });
  const browser = await openBrowser();
  try {
    const { page, context } = browser;
    assert.notEqual(new URL(shop.url).hostname, new URL(BASE).hostname, 'the shop is on another site');
    const frame = await startModal(page, shop, session);
    await frame.getByTestId('consent-accept').click();
    await frame.getByTestId('file-front').setInputFiles(upload('passport.png', cardImage([200, 190, 230])));
    await frame.locator('[data-file-preview]').waitFor();
    await shot(page, 'modal-cross-site-01-front');
    await frame.getByTestId('upload-front').click();
    await frame.getByTestId('submit').waitFor();
    // The review shows the photo back to this frame (fetched with its binding, not a cookie).
    await frame.locator('img.thumb').evaluate((img) =>
      new Promise((resolve, reject) => {
        const check = () => (img.complete && img.naturalWidth > 0 ? resolve() : null);
        if (!check()) {
          img.addEventListener('load', check);
          img.addEventListener('error', () => reject(new Error('review image failed')));
        }
      }),
    );
    await shot(page, 'modal-cross-site-02-review');
    // The browser's Back button steps back inside the modal: it does not leave the page.
    const shopUrl = page.url();
    const refetched = page.waitForResponse((r) => r.url() === `${BASE}/verify/s/${session.id}` && r.request().method() === 'GET');
    await page.evaluate(() => window.history.back());
    assert.equal((await refetched).status(), 200);
    await frame.getByTestId('submit').waitFor();
    assert.equal(page.url(), shopUrl);
    await frame.getByTestId('submit').click();
    assert.deepEqual(await resultOf(page), {});
    assert.equal(await page.locator('[data-verifyd-modal]').count(), 0, 'the modal closed');
    await shot(page, 'modal-cross-site-03-resolved');
    const done = await waitForSession(KEYS.skTest, session.id, settled);
    assert.equal(done.status, 'verified');
    assert.deepEqual(await context.cookies(BASE), [], 'the modal needs no cookie of verifyd');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    await shop.close();
  }
});

for (const [cookies, expectKept] of [
  ['block-third-party', { plain: false, partitioned: true }],
  ['block-all', { plain: false, partitioned: false }],
]) {
  test(`with cookies set to ${cookies}, the modal on another site still reaches submission`, async () => {
    const shop = await startShop({ hostname: 'localhost' });
    const session = await createSession(KEYS.skTest);
    const browser = await openBrowser({ cookies });
    try {
      const { page } = browser;
      // The browser really refuses what it should (the probe's cookies are set by a frame of
      // another site, as verifyd's would be).
      assert.deepEqual(await shop.thirdPartyCookiesKept(page), expectKept);
      const frame = await startModal(page, shop, session);
      await frame.getByTestId('consent-accept').click();
      await frame.getByTestId('test-outcome-verified').waitFor();
      await shot(page, `modal-cross-site-04-${cookies}`);
      await frame.getByTestId('test-outcome-verified').click();
      assert.deepEqual(await resultOf(page), {});
      const done = await waitForSession(KEYS.skTest, session.id, settled);
      assert.equal(done.status, 'verified');
      assert.deepEqual(browser.problems, []);
    } finally {
      await browser.close();
      await shop.close();
    }
  });
}

/** Rules a careless or hostile integrator stylesheet might have. */
const HOSTILE_CSS = `
button { margin-top: 16px; }
* { font-size: 40px !important; line-height: 3 !important; }
*::before, *::after { content: "host"; color: red; }
dialog { display: none !important; }
dialog::backdrop { background: red !important; }
iframe { width: 1px !important; height: 1px !important; border: 9px solid red !important; opacity: 0.2 !important; }
div { display: none !important; padding: 30px !important; }
[data-verifyd-modal] { display: none !important; }
body { transform: scale(0.5); margin: 80px !important; }
`;

/** Where the modal's parts are and how they look, from the host page and from inside. */
async function modalGeometry(page) {
  const frame = page.frameLocator(FRAME);
  // Attached, not necessarily visible: whether the host's CSS hid it is what is measured.
  await frame.getByTestId('consent-accept').waitFor({ state: 'attached' });
  const frameBox = await page.locator(FRAME).boundingBox();
  const viewport = page.viewportSize();
  assert.deepEqual(frameBox, { x: 0, y: 0, width: viewport.width, height: viewport.height }, 'the frame covers the viewport');
  const inside = await frame.locator('body').evaluate(() => {
    const box = (selector) => {
      const r = document.querySelector(selector).getBoundingClientRect();
      return [r.x, r.y, r.width, r.height].map(Math.round);
    };
    const style = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
    return {
      viewport: [window.innerWidth, window.innerHeight],
      panel: box('[data-modal-panel]'),
      close: box('[data-testid="modal-close"]'),
      closeMarginTop: style('[data-testid="modal-close"]', 'marginTop'),
      closeFontSize: style('[data-testid="modal-close"]', 'fontSize'),
      heading: box('h1'),
      headingFontSize: style('h1', 'fontSize'),
      accept: box('[data-testid="consent-accept"]'),
    };
  });
  return { frameBox, ...inside };
}

// The shops here are on 127.0.0.1, the same site as verifyd, so that what is tested is the
// host page's CSS alone (the cross-site cases are above).
test('hostile global CSS on the host page does not change how the modal looks or works', async () => {
  const hostileShop = await startShop({ css: HOSTILE_CSS });
  const plainShop = await startShop();
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const viewport = page.viewportSize();
    await startModal(page, hostileShop, await createSession(KEYS.skTest));
    const hostile = await modalGeometry(page);
    await shot(page, 'modal-cross-site-05-hostile-host', { fullPage: false });
    // The hostile rules did reach the host page itself.
    assert.equal(await page.locator('#verify').evaluate((b) => getComputedStyle(b).marginTop), '16px');
    // Nothing of the host page lies over the modal where its close button is.
    const [cx, cy, cw, ch] = hostile.close;
    const onTop = await page.evaluate(([x, y]) => {
      const hit = document.elementFromPoint(x, y);
      return Boolean(hit && hit.hasAttribute('data-verifyd-modal'));
    }, [cx + cw / 2, cy + ch / 2]);
    assert.ok(onTop, 'the modal is on top at its close button');
    // It works: its close button closes it.
    await page.frameLocator(FRAME).getByTestId('modal-close').click();
    assert.equal((await resultOf(page)).error.code, 'session_cancelled');

    await startModal(page, plainShop, await createSession(KEYS.skTest));
    const plain = await modalGeometry(page);
    await shot(page, 'modal-cross-site-06-plain-host', { fullPage: false });
    await page.frameLocator(FRAME).getByTestId('modal-close').click();
    await resultOf(page);
    // Everything in the frame is where and how it is on a plain page: a centred panel,
    // its close button in its bar at the top right, unmoved by `button{margin-top}`.
    assert.deepEqual(hostile, plain);
    assert.equal(hostile.closeMarginTop, '0px');
    const [px, py, pw, ph] = hostile.panel;
    assert.ok(Math.abs(px + pw / 2 - viewport.width / 2) <= 1, `panel centred: ${hostile.panel}`);
    assert.ok(pw >= 400 && ph >= 500, `panel size: ${hostile.panel}`);
    assert.ok(cx + cw <= px + pw && cx + cw >= px + pw - 24 && cy >= py && cy + ch <= py + 64, `close: ${hostile.close}`);

    // And a flow completes under the hostile page.
    const session = await createSession(KEYS.skTest);
    const frame = await startModal(page, hostileShop, session);
    await frame.getByTestId('consent-accept').click();
    await frame.getByTestId('test-outcome-verified').click();
    assert.deepEqual(await resultOf(page), {});
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    await plainShop.close();
    await hostileShop.close();
  }
});
