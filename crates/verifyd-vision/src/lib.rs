//! verifyd-vision: what is in an image, and how sure. Decoding and orientation (`decode`),
//! finding and flattening the document (`document`), quality measures (`quality`), PDF417
//! barcodes (`pdf417`), machine-readable zones with verifyd's own OCR-B recogniser
//! (`mrz`), printed text (`text`) and faces (`face`). [`DocumentReader`] puts them together behind
//! `verifyd_checks::observation::Vision`. This crate knows nothing of sessions, HTTP or
//! SQL, and it never logs what an image contains.

pub mod decode;
pub mod document;
pub mod face;
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
    faces: Option<face::FaceReader>,
}

/// A reader or model that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("MRZ recogniser: {0}")]
    Mrz(String),
    #[error("text recogniser: {0}")]
    Text(#[from] models::ModelError),
    #[error("face reader: {0}")]
    Face(models::ModelError),
}

impl DocumentReader {
    /// Loads every reader. `models_dir` holds the text recogniser's model files (see
    /// `models`); the MRZ recogniser is built into the binary.
    pub fn load(models_dir: &std::path::Path) -> Result<Self, LoadError> {
        let mrz = mrz::MrzReader::load().map_err(|e| LoadError::Mrz(e.to_string()))?;
        let text = text::TextReader::load(models_dir)?;
        let faces = face::FaceReader::load(models_dir).map_err(LoadError::Face)?;
        Ok(Self {
            mrz,
            text: Some(text),
            faces: Some(faces),
        })
    }

    /// Readers without printed-text recognition and faces (fronts then read as
    /// unreadable, which never passes). For tests of the other readers.
    pub fn without_text() -> Result<Self, LoadError> {
        let mrz = mrz::MrzReader::load().map_err(|e| LoadError::Mrz(e.to_string()))?;
        Ok(Self {
            mrz,
            text: None,
            faces: None,
        })
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
            models::FACE_DETECTION,
            models::FACE_LANDMARKS,
            models::FACE_RECOGNITION,
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
        let mut other_mrz_readings = Vec::new();
        // Where the page's MRZ is, once looked for (`Some(None)`: looked, none).
        let mut zone_on_page: Option<Option<mrz::ZoneBounds>> = None;
        if wanted.mrz && wanted.closer_look {
            // Every zone read on the document and on the whole photo, most confident
            // first, without repeats.
            let mut readings = self
                .mrz
                .read_all(page, deadline)
                .map_err(|_| VisionError::DeadlineExceeded)?;
            if flattened.is_some() {
                for reading in self
                    .mrz
                    .read_all(&limit_width(&gray, MAX_DOCUMENT_WIDTH), deadline)
                    .map_err(|_| VisionError::DeadlineExceeded)?
                {
                    if !readings
                        .iter()
                        .any(|r| r.best_lines() == reading.best_lines())
                    {
                        readings.push(reading);
                    }
                }
            }
            let mut readings = readings.into_iter();
            mrz_found = readings.next();
            other_mrz_readings = readings.collect();
        } else if wanted.mrz {
            let located = self
                .mrz
                .read_located(page, deadline)
                .map_err(|_| VisionError::DeadlineExceeded)?;
            zone_on_page = Some(located.as_ref().map(|(_, zone)| *zone));
            mrz_found = located.map(|(reading, _)| reading);
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
                // The MRZ's letters must never be taken for the printed front's.
                let zone = match zone_on_page {
                    Some(zone) => zone,
                    None => self
                        .mrz
                        .read_located(page, deadline)
                        .map_err(|_| VisionError::DeadlineExceeded)?
                        .map(|(_, zone)| zone),
                };
                let lines = if wanted.closer_look {
                    reader.read_closer(page, zone, deadline)
                } else {
                    reader.read(page, zone, deadline)
                };
                printed = Some(lines.map_err(|_| VisionError::DeadlineExceeded)?);
            }
        }
        let mut faces = None;
        if wanted.faces {
            if let Some(reader) = &self.faces {
                faces = Some(
                    find_faces(reader, &gray, quad.as_ref(), flattened.as_ref(), deadline)
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
            other_mrz_readings,
            text: printed,
            faces,
        })
    }
}

/// Faces in the whole photo, and — when a document was found and none of those faces is
/// on it — on the flattened document (where a small printed portrait is larger and
/// level), turned upside down when nothing is found the right way up, then in the photo's
/// quarters (small faces). A face on the document says so, with its share of the
/// document's width.
fn find_faces(
    reader: &face::FaceReader,
    gray: &GrayImage,
    quad: Option<&document::Quad>,
    flattened: Option<&GrayImage>,
    deadline: Instant,
) -> Result<Vec<verifyd_checks::observation::FaceObservation>, face::Deadline> {
    let mut faces = reader.read(gray, deadline)?;
    if let Some(quad) = quad {
        let document_width = quad.size().0.max(1.0);
        for f in &mut faces {
            if quad.contains(f.center) {
                f.on_document = Some(f.width as f32 / document_width);
            }
        }
    }
    if let Some(page) = flattened {
        if faces.iter().all(|f| f.on_document.is_none()) {
            let page_width = page.width().max(1) as f32;
            let mut on_page = reader.read(page, deadline)?;
            if on_page.is_empty() {
                // A document photographed upside down: its portrait too.
                on_page = reader.read(&image::imageops::rotate180(page), deadline)?;
            }
            for mut f in on_page {
                f.on_document = Some(f.width as f32 / page_width);
                faces.push(f);
            }
        }
    } else if faces.is_empty() {
        faces = reader.read(&image::imageops::rotate180(gray), deadline)?;
    }
    if faces.is_empty() {
        // Small faces (a portrait on a card that fills little of the photo): the photo's
        // four overlapping quarters, each searched at the detector's full size.
        let (w, h) = gray.dimensions();
        let (tw, th) = ((w * 3 / 5).max(1), (h * 3 / 5).max(1));
        for (x, y) in [(0, 0), (w - tw, 0), (0, h - th), (w - tw, h - th)] {
            let tile = image::imageops::crop_imm(gray, x, y, tw, th).to_image();
            for mut f in reader.read(&tile, deadline)? {
                f.center = (f.center.0 + x as f32, f.center.1 + y as f32);
                if let Some(quad) = quad.filter(|q| q.contains(f.center)) {
                    f.on_document = Some(f.width as f32 / quad.size().0.max(1.0));
                }
                let duplicate =
                    faces
                        .iter()
                        .any(|g: &verifyd_checks::observation::FaceObservation| {
                            (g.center.0 - f.center.0).abs() < g.width as f32 / 2.0
                                && (g.center.1 - f.center.1).abs() < g.width as f32 / 2.0
                        });
                if !duplicate {
                    faces.push(f);
                }
            }
        }
    }
    Ok(faces)
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
