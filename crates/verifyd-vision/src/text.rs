//! Reading the printed text of a document with the PP-OCRv4 models (text detection,
//! recognition and direction), run by `tract` in pure Rust. Detection finds the text
//! regions on the rectified document (a DB probability map, thresholded into boxes);
//! recognition reads each box (CTC over the model's character set, restricted to the
//! characters Latin-script documents print, so the Chinese-trained model never answers
//! with a Han character); boxes on one baseline are then joined into lines. A document
//! photographed upside down is turned when its machine-readable zone reads upside down,
//! or, on a document without one, when the direction model says most lines read upside
//! down.

use crate::models::{self, ModelError, ModelFile};
use crate::mrz::ZoneBounds;
use image::imageops::{resize, FilterType};
use image::{GrayImage, Luma};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tract_onnx::prelude::*;
use verifyd_checks::observation::TextLine;

/// The deadline passed while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline;

/// The detector's fixed input (width × height): a rectified card or passport page fits.
const DET_WIDTH: usize = 800;
const DET_HEIGHT: usize = 576;
/// The detector's input for a closer look (small print that the usual size merges,
/// misses or cuts): slower, and not better on every document, so only asked for when the
/// usual reading did not settle the decision.
const CLOSER_DET_WIDTH: usize = 1280;
const CLOSER_DET_HEIGHT: usize = 928;
/// Probability above which a pixel is text, and mean probability a box needs.
const DET_PIXEL_THRESHOLD: f32 = 0.3;
const DET_BOX_THRESHOLD: f32 = 0.5;
/// How far a detected box is grown (DB detects shrunk text kernels).
const UNCLIP_RATIO: f32 = 1.6;
/// Recognition input height, and the widths it is prepared for (a line is padded to the
/// next one; tract plans have fixed shapes, and each costs memory and start-up time).
const REC_HEIGHT: usize = 48;
const REC_WIDTHS: [usize; 4] = [160, 320, 640, 960];
const REC_MAX_WIDTH: usize = 960;
/// Direction classifier input.
const CLS_WIDTH: usize = 192;
const CLS_HEIGHT: usize = 48;
/// At most this many boxes are read (a card front has 15–40).
const MAX_BOXES: usize = 80;

type Plan = Arc<TypedRunnableModel>;

/// A text detector plan and its fixed input size.
struct Detector {
    plan: Plan,
    width: usize,
    height: usize,
}

pub struct TextReader {
    detector: Detector,
    /// The detector at the closer look's size.
    closer_detector: Detector,
    /// One plan per width of `REC_WIDTHS`.
    recognisers: Vec<Plan>,
    direction: Plan,
    /// Index → character of the recogniser's output (0 is the CTC blank).
    charset: Vec<char>,
    /// Whether each output index may be emitted.
    allowed: Vec<bool>,
}

fn invalid(name: &'static str) -> impl Fn(TractError) -> ModelError {
    move |e| ModelError::Invalid {
        name,
        detail: format!("{e:#}"),
    }
}

fn plan(
    file: ModelFile,
    bytes: &[u8],
    shape: impl FnOnce(&mut InferenceModel) -> TractResult<()>,
) -> Result<(Plan, InferenceModel), ModelError> {
    let mut model = tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .map_err(invalid(file.name))?;
    shape(&mut model).map_err(invalid(file.name))?;
    let runnable = model
        .clone()
        .into_optimized()
        .and_then(|m| m.into_runnable())
        .map_err(invalid(file.name))?;
    Ok((runnable, model))
}

/// Characters a Latin-script identity document prints.
fn printable(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || " .,-/'<:()&#".contains(c)
        || ('À'..='ÿ').contains(&c) && c != '×' && c != '÷'
}

impl TextReader {
    /// Loads and checks the three model files from `dir`.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let det_bytes = models::load(dir, models::TEXT_DETECTION)?;
        let rec_bytes = models::load(dir, models::TEXT_RECOGNITION)?;
        let cls_bytes = models::load(dir, models::TEXT_DIRECTION)?;
        let detector_of = |width: usize, height: usize| -> Result<Detector, ModelError> {
            let (plan, _) = plan(models::TEXT_DETECTION, &det_bytes, |m| {
                m.set_input_fact(0, f32::fact([1, 3, height, width]).into())
            })?;
            Ok(Detector {
                plan,
                width,
                height,
            })
        };
        let detector = detector_of(DET_WIDTH, DET_HEIGHT)?;
        let closer_detector = detector_of(CLOSER_DET_WIDTH, CLOSER_DET_HEIGHT)?;
        let mut recognisers = Vec::new();
        let mut rec_model = None;
        for width in REC_WIDTHS {
            let (plan, model) = plan(models::TEXT_RECOGNITION, &rec_bytes, |m| {
                m.set_input_fact(0, f32::fact([1, 3, REC_HEIGHT, width]).into())
            })?;
            recognisers.push(plan);
            rec_model = Some(model);
        }
        let rec_model = rec_model.expect("REC_WIDTHS is not empty");
        let (direction, _) = plan(models::TEXT_DIRECTION, &cls_bytes, |m| {
            m.set_input_fact(0, f32::fact([1, 3, CLS_HEIGHT, CLS_WIDTH]).into())
        })?;
        let listed = rec_model
            .properties
            .get("onnx.metadata_props.character")
            .and_then(|t| {
                t.try_as_plain_ram()
                    .ok()
                    .and_then(|v| v.to_scalar::<String>().ok().cloned())
            })
            .ok_or(ModelError::Invalid {
                name: models::TEXT_RECOGNITION.name,
                detail: "no character list in the model's metadata".into(),
            })?;
        // Index 0 is the CTC blank; then the listed characters; then a space.
        let mut charset = vec!['\0'];
        charset.extend(listed.lines().map(|l| l.chars().next().unwrap_or(' ')));
        charset.push(' ');
        let allowed = charset
            .iter()
            .enumerate()
            .map(|(i, &c)| i == 0 || printable(c))
            .collect();
        Ok(Self {
            detector,
            closer_detector,
            recognisers,
            direction,
            charset,
            allowed,
        })
    }

    /// The text of `page` (a rectified document, any size), line by line, top to bottom,
    /// leaving out text inside `mrz` (the page's machine-readable zone, when it has one).
    pub fn read(
        &self,
        page: &GrayImage,
        mrz: Option<ZoneBounds>,
        deadline: Instant,
    ) -> Result<Vec<TextLine>, Deadline> {
        let upright = self.upright(page, mrz, deadline)?;
        let boxes = match upright.boxes {
            Some(boxes) => boxes,
            None => self.detect(&self.detector, &upright.page, deadline)?,
        };
        let boxes = outside(boxes, upright.mrz);
        Ok(join_lines(self.recognise_all(
            &upright.page,
            &boxes,
            deadline,
        )?))
    }

    /// A closer look at `page`: text detected at a larger size, so that small print the
    /// usual reading merged with its neighbours, cut or missed gets boxes of its own. The
    /// lines come joined as [`read`](Self::read) joins them, followed by every box read on
    /// its own (a field that joining ran into a neighbour stands alone there).
    pub fn read_closer(
        &self,
        page: &GrayImage,
        mrz: Option<ZoneBounds>,
        deadline: Instant,
    ) -> Result<Vec<TextLine>, Deadline> {
        let upright = self.upright(page, mrz, deadline)?;
        let page = upright.page;
        let boxes = outside(
            self.detect(&self.closer_detector, &page, deadline)?,
            upright.mrz,
        );
        let read = self.recognise_all(&page, &boxes, deadline)?;
        let mut alone: Vec<TextLine> = read
            .iter()
            .map(|(_, text, confidence)| TextLine {
                text: text.clone(),
                confidence: *confidence,
            })
            .collect();
        // A code (a document number) read once more, drawn wider: the recogniser emits
        // one character per run of frames, so a doubled narrow letter (`JJ`) whose two
        // glyphs share no blank frame comes out single; wider, they get frames apart.
        for (b, text, _) in &read {
            if Instant::now() >= deadline {
                return Err(Deadline);
            }
            if !looks_like_code(text) {
                continue;
            }
            let narrow = crop(&page, b);
            let wide = resize(
                &narrow,
                (narrow.width() as f32 * CODE_STRETCH).round() as u32,
                narrow.height(),
                FilterType::Triangle,
            );
            if let Some((text, confidence)) = self.recognise(&wide) {
                alone.push(TextLine { text, confidence });
            }
        }
        let mut lines = join_lines(read);
        lines.extend(alone);
        Ok(lines)
    }

    /// `page` the right way up: turned by 180° when its machine-readable zone reads upside
    /// down (the zone's reader tried both ways, on a font made for machines), or, without
    /// a zone, when most of its lines read upside down; `mrz` is turned along. The usual
    /// detector's boxes come along when the page was not turned (they are still valid).
    fn upright<'a>(
        &self,
        page: &'a GrayImage,
        mrz: Option<ZoneBounds>,
        deadline: Instant,
    ) -> Result<Upright<'a>, Deadline> {
        let boxes = self.detect(&self.detector, page, deadline)?;
        let upside_down = match mrz {
            Some(zone) => zone.upside_down,
            None => self.mostly_upside_down(page, &boxes, deadline)?,
        };
        if upside_down {
            return Ok(Upright {
                page: Cow::Owned(image::imageops::rotate180(page)),
                mrz: mrz.map(|z| z.turned(page.width() as f32, page.height() as f32)),
                boxes: None,
            });
        }
        Ok(Upright {
            page: Cow::Borrowed(page),
            mrz,
            boxes: Some(boxes),
        })
    }

    fn recognise_all(
        &self,
        page: &GrayImage,
        boxes: &[TextBox],
        deadline: Instant,
    ) -> Result<Vec<(TextBox, String, f32)>, Deadline> {
        let boxes: Vec<TextBox> = boxes.iter().take(MAX_BOXES).copied().collect();
        let read_some = |mine: &[TextBox]| -> Result<Vec<(TextBox, String, f32)>, Deadline> {
            let mut read = Vec::new();
            for b in mine {
                if Instant::now() >= deadline {
                    return Err(Deadline);
                }
                if let Some((text, confidence)) = self.recognise(&crop(page, b)) {
                    if !text.trim().is_empty() {
                        read.push((*b, text, confidence));
                    }
                }
            }
            Ok(read)
        };
        // Recognition is most of a front's time: two threads share the boxes (the other
        // core is usually free once the back is read), interleaved so that both get
        // lines of every size.
        let even: Vec<TextBox> = boxes.iter().step_by(2).copied().collect();
        let odd: Vec<TextBox> = boxes.iter().skip(1).step_by(2).copied().collect();
        let (first, second) = std::thread::scope(|scope| {
            let helper = scope.spawn(|| read_some(&odd));
            let first = read_some(&even);
            let second = helper.join().unwrap_or(Err(Deadline));
            (first, second)
        });
        let mut read = first?;
        read.extend(second?);
        Ok(read)
    }

    /// Text boxes on `page`, in page pixels, top to bottom, found by `detector`.
    fn detect(
        &self,
        detector: &Detector,
        page: &GrayImage,
        deadline: Instant,
    ) -> Result<Vec<TextBox>, Deadline> {
        if Instant::now() >= deadline {
            return Err(Deadline);
        }
        let (det_width, det_height) = (detector.width, detector.height);
        let (pw, ph) = page.dimensions();
        let scale = (det_width as f32 / pw as f32).min(det_height as f32 / ph as f32);
        let (sw, sh) = (
            ((pw as f32 * scale).round() as u32).clamp(1, det_width as u32),
            ((ph as f32 * scale).round() as u32).clamp(1, det_height as u32),
        );
        let small = resize(page, sw, sh, FilterType::Triangle);
        let input =
            tract_ndarray::Array4::from_shape_fn((1, 3, det_height, det_width), |(_, _, y, x)| {
                let v = if (x as u32) < sw && (y as u32) < sh {
                    f32::from(small.get_pixel(x as u32, y as u32)[0])
                } else {
                    255.0
                };
                (v / 255.0 - 0.5) / 0.5
            });
        let Ok(outputs) = detector.plan.run(tvec!(Tensor::from(input).into())) else {
            return Ok(Vec::new());
        };
        let Ok(map) = outputs[0].to_plain_array_view::<f32>() else {
            return Ok(Vec::new());
        };
        let prob = |x: usize, y: usize| map[[0, 0, y, x]];
        // Text mask, slightly dilated, then its connected regions.
        let mask = GrayImage::from_fn(det_width as u32, det_height as u32, |x, y| {
            Luma([if prob(x as usize, y as usize) > DET_PIXEL_THRESHOLD {
                255
            } else {
                0
            }])
        });
        let mask =
            imageproc::morphology::dilate(&mask, imageproc::distance_transform::Norm::LInf, 1);
        let labels = imageproc::region_labelling::connected_components(
            &mask,
            imageproc::region_labelling::Connectivity::Eight,
            Luma([0u8]),
        );
        let mut regions: std::collections::HashMap<u32, (u32, u32, u32, u32, f32, u32)> =
            std::collections::HashMap::new();
        for (x, y, label) in labels.enumerate_pixels() {
            let l = label[0];
            if l == 0 {
                continue;
            }
            let p = prob(x as usize, y as usize);
            let e = regions.entry(l).or_insert((x, y, x, y, 0.0, 0));
            e.0 = e.0.min(x);
            e.1 = e.1.min(y);
            e.2 = e.2.max(x);
            e.3 = e.3.max(y);
            e.4 += p;
            e.5 += 1;
        }
        let mut boxes = Vec::new();
        for (x0, y0, x1, y1, sum, count) in regions.into_values() {
            let (w, h) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
            if w.min(h) < 3.0 || sum / count as f32 <= DET_BOX_THRESHOLD {
                continue;
            }
            // Grow the kernel back to the text's extent, as DB's unclip does.
            let grow = w * h * UNCLIP_RATIO / (2.0 * (w + h));
            let b = TextBox {
                x0: ((x0 as f32 - grow) / scale).max(0.0),
                y0: ((y0 as f32 - grow) / scale).max(0.0),
                x1: ((x1 as f32 + 1.0 + grow) / scale).min(pw as f32),
                y1: ((y1 as f32 + 1.0 + grow) / scale).min(ph as f32),
            };
            if b.width() >= 4.0 && b.height() >= 4.0 {
                boxes.push(b);
            }
        }
        boxes.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
        Ok(boxes)
    }

    /// Whether most of the widest boxes read upside down (direction model, confident).
    fn mostly_upside_down(
        &self,
        page: &GrayImage,
        boxes: &[TextBox],
        deadline: Instant,
    ) -> Result<bool, Deadline> {
        let mut widest: Vec<&TextBox> = boxes
            .iter()
            .filter(|b| b.width() > 2.0 * b.height())
            .collect();
        widest.sort_by(|a, b| b.width().total_cmp(&a.width()));
        let (mut up, mut down) = (0, 0);
        for b in widest.into_iter().take(5) {
            if Instant::now() >= deadline {
                return Err(Deadline);
            }
            let crop = crop(page, b);
            let (input, _) = line_tensor(&crop, CLS_WIDTH, &[CLS_WIDTH]);
            let Ok(out) = self.direction.run(tvec!(input.into())) else {
                continue;
            };
            let Ok(p) = out[0].to_plain_array_view::<f32>() else {
                continue;
            };
            if p[[0, 1]] > 0.9 {
                down += 1;
            } else {
                up += 1;
            }
        }
        Ok(down > up)
    }

    /// Reads one text box: its text and the mean probability of its characters.
    fn recognise(&self, crop: &GrayImage) -> Option<(String, f32)> {
        let (input, bucket) = line_tensor(crop, REC_MAX_WIDTH, &REC_WIDTHS);
        let out = self.recognisers[bucket].run(tvec!(input.into())).ok()?;
        let probs = out[0].to_plain_array_view::<f32>().ok()?;
        let shape = probs.shape().to_vec();
        if shape.len() != 3 || shape[2] != self.charset.len() {
            return None;
        }
        let (mut text, mut sum, mut count, mut previous) = (String::new(), 0f32, 0usize, 0usize);
        for t in 0..shape[1] {
            let (mut best, mut best_p) = (0usize, f32::MIN);
            for (k, ok) in self.allowed.iter().enumerate() {
                let p = probs[[0, t, k]];
                if *ok && p > best_p {
                    best = k;
                    best_p = p;
                }
            }
            if best != 0 && best != previous {
                text.push(self.charset[best]);
                sum += best_p;
                count += 1;
            }
            previous = best;
        }
        let confidence = if count == 0 { 0.0 } else { sum / count as f32 };
        Some((text, confidence))
    }
}

/// A page the right way up (see `TextReader::upright`).
struct Upright<'a> {
    page: Cow<'a, GrayImage>,
    mrz: Option<ZoneBounds>,
    /// The usual detector's boxes on `page`, when already known.
    boxes: Option<Vec<TextBox>>,
}

/// How much wider a code is drawn for its second reading in the closer look.
const CODE_STRETCH: f32 = 1.6;

/// A box that reads like a code: a run of at least six letters and digits with a digit
/// among them (document numbers), not words or dates.
fn looks_like_code(text: &str) -> bool {
    text.split_whitespace().any(|word| {
        let alnum = word.chars().filter(char::is_ascii_alphanumeric).count();
        alnum >= 6 && word.chars().any(|c| c.is_ascii_digit())
    })
}

/// An axis-aligned text box, in page pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TextBox {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl TextBox {
    fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    fn height(&self) -> f32 {
        self.y1 - self.y0
    }
}

/// The boxes whose centre is not inside `zone`.
fn outside(boxes: Vec<TextBox>, zone: Option<ZoneBounds>) -> Vec<TextBox> {
    match zone {
        None => boxes,
        Some(zone) => boxes
            .into_iter()
            .filter(|b| !zone.contains((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0))
            .collect(),
    }
}

fn crop(page: &GrayImage, b: &TextBox) -> GrayImage {
    let x = b.x0.floor().max(0.0) as u32;
    let y = b.y0.floor().max(0.0) as u32;
    let w = ((b.x1.ceil() as u32).min(page.width()) - x).max(1);
    let h = ((b.y1.ceil() as u32).min(page.height()) - y).max(1);
    image::imageops::crop_imm(page, x, y, w, h).to_image()
}

/// A line image as the recogniser (or direction model) takes it: 48 px high, the width
/// following the line's proportions up to `max_width`, padded to the narrowest of
/// `buckets` that holds it (returned with the tensor), normalised to −1..1, grey in three
/// channels.
fn line_tensor(crop: &GrayImage, max_width: usize, buckets: &[usize]) -> (Tensor, usize) {
    let ratio = crop.width() as f32 / crop.height().max(1) as f32;
    let width = ((REC_HEIGHT as f32 * ratio).ceil() as usize).clamp(8, max_width);
    let bucket = buckets
        .iter()
        .position(|&b| b >= width)
        .unwrap_or(buckets.len() - 1);
    let padded = buckets[bucket];
    let width = width.min(padded);
    let resized = resize(crop, width as u32, REC_HEIGHT as u32, FilterType::Triangle);
    let tensor =
        tract_ndarray::Array4::from_shape_fn((1, 3, REC_HEIGHT, padded), |(_, _, y, x)| {
            if x < width {
                (f32::from(resized.get_pixel(x as u32, y as u32)[0]) / 255.0 - 0.5) / 0.5
            } else {
                0.0
            }
        });
    (tensor.into(), bucket)
}

/// Joins boxes that sit on one baseline into lines (a name, a label and its value).
fn join_lines(mut read: Vec<(TextBox, String, f32)>) -> Vec<TextLine> {
    read.sort_by(|a, b| a.0.y0.total_cmp(&b.0.y0));
    let mut rows: Vec<Vec<(TextBox, String, f32)>> = Vec::new();
    for item in read {
        let row = rows.iter_mut().find(|row| {
            let first = &row[0].0;
            let overlap = (first.y1.min(item.0.y1) - first.y0.max(item.0.y0)).max(0.0);
            overlap > 0.6 * first.height().min(item.0.height())
        });
        match row {
            Some(row) => row.push(item),
            None => rows.push(vec![item]),
        }
    }
    let mut lines = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.0.x0.total_cmp(&b.0.x0));
        // Split a row where the gap between boxes is wide (separate columns).
        let mut current: Vec<(TextBox, String, f32)> = Vec::new();
        for item in row {
            if let Some(last) = current.last() {
                let gap = item.0.x0 - last.0.x1;
                if gap > 2.5 * last.0.height().max(item.0.height()) {
                    lines.push(merge(std::mem::take(&mut current)));
                }
            }
            current.push(item);
        }
        if !current.is_empty() {
            lines.push(merge(current));
        }
    }
    lines
}

fn merge(items: Vec<(TextBox, String, f32)>) -> TextLine {
    let chars: usize = items
        .iter()
        .map(|i| i.1.chars().count())
        .sum::<usize>()
        .max(1);
    let confidence = items
        .iter()
        .map(|i| i.2 * i.1.chars().count() as f32)
        .sum::<f32>()
        / chars as f32;
    TextLine {
        text: items.into_iter().map(|i| i.1).collect::<Vec<_>>().join(" "),
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_look_like_codes_and_words_and_dates_do_not() {
        for code in ["JJPWN6RY7", "DJS986581", "No. 51000878", "D1234-5678"] {
            assert!(looks_like_code(code), "{code}");
        }
        for other in [
            "KONINKRIJK DER NEDERLANDEN",
            "06 MAY 1993",
            "Document No.",
            "CLARK",
        ] {
            assert!(!looks_like_code(other), "{other}");
        }
    }
}
