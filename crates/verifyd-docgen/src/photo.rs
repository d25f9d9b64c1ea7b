//! Phone photos of a canonical card: a procedural desk background, a soft shadow, the card
//! placed with rotation and perspective (rounded corners, anti-aliased edges), lighting
//! falloff, glare, blur, sensor noise and JPEG compression, optionally stored rotated with an
//! EXIF Orientation tag. Also the geometry [`crate::legibility`] predicts from.

use image::codecs::jpeg::JpegEncoder;
use image::{imageops, Rgb, RgbImage};
use rand::Rng;

use crate::{Background, Difficulty, PhotoSpec};

/// How a card of a given size lands in a photo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhotoGeometry {
    pub width: u32,
    pub height: u32,
    /// Canonical-card pixels to photo pixels, before perspective.
    pub scale: f32,
    /// Lower bound of the local scale change perspective can cause (≤ 1).
    pub worst_case_factor: f32,
}

/// The photo's size and the card's scale in it. The card's rotated bounding box spans
/// `card_fraction` of the photo width unless that would not fit the (4:3) photo's height.
pub fn photo_geometry(card_w: u32, card_h: u32, photo: &PhotoSpec) -> PhotoGeometry {
    let width = photo.output_width.max(64);
    let height = (width * 3 / 4).max(48);
    let p = photo.perspective.clamp(0.0, 0.3);
    let th = photo.rotation_deg.to_radians();
    let (c, s) = (th.cos().abs(), th.sin().abs());
    let (cw, ch) = (card_w as f32, card_h as f32);
    let bbox_w = cw * c + ch * s;
    let bbox_h = cw * s + ch * c;
    let mut scale = photo.card_fraction.clamp(0.05, 1.0) * width as f32 / bbox_w;
    scale = scale.min(0.97 * height as f32 / (bbox_h * (1.0 + 2.0 * p)));
    scale = scale.min(0.99 * width as f32 / (bbox_w * (1.0 + 2.0 * p)));
    PhotoGeometry {
        width,
        height,
        scale,
        worst_case_factor: (1.0 - 2.0 * p).max(0.3),
    }
}

/// Fraction of the glare radius inside which the card is blown out.
pub const GLARE_CORE: f32 = 0.75;

fn glare_radii(r: f32, card_w: u32) -> (f32, f32) {
    let rx = r * card_w as f32;
    (rx, rx * 0.7)
}

/// Whether the blown-out core of `glare` overlaps the canonical box `[x, y, w, h]`.
pub fn glare_core_hits(
    (gx, gy, r): (f32, f32, f32),
    card_w: u32,
    card_h: u32,
    b: [u32; 4],
) -> bool {
    let (cx, cy) = (gx * card_w as f32, gy * card_h as f32);
    let (rx, ry) = glare_radii(r, card_w);
    let (rx, ry) = (rx * GLARE_CORE, ry * GLARE_CORE);
    let nx = cx.clamp(b[0] as f32, (b[0] + b[2]) as f32);
    let ny = cy.clamp(b[1] as f32, (b[1] + b[3]) as f32);
    let (dx, dy) = ((nx - cx) / rx.max(1e-3), (ny - cy) / ry.max(1e-3));
    dx * dx + dy * dy <= 1.0
}

/// Random photo settings for a difficulty (see the crate docs for the ranges).
pub fn random_photo<R: Rng + ?Sized>(rng: &mut R, difficulty: Difficulty) -> PhotoSpec {
    let background = match rng.gen_range(0..7) {
        0 | 1 => Background::Wood,
        2 => Background::Fabric,
        3 => Background::Granite,
        4 => Background::Dark,
        5 => Background::Light,
        _ => Background::Plain([
            rng.gen_range(40..220),
            rng.gen_range(40..220),
            rng.gen_range(40..220),
        ]),
    };
    let exif = |rng: &mut R, p: f64| {
        rng.gen_bool(p)
            .then(|| *[3u8, 6, 8].get(rng.gen_range(0..3)).unwrap_or(&6))
    };
    match difficulty {
        Difficulty::Easy => PhotoSpec {
            rotation_deg: rng.gen_range(-3.0..=3.0),
            perspective: rng.gen_range(0.0..=0.03),
            card_fraction: rng.gen_range(0.70..=0.92),
            output_width: rng.gen_range(1600..=2400),
            blur_sigma: rng.gen_range(0.0..=0.5),
            noise_sigma: rng.gen_range(0.0..=3.0),
            jpeg_quality: rng.gen_range(85..=95),
            glare: None,
            lighting_gradient: rng.gen_range(0.0..=0.15),
            background,
            upside_down: false,
            exif_orientation: None,
        },
        Difficulty::Typical => PhotoSpec {
            rotation_deg: rng.gen_range(-12.0..=12.0),
            perspective: rng.gen_range(0.0..=0.08),
            card_fraction: rng.gen_range(0.50..=0.90),
            output_width: rng.gen_range(1200..=3000),
            blur_sigma: rng.gen_range(0.0..=1.0),
            noise_sigma: rng.gen_range(1.0..=6.0),
            jpeg_quality: rng.gen_range(60..=90),
            // Upper right: away from barcodes (middle/bottom of backs) and MRZs (bottom).
            glare: rng.gen_bool(0.2).then(|| {
                (
                    rng.gen_range(0.6..=0.9),
                    rng.gen_range(0.08..=0.22),
                    rng.gen_range(0.06..=0.11),
                )
            }),
            lighting_gradient: rng.gen_range(0.0..=0.3),
            background,
            upside_down: rng.gen_bool(0.1),
            exif_orientation: exif(rng, 0.15),
        },
        Difficulty::Hard => PhotoSpec {
            rotation_deg: rng.gen_range(-30.0..=30.0),
            perspective: rng.gen_range(0.0..=0.15),
            card_fraction: rng.gen_range(0.35..=0.70),
            output_width: rng.gen_range(800..=1600),
            blur_sigma: rng.gen_range(0.0..=2.5),
            noise_sigma: rng.gen_range(3.0..=12.0),
            jpeg_quality: rng.gen_range(30..=70),
            glare: rng.gen_bool(0.4).then(|| {
                (
                    rng.gen_range(0.1..=0.9),
                    rng.gen_range(0.1..=0.9),
                    rng.gen_range(0.08..=0.2),
                )
            }),
            lighting_gradient: rng.gen_range(0.0..=0.5),
            background,
            upside_down: rng.gen_bool(0.25),
            exif_orientation: exif(rng, 0.3),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Backgrounds

/// Smooth value noise on a coarse random grid.
struct ValueNoise {
    grid: Vec<f32>,
    gw: usize,
    gh: usize,
    cell: f32,
}

impl ValueNoise {
    fn new<R: Rng + ?Sized>(rng: &mut R, w: u32, h: u32, cell: f32) -> ValueNoise {
        let gw = (w as f32 / cell) as usize + 3;
        let gh = (h as f32 / cell) as usize + 3;
        ValueNoise {
            grid: (0..gw * gh).map(|_| rng.gen::<f32>()).collect(),
            gw,
            gh,
            cell,
        }
    }
    /// Periodic (wraps around), so any coordinate is fine.
    fn at(&self, x: f32, y: f32) -> f32 {
        let (fx, fy) = (x / self.cell, y / self.cell);
        let (flx, fly) = (fx.floor(), fy.floor());
        let (tx, ty) = (fx - flx, fy - fly);
        let ix = (flx as i64).rem_euclid(self.gw as i64) as usize;
        let iy = (fly as i64).rem_euclid(self.gh as i64) as usize;
        let (ix1, iy1) = ((ix + 1) % self.gw, (iy + 1) % self.gh);
        let (tx, ty) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
        let g = |i: usize, j: usize| self.grid[j * self.gw + i];
        let a = g(ix, iy) + (g(ix1, iy) - g(ix, iy)) * tx;
        let b = g(ix, iy1) + (g(ix1, iy1) - g(ix, iy1)) * tx;
        a + (b - a) * ty
    }
}

fn background<R: Rng + ?Sized>(kind: Background, w: u32, h: u32, rng: &mut R) -> RgbImage {
    // Drawn at up to 560 px wide and enlarged (the desk is out of focus anyway; sensor noise
    // adds the fine grain later). Pattern coordinates are in a 1000-unit-wide frame.
    let lw = w.min(560);
    let lh = ((h as u64 * lw as u64 / w as u64) as u32).max(1);
    let unit = 1000.0 / lw as f32;
    let fh = (lh as f32 * unit) as u32 + 1;
    let big = ValueNoise::new(rng, 1000, fh, 160.0);
    let mid = ValueNoise::new(rng, 1000, fh, 28.0);
    let fine = ValueNoise::new(rng, 1000, fh, 4.0);
    let mut img = RgbImage::new(lw, lh);
    let wood_tones = [
        [150.0, 100.0, 60.0],
        [118.0, 78.0, 46.0],
        [188.0, 148.0, 100.0],
        [92.0, 62.0, 40.0],
    ];
    let tone = wood_tones[rng.gen_range(0..wood_tones.len())];
    let angle: f32 = rng.gen_range(-0.25..0.25);
    let grain_f: f32 = rng.gen_range(0.05..0.12);
    let plank: f32 = rng.gen_range(140.0..260.0);
    let fabric: [f32; 3] = [
        rng.gen_range(40.0..170.0),
        rng.gen_range(40.0..170.0),
        rng.gen_range(50.0..180.0),
    ];
    let dark: f32 = rng.gen_range(18.0..45.0);
    let light: f32 = rng.gen_range(215.0..242.0);
    let granite: f32 = rng.gen_range(90.0..170.0);
    for y in 0..lh {
        for x in 0..lw {
            let (xf, yf) = (x as f32 * unit, y as f32 * unit);
            let shade = 0.85 + 0.3 * big.at(xf, yf);
            let c: [f32; 3] = match kind {
                Background::Wood => {
                    let (ca, sa) = (angle.cos(), angle.sin());
                    let u = xf * ca + yf * sa;
                    let v = -xf * sa + yf * ca;
                    let ring = ((v + 30.0 * mid.at(u * 0.2, v)) * grain_f).sin();
                    let streak = fine.at(u * 0.05, v * 2.0);
                    let seam = ((v / plank).fract() - 0.5).abs() * plank;
                    let seam = if seam > plank * 0.5 - 1.5 { 0.55 } else { 1.0 };
                    let f = (0.82 + 0.1 * ring + 0.12 * streak) * seam * shade;
                    [tone[0] * f, tone[1] * f, tone[2] * f]
                }
                Background::Fabric => {
                    let weave = ((xf * 1.3).sin() * (yf * 1.3).sin()) * 0.06;
                    let f = (0.9 + weave + 0.1 * fine.at(xf, yf)) * shade;
                    [fabric[0] * f, fabric[1] * f, fabric[2] * f]
                }
                Background::Granite => {
                    let n = fine.at(xf, yf) * 0.6 + mid.at(xf, yf) * 0.4;
                    let speck = if fine.at(xf * 1.7 + 13.0, yf * 1.7) > 0.86 {
                        0.5
                    } else {
                        1.0
                    };
                    let f = (0.75 + 0.45 * n) * speck * shade;
                    [granite * f, granite * f * 0.98, granite * f * 0.95]
                }
                Background::Dark => {
                    let f = (0.9 + 0.2 * mid.at(xf, yf)) * shade;
                    [dark * f, dark * f, dark * f * 1.05]
                }
                Background::Light => {
                    let f = (0.96 + 0.04 * mid.at(xf, yf)) * (0.94 + 0.06 * big.at(xf, yf));
                    [light * f, light * f, light * f * 0.98]
                }
                Background::Plain(rgb) => {
                    let f = (0.95 + 0.05 * fine.at(xf, yf)) * shade;
                    [rgb[0] as f32 * f, rgb[1] as f32 * f, rgb[2] as f32 * f]
                }
            };
            img.put_pixel(
                x,
                y,
                Rgb([
                    c[0].clamp(0.0, 255.0) as u8,
                    c[1].clamp(0.0, 255.0) as u8,
                    c[2].clamp(0.0, 255.0) as u8,
                ]),
            );
        }
    }
    upscale(&img, w, h)
}

/// Fast bilinear enlargement.
fn upscale(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    if src.dimensions() == (w, h) {
        return src.clone();
    }
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let raw = src.as_raw();
    let (kx, ky) = (sw as f32 / w as f32, sh as f32 / h as f32);
    let xs: Vec<(usize, usize, f32)> = (0..w)
        .map(|x| {
            let u = ((x as f32 + 0.5) * kx - 0.5).max(0.0);
            let x0 = (u as usize).min(sw - 1);
            ((x0), (x0 + 1).min(sw - 1), u - x0 as f32)
        })
        .collect();
    let mut out = vec![0u8; (w * h * 3) as usize];
    for y in 0..h as usize {
        let v = ((y as f32 + 0.5) * ky - 0.5).max(0.0);
        let y0 = (v as usize).min(sh - 1);
        let y1 = (y0 + 1).min(sh - 1);
        let ty = v - y0 as f32;
        let (r0, r1) = (&raw[y0 * sw * 3..], &raw[y1 * sw * 3..]);
        let row = &mut out[y * w as usize * 3..(y + 1) * w as usize * 3];
        for (x, &(x0, x1, tx)) in xs.iter().enumerate() {
            for c in 0..3 {
                let a =
                    r0[x0 * 3 + c] as f32 + (r0[x1 * 3 + c] as f32 - r0[x0 * 3 + c] as f32) * tx;
                let b =
                    r1[x0 * 3 + c] as f32 + (r1[x1 * 3 + c] as f32 - r1[x0 * 3 + c] as f32) * tx;
                row[x * 3 + c] = (a + (b - a) * ty) as u8;
            }
        }
    }
    RgbImage::from_raw(w, h, out).expect("sized")
}

// ---------------------------------------------------------------------------------------
// Compositing

/// A plane projective map `(x, y) → (u, v)` fitted to four point pairs.
struct Homography([f64; 8]);

impl Homography {
    /// Solves the 8×8 system for the map sending `from[i]` to `to[i]` (identity if singular).
    fn from_points(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> Homography {
        let mut m = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (from[i].0 as f64, from[i].1 as f64);
            let (u, v) = (to[i].0 as f64, to[i].1 as f64);
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v, v];
        }
        for col in 0..8 {
            let pivot = (col..8)
                .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
                .unwrap_or(col);
            if m[pivot][col].abs() < 1e-12 {
                return Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
            }
            m.swap(col, pivot);
            let pivot_row = m[col];
            for (r, row) in m.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (v, pv) in row.iter_mut().zip(pivot_row).skip(col) {
                        *v -= f * pv;
                    }
                }
            }
        }
        let mut h = [0f64; 8];
        for (i, v) in h.iter_mut().enumerate() {
            *v = m[i][8] / m[i][i];
        }
        Homography(h)
    }
}

/// A convex quad as four edge lines `(ax, ay, nx, ny)` with inward unit normals, for signed
/// distances (positive inside).
struct Edges([(f32, f32, f32, f32); 4]);

impl Edges {
    fn new(q: &[(f32, f32); 4], orient: f32) -> Edges {
        let mut e = [(0.0, 0.0, 0.0, 0.0); 4];
        for (i, slot) in e.iter_mut().enumerate() {
            let (ax, ay) = q[i];
            let (bx, by) = q[(i + 1) % 4];
            let (ex, ey) = (bx - ax, by - ay);
            let len = (ex * ex + ey * ey).sqrt().max(1e-6);
            *slot = (ax, ay, -orient * ey / len, orient * ex / len);
        }
        Edges(e)
    }
    fn sd(&self, x: f32, y: f32) -> f32 {
        self.0
            .iter()
            .map(|&(ax, ay, nx, ny)| (x - ax) * nx + (y - ay) * ny)
            .fold(f32::MAX, f32::min)
    }
}

fn bilinear(img: &RgbImage, u: f32, v: f32) -> [f32; 3] {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let raw = img.as_raw();
    let (u, v) = (u - 0.5, v - 0.5);
    let (x0, y0) = (u.floor() as i32, v.floor() as i32);
    let (tx, ty) = (u - x0 as f32, v - y0 as f32);
    let px = |x: i32, y: i32| {
        let o = (y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize * 3;
        [raw[o], raw[o + 1], raw[o + 2]]
    };
    let (a, b, c, d) = if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
        let o = (y0 * w + x0) as usize * 3;
        let o2 = o + w as usize * 3;
        (
            [raw[o], raw[o + 1], raw[o + 2]],
            [raw[o + 3], raw[o + 4], raw[o + 5]],
            [raw[o2], raw[o2 + 1], raw[o2 + 2]],
            [raw[o2 + 3], raw[o2 + 4], raw[o2 + 5]],
        )
    } else {
        (
            px(x0, y0),
            px(x0 + 1, y0),
            px(x0, y0 + 1),
            px(x0 + 1, y0 + 1),
        )
    };
    let mut out = [0f32; 3];
    for i in 0..3 {
        let top = a[i] as f32 + (b[i] as f32 - a[i] as f32) * tx;
        let bot = c[i] as f32 + (d[i] as f32 - c[i] as f32) * tx;
        out[i] = top + (bot - top) * ty;
    }
    out
}

/// Separable Gaussian blur on 8-bit RGB.
fn blur(img: &RgbImage, sigma: f32) -> RgbImage {
    let r = (sigma * 3.0).ceil() as i32;
    let mut k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    let (w, h) = (img.width() as i32, img.height() as i32);
    let src = img.as_raw();
    let mut tmp = vec![0u8; src.len()];
    for y in 0..h {
        let row = (y * w * 3) as usize;
        for x in 0..w {
            let mut acc = [0f32; 3];
            for (j, kv) in k.iter().enumerate() {
                let xx = (x + j as i32 - r).clamp(0, w - 1);
                let o = row + (xx * 3) as usize;
                acc[0] += src[o] as f32 * kv;
                acc[1] += src[o + 1] as f32 * kv;
                acc[2] += src[o + 2] as f32 * kv;
            }
            let o = row + (x * 3) as usize;
            for c in 0..3 {
                tmp[o + c] = (acc[c] + 0.5) as u8;
            }
        }
    }
    let mut out = vec![0u8; src.len()];
    let stride = (w * 3) as usize;
    let mut acc = vec![0f32; stride];
    for y in 0..h {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for (j, kv) in k.iter().enumerate() {
            let yy = (y + j as i32 - r).clamp(0, h - 1) as usize;
            let row = &tmp[yy * stride..(yy + 1) * stride];
            for (a, &s) in acc.iter_mut().zip(row) {
                *a += s as f32 * kv;
            }
        }
        let o = y as usize * stride;
        for (d, a) in out[o..o + stride].iter_mut().zip(&acc) {
            *d = (a + 0.5) as u8;
        }
    }
    RgbImage::from_raw(w as u32, h as u32, out).expect("same size")
}

/// A table of standard normal samples for fast sensor noise.
fn normal_table<R: Rng + ?Sized>(rng: &mut R) -> Vec<f32> {
    (0..4096)
        .map(|_| {
            let u1: f32 = rng.gen_range(1e-7..1.0);
            let u2: f32 = rng.gen();
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        })
        .collect()
}

/// The minimal EXIF APP1 payload: `Exif\0\0`, a big-endian TIFF header, one IFD with the
/// Orientation tag (0x0112, SHORT).
pub fn exif_orientation_segment(orientation: u8) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&(orientation as u16).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\x00\x00");
    seg.extend_from_slice(&tiff);
    seg
}

/// Inserts an APP1 segment after SOI (and after a JFIF APP0 if there is one).
fn insert_app1(jpeg: Vec<u8>, seg: &[u8]) -> Vec<u8> {
    let mut at = 2;
    if jpeg.len() > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0 {
        at = 4 + u16::from_be_bytes([jpeg[4], jpeg[5]]) as usize;
    }
    let mut out = Vec::with_capacity(jpeg.len() + seg.len());
    out.extend_from_slice(&jpeg[..at]);
    out.extend_from_slice(seg);
    out.extend_from_slice(&jpeg[at..]);
    out
}

/// Photographs `card` (a canonical side from [`crate::render`]) and returns JPEG bytes.
pub fn photograph<R: Rng + ?Sized>(card: &RgbImage, photo: &PhotoSpec, rng: &mut R) -> Vec<u8> {
    let img = photograph_pixels(card, photo, rng);
    let img = match photo.exif_orientation {
        Some(3) => imageops::rotate180(&img),
        Some(6) => imageops::rotate270(&img),
        Some(8) => imageops::rotate90(&img),
        _ => img,
    };
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, photo.jpeg_quality.clamp(1, 100))
        .encode_image(&img)
        .expect("encoding a JPEG into memory cannot fail");
    match photo.exif_orientation {
        Some(o @ (3 | 6 | 8)) => insert_app1(buf, &exif_orientation_segment(o)),
        _ => buf,
    }
}

/// The photo as it should look once any EXIF orientation is applied (before JPEG).
pub fn photograph_pixels<R: Rng + ?Sized>(
    card: &RgbImage,
    photo: &PhotoSpec,
    rng: &mut R,
) -> RgbImage {
    let (cw, ch) = card.dimensions();
    let g = photo_geometry(cw, ch, photo);
    let (w, h) = (g.width, g.height);
    let mut img = background(photo.background, w, h, rng);

    // Work from a card already near the target size so downscaling does not alias.
    let (src, s_src) = if g.scale < 0.8 {
        let tw = ((cw as f32 * g.scale).round() as u32).max(8);
        let th = ((ch as f32 * g.scale).round() as u32).max(8);
        (
            imageops::resize(card, tw, th, imageops::FilterType::Triangle),
            g.scale,
        )
    } else {
        (card.clone(), 1.0)
    };
    let (sw, sh) = (src.width() as f32, src.height() as f32);
    let k = g.scale / s_src; // source pixels → photo pixels

    let mut theta = photo.rotation_deg.to_radians();
    if photo.upside_down {
        theta += std::f32::consts::PI;
    }
    let p = photo.perspective.clamp(0.0, 0.3);
    let (half_w, half_h) = (sw * k / 2.0, sh * k / 2.0);
    let bbox_w = 2.0 * (half_w * theta.cos().abs() + half_h * theta.sin().abs()) * (1.0 + 2.0 * p);
    let bbox_h = 2.0 * (half_w * theta.sin().abs() + half_h * theta.cos().abs()) * (1.0 + 2.0 * p);
    let slack_x = ((w as f32 - bbox_w) / 2.0).max(0.0) * 0.8;
    let slack_y = ((h as f32 - bbox_h) / 2.0).max(0.0) * 0.8;
    let cx = w as f32 / 2.0 + rng.gen_range(-slack_x..=slack_x);
    let cy = h as f32 / 2.0 + rng.gen_range(-slack_y..=slack_y);
    let (ct, st) = (theta.cos(), theta.sin());
    let src_pts = [(0.0, 0.0), (sw, 0.0), (sw, sh), (0.0, sh)];
    let mut dst = [(0f32, 0f32); 4];
    for (i, &(u, v)) in src_pts.iter().enumerate() {
        let (x, y) = ((u - sw / 2.0) * k, (v - sh / 2.0) * k);
        let jx = rng.gen_range(-p..=p) * sw * k;
        let jy = rng.gen_range(-p..=p) * sh * k;
        // Counter-clockwise on screen (y points down).
        dst[i] = (cx + x * ct + y * st + jx, cy - x * st + y * ct + jy);
    }
    let to_src = Homography::from_points(&dst, &src_pts);
    let area: f32 = (0..4)
        .map(|i| {
            let (a, b) = (dst[i], dst[(i + 1) % 4]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    let orient = if area >= 0.0 { 1.0 } else { -1.0 };

    // Shadow: a soft darkening offset down-right of the card.
    let shadow_off = (sw * k * 0.012 + 2.0, sh * k * 0.02 + 2.0);
    let shadow_r = (sw * k * 0.02).max(3.0);
    let shadow_q: [(f32, f32); 4] = dst.map(|(x, y)| (x + shadow_off.0, y + shadow_off.1));
    let minx = dst
        .iter()
        .chain(&shadow_q)
        .map(|p| p.0)
        .fold(f32::MAX, f32::min)
        - shadow_r
        - 2.0;
    let maxx = dst
        .iter()
        .chain(&shadow_q)
        .map(|p| p.0)
        .fold(f32::MIN, f32::max)
        + shadow_r
        + 2.0;
    let miny = dst
        .iter()
        .chain(&shadow_q)
        .map(|p| p.1)
        .fold(f32::MAX, f32::min)
        - shadow_r
        - 2.0;
    let maxy = dst
        .iter()
        .chain(&shadow_q)
        .map(|p| p.1)
        .fold(f32::MIN, f32::max)
        + shadow_r
        + 2.0;
    let corner_r = 0.0375 * sw.min(sh / 0.63);
    let glare = photo.glare.map(|(gx, gy, r)| {
        let (rx, ry) = glare_radii(r, sw as u32);
        (gx * sw, gy * sh, rx, ry)
    });
    let glare_strength: f32 = rng.gen_range(1.2..1.6);
    let card_edges = Edges::new(&dst, orient);
    let shadow_edges = Edges::new(&shadow_q, orient);
    let x0 = minx.max(0.0) as u32;
    let x1 = (maxx.ceil().max(0.0) as u32).min(w);
    let y0 = miny.max(0.0) as u32;
    let y1 = (maxy.ceil().max(0.0) as u32).min(h);
    let stride = w as usize * 3;
    let buf: &mut [u8] = &mut img;
    for y in y0..y1 {
        let yf = y as f32 + 0.5;
        let row = &mut buf[y as usize * stride..(y as usize + 1) * stride];
        // The map is linear in x along a row up to the common denominator.
        let hh = &to_src.0;
        let (y64, x64) = (yf as f64, x0 as f64 + 0.5);
        let mut nu = hh[0] * x64 + hh[1] * y64 + hh[2];
        let mut nv = hh[3] * x64 + hh[4] * y64 + hh[5];
        let mut den = hh[6] * x64 + hh[7] * y64 + 1.0;
        for x in x0..x1 {
            let xf = x as f32 + 0.5;
            let (u, v) = ((nu / den) as f32, (nv / den) as f32);
            nu += hh[0];
            nv += hh[3];
            den += hh[6];
            let sd = card_edges.sd(xf, yf);
            let px = &mut row[x as usize * 3..x as usize * 3 + 3];
            let mut base = [px[0] as f32, px[1] as f32, px[2] as f32];
            if sd < 1.0 {
                // The shadow only shows outside the card and under its anti-aliased edge.
                let sd_shadow = shadow_edges.sd(xf, yf);
                let shadow = ((sd_shadow + shadow_r) / (2.0 * shadow_r)).clamp(0.0, 1.0) * 0.45;
                if shadow <= 0.0 && sd <= -0.5 {
                    continue;
                }
                for b in base.iter_mut() {
                    *b *= 1.0 - shadow;
                }
            }
            let mut cov = (sd + 0.5).clamp(0.0, 1.0);
            if cov > 0.0 {
                // Rounded corners, in source pixels.
                let (du, dv) = (
                    (corner_r - u).max(u - (sw - corner_r)).max(0.0),
                    (corner_r - v).max(v - (sh - corner_r)).max(0.0),
                );
                if du > 0.0 && dv > 0.0 {
                    let d = (du * du + dv * dv).sqrt() - corner_r;
                    cov *= (0.5 - d * k).clamp(0.0, 1.0);
                }
                if cov > 0.0 {
                    let mut c = bilinear(&src, u, v);
                    if let Some((gx, gy, rx, ry)) = glare {
                        let (nx, ny) = ((u - gx) / rx, (v - gy) / ry);
                        let q = nx * nx + ny * ny;
                        if q < 3.0 {
                            let i = (-q * 2.0).exp() * glare_strength;
                            for ch in c.iter_mut() {
                                *ch += (300.0 - *ch) * i.min(1.0);
                            }
                        }
                    }
                    for i in 0..3 {
                        base[i] = base[i] * (1.0 - cov) + c[i] * cov;
                    }
                }
            }
            for i in 0..3 {
                px[i] = base[i].clamp(0.0, 255.0) as u8;
            }
        }
    }

    // Blur where there is detail (the card, its shadow and edges); the rest of the desk is
    // already smooth.
    if photo.blur_sigma >= 0.25 {
        let m = (photo.blur_sigma * 3.0).ceil() as u32 + 2;
        let (bx0, by0) = (x0.saturating_sub(m), y0.saturating_sub(m));
        let (bx1, by1) = ((x1 + m).min(w), (y1 + m).min(h));
        if bx1 > bx0 && by1 > by0 {
            let region = imageops::crop_imm(&img, bx0, by0, bx1 - bx0, by1 - by0).to_image();
            let blurred = blur(&region, photo.blur_sigma);
            imageops::replace(&mut img, &blurred, bx0 as i64, by0 as i64);
        }
    }
    // Lighting (a linear falloff in a random direction, exposure and a slight colour cast)
    // and sensor noise, in one pass.
    let la: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let (lx, ly) = (la.cos(), la.sin());
    let span = w as f32 * lx.abs() + h as f32 * ly.abs();
    let off = if lx < 0.0 { -(w as f32) * lx } else { 0.0 }
        + if ly < 0.0 { -(h as f32) * ly } else { 0.0 };
    let cast = [
        rng.gen_range(0.96..1.04f32),
        1.0,
        rng.gen_range(0.95..1.04f32),
    ];
    let lg = photo.lighting_gradient.clamp(0.0, 0.9);
    let exposure: f32 = rng.gen_range(0.97..1.05);
    let sigma = photo.noise_sigma.max(0.0);
    let table = normal_table(rng);
    let mut state: u64 = rng.gen::<u64>() | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        table[(state >> 52) as usize & 4095]
    };
    let stride = w as usize * 3;
    for (y, row) in img.chunks_mut(stride).enumerate() {
        let base = y as f32 * ly + off;
        for (x, p) in row.chunks_mut(3).enumerate() {
            let t = ((x as f32 * lx + base) / span).clamp(0.0, 1.0);
            let f = (1.0 - lg * t) * exposure;
            let l = if sigma > 0.0 {
                next() * sigma * 0.8
            } else {
                0.0
            };
            for (i, c) in p.iter_mut().enumerate() {
                let n = if sigma > 0.0 {
                    l + next() * sigma * 0.45
                } else {
                    0.0
                };
                *c = (*c as f32 * f * cast[i] + n).clamp(0.0, 255.0) as u8;
            }
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exif_segment_has_the_documented_layout() {
        let s = exif_orientation_segment(6);
        assert_eq!(&s[..2], &[0xFF, 0xE1]);
        assert_eq!(u16::from_be_bytes([s[2], s[3]]) as usize, s.len() - 2);
        assert_eq!(&s[4..10], b"Exif\0\0");
        assert_eq!(
            image::metadata::Orientation::from_exif_chunk(&s[10..]),
            image::metadata::Orientation::from_exif(6)
        );
    }

    #[test]
    fn glare_far_from_a_box_does_not_hit_it() {
        assert!(!glare_core_hits(
            (0.9, 0.1, 0.08),
            1000,
            600,
            [100, 300, 700, 200]
        ));
        assert!(glare_core_hits(
            (0.5, 0.6, 0.1),
            1000,
            600,
            [100, 300, 700, 200]
        ));
    }
}
