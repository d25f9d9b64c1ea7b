// The Stripe.js drop-in served at /v3/: an integrator's page on another origin opens the
// flow in a modal with verifyIdentity(clientSecret) and gets Stripe.js's results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, MOBILE, createSession, openBrowser, retrieveSession, shot, waitForSession } from '../lib/harness.mjs';
import { startShop } from '../lib/shop.mjs';

// The shop is on 127.0.0.1 like verifyd (same site, another origin); the cross-site cases
// are in modal-cross-site.test.mjs.
let shop;

before(async () => {
  shop = await startShop();
});

after(() => shop.close());

async function startModal(page, session, publishableKey = KEYS.pkTest) {
  shop.offer(session, publishableKey);
  await page.goto(shop.url);
  await page.locator('#verify').click();
  const frame = page.frameLocator('iframe[title="Identity verification"]');
  return frame;
}

async function resultOf(page) {
  const result = page.locator('#result');
  await page.waitForFunction(() => document.getElementById('result').textContent !== '');
  return JSON.parse(await result.textContent());
}

test('verifyIdentity opens the flow in a modal and resolves {} once submitted', async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const frame = await startModal(page, session);
    await frame.getByTestId('consent-accept').waitFor();
    await shot(page, 'modal-01-consent');
    // Nothing secret in any URL the browser loaded.
    const frameUrls = page.frames().map((f) => f.url());
    assert.ok(frameUrls.every((u) => !u.includes(session.client_secret)), frameUrls.join(' '));
    await frame.getByTestId('consent-accept').click();
    await frame.getByTestId('test-outcome-verified').waitFor();
    await shot(page, 'modal-02-test-outcomes');
    await frame.getByTestId('test-outcome-verified').click();
    assert.deepEqual(await resultOf(page), {});
    assert.equal(await page.locator('[data-verifyd-modal]').count(), 0, 'the modal closed');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'verify', 'focus returns to the opener');
    await shot(page, 'modal-03-resolved');
    const done = await waitForSession(KEYS.skTest, session.id, (s) => s.status !== 'processing');
    assert.equal(done.status, 'verified');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('closing the modal resolves session_cancelled and leaves the session untouched', async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    const frame = await startModal(page, session);
    await frame.getByTestId('consent-accept').waitFor();
    await shot(page, 'modal-04-consent-mobile');
    // The close button is drawn inside verifyd's frame, out of the host page's reach.
    const close = frame.getByTestId('modal-close');
    assert.equal(await close.getAttribute('aria-label'), 'Close identity verification');
    await close.click();
    const result = await resultOf(page);
    assert.equal(result.error.code, 'session_cancelled');
    const after = await waitForSession(KEYS.skTest, session.id, () => true);
    assert.equal(after.status, 'requires_input');
    assert.equal(after.last_error, null);
  } finally {
    await browser.close();
  }
});

test('declining consent in the modal resolves consent_declined', async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const frame = await startModal(page, session);
    await frame.getByTestId('consent-decline').click();
    const result = await resultOf(page);
    assert.equal(result.error.code, 'consent_declined');
    const after = await waitForSession(KEYS.skTest, session.id, () => true);
    assert.equal(after.last_error.code, 'consent_declined');
  } finally {
    await browser.close();
  }
});

test('a used client secret or a key of the other mode resolves with an error at once', async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await startModal(page, session, KEYS.pkLive);
    const wrongMode = await resultOf(page);
    assert.equal(wrongMode.error.code, 'invalid_publishable_key');

    const frame = await startModal(page, session);
    await frame.getByTestId('consent-accept').waitFor();
    await frame.getByTestId('modal-close').click();
    await resultOf(page);
    await page.evaluate(() => { document.getElementById('result').textContent = ''; });
    await startModal(page, session);
    const used = await resultOf(page);
    assert.equal(used.error.code, 'session_expired');
  } finally {
    await browser.close();
  }
});

test('without a camera, closing the modal resolves device_unsupported', async () => {
  const session = await createSession(KEYS.skTest, { options: { document: { require_live_capture: true } } });
  // No fake camera: headless Chromium has none to give.
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    const frame = await startModal(page, session);
    await frame.getByTestId('consent-accept').click();
    await frame.getByTestId('document-type-passport').check();
    await frame.getByTestId('continue').click();
    await frame.getByTestId('camera-unavailable').waitFor();
    await shot(page, 'modal-05-no-camera-mobile');
    await frame.getByTestId('modal-close').click();
    const result = await resultOf(page);
    assert.equal(result.error.code, 'device_unsupported');
  } finally {
    await browser.close();
  }
});

test("reloading the modal's frame cannot continue the attempt: it resolves session_expired", async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const frame = await startModal(page, session);
    await frame.getByTestId('consent-accept').waitFor();
    // The binding lived in the frame's memory only: a reloaded frame is a stranger, and the
    // client secret the drop-in hands it again is spent.
    const verifydFrame = await (await page.locator('iframe[title="Identity verification"]').elementHandle()).contentFrame();
    await verifydFrame.evaluate(() => window.location.reload()).catch(() => {});
    const result = await resultOf(page);
    assert.equal(result.error.code, 'session_expired');
    const after = await retrieveSession(KEYS.skTest, session.id);
    assert.equal(after.status, 'requires_input');
    assert.notEqual(after.client_secret, session.client_secret, 'a retrieve hands out a fresh client secret');
  } finally {
    await browser.close();
  }
});

test('a page whose CSP refuses the frame gets modal_unavailable, not a modal without a Close button', async () => {
  const strictShop = await startShop({ frameVerifyd: false });
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    strictShop.offer(session, KEYS.pkTest);
    await page.goto(strictShop.url);
    await page.locator('#verify').click();
    const result = await resultOf(page);
    assert.equal(result.error.code, 'modal_unavailable');
    assert.equal(await page.locator('[data-verifyd-modal]').count(), 0, 'the modal closed');
    // Nothing was spent: the session is untouched.
    const after = await retrieveSession(KEYS.skTest, session.id);
    assert.equal(after.client_secret, session.client_secret);
  } finally {
    await browser.close();
    await strictShop.close();
  }
});
