//! verifyd-vision: what is in an image, and how sure. Decoding and orientation (`decode`),
//! finding and flattening the document (`document`), quality measures (`quality`), PDF417
//! barcodes (`pdf417`), machine-readable zones with verifyd's own OCR-B recogniser
//! (`mrz`) and printed text (`text`). [`DocumentReader`] puts them together behind
//! `verifyd_checks::observation::Vision`. This crate knows nothing of sessions, HTTP or
//! SQL, and it never logs what an image contains.

pub mod decode;
pub mod document;
pub mod models;
pub mod mrz;
pub mod pdf417;
pub mod quality;
pub mod text;

use image::GrayImage;
use std::time::Instant;
use verifyd_checks::observation::{
    DocumentRegion, ImageObservation, ImageQuality, Vision, VisionError, Wanted,
};

/// Narrowest and widest rectified document the readers work on.
const MIN_DOCUMENT_WIDTH: u32 = 1000;
const MAX_DOCUMENT_WIDTH: u32 = 2000;

/// The readers, loaded once and shared by every check.
pub struct DocumentReader {
    mrz: mrz::MrzReader,
    text: Option<text::TextReader>,
}

/// A reader or model that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("MRZ recogniser: {0}")]
    Mrz(String),
    #[error("text recogniser: {0}")]
    Text(#[from] models::ModelError),
}

impl DocumentReader {
    /// Loads every reader. `models_dir` holds the text recogniser's model files (see
    /// `models`); the MRZ recogniser is built into the binary.
    pub fn load(models_dir: &std::path::Path) -> Result<Self, LoadError> {
        let mrz = mrz::MrzReader::load().map_err(|e| LoadError::Mrz(e.to_string()))?;
        let text = text::TextReader::load(models_dir)?;
        Ok(Self {
            mrz,
            text: Some(text),
        })
    }

    /// Readers without printed-text recognition (fronts then read as unreadable, which
    /// never passes). For tests of the other readers.
    pub fn without_text() -> Result<Self, LoadError> {
        let mrz = mrz::MrzReader::load().map_err(|e| LoadError::Mrz(e.to_string()))?;
        Ok(Self { mrz, text: None })
    }
}

/// A [`DocumentReader`] loaded on first use (loading the text models takes seconds, which
/// a server that only ever sees test mode should not pay at start), after its files were
/// found and checked when it was created.
pub struct LazyDocumentReader {
    models_dir: std::path::PathBuf,
    reader: std::sync::OnceLock<Result<DocumentReader, String>>,
}

impl LazyDocumentReader {
    /// Checks that every model file is in `models_dir` with its pinned SHA-256.
    pub fn new(models_dir: &std::path::Path) -> Result<Self, LoadError> {
        for file in [
            models::TEXT_DETECTION,
            models::TEXT_RECOGNITION,
            models::TEXT_DIRECTION,
        ] {
            models::load(models_dir, file)?;
        }
        mrz::MrzReader::load().map_err(|e| LoadError::Mrz(e.to_string()))?;
        Ok(Self {
            models_dir: models_dir.to_owned(),
            reader: std::sync::OnceLock::new(),
        })
    }

    /// Loads the readers now (a server calls this on a background thread at start, so that
    /// the first upload's quick reading does not pay for it).
    pub fn warm(&self) {
        let _ = self.reader();
    }

    fn reader(&self) -> Result<&DocumentReader, VisionError> {
        self.reader
            .get_or_init(|| DocumentReader::load(&self.models_dir).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| VisionError::Unavailable(e.clone()))
    }
}

impl Vision for LazyDocumentReader {
    fn observe(
        &self,
        bytes: &[u8],
        wanted: Wanted,
        deadline: Instant,
    ) -> Result<ImageObservation, VisionError> {
        self.reader()?.observe(bytes, wanted, deadline)
    }
}

fn check(deadline: Instant) -> Result<(), VisionError> {
    if Instant::now() >= deadline {
        Err(VisionError::DeadlineExceeded)
    } else {
        Ok(())
    }
}

impl Vision for DocumentReader {
    fn observe(
        &self,
        bytes: &[u8],
        wanted: Wanted,
        deadline: Instant,
    ) -> Result<ImageObservation, VisionError> {
        let image = decode::decode(bytes)?;
        check(deadline)?;
        let (width, height) = (image.width(), image.height());
        let gray = image.to_luma8();
        drop(image);
        let quad = document::find_document(&gray);
        let flattened = quad
            .as_ref()
            .and_then(|q| document::rectify(&gray, q, MIN_DOCUMENT_WIDTH, MAX_DOCUMENT_WIDTH));
        let region = quad.map(|q| DocumentRegion {
            corners: q.corners,
            area_fraction: q.area() / (width as f32 * height as f32),
        });
        let whole;
        let page: &GrayImage = match &flattened {
            Some(flat) => flat,
            None => {
                whole = limit_width(&gray, MAX_DOCUMENT_WIDTH);
                &whole
            }
        };
        let measures = quality::measure(page);
        check(deadline)?;

        // An MRZ is cheap to look for: first, so that a back carrying one (TD1 cards) is
        // not also searched thoroughly for a barcode.
        let mut mrz_found = None;
        if wanted.mrz {
            mrz_found = self
                .mrz
                .read(page, deadline)
                .map_err(|_| VisionError::DeadlineExceeded)?;
            if mrz_found.is_none() && flattened.is_some() {
                // The outline may have been wrong: the whole photo.
                mrz_found = self
                    .mrz
                    .read(&limit_width(&gray, MAX_DOCUMENT_WIDTH), deadline)
                    .map_err(|_| VisionError::DeadlineExceeded)?;
            }
        }
        let mut barcode = None;
        if wanted.barcode {
            // Something MRZ-like on the back of a licence must not hide its barcode: with
            // an MRZ found, the barcode still gets a quick look.
            let effort = if mrz_found.is_some() {
                pdf417::Effort::Quick
            } else {
                pdf417::Effort::Thorough
            };
            barcode = pdf417::read_with(page, effort, deadline)
                .map_err(|_| VisionError::DeadlineExceeded)?;
            if barcode.is_none() && flattened.is_some() && mrz_found.is_none() {
                barcode = pdf417::read_with(&gray, pdf417::Effort::Quick, deadline)
                    .map_err(|_| VisionError::DeadlineExceeded)?;
            }
        }
        let mut printed = None;
        if wanted.text {
            if let Some(reader) = &self.text {
                printed = Some(
                    reader
                        .read(page, deadline)
                        .map_err(|_| VisionError::DeadlineExceeded)?,
                );
            }
        }
        check(deadline)?;
        Ok(ImageObservation {
            quality: ImageQuality {
                width,
                height,
                sharpness: measures.sharpness,
                brightness: measures.brightness,
                glare: measures.glare,
                document: region,
                // The document's own width in the photo (the readers may work on it enlarged).
                document_width: quad.map_or(page.width(), |q| q.size().0.round() as u32),
            },
            barcode,
            mrz: mrz_found,
            text: printed,
        })
    }
}

/// `image` scaled down to at most `max_width` pixels wide.
fn limit_width(image: &GrayImage, max_width: u32) -> GrayImage {
    if image.width() <= max_width {
        return image.clone();
    }
    let height =
        ((image.height() as f32 * max_width as f32 / image.width() as f32).round() as u32).max(1);
    image::imageops::resize(
        image,
        max_width,
        height,
        image::imageops::FilterType::Triangle,
    )
}
