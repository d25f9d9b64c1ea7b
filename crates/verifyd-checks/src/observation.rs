//! What the vision layer reports about one uploaded image, and the interface it implements.
//! These are plain values: the vision crate fills them from pixels; the live engine in this
//! crate turns them into Stripe's decisions. Nothing here decodes an image or knows a
//! session; a reader that could not see something says so (`None`), it never guesses.

use std::time::Instant;

/// Which image of a submission this is, as the end user was asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The front of a card, or the photo page of a passport.
    Front,
    /// The back of a card.
    Back,
    /// The user's selfie.
    Selfie,
}

/// What to look for in an image. Each reader costs time, so the engine asks only for what
/// the document type can carry on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wanted {
    /// A PDF417 barcode (the back of US and Canadian licences and ID cards).
    pub barcode: bool,
    /// A machine-readable zone (passports, TD1/TD2 ID cards).
    pub mrz: bool,
    /// The printed text (name, date of birth, document number on the front).
    pub text: bool,
    /// Faces (the portrait on a document's front, the face in a selfie).
    pub faces: bool,
    /// A closer, slower look (text detected at a larger size, every candidate MRZ
    /// reading), asked for only when the usual reading did not settle the decision. What
    /// it finds adds to the usual reading; it never replaces it.
    pub closer_look: bool,
}

/// Where the document was found in the (orientation-corrected) image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocumentRegion {
    /// Corners in image pixels: top-left, top-right, bottom-right, bottom-left.
    pub corners: [(f32, f32); 4],
    /// The region's share of the image area (0–1).
    pub area_fraction: f32,
}

/// Measures of how usable an image is. Sharpness and glare are measured on the document
/// once it is found and rectified (on the whole image otherwise), at a fixed scale, so that
/// they do not depend on the camera's resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageQuality {
    /// Width and height after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// Variance of the Laplacian of the rectified document at a fixed width; low = blurred.
    pub sharpness: f32,
    /// Mean luma, 0–255.
    pub brightness: f32,
    /// Share of the document's pixels that are blown-out highlights (0–1).
    pub glare: f32,
    /// The document, if one was found.
    pub document: Option<DocumentRegion>,
    /// Width in pixels of the rectified document the readers worked on.
    pub document_width: u32,
}

/// One character position of a machine-readable zone: the candidate characters the
/// recogniser considered, best first, each with a score in 0–1 (a probability).
#[derive(Debug, Clone, PartialEq)]
pub struct MrzChar {
    pub candidates: Vec<(char, f32)>,
}

impl MrzChar {
    /// The best candidate (`<` when there is none).
    pub fn best(&self) -> char {
        self.candidates.first().map(|c| c.0).unwrap_or('<')
    }

    pub fn certain(c: char) -> Self {
        Self {
            candidates: vec![(c, 1.0)],
        }
    }
}

/// The lines of a machine-readable zone as read, top to bottom, every character with its
/// alternatives (the MRZ alphabet: `A`–`Z`, `0`–`9` and `<`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MrzReading {
    pub lines: Vec<Vec<MrzChar>>,
}

impl MrzReading {
    /// Each line with its best candidates.
    pub fn best_lines(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|line| line.iter().map(MrzChar::best).collect())
            .collect()
    }

    /// A reading in which every character is certain (tests, and readers of clean text).
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Self {
        Self {
            lines: lines
                .iter()
                .map(|l| l.as_ref().chars().map(MrzChar::certain).collect())
                .collect(),
        }
    }
}

/// One line of printed text, as recognised, with the recogniser's confidence (0–1).
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    pub text: String,
    pub confidence: f32,
}

/// Length of a face descriptor.
pub const FACE_DESCRIPTOR_LEN: usize = 128;

/// One face found in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceObservation {
    /// The detector's confidence (0–1).
    pub score: f32,
    /// Width of the face's box, in pixels of the image it was found in.
    pub width: u32,
    /// Centre of the face's box, in the same pixels.
    pub center: (f32, f32),
    /// When the face is part of a document found in the image (a portrait printed on a
    /// card, rather than a person in front of the camera): its width as a share of the
    /// document's width.
    pub on_document: Option<f32>,
    /// Distance between the eye centres, in the same pixels.
    pub eye_distance: f32,
    /// Variance of the Laplacian of the aligned 150×150 face; low = blurred.
    pub sharpness: f32,
    /// Mean luma of the aligned face, 0–255.
    pub brightness: f32,
    /// The face descriptor ([`FACE_DESCRIPTOR_LEN`] numbers): the Euclidean distance
    /// between two is small for the same person.
    pub descriptor: Vec<f32>,
}

impl FaceObservation {
    /// Euclidean distance between two faces' descriptors (`None` when either is not a
    /// full descriptor).
    pub fn distance(&self, other: &FaceObservation) -> Option<f32> {
        if self.descriptor.len() != FACE_DESCRIPTOR_LEN
            || other.descriptor.len() != FACE_DESCRIPTOR_LEN
        {
            return None;
        }
        let sum: f32 = self
            .descriptor
            .iter()
            .zip(&other.descriptor)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        sum.is_finite().then(|| sum.sqrt())
    }
}

/// Everything seen in one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageObservation {
    pub quality: ImageQuality,
    /// The raw payload of a PDF417 barcode, when one was asked for and decoded.
    pub barcode: Option<Vec<u8>>,
    /// A machine-readable zone, when one was asked for and found.
    pub mrz: Option<MrzReading>,
    /// Other readings of a machine-readable zone (a closer look's), tried in order when
    /// `mrz` fails its check digits; each must hold on its own.
    pub other_mrz_readings: Vec<MrzReading>,
    /// The printed text when it was asked for (`Some(vec![])`: looked, found none).
    pub text: Option<Vec<TextLine>>,
    /// The faces when they were asked for, best first (`Some(vec![])`: looked, found
    /// none).
    pub faces: Option<Vec<FaceObservation>>,
}

/// Why an image could not be observed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisionError {
    /// The bytes are not a decodable JPEG, PNG or WebP image.
    #[error("the image could not be decoded")]
    Undecodable,
    /// Too few pixels to read a document from.
    #[error("the image is too small ({width}×{height} pixels)")]
    TooSmall { width: u32, height: u32 },
    /// Too many pixels to decode safely.
    #[error("the image is too large ({width}×{height} pixels)")]
    TooLarge { width: u32, height: u32 },
    /// The reader ran out of its time budget.
    #[error("the image could not be read within the time budget")]
    DeadlineExceeded,
    /// The reader could not be set up (a model failed to load).
    #[error("the image reader is unavailable: {0}")]
    Unavailable(String),
}

/// Reads images: the interface the vision crate implements and the engine calls. Heavy:
/// call it off the async runtime. A reader must stop (with `DeadlineExceeded`) once
/// `deadline` has passed, between its stages.
pub trait Vision: Send + Sync {
    fn observe(
        &self,
        image: &[u8],
        wanted: Wanted,
        deadline: Instant,
    ) -> Result<ImageObservation, VisionError>;
}
