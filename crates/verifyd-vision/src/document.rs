//! Finding the document in a photo and flattening it: the card or passport page is the
//! largest convex, roughly rectangular region whose edges stand out from the background
//! all along its outline (a shape that wood grain, a shadow or the photo's border made
//! is an edge along a side or two only).
//! Its four corners give a perspective transform onto an upright rectangle of the
//! document's own proportions (ID-1 cards 85.60 × 53.98 mm, passport pages 125 × 88 mm),
//! which the readers then work on. When nothing convincing is found, the whole image is
//! used as it is.

use image::imageops::{resize, FilterType};
use image::{GrayImage, Luma};
use imageproc::contours::{find_contours, BorderType};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};
use imageproc::geometry::{contour_area, convex_hull, min_area_rect};
use imageproc::point::Point;

/// Four corners in image pixels: top-left, top-right, bottom-right, bottom-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad {
    pub corners: [(f32, f32); 4],
}

/// Width × height proportions of the documents verifyd reads.
const ID1_ASPECT: f32 = 85.60 / 53.98;
const PASSPORT_PAGE_ASPECT: f32 = 125.0 / 88.0;

/// Side of the downscaled image the search runs on.
const SEARCH_SIDE: u32 = 640;

impl Quad {
    fn side(&self, a: usize, b: usize) -> f32 {
        let (p, q) = (self.corners[a], self.corners[b]);
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
    }

    /// Whether `point` lies inside the quadrilateral (corners in either winding).
    pub fn contains(&self, point: (f32, f32)) -> bool {
        let mut sign = 0.0f32;
        for i in 0..4 {
            let (a, b) = (self.corners[i], self.corners[(i + 1) % 4]);
            let cross = (b.0 - a.0) * (point.1 - a.1) - (b.1 - a.1) * (point.0 - a.0);
            if cross != 0.0 {
                if sign != 0.0 && cross.signum() != sign {
                    return false;
                }
                sign = cross.signum();
            }
        }
        true
    }

    /// Mean width and height of the quadrilateral.
    pub fn size(&self) -> (f32, f32) {
        (
            (self.side(0, 1) + self.side(3, 2)) / 2.0,
            (self.side(1, 2) + self.side(0, 3)) / 2.0,
        )
    }

    pub fn area(&self) -> f32 {
        let c = &self.corners;
        let mut twice = 0.0;
        for i in 0..4 {
            let (p, q) = (c[i], c[(i + 1) % 4]);
            twice += p.0 * q.1 - q.0 * p.1;
        }
        (twice / 2.0).abs()
    }

    fn scaled(&self, factor: f32) -> Quad {
        Quad {
            corners: self.corners.map(|(x, y)| (x * factor, y * factor)),
        }
    }
}

/// Looks for the document in `gray`. `None` when no region is convincing.
pub fn find_document(gray: &GrayImage) -> Option<Quad> {
    let (w, h) = gray.dimensions();
    let factor = SEARCH_SIDE as f32 / w.max(h) as f32;
    let small = if factor < 1.0 {
        resize(
            gray,
            ((w as f32 * factor).round() as u32).max(1),
            ((h as f32 * factor).round() as u32).max(1),
            FilterType::Triangle,
        )
    } else {
        gray.clone()
    };
    let factor = factor.min(1.0);
    let smooth = imageproc::filter::gaussian_blur_f32(&small, 1.5);
    let image_area = (small.width() * small.height()) as f32;

    let mut candidates = Vec::new();
    // Edges: the document's outline against the background.
    // Faint edges too (a light card on a light surface), as further candidates; at that
    // sensitivity a textured surface outlines shapes too, so an outline that runs into the
    // photo's border does not count (a whole card lies inside the photo).
    for (low, high, off_border) in [(15.0, 40.0, false), (6.0, 16.0, true)] {
        let edges = imageproc::edges::canny(&smooth, low, high);
        let edges =
            imageproc::morphology::dilate(&edges, imageproc::distance_transform::Norm::LInf, 2);
        let found = quads_of(&edges, image_area);
        candidates.extend(
            found
                .into_iter()
                .filter(|(quad, _)| !off_border || inside_border(quad, small.dimensions())),
        );
    }
    // Brightness: a document lighter (or darker) than the surface it lies on.
    let level = imageproc::contrast::otsu_level(&smooth);
    for invert in [false, true] {
        let mask = GrayImage::from_fn(small.width(), small.height(), |x, y| {
            let bright = smooth.get_pixel(x, y)[0] > level;
            Luma([if bright != invert { 255 } else { 0 }])
        });
        let mask = imageproc::morphology::open(&mask, imageproc::distance_transform::Norm::LInf, 2);
        candidates.extend(quads_of(&mask, image_area));
    }
    // A card's outline is an edge all the way round; a shape that a textured or shaded
    // surface made (wood grain, a shadow, the photo's own border) is an edge along a side
    // or two. Each candidate's score is weighed by the square of the share of its outline
    // that is an edge.
    candidates
        .into_iter()
        .map(|(quad, score)| {
            let support = outline_support(&smooth, &quad);
            let weighed = if score > 0.0 {
                score * support * support
            } else {
                score
            };
            (quad, weighed)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(quad, _)| quad.scaled(1.0 / factor))
}

/// How far either side of an outline the surfaces are compared, in search pixels, and the
/// difference in brightness that makes an edge there.
const OUTLINE_PROBE: [f32; 3] = [3.0, 4.0, 5.0];
const OUTLINE_STEP: f32 = 4.0;
/// Points probed along each side (the ends, where card corners are rounded, left out).
const OUTLINE_POINTS: usize = 24;

/// The share of `quad`'s outline (on the search image `smooth`) along which the inside
/// differs from the outside by at least [`OUTLINE_STEP`], in the direction that holds for
/// most of that side (a card is lighter, or darker, than its surface all along an edge).
/// The four sides weigh alike; a point whose probe leaves the image is no edge.
fn outline_support(smooth: &GrayImage, quad: &Quad) -> f32 {
    let (w, h) = (smooth.width() as f32, smooth.height() as f32);
    let c = quad.corners;
    let centre = (
        c.iter().map(|p| p.0).sum::<f32>() / 4.0,
        c.iter().map(|p| p.1).sum::<f32>() / 4.0,
    );
    let mean_at = |points: &mut dyn Iterator<Item = (f32, f32)>| -> Option<f32> {
        let mut sum = 0.0;
        let mut n = 0.0;
        for (x, y) in points {
            if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
                return None;
            }
            sum += f32::from(smooth.get_pixel(x.round() as u32, y.round() as u32)[0]);
            n += 1.0;
        }
        Some(sum / n)
    };
    let mut total = 0.0;
    for i in 0..4 {
        let (a, b) = (c[i], c[(i + 1) % 4]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        // The unit normal that points away from the centre.
        let (mut nx, mut ny) = (-dy / length, dx / length);
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        if (mid.0 - centre.0) * nx + (mid.1 - centre.1) * ny < 0.0 {
            (nx, ny) = (-nx, -ny);
        }
        let (mut lighter, mut darker) = (0usize, 0usize);
        for k in 0..OUTLINE_POINTS {
            let t = 0.1 + 0.8 * (k as f32 + 0.5) / OUTLINE_POINTS as f32;
            let (px, py) = (a.0 + dx * t, a.1 + dy * t);
            let inside = mean_at(&mut OUTLINE_PROBE.iter().map(|d| (px - nx * d, py - ny * d)));
            let outside = mean_at(&mut OUTLINE_PROBE.iter().map(|d| (px + nx * d, py + ny * d)));
            if let (Some(inside), Some(outside)) = (inside, outside) {
                if inside - outside >= OUTLINE_STEP {
                    lighter += 1;
                } else if outside - inside >= OUTLINE_STEP {
                    darker += 1;
                }
            }
        }
        total += lighter.max(darker) as f32 / OUTLINE_POINTS as f32;
    }
    total / 4.0
}

/// Whether every corner of `quad` lies clear of the border of an image of `size`.
fn inside_border(quad: &Quad, (w, h): (u32, u32)) -> bool {
    let margin = w.max(h) as f32 * 0.015;
    quad.corners.iter().all(|&(x, y)| {
        x >= margin && y >= margin && x <= w as f32 - margin && y <= h as f32 - margin
    })
}

/// Convincing quadrilaterals among the outer contours of a binary image, with a score.
fn quads_of(binary: &GrayImage, image_area: f32) -> Vec<(Quad, f32)> {
    let mut out = Vec::new();
    for contour in find_contours::<i32>(binary) {
        if contour.border_type != BorderType::Outer || contour.points.len() < 20 {
            continue;
        }
        let hull = convex_hull(contour.points.clone());
        if hull.len() < 4 {
            continue;
        }
        let hull_area = contour_area(&hull) as f32;
        let share = hull_area / image_area;
        if !(0.08..=0.985).contains(&share) {
            continue;
        }
        let Some(quad) = quad_of_hull(&hull) else {
            continue;
        };
        // The hull must be nearly the quadrilateral itself (a card, not a blob).
        let fill = quad.area() / hull_area;
        if !(0.9..=1.05).contains(&fill) {
            continue;
        }
        let (qw, qh) = quad.size();
        let aspect = qw / qh.max(1.0);
        if !(1.15..=2.1).contains(&aspect) {
            continue;
        }
        let closeness = [ID1_ASPECT, PASSPORT_PAGE_ASPECT]
            .iter()
            .map(|a| (aspect - a).abs())
            .fold(f32::MAX, f32::min);
        out.push((quad, share * fill - closeness * 0.2));
    }
    out
}

/// The quadrilateral a convex hull outlines: its points furthest along the four diagonal
/// directions of its minimum-area rectangle (rounded card corners land near the true ones).
fn quad_of_hull(hull: &[Point<i32>]) -> Option<Quad> {
    let rect = min_area_rect(hull);
    let (dx, dy) = (
        (rect[1].x - rect[0].x) as f32,
        (rect[1].y - rect[0].y) as f32,
    );
    let angle = dy.atan2(dx);
    let (sin, cos) = angle.sin_cos();
    // Coordinates in the rectangle's own frame.
    let local = |p: &Point<i32>| {
        let (x, y) = (p.x as f32, p.y as f32);
        (x * cos + y * sin, -x * sin + y * cos)
    };
    let pick = |score: &dyn Fn(f32, f32) -> f32| {
        hull.iter()
            .max_by(|a, b| {
                let (ax, ay) = local(a);
                let (bx, by) = local(b);
                score(ax, ay).total_cmp(&score(bx, by))
            })
            .map(|p| (p.x as f32, p.y as f32))
    };
    let corners = [
        pick(&|x, y| -x - y)?,
        pick(&|x, y| x - y)?,
        pick(&|x, y| x + y)?,
        pick(&|x, y| -x + y)?,
    ];
    Some(upright(Quad { corners }))
}

/// Orders corners clockwise from the top-left in image coordinates, with the long sides
/// horizontal (a document lying sideways is turned to landscape).
fn upright(quad: Quad) -> Quad {
    let c = quad.corners;
    let cx = c.iter().map(|p| p.0).sum::<f32>() / 4.0;
    let cy = c.iter().map(|p| p.1).sum::<f32>() / 4.0;
    let mut sorted = c;
    sorted.sort_by(|a, b| {
        let ta = (a.1 - cy).atan2(a.0 - cx);
        let tb = (b.1 - cy).atan2(b.0 - cx);
        ta.total_cmp(&tb)
    });
    // atan2 with y down runs clockwise from the left; start at the corner nearest the
    // top-left of the bounding box.
    let start = (0..4)
        .min_by(|&i, &j| (sorted[i].0 + sorted[i].1).total_cmp(&(sorted[j].0 + sorted[j].1)))
        .unwrap_or(0);
    let mut corners = [sorted[0]; 4];
    for (k, corner) in corners.iter_mut().enumerate() {
        *corner = sorted[(start + k) % 4];
    }
    let mut q = Quad { corners };
    let (w, h) = q.size();
    if h > w {
        // Turn a portrait outline so that its long sides are the top and bottom.
        q.corners = [corners[3], corners[0], corners[1], corners[2]];
    }
    q
}

/// The document's proportions: the nearest standard one when close, else as measured.
pub fn document_aspect(quad: &Quad) -> f32 {
    let (w, h) = quad.size();
    let measured = w / h.max(1.0);
    [ID1_ASPECT, PASSPORT_PAGE_ASPECT]
        .into_iter()
        .min_by(|a, b| (measured - a).abs().total_cmp(&(measured - b).abs()))
        .filter(|a| (measured - a).abs() / a < 0.12)
        .unwrap_or(measured)
}

/// Flattens the document onto an upright rectangle about as wide as it appears in the
/// photo (between `min_width` and `max_width` pixels).
pub fn rectify(gray: &GrayImage, quad: &Quad, min_width: u32, max_width: u32) -> Option<GrayImage> {
    let aspect = document_aspect(quad);
    let (qw, _) = quad.size();
    let width = (qw.round() as u32).clamp(min_width, max_width);
    let height = ((width as f32 / aspect).round() as u32).max(1);
    let target = [
        (0.0, 0.0),
        (width as f32 - 1.0, 0.0),
        (width as f32 - 1.0, height as f32 - 1.0),
        (0.0, height as f32 - 1.0),
    ];
    let projection = Projection::from_control_points(quad.corners, target)?;
    let mut out = GrayImage::new(width, height);
    warp_into(
        gray,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Luma([255])),
        &mut out,
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageproc::geometric_transformations::{warp, Border, Interpolation};

    /// A light card with some dark marks, on a dark textured table, seen at an angle.
    fn photo(rotation_deg: f32) -> (GrayImage, [(f32, f32); 4]) {
        let (w, h) = (1200u32, 900u32);
        let mut img = GrayImage::from_fn(w, h, |x, y| Luma([40 + ((x * 7 + y * 3) % 23) as u8]));
        let (cw, ch) = (760.0f32, 760.0 / ID1_ASPECT);
        let (cx, cy) = (600.0f32, 450.0f32);
        let (s, c) = rotation_deg.to_radians().sin_cos();
        let corner = |dx: f32, dy: f32| (cx + dx * c - dy * s, cy + dx * s + dy * c);
        let corners = [
            corner(-cw / 2.0, -ch / 2.0),
            corner(cw / 2.0, -ch / 2.0),
            corner(cw / 2.0, ch / 2.0),
            corner(-cw / 2.0, ch / 2.0),
        ];
        let card = GrayImage::from_fn(cw as u32, ch as u32, |x, y| {
            let ink = (y % 40 < 6 && x > 60 && x < 500)
                || (600..700).contains(&x) && (300..400).contains(&y);
            Luma([if ink { 30 } else { 225 }])
        });
        let projection =
            Projection::from_control_points([(0.0, 0.0), (cw, 0.0), (cw, ch), (0.0, ch)], corners)
                .unwrap();
        let mut big = GrayImage::from_pixel(w, h, Luma([0]));
        image::imageops::overlay(&mut big, &card, 0, 0);
        let warped = warp(
            &big,
            projection,
            Interpolation::Bilinear,
            Border::Constant(Luma([0])),
        );
        for (x, y, p) in img.enumerate_pixels_mut() {
            let v = warped.get_pixel(x, y)[0];
            if v > 0 {
                *p = Luma([v]);
            }
        }
        (img, corners)
    }

    fn close(a: (f32, f32), b: (f32, f32), tolerance: f32) -> bool {
        ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() < tolerance
    }

    #[test]
    fn a_card_on_a_dark_table_is_found_at_its_corners() {
        for rotation in [0.0, 8.0, -17.0] {
            let (img, truth) = photo(rotation);
            let quad = find_document(&img).expect("card found");
            for (found, want) in quad.corners.iter().zip(truth.iter()) {
                assert!(
                    close(*found, *want, 14.0),
                    "{rotation}°: {found:?} vs {want:?}"
                );
            }
            let flat = rectify(&img, &quad, 600, 2000).unwrap();
            assert!((flat.width() as f32 / flat.height() as f32 - ID1_ASPECT).abs() < 0.01);
        }
    }

    /// The card's own outline is an edge all round; a shape that shares only the card's top
    /// edge and runs out over the table, or off the photo, is not.
    #[test]
    fn only_the_cards_outline_is_an_edge_all_round() {
        let (img, truth) = photo(0.0);
        let smooth = imageproc::filter::gaussian_blur_f32(&img, 1.5);
        let card = Quad { corners: truth };
        assert!(outline_support(&smooth, &card) > 0.9);
        let [tl, tr, _, _] = truth;
        let spilling = Quad {
            corners: [tl, tr, (1150.0, 880.0), (60.0, 880.0)],
        };
        assert!(outline_support(&smooth, &spilling) < 0.5);
        let off_the_photo = Quad {
            corners: [(0.0, 0.0), (1199.0, 0.0), (1199.0, 899.0), (0.0, 899.0)],
        };
        assert_eq!(outline_support(&smooth, &off_the_photo), 0.0);
    }

    #[test]
    fn an_image_without_a_document_has_none() {
        let noise = GrayImage::from_fn(800, 600, |x, y| Luma([((x * 31 + y * 17) % 255) as u8]));
        assert!(find_document(&noise).is_none());
    }

    #[test]
    fn a_point_is_inside_a_tilted_quadrilateral_whatever_its_winding() {
        let quad = Quad {
            corners: [(100.0, 50.0), (300.0, 100.0), (260.0, 260.0), (60.0, 210.0)],
        };
        assert!(quad.contains((180.0, 150.0)));
        assert!(!quad.contains((90.0, 60.0)));
        assert!(!quad.contains((320.0, 150.0)));
        let reversed = Quad {
            corners: [(60.0, 210.0), (260.0, 260.0), (300.0, 100.0), (100.0, 50.0)],
        };
        assert!(reversed.contains((180.0, 150.0)));
        assert!(!reversed.contains((180.0, 300.0)));
    }
}
