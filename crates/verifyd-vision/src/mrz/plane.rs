//! A grey image as `f32` samples, and the resampling the MRZ reader needs: bilinear lookups
//! and an affine warp that averages over the footprint of each output pixel (so shrinking
//! does not alias). Owns no policy: callers decide scales and orientations.

use image::GrayImage;

/// A single-channel image of `f32` samples, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Plane {
    pub fn new(width: usize, height: usize, fill: f32) -> Self {
        Self {
            width,
            height,
            data: vec![fill; width * height],
        }
    }

    pub fn from_gray(image: &GrayImage) -> Self {
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            data: image.as_raw().iter().map(|&v| f32::from(v)).collect(),
        }
    }

    /// Rounds and clamps to 0–255.
    pub fn to_gray(&self) -> GrayImage {
        let raw = self
            .data
            .iter()
            .map(|&v| v.round().clamp(0.0, 255.0) as u8)
            .collect();
        GrayImage::from_raw(self.width as u32, self.height as u32, raw)
            .expect("buffer matches dimensions")
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    #[inline]
    pub fn set(&mut self, x: usize, y: usize, v: f32) {
        self.data[y * self.width + x] = v;
    }

    /// Bilinear interpolation at pixel-centre coordinates (the centre of pixel (0,0) is
    /// (0.5, 0.5)); outside the image the nearest edge pixel is repeated.
    #[inline]
    pub fn bilinear(&self, x: f32, y: f32) -> f32 {
        let fx = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let x0 = fx as usize;
        let y0 = fy as usize;
        let x1 = (x0 + 1).min(self.width - 1);
        let y1 = (y0 + 1).min(self.height - 1);
        let ax = fx - x0 as f32;
        let ay = fy - y0 as f32;
        let top = self.get(x0, y0) * (1.0 - ax) + self.get(x1, y0) * ax;
        let bottom = self.get(x0, y1) * (1.0 - ax) + self.get(x1, y1) * ax;
        top * (1.0 - ay) + bottom * ay
    }

    /// Rotates by 180°.
    pub fn rotated_180(&self) -> Plane {
        let mut data = self.data.clone();
        data.reverse();
        Plane {
            width: self.width,
            height: self.height,
            data,
        }
    }
}

/// An affine map from output pixel coordinates (u, v) to source coordinates:
/// `origin + u·du + v·dv`, all in pixel-centre units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub origin: (f32, f32),
    pub du: (f32, f32),
    pub dv: (f32, f32),
}

impl Affine {
    #[inline]
    pub fn apply(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.origin.0 + u * self.du.0 + v * self.dv.0,
            self.origin.1 + u * self.du.1 + v * self.dv.1,
        )
    }
}

/// Samples a `width`×`height` image through `map`. Each output pixel averages an n×n grid of
/// bilinear samples over its footprint, n growing with the shrink factor (at most 4), which
/// approximates an area (box) filter when shrinking and is plain bilinear when enlarging.
pub fn warp(src: &Plane, width: usize, height: usize, map: &Affine) -> Plane {
    let scale_u = (map.du.0 * map.du.0 + map.du.1 * map.du.1).sqrt();
    let scale_v = (map.dv.0 * map.dv.0 + map.dv.1 * map.dv.1).sqrt();
    let nu = (scale_u.ceil() as usize).clamp(1, 4);
    let nv = (scale_v.ceil() as usize).clamp(1, 4);
    let inv = 1.0 / (nu * nv) as f32;
    let mut out = Plane::new(width, height, 0.0);
    for v in 0..height {
        for u in 0..width {
            let mut sum = 0.0;
            for j in 0..nv {
                let fv = v as f32 + (j as f32 + 0.5) / nv as f32;
                for i in 0..nu {
                    let fu = u as f32 + (i as f32 + 0.5) / nu as f32;
                    let (x, y) = map.apply(fu, fv);
                    sum += src.bilinear(x, y);
                }
            }
            out.data[v * width + u] = sum * inv;
        }
    }
    out
}

/// Shrinks by `factor` (≥ 1) with an exact area (box) filter, separably; returns a copy when
/// `factor` ≤ 1.
pub fn shrink(src: &Plane, factor: f32) -> Plane {
    if factor <= 1.0 {
        return src.clone();
    }
    let width = ((src.width as f32 / factor).round() as usize).max(1);
    let height = ((src.height as f32 / factor).round() as usize).max(1);
    // Horizontal pass into a width × src.height buffer, then vertical.
    let xs = area_weights(src.width, width);
    let ys = area_weights(src.height, height);
    let mut tmp = vec![0.0f32; width * src.height];
    for y in 0..src.height {
        let row = &src.data[y * src.width..(y + 1) * src.width];
        let out = &mut tmp[y * width..(y + 1) * width];
        for (o, taps) in out.iter_mut().zip(&xs) {
            *o = taps.iter().map(|&(i, w)| row[i] * w).sum();
        }
    }
    let mut out = Plane::new(width, height, 0.0);
    for (oy, taps) in ys.iter().enumerate() {
        let dst = &mut out.data[oy * width..(oy + 1) * width];
        for &(sy, w) in taps {
            for (d, &v) in dst.iter_mut().zip(&tmp[sy * width..(sy + 1) * width]) {
                *d += w * v;
            }
        }
    }
    out
}

/// For each of `n_out` output pixels, the source pixels its box covers and their weights.
fn area_weights(n_in: usize, n_out: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|o| {
            let (a, b) = (o as f64 * scale, (o + 1) as f64 * scale);
            let mut taps = Vec::new();
            let mut i = a.floor() as usize;
            while (i as f64) < b && i < n_in {
                let overlap = (b.min(i as f64 + 1.0) - a.max(i as f64)).max(0.0);
                if overlap > 0.0 {
                    taps.push((i, (overlap / scale) as f32));
                }
                i += 1;
            }
            taps
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warp_with_the_identity_map_returns_the_image() {
        let mut p = Plane::new(7, 5, 0.0);
        for (i, v) in p.data.iter_mut().enumerate() {
            *v = (i * 3 % 17) as f32;
        }
        let same = warp(
            &p,
            7,
            5,
            &Affine {
                origin: (0.0, 0.0),
                du: (1.0, 0.0),
                dv: (0.0, 1.0),
            },
        );
        for (a, b) in p.data.iter().zip(&same.data) {
            assert!((a - b).abs() < 1e-4);
        }
    }

    #[test]
    fn shrinking_by_two_averages_two_by_two_blocks() {
        let mut p = Plane::new(4, 2, 0.0);
        p.data = vec![0.0, 4.0, 8.0, 8.0, 4.0, 0.0, 8.0, 8.0];
        let s = shrink(&p, 2.0);
        assert_eq!((s.width, s.height), (2, 1));
        assert!((s.data[0] - 2.0).abs() < 1e-4 && (s.data[1] - 8.0).abs() < 1e-4);
    }
}
