//! Training samples: short lines of OCR-B rendered with phone-photo degradations, then cut
//! into cells by the vision crate's own segmenter (from a deliberately rough line geometry,
//! as the locator would give), so the recogniser learns exactly the inputs it will see.
//!
//! Per line: font (OCR-B regular 65 %, sharp 35 %), cap height 11–60 px (log-uniform),
//! per-glyph jitter (±2 % position, ±4 % size), stroke weight −0.025…+0.05 cap per edge (print
//! gain: ISO 1073-2 OCR-B as printed is often bolder than the font), rotation ±2°, shear
//! ±0.06, neighbouring lines above/below, paper 140–250 with ink 40+ levels darker, uneven
//! lighting, faint patterns, Gaussian blur σ 0–2.4 px, noise σ 0–10, JPEG q 30–95.

use rand::rngs::StdRng;
use rand::Rng;
use verifyd_vision::mrz::plane::{warp, Affine, Plane};
use verifyd_vision::mrz::segment::{
    cell_inputs, fit_grid, prepare_line, LineGeometry, CELL_H, CELL_W,
};

use crate::degrade::{self, normal};
use crate::mrzgen::{random_mrz, Layout};
use crate::render::{change_weight, render_line, LoadedFont, Placed, OCRB_REGULAR, OCRB_SHARP};

pub const INPUT: usize = CELL_W * CELL_H;

pub struct Fonts {
    pub regular: LoadedFont,
    pub sharp: LoadedFont,
}

impl Fonts {
    pub fn load() -> Fonts {
        Fonts {
            regular: LoadedFont::load(OCRB_REGULAR),
            sharp: LoadedFont::load(OCRB_SHARP),
        }
    }
}

/// One cell: the input quantised to a byte ((v + 0.2) / 1.4 · 255) and the class index.
#[derive(Clone)]
pub struct Sample {
    pub input: [u8; INPUT],
    pub label: u8,
}

pub fn quantise(v: f32) -> u8 {
    (((v + 0.2) / 1.4) * 255.0).round().clamp(0.0, 255.0) as u8
}

pub fn dequantise(q: u8) -> f32 {
    q as f32 / 255.0 * 1.4 - 0.2
}

#[derive(Debug, Default, Clone)]
pub struct GenStats {
    pub lines: usize,
    pub no_strip: usize,
    pub misaligned: usize,
    pub cells: usize,
    /// Cell centre errors along the line, in pitches.
    pub errors: Vec<f32>,
    /// Sum and count of signed errors (under 0.3 pitch) for letters/digits and for `<`.
    pub signed: [(f64, usize); 2],
}

/// Half the lines are windows of real-looking MRZ lines (names, fillers, dates, check
/// digits, long `<` runs), half uniform over the alphabet so every class is well seen.
fn random_text(rng: &mut StdRng, len: usize) -> String {
    if rng.gen_bool(0.5) {
        let layout = [Layout::Td1, Layout::Td2, Layout::Td3][rng.gen_range(0..3)];
        let lines = random_mrz(rng, layout);
        let line = &lines[rng.gen_range(0..lines.len())];
        let len = len.min(line.len());
        let start = rng.gen_range(0..=line.len() - len);
        return line[start..start + len].to_string();
    }
    let alphabet: Vec<char> = crate::mrzgen::ALPHABET.chars().collect();
    let mut s = String::new();
    while s.len() < len {
        if rng.gen_bool(0.04) {
            for _ in 0..rng.gen_range(2..8) {
                s.push('<');
            }
        } else {
            s.push(alphabet[rng.gen_range(0..alphabet.len())]);
        }
    }
    s.truncate(len);
    s
}

/// Renders one degraded line, segments it and appends its cells to `out`.
pub fn line_samples(rng: &mut StdRng, fonts: &Fonts, out: &mut Vec<Sample>, stats: &mut GenStats) {
    line_samples_with(rng, fonts, out, stats, false)
}

/// As [`line_samples`]; `whole_lines` renders complete MRZ lines (30, 36 or 44 characters),
/// for measuring the segmenter on what it meets in documents.
pub fn line_samples_with(
    rng: &mut StdRng,
    fonts: &Fonts,
    out: &mut Vec<Sample>,
    stats: &mut GenStats,
    whole_lines: bool,
) {
    stats.lines += 1;
    let font = if rng.gen_bool(0.65) {
        &fonts.regular
    } else {
        &fonts.sharp
    };
    let cap: f32 = (rng.gen_range(11.0f32.ln()..60.0f32.ln())).exp();
    let s = (40.0 / cap).ceil().max(1.0);
    let adv = font.advance_per_cap * cap;
    let (k, text) = if whole_lines {
        let layout = [Layout::Td1, Layout::Td2, Layout::Td3][rng.gen_range(0..3)];
        let lines = random_mrz(rng, layout);
        let line = lines[rng.gen_range(0..lines.len())].clone();
        (line.len(), line)
    } else {
        let k = rng.gen_range(12..=18usize);
        (k, random_text(rng, k))
    };
    let line_pitch = rng.gen_range(1.5..2.3f32) * cap;
    let above = rng.gen_bool(0.6);
    let below = rng.gen_bool(0.6);
    let width_n = ((k as f32 + 4.0) * adv).ceil() as usize;
    // Only what the segmenter looks at: the line and a cap height and a half around it
    // (neighbouring lines show partly, as they would in a zone).
    let baseline_n = 2.6 * cap;
    let height_n = (4.2 * cap).ceil() as usize;
    // High-resolution coverage.
    let mut hi = Plane::new(
        (width_n as f32 * s) as usize,
        (height_n as f32 * s) as usize,
        0.0,
    );
    let cap_hi = cap * s;
    let x_start = 2.0 * adv * s;
    let mut jitter = || {
        (
            0.02 * adv * s * normal(rng).clamp(-2.0, 2.0),
            0.02 * cap_hi * normal(rng).clamp(-2.0, 2.0),
            rng.gen_range(0.96..1.04f32),
        )
    };
    let placed: Vec<Placed> = render_line(
        font,
        &text,
        cap_hi,
        x_start,
        baseline_n * s,
        &mut hi,
        &mut jitter,
    );
    for (on, dy) in [(above, -line_pitch), (below, line_pitch)] {
        if on {
            let extra = rng.gen_range(0..4);
            let other = random_text(rng, k + extra);
            let mut plain = || (0.0, 0.0, 1.0);
            render_line(
                font,
                &other,
                cap_hi,
                x_start + rng.gen_range(-1.0..1.0f32) * adv * s,
                (baseline_n + dy) * s,
                &mut hi,
                &mut plain,
            );
        }
    }
    let shift = rng.gen_range(-0.025..0.05f32) * cap_hi;
    change_weight(&mut hi, shift, cap_hi);
    // Native image: rotation and shear about the strip's centre, shrink by s.
    let theta = rng.gen_range(-2.0..2.0f32).to_radians();
    let shear = rng.gen_range(-0.06..0.06f32);
    let (c, sn) = (theta.cos(), theta.sin());
    // A = s·R·Sh, with Sh = [[1, shear], [0, 1]].
    let a = [
        [s * c, s * (c * shear - sn)],
        [s * sn, s * (sn * shear + c)],
    ];
    let (cx, cy) = (width_n as f32 / 2.0, height_n as f32 / 2.0);
    let b = (
        s * cx - (a[0][0] * cx + a[0][1] * cy),
        s * cy - (a[1][0] * cx + a[1][1] * cy),
    );
    let map = Affine {
        origin: b,
        du: (a[0][0], a[1][0]),
        dv: (a[0][1], a[1][1]),
    };
    // Mild perspective along the line: x' = x / (1 + g·x/W) about the centre, so pitch and
    // size change by up to about ±3 % between the middle and the ends of a line.
    let g = if rng.gen_bool(0.5) {
        0.0
    } else {
        rng.gen_range(-0.06..0.06f32)
    };
    let wn = width_n as f32;
    let keystone = |u: f32, v: f32| {
        let (uc, vc) = (u - cx, v - cy);
        let denom = 1.0 + g * uc / wn;
        (cx + uc / denom, cy + vc / denom)
    };
    let mut coverage = if g == 0.0 {
        warp(&hi, width_n, height_n, &map)
    } else {
        warp_with(&hi, width_n, height_n, s, |u, v| {
            let (x, y) = keystone(u, v);
            map.apply(x, y)
        })
    };
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let to_native = |p: (f32, f32)| {
        let (x, y) = (p.0 - b.0, p.1 - b.1);
        let (u, v) = (
            (a[1][1] * x - a[0][1] * y) / det,
            (-a[1][0] * x + a[0][0] * y) / det,
        );
        // Undo the keystone.
        let (uc, vc) = (u - cx, v - cy);
        let denom = 1.0 - g * uc / wn;
        (cx + uc / denom, cy + vc / denom)
    };
    // Sometimes the document's edge (the table beyond it) comes close to one end of the line.
    if rng.gen_bool(0.15) {
        let mid_y = baseline_n * s - 0.5 * cap_hi;
        let level = rng.gen_range(0.5..1.0f32);
        let gap = rng.gen_range(0.3..1.5f32) * adv;
        let left = rng.gen_bool(0.5);
        let edge = if left {
            to_native((placed[0].x0, mid_y)).0 - gap
        } else {
            to_native((placed[placed.len() - 1].x1, mid_y)).0 + gap
        };
        for y in 0..coverage.height {
            for x in 0..coverage.width {
                let beyond = if left {
                    (x as f32) < edge
                } else {
                    (x as f32) > edge
                };
                if beyond {
                    let v = coverage.get(x, y).max(level);
                    coverage.set(x, y, v);
                }
            }
        }
    }
    // Photo.
    let paper = rng.gen_range(140.0..250.0f32);
    let contrast = rng.gen_range(40.0..(paper - 5.0).min(230.0));
    let pattern = if rng.gen_bool(0.3) {
        rng.gen_range(3.0..15.0)
    } else {
        0.0
    };
    let light_drop = rng.gen_range(0.0..0.3f32);
    let mut grey = degrade::compose(&coverage, paper, paper - contrast, light_drop, pattern, rng);
    let sigma = match rng.gen_range(0..100) {
        0..=49 => rng.gen_range(0.0..1.0f32),
        50..=84 => rng.gen_range(1.0..1.8f32),
        _ => rng.gen_range(1.8..2.4f32),
    };
    degrade::blur(&mut grey, sigma);
    let noise = rng.gen_range(0.0..10.0f32);
    degrade::noise(&mut grey, noise, rng);
    degrade::clamp(&mut grey);
    if rng.gen_bool(0.8) {
        grey = degrade::jpeg(&grey, rng.gen_range(30..=95));
    }
    // The truth, and a rough geometry as the locator might report it.
    let mid_hi = baseline_n * s - 0.5 * cap_hi;
    let first = placed.first().expect("glyphs");
    let last = placed.last().expect("glyphs");
    let p0 = to_native((first.x0, mid_hi));
    let p1 = to_native((last.x1, mid_hi));
    let len = ((p1.0 - p0.0).powi(2) + (p1.1 - p0.1).powi(2)).sqrt();
    let d = ((p1.0 - p0.0) / len, (p1.1 - p0.1) / len);
    let n = (-d.1, d.0);
    let mut rough = |p: (f32, f32)| {
        let along = (0.25 * adv * normal(rng)).clamp(-0.6 * adv, 0.6 * adv);
        let across = (0.08 * cap * normal(rng)).clamp(-0.2 * cap, 0.2 * cap);
        (
            p.0 + along * d.0 + across * n.0,
            p.1 + along * d.1 + across * n.1,
        )
    };
    let geometry = LineGeometry {
        start: rough(p0),
        end: rough(p1),
        body: cap * rng.gen_range(0.85..1.15f32),
    };
    let Some(strip) = prepare_line(&grey, &geometry) else {
        if std::env::var_os("MRZ_DEBUG").is_some() {
            eprintln!(
                "no strip, line {}: {text:?} cap {cap:.1} sigma {sigma:.2}",
                stats.lines
            );
        }
        stats.no_strip += 1;
        return;
    };
    let Some(grid) = fit_grid(&strip, placed.len()) else {
        if std::env::var_os("MRZ_DEBUG").is_some() {
            eprintln!(
                "no grid, line {}: {text:?} cap {cap:.1} sigma {sigma:.2} body {:.2} first {:.1} last {:.1} width {}",
                stats.lines,
                strip.body(),
                strip.first,
                strip.last,
                strip.ink.width
            );
        }
        stats.no_strip += 1;
        return;
    };
    // Every cell must be where the glyph is (within 30 % of a pitch), or the line is dropped.
    let v_mid = 0.5 * (strip.top + strip.bottom);
    let errors: Vec<f32> = placed
        .iter()
        .zip(&grid.centres)
        .map(|(g, &u)| {
            let truth = to_native((g.pen_x + 0.5 * g.advance, mid_hi));
            let seen = strip.to_source(u, v_mid);
            ((seen.0 - truth.0) * d.0 + (seen.1 - truth.1) * d.1) / adv
        })
        .collect();
    stats.errors.extend(errors.iter().copied());
    for (g, e) in placed.iter().zip(&errors) {
        if e.abs() < 0.3 {
            let i = usize::from(g.ch == '<');
            stats.signed[i].0 += *e as f64;
            stats.signed[i].1 += 1;
        }
    }
    if errors.iter().any(|e| e.abs() > 0.3) {
        stats.misaligned += 1;
        if std::env::var_os("MRZ_DEBUG").is_some() {
            let n = stats.lines;
            eprintln!(
                "misaligned line {n}: {text:?} cap {cap:.1} sigma {sigma:.2} pitch {:.2} body {:.2} first {:.1} last {:.1} periodicity {:.2} errors {:?}",
                grid.pitch,
                strip.body(),
                strip.first,
                strip.last,
                grid.periodicity,
                errors.iter().map(|e| (e * 100.0).round() / 100.0).collect::<Vec<_>>()
            );
            let mut img = strip.ink.clone();
            for v in img.data.iter_mut() {
                *v = 255.0 - 255.0 * v.clamp(0.0, 1.0);
            }
            for &u in &grid.centres {
                let x = u as usize;
                if x < img.width {
                    img.set(x, 2, 0.0);
                    img.set(x, 3, 0.0);
                }
            }
            let _ = img.to_gray().save(format!("/tmp/mrz-debug/strip-{n}.png"));
            let _ = grey.to_gray().save(format!("/tmp/mrz-debug/line-{n}.png"));
        }
        return;
    }
    // Most lines: cells a little off where the segmenter put them (up to ±12 % of a pitch
    // across, ±1 px on the body's edges), as on real photos it will not be exact.
    let (mut strip, mut grid) = (strip, grid);
    if !whole_lines && rng.gen_bool(0.7) {
        let pitch = grid.pitch;
        for c in grid.centres.iter_mut() {
            *c += (0.04 * pitch * normal(rng)).clamp(-0.12 * pitch, 0.12 * pitch);
        }
        strip.top += (0.4 * normal(rng)).clamp(-1.0, 1.0);
        strip.bottom += (0.4 * normal(rng)).clamp(-1.0, 1.0);
    }
    let alphabet = crate::mrzgen::ALPHABET;
    for (g, input) in placed.iter().zip(cell_inputs(&strip, &grid)) {
        let mut q = [0u8; INPUT];
        for (dst, v) in q.iter_mut().zip(input) {
            *dst = quantise(v);
        }
        let label = alphabet.find(g.ch).expect("MRZ alphabet") as u8;
        out.push(Sample { input: q, label });
        stats.cells += 1;
    }
}

/// Like `plane::warp` for any mapping: n×n bilinear samples per output pixel.
fn warp_with(
    src: &Plane,
    width: usize,
    height: usize,
    scale: f32,
    map: impl Fn(f32, f32) -> (f32, f32),
) -> Plane {
    let n = (scale.ceil() as usize).clamp(1, 4);
    let inv = 1.0 / (n * n) as f32;
    let mut out = Plane::new(width, height, 0.0);
    for v in 0..height {
        for u in 0..width {
            let mut sum = 0.0;
            for j in 0..n {
                for i in 0..n {
                    let (x, y) = map(
                        u as f32 + (i as f32 + 0.5) / n as f32,
                        v as f32 + (j as f32 + 0.5) / n as f32,
                    );
                    sum += src.bilinear(x, y);
                }
            }
            out.data[v * width + u] = sum * inv;
        }
    }
    out
}
