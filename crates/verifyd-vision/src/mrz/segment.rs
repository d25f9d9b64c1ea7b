//! Segmentation: from one located MRZ line to one normalised input per character.
//!
//! 1. *Rectify*: resample the line from the source image into an upright strip in which the
//!    glyph body (cap line to baseline) is [`BODY`] pixels high, whatever the resolution.
//! 2. *Normalise*: turn grey into an ink map (0 = paper, 1 = ink): paper level measured in
//!    blocks along the line (uneven lighting), ink level one ratio of it for the whole line
//!    (so blocks of thin `<` fillers are scaled like blocks of bold letters).
//! 3. *Refine*: measure the body (row profile) in four chunks along the line and the ink
//!    extent (column profile); correct the line's height, tilt and ends and rectify again
//!    until the strip is straight (at most four rounds). Columns dark right above and below
//!    the line (a document edge, the table) are barriers: never ink, never in a cell.
//! 4. *Grid*: MRZ type is monospace, so the column profile is a wave whose period is the
//!    pitch; under mild perspective the period drifts linearly along the line. The period
//!    and drift whose chirp matches the profile best, and its phase, place every cell at
//!    once (no glyph shape can pull a single cell aside); of all runs of n consecutive cells
//!    the one that looks most like glyphs (ink in the middle, little at the boundaries)
//!    wins. Touching glyphs and `<` fillers need no special case: the period is there.
//! 5. *Cells*: each cell is sampled into a [`CELL_W`]×[`CELL_H`] window placed by the line's
//!    body and the grid, so a glyph's size and position in the cell (digits are taller than
//!    letters in OCR-B, `<` stops short of the cap line) still reach the recogniser. The
//!    window is symmetric about the body, so a cell reversed is the cell turned by 180°.
//!
//! The training tool runs exactly these functions on its renders, so the recogniser learns
//! the inputs this code produces. Nothing here knows which characters exist.

use super::plane::{warp, Affine, Plane};

/// Body height of a rectified strip, in strip pixels.
pub const BODY: f32 = 20.0;
/// Rows of the strip above and below the body.
pub const MARGIN_V: usize = 12;
/// Strip height.
pub const STRIP_H: usize = BODY as usize + 2 * MARGIN_V;
/// Columns of the strip before the first and after the last glyph (as located).
pub const MARGIN_U: f32 = 48.0;
/// The recogniser's input: width and height of a cell window, and how many rows of the
/// window are above the body.
pub const CELL_W: usize = 24;
pub const CELL_H: usize = 28;
pub const CELL_TOP: f32 = 4.0;
/// OCR-B's character pitch over its cap height (568/555 font units).
pub const PITCH_PER_BODY: f32 = 1.0234;
/// Ink width of a typical glyph as a share of the pitch (about 0.68 in OCR-B), so a line of
/// n glyphs spans (n − 1 + 0.68) pitches of ink.
const INK_SHARE: f32 = 0.68;
/// An ink-map value above this is clearly ink.
const INK: f32 = 0.5;
/// How far (in pitches) the segmenter may move a line's ends from where the locator put them.
const MAX_END_DRIFT: f32 = 2.0;

/// Where one line of glyphs is in the source image: the points on the body's centre line at
/// the left and right ends of its ink, and the body height, all in source pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineGeometry {
    pub start: (f32, f32),
    pub end: (f32, f32),
    pub body: f32,
}

impl LineGeometry {
    pub fn length(&self) -> f32 {
        let (dx, dy) = (self.end.0 - self.start.0, self.end.1 - self.start.1);
        (dx * dx + dy * dy).sqrt()
    }

    /// Unit vector along the line, and the normal pointing down the page.
    pub fn axes(&self) -> ((f32, f32), (f32, f32)) {
        let len = self.length().max(1e-3);
        let d = (
            (self.end.0 - self.start.0) / len,
            (self.end.1 - self.start.1) / len,
        );
        (d, (-d.1, d.0))
    }
}

/// A rectified, normalised line.
#[derive(Debug, Clone)]
pub struct Strip {
    /// Ink map, [`STRIP_H`] rows; 0 = paper, 1 = ink.
    pub ink: Plane,
    /// The geometry it was sampled with (after refinement).
    pub geometry: LineGeometry,
    /// Body top and bottom rows (continuous coordinates) as measured in the strip.
    pub top: f32,
    pub bottom: f32,
    /// Ink extent along the strip: first and one-past-last ink columns.
    pub first: f32,
    pub last: f32,
    /// Grey contrast between paper and ink (0–255 levels), for quality decisions.
    pub contrast: f32,
    /// Columns dark right above and right below the line too: a document edge, the table
    /// around the document, a photo's border. Never part of a glyph.
    pub barrier: Vec<bool>,
}

impl Strip {
    /// Measured body height in strip pixels.
    pub fn body(&self) -> f32 {
        self.bottom - self.top
    }

    /// Source-image coordinates of strip point (u, v).
    pub fn to_source(&self, u: f32, v: f32) -> (f32, f32) {
        let g = &self.geometry;
        let k = g.body / BODY;
        let (d, n) = g.axes();
        let (su, sv) = ((u - MARGIN_U) * k, (v - STRIP_H as f32 / 2.0) * k);
        (
            g.start.0 + su * d.0 + sv * n.0,
            g.start.1 + su * d.1 + sv * n.1,
        )
    }

    /// How many characters the ink extent holds at the given pitch.
    pub fn count_at_pitch(&self, pitch: f32) -> f32 {
        (self.last - self.first) / pitch + (1.0 - INK_SHARE)
    }
}

/// The character cells of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Cell centres along the strip, left to right.
    pub centres: Vec<f32>,
    /// Mean pitch.
    pub pitch: f32,
    /// Periodicity of the column profile at that pitch (0–1; text in a monospace grid
    /// scores about 0.3–0.6, unrelated marks much less).
    pub periodicity: f32,
    /// Every candidate cell from a pitch before the ink to a pitch after it: centre and how
    /// much it looks like a glyph cell. `centres` is the best run of `n` of them, starting
    /// at `start`.
    pub candidates: Vec<(f32, f32)>,
    pub start: usize,
}

/// Samples the strip for `g` from the source image (grey levels).
fn rectify(src: &Plane, g: &LineGeometry) -> Plane {
    let k = g.body / BODY;
    let (d, n) = g.axes();
    let width = (g.length() / k + 2.0 * MARGIN_U).round().max(8.0) as usize;
    let half = STRIP_H as f32 / 2.0;
    let origin = (
        g.start.0 - MARGIN_U * k * d.0 - half * k * n.0,
        g.start.1 - MARGIN_U * k * d.1 - half * k * n.1,
    );
    warp(
        src,
        width.min(8192),
        STRIP_H,
        &Affine {
            origin,
            du: (k * d.0, k * d.1),
            dv: (k * n.0, k * n.1),
        },
    )
}

fn percentile(values: &mut [f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let i = ((values.len() - 1) as f32 * q).round() as usize;
    *values.select_nth_unstable_by(i, |a, b| a.total_cmp(b)).1
}

/// Turns a grey strip into an ink map. The paper level is measured in blocks along the line
/// (uneven lighting) and interpolated between block centres; the ink level is the paper
/// level times one ratio for the whole line (the darkest ink relative to its paper), so a
/// block holding only thin `<` fillers is scaled like one holding bold letters, and blank
/// paper beyond the line is never stretched into noise.
fn normalise(grey: &Plane, rows: (usize, usize), span: (f32, f32)) -> (Plane, f32) {
    const BLOCK: usize = 32;
    let w = grey.width;
    let blocks = w.div_ceil(BLOCK);
    let mut paper = vec![0.0f32; blocks];
    let mut buf = Vec::with_capacity(BLOCK * STRIP_H);
    for (b, p) in paper.iter_mut().enumerate() {
        buf.clear();
        for y in rows.0..rows.1 {
            for x in b * BLOCK..((b + 1) * BLOCK).min(w) {
                buf.push(grey.get(x, y));
            }
        }
        *p = percentile(&mut buf, 0.9).max(1.0);
    }
    let paper_at = |x: usize| {
        let fb = (x as f32 + 0.5) / BLOCK as f32 - 0.5;
        let b0 = fb.floor().clamp(0.0, (blocks - 1) as f32) as usize;
        let b1 = (b0 + 1).min(blocks - 1);
        let a = (fb - b0 as f32).clamp(0.0, 1.0);
        paper[b0] * (1.0 - a) + paper[b1] * a
    };
    let x0 = (span.0.max(0.0) as usize).min(w);
    let x1 = (span.1.max(0.0) as usize).min(w);
    let mut ratios = Vec::with_capacity((x1.saturating_sub(x0)) * (rows.1 - rows.0));
    for x in x0..x1 {
        let p = paper_at(x);
        for y in rows.0..rows.1 {
            ratios.push(grey.get(x, y) / p);
        }
    }
    let ratio = if ratios.is_empty() {
        0.5
    } else {
        percentile(&mut ratios, 0.02).clamp(0.0, 0.95)
    };
    let mut ink = Plane::new(w, grey.height, 0.0);
    for x in 0..w {
        let p = paper_at(x);
        let c = (p * (1.0 - ratio)).max(8.0);
        for y in 0..grey.height {
            let v = (p - grey.get(x, y)) / c;
            ink.set(x, y, v.clamp(-0.2, 1.2));
        }
    }
    let mut sorted = paper.clone();
    let contrast = percentile(&mut sorted, 0.5) * (1.0 - ratio);
    (ink, contrast)
}

/// Top and bottom of the body (continuous row coordinates) from the share of clear ink in each row
/// over columns `x0..x1`: the rows where the profile crosses half its central plateau,
/// searching outwards from the strip's middle.
fn body_rows(ink: &Plane, x0: usize, x1: usize) -> Option<(f32, f32)> {
    if x1 <= x0 + 2 {
        return None;
    }
    let profile: Vec<f32> = (0..ink.height)
        .map(|y| (x0..x1).filter(|&x| ink.get(x, y) > INK).count() as f32 / (x1 - x0) as f32)
        .collect();
    let mid = ink.height / 2;
    let q = (BODY / 4.0) as usize;
    let mut central: Vec<f32> = profile[mid - q..mid + q].to_vec();
    let plateau = percentile(&mut central, 0.5);
    if plateau < 0.05 {
        return None;
    }
    let level = 0.5 * plateau;
    // Upwards.
    let mut top = 0.0;
    let mut y = mid;
    while y > 0 && profile[y - 1] >= level {
        y -= 1;
    }
    if y > 0 {
        // Crossing between row y-1 (below level) and row y (at/above level); row centres at +0.5.
        let (a, b) = (profile[y - 1], profile[y]);
        let t = ((level - a) / (b - a).max(1e-6)).clamp(0.0, 1.0);
        top = (y - 1) as f32 + 0.5 + t;
    }
    let mut bottom = ink.height as f32;
    let mut y = mid;
    while y + 1 < ink.height && profile[y + 1] >= level {
        y += 1;
    }
    if y + 1 < ink.height {
        let (a, b) = (profile[y], profile[y + 1]);
        let t = ((a - level) / (a - b).max(1e-6)).clamp(0.0, 1.0);
        bottom = y as f32 + 0.5 + t;
    }
    Some((top, bottom))
}

/// Mean ink over the body rows for each column (for the pitch and phase).
fn column_profile(ink: &Plane, top: f32, bottom: f32) -> Vec<f32> {
    // A little beyond the body, so strokes on the cap line and baseline always count.
    let pad = 0.15 * (bottom - top);
    let y0 = (top - pad).floor().max(0.0) as usize;
    let y1 = ((bottom + pad).ceil() as usize).min(ink.height);
    let n = (y1 - y0).max(1) as f32;
    (0..ink.width)
        .map(|x| (y0..y1).map(|y| ink.get(x, y).max(0.0)).sum::<f32>() / n)
        .collect()
}

/// Share of clear ink (above [`INK`]) over the body rows for each column (for extents and
/// which cells hold glyphs: paper noise and faint patterns rarely reach it).
fn column_share(ink: &Plane, top: f32, bottom: f32) -> Vec<f32> {
    // A little beyond the body, so strokes on the cap line and baseline always count.
    let pad = 0.15 * (bottom - top);
    let y0 = (top - pad).floor().max(0.0) as usize;
    let y1 = ((bottom + pad).ceil() as usize).min(ink.height);
    let n = (y1 - y0).max(1) as f32;
    (0..ink.width)
        .map(|x| (y0..y1).filter(|&y| ink.get(x, y) > INK).count() as f32 / n)
        .collect()
}

/// Columns dark right above and right below the body, across the gap that separates MRZ
/// lines (see [`Strip::barrier`]); glyphs of neighbouring lines stay beyond that gap.
fn barriers(ink: &Plane, top: f32, bottom: f32) -> Vec<bool> {
    let h = ink.height;
    let above = (
        ((top - 7.0).floor().max(0.0) as usize).min(h),
        ((top - 1.0).floor().max(0.0) as usize).min(h),
    );
    let below = (
        ((bottom + 1.0).ceil() as usize).min(h),
        ((bottom + 7.0).ceil() as usize).min(h),
    );
    let dark = |x: usize, rows: (usize, usize)| {
        let n = rows.1.saturating_sub(rows.0);
        n > 0 && (rows.0..rows.1).filter(|&y| ink.get(x, y) > INK).count() * 4 >= 3 * n
    };
    (0..ink.width)
        .map(|x| dark(x, above) && dark(x, below))
        .collect()
}

/// The run of ink columns (gaps shorter than most of a pitch bridged) that overlaps the
/// expected span most; returns its first and one-past-last columns.
fn ink_extent(
    profile: &[f32],
    barrier: &[bool],
    expected: (f32, f32),
    pitch: f32,
) -> Option<(f32, f32)> {
    let smooth: Vec<f32> = (0..profile.len())
        .map(|x| {
            let a = x.saturating_sub(1);
            let b = (x + 2).min(profile.len());
            profile[a..b].iter().sum::<f32>() / (b - a) as f32
        })
        .collect();
    let is_ink: Vec<bool> = smooth
        .iter()
        .zip(barrier)
        .map(|(&v, &b)| v > 0.08 && !b)
        .collect();
    let max_gap = pitch.round() as usize;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut x = 0;
    while x < is_ink.len() {
        if !is_ink[x] {
            x += 1;
            continue;
        }
        let start = x;
        let mut end = x + 1;
        let mut gap = 0;
        let mut y = x + 1;
        while y < is_ink.len() && !barrier[y] {
            if is_ink[y] {
                end = y + 1;
                gap = 0;
            } else {
                gap += 1;
                if gap > max_gap {
                    break;
                }
            }
            y += 1;
        }
        runs.push((start, end));
        x = end.max(y);
    }
    runs.into_iter()
        .map(|(a, b)| {
            let overlap = (b as f32).min(expected.1) - (a as f32).max(expected.0);
            (overlap, a, b)
        })
        .filter(|r| r.0 > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a, b)| (a as f32, b as f32))
}

/// Rectifies, normalises and straightens one line. `None` when there is no line of glyphs
/// there (no body, no ink).
pub fn prepare_line(src: &Plane, geometry: &LineGeometry) -> Option<Strip> {
    prepare(src, geometry, None)
}

/// As [`prepare_line`], with the body height (source pixels) given rather than measured:
/// the lines of one zone share one type size, and a line of mostly `<` fillers (whose
/// chevrons stop short of the cap line and the baseline) measures smaller than it is.
pub fn prepare_line_with_body(src: &Plane, geometry: &LineGeometry, body: f32) -> Option<Strip> {
    prepare(src, &LineGeometry { body, ..*geometry }, Some(body))
}

fn prepare(src: &Plane, geometry: &LineGeometry, fixed_body: Option<f32>) -> Option<Strip> {
    let mut g = *geometry;
    if !(g.body >= 3.0 && g.length() >= 2.0 * g.body) {
        return None;
    }
    let original = *geometry;
    for round in 0..4 {
        let grey = rectify(src, &g);
        let w = grey.width;
        let span = (MARGIN_U, w as f32 - MARGIN_U);
        let body_lo = MARGIN_V;
        let body_hi = MARGIN_V + BODY as usize;
        let (ink, contrast) = normalise(&grey, (body_lo - 4, body_hi + 4), span);
        // Body in four chunks along the line.
        let chunks = 4;
        let chunk_len = (span.1 - span.0) / chunks as f32;
        let mut samples: Vec<(f32, f32, f32)> = Vec::new();
        for c in 0..chunks {
            let x0 = (span.0 + c as f32 * chunk_len) as usize;
            let x1 = (span.0 + (c + 1) as f32 * chunk_len) as usize;
            if let Some((t, b)) = body_rows(&ink, x0, x1.min(w)) {
                samples.push((0.5 * (x0 + x1) as f32, t, b));
            }
        }
        let (mut top, mut bottom) = body_rows(&ink, span.0 as usize, span.1 as usize)?;
        if fixed_body.is_some() {
            // The strip is sampled at the given body: keep the measured centre only.
            let c = 0.5 * (top + bottom);
            (top, bottom) = (c - 0.5 * BODY, c + 0.5 * BODY);
        }
        let body = bottom - top;
        if !(0.5 * BODY..=2.0 * BODY).contains(&body) {
            return None;
        }
        // Tilt: least-squares slope of the chunk centres, ignoring chunks whose body is off.
        let good: Vec<(f32, f32)> = samples
            .iter()
            .filter(|s| ((s.2 - s.1) - body).abs() < 0.25 * body)
            .map(|s| (s.0, 0.5 * (s.1 + s.2)))
            .collect();
        let slope = if good.len() >= 2 {
            let mx = good.iter().map(|p| p.0).sum::<f32>() / good.len() as f32;
            let my = good.iter().map(|p| p.1).sum::<f32>() / good.len() as f32;
            let sxx: f32 = good.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
            let sxy: f32 = good.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            if sxx > 0.0 {
                (sxy / sxx).clamp(-0.05, 0.05)
            } else {
                0.0
            }
        } else {
            0.0
        };
        let centre = 0.5 * (top + bottom);
        let centre_x = 0.5 * (span.0 + span.1);
        let share = column_share(&ink, top, bottom);
        let barrier = barriers(&ink, top, bottom);
        let pitch = PITCH_PER_BODY * body;
        let (first, last) = ink_extent(&share, &barrier, span, pitch)?;
        // Never wander more than MAX_END_DRIFT pitches from the located ends.
        let k_now = g.body / BODY;
        let (d_now, _) = g.axes();
        let along = |p: (f32, f32)| {
            MARGIN_U + ((p.0 - g.start.0) * d_now.0 + (p.1 - g.start.1) * d_now.1) / k_now
        };
        let first = first.max(along(original.start) - MAX_END_DRIFT * pitch);
        let last = last.min(along(original.end) + MAX_END_DRIFT * pitch);
        if last - first < 2.0 * pitch {
            return None;
        }
        let strip = Strip {
            ink,
            geometry: g,
            top,
            bottom,
            first,
            last,
            contrast,
            barrier,
        };
        // How far the strip is from straight and centred, in strip pixels.
        let half = STRIP_H as f32 / 2.0;
        let tilt = slope * (span.1 - span.0);
        let converged = (centre - half).abs() < 0.4
            && tilt.abs() < 0.6
            && (body / BODY - 1.0).abs() < 0.04
            && (first - span.0).abs() < 0.3 * pitch
            && (last - span.1).abs() < 0.3 * pitch;
        if converged || round == 3 {
            return Some(strip);
        }
        // Map the measured line back to the source and try again.
        let k = g.body / BODY;
        let (d, n) = g.axes();
        let to_src = |u: f32, v: f32| {
            let (su, sv) = ((u - MARGIN_U) * k, (v - half) * k);
            (
                g.start.0 + su * d.0 + sv * n.0,
                g.start.1 + su * d.1 + sv * n.1,
            )
        };
        let v_at = |u: f32| centre + slope * (u - centre_x);
        g = LineGeometry {
            start: to_src(first, v_at(first)),
            end: to_src(last, v_at(last)),
            body: body * k,
        };
    }
    None
}

/// Complex sum of the mean-free profile against a wave of period `pitch` over `x0..x1`.
fn fourier(profile: &[f32], mean: f32, pitch: f32, x0: f32, x1: f32) -> (f32, f32) {
    let alpha = std::f64::consts::TAU / pitch as f64;
    let (re, im) = chirp(profile, mean, x0, x1, 0.0, alpha, 0.0);
    (re as f32, im as f32)
}

/// The pitch (within `lo..hi`) at which the profile over the ink extent is most periodic,
/// and that periodicity (0–1).
fn best_pitch(profile: &[f32], first: f32, last: f32, lo: f32, hi: f32) -> (f32, f32) {
    let a = first.max(0.0) as usize;
    let b = (last as usize).min(profile.len());
    let n = (b - a).max(1) as f32;
    let mean = profile[a..b].iter().sum::<f32>() / n;
    let energy: f32 = profile[a..b].iter().map(|v| (v - mean).abs()).sum::<f32>();
    let steps = 60;
    let mut best = (lo, -1.0f32);
    for s in 0..=steps {
        let p = lo + (hi - lo) * s as f32 / steps as f32;
        let (re, im) = fourier(profile, mean, p, first, last);
        let m = (re * re + im * im).sqrt();
        if m > best.1 {
            best = (p, m);
        }
    }
    // Parabolic refinement would gain little; a finer second pass around the best is enough.
    let step = (hi - lo) / steps as f32;
    let (c, _) = best;
    for s in -10..=10 {
        let p = c + step * s as f32 / 10.0;
        let (re, im) = fourier(profile, mean, p, first, last);
        let m = (re * re + im * im).sqrt();
        if m > best.1 {
            best = (p, m);
        }
    }
    // A pure square wave of duty 0.68 has |F|/Σ|x−mean| = about 0.5.
    (best.0, (2.0 * best.1 / energy.max(1e-6)).min(1.0))
}

/// The free-running pitch of the line (no character count assumed) and its periodicity.
pub fn measure_pitch(strip: &Strip) -> (f32, f32) {
    let profile = column_profile(&strip.ink, strip.top, strip.bottom);
    let p0 = PITCH_PER_BODY * strip.body();
    best_pitch(&profile, strip.first, strip.last, 0.8 * p0, 1.25 * p0)
}

/// Sum of the mean-free profile over `x0..x1` against a chirp e^(−iφ(x)) with
/// φ(x) = α·d + β·d², d = x − xm: a wave whose period drifts linearly along the line.
#[allow(clippy::too_many_arguments)]
fn chirp(
    profile: &[f32],
    mean: f32,
    x0: f32,
    x1: f32,
    xm: f32,
    alpha: f64,
    beta: f64,
) -> (f64, f64) {
    let a = x0.floor().max(0.0) as usize;
    let b = (x1.ceil() as usize).min(profile.len());
    if b <= a {
        return (0.0, 0.0);
    }
    let d0 = a as f64 + 0.5 - xm as f64;
    let phi0 = alpha * d0 + beta * d0 * d0;
    let (mut c, mut s) = (phi0.cos(), -phi0.sin());
    // Phase step from x to x + 1, and how that step turns from one pixel to the next.
    let step0 = alpha + beta * (2.0 * d0 + 1.0);
    let (mut rc, mut rs) = (step0.cos(), -step0.sin());
    let (tc, ts) = ((2.0 * beta).cos(), -(2.0 * beta).sin());
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for &p in &profile[a..b] {
        let v = (p - mean) as f64;
        re += v * c;
        im += v * s;
        (c, s) = (c * rc - s * rs, c * rs + s * rc);
        (rc, rs) = (rc * tc - rs * ts, rc * ts + rs * tc);
    }
    (re, im)
}

/// Fits a grid of exactly `n` cells to the strip.
///
/// The column profile of a monospace line is a wave whose period is the pitch; under mild
/// perspective the pitch drifts linearly along the line. The period and its drift are the
/// ones whose chirp matches the profile best (around the free-running period), the phase of
/// that match places every cell at once, so no glyph shape can pull one cell aside. Of all
/// placements of `n` consecutive cells, the one that looks most like a row of glyphs wins:
/// ink in the middle of each cell, little at the cell boundaries (a document edge or a dark
/// background is ink everywhere and loses).
pub fn fit_grid(strip: &Strip, n: usize) -> Option<Grid> {
    if n < 2 {
        return None;
    }
    let profile = column_profile(&strip.ink, strip.top, strip.bottom);
    let share = column_share(&strip.ink, strip.top, strip.bottom);
    let (first, last) = (strip.first, strip.last);
    let a = first.max(0.0) as usize;
    let b = (last as usize).min(profile.len());
    if b <= a + 4 {
        return None;
    }
    let mean = profile[a..b].iter().sum::<f32>() / (b - a) as f32;
    let energy: f32 = profile[a..b].iter().map(|v| (v - mean).abs()).sum();
    // The period is searched within ±6 % of the extent's pitch (so an extent one or two
    // cells off still finds it), with a drift of up to ±9 % from the middle to the ends
    // (perspective); coarse, then fine around the best.
    let p_n = (last - first) / (n as f32 - 1.0 + INK_SHARE);
    let xm = 0.5 * (first + last);
    let half = (0.5 * (last - first)).max(1.0);
    let tau = std::f64::consts::TAU;
    let evaluate = |p: f32, drift: f64| {
        let alpha = tau / p as f64;
        // Local period p/(1 + 2βd/α): at d = half it is p·(1 − drift) when β = drift·α/(2·half).
        let beta = drift * alpha / (2.0 * half as f64);
        let (re, im) = chirp(&profile, mean, first, last, xm, alpha, beta);
        (re * re + im * im, p, beta, re, im)
    };
    let mut best = (0.0f64, p_n, 0.0f64, 0.0f64, 0.0f64);
    let mut best_drift = 0.0f64;
    // Around the free-running period too, when the extent is far off it (it lost part of
    // the line or took in something that is not).
    let (p_free, _) = measure_pitch(strip);
    let mut centres = vec![p_n];
    if (p_free / p_n - 1.0).abs() > 0.05 {
        centres.push(p_free);
    }
    for pi in centres
        .iter()
        .flat_map(|&c| (-12..=12).map(move |i| c * (1.0 + 0.005 * i as f32)))
    {
        let p = pi;
        for qi in -4..=4 {
            let drift = 0.02 * qi as f64;
            let r = evaluate(p, drift);
            if r.0 > best.0 {
                best = r;
                best_drift = drift;
            }
        }
    }
    let (p_coarse, drift_coarse) = (best.1, best_drift);
    for pi in -5..=5 {
        let p = p_coarse * (1.0 + 0.001 * pi as f32);
        for qi in -4..=4 {
            let drift = drift_coarse + 0.005 * qi as f64;
            if drift.abs() > 0.09 {
                continue;
            }
            let r = evaluate(p, drift);
            if r.0 > best.0 {
                best = r;
            }
        }
    }
    let (m2, pitch, beta, re, im) = best;
    let periodicity = (2.0 * m2.sqrt() as f32 / energy.max(1e-6)).min(1.0);
    let alpha = tau / pitch as f64;
    // Ink peaks where φ(x) = θ + 2πk, θ = −arg(F).
    let theta = -im.atan2(re);
    let position = |k: f64| -> f32 {
        // Solve β·d² + α·d − (θ + 2πk) = 0 for the root near d = (θ + 2πk)/α.
        let target = theta + tau * k;
        let d = if beta.abs() < 1e-12 {
            target / alpha
        } else {
            let disc = (alpha * alpha + 4.0 * beta * target).max(0.0);
            (-alpha + disc.sqrt()) / (2.0 * beta)
        };
        xm + d as f32
    };
    let k_of = |x: f32| -> f64 {
        let d = (x - xm) as f64;
        (alpha * d + beta * d * d - theta) / tau
    };
    let k0 = k_of(first - pitch).floor() as i64;
    let k1 = k_of(last + pitch).ceil() as i64;
    let mean_share = |x0: f32, x1: f32| -> f32 {
        let a = x0.round().max(0.0) as usize;
        let b = (x1.round().max(0.0) as usize).min(share.len());
        if b <= a {
            0.0
        } else {
            share[a..b].iter().sum::<f32>() / (b - a) as f32
        }
    };
    let cells: Vec<(f32, f32)> = (k0..=k1)
        .map(|k| {
            let c = position(k as f64);
            let left = position(k as f64 - 0.5);
            let right = position(k as f64 + 0.5);
            let p = right - left;
            let middle = mean_share(c - 0.3 * p, c + 0.3 * p);
            let edges = 0.5
                * (mean_share(left - 0.08 * p, left + 0.08 * p)
                    + mean_share(right - 0.08 * p, right + 0.08 * p));
            let x0 = left.round().max(0.0) as usize;
            let x1 = (right.round().max(0.0) as usize).min(strip.barrier.len());
            let blocked = strip.barrier[x0.min(x1)..x1].iter().any(|&b| b);
            (c, middle - 1.5 * edges - if blocked { 5.0 } else { 0.0 })
        })
        .collect();
    if cells.len() < n {
        return None;
    }
    let expected_first = first + 0.5 * INK_SHARE * pitch;
    let mut chosen = (f32::NEG_INFINITY, 0usize);
    for start in 0..=cells.len() - n {
        let score: f32 = cells[start..start + n].iter().map(|c| c.1).sum::<f32>()
            - 1e-3 * (cells[start].0 - expected_first).abs();
        if score > chosen.0 {
            chosen = (score, start);
        }
    }
    let centres: Vec<f32> = cells[chosen.1..chosen.1 + n].iter().map(|c| c.0).collect();
    let pitch = (centres[n - 1] - centres[0]) / (n - 1) as f32;
    Some(Grid {
        centres,
        pitch,
        periodicity,
        candidates: cells,
        start: chosen.1,
    })
}

/// The recogniser's input for every cell of the grid: [`CELL_W`]×[`CELL_H`] ink values,
/// row-major, body from row [`CELL_TOP`] to `CELL_TOP + BODY` scaled to the measured body.
pub fn cell_inputs(strip: &Strip, grid: &Grid) -> Vec<Vec<f32>> {
    let s = strip.body() / BODY;
    grid.centres
        .iter()
        .map(|&cx| {
            let mut cell = Vec::with_capacity(CELL_W * CELL_H);
            for v in 0..CELL_H {
                let y = strip.top + (v as f32 + 0.5 - CELL_TOP) * s;
                for u in 0..CELL_W {
                    let x = cx + (u as f32 + 0.5 - CELL_W as f32 / 2.0) * s;
                    // A document edge beside the first or last glyph is not part of it.
                    let column = (x.max(0.0) as usize).min(strip.barrier.len() - 1);
                    cell.push(if strip.barrier[column] {
                        0.0
                    } else {
                        strip.ink.bilinear(x, y)
                    });
                }
            }
            cell
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cell_window_is_symmetric_about_the_body_so_a_reversed_cell_is_the_cell_turned() {
        assert_eq!(CELL_H as f32, BODY + 2.0 * CELL_TOP);
        assert_eq!(CELL_W % 2, 0);
    }

    /// A synthetic line of 30 dark blocks (0.68 pitch wide) on paper, slightly tilted.
    #[test]
    fn a_periodic_line_is_straightened_and_split_into_its_cells() {
        let (pitch, body) = (31.0f32, 30.0f32);
        let mut img = Plane::new(1100, 200, 220.0);
        let tilt = 0.03f32;
        for y in 0..200 {
            for x in 0..1100 {
                let xf = x as f32 + 0.5;
                let yf = y as f32 + 0.5 - tilt * (xf - 50.0);
                let i = ((xf - 50.0) / pitch).floor();
                let within = (xf - 50.0) - i * pitch;
                if (0.0..30.0).contains(&i)
                    && within > 0.16 * pitch
                    && within < 0.84 * pitch
                    && (80.0..80.0 + body).contains(&yf)
                {
                    img.set(x, y, 40.0);
                }
            }
        }
        // A rough guess: ends a little off, body 15 % too small, no tilt.
        let g = LineGeometry {
            start: (58.0, 95.0),
            end: (1000.0, 95.0 + 0.03 * 950.0 + 3.0),
            body: 0.85 * body,
        };
        let strip = prepare_line(&img, &g).expect("line");
        assert!((strip.body() - BODY).abs() < 1.5, "body {}", strip.body());
        let grid = fit_grid(&strip, 30).expect("grid");
        assert_eq!(grid.centres.len(), 30);
        let expected_pitch = pitch / (strip.geometry.body / BODY);
        assert!((grid.pitch - expected_pitch).abs() < 0.3, "{grid:?}");
        // Every cell centre sits in the middle of a block: the cell's middle column is ink.
        let inputs = cell_inputs(&strip, &grid);
        for cell in &inputs {
            let mid = cell[(CELL_TOP as usize + 10) * CELL_W + CELL_W / 2];
            assert!(mid > 0.8, "mid {mid}");
        }
    }
}
