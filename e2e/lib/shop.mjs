// A tiny integrator site for the modal's browser tests: its own origin (another port, and
// another site when it is named `localhost` while verifyd is on 127.0.0.1), a strict CSP of
// its own, the drop-in loaded from verifyd, a "server" endpoint that hands out the client
// secret, optional stylesheet rules of its own (hostile ones, to test isolation), and a
// probe that tells whether this browser keeps third-party cookies at all.
import http from 'node:http';
import { BASE } from './harness.mjs';

const page = (stylesheet, base) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title>
${stylesheet ? '<link rel="stylesheet" href="/shop.css">' : ''}
<script src="${base}/v3/"></script>
<script src="/shop.js" defer></script>
</head>
<body>
<h1>Example shop</h1>
<p>Before your first order we need to verify your identity.</p>
<button id="verify" type="button">Verify my identity</button>
<pre id="result"></pre>
</body>
</html>`;

const script = `
document.getElementById('verify').addEventListener('click', async () => {
  const { clientSecret, publishableKey, options } = await (await fetch('/session')).json();
  const result = await Stripe(publishableKey, options || undefined).verifyIdentity(clientSecret);
  document.getElementById('result').textContent = JSON.stringify(result);
});`;

/**
 * Starts the shop. `hostname` is the name the browser uses for it (`127.0.0.1`: same site as
 * verifyd in these tests; `localhost`: another site). `css` is the shop's own stylesheet.
 * `frameVerifyd: false` leaves verifyd out of the page's `frame-src`. `base`: the verifyd
 * whose drop-in the shop loads (default: the main one).
 */
export async function startShop({ hostname = '127.0.0.1', css = '', frameVerifyd = true, base = BASE } = {}) {
  let nextSecret = null;
  let probeCookieSeen = null;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://shop');
    if (url.pathname === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // The integrator's own strict policy: the drop-in needs only its script and frame.
        // (`frameVerifyd: false` forgets frame-src, a mistake the drop-in must survive.)
        'content-security-policy': `default-src 'self'; script-src 'self' ${base}; frame-src ${frameVerifyd ? base : "'none'"}; style-src 'self'`,
      });
      res.end(page(css, base));
    } else if (url.pathname === '/shop.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else if (url.pathname === '/shop.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(css);
    } else if (url.pathname === '/session') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(nextSecret));
    } else if (url.pathname === '/probe/top') {
      // A page of this site framing the same server under its other name (another site).
      const other = url.searchParams.get('frame');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>probe</title><iframe src="${other}/probe/set"></iframe>`);
    } else if (url.pathname === '/probe/set') {
      // Framed by another site: cookies that only a browser keeping third-party cookies
      // (plain, or partitioned per top-level site) sends back on the redirect.
      res.writeHead(302, {
        'set-cookie': [
          'probe_plain=1; Path=/; SameSite=None; Secure; HttpOnly',
          'probe_partitioned=1; Path=/; SameSite=None; Secure; HttpOnly; Partitioned',
        ],
        location: '/probe/check',
      });
      res.end();
    } else if (url.pathname === '/probe/check') {
      const cookie = req.headers.cookie || '';
      probeCookieSeen = {
        plain: /(^|;\s*)probe_plain=1/.test(cookie),
        partitioned: /(^|;\s*)probe_partitioned=1/.test(cookie),
      };
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>checked</title><p id="checked">checked</p>');
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const origin = `http://${hostname}:${port}`;
  return {
    origin,
    url: `${origin}/`,
    /**
     * What the shop's server hands its page for the next verifyIdentity call; `options` are
     * Stripe()'s (`{locale: 'fr'}`).
     */
    offer(session, publishableKey, options = null) {
      nextSecret = { clientSecret: session.client_secret, publishableKey, options };
    },
    /**
     * Which cookies set by a frame of another site `page`'s browser sends back, as
     * `{plain, partitioned}`: frames this server under its other name (`127.0.0.1` ↔
     * `localhost`) from a page of this site.
     */
    async thirdPartyCookiesKept(page) {
      probeCookieSeen = null;
      const otherName = hostname === 'localhost' ? '127.0.0.1' : 'localhost';
      await page.goto(`${origin}/probe/top?frame=${encodeURIComponent(`http://${otherName}:${port}`)}`);
      const frame = page.frameLocator('iframe');
      await frame.locator('#checked').waitFor();
      return probeCookieSeen;
    },
    close() {
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
