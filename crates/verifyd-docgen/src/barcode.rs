//! PDF417 symbols for AAMVA payloads: rxing's encoder builds the module matrix, and this module
//! picks a realistic column count for the card and paints the modules at a whole number of
//! pixels each (so the canonical card is crisp).

use image::{Rgb, RgbImage};
use rxing::pdf417::encoder::PDF417;

/// A PDF417 symbol as modules: `rows[r][c]` is true for a dark module.
pub struct Symbol {
    pub rows: Vec<Vec<bool>>,
    pub columns: u32,
}

impl Symbol {
    pub fn width_modules(&self) -> u32 {
        self.rows.first().map(|r| r.len() as u32).unwrap_or(0)
    }
}

/// Encodes `payload` with exactly `columns` data columns at `ec_level`.
pub fn encode(payload: &[u8], columns: u32, ec_level: u8) -> Option<Symbol> {
    // AAMVA payloads are ASCII, so the &str the encoder wants holds exactly these bytes.
    let text = std::str::from_utf8(payload).ok()?;
    let mut enc = PDF417::new();
    enc.setDimensions(columns, columns, 90, 3);
    enc.generateBarcodeLogic(text, ec_level as u32).ok()?;
    let matrix = enc.getBarcodeMatrix().as_ref()?.getMatrix();
    // getMatrix() lists rows bottom-up; PDF417Writer flips them back, and so do we.
    let rows: Vec<Vec<bool>> = matrix
        .iter()
        .rev()
        .map(|r| r.iter().map(|&v| v == 1).collect())
        .collect();
    Some(Symbol { rows, columns })
}

/// Picks the column count giving a symbol `target_px` wide at `module_px`, then encodes;
/// falls back to more columns when the symbol would be taller than `max_height_px`.
pub fn encode_for_width(
    payload: &[u8],
    module_px: u32,
    row_px: u32,
    ec_level: u8,
    target_px: f32,
    max_height_px: u32,
) -> Symbol {
    // Row width in modules is 17·columns + 69 (start, two row indicators, stop).
    let ideal = ((target_px / module_px as f32 - 69.0) / 17.0).round() as i32;
    let mut tried = Vec::new();
    for delta in [0, 1, -1, 2, 3, 4, 6, 8, 10, 14] {
        let cols = (ideal + delta).clamp(2, 30) as u32;
        if tried.contains(&cols) {
            continue;
        }
        tried.push(cols);
        if let Some(s) = encode(payload, cols, ec_level) {
            if s.rows.len() as u32 * row_px <= max_height_px {
                return s;
            }
        }
    }
    // Last resort: let the encoder choose.
    (3..=30)
        .rev()
        .find_map(|c| encode(payload, c, ec_level))
        .expect("PDF417 can hold an AAMVA payload")
}

/// Paints `sym` with its top-left module at `(x, y)`; returns `[x, y, w, h]`.
pub fn paint(
    img: &mut RgbImage,
    sym: &Symbol,
    (x, y): (u32, u32),
    module_px: u32,
    row_px: u32,
    ink: Rgb<u8>,
) -> [u32; 4] {
    for (r, row) in sym.rows.iter().enumerate() {
        for (c, &dark) in row.iter().enumerate() {
            if !dark {
                continue;
            }
            for yy in 0..row_px {
                for xx in 0..module_px {
                    let px = x + c as u32 * module_px + xx;
                    let py = y + r as u32 * row_px + yy;
                    if px < img.width() && py < img.height() {
                        img.put_pixel(px, py, ink);
                    }
                }
            }
        }
    }
    [
        x,
        y,
        sym.width_modules() * module_px,
        sym.rows.len() as u32 * row_px,
    ]
}
