/*
 * verifyd hosted pages: progressive enhancement. Every page works as plain HTML forms,
 * except live camera capture, which needs this script. Also: the modal's bootstrap (receives
 * the client secret from the parent window by postMessage and posts it in a form), and the
 * results the modal hands back to the parent window. Messages go only to the parent origin
 * the server confirmed; nothing here sends a secret anywhere but to verifyd itself.
 */
(function () {
  'use strict';

  var body = document.body;
  var channel = body.getAttribute('data-channel');
  var parentOrigin = body.getAttribute('data-parent-origin');
  var inFrame = window.parent && window.parent !== window;

  function toParent(message) {
    if (channel !== 'modal' || !inFrame || !parentOrigin) return;
    message.source = 'verifyd';
    window.parent.postMessage(message, parentOrigin);
  }

  /* ---- The modal's bootstrap page ------------------------------------------------------ */
  if (body.getAttribute('data-page') === 'modal-boot') {
    var form = document.querySelector('[data-modal-open]');
    var status = document.querySelector('[data-boot-status]');
    if (!inFrame) {
      if (status) status.textContent = 'This page is opened by the verification window of the site you came from.';
    } else {
      var started = false;
      window.addEventListener('message', function (event) {
        if (started || event.source !== window.parent) return;
        var data = event.data;
        if (!data || typeof data !== 'object' || data.source !== 'verifyd-parent' || data.type !== 'init') return;
        if (typeof data.clientSecret !== 'string' || typeof data.publishableKey !== 'string') return;
        started = true;
        form.elements.client_secret.value = data.clientSecret;
        form.elements.key.value = data.publishableKey;
        // The browser's own record of who sent the message: the only origin the flow will
        // talk to and be framed by from now on.
        form.elements.parent_origin.value = event.origin;
        form.submit();
      });
      // Nothing secret in this ping: it only says "ready for the client secret".
      window.parent.postMessage({ source: 'verifyd', type: 'ready' }, '*');
    }
    return;
  }

  /* ---- Results for the parent window (end pages, failures to open) --------------------- */
  var result = body.getAttribute('data-result');
  if (result === 'submitted') {
    toParent({ type: 'result', result: {} });
  } else if (result === 'error') {
    toParent({
      type: 'result',
      result: {
        error: {
          code: body.getAttribute('data-error-code'),
          message: body.getAttribute('data-error-message')
        }
      }
    });
  }

  if (channel === 'modal') {
    // Escape inside the frame closes the modal, as it does outside it.
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') toParent({ type: 'close' });
    });
  }

  /* ---- Focus the error summary so that screen readers announce it ---------------------- */
  var summary = document.querySelector('[data-error-summary]');
  if (summary) {
    summary.focus();
  }

  /* ---- File uploads: size check and preview -------------------------------------------- */
  var uploadForm = document.querySelector('[data-upload-form]');
  if (uploadForm) {
    var input = uploadForm.querySelector('input[type="file"]');
    var preview = uploadForm.querySelector('[data-file-preview]');
    var clientError = uploadForm.querySelector('[data-file-error]');
    var maxBytes = parseInt(input.getAttribute('data-max-bytes'), 10) || 10485760;
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
        showError('This image is larger than 10 MB. Choose a smaller image.');
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
        showError('This image is larger than 10 MB. Choose a smaller image.');
        input.focus();
      }
    });
  }

  /* ---- Live capture with the device camera --------------------------------------------- */
  var camera = document.querySelector('[data-camera]');
  if (camera) {
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
    var captureForm = document.querySelector('[data-camera-form]');
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

    var stop = function () {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
    };

    var fail = function () {
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
      statusLine.textContent = 'Starting your camera…';
      canUse(false);
      if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
        fail();
        return;
      }
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1080 } }
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        var ready = function () {
          statusLine.textContent = 'Your camera is on. Frame the ' + (slot === 'selfie' ? 'picture of your face' : 'document') + ', then take the photo.';
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
        statusLine.textContent = 'Photo taken. Use it, or retake it.';
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
  }
})();
