//! Finding and reading machine-readable zones (ICAO 9303 TD1 3×30, TD2 2×36, TD3 2×44) with
//! verifyd's own OCR-B character recogniser.
//!
//! Stages (each in its own module; the deadline is checked between them):
//! - [`locate`]: Sauvola binarisation, connected components chained into long, dense text
//!   lines (±15° of skew), groups of 2–3 parallel, evenly spaced lines of equal length.
//! - [`segment`]: each line rectified into an upright strip of fixed body height,
//!   straightened, normalised; the cells from the periodic column profile (pitch, drift
//!   and phase at once), knowing how many characters the layout has.
//! - [`model`]: a tiny CNN trained by `tools/mrz-train` on degraded renders of Debian's
//!   OCR-B font gives each cell a probability for each of the 37 MRZ characters.
//! - here: the layout from the geometry (three lines are TD1; two lines are TD2 or TD3 by
//!   the number of pitches the ink spans), all lines of a zone read at one type size, and
//!   every zone read both ways up: turned by 180° a zone is located the same way, so "try
//!   180° if nothing is found upright" costs only a second pass of the recogniser over the
//!   same cells reversed; the more confident reading wins. Up to four candidate zones are
//!   read; the most confident wins, and a zone read with low confidence is not an MRZ. If
//!   nothing is found at a working size of 1200 px, a larger image is searched at 2400 px.
//!
//! It reports what it sees, with calibrated alternatives; it never checks check digits or
//! repairs characters (the MRZ parser in verifyd-checks does, where a check digit confirms).
//! It never logs what it reads. The `#[doc(hidden)]` modules are public only for the
//! training and evaluation tool.

#[doc(hidden)]
pub mod locate;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod plane;
#[doc(hidden)]
pub mod segment;

#[cfg(test)]
mod tests;

use std::time::Instant;

use verifyd_checks::observation::{MrzChar, MrzReading};

use model::{Activations, Net};
use plane::Plane;
use segment::Strip;

/// The recogniser's classes, in output order.
pub const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// The committed weights (format documented in [`model`]) and their manifest.
const WEIGHTS: &[u8] = include_bytes!("../../models/mrz/ocrb-cnn.bin");
const MANIFEST: &str = include_str!("../../models/mrz/manifest.txt");

/// Keep at most this many alternatives per character, each at least this probable.
const MAX_CANDIDATES: usize = 4;
const MIN_PROBABILITY: f32 = 0.01;
/// A zone whose characters are, on average, less likely than this is not an MRZ.
const MIN_MEAN_CONFIDENCE: f32 = 0.6;
/// A zone this confident ends the search.
const CONFIDENT: f32 = 0.97;
/// Candidate zones tried per working size.
const MAX_CANDIDATE_ZONES: usize = 4;

/// The committed weights could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzModelError {
    #[error("the MRZ model manifest has no sha256 for {0}")]
    Manifest(&'static str),
    #[error(
        "the MRZ model weights do not match their SHA-256 (expected {expected}, found {actual})"
    )]
    Checksum { expected: String, actual: String },
    #[error("the MRZ model weights are malformed: {0}")]
    Format(String),
}

/// The time budget ran out before the zone was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the MRZ could not be read within the time budget")]
pub struct MrzDeadline;

/// Reads machine-readable zones. Cheap to share (`&self`), no interior mutability.
#[derive(Debug, Clone)]
pub struct MrzReader {
    net: Net,
}

/// One read of one candidate zone.
struct Reading {
    lines: Vec<Vec<MrzChar>>,
    /// Mean probability of the best candidate over all characters.
    confidence: f32,
    /// Where the zone is in the image read.
    bounds: ZoneBounds,
}

/// The rectangle a machine-readable zone covers in the image it was read in (pixels,
/// with a margin of about a character around it): printed-text reading leaves it out, so
/// that the zone's letters never stand for the printed front.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneBounds {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// The zone's characters read upside down in that image (it was read both ways up,
    /// and the turned reading was the confident one): the document lies upside down.
    pub upside_down: bool,
}

impl ZoneBounds {
    fn around(lines: &[segment::LineGeometry], upside_down: bool) -> Self {
        let mut b = ZoneBounds {
            x0: f32::MAX,
            y0: f32::MAX,
            x1: f32::MIN,
            y1: f32::MIN,
            upside_down,
        };
        for l in lines {
            let margin = 1.5 * l.body;
            for (x, y) in [l.start, l.end] {
                b.x0 = b.x0.min(x - margin);
                b.y0 = b.y0.min(y - margin);
                b.x1 = b.x1.max(x + margin);
                b.y1 = b.y1.max(y + margin);
            }
        }
        b
    }

    /// Whether `(x, y)` is inside.
    pub fn contains(&self, x: f32, y: f32) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }

    /// The same rectangle in the image turned by 180° (`width` × `height`).
    pub fn turned(&self, width: f32, height: f32) -> Self {
        ZoneBounds {
            x0: width - self.x1,
            y0: height - self.y1,
            x1: width - self.x0,
            y1: height - self.y0,
            upside_down: !self.upside_down,
        }
    }
}

impl MrzReader {
    /// Loads the committed weights, verified against the SHA-256 in the manifest.
    pub fn load() -> Result<Self, MrzModelError> {
        let expected = manifest_sha256(MANIFEST, "ocrb-cnn.bin")
            .ok_or(MrzModelError::Manifest("ocrb-cnn.bin"))?;
        Self::from_weights(WEIGHTS, expected)
    }

    /// Loads weights from bytes, verified against `expected_sha256` (hex).
    #[doc(hidden)]
    pub fn from_weights(bytes: &[u8], expected_sha256: &str) -> Result<Self, MrzModelError> {
        let actual = crate::models::sha256_hex(bytes);
        if !actual.eq_ignore_ascii_case(expected_sha256.trim()) {
            return Err(MrzModelError::Checksum {
                expected: expected_sha256.trim().to_string(),
                actual,
            });
        }
        let net = Net::from_bytes(bytes).map_err(MrzModelError::Format)?;
        let alphabet: String = net.alphabet.iter().collect();
        if alphabet != ALPHABET || net.input_h != segment::CELL_H || net.input_w != segment::CELL_W
        {
            return Err(MrzModelError::Format(
                "the weights were trained for another input or alphabet".into(),
            ));
        }
        Ok(Self { net })
    }

    /// The loaded network (for the training tool's checks).
    #[doc(hidden)]
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// Finds and reads an MRZ in a greyscale image of a document (or a photo with the
    /// document in it, upright or upside down). `None` when there is no MRZ; `Err` once
    /// `deadline` has passed.
    pub fn read(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<Option<MrzReading>, MrzDeadline> {
        Ok(self
            .read_located(image, deadline)?
            .map(|(reading, _)| reading))
    }

    /// [`read`](Self::read), with where the zone is in `image`.
    pub fn read_located(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<Option<(MrzReading, ZoneBounds)>, MrzDeadline> {
        let readings = self.search(image, deadline, false)?;
        Ok(readings
            .into_iter()
            .next()
            .map(|b| (MrzReading { lines: b.lines }, b.bounds)))
    }

    /// A closer look: every zone read with enough confidence at both working sizes, most
    /// confident first (`read` stops at the first confident one). A reading whose check
    /// digits fail may have a neighbour that reads the zone right.
    pub fn read_all(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
    ) -> Result<Vec<MrzReading>, MrzDeadline> {
        let readings = self.search(image, deadline, true)?;
        Ok(readings
            .into_iter()
            .map(|b| MrzReading { lines: b.lines })
            .collect())
    }

    /// The readings of the candidate zones with at least [`MIN_MEAN_CONFIDENCE`], most
    /// confident first; unless `every` is set, only the first that settles the search.
    fn search(
        &self,
        image: &image::GrayImage,
        deadline: Instant,
        every: bool,
    ) -> Result<Vec<Reading>, MrzDeadline> {
        check(deadline)?;
        if image.width() < 32 || image.height() < 16 {
            return Ok(Vec::new());
        }
        let plane = Plane::from_gray(image);
        let longest = plane.width.max(plane.height);
        let mut best: Option<Reading> = None;
        let mut all: Vec<Reading> = Vec::new();
        for max_side in [1200usize, 2400] {
            if max_side > 1200 && longest <= 1200 {
                break;
            }
            let candidates = locate::locate(&plane, max_side);
            check(deadline)?;
            for candidate in candidates.iter().take(MAX_CANDIDATE_ZONES) {
                if let Some(reading) = self.read_zone(&plane, &candidate.lines, deadline)? {
                    if every {
                        if reading.confidence >= MIN_MEAN_CONFIDENCE {
                            all.push(reading);
                        }
                        continue;
                    }
                    if best
                        .as_ref()
                        .is_none_or(|b| reading.confidence > b.confidence)
                    {
                        best = Some(reading);
                    }
                }
                if best.as_ref().is_some_and(|b| b.confidence >= CONFIDENT) {
                    break;
                }
            }
            if best
                .as_ref()
                .is_some_and(|b| b.confidence >= MIN_MEAN_CONFIDENCE)
            {
                break;
            }
        }
        if every {
            all.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
            let mut distinct: Vec<Reading> = Vec::with_capacity(all.len());
            for reading in all {
                if !distinct.iter().any(|d| same_best(&d.lines, &reading.lines)) {
                    distinct.push(reading);
                }
            }
            return Ok(distinct);
        }
        Ok(best
            .filter(|b| b.confidence >= MIN_MEAN_CONFIDENCE)
            .into_iter()
            .collect())
    }

    /// Reads one candidate zone both ways up and keeps the more confident reading.
    fn read_zone(
        &self,
        plane: &Plane,
        lines: &[segment::LineGeometry],
        deadline: Instant,
    ) -> Result<Option<Reading>, MrzDeadline> {
        let mut strips = Vec::with_capacity(lines.len());
        for g in lines {
            match segment::prepare_line(plane, g) {
                Some(s) => strips.push(s),
                None => return Ok(None),
            }
        }
        check(deadline)?;
        // One type size per zone: a line whose body measured off the zone's median (one of
        // mostly `<` fillers measures small) is sampled again at the median.
        let bodies: Vec<f32> = strips
            .iter()
            .map(|s| s.geometry.body * s.body() / segment::BODY)
            .collect();
        let mut sorted = bodies.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[sorted.len() / 2];
        for (strip, body) in strips.iter_mut().zip(&bodies) {
            if (body / median - 1.0).abs() > 0.06 {
                if let Some(s) = segment::prepare_line_with_body(plane, &strip.geometry, median) {
                    *strip = s;
                }
            }
        }
        let Some(n) = layout(&strips) else {
            return Ok(None);
        };
        let mut cells: Vec<Vec<Vec<f32>>> = Vec::with_capacity(strips.len());
        for strip in &strips {
            let Some(grid) = segment::fit_grid(strip, n) else {
                return Ok(None);
            };
            cells.push(segment::cell_inputs(strip, &grid));
        }
        check(deadline)?;
        let upright = self.classify(&cells);
        // Upside down, the zone is the same grid turned by 180°: lines and cells in reverse
        // order, each cell's window (symmetric about the body) reversed.
        let turned: Vec<Vec<Vec<f32>>> = cells
            .iter()
            .rev()
            .map(|line| {
                line.iter()
                    .rev()
                    .map(|cell| cell.iter().rev().copied().collect())
                    .collect()
            })
            .collect();
        let upside_down = self.classify(&turned);
        check(deadline)?;
        let turned = upside_down.confidence > upright.confidence;
        let mut best = if turned { upside_down } else { upright };
        best.bounds = ZoneBounds::around(lines, turned);
        Ok(Some(best))
    }

    fn classify(&self, cells: &[Vec<Vec<f32>>]) -> Reading {
        let mut act = Activations::default();
        let mut total = 0.0;
        let mut count = 0usize;
        let lines = cells
            .iter()
            .map(|line| {
                line.iter()
                    .map(|input| {
                        let probs = self.net.probabilities(input, &mut act);
                        let ch = to_char(&self.net.alphabet, &probs);
                        total += ch.candidates[0].1;
                        count += 1;
                        ch
                    })
                    .collect()
            })
            .collect();
        Reading {
            lines,
            confidence: total / count.max(1) as f32,
            bounds: ZoneBounds {
                x0: 0.0,
                y0: 0.0,
                x1: 0.0,
                y1: 0.0,
                upside_down: false,
            },
        }
    }
}

/// Whether two readings have the same best characters everywhere.
fn same_best(a: &[Vec<MrzChar>], b: &[Vec<MrzChar>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.best() == q.best()))
}

fn check(deadline: Instant) -> Result<(), MrzDeadline> {
    if Instant::now() >= deadline {
        Err(MrzDeadline)
    } else {
        Ok(())
    }
}

/// The best candidates of one position, best first.
fn to_char(alphabet: &[char], probs: &[f32]) -> MrzChar {
    let mut ranked: Vec<(char, f32)> = alphabet
        .iter()
        .copied()
        .zip(probs.iter().copied())
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut candidates: Vec<(char, f32)> = ranked
        .iter()
        .copied()
        .take(MAX_CANDIDATES)
        .filter(|c| c.1 >= MIN_PROBABILITY)
        .collect();
    if candidates.is_empty() {
        candidates.push(ranked[0]);
    }
    MrzChar { candidates }
}

/// Characters per line from the geometry: three lines are TD1 (30); two lines are TD2 (36)
/// or TD3 (44), told apart by how many pitches the ink spans. `None` when the lines do not
/// hold a plausible MRZ line's worth of characters.
fn layout(strips: &[Strip]) -> Option<usize> {
    let counts: Vec<f32> = strips
        .iter()
        .map(|s| {
            let (pitch, _) = segment::measure_pitch(s);
            s.count_at_pitch(pitch)
        })
        .collect();
    let mean = counts.iter().sum::<f32>() / counts.len().max(1) as f32;
    let n = match strips.len() {
        3 => 30,
        2 if mean < 40.0 => 36,
        2 => 44,
        _ => return None,
    };
    let plausible = (mean / n as f32 - 1.0).abs() < 0.15;
    plausible.then_some(n)
}

/// The `sha256:` value of the manifest entry for `file` (lines `file: …` then `sha256: …`).
fn manifest_sha256<'a>(manifest: &'a str, file: &str) -> Option<&'a str> {
    let mut in_entry = false;
    for line in manifest.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "file" => in_entry = value.trim() == file,
            "sha256" if in_entry => return Some(value.trim()),
            _ => {}
        }
    }
    None
}
