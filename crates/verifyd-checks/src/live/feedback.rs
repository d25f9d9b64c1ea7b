//! Feedback while the end user is still on the page: after an upload, the quick reading of
//! the image says whether to ask for a retake, and why, so that a user fixes a blurred
//! photo instead of failing the whole session. Only clear problems ask for a retake; the
//! worker's full check still makes the decision.

use super::selfie::{shows_document, usable_face, SelfieLimits, SelfieProblem};
use super::Reading;
use crate::observation::{ImageObservation, Side, VisionError};
use crate::{aamva, mrz};
use verifyd_core::session::{Date, DocumentType};

/// Why a photo should be taken again. Each has a message for the end user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retake {
    Undecodable,
    TooSmall,
    TooManyPixels,
    TooDark,
    Glare,
    Blurry,
    NoDocument,
    BarcodeUnreadable,
    MrzUnreadable,
    NoFace,
    SeveralFaces,
    FaceTooSmall,
    FaceBlurry,
    FaceTooDark,
    FaceTooBright,
    DocumentNotSelfie,
}

impl Retake {
    /// A stable name (`data-retake` on the page, metrics).
    pub fn name(self) -> &'static str {
        match self {
            Retake::Undecodable => "undecodable",
            Retake::TooSmall => "too_small",
            Retake::TooManyPixels => "too_many_pixels",
            Retake::TooDark => "too_dark",
            Retake::Glare => "glare",
            Retake::Blurry => "blurry",
            Retake::NoDocument => "no_document",
            Retake::BarcodeUnreadable => "barcode_unreadable",
            Retake::MrzUnreadable => "mrz_unreadable",
            Retake::NoFace => "no_face",
            Retake::SeveralFaces => "several_faces",
            Retake::FaceTooSmall => "face_too_small",
            Retake::FaceBlurry => "face_blurry",
            Retake::FaceTooDark => "face_too_dark",
            Retake::FaceTooBright => "face_too_bright",
            Retake::DocumentNotSelfie => "document_not_selfie",
        }
    }

    /// Every retake, for the pages' catalogue checks.
    pub const ALL: [Retake; 16] = [
        Retake::Undecodable,
        Retake::TooSmall,
        Retake::TooManyPixels,
        Retake::TooDark,
        Retake::Glare,
        Retake::Blurry,
        Retake::NoDocument,
        Retake::BarcodeUnreadable,
        Retake::MrzUnreadable,
        Retake::NoFace,
        Retake::SeveralFaces,
        Retake::FaceTooSmall,
        Retake::FaceBlurry,
        Retake::FaceTooDark,
        Retake::FaceTooBright,
        Retake::DocumentNotSelfie,
    ];

    /// The id of [`Retake::message`]'s sentence in the hosted pages' message catalogues
    /// (one id per distinct sentence; the pages show it in the user's language). The
    /// English catalogue says exactly what `message` says, which the pages' tests check.
    pub fn message_id(self, side: Side, document: Option<DocumentType>) -> &'static str {
        match self {
            Retake::Undecodable => "retake-undecodable",
            Retake::TooSmall => match side {
                Side::Selfie => "retake-too-small-selfie",
                _ => "retake-too-small-document",
            },
            Retake::TooManyPixels => "retake-too-many-pixels",
            Retake::TooDark => "retake-too-dark",
            Retake::Glare => "retake-glare",
            Retake::Blurry => "retake-blurry",
            Retake::NoDocument => match (side, document) {
                (Side::Front, Some(DocumentType::Passport)) => "retake-no-document-passport",
                _ => "retake-no-document",
            },
            Retake::BarcodeUnreadable => "retake-barcode-unreadable",
            Retake::MrzUnreadable => match document {
                Some(DocumentType::Passport) => "retake-mrz-unreadable-passport",
                _ => "retake-mrz-unreadable",
            },
            Retake::NoFace => "retake-no-face",
            Retake::SeveralFaces => "retake-several-faces",
            Retake::FaceTooSmall => "retake-face-too-small",
            Retake::FaceBlurry => "retake-face-blurry",
            Retake::FaceTooDark => "retake-face-too-dark",
            Retake::FaceTooBright => "retake-face-too-bright",
            Retake::DocumentNotSelfie => "retake-document-not-selfie",
        }
    }

    /// The English sentence (the pages show [`Retake::message_id`]'s, translated).
    pub fn message(self, side: Side, document: Option<DocumentType>) -> &'static str {
        match self {
            Retake::Undecodable => "This image could not be opened. Take the photo again, or choose another image.",
            Retake::TooSmall => match side {
                Side::Selfie => "This photo is too small to check. Take your selfie again with the camera's full resolution.",
                _ => "This photo is too small to read. Take it closer, so the document fills most of the picture.",
            },
            Retake::TooManyPixels => "This photo has too many pixels to read. Take it again at a lower resolution, or choose a smaller image.",
            Retake::TooDark => "This photo is too dark. Take it again in better light.",
            Retake::Glare => "Light is reflecting off the document. Tilt it or move away from direct light, and take the photo again.",
            Retake::Blurry => "This photo is blurred. Hold the camera steady, let it focus, and take the photo again.",
            Retake::NoDocument => match (side, document) {
                (Side::Front, Some(DocumentType::Passport)) => "No passport page was found in this photo. Lay the photo page flat, fill the picture with it, and take the photo again.",
                _ => "No document was found in this photo. Lay the document flat on a plain, dark surface, fill the picture with it, and take the photo again.",
            },
            Retake::BarcodeUnreadable => "The barcode on the back could not be read. Make sure the whole barcode is in the photo, sharp and without reflections, and take it again.",
            Retake::MrzUnreadable => match document {
                Some(DocumentType::Passport) => "The two lines of characters at the bottom of the photo page could not be read. Make sure they are in the photo, sharp and without reflections, and take it again.",
                _ => "The lines of characters on the document could not be read. Make sure they are in the photo, sharp and without reflections, and take it again.",
            },
            Retake::NoFace => "No face was found in this selfie. Face the camera, with your whole face in the picture, and take it again.",
            Retake::SeveralFaces => "More than one face is in this selfie. Make sure you are alone in the picture, and take it again.",
            Retake::FaceTooSmall => "Your face is too small in this selfie. Hold the camera closer, so your face fills most of the picture, and take it again.",
            Retake::FaceBlurry => "This selfie is blurred. Hold the camera steady, let it focus, and take it again.",
            Retake::FaceTooDark => "This selfie is too dark. Face a window or a light, and take it again.",
            Retake::FaceTooBright => "This selfie is too bright. Move out of direct light, and take it again.",
            Retake::DocumentNotSelfie => "This looks like a photo of a document, not a selfie. Take a photo of your face.",
        }
    }
}

/// The limits below which a photo is sent back. Chosen by hand, not fitted; what they do on
/// the synthetic held-out set is in docs/accuracy.md ("Upload feedback").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedbackLimits {
    /// Smallest rectified document width, in pixels.
    pub min_document_width: u32,
    /// Lowest acceptable sharpness (variance of the Laplacian at the reference width).
    pub min_sharpness: f32,
    /// Darkest acceptable mean luma.
    pub min_brightness: f32,
    /// Largest acceptable share of blown-out pixels.
    pub max_glare: f32,
}

impl Default for FeedbackLimits {
    fn default() -> Self {
        Self {
            min_document_width: 600,
            min_sharpness: 60.0,
            min_brightness: 45.0,
            max_glare: 0.08,
        }
    }
}

/// The observation of a reading, or — when the image could not be read at all — the
/// retake that image needs (`None`: out of time or the reader failed, so the worker
/// decides).
fn observation_or_retake(reading: &Reading) -> Result<&ImageObservation, Option<Retake>> {
    match reading {
        Ok(observation) => Ok(observation),
        Err(super::ReadFailure::Vision(VisionError::Undecodable)) => Err(Some(Retake::Undecodable)),
        Err(super::ReadFailure::Vision(VisionError::TooSmall { .. })) => {
            Err(Some(Retake::TooSmall))
        }
        Err(super::ReadFailure::Vision(VisionError::TooLarge { .. })) => {
            Err(Some(Retake::TooManyPixels))
        }
        Err(_) => Err(None),
    }
}

/// What the quick reading of a selfie means for the user: a retake whenever its face could
/// not be compared (the same rules as the worker's check).
pub fn selfie_feedback(reading: &Reading, limits: &SelfieLimits) -> Option<Retake> {
    let observation = match observation_or_retake(reading) {
        Ok(observation) => observation,
        Err(retake) => return retake,
    };
    let faces = observation.faces.as_deref()?;
    match usable_face(faces, limits) {
        Ok(face) if shows_document(face, observation.quality.width as f32, limits) => {
            Some(Retake::DocumentNotSelfie)
        }
        Ok(_) => None,
        Err(SelfieProblem::NoFace) => Some(Retake::NoFace),
        Err(SelfieProblem::SeveralFaces) => Some(Retake::SeveralFaces),
        Err(SelfieProblem::TooSmall) => Some(Retake::FaceTooSmall),
        Err(SelfieProblem::TooBlurred) => Some(Retake::FaceBlurry),
        Err(SelfieProblem::TooDark) => Some(Retake::FaceTooDark),
        Err(SelfieProblem::TooBright) => Some(Retake::FaceTooBright),
    }
}

/// What the quick reading of one image means for the user. `side` is the side asked for,
/// `document` the type the user said it is (when known), `today` the processing date
/// (an MRZ is read with its check digits).
pub fn feedback(
    reading: &Reading,
    side: Side,
    document: Option<DocumentType>,
    limits: &FeedbackLimits,
    today: Date,
) -> Option<Retake> {
    let observation = match observation_or_retake(reading) {
        Ok(observation) => observation,
        Err(retake) => return retake,
    };
    let q = &observation.quality;
    let readable = observation
        .barcode
        .as_deref()
        .is_some_and(|payload| aamva::parse(payload).is_ok())
        || observation
            .mrz
            .as_ref()
            .is_some_and(|reading| mrz::parse(reading, today).is_ok());
    if readable {
        // What matters could be read, whatever the measures say.
        return None;
    }
    if q.brightness < limits.min_brightness {
        return Some(Retake::TooDark);
    }
    if q.document.is_none() && observation.text.as_ref().is_none_or(|t| t.len() < 3) {
        return Some(Retake::NoDocument);
    }
    if q.document_width < limits.min_document_width {
        return Some(Retake::TooSmall);
    }
    if q.sharpness < limits.min_sharpness {
        return Some(Retake::Blurry);
    }
    if q.glare > limits.max_glare {
        return Some(Retake::Glare);
    }
    match (side, document) {
        (Side::Back, Some(DocumentType::DrivingLicense)) => Some(Retake::BarcodeUnreadable),
        // The back of an ID card may carry a barcode (US, Canada), an MRZ (TD1) or
        // nothing at all (TD2 cards carry theirs on the front): no code to insist on.
        (Side::Front, Some(DocumentType::Passport)) => Some(Retake::MrzUnreadable),
        _ => None,
    }
}
