//! Measures of how usable an image is, computed on the (rectified) document at a fixed
//! reference width so that they do not depend on the camera's resolution: sharpness
//! (variance of the Laplacian), brightness (mean luma) and glare (share of blown-out
//! pixels).

use image::imageops::{resize, FilterType};
use image::GrayImage;

/// Width the document is scaled to before sharpness is measured.
pub const REFERENCE_WIDTH: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    pub sharpness: f32,
    pub brightness: f32,
    pub glare: f32,
}

pub fn measure(document: &GrayImage) -> Measures {
    let (w, h) = document.dimensions();
    let scaled;
    let reference = if w > REFERENCE_WIDTH {
        let height = ((h as f32 * REFERENCE_WIDTH as f32 / w as f32).round() as u32).max(1);
        scaled = resize(document, REFERENCE_WIDTH, height, FilterType::Triangle);
        &scaled
    } else {
        document
    };
    let laplacian = imageproc::filter::laplacian_filter(reference);
    let n = laplacian.len().max(1) as f64;
    let (mut sum, mut sum_sq) = (0f64, 0f64);
    for p in laplacian.pixels() {
        let v = f64::from(p[0]);
        sum += v;
        sum_sq += v * v;
    }
    let mean = sum / n;
    let sharpness = (sum_sq / n - mean * mean) as f32;
    let pixels = document.len().max(1) as f64;
    let brightness = (document.pixels().map(|p| f64::from(p[0])).sum::<f64>() / pixels) as f32;
    let glare = (document.pixels().filter(|p| p[0] >= 250).count() as f64 / pixels) as f32;
    Measures {
        sharpness,
        brightness,
        glare,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn stripes() -> GrayImage {
        GrayImage::from_fn(1200, 760, |x, _| {
            Luma([if (x / 4) % 2 == 0 { 40 } else { 210 }])
        })
    }

    #[test]
    fn blur_lowers_sharpness_and_white_areas_count_as_glare() {
        let sharp = measure(&stripes());
        let blurred = measure(&imageproc::filter::gaussian_blur_f32(&stripes(), 3.0));
        assert!(
            sharp.sharpness > 20.0 * blurred.sharpness,
            "{sharp:?} {blurred:?}"
        );
        assert!((sharp.brightness - 125.0).abs() < 2.0);
        assert_eq!(sharp.glare, 0.0);
        let mut glary = stripes();
        for y in 0..380 {
            for x in 0..600 {
                glary.put_pixel(x, y, Luma([255]));
            }
        }
        assert!((measure(&glary).glare - 0.25).abs() < 0.01);
    }
}
