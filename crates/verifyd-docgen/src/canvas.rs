//! Procedural card artwork: palettes, gradient + guilloche security backgrounds, the neutral
//! head-and-shoulders silhouette, pasted portraits, ghost images and signatures. Pixels only;
//! what goes where is `cards`' job.

use image::{imageops, Rgb, RgbImage};
use rand::Rng;

/// Colours of one design.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub bg1: [f32; 3],
    pub bg2: [f32; 3],
    /// Header band and titles.
    pub accent: [u8; 3],
    /// Small labels and field numbers.
    pub label: [u8; 3],
    /// Guilloche line colours.
    pub line1: [f32; 3],
    pub line2: [f32; 3],
    /// Field values.
    pub ink: [u8; 3],
}

/// bg1, bg2, accent, label, line1, line2.
type PaletteRow = ([u8; 3], [u8; 3], [u8; 3], [u8; 3], [u8; 3], [u8; 3]);

const PALETTES: &[PaletteRow] = &[
    // bg1, bg2, accent, label, line1, line2
    (
        [232, 238, 248],
        [248, 238, 214],
        [24, 62, 130],
        [170, 32, 36],
        [120, 150, 200],
        [210, 170, 90],
    ),
    (
        [230, 244, 234],
        [246, 246, 226],
        [18, 98, 58],
        [24, 72, 124],
        [110, 180, 130],
        [190, 190, 110],
    ),
    (
        [246, 232, 240],
        [232, 234, 250],
        [118, 36, 92],
        [118, 36, 92],
        [210, 140, 180],
        [140, 150, 220],
    ),
    (
        [248, 240, 224],
        [232, 242, 244],
        [140, 66, 18],
        [40, 80, 120],
        [220, 170, 110],
        [120, 180, 190],
    ),
    (
        [236, 238, 242],
        [246, 244, 234],
        [48, 58, 82],
        [150, 30, 30],
        [150, 160, 185],
        [190, 180, 140],
    ),
    (
        [226, 244, 244],
        [250, 240, 232],
        [0, 104, 116],
        [0, 84, 96],
        [100, 190, 190],
        [230, 170, 140],
    ),
    (
        [244, 238, 250],
        [236, 248, 240],
        [78, 44, 130],
        [120, 30, 60],
        [170, 140, 220],
        [130, 200, 160],
    ),
];

fn f3(c: [u8; 3]) -> [f32; 3] {
    [c[0] as f32, c[1] as f32, c[2] as f32]
}

pub fn palette<R: Rng + ?Sized>(rng: &mut R) -> Palette {
    let p = PALETTES[rng.gen_range(0..PALETTES.len())];
    let ink = [
        rng.gen_range(10..40),
        rng.gen_range(10..40),
        rng.gen_range(15..50),
    ];
    Palette {
        bg1: f3(p.0),
        bg2: f3(p.1),
        accent: p.2,
        label: p.3,
        line1: f3(p.4),
        line2: f3(p.5),
        ink,
    }
}

fn smooth(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// A pale gradient with two families of wavy guilloche lines and a rosette.
pub fn security_background<R: Rng + ?Sized>(
    w: u32,
    h: u32,
    pal: &Palette,
    rng: &mut R,
) -> RgbImage {
    let mut img = RgbImage::new(w, h);
    let angle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let (dx, dy) = (angle.cos(), angle.sin());
    let span = w as f32 * dx.abs() + h as f32 * dy.abs();
    let off = if dx < 0.0 { -(w as f32) * dx } else { 0.0 }
        + if dy < 0.0 { -(h as f32) * dy } else { 0.0 };
    let s1: f32 = rng.gen_range(7.0..13.0);
    let s2: f32 = rng.gen_range(9.0..16.0);
    let (a1, f1, p1) = (
        rng.gen_range(6.0..22.0f32),
        rng.gen_range(0.004..0.02f32),
        rng.gen_range(0.0..6.3f32),
    );
    let (a2, f2, p2) = (
        rng.gen_range(2.0..8.0f32),
        rng.gen_range(0.02..0.05f32),
        rng.gen_range(0.0..6.3f32),
    );
    let (b1, g1, q1) = (
        rng.gen_range(8.0..30.0f32),
        rng.gen_range(0.003..0.012f32),
        rng.gen_range(0.0..6.3f32),
    );
    let off1: Vec<f32> = (0..w)
        .map(|x| a1 * (x as f32 * f1 + p1).sin() + a2 * (x as f32 * f2 + p2).sin())
        .collect();
    let off2: Vec<f32> = (0..h).map(|y| b1 * (y as f32 * g1 + q1).sin()).collect();
    let alpha1: f32 = rng.gen_range(0.18..0.35);
    let alpha2: f32 = rng.gen_range(0.12..0.28);
    let (cx, cy) = (
        rng.gen_range(0.45..0.85) * w as f32,
        rng.gen_range(0.3..0.7) * h as f32,
    );
    let rr = rng.gen_range(0.18..0.3) * h as f32;
    let petals = rng.gen_range(6..14) as f32;
    let ring = rng.gen_range(5.0..9.0f32);
    for y in 0..h {
        let yf = y as f32;
        for x in 0..w {
            let xf = x as f32;
            let t = ((xf * dx + yf * dy + off) / span).clamp(0.0, 1.0);
            let mut c: [f32; 3] =
                std::array::from_fn(|i| pal.bg1[i] + (pal.bg2[i] - pal.bg1[i]) * t);
            let v1 = (yf + off1[x as usize]) / s1;
            let d1 = ((v1 - v1.floor()) - 0.5).abs() * s1;
            let i1 = (1.0 - d1 / 0.9).max(0.0) * alpha1;
            let v2 = (xf + off2[y as usize] + yf * 0.35) / s2;
            let d2 = ((v2 - v2.floor()) - 0.5).abs() * s2;
            let i2 = (1.0 - d2 / 0.8).max(0.0) * alpha2;
            let (rx, ry) = (xf - cx, yf - cy);
            let r2 = rx * rx + ry * ry;
            let mut i3 = 0.0;
            if r2 < rr * rr * 1.44 {
                let r = r2.sqrt();
                let th = ry.atan2(rx);
                let rm = (r + 0.12 * rr * (petals * th).sin()) / ring;
                let d3 = ((rm - rm.floor()) - 0.5).abs() * ring;
                i3 = (1.0 - d3 / 0.8).max(0.0) * 0.25 * (1.0 - smooth((r / rr - 1.0) * 2.5 + 0.5));
            }
            for ((v, l1), l2) in c.iter_mut().zip(pal.line1).zip(pal.line2) {
                *v = *v * (1.0 - i1) + l1 * i1;
                *v = *v * (1.0 - i2) + l2 * i2;
                *v = *v * (1.0 - i3) + l1 * i3;
            }
            img.put_pixel(x, y, Rgb([c[0] as u8, c[1] as u8, c[2] as u8]));
        }
    }
    img
}

/// Blends `alpha` of `color` over a pixel.
fn mix(p: &mut Rgb<u8>, color: [u8; 3], alpha: f32) {
    for (v, c) in p.0.iter_mut().zip(color) {
        *v = (*v as f32 * (1.0 - alpha) + c as f32 * alpha + 0.5) as u8;
    }
}

/// Fills a rectangle, blending `alpha` of `color` over what is there.
pub fn fill_rect(img: &mut RgbImage, [x, y, w, h]: [u32; 4], color: [u8; 3], alpha: f32) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            mix(img.get_pixel_mut(xx, yy), color, alpha);
        }
    }
}

/// A horizontal band shading from `color` to a slightly lighter tone.
pub fn band(img: &mut RgbImage, [x, y, w, h]: [u32; 4], color: [u8; 3]) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            let t = (xx - x) as f32 / w.max(1) as f32;
            let c = [
                (color[0] as f32 + (255.0 - color[0] as f32) * 0.25 * t) as u8,
                (color[1] as f32 + (255.0 - color[1] as f32) * 0.25 * t) as u8,
                (color[2] as f32 + (255.0 - color[2] as f32) * 0.25 * t) as u8,
            ];
            img.put_pixel(xx, yy, Rgb(c));
        }
    }
}

fn ellipse_cov(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    let (nx, ny) = ((x - cx) / rx, (y - cy) / ry);
    let f = (nx * nx + ny * ny).sqrt();
    let d = (f - 1.0) * rx.min(ry);
    (0.5 - d).clamp(0.0, 1.0)
}

/// A neutral grey head-and-shoulders silhouette on a light backdrop.
pub fn silhouette<R: Rng + ?Sized>(w: u32, h: u32, rng: &mut R) -> RgbImage {
    let (wf, hf) = (w as f32, h as f32);
    let bg_top: f32 = rng.gen_range(200.0..232.0);
    let tint: [f32; 3] = [
        rng.gen_range(-6.0..4.0),
        rng.gen_range(-3.0..4.0),
        rng.gen_range(0.0..12.0),
    ];
    let skin: f32 = rng.gen_range(120.0..165.0);
    let shirt: f32 = rng.gen_range(60.0..110.0);
    let hair: f32 = rng.gen_range(40.0..90.0);
    let head_rx = wf * rng.gen_range(0.19..0.23);
    let head_ry = hf * rng.gen_range(0.22..0.26);
    let head_cy = hf * rng.gen_range(0.37..0.42);
    let cx = wf * rng.gen_range(0.47..0.53);
    let long_hair = rng.gen_bool(0.4);
    let mut img = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
            let bg = bg_top - 18.0 * yf / hf;
            let mut v = [bg + tint[0], bg + tint[1], bg + tint[2]];
            let mut over = |val: f32, cov: f32| {
                for c in v.iter_mut() {
                    *c = *c * (1.0 - cov) + val * cov;
                }
            };
            if long_hair {
                let c = ellipse_cov(
                    xf,
                    yf,
                    cx,
                    head_cy + head_ry * 0.35,
                    head_rx * 1.3,
                    head_ry * 1.25,
                );
                // Shoulder-length: fades out softly below the chin.
                over(
                    hair,
                    c * smooth((head_cy + head_ry * 1.2 - yf) / 14.0 + 0.5),
                );
            }
            over(
                shirt,
                ellipse_cov(xf, yf, cx, hf * 1.08, wf * 0.5, hf * 0.34),
            );
            let neck = if (xf - cx).abs() < head_rx * 0.55 && yf > head_cy && yf < hf * 0.82 {
                1.0
            } else {
                0.0
            };
            over(skin - 12.0, neck);
            over(skin, ellipse_cov(xf, yf, cx, head_cy, head_rx, head_ry));
            // Hair: a crescent over the top of the head.
            let hair_cov = ellipse_cov(
                xf,
                yf,
                cx,
                head_cy - head_ry * 0.08,
                head_rx * 1.08,
                head_ry * 1.02,
            ) * (1.0
                - ellipse_cov(
                    xf,
                    yf,
                    cx,
                    head_cy + head_ry * 0.32,
                    head_rx * 1.0,
                    head_ry * 0.92,
                ));
            over(hair, hair_cov);
            img.put_pixel(x, y, Rgb([v[0] as u8, v[1] as u8, v[2] as u8]));
        }
    }
    img
}

/// Resizes `src` to cover `w`×`h` and crops the centre (upper-centre for portraits).
pub fn cover(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    let s = (w as f32 / src.width() as f32).max(h as f32 / src.height() as f32);
    let nw = ((src.width() as f32 * s).ceil() as u32).max(w);
    let nh = ((src.height() as f32 * s).ceil() as u32).max(h);
    let r = imageops::resize(src, nw, nh, imageops::FilterType::Triangle);
    let x = (nw - w) / 2;
    let y = (nh - h) / 3;
    imageops::crop_imm(&r, x, y, w, h).to_image()
}

/// Pastes `src` at `(x, y)`.
pub fn paste(img: &mut RgbImage, src: &RgbImage, x: u32, y: u32) {
    imageops::replace(img, src, x as i64, y as i64);
}

/// Blends a faint monochrome copy of `portrait` (a "ghost image") into `[x, y, w, h]`.
pub fn ghost(img: &mut RgbImage, portrait: &RgbImage, [x, y, w, h]: [u32; 4], tint: [u8; 3]) {
    let small = cover(portrait, w, h);
    for yy in 0..h {
        for xx in 0..w {
            let (px, py) = (x + xx, y + yy);
            if px >= img.width() || py >= img.height() {
                continue;
            }
            let s = small.get_pixel(xx, yy).0;
            let lum = (0.3 * s[0] as f32 + 0.59 * s[1] as f32 + 0.11 * s[2] as f32) / 255.0;
            // Light backdrop stays transparent; edges fade out.
            let edge = (xx.min(w - 1 - xx).min(yy).min(h - 1 - yy) as f32 / 10.0).min(1.0);
            let a = ((0.8 - lum) / 0.8).max(0.0) * 0.45 * edge;
            mix(img.get_pixel_mut(px, py), tint, a);
        }
    }
}

/// A cursive-looking scribble inside `[x, y, w, h]`.
pub fn signature<R: Rng + ?Sized>(
    img: &mut RgbImage,
    [x, y, w, h]: [u32; 4],
    ink: [u8; 3],
    rng: &mut R,
) {
    let (x0, y0, wf, hf) = (x as f32, y as f32, w as f32, h as f32);
    let loops = rng.gen_range(5.0..11.0f32);
    let amp = hf * rng.gen_range(0.18..0.3);
    let slant = rng.gen_range(0.1..0.45f32);
    let wobble = rng.gen_range(0.5..2.0f32);
    let phase = rng.gen_range(0.0..6.3f32);
    let len = (wf - 2.5 * amp) * rng.gen_range(0.6..0.95);
    let steps = (len * 6.0) as usize;
    let radius = rng.gen_range(1.1..1.8f32);
    let mut cov = vec![0f32; (w * h) as usize];
    for i in 0..steps {
        let t = i as f32 / steps as f32;
        let th = t * loops * std::f32::consts::TAU + phase;
        let env = (t * std::f32::consts::PI).sin().powf(0.3);
        let lx = amp * (0.6 + slant) + t * len + amp * 0.55 * th.cos() + slant * amp * th.sin();
        let ly = hf * 0.55
            - amp * env * th.sin() * (1.0 + 0.4 * (t * wobble * 6.3).sin())
            - hf * 0.12 * (t * 3.0 + phase).sin();
        let (px, py) = (lx, ly);
        let r = radius * (0.8 + 0.4 * (t * 17.0).sin().abs());
        let (minx, maxx) = (
            (px - r - 1.0).max(0.0) as u32,
            ((px + r + 1.0) as u32).min(w - 1),
        );
        let (miny, maxy) = (
            (py - r - 1.0).max(0.0) as u32,
            ((py + r + 1.0) as u32).min(h - 1),
        );
        for yy in miny..=maxy {
            for xx in minx..=maxx {
                let d = ((xx as f32 + 0.5 - px).powi(2) + (yy as f32 + 0.5 - py).powi(2)).sqrt();
                let c = (r + 0.5 - d).clamp(0.0, 1.0);
                let k = (yy * w + xx) as usize;
                cov[k] = cov[k].max(c);
            }
        }
    }
    for yy in 0..h {
        for xx in 0..w {
            let a = cov[(yy * w + xx) as usize] * 0.9;
            if a <= 0.0 {
                continue;
            }
            let (px, py) = ((x0 as u32) + xx, (y0 as u32) + yy);
            if px < img.width() && py < img.height() {
                mix(img.get_pixel_mut(px, py), ink, a);
            }
        }
    }
}

/// A thin rectangle outline.
pub fn frame(img: &mut RgbImage, [x, y, w, h]: [u32; 4], color: [u8; 3]) {
    let c = Rgb(color);
    for xx in x..(x + w).min(img.width()) {
        img.put_pixel(xx, y, c);
        if y + h - 1 < img.height() {
            img.put_pixel(xx, y + h - 1, c);
        }
    }
    for yy in y..(y + h).min(img.height()) {
        img.put_pixel(x, yy, c);
        if x + w - 1 < img.width() {
            img.put_pixel(x + w - 1, yy, c);
        }
    }
}
