// require_live_capture: photos come from the page's camera (Chromium's fake device), file
// uploads are refused, and a browser without a camera ends with device_not_supported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, MOBILE, createSession, openBrowser, shot, waitForSession, api } from '../lib/harness.mjs';

const live = { options: { document: { require_live_capture: true, require_matching_selfie: true } } };

async function takePhoto(page, slot, name) {
  const shoot = page.getByTestId('camera-capture');
  await shoot.waitFor();
  await page.waitForFunction(() => {
    const v = document.querySelector('[data-camera-video]');
    return v && v.videoWidth > 0;
  });
  await shot(page, `${name}-live`);
  await shoot.click();
  await page.locator('[data-camera-preview]').waitFor();
  await shot(page, `${name}-taken`);
  await page.getByTestId(`upload-${slot}`).click();
}

test('live capture takes every photo with the camera and verifies', async () => {
  const session = await createSession(KEYS.skTest, live);
  const browser = await openBrowser({ viewport: MOBILE, mobile: true, camera: true });
  try {
    const { page } = browser;
    await page.goto(session.url);
    await page.getByTestId('consent-accept').click();
    await page.getByTestId('document-type-driving_license').check();
    await page.getByTestId('continue').click();
    assert.equal(await page.locator('input[type=file][data-testid^="file-"]').count(), 0, 'no file picker');
    await takePhoto(page, 'front', 'camera-01-front');
    await takePhoto(page, 'back', 'camera-02-back');
    await takePhoto(page, 'selfie', 'camera-03-selfie');
    await page.getByTestId('submit').waitFor();
    await shot(page, 'camera-04-review');
    await page.getByTestId('submit').click();
    await page.getByTestId('submitted').waitFor();
    const done = await waitForSession(KEYS.skTest, session.id, (s) => s.status !== 'processing');
    assert.equal(done.status, 'verified');
    const report = await api('GET', `/v1/identity/verification_reports/${done.last_verification_report}`, KEYS.skTest);
    assert.equal(report.document.files.length, 2);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test('without a camera the page explains and the session records device_not_supported', async () => {
  const session = await createSession(KEYS.skTest, live);
  // No fake device: headless Chromium has no camera to give.
  const browser = await openBrowser({ viewport: MOBILE, mobile: true });
  try {
    const { page } = browser;
    await page.goto(session.url);
    await page.getByTestId('consent-accept').click();
    await page.getByTestId('document-type-passport').check();
    await page.getByTestId('continue').click();
    const unavailable = page.getByTestId('camera-unavailable');
    await unavailable.waitFor();
    await shot(page, 'camera-05-no-camera');
    await unavailable.click();
    await page.getByTestId('device-unsupported').waitFor();
    const after = await waitForSession(KEYS.skTest, session.id, () => true);
    assert.equal(after.status, 'requires_input');
    assert.equal(after.last_error.code, 'device_not_supported');
  } finally {
    await browser.close();
  }
});
