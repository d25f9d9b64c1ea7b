//! Faces: finding them, aligning them and describing them, with face-api's three nets
//! (MIT; converted to ONNX by `scripts/faceapi_onnx.py`, run by `tract`). The detector (a
//! Tiny-YOLOv2 on a 416×416 letterbox) gives boxes; the 68-point landmark net on each box
//! gives the eyes, from which the face is rotated level, scaled and cropped to a 150×150
//! chip of fixed geometry; the recognition net (dlib's ResNet) turns the chip into a
//! 128-number descriptor whose Euclidean distance to another is small for the same person.
//! Images are grey (three equal channels) on both sides of a comparison, as document
//! portraits often are. The decision — same person or not — is the engine's.

use crate::models::{self, ModelError, ModelFile};
use image::imageops::{resize, FilterType};
use image::GrayImage;
use std::sync::Arc;
use std::time::Instant;
use tract_onnx::prelude::*;
use verifyd_checks::observation::{FaceObservation, FACE_DESCRIPTOR_LEN};

/// The deadline passed while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline;

const DETECTOR_INPUT: usize = 416;
const DETECTOR_CELLS: usize = 13;
/// Tiny face detector anchors (width, height in cells), from face-api's `const.ts`.
const ANCHORS: [(f32, f32); 5] = [
    (1.603_231, 2.094_468),
    (6.041_143, 7.080_126),
    (2.882_459, 3.518_061),
    (4.266_906, 5.178_857),
    (9.041_765, 10.663_08),
];
const DETECTOR_MEAN: [f32; 3] = [117.001, 114.697, 97.404];
/// A detection counts above this score; boxes overlapping a better one by more than the
/// IoU are the same face.
const DETECTION_SCORE: f32 = 0.5;
const SAME_FACE_IOU: f32 = 0.4;
/// At most this many faces are described per image.
const MAX_FACES: usize = 4;

const LANDMARK_INPUT: usize = 112;
const CHIP: usize = 150;
/// Chip geometry: the distance between the eye centres as a share of the chip's width,
/// and the height of the eyes' midpoint as a share of its height (tuned on the tuning
/// identities, docs/accuracy.md).
const CHIP_EYE_DISTANCE: f32 = 0.30;
const CHIP_EYE_HEIGHT: f32 = 0.35;
const RECOGNITION_MEAN: [f32; 3] = [122.782, 117.001, 104.298];

type Plan = Arc<TypedRunnableModel>;

pub struct FaceReader {
    detector: Plan,
    landmarks: Plan,
    recogniser: Plan,
}

fn invalid(name: &'static str) -> impl Fn(TractError) -> ModelError {
    move |e| ModelError::Invalid {
        name,
        detail: format!("{e:#}"),
    }
}

fn plan(dir: &std::path::Path, file: ModelFile, side: usize) -> Result<Plan, ModelError> {
    let bytes = models::load(dir, file)?;
    tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, side, side]).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(invalid(file.name))
}

/// A face box in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
}

impl FaceBox {
    fn iou(&self, other: &FaceBox) -> f32 {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = (self.x + self.width).min(other.x + other.width);
        let y1 = (self.y + self.height).min(other.y + other.height);
        let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        let union = self.width * self.height + other.width * other.height - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

impl FaceReader {
    pub fn load(dir: &std::path::Path) -> Result<Self, ModelError> {
        Ok(Self {
            detector: plan(dir, models::FACE_DETECTION, DETECTOR_INPUT)?,
            landmarks: plan(dir, models::FACE_LANDMARKS, LANDMARK_INPUT)?,
            recogniser: plan(dir, models::FACE_RECOGNITION, CHIP)?,
        })
    }

    /// Every face in `image`, best first, each described.
    pub fn read(
        &self,
        image: &GrayImage,
        deadline: Instant,
    ) -> Result<Vec<FaceObservation>, Deadline> {
        let boxes = self.detect(image)?;
        let mut faces = Vec::new();
        for b in boxes.into_iter().take(MAX_FACES) {
            if Instant::now() >= deadline {
                return Err(Deadline);
            }
            if let Some(face) = self.describe(image, &b) {
                faces.push(face);
            }
        }
        Ok(faces)
    }

    /// Face boxes, best first, with overlapping duplicates removed.
    pub fn detect(&self, image: &GrayImage) -> Result<Vec<FaceBox>, Deadline> {
        let (w, h) = image.dimensions();
        let scale = DETECTOR_INPUT as f32 / w.max(h) as f32;
        let (sw, sh) = (
            ((w as f32 * scale).round() as u32).clamp(1, DETECTOR_INPUT as u32),
            ((h as f32 * scale).round() as u32).clamp(1, DETECTOR_INPUT as u32),
        );
        let small = resize(image, sw, sh, FilterType::Triangle);
        // The image at the top left of a square, the rest black (as face-api pads).
        let input = tract_ndarray::Array4::from_shape_fn(
            (1, 3, DETECTOR_INPUT, DETECTOR_INPUT),
            |(_, c, y, x)| {
                let v = if (x as u32) < sw && (y as u32) < sh {
                    f32::from(small.get_pixel(x as u32, y as u32)[0])
                } else {
                    0.0
                };
                (v - DETECTOR_MEAN[c]) / 255.0
            },
        );
        let Ok(out) = self.detector.run(tvec!(Tensor::from(input).into())) else {
            return Ok(Vec::new());
        };
        let Ok(map) = out[0].to_plain_array_view::<f32>() else {
            return Ok(Vec::new());
        };
        if map.shape() != [1, 25, DETECTOR_CELLS, DETECTOR_CELLS] {
            return Ok(Vec::new());
        }
        let cells = DETECTOR_CELLS as f32;
        let mut found = Vec::new();
        for row in 0..DETECTOR_CELLS {
            for col in 0..DETECTOR_CELLS {
                for (a, (aw, ah)) in ANCHORS.iter().enumerate() {
                    let v = |k: usize| map[[0, a * 5 + k, row, col]];
                    let score = sigmoid(v(4));
                    if score < DETECTION_SCORE {
                        continue;
                    }
                    let cx = (col as f32 + sigmoid(v(0))) / cells;
                    let cy = (row as f32 + sigmoid(v(1))) / cells;
                    let bw = v(2).exp() * aw / cells;
                    let bh = v(3).exp() * ah / cells;
                    let to_image = DETECTOR_INPUT as f32 / scale;
                    found.push(FaceBox {
                        x: (cx - bw / 2.0) * to_image,
                        y: (cy - bh / 2.0) * to_image,
                        width: bw * to_image,
                        height: bh * to_image,
                        score,
                    });
                }
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut kept: Vec<FaceBox> = Vec::new();
        for b in found {
            if kept.iter().all(|k| k.iou(&b) <= SAME_FACE_IOU) {
                kept.push(b);
            }
        }
        Ok(kept)
    }

    /// Landmarks, alignment and descriptor of one detected face.
    fn describe(&self, image: &GrayImage, face: &FaceBox) -> Option<FaceObservation> {
        let side = face.width.max(face.height);
        if side < 8.0 {
            return None;
        }
        // The face's neighbourhood, resampled so that the face is about `WORKING_FACE`
        // pixels wide (a proper downscale filter for large faces, upscaling for small ones).
        let (cx, cy) = (face.x + face.width / 2.0, face.y + face.height / 2.0);
        let scale = WORKING_FACE / side;
        let area = Neighbourhood::new(image, cx, cy, side, scale);
        let local = FaceBox {
            x: (face.x - area.x0) * scale,
            y: (face.y - area.y0) * scale,
            width: face.width * scale,
            height: face.height * scale,
            score: face.score,
        };
        let points = self.landmarks(&area.image, &local)?;
        let mean = |range: std::ops::Range<usize>| {
            let n = range.len() as f32;
            let (sx, sy) = range.fold((0.0, 0.0), |(sx, sy), i| {
                (sx + points[i].0, sy + points[i].1)
            });
            (sx / n, sy / n)
        };
        // The subject's right eye (on the image's left) and left eye.
        let left = mean(36..42);
        let right = mean(42..48);
        let chip = chip(&area.image, left, right);
        let input = tract_ndarray::Array4::from_shape_fn((1, 3, CHIP, CHIP), |(_, c, y, x)| {
            (f32::from(chip.get_pixel(x as u32, y as u32)[0]) - RECOGNITION_MEAN[c]) / 255.0
        });
        let out = self
            .recogniser
            .run(tvec!(Tensor::from(input).into()))
            .ok()?;
        let descriptor = out[0].to_plain_array_view::<f32>().ok()?;
        if descriptor.len() != FACE_DESCRIPTOR_LEN {
            return None;
        }
        let chip_quality = crate::quality::measure(&chip);
        let eye_distance = ((right.0 - left.0).powi(2) + (right.1 - left.1).powi(2)).sqrt() / scale;
        Some(FaceObservation {
            score: face.score,
            width: face.width.max(0.0).round() as u32,
            center: (cx, cy),
            on_document: None,
            eye_distance,
            sharpness: chip_quality.sharpness,
            brightness: chip_quality.brightness,
            descriptor: descriptor.iter().copied().collect(),
        })
    }

    /// The 68 landmarks of a face, in the pixels of `image`.
    fn landmarks(&self, image: &GrayImage, face: &FaceBox) -> Option<Vec<(f32, f32)>> {
        let side = face.width.max(face.height);
        let (cx, cy) = (face.x + face.width / 2.0, face.y + face.height / 2.0);
        let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
        let step = side / LANDMARK_INPUT as f32;
        let input = tract_ndarray::Array4::from_shape_fn(
            (1, 3, LANDMARK_INPUT, LANDMARK_INPUT),
            |(_, c, y, x)| {
                let v = sample(
                    image,
                    x0 + (x as f32 + 0.5) * step,
                    y0 + (y as f32 + 0.5) * step,
                );
                (v - RECOGNITION_MEAN[c]) / 255.0
            },
        );
        let out = self.landmarks.run(tvec!(Tensor::from(input).into())).ok()?;
        let p = out[0].to_plain_array_view::<f32>().ok()?;
        if p.len() != 136 {
            return None;
        }
        let p: Vec<f32> = p.iter().copied().collect();
        Some(
            (0..68)
                .map(|i| (x0 + p[2 * i] * side, y0 + p[2 * i + 1] * side))
                .collect(),
        )
    }
}

/// Width a face is resampled to before its landmarks and chip are taken.
const WORKING_FACE: f32 = 160.0;

/// A square around a face (twice its size), cut from the image and resampled; black
/// where it leaves the image.
struct Neighbourhood {
    image: GrayImage,
    /// The image pixel at the neighbourhood's (0, 0).
    x0: f32,
    y0: f32,
}

impl Neighbourhood {
    fn new(image: &GrayImage, cx: f32, cy: f32, side: f32, scale: f32) -> Self {
        let (x0, y0) = ((cx - side).floor(), (cy - side).floor());
        let span = (2.0 * side).ceil();
        let out = ((span * scale).round() as u32).max(1);
        let mut canvas = GrayImage::new(out, out);
        // Only the part inside the image is cut and resampled (never a full-size square,
        // which for a face filling a large photo would be huge).
        let (w, h) = (image.width() as f32, image.height() as f32);
        let (ix0, iy0) = (x0.max(0.0), y0.max(0.0));
        let (ix1, iy1) = ((x0 + span).min(w), (y0 + span).min(h));
        if ix1 - ix0 >= 1.0 && iy1 - iy0 >= 1.0 {
            let inside = image::imageops::crop_imm(
                image,
                ix0 as u32,
                iy0 as u32,
                (ix1 - ix0) as u32,
                (iy1 - iy0) as u32,
            )
            .to_image();
            let rw = ((inside.width() as f32 * scale).round() as u32).max(1);
            let rh = ((inside.height() as f32 * scale).round() as u32).max(1);
            let resized = resize(&inside, rw, rh, FilterType::Triangle);
            image::imageops::replace(
                &mut canvas,
                &resized,
                ((ix0 - x0) * scale).round() as i64,
                ((iy0 - y0) * scale).round() as i64,
            );
        }
        Self {
            image: canvas,
            x0,
            y0,
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Bilinear sample of `image` at (x, y); black outside.
fn sample(image: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = image.dimensions();
    let (x, y) = (x - 0.5, y - 0.5);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= w as f32 || yi >= h as f32 {
            0.0
        } else {
            f32::from(image.get_pixel(xi as u32, yi as u32)[0])
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The face rotated level (eyes on one row), scaled and cropped to the chip's geometry.
fn chip(image: &GrayImage, left_eye: (f32, f32), right_eye: (f32, f32)) -> GrayImage {
    let (dx, dy) = (right_eye.0 - left_eye.0, right_eye.1 - left_eye.1);
    let distance = (dx * dx + dy * dy).sqrt().max(1.0);
    let (cos, sin) = (dx / distance, dy / distance);
    // Source pixels per chip pixel.
    let step = distance / (CHIP_EYE_DISTANCE * CHIP as f32);
    let mid = (
        (left_eye.0 + right_eye.0) / 2.0,
        (left_eye.1 + right_eye.1) / 2.0,
    );
    GrayImage::from_fn(CHIP as u32, CHIP as u32, |u, v| {
        let cu = (u as f32 + 0.5 - CHIP as f32 / 2.0) * step;
        let cv = (v as f32 + 0.5 - CHIP_EYE_HEIGHT * CHIP as f32) * step;
        let x = mid.0 + cos * cu - sin * cv;
        let y = mid.1 + sin * cu + cos * cv;
        image::Luma([sample(image, x, y).round().clamp(0.0, 255.0) as u8])
    })
}
