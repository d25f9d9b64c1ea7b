//! Synthetic document photos for evaluation and test fixtures: a TD1/TD2/TD3 document (paper
//! tone, faint pattern, a portrait block, printed fields in DejaVu, sometimes a short OCR-B
//! line, the MRZ at the bottom), photographed: perspective, rotation, optionally the whole
//! photo with a table around the document, optionally upside down, then blur, noise, uneven
//! lighting and JPEG.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use verifyd_vision::mrz::plane::Plane;

use crate::degrade::{self, normal};
use crate::mrzgen::{random_mrz, Layout};
use crate::render::{
    change_weight, render_line, LoadedFont, DISTRACTORS, OCRB_REGULAR, OCRB_SHARP,
};

pub struct SceneFonts {
    pub ocrb: LoadedFont,
    pub ocrb_sharp: LoadedFont,
    pub others: Vec<LoadedFont>,
}

impl SceneFonts {
    pub fn load() -> SceneFonts {
        SceneFonts {
            ocrb: LoadedFont::load(OCRB_REGULAR),
            ocrb_sharp: LoadedFont::load(OCRB_SHARP),
            others: DISTRACTORS.iter().map(|p| LoadedFont::load(p)).collect(),
        }
    }
}

/// How to photograph a scene.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    /// MRZ cap height in the final image (pixels).
    pub cap: f32,
    pub rotation_deg: f32,
    /// Corner displacement for perspective, as a share of the document size.
    pub perspective: f32,
    pub blur: f32,
    pub noise: f32,
    /// JPEG quality, or none.
    pub jpeg: Option<u8>,
    pub upside_down: bool,
    /// The document lies in a larger photo with a table around it.
    pub whole_photo: bool,
    /// Stroke weight change of the MRZ print, as a share of the cap height per edge.
    pub weight: f32,
    pub sharp_font: bool,
    /// Leave the MRZ out (a document without one).
    pub no_mrz: bool,
}

impl Shot {
    /// The evaluation's distribution of photos.
    pub fn random(rng: &mut StdRng) -> Shot {
        Shot {
            cap: rng.gen_range(14.0..40.0),
            rotation_deg: rng.gen_range(-8.0..8.0),
            perspective: rng.gen_range(0.0..0.03),
            blur: rng.gen_range(0.0..1.5),
            noise: rng.gen_range(0.0..8.0),
            jpeg: Some(rng.gen_range(40..=90)),
            upside_down: rng.gen_bool(0.15),
            whole_photo: rng.gen_bool(0.3),
            weight: rng.gen_range(-0.015..0.04),
            sharp_font: rng.gen_bool(0.3),
            no_mrz: false,
        }
    }
}

pub struct Scene {
    pub image: image::GrayImage,
    pub lines: Vec<String>,
}

/// Document size in millimetres.
fn size_mm(layout: Layout) -> (f32, f32) {
    match layout {
        Layout::Td1 => (85.6, 53.98),
        Layout::Td2 => (105.0, 74.0),
        Layout::Td3 => (125.0, 88.0),
    }
}

fn word(rng: &mut StdRng, min: usize, max: usize) -> String {
    let len = rng.gen_range(min..max);
    (0..len)
        .map(|_| char::from(b'A' + rng.gen_range(0..26u8)))
        .collect()
}

/// Renders the flat document at `px_per_mm` (grey, 0–255).
fn document(
    rng: &mut StdRng,
    fonts: &SceneFonts,
    layout: Layout,
    lines: &[String],
    px_per_mm: f32,
    shot: &Shot,
) -> Plane {
    let (w_mm, h_mm) = size_mm(layout);
    let (w, h) = (
        (w_mm * px_per_mm).round() as usize,
        (h_mm * px_per_mm).round() as usize,
    );
    let mrz_font = if shot.sharp_font {
        &fonts.ocrb_sharp
    } else {
        &fonts.ocrb
    };
    // MRZ: 2.54 mm pitch, so the cap follows from the font's advance.
    let cap = 2.54 / mrz_font.advance_per_cap * px_per_mm;
    let n = layout.width();
    let line_pitch = rng.gen_range(1.6..1.9f32) * cap;
    let x0 =
        (w as f32 - n as f32 * 2.54 * px_per_mm) / 2.0 + rng.gen_range(-0.8..0.8f32) * px_per_mm;
    let last_baseline = h as f32 - rng.gen_range(3.5..5.5f32) * px_per_mm;
    let first_baseline = last_baseline - (layout.lines() - 1) as f32 * line_pitch;
    let mut mrz = Plane::new(w, h, 0.0);
    let mut none = || (0.0, 0.0, 1.0);
    for (i, line) in lines.iter().enumerate() {
        render_line(
            mrz_font,
            line,
            cap,
            x0,
            first_baseline + i as f32 * line_pitch,
            &mut mrz,
            &mut none,
        );
    }
    change_weight(&mut mrz, shot.weight * cap, cap);
    // Printed fields above the MRZ, a portrait block, sometimes an OCR-B document number.
    let mut text = Plane::new(w, h, 0.0);
    let zone_top = first_baseline - cap - rng.gen_range(2.0..5.0f32) * px_per_mm;
    let photo_left = rng.gen_range(3.0..6.0f32) * px_per_mm;
    let photo_w = w as f32 * rng.gen_range(0.25..0.32);
    let photo_top = rng.gen_range(0.12..0.2f32) * h as f32;
    let photo_bottom = zone_top - rng.gen_range(1.0..4.0f32) * px_per_mm;
    let fields_left = photo_left + photo_w + rng.gen_range(3.0..6.0f32) * px_per_mm;
    let header = &fonts.others[1];
    render_line(
        header,
        &word(rng, 6, 12),
        rng.gen_range(2.5..4.0f32) * px_per_mm,
        fields_left,
        photo_top - rng.gen_range(1.0..2.5f32) * px_per_mm,
        &mut text,
        &mut none,
    );
    let mut y = photo_top + 2.0 * px_per_mm;
    while y < photo_bottom {
        let label_cap = rng.gen_range(1.2..1.8f32) * px_per_mm;
        let value_cap = rng.gen_range(1.8..3.0f32) * px_per_mm;
        let font = &fonts.others[rng.gen_range(0..fonts.others.len())];
        let label = format!("{} / {}", word(rng, 3, 8), word(rng, 3, 8));
        render_line(
            &fonts.others[0],
            &label,
            label_cap,
            fields_left,
            y,
            &mut text,
            &mut none,
        );
        y += value_cap + 1.5 * px_per_mm;
        if y > photo_bottom {
            break;
        }
        let value = if rng.gen_bool(0.15) {
            // A short OCR-B value, as some documents print their number.
            render_line(
                mrz_font,
                &word(rng, 9, 10),
                cap,
                fields_left,
                y,
                &mut text,
                &mut none,
            );
            y += 2.5 * px_per_mm + cap;
            continue;
        } else {
            let mut v = word(rng, 3, 10);
            if rng.gen_bool(0.4) {
                v.push(' ');
                v.push_str(&word(rng, 3, 8));
            }
            v
        };
        render_line(
            font,
            &value,
            value_cap,
            fields_left,
            y,
            &mut text,
            &mut none,
        );
        y += rng.gen_range(2.0..3.5f32) * px_per_mm + label_cap;
    }
    // Paper, pattern, portrait.
    let paper = rng.gen_range(170.0..245.0f32);
    let pattern = rng.gen_range(0.0..12.0f32);
    let freq = rng.gen_range(0.02..0.08f32) * 10.0 / px_per_mm;
    let text_ink = rng.gen_range(10.0..90.0f32);
    let mrz_ink = rng.gen_range(10.0..80.0f32);
    let portrait = rng.gen_range(60.0..140.0f32);
    let mut out = Plane::new(w, h, 0.0);
    for yy in 0..h {
        for xx in 0..w {
            let (xf, yf) = (xx as f32, yy as f32);
            // The pattern fades out over the MRZ's clear zone.
            let fade = ((zone_top - yf) / (4.0 * px_per_mm)).clamp(0.0, 1.0);
            let mut v = paper
                + pattern * fade * ((xf * freq).sin() * (yf * freq * 0.7 + xf * freq * 0.3).cos());
            if xf > photo_left && xf < photo_left + photo_w && yf > photo_top && yf < photo_bottom {
                let cx = (xf - photo_left) / photo_w - 0.5;
                let cy = (yf - photo_top) / (photo_bottom - photo_top) - 0.45;
                let face = (1.0 - (cx * cx * 6.0 + cy * cy * 3.5)).max(0.0);
                v = portrait + 60.0 * face;
            }
            let t = text.get(xx, yy);
            v = v - t * (v - text_ink);
            let m = mrz.get(xx, yy);
            v = v - m * (v - mrz_ink);
            out.set(xx, yy, v);
        }
    }
    out
}

/// Solves the homography taking `from[i]` to `to[i]` (8×8 linear system).
fn homography(from: [(f32, f32); 4], to: [(f32, f32); 4]) -> [f64; 9] {
    let mut m = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (from[i].0 as f64, from[i].1 as f64);
        let (u, v) = (to[i].0 as f64, to[i].1 as f64);
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let piv = (col..8)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .expect("rows");
        m.swap(col, piv);
        let pivot = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot[col];
                for (v, p) in row.iter_mut().zip(pivot.iter()).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut h = [0.0f64; 9];
    for i in 0..8 {
        h[i] = m[i][8] / m[i][i];
    }
    h[8] = 1.0;
    h
}

fn apply(h: &[f64; 9], x: f32, y: f32) -> (f32, f32) {
    let (x, y) = (x as f64, y as f64);
    let w = h[6] * x + h[7] * y + h[8];
    (
        ((h[0] * x + h[1] * y + h[2]) / w) as f32,
        ((h[3] * x + h[4] * y + h[5]) / w) as f32,
    )
}

/// Renders and photographs one scene.
pub fn render(seed: u64, fonts: &SceneFonts, layout: Layout, shot: Shot) -> Scene {
    let mut rng = StdRng::seed_from_u64(seed);
    let lines = if shot.no_mrz {
        Vec::new()
    } else {
        random_mrz(&mut rng, layout)
    };
    let font = if shot.sharp_font {
        &fonts.ocrb_sharp
    } else {
        &fonts.ocrb
    };
    // Final pixels per mm so the MRZ cap is shot.cap; the flat document is drawn at twice that.
    let px_per_mm = shot.cap * font.advance_per_cap / 2.54;
    let oversample = 2.0;
    let doc = document(
        &mut rng,
        fonts,
        layout,
        &lines,
        px_per_mm * oversample,
        &shot,
    );
    let (dw, dh) = (
        doc.width as f32 / oversample,
        doc.height as f32 / oversample,
    );
    // Where the document's corners land in the photo.
    let (pw, ph, offset) = if shot.whole_photo {
        let f = rng.gen_range(1.25..1.6f32);
        let (pw, ph) = (dw * f, dh * f);
        (pw, ph, ((pw - dw) / 2.0, (ph - dh) / 2.0))
    } else {
        let m = rng.gen_range(-0.02..0.03f32) * dw;
        (dw + 2.0 * m, dh + 2.0 * m, (m, m))
    };
    let (cx, cy) = (pw / 2.0, ph / 2.0);
    let theta = shot.rotation_deg.to_radians()
        + if shot.upside_down {
            std::f32::consts::PI
        } else {
            0.0
        };
    let (c, s) = (theta.cos(), theta.sin());
    let corners_doc = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
    let mut corners_photo = [(0.0f32, 0.0f32); 4];
    for (i, &(x, y)) in corners_doc.iter().enumerate() {
        let (x, y) = (x + offset.0 - cx, y + offset.1 - cy);
        let jitter = (
            shot.perspective * dw * normal(&mut rng).clamp(-1.5, 1.5),
            shot.perspective * dh * normal(&mut rng).clamp(-1.5, 1.5),
        );
        corners_photo[i] = (cx + c * x - s * y + jitter.0, cy + s * x + c * y + jitter.1);
    }
    // The photo must hold the rotated document when it is the whole frame.
    let (mut minx, mut miny, mut maxx, mut maxy) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in &corners_photo {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    }
    // A cropped document is framed tightly (up to 1 % cut off, up to 3 % of margin).
    let (pw, ph, shift) = if shot.whole_photo {
        let pad = rng.gen_range(0.05..0.3f32) * dw;
        (
            maxx - minx + 2.0 * pad,
            maxy - miny + 2.0 * pad,
            (pad - minx, pad - miny),
        )
    } else if shot.rotation_deg.abs() > 0.0 || shot.perspective > 0.0 {
        let pad = rng.gen_range(-0.01..0.03f32) * dw;
        (
            maxx - minx + 2.0 * pad,
            maxy - miny + 2.0 * pad,
            (pad - minx, pad - miny),
        )
    } else {
        (pw, ph, (0.0, 0.0))
    };
    for p in corners_photo.iter_mut() {
        p.0 += shift.0;
        p.1 += shift.1;
    }
    let doc_corners_os = corners_doc.map(|(x, y)| (x * oversample, y * oversample));
    let h = homography(corners_photo, doc_corners_os);
    let (w, hh) = (pw.round() as usize, ph.round() as usize);
    let table = rng.gen_range(40.0..130.0f32);
    let mut photo = Plane::new(w, hh, 0.0);
    for y in 0..hh {
        for x in 0..w {
            let mut sum = 0.0;
            for j in 0..2 {
                for i in 0..2 {
                    let (u, v) = apply(
                        &h,
                        x as f32 + 0.25 + 0.5 * i as f32,
                        y as f32 + 0.25 + 0.5 * j as f32,
                    );
                    sum += if u >= 0.0 && v >= 0.0 && u < doc.width as f32 && v < doc.height as f32
                    {
                        doc.bilinear(u, v)
                    } else {
                        table + 10.0 * ((x as f32 * 0.05).sin() + (y as f32 * 0.031).cos())
                    };
                }
            }
            photo.set(x, y, sum / 4.0);
        }
    }
    // Uneven lighting.
    let drop = rng.gen_range(0.0..0.25f32);
    let angle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let diag = ((w * w + hh * hh) as f32).sqrt();
    for y in 0..hh {
        for x in 0..w {
            let t = ((x as f32 * angle.cos() + y as f32 * angle.sin()) / diag)
                .abs()
                .min(1.0);
            let v = photo.get(x, y) * (1.0 - drop * t);
            photo.set(x, y, v);
        }
    }
    degrade::blur(&mut photo, shot.blur);
    degrade::noise(&mut photo, shot.noise, &mut rng);
    degrade::clamp(&mut photo);
    if let Some(q) = shot.jpeg {
        photo = degrade::jpeg(&photo, q);
    }
    Scene {
        image: photo.to_gray(),
        lines,
    }
}

/// The vision crate's test fixtures: small PNGs with the expected lines beside each.
pub fn write_fixtures(out: &Path) {
    std::fs::create_dir_all(out).expect("fixtures directory");
    let fonts = SceneFonts::load();
    // No sensor noise and modest sizes: noise would make the PNGs large, and the accuracy
    // figures come from the evaluation, not from these.
    let clean = Shot {
        cap: 20.0,
        rotation_deg: 0.0,
        perspective: 0.0,
        blur: 0.6,
        noise: 0.0,
        jpeg: None,
        upside_down: false,
        whole_photo: false,
        weight: 0.01,
        sharp_font: false,
        no_mrz: false,
    };
    let cases = [
        ("td3-clean", Layout::Td3, clean),
        ("td1-clean", Layout::Td1, Shot { cap: 22.0, ..clean }),
        (
            "td1-rotated",
            Layout::Td1,
            Shot {
                cap: 19.0,
                rotation_deg: 6.0,
                perspective: 0.01,
                blur: 0.8,
                whole_photo: true,
                ..clean
            },
        ),
        (
            "td3-upside-down",
            Layout::Td3,
            Shot {
                cap: 17.0,
                rotation_deg: -3.0,
                upside_down: true,
                blur: 0.7,
                ..clean
            },
        ),
        (
            "no-mrz",
            Layout::Td1,
            Shot {
                cap: 22.0,
                no_mrz: true,
                ..clean
            },
        ),
    ];
    for (i, (name, layout, shot)) in cases.into_iter().enumerate() {
        let scene = render(900 + i as u64, &fonts, layout, shot);
        let png = out.join(format!("{name}.png"));
        let file = std::fs::File::create(&png).expect("creating fixture");
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            std::io::BufWriter::new(file),
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        );
        scene
            .image
            .write_with_encoder(encoder)
            .expect("writing fixture");
        if !scene.lines.is_empty() {
            std::fs::write(
                out.join(format!("{name}.txt")),
                scene.lines.join("\n") + "\n",
            )
            .expect("writing fixture text");
        }
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "{}: {}x{}, {size} bytes",
            png.display(),
            scene.image.width(),
            scene.image.height()
        );
    }
}
