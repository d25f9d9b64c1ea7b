// The pages in every language: the whole flow in English, French, German and Spanish (the
// browser's language picks it), the switcher (a plain form: it works without JavaScript),
// the modal in the language the integrator passes to Stripe(pk, {locale}), axe-core on every
// step of each with no violation, nothing wider than the screen, and a screenshot of each
// step per language (artifacts/lang-<tag>-…).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  KEYS,
  MOBILE,
  accessibilityViolations,
  cardImage,
  createSession,
  faceImage,
  openBrowser,
  shot,
  upload,
  waitForSession,
} from '../lib/harness.mjs';
import { startShop } from '../lib/shop.mjs';

/** What each language says at a few fixed points (from locales/<tag>.ftl). */
const WORDS = {
  en: { browser: 'en-US', accept: 'Agree and continue', submitted: "Thank you, you're all done", dob: '27 March 1990', expired: 'This link has expired', close: 'Close' },
  fr: { browser: 'fr-FR', accept: 'Accepter et continuer', submitted: 'Merci, c’est terminé', dob: '27 mars 1990', expired: 'Ce lien a expiré', close: 'Fermer' },
  de: { browser: 'de-DE', accept: 'Zustimmen und weiter', submitted: 'Vielen Dank, Sie sind fertig', dob: '27. März 1990', expired: 'Dieser Link ist abgelaufen', close: 'Schließen' },
  es: { browser: 'es-ES', accept: 'Aceptar y continuar', submitted: 'Gracias, ha terminado', dob: '27 de marzo de 1990', expired: 'Este enlace ha caducado', close: 'Cerrar' },
};
const LANGS = Object.keys(WORDS);
const settled = (s) => s.status !== 'processing';

/**
 * The checks of every step: the page (or the modal's frame) says its language, axe-core
 * finds no violation, nothing is wider than the viewport; then a screenshot.
 */
async function checkStep(page, lang, name, { frame = null } = {}) {
  const target = frame || page;
  assert.equal(await target.evaluate(() => document.documentElement.lang), lang, `${name}: lang`);
  const violations = await accessibilityViolations(target);
  assert.deepEqual(violations, [], `${lang} ${name}: axe-core violations`);
  const overflow = await target.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1 && getComputedStyle(el).position !== 'absolute';
      })
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  });
  assert.deepEqual(overflow, [], `${lang} ${name}: wider than the screen`);
  await shot(page, `lang-${lang}-${name}`);
}

/** Console problems, less the 422 of a step refused on purpose. */
function unexpected(problems) {
  return problems.filter((p) => !p.includes('status of 422'));
}

/** The frame of the modal that verifyd draws. */
function modalFrame(page) {
  return page.frames().find((f) => f.url().includes('/verify/modal'));
}

for (const lang of LANGS) {
  const words = WORDS[lang];

  test(`${lang}: the whole document flow in the browser's language, accessible at every step`, async () => {
    const session = await createSession(KEYS.skTest, {
      options: { document: { require_matching_selfie: true, require_id_number: true } },
    });
    const browser = await openBrowser({ locale: words.browser });
    try {
      const { page } = browser;
      await page.goto(session.url);
      await page.getByTestId('consent-accept').waitFor();
      assert.equal((await page.getByTestId('consent-accept').textContent()).trim(), words.accept);
      await checkStep(page, lang, '01-consent');
      await page.getByTestId('consent-accept').click();

      await page.getByTestId('document-type-id_card').waitFor();
      await checkStep(page, lang, '02-document-type');
      await page.getByTestId('continue').click();
      // Nothing chosen: the error summary, in the language.
      await page.getByTestId('error').waitFor();
      await checkStep(page, lang, '03-document-type-error');
      await page.getByTestId('document-type-id_card').check();
      await page.getByTestId('continue').click();

      await page.getByTestId('file-front').setInputFiles(upload('front.png', cardImage([186, 214, 245])));
      await page.locator('[data-file-preview]').waitFor();
      await checkStep(page, lang, '04-front');
      await page.getByTestId('upload-front').click();
      await page.getByTestId('file-back').waitFor();
      await checkStep(page, lang, '05-back');
      await page.getByTestId('file-back').setInputFiles(upload('back.png', cardImage([214, 230, 200])));
      await page.getByTestId('upload-back').click();
      await page.getByTestId('file-selfie').waitFor();
      await checkStep(page, lang, '06-selfie');
      await page.getByTestId('file-selfie').setInputFiles(upload('selfie.png', faceImage()));
      await page.getByTestId('upload-selfie').click();

      await page.getByTestId('id-number').waitFor();
      await checkStep(page, lang, '07-id-number');
      await page.getByTestId('id-number').fill('123-45-6789');
      await page.getByTestId('continue').click();

      await page.getByTestId('submit').waitFor();
      await page.waitForFunction(() => {
        const imgs = [...document.querySelectorAll('img.thumb')];
        return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      });
      await checkStep(page, lang, '08-review');
      await page.getByTestId('submit').click();
      await page.getByTestId('submitted').waitFor();
      assert.equal((await page.getByTestId('submitted').textContent()).trim(), words.submitted);
      await checkStep(page, lang, '09-submitted');
      const done = await waitForSession(KEYS.skTest, session.id, settled);
      assert.equal(done.status, 'verified');

      // Another browser of the same language gets the expired page in it.
      const second = await openBrowser({ locale: words.browser, viewport: MOBILE, mobile: true });
      try {
        const response = await second.page.goto(session.url);
        assert.equal(response.status(), 410);
        assert.match(await second.page.getByTestId('expired').textContent(), new RegExp(words.expired));
        await checkStep(second.page, lang, '10-expired-mobile');
      } finally {
        await second.close();
      }
      assert.deepEqual(unexpected(browser.problems), []);
    } finally {
      await browser.close();
    }
  });

  test(`${lang}: name and date of birth on a phone, the date written the language's way`, async () => {
    const session = await createSession(KEYS.skTest, { type: 'id_number' });
    const browser = await openBrowser({ locale: words.browser, viewport: MOBILE, mobile: true });
    try {
      const { page } = browser;
      await page.goto(session.url);
      await page.getByTestId('consent-accept').waitFor();
      await checkStep(page, lang, '11-consent-id-number-mobile');
      await page.getByTestId('consent-accept').click();
      await page.getByTestId('first-name').waitFor();
      await checkStep(page, lang, '12-details-mobile');
      // Sent empty: every field's message, in the language.
      await page.getByTestId('continue').click();
      await page.getByTestId('error').waitFor();
      await checkStep(page, lang, '13-details-errors-mobile');
      await page.getByTestId('first-name').fill('Jenny');
      await page.getByTestId('last-name').fill('Rosen');
      await page.getByTestId('dob-day').fill('27');
      await page.getByTestId('dob-month').fill('3');
      await page.getByTestId('dob-year').fill('1990');
      await page.getByTestId('id-number').fill('000000000');
      await page.getByTestId('continue').click();
      await page.getByTestId('submit').waitFor();
      assert.match(await page.locator('.summary').textContent(), new RegExp(words.dob));
      await checkStep(page, lang, '14-review-id-number-mobile');
      await page.getByTestId('submit').click();
      await page.getByTestId('submitted').waitFor();
      await checkStep(page, lang, '15-submitted-mobile');
      assert.deepEqual(unexpected(browser.problems), []);
    } finally {
      await browser.close();
    }
  });
}

test('the switcher changes the language without JavaScript, and the choice sticks', async () => {
  const session = await createSession(KEYS.skTest);
  const browser = await openBrowser({ locale: 'en-US', javaScript: false });
  try {
    const { page } = browser;
    await page.goto(session.url);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.getByTestId('language-select').selectOption('de');
    await Promise.all([page.waitForURL(/\?step=consent$/), page.getByTestId('language-change').click()]);
    assert.equal((await page.getByTestId('consent-accept').textContent()).trim(), WORDS.de.accept);
    await shot(page, 'lang-switched-de-consent');
    await page.getByTestId('consent-accept').click();
    await page.getByTestId('document-type-id_card').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.getByTestId('language-select').inputValue(), 'de');
  } finally {
    await browser.close();
  }
});

describeModal();

function describeModal() {
  let shop;
  before(async () => {
    shop = await startShop();
  });
  after(() => shop.close());

  for (const lang of LANGS) {
    test(`${lang}: the modal in the language given to Stripe(pk, {locale}), accessible at every step`, async () => {
      const session = await createSession(KEYS.skTest);
      // The browser says English (or French, for English): the integrator's choice wins.
      const browser = await openBrowser({ locale: lang === 'en' ? 'fr-FR' : 'en-US' });
      try {
        const { page } = browser;
        shop.offer(session, KEYS.pkTest, { locale: lang });
        await page.goto(shop.url);
        await page.locator('#verify').click();
        const frameLocator = page.frameLocator('iframe[title="Identity verification"]');
        await frameLocator.getByTestId('consent-accept').waitFor();
        const frame = modalFrame(page);
        assert.equal((await frameLocator.getByTestId('modal-close').textContent()).trim(), WORDS[lang].close);
        assert.equal((await frameLocator.getByTestId('consent-accept').textContent()).trim(), WORDS[lang].accept);
        await checkStep(page, lang, 'modal-01-consent', { frame });
        await frameLocator.getByTestId('consent-accept').click();
        await frameLocator.getByTestId('document-type-id_card').waitFor();
        await checkStep(page, lang, 'modal-02-document-type', { frame });
        await frameLocator.getByTestId('document-type-passport').check();
        await frameLocator.getByTestId('continue').click();
        await frameLocator.getByTestId('file-front').waitFor();
        await checkStep(page, lang, 'modal-03-front', { frame });
        await frameLocator.getByTestId('test-outcome-verified').click();
        await page.waitForFunction(() => document.getElementById('result').textContent !== '');
        assert.deepEqual(JSON.parse(await page.locator('#result').textContent()), {});
        const done = await waitForSession(KEYS.skTest, session.id, settled);
        assert.equal(done.status, 'verified');
        assert.deepEqual(unexpected(browser.problems), []);
      } finally {
        await browser.close();
      }
    });
  }

  test('the switcher inside the modal changes the frame with the page', async () => {
    const session = await createSession(KEYS.skTest);
    const browser = await openBrowser({ locale: 'en-US', viewport: MOBILE, mobile: true });
    try {
      const { page } = browser;
      shop.offer(session, KEYS.pkTest);
      await page.goto(shop.url);
      await page.locator('#verify').click();
      const frameLocator = page.frameLocator('iframe[title="Identity verification"]');
      await frameLocator.getByTestId('consent-accept').waitFor();
      await frameLocator.getByTestId('language-select').selectOption('es');
      await frameLocator.getByTestId('language-change').click();
      await frameLocator.getByText(WORDS.es.accept).waitFor();
      const frame = modalFrame(page);
      assert.equal((await frameLocator.getByTestId('modal-close').textContent()).trim(), WORDS.es.close);
      await checkStep(page, 'es', 'modal-04-switched-mobile', { frame });
    } finally {
      await browser.close();
    }
  });
}
