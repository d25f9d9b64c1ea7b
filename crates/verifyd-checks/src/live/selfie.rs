//! Does the selfie show the person on the document? The document's front and the selfie
//! are read for faces (found, aligned and described by the vision layer); this module
//! decides with Stripe's codes. The document must show a face (`selfie_document_missing_photo`
//! otherwise); the selfie must show exactly one usable face — large, sharp and lit enough
//! to describe reliably (`selfie_unverified_other` with the reason otherwise); the two
//! faces' descriptors must be closer than [`MATCH_MAX_DISTANCE`] (`selfie_face_mismatch`
//! otherwise); and a "selfie" that matches because it is a photo of the document itself —
//! its face small in the frame and lying on a document outline — is `selfie_manipulated`.
//! A selfie that could not be read never passes.

use super::{ReadFailure, Reading};
use crate::observation::FaceObservation;
use verifyd_core::session::{LastError, LastErrorCode};

/// The largest descriptor distance between the document's portrait and the selfie at which
/// they count as the same person. Chosen on the tuning identities and reported on others in
/// docs/accuracy.md.
pub const MATCH_MAX_DISTANCE: f32 = 0.50;

/// Thresholds a selfie's face must meet to be compared at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfieLimits {
    /// Smallest distance between the eye centres, in the selfie's pixels.
    pub min_eye_distance: f32,
    /// Smallest sharpness (variance of the Laplacian of the aligned 150×150 face).
    pub min_sharpness: f32,
    /// Darkest and brightest mean luma of the aligned face.
    pub min_brightness: f32,
    pub max_brightness: f32,
    /// A second face at least this wide (as a share of the largest) makes the selfie
    /// ambiguous; smaller ones are people in the background.
    pub second_face_share: f32,
    /// A matching face that lies on a document outline found in the selfie, narrower than
    /// this share of the document's width and than `portrait_frame_share` of the photo's
    /// width, is a printed portrait: the selfie is a photo of the document.
    pub portrait_share: f32,
    pub portrait_frame_share: f32,
}

impl Default for SelfieLimits {
    fn default() -> Self {
        Self {
            min_eye_distance: 24.0,
            min_sharpness: 30.0,
            min_brightness: 40.0,
            max_brightness: 225.0,
            second_face_share: 0.5,
            portrait_share: 0.45,
            portrait_frame_share: 0.2,
        }
    }
}

fn failure(code: LastErrorCode, reason: &str) -> LastError {
    LastError {
        code: Some(code),
        reason: Some(reason.into()),
    }
}

/// Why a selfie's faces cannot be compared, if they cannot: the retake a user can fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfieProblem {
    NoFace,
    SeveralFaces,
    TooSmall,
    TooBlurred,
    TooDark,
    TooBright,
}

impl SelfieProblem {
    pub fn reason(self) -> &'static str {
        match self {
            SelfieProblem::NoFace => "No face was found in the selfie.",
            SelfieProblem::SeveralFaces => "More than one face was found in the selfie.",
            SelfieProblem::TooSmall => "The face in the selfie is too small to compare.",
            SelfieProblem::TooBlurred => "The face in the selfie is too blurred to compare.",
            SelfieProblem::TooDark => "The selfie is too dark to compare the face.",
            SelfieProblem::TooBright => "The selfie is too bright to compare the face.",
        }
    }
}

/// The one face of a selfie that can be compared, or why there is none.
pub fn usable_face<'a>(
    faces: &'a [FaceObservation],
    limits: &SelfieLimits,
) -> Result<&'a FaceObservation, SelfieProblem> {
    let Some(largest) = faces.iter().max_by_key(|f| f.width) else {
        return Err(SelfieProblem::NoFace);
    };
    let others = faces
        .iter()
        .filter(|f| !std::ptr::eq(*f, largest))
        .filter(|f| f.width as f32 >= limits.second_face_share * largest.width as f32)
        .count();
    if others > 0 {
        return Err(SelfieProblem::SeveralFaces);
    }
    if largest.eye_distance < limits.min_eye_distance {
        return Err(SelfieProblem::TooSmall);
    }
    if largest.brightness < limits.min_brightness {
        return Err(SelfieProblem::TooDark);
    }
    if largest.brightness > limits.max_brightness {
        return Err(SelfieProblem::TooBright);
    }
    if largest.sharpness < limits.min_sharpness {
        return Err(SelfieProblem::TooBlurred);
    }
    Ok(largest)
}

/// Decides the selfie check from the readings of the document's front and of the selfie.
pub fn check(
    front: Option<&Reading>,
    selfie: Option<&Reading>,
    limits: &SelfieLimits,
) -> Result<(), LastError> {
    let unverified = LastErrorCode::SelfieUnverifiedOther;
    let front_faces = match front {
        Some(Ok(observation)) => observation.faces.as_deref(),
        Some(Err(e)) => return Err(failure(unverified, &e.reason("document"))),
        None => None,
    };
    let Some(front_faces) = front_faces else {
        return Err(failure(
            unverified,
            "The document's photo could not be compared: its front was not read for a face.",
        ));
    };
    // The portrait: the largest face on the document.
    let Some(portrait) = front_faces.iter().max_by_key(|f| f.width) else {
        return Err(failure(
            LastErrorCode::SelfieDocumentMissingPhoto,
            "No face was found on the document.",
        ));
    };
    let selfie_faces = match selfie {
        Some(Ok(observation)) => observation.faces.as_deref(),
        Some(Err(e)) => return Err(failure(unverified, &e.reason("selfie"))),
        None => return Err(failure(unverified, &ReadFailure::Missing.reason("selfie"))),
    };
    let Some(selfie_faces) = selfie_faces else {
        return Err(failure(
            unverified,
            "The selfie could not be compared: it was not read for a face.",
        ));
    };
    let face = match usable_face(selfie_faces, limits) {
        Ok(face) => face,
        Err(problem) => return Err(failure(unverified, problem.reason())),
    };
    let frame_width = match selfie {
        Some(Ok(observation)) => observation.quality.width.max(1) as f32,
        _ => 1.0,
    };
    let Some(distance) = portrait.distance(face) else {
        return Err(failure(
            unverified,
            "The selfie could not be compared with the document's photo.",
        ));
    };
    if distance > MATCH_MAX_DISTANCE {
        return Err(failure(
            LastErrorCode::SelfieFaceMismatch,
            "The face in the selfie does not match the photo on the document.",
        ));
    }
    if shows_document(face, frame_width, limits) {
        return Err(failure(
            LastErrorCode::SelfieManipulated,
            "The selfie is a photo of the document's portrait, not of the person.",
        ));
    }
    Ok(())
}

/// Whether a face is a portrait printed on a document photographed in the selfie.
pub fn shows_document(face: &FaceObservation, frame_width: f32, limits: &SelfieLimits) -> bool {
    face.on_document
        .is_some_and(|share| share < limits.portrait_share)
        && (face.width as f32) < limits.portrait_frame_share * frame_width
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{ImageObservation, ImageQuality, FACE_DESCRIPTOR_LEN};

    fn face(seed: f32, width: u32) -> FaceObservation {
        FaceObservation {
            score: 0.9,
            width,
            center: (500.0, 400.0),
            on_document: None,
            eye_distance: width as f32 * 0.4,
            sharpness: 200.0,
            brightness: 120.0,
            descriptor: (0..FACE_DESCRIPTOR_LEN)
                .map(|i| ((i as f32 * 0.37 + seed).sin()) * 0.1)
                .collect(),
        }
    }

    fn reading(faces: Option<Vec<FaceObservation>>) -> Reading {
        Ok(ImageObservation {
            quality: ImageQuality {
                width: 1200,
                height: 900,
                sharpness: 300.0,
                brightness: 120.0,
                glare: 0.0,
                document: None,
                document_width: 1200,
            },
            barcode: None,
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: None,
            faces,
        })
    }

    fn code(r: Result<(), LastError>) -> Option<LastErrorCode> {
        r.err().and_then(|e| e.code)
    }

    #[test]
    fn the_same_face_passes_and_another_fails() {
        let limits = SelfieLimits::default();
        let portrait = reading(Some(vec![face(0.0, 120)]));
        let same = reading(Some(vec![face(0.05, 400)]));
        assert_eq!(check(Some(&portrait), Some(&same), &limits), Ok(()));
        let other = reading(Some(vec![face(2.0, 400)]));
        assert_eq!(
            code(check(Some(&portrait), Some(&other), &limits)),
            Some(LastErrorCode::SelfieFaceMismatch)
        );
    }

    #[test]
    fn a_document_without_a_face_is_missing_its_photo() {
        let limits = SelfieLimits::default();
        let blank = reading(Some(vec![]));
        let selfie = reading(Some(vec![face(0.0, 400)]));
        assert_eq!(
            code(check(Some(&blank), Some(&selfie), &limits)),
            Some(LastErrorCode::SelfieDocumentMissingPhoto)
        );
    }

    #[test]
    fn selfies_that_cannot_be_compared_never_pass() {
        let limits = SelfieLimits::default();
        let portrait = reading(Some(vec![face(0.0, 120)]));
        let cases: Vec<(Reading, LastErrorCode, &str)> = vec![
            (
                reading(Some(vec![])),
                LastErrorCode::SelfieUnverifiedOther,
                "No face",
            ),
            (
                reading(Some(vec![face(0.0, 400), face(0.0, 300)])),
                LastErrorCode::SelfieUnverifiedOther,
                "More than one face",
            ),
            (
                reading(Some(vec![face(0.0, 40)])),
                LastErrorCode::SelfieUnverifiedOther,
                "too small",
            ),
            (
                reading(Some(vec![FaceObservation {
                    sharpness: 5.0,
                    ..face(0.0, 400)
                }])),
                LastErrorCode::SelfieUnverifiedOther,
                "too blurred",
            ),
            (
                reading(Some(vec![FaceObservation {
                    brightness: 20.0,
                    ..face(0.0, 400)
                }])),
                LastErrorCode::SelfieUnverifiedOther,
                "too dark",
            ),
            (
                reading(Some(vec![FaceObservation {
                    on_document: Some(0.25),
                    ..face(0.0, 150)
                }])),
                LastErrorCode::SelfieManipulated,
                "photo of the document",
            ),
            (
                Err(ReadFailure::TimedOut),
                LastErrorCode::SelfieUnverifiedOther,
                "time allowed",
            ),
            (
                Err(ReadFailure::Crashed),
                LastErrorCode::SelfieUnverifiedOther,
                "checker failed",
            ),
            (
                reading(None),
                LastErrorCode::SelfieUnverifiedOther,
                "not read for a face",
            ),
        ];
        for (selfie, expected, words) in cases {
            let error = check(Some(&portrait), Some(&selfie), &limits).unwrap_err();
            assert_eq!(error.code, Some(expected), "{words}");
            let reason = error.reason.unwrap_or_default();
            assert!(reason.contains(words), "{reason:?} should say {words:?}");
        }
        // A small face in the background does not make a selfie ambiguous.
        let with_background = reading(Some(vec![face(0.02, 400), face(3.0, 90)]));
        assert_eq!(
            check(Some(&portrait), Some(&with_background), &limits),
            Ok(())
        );
        // A face on something document-shaped but large in the frame is a person.
        let person = reading(Some(vec![FaceObservation {
            on_document: Some(0.3),
            ..face(0.01, 400)
        }]));
        assert_eq!(check(Some(&portrait), Some(&person), &limits), Ok(()));
        // No selfie at all.
        assert_eq!(
            code(check(Some(&portrait), None, &limits)),
            Some(LastErrorCode::SelfieUnverifiedOther)
        );
    }
}
