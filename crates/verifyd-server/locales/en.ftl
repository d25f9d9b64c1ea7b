# verifyd's hosted pages: English, the reference catalogue.
#
# Every message here must exist in every other catalogue (the server refuses to start
# otherwise). To add a language, copy this file to <tag>.ftl (fr, de, pt-BR, …), translate
# every message, and list it in src/pages/i18n.rs.
#
# Variables every message may use:
#   $named     "yes" when the operator configured a business name, else "no"
#   $business  that name
# Other variables are named where they are used. Numbers are Fluent numbers.

language-name = English
# The language switcher: its label and button.
language-label = Language
language-change = Change language

# How the three boxes of a date of birth are ordered on the page: the words
# day, month and year, in order, separated by spaces. Not shown.
date-fields-order = day month year
# A date of birth on the review page. $month is a number, 1 to 12.
date-long = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }

## Every page

masthead-title = Identity verification
skip-link = Skip to main content
test-banner-title = Test mode.
test-banner-text = No real checks run here. Use test data only.
footer-sent = Your images and details are sent securely to the verification service used by { $named ->
    [yes] { $business }
   *[no] the site that asked for this verification
}.
step-of = Step { $number } of { $count }
back = Back
continue = Continue
error-summary-title = There is a problem

## Documents. $document is driving_license, id_card or passport.

# In a sentence, after "your".
document-in-sentence = { $document ->
    [driving_license] driver's license
    [id_card] ID card
   *[passport] passport
}
# On its own, as a title.
document-title = { $document ->
    [driving_license] Driver's license
    [id_card] ID card
   *[passport] Passport
}
document-hint = { $document ->
    [driving_license] Front and back.
    [id_card] A national identity card, front and back.
   *[passport] The page with your photo.
}
list-or-two = { $first } or { $second }
list-or-three = { $first }, { $second } or { $third }

## Consent

consent-title = Verify your identity
consent-heading = { $named ->
    [yes] { $business } would like to verify your identity
   *[no] Verify your identity
}
consent-intro = { $named ->
    [yes] { $business } needs to confirm who you are. It takes a few minutes. You will be asked for:
   *[no] The site that sent you here needs to confirm who you are. It takes a few minutes. You will be asked for:
}
# $documents: the document names joined with list-or-two or list-or-three.
consent-documents = Photos of your identity document: your { $documents }.
consent-selfie = A selfie, to compare with the photo on your document.
consent-id-number = Your ID number.
consent-camera = Access to your device's camera: the photos are taken on this page.
consent-details = Your name, date of birth and ID number.
consent-use = Your images and details are used only to verify your identity and are shared with { $named ->
    [yes] { $business }
   *[no] the site that asked for this verification
}.
consent-decline-note = You can decline: nothing will be collected, and { $named ->
    [yes] { $business }
   *[no] the site
} will be told that you declined.
consent-accept = Agree and continue
consent-decline = Decline

## Document type

document-type-title = Choose your document
document-type-heading = Which document will you use?
document-type-hint = It must be valid and issued by a government.

## Images. $slot is front, back or selfie; $document as above, or none.

image-heading = { $slot ->
    [front] { $document ->
        [passport] Photo page of your passport
        [driving_license] Front of your driver's license
        [id_card] Front of your ID card
       *[none] Front of your document
    }
    [back] { $document ->
        [driving_license] Back of your driver's license
        [id_card] Back of your ID card
        [passport] Back of your passport
       *[none] Back of your document
    }
   *[selfie] Take a selfie
}
retake-note = Your photo was not kept. Take a new one and upload it again.
tip-selfie-light = Face the camera in good, even light.
tip-selfie-cover = Take off sunglasses, hats or anything covering your face.
tip-selfie-alone = Make sure only you are in the picture.
tip-document-flat = Put the document on a flat, plain surface.
tip-document-corners = Make sure all four corners are visible and the text is sharp.
tip-document-glare = Avoid glare, shadows and fingers over the document.
image-current-alt = The image you gave for this step
# Followed by a link (image-current-keep) and a full stop.
image-current-text = You already gave an image for this step. Replace it below, or
image-current-keep = keep it and continue
image-unavailable = (could not be shown)
camera-starting = Starting your camera…
camera-on = { $slot ->
    [selfie] Your camera is on. Frame the picture of your face, then take the photo.
   *[other] Your camera is on. Frame the document, then take the photo.
}
camera-shot = Photo taken. Use it, or retake it.
camera-preview = Camera preview
camera-take = Take photo
camera-taken-alt = The photo you just took
camera-retake = Retake
camera-error-heading = We can't use your camera
camera-error-text = This verification needs a photo taken with your device's camera, and this browser did not give access to one. Check that a camera is connected and that this page may use it, then try again, or continue on a phone or another device that has a camera.
camera-retry = Try again
camera-unavailable = I can't use a camera
camera-noscript = Taking a photo with your camera needs JavaScript. Turn it on, or use a different browser.
camera-use = Use this photo
file-label = Choose an image
file-hint = A JPEG, PNG or WebP photo, up to { $megabytes } MB.
file-preview-alt = Preview of the image you chose
file-too-large = This image is larger than { $megabytes } MB. Choose a smaller image.

## ID number and details

id-number-title = Your ID number
id-number-label = ID number
id-number-hint = Your full US Social Security number (123-45-6789), Brazilian CPF or Singapore NRIC or FIN.
details-title = Your details
details-intro = Enter them exactly as they appear on your official records.
first-name = First name
last-name = Last name
date-of-birth = Date of birth
date-of-birth-hint = For example, 27 3 1990
day = Day
month = Month
year = Year

## Review

review-title = Check and submit
review-document = Document
review-photo-page = Photo page
review-front = Front
review-back = Back
review-selfie = Selfie
review-name = Name
review-change = Change
review-confirm = By submitting, you confirm that these documents and details are yours.
review-submit = Submit for verification

## Test mode's panel. $code is a last_error code (not translated).

test-panel-heading = Test mode: finish with a chosen outcome
test-panel-text = Skip the remaining steps. The session is submitted at once and processing ends with the outcome you pick.
test-outcome-verified = Verified
test-outcome-verified-hint = Processing succeeds and the session becomes verified.
test-outcome-verified-delayed = Verified after a delay
test-outcome-verified-delayed-hint = The session stays in processing for about 4 seconds, then becomes verified.
test-outcome-fail = Fail: { $code }

## Pages that only say something

submitted-title = Submitted
submitted-heading = Thank you, you're all done
submitted-text = Your information was submitted for verification. You can close this page.
submitted-test = Test mode: the outcome is applied within a few seconds.
declined-title = Verification declined
declined-heading = You declined the verification
declined-text = Nothing was collected. { $named ->
    [yes] { $business }
   *[no] The site that asked for this verification
} will be told that you declined.
declined-new-link = If you change your mind, ask { $named ->
    [yes] { $business }
   *[no] the site
} for a new link.
return-to = Return to { $named ->
    [yes] { $business }
   *[no] the site
}
device-title = A camera is needed
device-heading = A camera is needed for this verification
device-text = This verification needs photos taken with your device's camera, and none could be used in this browser.
device-new-link = Ask { $named ->
    [yes] { $business }
   *[no] the site
} for a new link and open it on a phone or another device with a camera.
expired-title = This link has expired
expired-heading = This link has expired — ask for a new one
expired-text = Verification links work once, in one browser, for a limited time. This one has already been used, has expired, or was opened in another browser.
expired-ask = Ask { $named ->
    [yes] { $business }
   *[no] the site that sent you
} for a new one.
opened-heading = This link was already used
opened-text = This link was already opened in this browser, so it cannot be opened again.
opened-continue-text = You can continue the verification you started.
opened-continue = Continue your verification
form-expired-title = This form has expired
form-expired-text = For your security, the form you sent could not be accepted, and nothing was changed.
try-again-reload = Go back, reload the page and try again.
bad-request-title = Something is wrong with that request
too-large-title = That file is too large
too-large-text = Images can be up to { $megabytes } MB. Go back and choose a smaller image.
busy-title = Please try again in a moment
busy-text = Your photo could not be received just now, and nothing was changed. Go back and send it again in a moment.
timeout-title = The upload took too long
timeout-text = Your photo did not arrive in time, and nothing was changed. Check your connection, go back and send it again.
not-found-title = Page not found
not-found-text = Check the address, or open the verification link you were sent again.
internal-title = Something went wrong
internal-text = This is a problem on our side. Please try again in a moment.

## The modal

modal-title = Starting your verification
modal-loading = Loading…
modal-noscript = This verification window needs JavaScript. Turn it on, or use a different browser.
modal-close = Close
modal-close-label = Close identity verification
modal-error-title = This verification window could not start
modal-without-parent = The page that opened it could not be identified. Reload that page and try again.
modal-not-in-frame = This page is opened by the verification window of the site you came from.
modal-expired-text = This verification has expired or was already used. Close this window and start again.
modal-key-text = The site that opened this window is not set up correctly. Close this window and contact { $named ->
    [yes] { $business }
   *[no] the site
}.
modal-failed = Something went wrong on our side. Please try again in a moment.
modal-unreachable = The verification service could not be reached. Check your connection and try again.

## Why a step's input was refused

problem-step-not-done = Complete this step before you submit.
problem-no-document = Choose the document you will use.
problem-id-number-missing = Enter your ID number.
problem-id-number-invalid = Enter your ID number using only letters, digits, spaces and dashes (up to 40 characters).
problem-first-name-missing = Enter your first name.
problem-last-name-missing = Enter your last name.
problem-name-too-long = Names can be up to 100 characters.
problem-birth-date-missing = Enter your date of birth: day, month and year.
problem-birth-date-not-numbers = Enter your date of birth using numbers, for example 27 3 1990.
problem-birth-date-not-real = Enter a real date of birth, for example 27 3 1990.
problem-birth-date-not-past = Your date of birth must be in the past.
problem-passport-page-missing = Choose an image of the photo page of your passport.
problem-front-missing = Choose an image of the front of your document.
problem-back-missing = Choose an image of the back of your document.
problem-selfie-missing = Choose a photo of your face.
problem-image-too-large = The image is larger than { $megabytes } MB. Choose a smaller image, or take the photo again at a lower resolution.
problem-image-not-supported = This file is not a JPEG, PNG or WebP image. Choose a photo in one of those formats.
# $format is JPEG, PNG or WebP.
problem-image-unreadable = This { $format } image could not be read: it may be damaged or only partly uploaded. Choose the image again, or take a new photo.
problem-camera-required = This verification needs a photo taken with your device's camera on this page. Uploaded files are not accepted.

## Live mode's quick check of an upload: why a photo must be taken again

retake-undecodable = This image could not be opened. Take the photo again, or choose another image.
retake-too-small-selfie = This photo is too small to check. Take your selfie again with the camera's full resolution.
retake-too-small-document = This photo is too small to read. Take it closer, so the document fills most of the picture.
retake-too-many-pixels = This photo has too many pixels to read. Take it again at a lower resolution, or choose a smaller image.
retake-too-dark = This photo is too dark. Take it again in better light.
retake-glare = Light is reflecting off the document. Tilt it or move away from direct light, and take the photo again.
retake-blurry = This photo is blurred. Hold the camera steady, let it focus, and take the photo again.
retake-no-document-passport = No passport page was found in this photo. Lay the photo page flat, fill the picture with it, and take the photo again.
retake-no-document = No document was found in this photo. Lay the document flat on a plain, dark surface, fill the picture with it, and take the photo again.
retake-barcode-unreadable = The barcode on the back could not be read. Make sure the whole barcode is in the photo, sharp and without reflections, and take it again.
retake-mrz-unreadable-passport = The two lines of characters at the bottom of the photo page could not be read. Make sure they are in the photo, sharp and without reflections, and take it again.
retake-mrz-unreadable = The lines of characters on the document could not be read. Make sure they are in the photo, sharp and without reflections, and take it again.
retake-no-face = No face was found in this selfie. Face the camera, with your whole face in the picture, and take it again.
retake-several-faces = More than one face is in this selfie. Make sure you are alone in the picture, and take it again.
retake-face-too-small = Your face is too small in this selfie. Hold the camera closer, so your face fills most of the picture, and take it again.
retake-face-blurry = This selfie is blurred. Hold the camera steady, let it focus, and take it again.
retake-face-too-dark = This selfie is too dark. Face a window or a light, and take it again.
retake-face-too-bright = This selfie is too bright. Move out of direct light, and take it again.
retake-document-not-selfie = This looks like a photo of a document, not a selfie. Take a photo of your face.
