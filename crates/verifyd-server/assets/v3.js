/*
 * verifyd's drop-in for the Identity part of Stripe.js.
 *
 *   <script src="https://YOUR-VERIFYD/v3/"></script>
 *   const stripe = Stripe('pk_test_...');
 *   const { error } = await stripe.verifyIdentity(clientSecret);
 *
 * verifyIdentity opens verifyd's hosted flow in an overlay (a modal <dialog> holding an
 * iframe) and resolves {} once the user has submitted, or {error: {code, message}}:
 *   consent_declined          the user declined
 *   session_cancelled         the user closed the modal
 *   device_unsupported        no usable camera for a session that requires live capture
 *   session_expired           the client secret was used, has expired, or is unknown
 *   invalid_publishable_key   the key is unknown, or of the other mode than the session
 *   cookies_unavailable       the browser refused the cookies the flow needs
 *   session_in_progress       verifyIdentity was called while a modal is already open
 * The client secret never appears in a URL: it is handed to the iframe by postMessage,
 * addressed to verifyd's origin only, once the iframe has said it is ready; messages are
 * accepted only from that iframe and that origin. Styles are set through the DOM (not an
 * injected stylesheet), so a strict Content-Security-Policy on your page does not block them.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var verifydOrigin = new URL(script && script.src ? script.src : '/', window.location.href).origin;
  var open = null;

  function css(element, styles) {
    Object.keys(styles).forEach(function (name) { element.style[name] = styles[name]; });
    return element;
  }

  function buildOverlay() {
    var dialog = css(document.createElement('dialog'), {
      position: 'fixed', inset: '0', width: '100%', height: '100%', maxWidth: '100%', maxHeight: '100%',
      margin: '0', padding: '0', border: '0', background: 'rgba(15, 18, 28, 0.72)',
      display: 'flex', alignItems: 'center', justifyContent: 'center', zIndex: '2147483647'
    });
    dialog.setAttribute('aria-label', 'Identity verification');
    dialog.setAttribute('data-verifyd-modal', '');

    // Phones get the whole screen; larger screens a centred panel.
    var small = window.innerWidth <= 640;
    var box = css(document.createElement('div'), {
      position: 'relative', display: 'flex', flexDirection: 'column', background: '#eef1f6',
      width: small ? '100%' : 'min(100%, 34rem)', height: small ? '100%' : 'min(100%, 52rem)',
      borderRadius: small ? '0' : '14px', overflow: 'hidden', boxShadow: '0 12px 40px rgba(0, 0, 0, 0.35)'
    });

    var bar = css(document.createElement('div'), {
      display: 'flex', justifyContent: 'flex-end', padding: '6px', background: '#ffffff',
      borderBottom: '1px solid #c9cfda'
    });
    var close = css(document.createElement('button'), {
      font: '600 15px/1 system-ui, sans-serif', color: '#14171f', background: '#ffffff',
      border: '2px solid #4a5160', borderRadius: '8px', padding: '8px 12px', minHeight: '40px', cursor: 'pointer'
    });
    close.type = 'button';
    close.textContent = 'Close';
    close.setAttribute('aria-label', 'Close identity verification');
    close.setAttribute('data-verifyd-close', '');
    close.addEventListener('focus', function () { close.style.outline = '3px solid #f4b400'; close.style.outlineOffset = '2px'; });
    close.addEventListener('blur', function () { close.style.outline = 'none'; });
    bar.appendChild(close);

    var frame = css(document.createElement('iframe'), {
      flex: '1', width: '100%', border: '0', background: '#eef1f6'
    });
    frame.title = 'Identity verification';
    frame.setAttribute('allow', 'camera');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.src = verifydOrigin + '/verify/modal';

    box.appendChild(bar);
    box.appendChild(frame);
    dialog.appendChild(box);
    return { dialog: dialog, close: close, frame: frame };
  }

  function error(code, message) {
    return { error: { code: code, message: message } };
  }

  function verifyIdentity(publishableKey, clientSecret) {
    return new Promise(function (resolve) {
      if (open) {
        resolve(error('session_in_progress', 'A verification is already open.'));
        return;
      }
      if (typeof clientSecret !== 'string' || !clientSecret) {
        resolve(error('session_expired', 'verifyIdentity needs the client_secret of a VerificationSession.'));
        return;
      }
      var ui = buildOverlay();
      var returnFocus = document.activeElement;
      var pendingError = null;
      var initialised = false;
      var state = { done: false };
      open = state;

      function finish(result) {
        if (state.done) return;
        state.done = true;
        open = null;
        window.removeEventListener('message', onMessage);
        if (ui.dialog.open) ui.dialog.close();
        if (ui.dialog.parentNode) ui.dialog.parentNode.removeChild(ui.dialog);
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
        if (data.type === 'ready' && !initialised) {
          initialised = true;
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
      ui.close.addEventListener('click', cancelled);
      // Escape on a modal <dialog> fires "cancel": treat it as closing.
      ui.dialog.addEventListener('cancel', function (event) {
        event.preventDefault();
        cancelled();
      });
      document.body.appendChild(ui.dialog);
      if (typeof ui.dialog.showModal === 'function') {
        ui.dialog.showModal();
      } else {
        ui.dialog.setAttribute('open', '');
      }
      ui.frame.addEventListener('load', function () {
        if (!state.done) ui.frame.focus();
      });
    });
  }

  function Stripe(publishableKey) {
    if (typeof publishableKey !== 'string' || !/^pk_(test|live)_[A-Za-z0-9]+$/.test(publishableKey)) {
      throw new Error('IntegrationError: Invalid value for Stripe(): apiKey should be a publishable key (pk_test_… or pk_live_…).');
    }
    return {
      verifyIdentity: function (clientSecret) {
        return verifyIdentity(publishableKey, clientSecret);
      }
    };
  }

  Stripe.version = 3;
  Stripe.verifyd = true;
  window.Stripe = Stripe;
})();
