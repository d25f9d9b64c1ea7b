// The hosted verification page (a session's `url`) in a real browser: test outcomes, the
// real upload path in test and live mode, clear image errors, and the expired-link page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KEYS,
  MOBILE,
  assertPageHeaders,
  cardImage,
  createSession,
  faceImage,
  openBrowser,
  shot,
  upload,
  waitForSession,
  api,
} from '../lib/harness.mjs';

const settled = (s) => s.status !== 'processing';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'testdata', 'documents');

test('a tester finishes a hosted session with the verified outcome', async () => {
  const session = await createSession(KEYS.skTest, { return_url: 'https://shop.example.com/verified' });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    const response = await page.goto(session.url);
    assert.equal(response.status(), 200);
    assertPageHeaders(assert, response);
    assert.match(page.url(), new RegExp(`/verify/s/${session.id}$`));
    await page.getByTestId('test-mode-banner').waitFor();
    await shot(page, 'hosted-01-consent-desktop');

    // Keyboard only: tab to the accept button and press Enter.
    await page.keyboard.press('Tab'); // skip link
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'consent-accept'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-testid'));
    }
    assert.equal(focused, 'consent-accept', 'the accept button is reachable by keyboard');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await shot(page, 'hosted-02-consent-focus');
    await Promise.all([page.waitForURL(/\/verify\/s\/vs_[A-Za-z0-9]+$/), page.keyboard.press('Enter')]);

    await page.getByTestId('test-outcome-verified').waitFor();
    await shot(page, 'hosted-03-document-type-with-test-panel');
    // The tester's click leaves for return_url (form-action allows its origin).
    const navigated = page.waitForRequest((r) => r.url().startsWith('https://shop.example.com/verified'));
    await page.getByTestId('test-outcome-verified').click();
    await navigated;

    const done = await waitForSession(KEYS.skTest, session.id, settled);
    assert.equal(done.status, 'verified');
    assert.ok(done.last_verification_report);
    assert.deepEqual(browser.problems.filter((p) => !p.includes('shop.example.com')), []);
  } finally {
    await browser.close();
  }
});

test('a tester picks a failure code and the session asks for input again', async () => {
  const session = await createSession(KEYS.skTest, {
    options: { document: { require_matching_selfie: true } },
  });
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await page.goto(session.url);
    await shot(page, 'hosted-04-consent-mobile');
    await page.getByTestId('consent-accept').click();
    await page.getByTestId('test-outcome-selfie_face_mismatch').waitFor();
    await shot(page, 'hosted-05-test-outcomes-mobile');
    await page.getByTestId('test-outcome-selfie_face_mismatch').click();
    await page.getByTestId('submitted').waitFor();
    await shot(page, 'hosted-06-submitted-mobile');
    const done = await waitForSession(KEYS.skTest, session.id, settled);
    assert.equal(done.status, 'requires_input');
    assert.equal(done.last_error.code, 'selfie_face_mismatch');
    assert.ok(done.url, 'a retrieve hands out a fresh url for the retry');
    assert.notEqual(done.url, session.url);
  } finally {
    await browser.close();
  }
});

/** A committed fixture photo (testdata/documents, made by verifyd-docgen). */
function fixture(file) {
  return upload(file, readFileSync(path.join(FIXTURES, file)), 'image/jpeg');
}

/**
 * Goes through type, front, back and selfie with image files: drawn cards by default
 * (test mode reads nothing), or real document photos for live mode, whose uploads are read.
 */
async function uploadEverything(
  page,
  prefix,
  {
    documentType = 'id_card',
    front = upload('front.png', cardImage([186, 214, 245])),
    back = upload('back.png', cardImage([214, 230, 200])),
    selfie = upload('selfie.png', faceImage()),
  } = {},
) {
  await page.getByTestId(`document-type-${documentType}`).check();
  await shot(page, `${prefix}-document-type`);
  await page.getByTestId('continue').click();

  await page.getByTestId('file-front').setInputFiles(front);
  await page.locator('[data-file-preview]').waitFor();
  await shot(page, `${prefix}-front`);
  await page.getByTestId('upload-front').click();

  await page.getByTestId('file-back').setInputFiles(back);
  await page.getByTestId('upload-back').click();

  await page.getByTestId('file-selfie').setInputFiles(selfie);
  await shot(page, `${prefix}-selfie`);
  await page.getByTestId('upload-selfie').click();

  await page.getByTestId('submit').waitFor();
  // The review shows the three images back (served to this browser only).
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('img.thumb')];
    return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  await shot(page, `${prefix}-review`);
}

test('the real upload path in test mode ends verified with the files in the report', async () => {
  const session = await createSession(KEYS.skTest, {
    options: { document: { require_matching_selfie: true } },
  });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(session.url);
    await page.getByTestId('consent-accept').click();
    await uploadEverything(page, 'hosted-07-test-upload');
    await page.getByTestId('submit').click();
    await page.getByTestId('submitted').waitFor();
    const done = await waitForSession(KEYS.skTest, session.id, settled);
    assert.equal(done.status, 'verified');
    const report = await api('GET', `/v1/identity/verification_reports/${done.last_verification_report}`, KEYS.skTest);
    assert.equal(report.document.files.length, 2);
    assert.equal(report.selfie.document, report.document.files[0]);
    assert.match(report.selfie.selfie, /^file_/);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('the real upload path in live mode ends in document_unverified_other', async () => {
  const session = await createSession(KEYS.skLive, {
    options: { document: { require_matching_selfie: true } },
  });
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await page.goto(session.url);
    assert.equal(await page.getByTestId('test-mode-banner').count(), 0);
    await page.getByTestId('consent-accept').click();
    assert.equal(await page.getByTestId('test-outcome-verified').count(), 0);
    // Live mode reads the photos: a drawn card or a drawn face would be sent back for a
    // retake. A real licence whose front disagrees with its barcode passes the upload's
    // quick reading and fails the worker's check (before the selfie is compared).
    await uploadEverything(page, 'hosted-08-live-upload-mobile', {
      documentType: 'driving_license',
      front: fixture('us-dl-tampered-front.jpg'),
      back: fixture('us-dl-tampered-back.jpg'),
      selfie: fixture('selfie-other.jpg'),
    });
    await page.getByTestId('submit').click();
    await page.getByTestId('submitted').waitFor();
    // The real reader takes seconds per image on a small machine.
    const done = await waitForSession(KEYS.skLive, session.id, settled, { timeoutMs: 90000 });
    assert.equal(done.status, 'requires_input');
    assert.equal(done.last_error.code, 'document_unverified_other');
    assert.match(done.last_error.reason, /date of birth/);
  } finally {
    await browser.close();
  }
});

test('a wrong or damaged image gets a clear message and nothing moves on', async () => {
  const session = await createSession(KEYS.skTest, { options: { document: { allowed_types: ['passport'] } } });
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await page.goto(session.url);
    await page.getByTestId('consent-accept').click();
    await page.getByTestId('file-front').setInputFiles(upload('scan.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), 'image/gif'));
    await page.getByTestId('upload-front').click();
    const error = page.getByTestId('error');
    await error.waitFor();
    assert.match(await error.textContent(), /not a JPEG, PNG or WebP image/);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-testid')), 'error');
    await shot(page, 'hosted-09-wrong-format-mobile');

    const damaged = cardImage([200, 200, 200]).subarray(0, 500);
    await page.getByTestId('file-front').setInputFiles(upload('front.png', damaged));
    await page.getByTestId('upload-front').click();
    await page.getByTestId('error').waitFor();
    assert.match(await page.getByTestId('error').textContent(), /could not be read/);
    await shot(page, 'hosted-10-damaged-image-mobile');
  } finally {
    await browser.close();
  }
});

test('a used link shows the expired page in any other browser', async () => {
  const session = await createSession(KEYS.skTest);
  const first = await openBrowser();
  const second = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    await first.page.goto(session.url);
    await first.page.getByTestId('consent-accept').waitFor();
    const response = await second.page.goto(session.url);
    assert.equal(response.status(), 410);
    assertPageHeaders(assert, response);
    const heading = second.page.getByTestId('expired');
    await heading.waitFor();
    assert.match(await heading.textContent(), /This link has expired/);
    await shot(second.page, 'hosted-11-expired-link-mobile');
    // The flow itself is just as closed to the second browser.
    const flow = await second.page.goto(first.page.url());
    assert.equal(flow.status(), 410);
  } finally {
    await first.close();
    await second.close();
  }
});
