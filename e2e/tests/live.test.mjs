// The hosted page in live mode with real document photos (the committed fixtures in
// testdata/documents, made by verifyd-docgen) read by verifyd's real document reader: a
// genuine licence ends verified, a failing one ends with its code, a blurred photo is sent
// back with a retake message before the user continues, and a selfie is matched to the
// licence's portrait (a selfie without a face is sent back first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DESKTOP,
  KEYS,
  MOBILE,
  api,
  createSession,
  openBrowser,
  shot,
  upload,
  waitForSession,
} from '../lib/harness.mjs';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata', 'documents');

/** A fixture photo, as the file input would get it. */
function fixture(file) {
  return upload(file, readFileSync(path.join(FIXTURES, file)), 'image/jpeg');
}

const settled = (s) => s.status !== 'processing';
// The real reader takes seconds per image on a small machine.
const CHECK_TIMEOUT = { timeoutMs: 90000 };

/** Consent, then the document type. */
async function begin(page, session, documentType) {
  await page.goto(session.url);
  assert.equal(await page.getByTestId('test-mode-banner').count(), 0);
  await page.getByTestId('consent-accept').click();
  await page.getByTestId(`document-type-${documentType}`).check();
  await page.getByTestId('continue').click();
}

/** Chooses a fixture for `slot` and sends it; returns once the next page has loaded. */
async function send(page, slot, file) {
  await page.getByTestId(`file-${slot}`).setInputFiles(fixture(file));
  await page.locator('[data-file-preview]').waitFor();
  await Promise.all([page.waitForNavigation(), page.getByTestId(`upload-${slot}`).click()]);
}

async function submit(page, prefix, images = 2) {
  await page.getByTestId('submit').waitFor();
  await page.waitForFunction((count) => {
    const imgs = [...document.querySelectorAll('img.thumb')];
    return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, images);
  await shot(page, `${prefix}-review`);
  await page.getByTestId('submit').click();
  await page.getByTestId('submitted').waitFor();
}

test('a genuine licence photographed front and back ends verified', async () => {
  const session = await createSession(KEYS.skLive);
  const browser = await openBrowser({ viewport: DESKTOP });
  try {
    const { page } = browser;
    await begin(page, session, 'driving_license');
    await send(page, 'front', 'us-dl-front.jpg');
    await page.getByTestId('file-back').waitFor();
    await send(page, 'back', 'us-dl-back.jpg');
    await submit(page, 'live-01-licence');
    const done = await waitForSession(KEYS.skLive, session.id, settled, CHECK_TIMEOUT);
    assert.equal(done.status, 'verified', JSON.stringify(done.last_error));
    const report = await api('GET', `/v1/identity/verification_reports/${done.last_verification_report}`, KEYS.skLive);
    assert.equal(report.document.status, 'verified');
    assert.equal(report.document.type, 'driving_license');
    assert.equal(report.document.last_name, 'WHITFIELD');
    assert.equal(report.document.issuing_country, 'US');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('an expired licence ends in document_expired', async () => {
  const session = await createSession(KEYS.skLive);
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await begin(page, session, 'driving_license');
    await send(page, 'front', 'us-dl-expired-front.jpg');
    await send(page, 'back', 'us-dl-expired-back.jpg');
    await submit(page, 'live-02-expired-mobile');
    const done = await waitForSession(KEYS.skLive, session.id, settled, CHECK_TIMEOUT);
    assert.equal(done.status, 'requires_input');
    assert.equal(done.last_error.code, 'document_expired');
    assert.ok(done.url, 'the user can try again with another document');
  } finally {
    await browser.close();
  }
});

test('a blurred back gets a retake message, and a sharp one then verifies', async () => {
  const session = await createSession(KEYS.skLive);
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await begin(page, session, 'driving_license');
    await send(page, 'front', 'us-dl-front.jpg');

    await page.getByTestId('file-back').setInputFiles(fixture('us-dl-blurred-back.jpg'));
    await page.locator('[data-file-preview]').waitFor();
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByTestId('upload-back').click(),
    ]);
    assert.equal(response.status(), 422);
    const error = page.getByTestId('error');
    await error.waitFor();
    assert.match(
      await error.textContent(),
      /This photo is blurred\. Hold the camera steady, let it focus, and take the photo again\./,
    );
    const retake = page.getByTestId('retake');
    assert.equal(await retake.getAttribute('data-retake'), 'blurry');
    assert.match(await retake.textContent(), /Your photo was not kept\. Take a new one and upload it again\./);
    // The error summary takes the focus, so a screen reader announces it.
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-testid')), 'error');
    // Still the back step, ready for another photo.
    await page.getByTestId('file-back').waitFor();
    await shot(page, 'live-03-retake-blurred-back-mobile');

    await send(page, 'back', 'us-dl-back.jpg');
    await submit(page, 'live-04-after-retake-mobile');
    const done = await waitForSession(KEYS.skLive, session.id, settled, CHECK_TIMEOUT);
    assert.equal(done.status, 'verified', JSON.stringify(done.last_error));
    assert.deepEqual(browser.problems.filter((p) => !p.includes('422')), []);
  } finally {
    await browser.close();
  }
});

test('a selfie without a face gets a retake message, and one of the person on the licence then verifies', async () => {
  const session = await createSession(KEYS.skLive, {
    'options[document][require_matching_selfie]': 'true',
  });
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await begin(page, session, 'driving_license');
    await send(page, 'front', 'us-dl-portrait-front.jpg');
    await send(page, 'back', 'us-dl-portrait-back.jpg');

    // A landscape as the selfie: no face.
    await page.getByTestId('file-selfie').setInputFiles(fixture('not-a-document-front.jpg'));
    await page.locator('[data-file-preview]').waitFor();
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByTestId('upload-selfie').click(),
    ]);
    assert.equal(response.status(), 422);
    const error = page.getByTestId('error');
    await error.waitFor();
    assert.match(await error.textContent(), /No face was found in this selfie\./);
    const retake = page.getByTestId('retake');
    assert.equal(await retake.getAttribute('data-retake'), 'no_face');
    await page.getByTestId('file-selfie').waitFor();
    await shot(page, 'live-05-retake-selfie-without-face-mobile');

    await send(page, 'selfie', 'selfie-match.jpg');
    await submit(page, 'live-06-selfie-mobile', 3);
    const done = await waitForSession(KEYS.skLive, session.id, settled, CHECK_TIMEOUT);
    assert.equal(done.status, 'verified', JSON.stringify(done.last_error));
    const report = await api('GET', `/v1/identity/verification_reports/${done.last_verification_report}`, KEYS.skLive);
    assert.equal(report.selfie.status, 'verified');
    assert.equal(report.selfie.document, report.document.files[0]);
    assert.ok(report.selfie.selfie.startsWith('file_'));
    assert.deepEqual(browser.problems.filter((p) => !p.includes('422')), []);
  } finally {
    await browser.close();
  }
});
