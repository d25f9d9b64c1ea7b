# Pages de vérification de verifyd : français. Voir en.ftl pour les variables.

language-name = Français
language-label = Langue
language-change = Changer de langue

date-fields-order = day month year
date-long = { $day ->
    [1] 1er
   *[other] { $day }
} { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
} { $year }

## Toutes les pages

masthead-title = Vérification d’identité
skip-link = Aller au contenu principal
test-banner-title = Mode test.
test-banner-text = Aucune vérification réelle n’est effectuée ici. Utilisez uniquement des données de test.
footer-sent = Vos images et vos informations sont transmises de manière sécurisée au service de vérification utilisé par { $named ->
    [yes] { $business }
   *[no] le site qui a demandé cette vérification
}.
step-of = Étape { $number } sur { $count }
back = Retour
continue = Continuer
error-summary-title = Un problème est survenu

## Documents

document-in-sentence = { $document ->
    [driving_license] permis de conduire
    [id_card] carte d’identité
   *[passport] passeport
}
document-title = { $document ->
    [driving_license] Permis de conduire
    [id_card] Carte d’identité
   *[passport] Passeport
}
document-hint = { $document ->
    [driving_license] Recto et verso.
    [id_card] Une carte nationale d’identité, recto et verso.
   *[passport] La page avec votre photo.
}
list-or-two = { $first } ou { $second }
list-or-three = { $first }, { $second } ou { $third }

## Consentement

consent-title = Vérifiez votre identité
consent-heading = { $named ->
    [yes] { $business } souhaite vérifier votre identité
   *[no] Vérifiez votre identité
}
consent-intro = { $named ->
    [yes] { $business } doit confirmer votre identité. Cela prend quelques minutes. Il vous sera demandé :
   *[no] Le site qui vous a envoyé ici doit confirmer votre identité. Cela prend quelques minutes. Il vous sera demandé :
}
consent-documents = Des photos de votre pièce d’identité : votre { $documents }.
consent-selfie = Un selfie, à comparer avec la photo de votre document.
consent-id-number = Votre numéro d’identification.
consent-camera = L’accès à la caméra de votre appareil : les photos sont prises sur cette page.
consent-details = Votre nom, votre date de naissance et votre numéro d’identification.
consent-use = Vos images et vos informations servent uniquement à vérifier votre identité et sont transmises { $named ->
    [yes] à { $business }
   *[no] au site qui a demandé cette vérification
}.
consent-decline-note = Vous pouvez refuser : rien ne sera collecté, et { $named ->
    [yes] { $business }
   *[no] le site
} sera informé de votre refus.
consent-accept = Accepter et continuer
consent-decline = Refuser

## Type de document

document-type-title = Choisissez votre document
document-type-heading = Quel document allez-vous utiliser ?
document-type-hint = Il doit être valide et délivré par une autorité publique.

## Images

image-heading = { $slot ->
    [front] { $document ->
        [passport] Page photo de votre passeport
        [driving_license] Recto de votre permis de conduire
        [id_card] Recto de votre carte d’identité
       *[none] Recto de votre document
    }
    [back] { $document ->
        [driving_license] Verso de votre permis de conduire
        [id_card] Verso de votre carte d’identité
        [passport] Verso de votre passeport
       *[none] Verso de votre document
    }
   *[selfie] Prenez un selfie
}
retake-note = Votre photo n’a pas été conservée. Prenez-en une nouvelle et envoyez-la à nouveau.
tip-selfie-light = Placez-vous face à l’objectif, sous un éclairage bon et uniforme.
tip-selfie-cover = Retirez lunettes de soleil, chapeau ou tout ce qui couvre votre visage.
tip-selfie-alone = Assurez-vous d’être seul ou seule sur la photo.
tip-document-flat = Posez le document sur une surface plane et unie.
tip-document-corners = Veillez à ce que les quatre coins soient visibles et le texte net.
tip-document-glare = Évitez les reflets, les ombres et les doigts sur le document.
image-current-alt = L’image que vous avez fournie pour cette étape
image-current-text = Vous avez déjà fourni une image pour cette étape. Remplacez-la ci-dessous, ou
image-current-keep = conservez-la et continuez
image-unavailable = (affichage impossible)
camera-starting = Démarrage de votre caméra…
camera-on = { $slot ->
    [selfie] Votre caméra est allumée. Cadrez votre visage, puis prenez la photo.
   *[other] Votre caméra est allumée. Cadrez le document, puis prenez la photo.
}
camera-shot = Photo prise. Utilisez-la ou reprenez-la.
camera-preview = Aperçu de la caméra
camera-take = Prendre la photo
camera-taken-alt = La photo que vous venez de prendre
camera-retake = Reprendre
camera-error-heading = Nous ne pouvons pas utiliser votre caméra
camera-error-text = Cette vérification nécessite une photo prise avec la caméra de votre appareil, et ce navigateur n’en a donné l’accès à aucune. Vérifiez qu’une caméra est branchée et que cette page est autorisée à l’utiliser, puis réessayez, ou poursuivez sur un téléphone ou un autre appareil équipé d’une caméra.
camera-retry = Réessayer
camera-unavailable = Je ne peux pas utiliser de caméra
camera-noscript = La prise de photo avec votre caméra nécessite JavaScript. Activez-le ou utilisez un autre navigateur.
camera-use = Utiliser cette photo
file-label = Choisissez une image
file-hint = Une photo JPEG, PNG ou WebP, de { $megabytes } Mo au maximum.
file-preview-alt = Aperçu de l’image choisie
file-too-large = Cette image dépasse { $megabytes } Mo. Choisissez une image plus petite.

## Numéro d’identification et informations

id-number-title = Votre numéro d’identification
id-number-label = Numéro d’identification
id-number-hint = Votre numéro de sécurité sociale américain complet (123-45-6789), votre CPF brésilien ou votre NRIC ou FIN de Singapour.
details-title = Vos informations
details-intro = Saisissez-les exactement comme elles figurent sur vos documents officiels.
first-name = Prénom
last-name = Nom
date-of-birth = Date de naissance
date-of-birth-hint = Par exemple, 27 3 1990
day = Jour
month = Mois
year = Année

## Vérification

review-title = Vérifiez et envoyez
review-document = Document
review-photo-page = Page photo
review-front = Recto
review-back = Verso
review-selfie = Selfie
review-name = Nom
review-change = Modifier
review-confirm = En envoyant ces éléments, vous confirmez que ces documents et ces informations sont les vôtres.
review-submit = Envoyer pour vérification

## Mode test

test-panel-heading = Mode test : terminer avec un résultat choisi
test-panel-text = Passez les étapes restantes. La session est envoyée aussitôt et le traitement se termine avec le résultat que vous choisissez.
test-outcome-verified = Vérifiée
test-outcome-verified-hint = Le traitement réussit et la session devient vérifiée.
test-outcome-verified-delayed = Vérifiée après un délai
test-outcome-verified-delayed-hint = La session reste en traitement environ 4 secondes, puis devient vérifiée.
test-outcome-fail = Échec : { $code }

## Pages de message

submitted-title = Envoyé
submitted-heading = Merci, c’est terminé
submitted-text = Vos informations ont été envoyées pour vérification. Vous pouvez fermer cette page.
submitted-test = Mode test : le résultat est appliqué dans quelques secondes.
declined-title = Vérification refusée
declined-heading = Vous avez refusé la vérification
declined-text = Rien n’a été collecté. { $named ->
    [yes] { $business }
   *[no] Le site qui a demandé cette vérification
} sera informé de votre refus.
declined-new-link = Si vous changez d’avis, demandez un nouveau lien à { $named ->
    [yes] { $business }
   *[no] ce site
}.
return-to = Retourner sur { $named ->
    [yes] { $business }
   *[no] le site
}
device-title = Une caméra est nécessaire
device-heading = Une caméra est nécessaire pour cette vérification
device-text = Cette vérification nécessite des photos prises avec la caméra de votre appareil, et aucune n’a pu être utilisée dans ce navigateur.
device-new-link = Demandez un nouveau lien à { $named ->
    [yes] { $business }
   *[no] ce site
} et ouvrez-le sur un téléphone ou un autre appareil équipé d’une caméra.
expired-title = Ce lien a expiré
expired-heading = Ce lien a expiré : demandez-en un nouveau
expired-text = Les liens de vérification fonctionnent une seule fois, dans un seul navigateur et pendant une durée limitée. Celui-ci a déjà été utilisé, a expiré ou a été ouvert dans un autre navigateur.
expired-ask = Demandez-en un nouveau { $named ->
    [yes] à { $business }
   *[no] au site qui vous a envoyé ici
}.
opened-heading = Ce lien a déjà été utilisé
opened-text = Ce lien a déjà été ouvert dans ce navigateur ; il ne peut donc pas être ouvert à nouveau.
opened-continue-text = Vous pouvez poursuivre la vérification que vous avez commencée.
opened-continue = Poursuivre votre vérification
form-expired-title = Ce formulaire a expiré
form-expired-text = Pour votre sécurité, le formulaire envoyé n’a pas pu être accepté, et rien n’a été modifié.
try-again-reload = Revenez en arrière, rechargez la page et réessayez.
bad-request-title = Cette requête comporte une erreur
too-large-title = Ce fichier est trop volumineux
too-large-text = Les images peuvent faire jusqu’à { $megabytes } Mo. Revenez en arrière et choisissez une image plus petite.
busy-title = Veuillez réessayer dans un instant
busy-text = Votre photo n’a pas pu être reçue pour le moment, et rien n’a été modifié. Revenez en arrière et envoyez-la de nouveau dans un instant.
timeout-title = L’envoi a pris trop de temps
timeout-text = Votre photo n’est pas arrivée à temps, et rien n’a été modifié. Vérifiez votre connexion, revenez en arrière et envoyez-la de nouveau.
not-found-title = Page introuvable
not-found-text = Vérifiez l’adresse, ou ouvrez de nouveau le lien de vérification que vous avez reçu.
internal-title = Une erreur est survenue
internal-text = Le problème vient de notre côté. Veuillez réessayer dans un instant.

## La fenêtre modale

modal-title = Démarrage de votre vérification
modal-loading = Chargement…
modal-noscript = Cette fenêtre de vérification nécessite JavaScript. Activez-le ou utilisez un autre navigateur.
modal-close = Fermer
modal-close-label = Fermer la vérification d’identité
modal-error-title = Cette fenêtre de vérification n’a pas pu démarrer
modal-without-parent = La page qui l’a ouverte n’a pas pu être identifiée. Rechargez cette page et réessayez.
modal-not-in-frame = Cette page s’ouvre dans la fenêtre de vérification du site d’où vous venez.
modal-expired-text = Cette vérification a expiré ou a déjà été utilisée. Fermez cette fenêtre et recommencez.
modal-key-text = Le site qui a ouvert cette fenêtre n’est pas configuré correctement. Fermez cette fenêtre et contactez { $named ->
    [yes] { $business }
   *[no] le site
}.
modal-failed = Une erreur est survenue de notre côté. Veuillez réessayer dans un instant.
modal-unreachable = Le service de vérification est injoignable. Vérifiez votre connexion et réessayez.

## Saisies refusées

problem-step-not-done = Terminez cette étape avant d’envoyer.
problem-no-document = Choisissez le document que vous allez utiliser.
problem-id-number-missing = Saisissez votre numéro d’identification.
problem-id-number-invalid = Saisissez votre numéro d’identification en utilisant uniquement des lettres, des chiffres, des espaces et des tirets (40 caractères au maximum).
problem-first-name-missing = Saisissez votre prénom.
problem-last-name-missing = Saisissez votre nom.
problem-name-too-long = Les noms peuvent comporter jusqu’à 100 caractères.
problem-birth-date-missing = Saisissez votre date de naissance : jour, mois et année.
problem-birth-date-not-numbers = Saisissez votre date de naissance en chiffres, par exemple 27 3 1990.
problem-birth-date-not-real = Saisissez une date de naissance réelle, par exemple 27 3 1990.
problem-birth-date-not-past = Votre date de naissance doit être dans le passé.
problem-passport-page-missing = Choisissez une image de la page photo de votre passeport.
problem-front-missing = Choisissez une image du recto de votre document.
problem-back-missing = Choisissez une image du verso de votre document.
problem-selfie-missing = Choisissez une photo de votre visage.
problem-image-too-large = L’image dépasse { $megabytes } Mo. Choisissez une image plus petite, ou reprenez la photo avec une résolution plus basse.
problem-image-not-supported = Ce fichier n’est pas une image JPEG, PNG ou WebP. Choisissez une photo dans l’un de ces formats.
problem-image-unreadable = Cette image { $format } n’a pas pu être lue : elle est peut-être endommagée ou incomplète. Choisissez de nouveau l’image, ou prenez une nouvelle photo.
problem-camera-required = Cette vérification nécessite une photo prise sur cette page avec la caméra de votre appareil. Les fichiers envoyés ne sont pas acceptés.

## Contrôle rapide d’une photo

retake-undecodable = Cette image n’a pas pu être ouverte. Reprenez la photo ou choisissez une autre image.
retake-too-small-selfie = Cette photo est trop petite pour être contrôlée. Reprenez votre selfie avec la pleine résolution de la caméra.
retake-too-small-document = Cette photo est trop petite pour être lue. Rapprochez-vous pour que le document remplisse la plus grande partie de l’image.
retake-too-many-pixels = Cette photo comporte trop de pixels pour être lue. Reprenez-la avec une résolution plus basse, ou choisissez une image plus petite.
retake-too-dark = Cette photo est trop sombre. Reprenez-la avec un meilleur éclairage.
retake-glare = La lumière se reflète sur le document. Inclinez-le ou éloignez-vous de la lumière directe, puis reprenez la photo.
retake-blurry = Cette photo est floue. Tenez l’appareil immobile, laissez-le faire la mise au point, puis reprenez la photo.
retake-no-document-passport = Aucune page de passeport n’a été trouvée sur cette photo. Posez la page photo à plat, faites-lui remplir l’image, puis reprenez la photo.
retake-no-document = Aucun document n’a été trouvé sur cette photo. Posez le document à plat sur une surface unie et sombre, faites-lui remplir l’image, puis reprenez la photo.
retake-barcode-unreadable = Le code-barres au verso n’a pas pu être lu. Assurez-vous que le code-barres figure en entier sur la photo, net et sans reflets, puis reprenez-la.
retake-mrz-unreadable-passport = Les deux lignes de caractères en bas de la page photo n’ont pas pu être lues. Assurez-vous qu’elles figurent sur la photo, nettes et sans reflets, puis reprenez-la.
retake-mrz-unreadable = Les lignes de caractères du document n’ont pas pu être lues. Assurez-vous qu’elles figurent sur la photo, nettes et sans reflets, puis reprenez-la.
retake-no-face = Aucun visage n’a été trouvé sur ce selfie. Placez-vous face à la caméra, le visage entier dans l’image, puis reprenez-le.
retake-several-faces = Plusieurs visages figurent sur ce selfie. Assurez-vous d’être seul ou seule sur l’image, puis reprenez-le.
retake-face-too-small = Votre visage est trop petit sur ce selfie. Rapprochez la caméra pour que votre visage remplisse la plus grande partie de l’image, puis reprenez-le.
retake-face-blurry = Ce selfie est flou. Tenez l’appareil immobile, laissez-le faire la mise au point, puis reprenez-le.
retake-face-too-dark = Ce selfie est trop sombre. Tournez-vous vers une fenêtre ou une source de lumière, puis reprenez-le.
retake-face-too-bright = Ce selfie est trop lumineux. Éloignez-vous de la lumière directe, puis reprenez-le.
retake-document-not-selfie = Ceci ressemble à la photo d’un document, pas à un selfie. Prenez une photo de votre visage.
