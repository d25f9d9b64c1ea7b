/*
 * verifyd's drop-in for the Identity part of Stripe.js.
 *
 *   <script src="https://YOUR-VERIFYD/v3/"></script>
 *   const stripe = Stripe('pk_test_...');        // or Stripe('pk_test_...', {locale: 'fr'})
 *   const { error } = await stripe.verifyIdentity(clientSecret);
 *
 * verifyIdentity opens verifyd's hosted flow in a modal and resolves {} once the user has
 * submitted, or {error: {code, message}}:
 *   consent_declined          the user declined
 *   session_cancelled         the user closed the modal
 *   device_unsupported        no usable camera for a session that requires live capture
 *   session_expired           the client secret was used, has expired, or is unknown
 *   invalid_publishable_key   the key is unknown, or of the other mode than the session
 *   session_in_progress       verifyIdentity was called while a modal is already open
 *   modal_unavailable         verifyd's frame did not load (verifyd unreachable, or a
 *                             Content-Security-Policy or frame-ancestors rule refused it)
 *
 * Everything the user sees of the modal — the dim backdrop, the panel, its Close button and
 * the flow — is drawn by verifyd inside one full-screen iframe, so no rule of your page's
 * CSS can reach it. Your page gets only that bare iframe, in a <dialog> (the top layer: above
 * everything, your page inert behind it) inside an open shadow root, each element with an
 * inline `all: initial !important` and its few own properties, also !important.
 *
 * The client secret never appears in a URL: it is handed to the iframe by postMessage,
 * addressed to verifyd's origin only, once the iframe has said it is ready; messages are
 * accepted only from that iframe and that origin. The iframe is told this page's origin
 * (not a secret) so that verifyd lets only this origin frame it. Styles are set through the
 * DOM (not an injected stylesheet), so a strict Content-Security-Policy on your page does
 * not block them.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var verifydOrigin = new URL(script && script.src ? script.src : '/', window.location.href).origin;
  var open = null;
  // How long verifyd's frame may take, once loaded, to say it is ready.
  var READY_GRACE_MS = 3000;

  /* Resets every property of `element` and sets `styles`, all inline and !important. */
  function lockStyle(element, styles) {
    element.style.setProperty('all', 'initial', 'important');
    Object.keys(styles).forEach(function (name) {
      element.style.setProperty(name, styles[name], 'important');
    });
    return element;
  }

  function buildOverlay(locale) {
    var host = lockStyle(document.createElement('div'), { display: 'block' });
    host.setAttribute('data-verifyd-modal', '');
    var root = typeof host.attachShadow === 'function' ? host.attachShadow({ mode: 'open' }) : host;

    var dialog = lockStyle(document.createElement('dialog'), {
      display: 'block', position: 'fixed', top: '0', left: '0', right: '0', bottom: '0',
      width: '100%', height: '100%', 'max-width': 'none', 'max-height': 'none',
      margin: '0', padding: '0', border: '0', overflow: 'hidden', background: 'transparent',
      'z-index': '2147483647', 'color-scheme': 'light'
    });
    dialog.setAttribute('aria-label', 'Identity verification');

    var frame = lockStyle(document.createElement('iframe'), {
      display: 'block', width: '100%', height: '100%', margin: '0', padding: '0', border: '0',
      background: 'transparent', 'color-scheme': 'light'
    });
    frame.title = 'Identity verification';
    frame.setAttribute('allow', 'camera');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.src = verifydOrigin + '/verify/modal?parent=' + encodeURIComponent(window.location.origin) +
      (locale === 'auto' ? '' : '&locale=' + encodeURIComponent(locale));

    dialog.appendChild(frame);
    root.appendChild(dialog);
    return { host: host, dialog: dialog, frame: frame };
  }

  /* Whether the frame still shows the empty document it starts with (readable from here). */
  function showsBlankDocument(frame) {
    try {
      return frame.contentWindow.location.href === 'about:blank';
    } catch (e) {
      return false; // another origin's document: verifyd's page, or the browser's error page
    }
  }

  function error(code, message) {
    return { error: { code: code, message: message } };
  }

  function verifyIdentity(publishableKey, clientSecret, locale) {
    return new Promise(function (resolve) {
      if (open) {
        resolve(error('session_in_progress', 'A verification is already open.'));
        return;
      }
      if (typeof clientSecret !== 'string' || !clientSecret) {
        resolve(error('session_expired', 'verifyIdentity needs the client_secret of a VerificationSession.'));
        return;
      }
      var ui = buildOverlay(locale);
      var returnFocus = document.activeElement;
      var pendingError = null;
      var ready = false;
      var readyTimer = null;
      var state = { done: false };
      open = state;

      function finish(result) {
        if (state.done) return;
        state.done = true;
        open = null;
        clearTimeout(readyTimer);
        window.removeEventListener('message', onMessage);
        if (ui.dialog.open) ui.dialog.close();
        if (ui.host.parentNode) ui.host.parentNode.removeChild(ui.host);
        if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus();
        resolve(result);
      }

      function cancelled() {
        finish(pendingError || error('session_cancelled', 'The user closed the verification window.'));
      }

      function onMessage(event) {
        if (event.origin !== verifydOrigin || event.source !== ui.frame.contentWindow) return;
        var data = event.data;
        if (!data || typeof data !== 'object' || data.source !== 'verifyd') return;
        if (data.type === 'ready') {
          // Answered every time: a frame that was reloaded asks again, and verifyd tells it
          // the client secret is spent (session_expired).
          ready = true;
          clearTimeout(readyTimer);
          ui.frame.contentWindow.postMessage({
            source: 'verifyd-parent',
            type: 'init',
            clientSecret: clientSecret,
            publishableKey: publishableKey
          }, verifydOrigin);
        } else if (data.type === 'result' && data.result && typeof data.result === 'object') {
          var result = data.result.error
            ? error(String(data.result.error.code || 'unknown'), String(data.result.error.message || ''))
            : {};
          finish(result);
        } else if (data.type === 'camera_unavailable') {
          pendingError = error('device_unsupported', 'No camera could be used on this device.');
        } else if (data.type === 'close') {
          cancelled();
        }
      }

      window.addEventListener('message', onMessage);
      // Escape on a modal <dialog> fires "cancel": treat it as closing. (Inside the frame,
      // verifyd's page handles Escape itself.)
      ui.dialog.addEventListener('cancel', function (event) {
        event.preventDefault();
        cancelled();
      });
      // The Close button lives in verifyd's frame: if the frame never comes up, nothing
      // would let the user out, so give up on it instead.
      ui.frame.addEventListener('load', function () {
        if (state.done || showsBlankDocument(ui.frame)) return;
        ui.frame.focus();
        if (!ready) {
          readyTimer = setTimeout(function () {
            if (!ready) finish(error('modal_unavailable', 'The verification window could not be loaded.'));
          }, READY_GRACE_MS);
        }
      });
      document.body.appendChild(ui.host);
      if (typeof ui.dialog.showModal === 'function') {
        ui.dialog.showModal();
      } else {
        ui.dialog.setAttribute('open', '');
      }
    });
  }

  /*
   * The `locale` option, as Stripe.js takes it: 'auto' (the default: the browser's
   * languages) or a language tag ('fr', 'de-CH'). A tag verifyd has no pages for falls back
   * to the browser's languages; a value that is not a tag is ignored with a warning.
   */
  function localeOption(options) {
    var locale = options && options.locale;
    if (locale === undefined || locale === 'auto') return 'auto';
    if (typeof locale === 'string' && locale.length <= 35 && /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/.test(locale)) {
      return locale;
    }
    if (window.console) window.console.warn('Stripe(): unsupported locale option, using "auto".');
    return 'auto';
  }

  function Stripe(publishableKey, options) {
    if (typeof publishableKey !== 'string' || !/^pk_(test|live)_[A-Za-z0-9]+$/.test(publishableKey)) {
      throw new Error('IntegrationError: Invalid value for Stripe(): apiKey should be a publishable key (pk_test_… or pk_live_…).');
    }
    var locale = localeOption(options);
    return {
      verifyIdentity: function (clientSecret) {
        return verifyIdentity(publishableKey, clientSecret, locale);
      }
    };
  }

  Stripe.version = 3;
  Stripe.verifyd = true;
  window.Stripe = Stripe;
})();
