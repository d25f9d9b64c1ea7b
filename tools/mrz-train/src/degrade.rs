//! Phone-photo degradations on grey planes (0–255): uneven lighting, faint background
//! patterns, optical blur, sensor noise and JPEG compression.

use rand::rngs::StdRng;
use rand::Rng;
use verifyd_vision::mrz::plane::Plane;

use crate::render::gaussian_blur;

/// A standard normal sample (Box–Muller).
pub fn normal(rng: &mut StdRng) -> f32 {
    let u1: f32 = rng.gen_range(1e-7..1.0);
    let u2: f32 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Paper with ink: `paper − coverage·(paper − ink)`, with paper brightness varying linearly
/// over the image by up to `light_drop` (share) and an optional faint sinusoidal pattern.
pub fn compose(
    coverage: &Plane,
    paper: f32,
    ink: f32,
    light_drop: f32,
    pattern: f32,
    rng: &mut StdRng,
) -> Plane {
    let angle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let (ca, sa) = (angle.cos(), angle.sin());
    let diag =
        ((coverage.width * coverage.width + coverage.height * coverage.height) as f32).sqrt();
    let freq = rng.gen_range(0.05..0.3f32);
    let pangle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let (pc, ps) = (pangle.cos() * freq, pangle.sin() * freq);
    let mut out = Plane::new(coverage.width, coverage.height, 0.0);
    for y in 0..coverage.height {
        for x in 0..coverage.width {
            let t = ((x as f32 * ca + y as f32 * sa) / diag).abs().min(1.0);
            let light = 1.0 - light_drop * t;
            let pat = if pattern > 0.0 {
                pattern * (x as f32 * pc + y as f32 * ps).sin()
            } else {
                0.0
            };
            let p = (paper + pat) * light;
            let i = ink * light;
            let c = coverage.get(x, y);
            out.set(x, y, p - c * (p - i));
        }
    }
    out
}

pub fn blur(p: &mut Plane, sigma: f32) {
    gaussian_blur(p, sigma);
}

pub fn noise(p: &mut Plane, sigma: f32, rng: &mut StdRng) {
    if sigma <= 0.0 {
        return;
    }
    for v in p.data.iter_mut() {
        *v += sigma * normal(rng);
    }
}

/// Encodes as JPEG at `quality` and decodes again (through 8-bit grey).
pub fn jpeg(p: &Plane, quality: u8) -> Plane {
    let grey = p.to_gray();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&grey)
        .expect("JPEG encoding of an in-memory image");
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .unwrap_or_else(|e| {
            panic!(
                "decoding our own JPEG ({}x{}, {} bytes): {e}",
                grey.width(),
                grey.height(),
                bytes.len()
            )
        })
        .to_luma8();
    Plane::from_gray(&decoded)
}

/// Clamps to 0–255 (what a camera delivers).
pub fn clamp(p: &mut Plane) {
    for v in p.data.iter_mut() {
        *v = v.clamp(0.0, 255.0);
    }
}
