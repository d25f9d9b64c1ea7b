# Páginas de verificación de verifyd: español. Las variables se describen en en.ftl.

language-name = Español
language-label = Idioma
language-change = Cambiar idioma

date-fields-order = day month year
date-long = { $day } de { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
} de { $year }

## Todas las páginas

masthead-title = Verificación de identidad
skip-link = Ir al contenido principal
test-banner-title = Modo de prueba.
test-banner-text = Aquí no se realizan comprobaciones reales. Utilice solo datos de prueba.
footer-sent = Sus imágenes y datos se envían de forma segura al servicio de verificación que utiliza { $named ->
    [yes] { $business }
   *[no] el sitio que solicitó esta verificación
}.
step-of = Paso { $number } de { $count }
back = Atrás
continue = Continuar
error-summary-title = Se ha producido un problema

## Documentos

document-in-sentence = { $document ->
    [driving_license] permiso de conducir
    [id_card] documento de identidad
   *[passport] pasaporte
}
document-title = { $document ->
    [driving_license] Permiso de conducir
    [id_card] Documento de identidad
   *[passport] Pasaporte
}
document-hint = { $document ->
    [driving_license] Anverso y reverso.
    [id_card] Un documento nacional de identidad, anverso y reverso.
   *[passport] La página con su foto.
}
list-or-two = { $first } o { $second }
list-or-three = { $first }, { $second } o { $third }

## Consentimiento

consent-title = Verifique su identidad
consent-heading = { $named ->
    [yes] { $business } desea verificar su identidad
   *[no] Verifique su identidad
}
consent-intro = { $named ->
    [yes] { $business } necesita confirmar quién es usted. Solo le llevará unos minutos. Se le pedirá:
   *[no] El sitio que le envió aquí necesita confirmar quién es usted. Solo le llevará unos minutos. Se le pedirá:
}
consent-documents = Fotos de su documento de identidad: su { $documents }.
consent-selfie = Un selfi, para compararlo con la foto de su documento.
consent-id-number = Su número de identificación.
consent-camera = Acceso a la cámara de su dispositivo: las fotos se toman en esta página.
consent-details = Su nombre, su fecha de nacimiento y su número de identificación.
consent-use = Sus imágenes y datos se utilizan únicamente para verificar su identidad y se comparten con { $named ->
    [yes] { $business }
   *[no] el sitio que solicitó esta verificación
}.
consent-decline-note = Puede rechazarla: no se recopilará nada y se informará { $named ->
    [yes] a { $business }
   *[no] al sitio
} de que la ha rechazado.
consent-accept = Aceptar y continuar
consent-decline = Rechazar

## Tipo de documento

document-type-title = Elija su documento
document-type-heading = ¿Qué documento va a utilizar?
document-type-hint = Debe estar vigente y haber sido expedido por una autoridad pública.

## Imágenes

image-heading = { $slot ->
    [front] { $document ->
        [passport] Página de la foto de su pasaporte
        [driving_license] Anverso de su permiso de conducir
        [id_card] Anverso de su documento de identidad
       *[none] Anverso de su documento
    }
    [back] { $document ->
        [driving_license] Reverso de su permiso de conducir
        [id_card] Reverso de su documento de identidad
        [passport] Reverso de su pasaporte
       *[none] Reverso de su documento
    }
   *[selfie] Hágase un selfi
}
retake-note = Su foto no se ha guardado. Tome una nueva y vuelva a subirla.
tip-selfie-light = Mire a la cámara con una luz buena y uniforme.
tip-selfie-cover = Quítese las gafas de sol, el sombrero o cualquier cosa que le cubra la cara.
tip-selfie-alone = Asegúrese de que solo aparece usted en la imagen.
tip-document-flat = Coloque el documento sobre una superficie plana y lisa.
tip-document-corners = Asegúrese de que se ven las cuatro esquinas y de que el texto es nítido.
tip-document-glare = Evite reflejos, sombras y dedos sobre el documento.
image-current-alt = La imagen que proporcionó para este paso
image-current-text = Ya proporcionó una imagen para este paso. Sustitúyala a continuación o
image-current-keep = consérvela y continúe
image-unavailable = (no se puede mostrar)
camera-starting = Iniciando su cámara…
camera-on = { $slot ->
    [selfie] Su cámara está encendida. Encuadre su cara y luego tome la foto.
   *[other] Su cámara está encendida. Encuadre el documento y luego tome la foto.
}
camera-shot = Foto tomada. Utilícela o vuelva a tomarla.
camera-preview = Vista previa de la cámara
camera-take = Tomar foto
camera-taken-alt = La foto que acaba de tomar
camera-retake = Repetir
camera-error-heading = No podemos usar su cámara
camera-error-text = Esta verificación necesita una foto tomada con la cámara de su dispositivo, y este navegador no ha dado acceso a ninguna. Compruebe que hay una cámara conectada y que esta página puede usarla, e inténtelo de nuevo, o continúe en un teléfono u otro dispositivo con cámara.
camera-retry = Intentar de nuevo
camera-unavailable = No puedo usar una cámara
camera-noscript = Para tomar una foto con su cámara se necesita JavaScript. Actívelo o utilice otro navegador.
camera-use = Usar esta foto
file-label = Elija una imagen
file-hint = Una foto JPEG, PNG o WebP de hasta { $megabytes } MB.
file-preview-alt = Vista previa de la imagen elegida
file-too-large = Esta imagen supera los { $megabytes } MB. Elija una imagen más pequeña.

## Número de identificación y datos

id-number-title = Su número de identificación
id-number-label = Número de identificación
id-number-hint = Su número de la Seguridad Social de EE. UU. completo (123-45-6789), su CPF brasileño o su NRIC o FIN de Singapur.
details-title = Sus datos
details-intro = Introdúzcalos exactamente como aparecen en sus documentos oficiales.
first-name = Nombre
last-name = Apellidos
date-of-birth = Fecha de nacimiento
date-of-birth-hint = Por ejemplo, 27 3 1990
day = Día
month = Mes
year = Año

## Revisión

review-title = Revise y envíe
review-document = Documento
review-photo-page = Página de la foto
review-front = Anverso
review-back = Reverso
review-selfie = Selfi
review-name = Nombre
review-change = Cambiar
review-confirm = Al enviar, confirma que estos documentos y datos son suyos.
review-submit = Enviar para verificación

## Modo de prueba

test-panel-heading = Modo de prueba: terminar con un resultado elegido
test-panel-text = Omita los pasos restantes. La sesión se envía de inmediato y el procesamiento termina con el resultado que elija.
test-outcome-verified = Verificada
test-outcome-verified-hint = El procesamiento se completa y la sesión pasa a verificada.
test-outcome-verified-delayed = Verificada tras una espera
test-outcome-verified-delayed-hint = La sesión permanece en procesamiento unos 4 segundos y luego pasa a verificada.
test-outcome-fail = Fallo: { $code }

## Páginas de aviso

submitted-title = Enviado
submitted-heading = Gracias, ha terminado
submitted-text = Su información se ha enviado para su verificación. Puede cerrar esta página.
submitted-test = Modo de prueba: el resultado se aplica en unos segundos.
declined-title = Verificación rechazada
declined-heading = Ha rechazado la verificación
declined-text = No se ha recopilado nada. Se informará { $named ->
    [yes] a { $business }
   *[no] al sitio que solicitó esta verificación
} de que la ha rechazado.
declined-new-link = Si cambia de opinión, pida un nuevo enlace { $named ->
    [yes] a { $business }
   *[no] al sitio
}.
return-to = Volver { $named ->
    [yes] a { $business }
   *[no] al sitio
}
device-title = Se necesita una cámara
device-heading = Esta verificación necesita una cámara
device-text = Esta verificación necesita fotos tomadas con la cámara de su dispositivo, y no se ha podido usar ninguna en este navegador.
device-new-link = Pida un nuevo enlace { $named ->
    [yes] a { $business }
   *[no] al sitio
} y ábralo en un teléfono u otro dispositivo con cámara.
expired-title = Este enlace ha caducado
expired-heading = Este enlace ha caducado: solicite uno nuevo
expired-text = Los enlaces de verificación funcionan una sola vez, en un solo navegador y durante un tiempo limitado. Este ya se ha utilizado, ha caducado o se abrió en otro navegador.
expired-ask = Pida uno nuevo { $named ->
    [yes] a { $business }
   *[no] al sitio que le envió aquí
}.
opened-heading = Este enlace ya se ha utilizado
opened-text = Este enlace ya se abrió en este navegador, por lo que no se puede volver a abrir.
opened-continue-text = Puede continuar la verificación que empezó.
opened-continue = Continuar su verificación
form-expired-title = Este formulario ha caducado
form-expired-text = Por su seguridad, no se ha podido aceptar el formulario enviado y no se ha cambiado nada.
try-again-reload = Vuelva atrás, recargue la página e inténtelo de nuevo.
bad-request-title = Hay un problema con esa solicitud
too-large-title = Ese archivo es demasiado grande
too-large-text = Las imágenes pueden ocupar hasta { $megabytes } MB. Vuelva atrás y elija una imagen más pequeña.
busy-title = Inténtelo de nuevo en un momento
busy-text = No se ha podido recibir su foto en este momento y no se ha cambiado nada. Vuelva atrás y envíela de nuevo en un momento.
timeout-title = La subida ha tardado demasiado
timeout-text = Su foto no llegó a tiempo y no se ha cambiado nada. Compruebe su conexión, vuelva atrás y envíela de nuevo.
not-found-title = Página no encontrada
not-found-text = Compruebe la dirección o vuelva a abrir el enlace de verificación que recibió.
internal-title = Algo ha salido mal
internal-text = El problema es nuestro. Inténtelo de nuevo en un momento.

## La ventana modal

modal-title = Iniciando su verificación
modal-loading = Cargando…
modal-noscript = Esta ventana de verificación necesita JavaScript. Actívelo o utilice otro navegador.
modal-close = Cerrar
modal-close-label = Cerrar la verificación de identidad
modal-error-title = No se ha podido iniciar esta ventana de verificación
modal-without-parent = No se ha podido identificar la página que la abrió. Recargue esa página e inténtelo de nuevo.
modal-not-in-frame = Esta página se abre en la ventana de verificación del sitio del que viene.
modal-expired-text = Esta verificación ha caducado o ya se ha utilizado. Cierre esta ventana y vuelva a empezar.
modal-key-text = El sitio que abrió esta ventana no está bien configurado. Cierre esta ventana y póngase en contacto con { $named ->
    [yes] { $business }
   *[no] el sitio
}.
modal-failed = Algo ha salido mal por nuestra parte. Inténtelo de nuevo en un momento.
modal-unreachable = No se ha podido conectar con el servicio de verificación. Compruebe su conexión e inténtelo de nuevo.

## Datos rechazados

problem-step-not-done = Complete este paso antes de enviar.
problem-no-document = Elija el documento que va a utilizar.
problem-id-number-missing = Introduzca su número de identificación.
problem-id-number-invalid = Introduzca su número de identificación usando solo letras, dígitos, espacios y guiones (hasta 40 caracteres).
problem-first-name-missing = Introduzca su nombre.
problem-last-name-missing = Introduzca sus apellidos.
problem-name-too-long = Los nombres pueden tener hasta 100 caracteres.
problem-birth-date-missing = Introduzca su fecha de nacimiento: día, mes y año.
problem-birth-date-not-numbers = Introduzca su fecha de nacimiento con números, por ejemplo 27 3 1990.
problem-birth-date-not-real = Introduzca una fecha de nacimiento real, por ejemplo 27 3 1990.
problem-birth-date-not-past = Su fecha de nacimiento debe ser anterior a hoy.
problem-passport-page-missing = Elija una imagen de la página de la foto de su pasaporte.
problem-front-missing = Elija una imagen del anverso de su documento.
problem-back-missing = Elija una imagen del reverso de su documento.
problem-selfie-missing = Elija una foto de su cara.
problem-image-too-large = La imagen supera los { $megabytes } MB. Elija una imagen más pequeña o vuelva a tomar la foto con una resolución menor.
problem-image-not-supported = Este archivo no es una imagen JPEG, PNG o WebP. Elija una foto en uno de esos formatos.
problem-image-unreadable = No se ha podido leer esta imagen { $format }: puede estar dañada o haberse subido solo en parte. Vuelva a elegir la imagen o tome una foto nueva.
problem-camera-required = Esta verificación necesita una foto tomada en esta página con la cámara de su dispositivo. No se aceptan archivos subidos.

## Comprobación rápida de una foto

retake-undecodable = No se ha podido abrir esta imagen. Vuelva a tomar la foto o elija otra imagen.
retake-too-small-selfie = Esta foto es demasiado pequeña para comprobarla. Vuelva a hacerse el selfi con la resolución completa de la cámara.
retake-too-small-document = Esta foto es demasiado pequeña para leerla. Acérquese para que el documento ocupe la mayor parte de la imagen.
retake-too-many-pixels = Esta foto tiene demasiados píxeles para leerla. Vuelva a tomarla con una resolución menor o elija una imagen más pequeña.
retake-too-dark = Esta foto está demasiado oscura. Vuelva a tomarla con mejor luz.
retake-glare = La luz se refleja en el documento. Inclínelo o apártese de la luz directa y vuelva a tomar la foto.
retake-blurry = Esta foto está borrosa. Sujete la cámara con firmeza, deje que enfoque y vuelva a tomar la foto.
retake-no-document-passport = No se ha encontrado ninguna página de pasaporte en esta foto. Coloque la página de la foto en plano, haga que ocupe toda la imagen y vuelva a tomar la foto.
retake-no-document = No se ha encontrado ningún documento en esta foto. Coloque el documento en plano sobre una superficie lisa y oscura, haga que ocupe toda la imagen y vuelva a tomar la foto.
retake-barcode-unreadable = No se ha podido leer el código de barras del reverso. Asegúrese de que el código de barras aparece entero en la foto, nítido y sin reflejos, y vuelva a tomarla.
retake-mrz-unreadable-passport = No se han podido leer las dos líneas de caracteres de la parte inferior de la página de la foto. Asegúrese de que aparecen en la foto, nítidas y sin reflejos, y vuelva a tomarla.
retake-mrz-unreadable = No se han podido leer las líneas de caracteres del documento. Asegúrese de que aparecen en la foto, nítidas y sin reflejos, y vuelva a tomarla.
retake-no-face = No se ha encontrado ninguna cara en este selfi. Mire a la cámara, con toda la cara en la imagen, y vuelva a hacerlo.
retake-several-faces = Hay más de una cara en este selfi. Asegúrese de estar solo o sola en la imagen y vuelva a hacerlo.
retake-face-too-small = Su cara se ve demasiado pequeña en este selfi. Acerque la cámara para que su cara ocupe la mayor parte de la imagen y vuelva a hacerlo.
retake-face-blurry = Este selfi está borroso. Sujete la cámara con firmeza, deje que enfoque y vuelva a hacerlo.
retake-face-too-dark = Este selfi está demasiado oscuro. Póngase frente a una ventana o una luz y vuelva a hacerlo.
retake-face-too-bright = Este selfi tiene demasiada luz. Apártese de la luz directa y vuelva a hacerlo.
retake-document-not-selfie = Parece la foto de un documento, no un selfi. Tómese una foto de la cara.
