//! Glyph rendering with ab_glyph: lines of OCR-B (or any font) as exact area coverage into an
//! `f32` plane, with per-glyph jitter, and stroke-weight changes applied at high resolution.

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use verifyd_vision::mrz::plane::Plane;

/// Debian's OCR-B variants used here (package fonts-ocr-b, public domain).
pub const OCRB_REGULAR: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
pub const OCRB_SHARP: &str = "/usr/share/fonts/opentype/ocr-b/OCRBS.otf";
/// Other fonts for the text printed above an MRZ in evaluation scenes.
pub const DISTRACTORS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
];

/// A font with the scale that gives a cap height of one pixel.
pub struct LoadedFont {
    pub font: FontVec,
    /// PxScale per pixel of cap height (from the outline of `H`).
    pub scale_per_cap: f32,
    /// Advance width per pixel of cap height.
    pub advance_per_cap: f32,
}

impl LoadedFont {
    pub fn load(path: &str) -> LoadedFont {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let font = FontVec::try_from_vec(data).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
        let id = font.glyph_id('H');
        let bounds = font.outline(id).expect("H has an outline").bounds;
        let cap_units = (bounds.max.y - bounds.min.y).abs();
        // At PxScale s, one font unit is s / height_unscaled pixels.
        let scale_per_cap = font.height_unscaled() / cap_units;
        let scaled = font.as_scaled(PxScale::from(scale_per_cap));
        let advance_per_cap = scaled.h_advance(id);
        LoadedFont {
            font,
            scale_per_cap,
            advance_per_cap,
        }
    }
}

/// Where a rendered glyph went.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub ch: char,
    /// Ink bounds along the line (pixels).
    pub x0: f32,
    pub x1: f32,
    /// The glyph's cell: pen position and advance.
    pub pen_x: f32,
    pub advance: f32,
}

/// Per-glyph placement noise: (dx, dy) in pixels and a scale factor.
pub type Jitter<'a> = &'a mut dyn FnMut() -> (f32, f32, f32);

/// Renders `text` with its baseline at `baseline`, starting at pen position `x`, with cap
/// height `cap` (pixels), adding coverage into `canvas` (clamped to 1). Returns the glyphs
/// placed (spaces are skipped but advance the pen).
pub fn render_line(
    font: &LoadedFont,
    text: &str,
    cap: f32,
    x: f32,
    baseline: f32,
    canvas: &mut Plane,
    jitter: Jitter<'_>,
) -> Vec<Placed> {
    let advance = font.advance_per_cap * cap;
    let mut placed = Vec::new();
    for (i, ch) in text.chars().enumerate() {
        let pen_x = x + i as f32 * advance;
        if ch == ' ' {
            continue;
        }
        let (dx, dy, s) = jitter();
        let scale = font.scale_per_cap * cap * s;
        // Keep the glyph centred in its cell when scaled.
        let shift = 0.5 * advance * (1.0 - s);
        let glyph = font.font.glyph_id(ch).with_scale_and_position(
            PxScale::from(scale),
            point(pen_x + shift + dx, baseline + dy),
        );
        let Some(outlined) = font.font.outline_glyph(glyph) else {
            continue;
        };
        let b = outlined.px_bounds();
        let (w, h) = (canvas.width as i64, canvas.height as i64);
        let mut ink = (f32::MAX, f32::MIN);
        outlined.draw(|gx, gy, c| {
            let px = b.min.x as i64 + gx as i64;
            let py = b.min.y as i64 + gy as i64;
            if c > 0.02 {
                ink.0 = ink.0.min(px as f32);
                ink.1 = ink.1.max(px as f32 + 1.0);
            }
            if px >= 0 && py >= 0 && px < w && py < h {
                let i = py as usize * canvas.width + px as usize;
                canvas.data[i] = (canvas.data[i] + c.min(1.0)).min(1.0);
            }
        });
        placed.push(Placed {
            ch,
            x0: ink.0,
            x1: ink.1,
            pen_x,
            advance,
        });
    }
    placed
}

/// Separable Gaussian blur in place (edges clamped). σ ≤ 0.2 does nothing.
pub fn gaussian_blur(p: &mut Plane, sigma: f32) {
    if sigma <= 0.2 {
        return;
    }
    let r = (3.0 * sigma).ceil() as usize;
    let kernel: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = i as f32 - r as f32;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let (w, h) = (p.width, p.height);
    // Horizontal: each row padded by repeating its ends, then one axpy per tap.
    let mut padded = vec![0.0f32; w + 2 * r];
    let mut tmp = vec![0.0f32; w * h];
    for y in 0..h {
        let row = &p.data[y * w..(y + 1) * w];
        padded[..r].fill(row[0]);
        padded[r..r + w].copy_from_slice(row);
        padded[r + w..].fill(row[w - 1]);
        let out = &mut tmp[y * w..(y + 1) * w];
        for (k, &kv) in kernel.iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(&padded[k..k + w]) {
                *o += kv * v;
            }
        }
    }
    // Vertical: one axpy of a whole row per tap.
    for y in 0..h {
        let out = &mut p.data[y * w..(y + 1) * w];
        out.fill(0.0);
        for (k, &kv) in kernel.iter().enumerate() {
            let yy = (y + k).saturating_sub(r).min(h - 1);
            for (o, &v) in out.iter_mut().zip(&tmp[yy * w..(yy + 1) * w]) {
                *o += kv * v;
            }
        }
    }
}

/// Changes the stroke weight of a coverage map: every edge moves outwards by `shift` pixels
/// (inwards when negative). Done by blurring and re-thresholding, which keeps the outline
/// shape; meant for high-resolution renders (cap height ≥ 40 px).
pub fn change_weight(p: &mut Plane, shift: f32, cap: f32) {
    if shift.abs() < 0.05 {
        return;
    }
    let sigma = (0.05 * cap).max(1.0);
    gaussian_blur(p, sigma);
    // A blurred straight edge is Φ(d/σ); the level Φ(−shift/σ) sits `shift` outside it.
    let level = phi(-shift / sigma);
    let soft = 0.08;
    for v in p.data.iter_mut() {
        *v = ((*v - level) / soft + 0.5).clamp(0.0, 1.0);
    }
}

/// The standard normal distribution function (Abramowitz–Stegun 26.2.17).
fn phi(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.231_641_9 * x.abs());
    let poly = t
        * (0.319_381_53
            + t * (-0.356_563_78 + t * (1.781_477_9 + t * (-1.821_256 + t * 1.330_274_4))));
    let tail = (-(x * x) / 2.0).exp() / (2.0 * std::f32::consts::PI).sqrt() * poly;
    if x >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}
