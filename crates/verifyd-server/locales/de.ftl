# Verifizierungsseiten von verifyd: Deutsch. Die Variablen sind in en.ftl beschrieben.

language-name = Deutsch
language-label = Sprache
language-change = Sprache ändern

date-fields-order = day month year
date-long = { $day }. { $month ->
    [1] Januar
    [2] Februar
    [3] März
    [4] April
    [5] Mai
    [6] Juni
    [7] Juli
    [8] August
    [9] September
    [10] Oktober
    [11] November
   *[12] Dezember
} { $year }

## Alle Seiten

masthead-title = Identitätsprüfung
skip-link = Zum Hauptinhalt springen
test-banner-title = Testmodus.
test-banner-text = Hier finden keine echten Prüfungen statt. Verwenden Sie nur Testdaten.
footer-sent = Ihre Bilder und Angaben werden sicher an den Prüfdienst übermittelt, den { $named ->
    [yes] { $business }
   *[no] die Website, die diese Prüfung angefordert hat,
} verwendet.
step-of = Schritt { $number } von { $count }
back = Zurück
continue = Weiter
error-summary-title = Es ist ein Problem aufgetreten

## Dokumente

document-in-sentence = { $document ->
    [driving_license] Führerschein
    [id_card] Personalausweis
   *[passport] Reisepass
}
document-title = { $document ->
    [driving_license] Führerschein
    [id_card] Personalausweis
   *[passport] Reisepass
}
document-hint = { $document ->
    [driving_license] Vorder- und Rückseite.
    [id_card] Ein staatlicher Personalausweis, Vorder- und Rückseite.
   *[passport] Die Seite mit Ihrem Foto.
}
list-or-two = { $first } oder { $second }
list-or-three = { $first }, { $second } oder { $third }

## Einwilligung

consent-title = Bestätigen Sie Ihre Identität
consent-heading = { $named ->
    [yes] { $business } möchte Ihre Identität überprüfen
   *[no] Bestätigen Sie Ihre Identität
}
consent-intro = { $named ->
    [yes] { $business } muss bestätigen, wer Sie sind. Das dauert nur wenige Minuten. Folgendes wird benötigt:
   *[no] Die Website, die Sie hierher geschickt hat, muss bestätigen, wer Sie sind. Das dauert nur wenige Minuten. Folgendes wird benötigt:
}
consent-documents = Fotos Ihres Ausweisdokuments: Ihr { $documents }.
consent-selfie = Ein Selfie, das mit dem Foto auf Ihrem Dokument verglichen wird.
consent-id-number = Ihre Ausweisnummer.
consent-camera = Zugriff auf die Kamera Ihres Geräts: Die Fotos werden auf dieser Seite aufgenommen.
consent-details = Ihr Name, Ihr Geburtsdatum und Ihre Ausweisnummer.
consent-use = Ihre Bilder und Angaben werden ausschließlich zur Überprüfung Ihrer Identität verwendet und an { $named ->
    [yes] { $business }
   *[no] die Website, die diese Prüfung angefordert hat,
} weitergegeben.
consent-decline-note = Sie können ablehnen: Dann werden keine Daten erhoben, und { $named ->
    [yes] { $business }
   *[no] die Website
} wird über Ihre Ablehnung informiert.
consent-accept = Zustimmen und weiter
consent-decline = Ablehnen

## Dokumentart

document-type-title = Wählen Sie Ihr Dokument
document-type-heading = Welches Dokument möchten Sie verwenden?
document-type-hint = Es muss gültig und von einer Behörde ausgestellt sein.

## Bilder

image-heading = { $slot ->
    [front] { $document ->
        [passport] Fotoseite Ihres Reisepasses
        [driving_license] Vorderseite Ihres Führerscheins
        [id_card] Vorderseite Ihres Personalausweises
       *[none] Vorderseite Ihres Dokuments
    }
    [back] { $document ->
        [driving_license] Rückseite Ihres Führerscheins
        [id_card] Rückseite Ihres Personalausweises
        [passport] Rückseite Ihres Reisepasses
       *[none] Rückseite Ihres Dokuments
    }
   *[selfie] Nehmen Sie ein Selfie auf
}
retake-note = Ihr Foto wurde nicht übernommen. Nehmen Sie ein neues auf und laden Sie es erneut hoch.
tip-selfie-light = Schauen Sie bei guter, gleichmäßiger Beleuchtung in die Kamera.
tip-selfie-cover = Nehmen Sie Sonnenbrille, Hut und alles ab, was Ihr Gesicht verdeckt.
tip-selfie-alone = Achten Sie darauf, dass nur Sie auf dem Bild sind.
tip-document-flat = Legen Sie das Dokument auf eine ebene, einfarbige Fläche.
tip-document-corners = Achten Sie darauf, dass alle vier Ecken sichtbar sind und der Text scharf ist.
tip-document-glare = Vermeiden Sie Spiegelungen, Schatten und Finger auf dem Dokument.
image-current-alt = Das Bild, das Sie für diesen Schritt angegeben haben
image-current-text = Sie haben für diesen Schritt bereits ein Bild angegeben. Ersetzen Sie es unten oder
image-current-keep = behalten Sie es und fahren Sie fort
image-unavailable = (kann nicht angezeigt werden)
camera-starting = Ihre Kamera wird gestartet …
camera-on = { $slot ->
    [selfie] Ihre Kamera ist eingeschaltet. Richten Sie sie auf Ihr Gesicht und nehmen Sie dann das Foto auf.
   *[other] Ihre Kamera ist eingeschaltet. Richten Sie sie auf das Dokument und nehmen Sie dann das Foto auf.
}
camera-shot = Foto aufgenommen. Verwenden Sie es oder nehmen Sie es erneut auf.
camera-preview = Kameravorschau
camera-take = Foto aufnehmen
camera-taken-alt = Das Foto, das Sie gerade aufgenommen haben
camera-retake = Erneut aufnehmen
camera-error-heading = Wir können Ihre Kamera nicht verwenden
camera-error-text = Für diese Prüfung ist ein Foto erforderlich, das mit der Kamera Ihres Geräts aufgenommen wird, und dieser Browser hat keinen Zugriff auf eine Kamera gewährt. Prüfen Sie, ob eine Kamera angeschlossen ist und diese Seite sie verwenden darf, und versuchen Sie es dann erneut, oder fahren Sie auf einem Smartphone oder einem anderen Gerät mit Kamera fort.
camera-retry = Erneut versuchen
camera-unavailable = Ich kann keine Kamera verwenden
camera-noscript = Für Fotos mit Ihrer Kamera wird JavaScript benötigt. Aktivieren Sie es oder verwenden Sie einen anderen Browser.
camera-use = Dieses Foto verwenden
file-label = Wählen Sie ein Bild
file-hint = Ein Foto im Format JPEG, PNG oder WebP, höchstens { $megabytes } MB.
file-preview-alt = Vorschau des ausgewählten Bildes
file-too-large = Dieses Bild ist größer als { $megabytes } MB. Wählen Sie ein kleineres Bild.

## Ausweisnummer und Angaben

id-number-title = Ihre Ausweisnummer
id-number-label = Ausweisnummer
id-number-hint = Ihre vollständige US-Sozialversicherungsnummer (123-45-6789), Ihre brasilianische CPF oder Ihre NRIC bzw. FIN aus Singapur.
details-title = Ihre Angaben
details-intro = Geben Sie sie genau so ein, wie sie in Ihren amtlichen Unterlagen stehen.
first-name = Vorname
last-name = Nachname
date-of-birth = Geburtsdatum
date-of-birth-hint = Zum Beispiel 27 3 1990
day = Tag
month = Monat
year = Jahr

## Überprüfen

review-title = Prüfen und absenden
review-document = Dokument
review-photo-page = Fotoseite
review-front = Vorderseite
review-back = Rückseite
review-selfie = Selfie
review-name = Name
review-change = Ändern
review-confirm = Mit dem Absenden bestätigen Sie, dass diese Dokumente und Angaben Ihre eigenen sind.
review-submit = Zur Prüfung absenden

## Testmodus

test-panel-heading = Testmodus: mit einem gewählten Ergebnis abschließen
test-panel-text = Überspringen Sie die restlichen Schritte. Die Sitzung wird sofort abgesendet, und die Verarbeitung endet mit dem gewählten Ergebnis.
test-outcome-verified = Verifiziert
test-outcome-verified-hint = Die Verarbeitung gelingt, und die Sitzung wird verifiziert.
test-outcome-verified-delayed = Verifiziert nach einer Verzögerung
test-outcome-verified-delayed-hint = Die Sitzung bleibt etwa 4 Sekunden in Verarbeitung und wird dann verifiziert.
test-outcome-fail = Fehlschlag: { $code }

## Hinweisseiten

submitted-title = Abgesendet
submitted-heading = Vielen Dank, Sie sind fertig
submitted-text = Ihre Angaben wurden zur Prüfung übermittelt. Sie können diese Seite jetzt schließen.
submitted-test = Testmodus: Das Ergebnis wird in wenigen Sekunden angewendet.
declined-title = Prüfung abgelehnt
declined-heading = Sie haben die Prüfung abgelehnt
declined-text = Es wurden keine Daten erhoben. { $named ->
    [yes] { $business }
   *[no] Die Website, die diese Prüfung angefordert hat,
} wird über Ihre Ablehnung informiert.
declined-new-link = Wenn Sie es sich anders überlegen, bitten Sie { $named ->
    [yes] { $business }
   *[no] die Website
} um einen neuen Link.
return-to = Zurück { $named ->
    [yes] zu { $business }
   *[no] zur Website
}
device-title = Eine Kamera ist erforderlich
device-heading = Für diese Prüfung ist eine Kamera erforderlich
device-text = Für diese Prüfung sind Fotos erforderlich, die mit der Kamera Ihres Geräts aufgenommen werden, und in diesem Browser konnte keine verwendet werden.
device-new-link = Bitten Sie { $named ->
    [yes] { $business }
   *[no] die Website
} um einen neuen Link und öffnen Sie ihn auf einem Smartphone oder einem anderen Gerät mit Kamera.
expired-title = Dieser Link ist abgelaufen
expired-heading = Dieser Link ist abgelaufen – fordern Sie einen neuen an
expired-text = Prüfungslinks funktionieren nur einmal, in einem Browser und für begrenzte Zeit. Dieser Link wurde bereits verwendet, ist abgelaufen oder wurde in einem anderen Browser geöffnet.
expired-ask = Bitten Sie { $named ->
    [yes] { $business }
   *[no] die Website, die Sie hierher geschickt hat,
} um einen neuen.
opened-heading = Dieser Link wurde bereits verwendet
opened-text = Dieser Link wurde in diesem Browser bereits geöffnet und kann daher nicht erneut geöffnet werden.
opened-continue-text = Sie können die begonnene Prüfung fortsetzen.
opened-continue = Prüfung fortsetzen
form-expired-title = Dieses Formular ist abgelaufen
form-expired-text = Zu Ihrer Sicherheit konnte das gesendete Formular nicht angenommen werden, und es wurde nichts geändert.
try-again-reload = Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.
bad-request-title = Mit dieser Anfrage stimmt etwas nicht
too-large-title = Diese Datei ist zu groß
too-large-text = Bilder dürfen höchstens { $megabytes } MB groß sein. Gehen Sie zurück und wählen Sie ein kleineres Bild.
busy-title = Bitte versuchen Sie es gleich noch einmal
busy-text = Ihr Foto konnte gerade nicht empfangen werden, und es wurde nichts geändert. Gehen Sie zurück und senden Sie es gleich noch einmal.
timeout-title = Das Hochladen hat zu lange gedauert
timeout-text = Ihr Foto ist nicht rechtzeitig angekommen, und es wurde nichts geändert. Prüfen Sie Ihre Verbindung, gehen Sie zurück und senden Sie es erneut.
not-found-title = Seite nicht gefunden
not-found-text = Prüfen Sie die Adresse, oder öffnen Sie den Prüfungslink, den Sie erhalten haben, erneut.
internal-title = Etwas ist schiefgelaufen
internal-text = Das Problem liegt bei uns. Bitte versuchen Sie es gleich noch einmal.

## Das Modalfenster

modal-title = Ihre Prüfung wird gestartet
modal-loading = Wird geladen …
modal-noscript = Dieses Prüfungsfenster benötigt JavaScript. Aktivieren Sie es oder verwenden Sie einen anderen Browser.
modal-close = Schließen
modal-close-label = Identitätsprüfung schließen
modal-error-title = Dieses Prüfungsfenster konnte nicht gestartet werden
modal-without-parent = Die Seite, die es geöffnet hat, konnte nicht ermittelt werden. Laden Sie diese Seite neu und versuchen Sie es erneut.
modal-not-in-frame = Diese Seite wird im Prüfungsfenster der Website geöffnet, von der Sie kommen.
modal-expired-text = Diese Prüfung ist abgelaufen oder wurde bereits verwendet. Schließen Sie dieses Fenster und beginnen Sie erneut.
modal-key-text = Die Website, die dieses Fenster geöffnet hat, ist nicht richtig eingerichtet. Schließen Sie dieses Fenster und wenden Sie sich an { $named ->
    [yes] { $business }
   *[no] die Website
}.
modal-failed = Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.
modal-unreachable = Der Prüfdienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.

## Abgelehnte Eingaben

problem-step-not-done = Schließen Sie diesen Schritt ab, bevor Sie absenden.
problem-no-document = Wählen Sie das Dokument, das Sie verwenden möchten.
problem-id-number-missing = Geben Sie Ihre Ausweisnummer ein.
problem-id-number-invalid = Geben Sie Ihre Ausweisnummer nur mit Buchstaben, Ziffern, Leerzeichen und Bindestrichen ein (höchstens 40 Zeichen).
problem-first-name-missing = Geben Sie Ihren Vornamen ein.
problem-last-name-missing = Geben Sie Ihren Nachnamen ein.
problem-name-too-long = Namen dürfen höchstens 100 Zeichen lang sein.
problem-birth-date-missing = Geben Sie Ihr Geburtsdatum ein: Tag, Monat und Jahr.
problem-birth-date-not-numbers = Geben Sie Ihr Geburtsdatum in Ziffern ein, zum Beispiel 27 3 1990.
problem-birth-date-not-real = Geben Sie ein gültiges Geburtsdatum ein, zum Beispiel 27 3 1990.
problem-birth-date-not-past = Ihr Geburtsdatum muss in der Vergangenheit liegen.
problem-passport-page-missing = Wählen Sie ein Bild der Fotoseite Ihres Reisepasses.
problem-front-missing = Wählen Sie ein Bild der Vorderseite Ihres Dokuments.
problem-back-missing = Wählen Sie ein Bild der Rückseite Ihres Dokuments.
problem-selfie-missing = Wählen Sie ein Foto Ihres Gesichts.
problem-image-too-large = Das Bild ist größer als { $megabytes } MB. Wählen Sie ein kleineres Bild, oder nehmen Sie das Foto mit einer geringeren Auflösung erneut auf.
problem-image-not-supported = Diese Datei ist kein JPEG-, PNG- oder WebP-Bild. Wählen Sie ein Foto in einem dieser Formate.
problem-image-unreadable = Dieses { $format }-Bild konnte nicht gelesen werden: Es ist möglicherweise beschädigt oder nur teilweise hochgeladen. Wählen Sie das Bild erneut, oder nehmen Sie ein neues Foto auf.
problem-camera-required = Für diese Prüfung ist ein Foto erforderlich, das auf dieser Seite mit der Kamera Ihres Geräts aufgenommen wird. Hochgeladene Dateien werden nicht akzeptiert.

## Schnellprüfung eines Fotos

retake-undecodable = Dieses Bild konnte nicht geöffnet werden. Nehmen Sie das Foto erneut auf oder wählen Sie ein anderes Bild.
retake-too-small-selfie = Dieses Foto ist zu klein für die Prüfung. Nehmen Sie Ihr Selfie mit der vollen Auflösung der Kamera erneut auf.
retake-too-small-document = Dieses Foto ist zu klein zum Lesen. Gehen Sie näher heran, sodass das Dokument den größten Teil des Bildes ausfüllt.
retake-too-many-pixels = Dieses Foto hat zu viele Pixel zum Lesen. Nehmen Sie es mit einer geringeren Auflösung erneut auf oder wählen Sie ein kleineres Bild.
retake-too-dark = Dieses Foto ist zu dunkel. Nehmen Sie es bei besserem Licht erneut auf.
retake-glare = Licht spiegelt sich auf dem Dokument. Kippen Sie es oder gehen Sie aus dem direkten Licht, und nehmen Sie das Foto erneut auf.
retake-blurry = Dieses Foto ist unscharf. Halten Sie die Kamera ruhig, lassen Sie sie scharfstellen, und nehmen Sie das Foto erneut auf.
retake-no-document-passport = Auf diesem Foto wurde keine Passseite gefunden. Legen Sie die Fotoseite flach hin, füllen Sie das Bild damit aus, und nehmen Sie das Foto erneut auf.
retake-no-document = Auf diesem Foto wurde kein Dokument gefunden. Legen Sie das Dokument flach auf eine einfarbige, dunkle Fläche, füllen Sie das Bild damit aus, und nehmen Sie das Foto erneut auf.
retake-barcode-unreadable = Der Barcode auf der Rückseite konnte nicht gelesen werden. Achten Sie darauf, dass der ganze Barcode scharf und ohne Spiegelungen auf dem Foto ist, und nehmen Sie es erneut auf.
retake-mrz-unreadable-passport = Die zwei Zeichenzeilen unten auf der Fotoseite konnten nicht gelesen werden. Achten Sie darauf, dass sie scharf und ohne Spiegelungen auf dem Foto sind, und nehmen Sie es erneut auf.
retake-mrz-unreadable = Die Zeichenzeilen auf dem Dokument konnten nicht gelesen werden. Achten Sie darauf, dass sie scharf und ohne Spiegelungen auf dem Foto sind, und nehmen Sie es erneut auf.
retake-no-face = Auf diesem Selfie wurde kein Gesicht gefunden. Schauen Sie in die Kamera, mit dem ganzen Gesicht im Bild, und nehmen Sie es erneut auf.
retake-several-faces = Auf diesem Selfie ist mehr als ein Gesicht zu sehen. Achten Sie darauf, dass Sie allein im Bild sind, und nehmen Sie es erneut auf.
retake-face-too-small = Ihr Gesicht ist auf diesem Selfie zu klein. Halten Sie die Kamera näher, sodass Ihr Gesicht den größten Teil des Bildes ausfüllt, und nehmen Sie es erneut auf.
retake-face-blurry = Dieses Selfie ist unscharf. Halten Sie die Kamera ruhig, lassen Sie sie scharfstellen, und nehmen Sie es erneut auf.
retake-face-too-dark = Dieses Selfie ist zu dunkel. Wenden Sie sich einem Fenster oder einer Lichtquelle zu, und nehmen Sie es erneut auf.
retake-face-too-bright = Dieses Selfie ist zu hell. Gehen Sie aus dem direkten Licht, und nehmen Sie es erneut auf.
retake-document-not-selfie = Das sieht aus wie das Foto eines Dokuments, nicht wie ein Selfie. Nehmen Sie ein Foto Ihres Gesichts auf.
