//! Reading the PDF417 barcode on the back of US and Canadian licences and ID cards, with
//! rxing's decoder and the pre-processing that phone photos need. ZXing-family decoders
//! scan row by row and tolerate only a few degrees of skew, so before giving up this
//! module straightens the bars (their angle is estimated from the image gradients, where
//! the barcode's long vertical bars dominate), enlarges small barcodes (modules under
//! 2 px), and finally tries a few rotations around the estimate. Every attempt checks the
//! deadline first. The payload is returned as bytes, exactly as encoded.

use image::imageops::{resize, FilterType};
use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{rotate_about_center_no_crop, Border, Interpolation};
use rxing::{BarcodeFormat, DecodeHints};
use std::time::Instant;

/// The deadline passed before a barcode was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline;

/// Images wider than this are scaled down for the first attempts (decoding time grows
/// with the pixel count; AAMVA barcodes stay readable at this size on a rectified card).
const WORKING_WIDTH: u32 = 1800;

fn decode_once(image: &GrayImage) -> Option<Vec<u8>> {
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    let result = rxing::helpers::detect_in_luma_slice_with_hints(
        image.as_raw(),
        image.width(),
        image.height(),
        Some(BarcodeFormat::PDF_417),
        &mut hints,
    )
    .ok()?;
    // PDF417 byte and text compaction carry AAMVA's ASCII (and Latin-1) payloads; rxing
    // returns them as text, one char per byte.
    let text = result.getText();
    if text.is_empty() {
        return None;
    }
    Some(
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
    )
}

fn rotated(image: &GrayImage, degrees: f32) -> GrayImage {
    rotate_about_center_no_crop(
        image,
        degrees.to_radians(),
        Interpolation::Bilinear,
        Border::Constant(Luma([255])),
    )
}

fn scaled(image: &GrayImage, factor: f32) -> GrayImage {
    let w = ((image.width() as f32 * factor).round() as u32).max(1);
    let h = ((image.height() as f32 * factor).round() as u32).max(1);
    resize(image, w, h, FilterType::CatmullRom)
}

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// As it is, straightened, and enlarged: for a second look at a whole photo.
    Quick,
    /// Also a sweep of rotations up to ±21°.
    Thorough,
}

/// Finds and decodes a PDF417 barcode in `image`.
pub fn read(image: &GrayImage, deadline: Instant) -> Result<Option<Vec<u8>>, Deadline> {
    read_with(image, Effort::Thorough, deadline)
}

/// [`read`] with a chosen effort.
pub fn read_with(
    image: &GrayImage,
    effort: Effort,
    deadline: Instant,
) -> Result<Option<Vec<u8>>, Deadline> {
    let working = if image.width() > WORKING_WIDTH {
        scaled(image, WORKING_WIDTH as f32 / image.width() as f32)
    } else {
        image.clone()
    };
    let mut attempts: Vec<Box<dyn Fn() -> GrayImage>> = Vec::new();
    let w = working.clone();
    attempts.push(Box::new(move || w.clone()));
    let skew = estimate_bar_skew(&working);
    if let Some(angle) = skew.filter(|a| a.abs() > 1.0) {
        let w = working.clone();
        attempts.push(Box::new(move || rotated(&w, -angle)));
    }
    if image.width() > WORKING_WIDTH {
        // The full resolution, for barcodes whose modules the scaling made too thin.
        let full = image.clone();
        attempts.push(Box::new(move || full.clone()));
    } else {
        let w = working.clone();
        let straighten = skew.unwrap_or(0.0);
        attempts.push(Box::new(move || scaled(&rotated(&w, -straighten), 2.0)));
    }
    // Around the estimated lean (which is what the sweep corrects when the estimate is a
    // little off), or around upright when there was none.
    let sweep: &[f32] = match (effort, skew) {
        (Effort::Quick, _) => &[],
        (Effort::Thorough, Some(_)) => &[3.0, -3.0, 6.0, -6.0],
        (Effort::Thorough, None) => &[3.0, -3.0, 6.0, -6.0, 10.0, -10.0, 15.0, -15.0],
    };
    for offset in sweep {
        let angle = offset + skew.map_or(0.0, |s| -s);
        let w = working.clone();
        attempts.push(Box::new(move || rotated(&w, angle)));
    }
    for attempt in attempts {
        if Instant::now() >= deadline {
            return Err(Deadline);
        }
        if let Some(payload) = decode_once(&attempt()) {
            return Ok(Some(payload));
        }
    }
    Ok(None)
}

/// The angle (degrees, clockwise positive) by which the dominant vertical strokes lean:
/// the peak of the gradient-orientation histogram near horizontal gradients, weighted by
/// gradient strength. `None` when no clear peak stands out.
pub fn estimate_bar_skew(image: &GrayImage) -> Option<f32> {
    let small;
    let source = if image.width() > 900 {
        small = scaled(image, 900.0 / image.width() as f32);
        &small
    } else {
        image
    };
    let gx = imageproc::gradients::horizontal_sobel(source);
    let gy = imageproc::gradients::vertical_sobel(source);
    // Bins of 0.5° over −45°..45° around horizontal gradients (vertical bars).
    let mut bins = [0f32; 181];
    for (px, py) in gx.pixels().zip(gy.pixels()) {
        let (x, y) = (f32::from(px[0]), f32::from(py[0]));
        let magnitude = (x * x + y * y).sqrt();
        if magnitude < 200.0 {
            continue;
        }
        // Fold to the gradient's axis: −90°..90° around +x.
        let mut angle = y.atan2(x).to_degrees();
        if angle > 90.0 {
            angle -= 180.0;
        } else if angle < -90.0 {
            angle += 180.0;
        }
        if angle.abs() <= 45.0 {
            let bin = ((angle + 45.0) * 2.0).round() as usize;
            bins[bin.min(180)] += magnitude;
        }
    }
    // Smooth, then take the peak.
    let smoothed: Vec<f32> = (0..bins.len())
        .map(|i| {
            let lo = i.saturating_sub(2);
            let hi = (i + 2).min(bins.len() - 1);
            bins[lo..=hi].iter().sum::<f32>()
        })
        .collect();
    let total: f32 = smoothed.iter().sum::<f32>() / 5.0;
    let (peak, &value) = smoothed
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    if total <= 0.0 || value / total < 0.05 {
        return None;
    }
    Some(peak as f32 / 2.0 - 45.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vertical bars leaning by `angle` degrees.
    fn bars(angle: f32) -> GrayImage {
        let straight = GrayImage::from_fn(600, 300, |x, _| {
            Luma([if (x / 6) % 3 == 0 { 20 } else { 230 }])
        });
        rotated(&straight, angle)
    }

    #[test]
    fn the_lean_of_vertical_bars_is_estimated() {
        for angle in [0.0f32, 4.0, -9.0, 15.0] {
            let found = estimate_bar_skew(&bars(angle)).unwrap();
            // Close enough for the decoder, which copes with a few degrees.
            assert!((found - angle).abs() <= 2.0, "{angle}: {found}");
        }
    }

    #[test]
    fn an_image_without_a_barcode_reads_nothing() {
        let blank = GrayImage::from_pixel(800, 500, Luma([200]));
        let far = Instant::now() + std::time::Duration::from_secs(30);
        assert_eq!(read(&blank, far), Ok(None));
    }

    #[test]
    fn a_passed_deadline_stops_the_search() {
        let blank = GrayImage::from_pixel(800, 500, Luma([200]));
        assert_eq!(read(&blank, Instant::now()), Err(Deadline));
    }
}
