// Shared helpers of the browser tests: the verifyd under test (started by run.sh), its API
// through plain fetch, browsers with fresh profiles, screenshots and generated images.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with e2e/run.sh`);
  return value;
}

export const BASE = required('VERIFYD_E2E_URL');
export const KEYS = {
  skTest: required('VERIFYD_E2E_SK_TEST'),
  skLive: required('VERIFYD_E2E_SK_LIVE'),
  pkTest: required('VERIFYD_E2E_PK_TEST'),
  pkLive: required('VERIFYD_E2E_PK_LIVE'),
};
export const ARTIFACTS = required('VERIFYD_E2E_ARTIFACTS');
mkdirSync(ARTIFACTS, { recursive: true });

export const DESKTOP = { width: 1280, height: 900 };
export const MOBILE = { width: 390, height: 844 };

/** Stripe-style form encoding of nested params: a[b][c]=v, a[]=v. */
export function formEncode(params, prefix = '', out = new URLSearchParams()) {
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (Array.isArray(value)) {
      value.forEach((v) => out.append(`${name}[]`, String(v)));
    } else if (value !== null && typeof value === 'object') {
      formEncode(value, name, out);
    } else {
      out.append(name, String(value));
    }
  }
  return out;
}

export async function api(method, apiPath, key, params) {
  const init = { method, headers: { Authorization: `Bearer ${key}` } };
  if (params) {
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = formEncode(params).toString();
  }
  const response = await fetch(BASE + apiPath, init);
  const body = await response.json();
  if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export function createSession(key, params = {}) {
  return api('POST', '/v1/identity/verification_sessions', key, { type: 'document', ...params });
}

export function retrieveSession(key, id) {
  return api('GET', `/v1/identity/verification_sessions/${id}`, key);
}

/** Polls the session until `done(session)` holds (processing runs in verifyd's worker). */
export async function waitForSession(key, id, done, { timeoutMs = 20000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let session;
  while (Date.now() < deadline) {
    session = await retrieveSession(key, id);
    if (done(session)) return session;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`session ${id} did not settle: status ${session && session.status}`);
}

/**
 * Cookie settings of a test browser's profile, as Chromium's own settings page writes them:
 * `allow` keeps third-party cookies, `block-third-party` blocks them (partitioned cookies
 * still work), `block-all` refuses every cookie of every site. Without a choice the
 * browser's default applies: Debian's Chromium 156 blocks plain third-party cookies by
 * default, and neither --test-third-party-cookie-phaseout nor CDP's
 * Network.setCookieControls changed what its probes saw; this preference does, both ways
 * (`thirdPartyCookiesKept` in lib/shop.mjs tells which cookies a browser really keeps).
 */
const COOKIE_PREFERENCES = {
  allow: { profile: { cookie_controls_mode: 0 } },
  'block-third-party': { profile: { cookie_controls_mode: 1 } },
  'block-all': { profile: { default_content_setting_values: { cookies: 2 } } },
};

/**
 * A browser with a fresh, empty profile (its own cookies): Debian's chromium with the flags
 * from MACHINE-NOTES, plus a fake camera when asked, and the cookie settings asked for.
 */
export async function openBrowser({ viewport = DESKTOP, camera = false, mobile = false, cookies = null, locale = undefined, javaScript = true } = {}) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'verifyd-e2e-profile-'));
  if (cookies) {
    const preferences = COOKIE_PREFERENCES[cookies];
    if (!preferences) throw new Error(`unknown cookie setting ${cookies}`);
    mkdirSync(path.join(userDataDir, 'Default'), { recursive: true });
    writeFileSync(path.join(userDataDir, 'Default', 'Preferences'), JSON.stringify(preferences));
  }
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (camera) args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args,
    viewport,
    deviceScaleFactor: mobile ? 2 : 1,
    isMobile: mobile,
    hasTouch: mobile,
    permissions: camera ? ['camera'] : [],
    // The browser's language (navigator.language and Accept-Language), e.g. 'fr-FR'.
    locale,
    javaScriptEnabled: javaScript,
  });
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  return {
    context,
    page,
    /** Console errors and CSP violations seen so far. */
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/*
 * axe-core (the npm package), run inside a page or frame. The pages' CSP forbids injected
 * <script> elements, so its source is evaluated through the DevTools protocol (which the CSP
 * does not govern) instead of bypassing the policy for the whole browser.
 */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core's WCAG 2.0/2.1/2.2 A and AA rules (and its best practices) on `target` (a
 * Page or a Frame) and returns the violations, each as `rule: impact: nodes`.
 */
export async function accessibilityViolations(target) {
  await target.evaluate(AXE_SOURCE);
  const violations = await target.evaluate(async () => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(', ')}`);
}

/** Saves a screenshot as artifacts/<name>.png: the full page, or only what the viewport shows. */
export async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Checks the headers every hosted page must carry. */
export function assertPageHeaders(assert, response) {
  const h = response.headers();
  assert.match(h['content-security-policy'] || '', /default-src 'self'/);
  assert.doesNotMatch(h['content-security-policy'] || '', /unsafe-inline/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.equal(h['cache-control'], 'no-store');
}

/* ---- Images: real PNGs built here, looking vaguely like what they stand for ------------- */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG of `width`×`height` whose pixels come from `paint(x, y) -> [r, g, b]`. */
export function png(width, height, paint) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A card-like picture: a tinted card, a "photo" box and text-like lines. */
export function cardImage(tint) {
  const [tr, tg, tb] = tint;
  return png(480, 300, (x, y) => {
    if (x < 12 || y < 12 || x >= 468 || y >= 288) return [235, 238, 242];
    if (x > 36 && x < 156 && y > 60 && y < 220) return [120, 130, 150];
    if (x > 180 && x < 440 && y >= 70 && y < 240 && (y - 70) % 34 < 10) return [60, 60, 70];
    return [tr, tg, tb];
  });
}

/** A face-like picture for the selfie. */
export function faceImage() {
  return png(300, 360, (x, y) => {
    const dx = x - 150;
    const dy = y - 170;
    if ((dx * dx) / (90 * 90) + (dy * dy) / (115 * 115) < 1) {
      if ((Math.abs(dx - 35) < 10 || Math.abs(dx + 35) < 10) && Math.abs(dy + 25) < 8) return [40, 40, 40];
      if (Math.abs(dx) < 30 && Math.abs(dy - 55) < 5) return [150, 60, 60];
      return [224, 188, 160];
    }
    return [196, 214, 232];
  });
}

export function upload(name, buffer, mimeType = 'image/png') {
  return { name, mimeType, buffer };
}
