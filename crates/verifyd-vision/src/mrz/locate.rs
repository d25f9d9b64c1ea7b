//! Location: where the MRZ lines are in a photo, as line geometries for the segmenter.
//!
//! 1. Shrink the image so its longer side is at most `max_side` pixels (the reader retries
//!    at a larger size when nothing is found).
//! 2. Binarise dark-on-light with Sauvola's local threshold (integral images), which copes
//!    with uneven lighting and low contrast, and label 8-connected components.
//! 3. Chain glyph-sized components into text lines: each links to its nearest right
//!    neighbour of similar height that lies within ±17° of horizontal. Then every component
//!    on a chain's fitted centre line (also long blobs of glyphs merged by blur) is absorbed,
//!    and collinear chains separated by a small gap are joined.
//! 4. MRZ lines are long (≥ 18 body heights) and dense. Groups of 2 or 3 such lines that are
//!    parallel, of near-equal length and body, aligned at the left and evenly spaced
//!    (1.2–3.2 bodies apart) are the candidates, best first.
//!
//! Orientation is not decided here: a zone upside down is located the same way (the reader
//! tries both readings). Works on ±15° of skew; the segmenter straightens the rest.

use super::plane::{shrink, Plane};
use super::segment::LineGeometry;

/// One candidate zone: its lines top to bottom (in the image as given), and a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub lines: Vec<LineGeometry>,
    pub score: f32,
}

#[derive(Debug, Clone, Copy)]
struct Component {
    x0: u32,
    y0: u32,
    x1: u32, // exclusive
    y1: u32, // exclusive
    count: u32,
}

impl Component {
    fn w(&self) -> f32 {
        (self.x1 - self.x0) as f32
    }
    fn h(&self) -> f32 {
        (self.y1 - self.y0) as f32
    }
    fn cx(&self) -> f32 {
        0.5 * (self.x0 + self.x1) as f32
    }
    fn cy(&self) -> f32 {
        0.5 * (self.y0 + self.y1) as f32
    }
}

/// Sauvola binarisation: ink where v < m·(1 + k·(s/R − 1)) and clearly darker than the local
/// mean (m, s: mean and deviation over a (2r+1)² window, edges clipped). Window sums are
/// kept as exact integers in a sliding band of rows, so memory stays one row wide.
fn binarise(img: &Plane, radius: usize) -> Vec<bool> {
    let (w, h) = (img.width, img.height);
    let values: Vec<u32> = img
        .data
        .iter()
        .map(|&v| v.round().clamp(0.0, 255.0) as u32)
        .collect();
    // Column sums over the rows of the current window.
    let mut col_sum = vec![0u64; w];
    let mut col_sq = vec![0u64; w];
    let add_row = |y: usize, sign: i64, col_sum: &mut [u64], col_sq: &mut [u64]| {
        for x in 0..w {
            let v = values[y * w + x] as u64;
            if sign > 0 {
                col_sum[x] += v;
                col_sq[x] += v * v;
            } else {
                col_sum[x] -= v;
                col_sq[x] -= v * v;
            }
        }
    };
    for y in 0..radius.min(h) {
        add_row(y, 1, &mut col_sum, &mut col_sq);
    }
    let mut out = vec![false; w * h];
    for y in 0..h {
        // Window rows: y − r ..= y + r, clipped.
        if y + radius < h {
            add_row(y + radius, 1, &mut col_sum, &mut col_sq);
        }
        if y > radius {
            add_row(y - radius - 1, -1, &mut col_sum, &mut col_sq);
        }
        let rows = (y + radius + 1).min(h) - y.saturating_sub(radius);
        let (mut s, mut q) = (0u64, 0u64);
        for x in 0..radius.min(w) {
            s += col_sum[x];
            q += col_sq[x];
        }
        for x in 0..w {
            if x + radius < w {
                s += col_sum[x + radius];
                q += col_sq[x + radius];
            }
            if x > radius {
                s -= col_sum[x - radius - 1];
                q -= col_sq[x - radius - 1];
            }
            let cols = (x + radius + 1).min(w) - x.saturating_sub(radius);
            let n = (rows * cols) as f32;
            let m = s as f32 / n;
            let var = (q as f32 / n - m * m).max(0.0);
            let t = m * (1.0 + 0.2 * (var.sqrt() / 128.0 - 1.0));
            let v = values[y * w + x] as f32;
            out[y * w + x] = v < t && m - v > 10.0;
        }
    }
    out
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        parent[i as usize] = parent[parent[i as usize] as usize];
        i = parent[i as usize];
    }
    i
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi as usize] = lo;
    }
}

/// 8-connected components of the ink mask (two-pass labelling with union–find).
fn components(mask: &[bool], w: usize, h: usize) -> Vec<Component> {
    let mut labels = vec![0u32; w * h];
    let mut parent: Vec<u32> = vec![0];
    for y in 0..h {
        for x in 0..w {
            if !mask[y * w + x] {
                continue;
            }
            let mut neighbours = [0u32; 4];
            if x > 0 {
                neighbours[0] = labels[y * w + x - 1];
            }
            if y > 0 {
                neighbours[1] = labels[(y - 1) * w + x];
                if x > 0 {
                    neighbours[2] = labels[(y - 1) * w + x - 1];
                }
                if x + 1 < w {
                    neighbours[3] = labels[(y - 1) * w + x + 1];
                }
            }
            let min = neighbours.iter().filter(|&&l| l > 0).min().copied();
            let label = match min {
                Some(l) => {
                    for &n in neighbours.iter().filter(|&&l| l > 0) {
                        union(&mut parent, l, n);
                    }
                    l
                }
                None => {
                    let l = parent.len() as u32;
                    parent.push(l);
                    l
                }
            };
            labels[y * w + x] = label;
        }
    }
    let mut index = vec![u32::MAX; parent.len()];
    let mut comps: Vec<Component> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let l = labels[y * w + x];
            if l == 0 {
                continue;
            }
            let r = find(&mut parent, l) as usize;
            if index[r] == u32::MAX {
                index[r] = comps.len() as u32;
                comps.push(Component {
                    x0: x as u32,
                    y0: y as u32,
                    x1: x as u32 + 1,
                    y1: y as u32 + 1,
                    count: 0,
                });
            }
            let c = &mut comps[index[r] as usize];
            c.x0 = c.x0.min(x as u32);
            c.x1 = c.x1.max(x as u32 + 1);
            c.y0 = c.y0.min(y as u32);
            c.y1 = c.y1.max(y as u32 + 1);
            c.count += 1;
        }
    }
    comps
}

/// A text line found in the working image.
#[derive(Debug, Clone)]
struct Line {
    /// Centre line y = a + b·x (working pixels).
    a: f32,
    b: f32,
    /// Body height (working pixels).
    body: f32,
    /// Extent along x.
    x0: f32,
    x1: f32,
    /// Sum of member widths over the extent.
    density: f32,
    members: Vec<usize>,
}

impl Line {
    fn y_at(&self, x: f32) -> f32 {
        self.a + self.b * x
    }
    fn length(&self) -> f32 {
        (self.x1 - self.x0) * (1.0 + self.b * self.b).sqrt()
    }
}

/// Least squares y = a + b·x through the centres of `members`, dropping outliers once.
fn fit_line(comps: &[Component], members: &[usize], body: f32) -> (f32, f32) {
    let fit = |idx: &[usize]| -> (f32, f32) {
        let n = idx.len() as f32;
        let mx = idx.iter().map(|&i| comps[i].cx()).sum::<f32>() / n;
        let my = idx.iter().map(|&i| comps[i].cy()).sum::<f32>() / n;
        let sxx: f32 = idx.iter().map(|&i| (comps[i].cx() - mx).powi(2)).sum();
        let sxy: f32 = idx
            .iter()
            .map(|&i| (comps[i].cx() - mx) * (comps[i].cy() - my))
            .sum();
        let b = if sxx > 1e-3 { sxy / sxx } else { 0.0 };
        (my - b * mx, b)
    };
    let (a, b) = fit(members);
    let kept: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| (comps[i].cy() - (a + b * comps[i].cx())).abs() < 0.25 * body)
        .collect();
    if kept.len() >= 4 && kept.len() < members.len() {
        fit(&kept)
    } else {
        (a, b)
    }
}

fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b)).1
}

/// Thickness of a component across a line of slope `b`: its bounding box height minus what
/// the slope adds over its width.
fn thickness(c: &Component, b: f32) -> f32 {
    let cos = 1.0 / (1.0 + b * b).sqrt();
    ((c.h() - c.w() * (b * cos).abs()) / cos).max(1.0)
}

fn text_lines(comps: &[Component]) -> Vec<Line> {
    let glyph: Vec<usize> = (0..comps.len())
        .filter(|&i| {
            let c = &comps[i];
            c.h() >= 5.0
                && c.h() <= 150.0
                && c.w() <= 1.6 * c.h()
                && c.w() >= 0.15 * c.h()
                && c.count >= 10
        })
        .collect();
    // Spatial buckets by centre, to find neighbours quickly.
    let cell = 32.0f32;
    let mut buckets: std::collections::HashMap<(i32, i32), Vec<usize>> =
        std::collections::HashMap::new();
    for &i in &glyph {
        let c = &comps[i];
        buckets
            .entry(((c.cx() / cell) as i32, (c.cy() / cell) as i32))
            .or_default()
            .push(i);
    }
    let mut parent: Vec<u32> = (0..comps.len() as u32).collect();
    for &i in &glyph {
        let a = &comps[i];
        let reach = 2.6 * a.h();
        let (bx0, bx1) = ((a.cx() / cell) as i32, ((a.cx() + reach) / cell) as i32);
        let (by0, by1) = (
            ((a.cy() - reach) / cell) as i32,
            ((a.cy() + reach) / cell) as i32,
        );
        let mut best: Option<(f32, usize)> = None;
        for bx in bx0..=bx1 {
            for by in by0..=by1 {
                let Some(list) = buckets.get(&(bx, by)) else {
                    continue;
                };
                for &j in list {
                    if j == i {
                        continue;
                    }
                    let b = &comps[j];
                    let ratio = b.h() / a.h();
                    let dx = b.cx() - a.cx();
                    let dy = b.cy() - a.cy();
                    if !(0.6..=1.6).contains(&ratio)
                        || dx <= 0.3 * a.h()
                        || dx > 2.6 * a.h().max(b.h())
                        || dy.abs() > 0.3 * dx + 0.15 * a.h()
                    {
                        continue;
                    }
                    if best.is_none_or(|(d, _)| dx < d) {
                        best = Some((dx, j));
                    }
                }
            }
        }
        if let Some((_, j)) = best {
            union(&mut parent, i as u32, j as u32);
        }
    }
    let mut chains: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    for &i in &glyph {
        let r = find(&mut parent, i as u32);
        chains.entry(r).or_default().push(i);
    }
    let mut lines: Vec<Line> = Vec::new();
    for members in chains.into_values() {
        if members.len() < 6 {
            continue;
        }
        let body0 = median(members.iter().map(|&i| comps[i].h()).collect());
        let (a, b) = fit_line(comps, &members, body0);
        let body = median(members.iter().map(|&i| thickness(&comps[i], b)).collect());
        let x0 = members
            .iter()
            .map(|&i| comps[i].x0 as f32)
            .fold(f32::MAX, f32::min);
        let x1 = members
            .iter()
            .map(|&i| comps[i].x1 as f32)
            .fold(f32::MIN, f32::max);
        lines.push(Line {
            a,
            b,
            body,
            x0,
            x1,
            density: 0.0,
            members,
        });
    }
    // Absorb every component on a line (merged glyph runs, broken pieces), extending the
    // line outwards across gaps of up to three bodies; then join collinear lines.
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by(|&i, &j| comps[i].cx().total_cmp(&comps[j].cx()));
    for line in lines.iter_mut() {
        let mut members: Vec<usize> = Vec::new();
        let fits = |c: &Component, line: &Line| {
            (c.cy() - line.y_at(c.cx())).abs() < 0.35 * line.body
                && thickness(c, line.b) < 1.45 * line.body
                && thickness(c, line.b) > 0.4 * line.body
        };
        // Components already inside the extent.
        let mut x0 = line.x0;
        let mut x1 = line.x1;
        for &i in &order {
            let c = &comps[i];
            if c.cx() >= x0 && c.cx() <= x1 && fits(c, line) {
                members.push(i);
            }
        }
        // Extend to the right, then to the left.
        for &i in &order {
            let c = &comps[i];
            if c.cx() > x1 && (c.x0 as f32) - x1 < 3.0 * line.body && fits(c, line) {
                members.push(i);
                x1 = x1.max(c.x1 as f32);
            }
        }
        for &i in order.iter().rev() {
            let c = &comps[i];
            if c.cx() < x0 && x0 - (c.x1 as f32) < 3.0 * line.body && fits(c, line) {
                members.push(i);
                x0 = x0.min(c.x0 as f32);
            }
        }
        members.sort_unstable();
        members.dedup();
        line.x0 = members
            .iter()
            .map(|&i| comps[i].x0 as f32)
            .fold(x0, f32::min);
        line.x1 = members
            .iter()
            .map(|&i| comps[i].x1 as f32)
            .fold(x1, f32::max);
        line.members = members;
    }
    // Join collinear lines that touch or overlap (a line split by a gap or found twice).
    lines.sort_by_key(|l| std::cmp::Reverse(l.members.len()));
    let mut joined: Vec<Line> = Vec::new();
    'next: for line in lines {
        for other in joined.iter_mut() {
            let body = other.body.max(line.body);
            let mid = 0.5 * (line.x0 + line.x1);
            let gap = (line.x0 - other.x1).max(other.x0 - line.x1);
            if (line.y_at(mid) - other.y_at(mid)).abs() < 0.35 * body
                && (line.body / other.body - 1.0).abs() < 0.3
                && gap < 3.0 * body
            {
                other.members.extend(line.members);
                other.members.sort_unstable();
                other.members.dedup();
                other.x0 = other.x0.min(line.x0);
                other.x1 = other.x1.max(line.x1);
                continue 'next;
            }
        }
        joined.push(line);
    }
    for line in joined.iter_mut() {
        let glyphs: Vec<usize> = line
            .members
            .iter()
            .copied()
            .filter(|&i| comps[i].w() <= 1.6 * comps[i].h())
            .collect();
        if glyphs.len() >= 4 {
            let (a, b) = fit_line(comps, &glyphs, line.body);
            line.a = a;
            line.b = b;
            line.body = median(glyphs.iter().map(|&i| thickness(&comps[i], b)).collect());
        }
        // Density: the share of the extent covered by members (overlaps counted once).
        let mut spans: Vec<(f32, f32)> = line
            .members
            .iter()
            .map(|&i| (comps[i].x0 as f32, comps[i].x1 as f32))
            .collect();
        spans.sort_by(|p, q| p.0.total_cmp(&q.0));
        let mut covered = 0.0;
        let mut end = f32::MIN;
        for (s, e) in spans {
            let s = s.max(end);
            if e > s {
                covered += e - s;
                end = e;
            }
        }
        line.density = covered / (line.x1 - line.x0).max(1.0);
    }
    joined
}

/// A text line as the evaluation tool's diagnostics show it (source pixels).
#[derive(Debug, Clone, Copy)]
pub struct LineSummary {
    pub start: (f32, f32),
    pub end: (f32, f32),
    pub body: f32,
    pub density: f32,
}

/// The text lines found in `image` (for the evaluation tool's diagnostics).
pub fn text_line_summary(image: &Plane, max_side: usize) -> Vec<LineSummary> {
    let longest = image.width.max(image.height);
    let factor = (longest as f32 / max_side as f32).max(1.0);
    let work = shrink(image, factor);
    let scale = image.width as f32 / work.width as f32;
    let mask = binarise(&work, 15);
    let comps = components(&mask, work.width, work.height);
    text_lines(&comps)
        .into_iter()
        .map(|l| LineSummary {
            start: (l.x0 * scale, l.y_at(l.x0) * scale),
            end: (l.x1 * scale, l.y_at(l.x1) * scale),
            body: l.body * scale,
            density: l.density,
        })
        .collect()
}

/// Candidate zones in `image`, best first. `max_side` bounds the working size.
pub fn locate(image: &Plane, max_side: usize) -> Vec<Candidate> {
    let longest = image.width.max(image.height);
    let factor = (longest as f32 / max_side as f32).max(1.0);
    let work = shrink(image, factor);
    let scale = image.width as f32 / work.width as f32;
    let mask = binarise(&work, 15);
    let comps = components(&mask, work.width, work.height);
    let lines: Vec<Line> = text_lines(&comps)
        .into_iter()
        .filter(|l| l.length() >= 18.0 * l.body && l.density >= 0.45 && l.b.abs() < 0.3)
        .collect();
    let mut candidates: Vec<Candidate> = Vec::new();
    let n = lines.len();
    // Every ordered pair (top, bottom) of compatible lines, and triples with even spacing.
    let compatible = |p: &Line, q: &Line| -> Option<f32> {
        let body = 0.5 * (p.body + q.body);
        let mid = 0.5 * (p.x0 + p.x1);
        let gap = (q.y_at(mid) - p.y_at(mid)) / (1.0 + p.b * p.b).sqrt();
        let ok = (p.b - q.b).abs() < 0.05
            && p.body.max(q.body) < 1.4 * p.body.min(q.body)
            && (p.length() / q.length() - 1.0).abs() < 0.2
            // Both ends align; a stray mark may lengthen one line at one end.
            && ((p.x0 - q.x0).abs() < 2.5 * body || (p.x1 - q.x1).abs() < 2.5 * body)
            && (p.x0 - q.x0).abs() < 5.0 * body
            && (p.x1 - q.x1).abs() < 5.0 * body
            && gap > 1.2 * body
            && gap < 3.2 * body;
        ok.then_some(gap)
    };
    let to_geometry = |l: &Line| -> LineGeometry {
        LineGeometry {
            start: (l.x0 * scale, l.y_at(l.x0) * scale),
            end: (l.x1 * scale, l.y_at(l.x1) * scale),
            body: l.body * scale,
        }
    };
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let Some(g1) = compatible(&lines[i], &lines[j]) else {
                continue;
            };
            let length_bonus = 0.02 * (lines[i].length() / lines[i].body).min(45.0);
            let base = lines[i].density.min(lines[j].density) + length_bonus;
            candidates.push(Candidate {
                lines: vec![to_geometry(&lines[i]), to_geometry(&lines[j])],
                score: base,
            });
            for k in 0..n {
                if k == i || k == j {
                    continue;
                }
                let Some(g2) = compatible(&lines[j], &lines[k]) else {
                    continue;
                };
                if (g2 / g1 - 1.0).abs() < 0.25 {
                    candidates.push(Candidate {
                        lines: vec![
                            to_geometry(&lines[i]),
                            to_geometry(&lines[j]),
                            to_geometry(&lines[k]),
                        ],
                        score: lines[i].density.min(lines[j].density).min(lines[k].density)
                            + length_bonus
                            + 0.5,
                    });
                }
            }
        }
    }
    candidates.sort_by(|p, q| q.score.total_cmp(&p.score));
    // A 3-line zone comes before its 2-line subsets (its score is higher); the subsets stay,
    // in case the third line was a neighbour of the zone and the reading says so.
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_labelled_with_their_bounding_boxes() {
        let (w, h) = (10, 6);
        let mut mask = vec![false; w * h];
        for (x, y) in [(1, 1), (2, 2), (3, 1), (7, 4), (8, 4), (8, 5)] {
            mask[y * w + x] = true;
        }
        let mut comps = components(&mask, w, h);
        comps.sort_by_key(|c| c.x0);
        assert_eq!(comps.len(), 2);
        assert_eq!(
            (comps[0].x0, comps[0].y0, comps[0].x1, comps[0].y1),
            (1, 1, 4, 3)
        );
        assert_eq!(comps[0].count, 3);
        assert_eq!(
            (comps[1].x0, comps[1].y0, comps[1].x1, comps[1].y1),
            (7, 4, 9, 6)
        );
    }
}
