/*
 * verifyd hosted pages: progressive enhancement, and the modal's frame.
 *
 * The link flow's pages work as plain HTML forms, except live camera capture, which needs
 * this script ("enhance" below: upload previews, the camera, focus on error summaries).
 *
 * The modal (the page /verify/modal, framed by the integrator's page through the /v3/
 * drop-in) is one document that never navigates: it receives the client secret from its
 * parent by postMessage, opens the attempt with a fetch, and keeps the attempt's binding
 * secret in a variable of this script only (never in a URL, a cookie or storage). Every
 * later request of the flow is a fetch carrying that secret in the Verifyd-Binding header;
 * the pages verifyd answers with are shown inside this document, their forms and links
 * sent the same way, their images fetched with the binding and shown from blob: URLs. So
 * the modal needs no cookie at all (it works with third-party cookies blocked), and a
 * reload of the frame loses the attempt (it is bound to this frame). Results go to the
 * parent origin that the page was served for (its frame-ancestors) and that sent the
 * client secret; nothing here sends a secret anywhere but to verifyd itself.
 */
(function () {
  'use strict';

  var body = document.body;

  /*
   * The page's words for what this script says itself: the page carries them, in its
   * language, as data-msg-* attributes of the element they belong to (no inline script).
   * The English fallback is only for a page from an older verifyd.
   */
  function words(element, name, fallback) {
    var text = element && element.getAttribute('data-msg-' + name);
    return text || fallback;
  }

  /* ---- A page's enhancements: error summary focus, upload preview, camera ------------- */
  /*
   * `root` holds the page; `toParent` tells the modal's parent something (a no-op in the
   * link flow). Returns what to call when the page goes away.
   */
  function enhance(root, toParent) {
    var cleanups = [];

    // Focus the error summary so that screen readers announce it.
    var summary = root.querySelector('[data-error-summary]');
    if (summary) summary.focus();

    var uploadForm = root.querySelector('[data-upload-form]');
    if (uploadForm) cleanups.push(enhanceUpload(uploadForm));

    var camera = root.querySelector('[data-camera]');
    if (camera) cleanups.push(enhanceCamera(root, camera, toParent));

    return function () {
      cleanups.forEach(function (cleanup) { cleanup(); });
    };
  }

  /* File uploads: size check and preview. */
  function enhanceUpload(uploadForm) {
    var input = uploadForm.querySelector('input[type="file"]');
    var preview = uploadForm.querySelector('[data-file-preview]');
    var clientError = uploadForm.querySelector('[data-file-error]');
    var maxBytes = parseInt(input.getAttribute('data-max-bytes'), 10) || 10485760;
    var tooLarge = words(input, 'too-large', 'This image is larger than 10 MB. Choose a smaller image.');
    var previewUrl = null;
    var showError = function (text) {
      clientError.textContent = text;
      clientError.hidden = !text;
      if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    };
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
      preview.hidden = true;
      showError('');
      if (!file) return;
      if (file.size > maxBytes) {
        showError(tooLarge);
        return;
      }
      if (/^image\/(jpeg|png|webp)$/.test(file.type)) {
        previewUrl = URL.createObjectURL(file);
        preview.src = previewUrl;
        preview.hidden = false;
      }
    });
    uploadForm.addEventListener('submit', function (event) {
      var file = input.files && input.files[0];
      if (file && file.size > maxBytes) {
        event.preventDefault();
        showError(tooLarge);
        input.focus();
      }
    });
    return function () {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
    };
  }

  /* Live capture with the device camera. */
  function enhanceCamera(root, camera, toParent) {
    var q = function (sel) { return camera.querySelector(sel); };
    var video = q('[data-camera-video]');
    var live = q('[data-camera-live]');
    var taken = q('[data-camera-taken]');
    var errorBox = q('[data-camera-error]');
    var statusLine = q('[data-camera-status]');
    var shoot = q('[data-camera-shoot]');
    var retake = q('[data-camera-retake]');
    var retry = q('[data-camera-retry]');
    var shotPreview = q('[data-camera-preview]');
    var captureForm = root.querySelector('[data-camera-form]');
    var fileInput = captureForm.querySelector('[data-camera-file]');
    var useButton = captureForm.querySelector('[data-camera-use]');
    var useActions = captureForm.querySelector('[data-camera-actions]');
    var canUse = function (yes) {
      useButton.disabled = !yes;
      useActions.hidden = !yes;
    };
    var facing = camera.getAttribute('data-facing') || 'environment';
    var slot = camera.getAttribute('data-slot') || 'image';
    var stream = null;
    var shotUrl = null;
    var gone = false;

    var stop = function () {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
    };

    var fail = function () {
      if (gone) return;
      stop();
      live.hidden = true;
      taken.hidden = true;
      statusLine.hidden = true;
      errorBox.hidden = false;
      canUse(false);
      // Lets the drop-in resolve with device_unsupported if the user closes the modal now.
      toParent({ type: 'camera_unavailable' });
      var heading = errorBox.querySelector('h2');
      if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
    };

    var start = function () {
      errorBox.hidden = true;
      taken.hidden = true;
      statusLine.hidden = false;
      statusLine.textContent = words(camera, 'starting', 'Starting your camera…');
      canUse(false);
      if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
        fail();
        return;
      }
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1080 } }
      }).then(function (s) {
        if (gone) {
          s.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = s;
        video.srcObject = s;
        var ready = function () {
          statusLine.textContent = words(camera, 'on', 'Your camera is on. Take the photo.');
          live.hidden = false;
          shoot.disabled = false;
        };
        if (video.readyState >= 2) ready(); else video.addEventListener('loadeddata', ready, { once: true });
        var played = video.play();
        if (played && typeof played.catch === 'function') played.catch(function () {});
      }).catch(fail);
    };

    shoot.addEventListener('click', function () {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height) return;
      var canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d').drawImage(video, 0, 0, width, height);
      canvas.toBlob(function (blob) {
        if (!blob) { fail(); return; }
        var file = new File([blob], slot + '.jpg', { type: 'image/jpeg' });
        var transfer = new DataTransfer();
        transfer.items.add(file);
        fileInput.files = transfer.files;
        if (shotUrl) URL.revokeObjectURL(shotUrl);
        shotUrl = URL.createObjectURL(blob);
        shotPreview.src = shotUrl;
        stop();
        live.hidden = true;
        taken.hidden = false;
        statusLine.textContent = words(camera, 'shot', 'Photo taken. Use it, or retake it.');
        canUse(true);
        useButton.focus();
      }, 'image/jpeg', 0.92);
    });

    retake.addEventListener('click', function () {
      fileInput.value = '';
      start();
    });
    retry.addEventListener('click', start);
    captureForm.addEventListener('submit', function (event) {
      if (!fileInput.files || !fileInput.files.length) {
        event.preventDefault();
        return;
      }
      useButton.disabled = true;
    });
    window.addEventListener('pagehide', stop);
    start();
    return function () {
      gone = true;
      stop();
      window.removeEventListener('pagehide', stop);
      if (shotUrl) URL.revokeObjectURL(shotUrl);
    };
  }

  /* ---- The modal's frame ----------------------------------------------------------------- */
  function runModal() {
    var parentOrigin = body.getAttribute('data-parent-origin');
    var inFrame = window.parent && window.parent !== window;
    var content = document.querySelector('[data-modal-content]');
    var closeButton = document.querySelector('[data-verifyd-close]');
    var bootStatus = document.querySelector('[data-boot-status]');
    // The attempt's binding secret, once opened: held here only.
    var binding = null;
    var busy = false;
    var leavePage = function () {};
    var boundImageUrls = [];

    function toParent(message) {
      if (!inFrame || !parentOrigin) return;
      message.source = 'verifyd';
      window.parent.postMessage(message, parentOrigin);
    }

    if (!inFrame || !parentOrigin) {
      bootStatus.textContent = words(body, 'not-in-frame', 'This page is opened by the verification window of the site you came from.');
      closeButton.hidden = true;
      return;
    }

    closeButton.addEventListener('click', function () { toParent({ type: 'close' }); });
    // Escape closes the modal, as it does in the parent page.
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') toParent({ type: 'close' });
    });

    function problem(text) {
      var note = content.querySelector('[data-modal-problem]');
      if (!note) {
        note = document.createElement('p');
        note.className = 'error-text modal-problem';
        note.setAttribute('role', 'alert');
        note.setAttribute('data-modal-problem', '');
        content.insertBefore(note, content.firstChild);
      }
      note.textContent = text;
    }

    function failed(error) {
      problem(error && error.message === 'not a page'
        ? words(body, 'failed', 'Something went wrong on our side. Please try again in a moment.')
        : words(body, 'unreachable', 'The verification service could not be reached. Check your connection and try again.'));
    }

    /* Shows a page verifyd answered with (HTML) in place of the current one. */
    function show(html) {
      var page = new DOMParser().parseFromString(html, 'text/html');
      // Nothing of the page's head, no scripts (this one enhances every page), and no
      // <noscript> text (parsed here as markup, since the parser runs no script).
      Array.prototype.forEach.call(page.querySelectorAll('script, noscript, .skip-link'), function (node) {
        node.remove();
      });
      // The attempt's images answer only requests that carry the binding: fetched below.
      var bound = [];
      Array.prototype.forEach.call(page.querySelectorAll('img[src^="/verify/s/"]'), function (img) {
        bound.push(img.getAttribute('src'));
        img.setAttribute('data-bound-src', img.getAttribute('src'));
        img.removeAttribute('src');
      });
      leavePage();
      boundImageUrls.forEach(function (url) { URL.revokeObjectURL(url); });
      boundImageUrls = [];
      var nodes = Array.prototype.map.call(page.body.childNodes, function (node) {
        return document.importNode(node, true);
      });
      content.replaceChildren.apply(content, nodes);
      content.setAttribute('data-page', page.body.getAttribute('data-page') || '');
      // The page's language (the end user may have switched): the frame's own words follow.
      var lang = page.documentElement.getAttribute('lang');
      if (lang) document.documentElement.setAttribute('lang', lang);
      ['close', 'close-label', 'dialog', 'failed', 'unreachable'].forEach(function (name) {
        var text = page.body.getAttribute('data-msg-' + name);
        if (text) body.setAttribute('data-msg-' + name, text);
      });
      closeButton.textContent = words(body, 'close', closeButton.textContent);
      closeButton.setAttribute('aria-label', words(body, 'close-label', closeButton.getAttribute('aria-label')));
      var panel = document.querySelector('[data-modal-panel]');
      if (panel) panel.setAttribute('aria-label', words(body, 'dialog', panel.getAttribute('aria-label')));
      content.scrollTop = 0;
      if (page.title) document.title = page.title;
      Array.prototype.forEach.call(content.querySelectorAll('img[data-bound-src]'), loadBoundImage);

      var result = page.body.getAttribute('data-result');
      if (result === 'submitted') {
        toParent({ type: 'result', result: {} });
      } else if (result === 'error') {
        toParent({
          type: 'result',
          result: {
            error: {
              code: page.body.getAttribute('data-error-code'),
              message: page.body.getAttribute('data-error-message')
            }
          }
        });
      }
      var main = content.querySelector('main');
      if (main) main.focus({ preventScroll: true });
      leavePage = enhance(content, toParent);
    }

    function loadBoundImage(img) {
      request(img.getAttribute('data-bound-src'), { method: 'GET' })
        .then(function (response) {
          if (!response.ok) throw new Error('image ' + response.status);
          return response.blob();
        })
        .then(function (blob) {
          if (!img.isConnected) return;
          var url = URL.createObjectURL(blob);
          boundImageUrls.push(url);
          img.src = url;
        })
        .catch(function () { img.alt = img.alt + ' ' + (img.getAttribute('data-unavailable') || '(could not be shown)'); });
    }

    /* A request of the flow: verifyd's origin, the binding header, no cookies. */
    function request(url, init) {
      init.headers = { 'Verifyd-Binding': binding };
      init.credentials = 'omit';
      init.cache = 'no-store';
      return fetch(url, init);
    }

    /*
     * Sends a request and shows the page it ends on (redirects are followed). `history` is
     * `push` for the user's own steps (a new entry, so that the browser's Back button steps
     * back inside the modal, as it did when the frame navigated), `replace` for the first
     * page, `none` when going back.
     */
    function go(url, init, history) {
      if (busy) return;
      busy = true;
      request(url, init)
        .then(function (response) {
          return response.text().then(function (html) {
            var type = response.headers.get('content-type') || '';
            if (type.indexOf('text/html') !== 0) throw new Error('not a page');
            var at = new URL(response.url, window.location.href);
            remember(at.pathname + at.search, history);
            show(html);
          });
        })
        .catch(failed)
        .then(function () { busy = false; });
    }

    /* Records where the flow is in the frame's history (its address stays the same). */
    function remember(flowUrl, history) {
      var state = { verifydFlow: flowUrl };
      if (history === 'push') window.history.pushState(state, '');
      else if (history === 'replace') window.history.replaceState(state, '');
    }

    window.addEventListener('popstate', function (event) {
      var flowUrl = event.state && event.state.verifydFlow;
      if (binding && typeof flowUrl === 'string' && flowUrl.indexOf('/verify/s/') === 0) {
        go(flowUrl, { method: 'GET' }, 'none');
      }
    });

    content.addEventListener('submit', function (event) {
      if (event.defaultPrevented) return;
      var form = event.target;
      event.preventDefault();
      if (busy || !binding) return;
      var submitter = event.submitter;
      var data;
      try {
        data = new FormData(form, submitter || undefined);
      } catch (e) {
        data = new FormData(form);
        if (submitter && submitter.name) data.append(submitter.name, submitter.value);
      }
      var multipart = (form.getAttribute('enctype') || '').toLowerCase() === 'multipart/form-data';
      go(form.getAttribute('action'), { method: 'POST', body: multipart ? data : new URLSearchParams(data) }, 'push');
    });

    content.addEventListener('click', function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest && event.target.closest('a[href]');
      if (!link) return;
      var url = new URL(link.getAttribute('href'), window.location.href);
      if (url.origin !== window.location.origin || url.pathname.indexOf('/verify/') !== 0) return;
      event.preventDefault();
      if (binding) go(url.pathname + url.search, { method: 'GET' }, 'push');
    });

    /* Opens the attempt with the client secret; verifyd answers with its binding. */
    function open(clientSecret, publishableKey) {
      var form = new URLSearchParams();
      form.set('client_secret', clientSecret);
      form.set('key', publishableKey);
      // The language the integrator asked for (Stripe(pk, {locale})), kept by the attempt.
      var locale = body.getAttribute('data-locale');
      if (locale) form.set('locale', locale);
      busy = true;
      fetch('/verify/modal/open', {
        method: 'POST',
        body: form,
        headers: { 'Verifyd-Modal': 'open' },
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error'
      })
        .then(function (response) {
          var type = response.headers.get('content-type') || '';
          if (response.ok && type.indexOf('application/json') === 0) {
            return response.json().then(function (opened) {
              binding = opened.binding;
              busy = false;
              go(opened.flow, { method: 'GET' }, 'replace');
            });
          }
          // A refusal (expired secret, wrong key…) is a page with the result for the parent.
          return response.text().then(function (html) {
            busy = false;
            show(html);
          });
        })
        .catch(function () {
          busy = false;
          failed();
        });
    }

    var started = false;
    window.addEventListener('message', function (event) {
      if (started || event.source !== window.parent || event.origin !== parentOrigin) return;
      var data = event.data;
      if (!data || typeof data !== 'object' || data.source !== 'verifyd-parent' || data.type !== 'init') return;
      if (typeof data.clientSecret !== 'string' || typeof data.publishableKey !== 'string') return;
      started = true;
      open(data.clientSecret, data.publishableKey);
    });
    // Nothing secret in this ping: it only says "ready for the client secret".
    toParent({ type: 'ready' });
    var main = content.querySelector('main');
    if (main) main.focus({ preventScroll: true });
  }

  if (body.getAttribute('data-page') === 'modal') {
    runModal();
  } else {
    enhance(document, function () {});
  }
})();
