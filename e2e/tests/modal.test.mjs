// The Stripe.js drop-in served at /v3/: an integrator's page on another origin opens the
// flow in a modal with verifyIdentity(clientSecret) and gets Stripe.js's results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, KEYS, MOBILE, createSession, openBrowser, shot, waitForSession } from '../lib/harness.mjs';

// A tiny integrator site: its own origin (another port), a strict CSP of its own, the
// drop-in loaded from verifyd, and a "server" endpoint that hands out the client secret.
let server;
let shopUrl;
let nextSecret = null;

const shopPage = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title>
<script src="${BASE}/v3/"></script>
<script src="/shop.js" defer></script>
</head>
<body>
<h1>Example shop</h1>
<p>Before your first order we need to verify your identity.</p>
<button id="verify" type="button">Verify my identity</button>
<pre id="result"></pre>
</body>
</html>`;

const shopScript = `
document.getElementById('verify').addEventListener('click', async () => {
  const { clientSecret, publishableKey } = await (await fetch('/session')).json();
  const result = await Stripe(publishableKey).verifyIdentity(clientSecret);
  document.getElementById('result').textContent = JSON.stringify(result);
});`;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // The integrator's own strict policy: the drop-in needs only its script and frame.
        'content-security-policy': `default-src 'self'; script-src 'self' ${BASE}; frame-src ${BASE}; style-src 'self'`,
      });
      res.end(shopPage());
    } else if (req.url === '/shop.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(shopScript);
    } else if (req.url === '/session') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(nextSecret));
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${server.address().port}/`;
});

after(() => new Promise((resolve) => server.close(resolve)));

async function startModal(page, session, publishableKey = KEYS.pkTest) {
  nextSecret = { clientSecret: session.client_secret, publishableKey };
  await page.goto(shopUrl);
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
    assert.equal(await page.locator('dialog[data-verifyd-modal]').count(), 0, 'the modal closed');
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
    const close = page.locator('[data-verifyd-close]');
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
    await page.locator('[data-verifyd-close]').click();
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
    await page.locator('[data-verifyd-close]').click();
    const result = await resultOf(page);
    assert.equal(result.error.code, 'device_unsupported');
  } finally {
    await browser.close();
  }
});
