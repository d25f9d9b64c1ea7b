//! Text drawing with ab_glyph, positioned by baseline (cards align fields on baselines), with
//! measuring, fitting to a width, fixed-pitch MRZ layout and ink boxes for the truth.

use ab_glyph::{Font, FontArc, Glyph, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

/// Width in pixels of `text` at `px`.
pub fn width(font: &FontArc, px: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Height of a capital H at `px` (for sizing text by cap height, as cards are specified).
pub fn cap_height(font: &FontArc, px: f32) -> f32 {
    let g: Glyph = font
        .glyph_id('H')
        .with_scale_and_position(PxScale::from(px), ab_glyph::point(0.0, 0.0));
    font.outline_glyph(g)
        .map(|o| o.px_bounds().height())
        .unwrap_or(px * 0.72)
}

/// The px size whose cap height is `cap`.
pub fn px_for_cap(font: &FontArc, cap: f32) -> f32 {
    let ratio = cap_height(font, 100.0) / 100.0;
    cap / ratio.max(0.3)
}

fn blend(img: &mut RgbImage, x: i32, y: i32, color: Rgb<u8>, a: f32) {
    if x < 0 || y < 0 || x >= img.width() as i32 || y >= img.height() as i32 {
        return;
    }
    let a = a.clamp(0.0, 1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for i in 0..3 {
        p.0[i] = (p.0[i] as f32 * (1.0 - a) + color.0[i] as f32 * a + 0.5) as u8;
    }
}

/// An ink bounding box accumulator.
#[derive(Clone, Copy, Debug)]
pub struct InkBox {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl InkBox {
    pub fn empty() -> InkBox {
        InkBox {
            x0: f32::MAX,
            y0: f32::MAX,
            x1: f32::MIN,
            y1: f32::MIN,
        }
    }
    pub fn add(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        self.x0 = self.x0.min(x0);
        self.y0 = self.y0.min(y0);
        self.x1 = self.x1.max(x1);
        self.y1 = self.y1.max(y1);
    }
    /// `[x, y, w, h]`, clamped to non-negative integers.
    pub fn rect(&self) -> [u32; 4] {
        if self.x0 > self.x1 {
            return [0, 0, 0, 0];
        }
        let x = self.x0.floor().max(0.0);
        let y = self.y0.floor().max(0.0);
        [
            x as u32,
            y as u32,
            (self.x1.ceil() - x).max(0.0) as u32,
            (self.y1.ceil() - y).max(0.0) as u32,
        ]
    }
}

fn draw_glyph(img: &mut RgbImage, font: &FontArc, g: Glyph, color: Rgb<u8>, ink: &mut InkBox) {
    if let Some(o) = font.outline_glyph(g) {
        let b = o.px_bounds();
        ink.add(b.min.x, b.min.y, b.max.x, b.max.y);
        o.draw(|gx, gy, cov| {
            blend(
                img,
                b.min.x as i32 + gx as i32,
                b.min.y as i32 + gy as i32,
                color,
                cov,
            )
        });
    }
}

/// Draws `text` with its baseline at `baseline` starting at `x`; returns the ink box.
/// `tracking` adds that many pixels between letters.
pub fn draw(
    img: &mut RgbImage,
    font: &FontArc,
    px: f32,
    (x, baseline): (f32, f32),
    text: &str,
    color: Rgb<u8>,
    tracking: f32,
) -> InkBox {
    let scale = PxScale::from(px);
    let f = font.as_scaled(scale);
    let mut pen = x;
    let mut prev = None;
    let mut ink = InkBox::empty();
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            pen += f.kern(p, id);
        }
        let g = id.with_scale_and_position(scale, ab_glyph::point(pen, baseline));
        draw_glyph(img, font, g, color, &mut ink);
        pen += f.h_advance(id) + tracking;
        prev = Some(id);
    }
    ink
}

/// Shrinks `px` until `text` fits in `max_width`.
pub fn fit(font: &FontArc, px: f32, text: &str, max_width: f32) -> f32 {
    let w = width(font, px, text);
    if w <= max_width || w <= 0.0 {
        px
    } else {
        px * max_width / w
    }
}

/// Draws each character centred in a fixed-pitch cell (MRZ layout).
pub fn draw_monospace(
    img: &mut RgbImage,
    font: &FontArc,
    px: f32,
    (x, baseline): (f32, f32),
    pitch: f32,
    text: &str,
    color: Rgb<u8>,
) -> InkBox {
    let scale = PxScale::from(px);
    let f = font.as_scaled(scale);
    let mut ink = InkBox::empty();
    for (i, c) in text.chars().enumerate() {
        let id = f.glyph_id(c);
        let adv = f.h_advance(id);
        let gx = x + i as f32 * pitch + (pitch - adv) / 2.0;
        let g = id.with_scale_and_position(scale, ab_glyph::point(gx, baseline));
        draw_glyph(img, font, g, color, &mut ink);
    }
    ink
}
