// The operator's branding in a real browser, against run.sh's second verifyd (started with
// --business-name, --business-icon and a light --accent-color): the name and icon in the
// masthead of the link flow and of the modal, the consent heading that names the business,
// and button colours that keep their text readable (WCAG 4.5:1) under the style policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, MOBILE, formEncode, openBrowser, shot } from '../lib/harness.mjs';
import { startShop } from '../lib/shop.mjs';

const BRANDED = process.env.VERIFYD_E2E_BRANDED_URL;
const NAME = process.env.VERIFYD_E2E_BUSINESS_NAME;
if (!BRANDED || !NAME) throw new Error('run the browser tests with e2e/run.sh');

async function createBrandedSession() {
  const response = await fetch(`${BRANDED}/v1/identity/verification_sessions`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${KEYS.skTest}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: formEncode({ type: 'document' }).toString(),
  });
  assert.equal(response.status, 200);
  return response.json();
}

/** WCAG contrast of two `rgb(r, g, b)` strings. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/\d+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

async function assertBranded(assert, scope) {
  await scope.getByTestId('business-name').waitFor();
  assert.equal(await scope.getByTestId('business-name').textContent(), NAME);
  assert.equal(
    (await scope.locator('h1').first().textContent()).trim(),
    `${NAME} would like to verify your identity`,
  );
  const iconWidth = await scope.locator('.masthead-icon').first().evaluate((img) => img.complete && img.naturalWidth);
  assert.equal(iconWidth, 64, 'the icon loaded');
  const accept = scope.getByTestId('consent-accept');
  const [background, color] = await accept.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
  assert.equal(background, 'rgb(255, 212, 0)', 'the accent colour fills the button');
  assert.ok(contrast(background, color) >= 4.5, `button text ${color} on ${background}`);
  const decline = scope.getByTestId('consent-decline');
  const [declineBg, declineColor] = await decline.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
  assert.ok(contrast(declineBg, declineColor) >= 4.5, `secondary text ${declineColor} on ${declineBg}`);
}

test('the link flow shows the business name, icon and accent colour, readable', async () => {
  const session = await createBrandedSession();
  for (const [viewport, name] of [[undefined, 'desktop'], [MOBILE, 'mobile']]) {
    const browser = await openBrowser(viewport ? { viewport, mobile: true } : {});
    try {
      const { page } = browser;
      const fresh = name === 'desktop' ? session : await createBrandedSession();
      const response = await page.goto(fresh.url);
      assert.equal(response.status(), 200);
      await assertBranded(assert, page);
      assert.equal(await page.title(), 'Verify your identity – Identity verification');
      await shot(page, `branding-01-consent-${name}`);
      await page.getByTestId('consent-accept').click();
      await page.getByTestId('test-outcome-verified').waitFor();
      await shot(page, `branding-02-document-type-${name}`);
      // An error page (drawn by the router's layer) is branded too.
      await page.goto(`${BRANDED}/verify/nowhere`);
      assert.equal(await page.getByTestId('business-name').textContent(), NAME);
      await shot(page, `branding-03-not-found-${name}`);
      assert.deepEqual(browser.problems.filter((p) => !p.includes('404')), [], 'no CSP violations or script errors');
    } finally {
      await browser.close();
    }
  }
});

let shop;
before(async () => {
  shop = await startShop({ base: BRANDED });
});
after(() => shop.close());

test('the modal shows the business name, icon and accent colour', async () => {
  const session = await createBrandedSession();
  const browser = await openBrowser();
  try {
    const { page } = browser;
    shop.offer(session, KEYS.pkTest);
    await page.goto(shop.url);
    await page.locator('#verify').click();
    const frame = page.frameLocator('iframe[title="Identity verification"]');
    await frame.getByTestId('consent-accept').waitFor();
    await assertBranded(assert, frame);
    await shot(page, 'branding-04-modal-consent');
    await frame.getByTestId('consent-decline').click();
    await page.waitForFunction(() => document.getElementById('result').textContent !== '');
    assert.deepEqual(JSON.parse(await page.locator('#result').textContent()).error.code, 'consent_declined');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
