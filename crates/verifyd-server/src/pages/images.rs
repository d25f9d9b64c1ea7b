//! Recognising uploaded images by their bytes: JPEG, PNG and WebP, each checked for its
//! signature and basic structure (JPEG segments from SOI to EOI, PNG chunks with CRCs from
//! IHDR to IEND, a RIFF/WEBP container whose length adds up), so that a truncated or corrupt
//! file is refused with a clear message before it is stored. Nothing is decoded: no pixel
//! data is interpreted, and this module never logs or keeps the bytes it is shown.

/// Largest image accepted, per file (10 MB).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// A recognised image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
}

impl ImageFormat {
    /// The File object's `type`.
    pub fn file_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The format of a stored File `type`.
    pub fn from_file_type(file_type: &str) -> Option<Self> {
        match file_type {
            "jpg" => Some(ImageFormat::Jpeg),
            "png" => Some(ImageFormat::Png),
            "webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }
}

/// Why an upload is not an acceptable image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// No file, or an empty one.
    Missing,
    /// Over [`MAX_IMAGE_BYTES`].
    TooLarge,
    /// Not JPEG, PNG or WebP.
    UnsupportedFormat,
    /// The signature says JPEG/PNG/WebP but the structure is truncated or corrupt.
    Unreadable(ImageFormat),
}

/// Identifies and checks an image. `Ok` means the signature and the container structure are
/// sound; it says nothing about what the picture shows.
pub fn validate(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Missing);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = sniff(bytes).ok_or(ImageError::UnsupportedFormat)?;
    let sound = match format {
        ImageFormat::Jpeg => jpeg_is_sound(bytes),
        ImageFormat::Png => png_is_sound(bytes),
        ImageFormat::Webp => webp_is_sound(bytes),
    };
    if sound {
        Ok(format)
    } else {
        Err(ImageError::Unreadable(format))
    }
}

/// The format a file claims by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::Webp)
    } else {
        None
    }
}

fn u16_be(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// JPEG: marker segments from SOI, a frame header (SOFn) with non-zero dimensions before
/// the first scan, entropy-coded scans, and an EOI marker. Bytes after EOI are tolerated
/// (some cameras append padding).
fn jpeg_is_sound(b: &[u8]) -> bool {
    let mut pos = 2; // after SOI
    let mut frame_seen = false;
    loop {
        // Every segment starts with 0xFF (possibly several fill bytes) and a marker code.
        if b.get(pos) != Some(&0xFF) {
            return false;
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = b.get(pos) else {
            return false;
        };
        pos += 1;
        match marker {
            0xD9 => return false, // EOI before any scan
            0xD8 | 0x00 => return false,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = u16_be(b, pos) else {
            return false;
        };
        if len < 2 || pos + len > b.len() {
            return false;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            // precision (1), height (2), width (2), components (1)
            let (Some(h), Some(w)) = (u16_be(b, pos + 3), u16_be(b, pos + 5)) else {
                return false;
            };
            if len < 8 || h == 0 || w == 0 {
                return false;
            }
            frame_seen = true;
        }
        pos += len;
        if marker == 0xDA {
            if !frame_seen {
                return false;
            }
            // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker
            // inside a scan; any other marker ends the scan.
            loop {
                let Some(offset) = b
                    .get(pos..)
                    .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
                else {
                    return false; // ran out of data: truncated
                };
                pos += offset;
                match b.get(pos + 1) {
                    None => return false,
                    Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => pos += 1,
                    Some(0xD9) => return true,
                    Some(_) => break, // another segment (progressive JPEGs have several scans)
                }
            }
        }
    }
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// PNG: the signature, IHDR first (13 bytes, non-zero dimensions), every chunk complete
/// with a correct CRC, at least one IDAT, and IEND last.
fn png_is_sound(b: &[u8]) -> bool {
    let mut pos = PNG_SIGNATURE.len();
    let mut first = true;
    let mut data_seen = false;
    loop {
        let (Some(len), Some(kind)) = (u32_be(b, pos), b.get(pos + 4..pos + 8)) else {
            return false;
        };
        let len = len as usize;
        let end = match (pos + 8).checked_add(len).and_then(|e| e.checked_add(4)) {
            Some(end) if end <= b.len() => end,
            _ => return false,
        };
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        let stored_crc = u32_be(b, end - 4).unwrap_or(0);
        if crc32(&b[pos + 4..end - 4]) != stored_crc {
            return false;
        }
        if first {
            if kind != b"IHDR" || len != 13 {
                return false;
            }
            let (w, h) = (u32_be(b, pos + 8), u32_be(b, pos + 12));
            if w == Some(0) || h == Some(0) {
                return false;
            }
            first = false;
        }
        match kind {
            b"IDAT" => data_seen = true,
            b"IEND" => return data_seen && len == 0,
            _ => {}
        }
        pos = end;
    }
}

/// WebP: `RIFF` + length + `WEBP`, the RIFF length matching the file, chunks that fit,
/// and image data (VP8 with its start code, VP8L with its signature, or animation frames).
fn webp_is_sound(b: &[u8]) -> bool {
    let Some(riff_len) = u32_le(b, 4) else {
        return false;
    };
    if riff_len as usize + 8 != b.len() || b.len() < 20 {
        return false;
    }
    let mut pos = 12;
    let mut image_seen = false;
    while pos < b.len() {
        let (Some(kind), Some(len)) = (b.get(pos..pos + 4), u32_le(b, pos + 4)) else {
            return false;
        };
        let len = len as usize;
        let start = pos + 8;
        let Some(end) = start.checked_add(len).filter(|&e| e <= b.len()) else {
            return false;
        };
        let data = &b[start..end];
        match kind {
            b"VP8 " => {
                // frame tag (3), start code 9d 01 2a, then 14-bit width and height.
                if data.len() < 10 || data[3..6] != [0x9D, 0x01, 0x2A] {
                    return false;
                }
                let w = u16::from_le_bytes([data[6], data[7]]) & 0x3FFF;
                let h = u16::from_le_bytes([data[8], data[9]]) & 0x3FFF;
                if w == 0 || h == 0 {
                    return false;
                }
                image_seen = true;
            }
            b"VP8L" => {
                if data.len() < 5 || data[0] != 0x2F {
                    return false;
                }
                image_seen = true;
            }
            b"ANMF" => image_seen = true,
            // The extended header comes first and holds flags and the canvas size.
            b"VP8X" if pos != 12 || data.len() < 10 => return false,
            _ => {}
        }
        // Chunks are padded to an even length.
        pos = end + (len & 1);
    }
    pos == b.len() && image_seen
}

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 (ISO-HDLC), as PNG chunks use.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &byte in data {
        c = CRC_TABLE[((c ^ byte as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

#[cfg(test)]
pub(crate) mod samples {
    //! Tiny but real images for tests.
    use super::crc32;

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }

    /// A 1×1 grey PNG, zlib "stored" (uncompressed) data.
    pub fn png() -> Vec<u8> {
        let mut out = super::PNG_SIGNATURE.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
        chunk(&mut out, b"IHDR", &ihdr);
        let raw = [0u8, 0x80]; // filter byte, one pixel
        let mut z = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF];
        z.extend_from_slice(&raw);
        let (mut a, mut b) = (1u32, 0u32);
        for &x in &raw {
            a = (a + x as u32) % 65521;
            b = (b + a) % 65521;
        }
        z.extend_from_slice(&((b << 16) | a).to_be_bytes());
        chunk(&mut out, b"IDAT", &z);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A 2×2 baseline JPEG as Chromium's encoder wrote it (colour profile removed).
    pub fn jpeg() -> Vec<u8> {
        vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
            0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x10, 0x0B, 0x0C,
            0x0E, 0x0C, 0x0A, 0x10, 0x0E, 0x0D, 0x0E, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1A,
            0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1D, 0x28, 0x3A, 0x33, 0x3D, 0x3C, 0x39,
            0x33, 0x38, 0x37, 0x40, 0x48, 0x5C, 0x4E, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50,
            0x6D, 0x51, 0x57, 0x5F, 0x62, 0x67, 0x68, 0x67, 0x3E, 0x4D, 0x71, 0x79, 0x70, 0x64,
            0x78, 0x5C, 0x65, 0x67, 0x63, 0xFF, 0xDB, 0x00, 0x43, 0x01, 0x11, 0x12, 0x12, 0x18,
            0x15, 0x18, 0x2F, 0x1A, 0x1A, 0x2F, 0x63, 0x42, 0x38, 0x42, 0x63, 0x63, 0x63, 0x63,
            0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
            0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
            0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
            0x63, 0x63, 0x63, 0x63, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x02, 0x03,
            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xC4, 0x00, 0x15, 0x00,
            0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x01, 0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4,
            0x00, 0x15, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x05, 0xFF, 0xC4, 0x00, 0x14, 0x11, 0x01, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F,
            0x00, 0x80, 0x01, 0x19, 0xFF, 0xD9,
        ]
    }

    /// A 2×2 lossy WebP (simple format, one VP8 chunk) as Chromium's encoder wrote it.
    pub fn webp() -> Vec<u8> {
        vec![
            0x52, 0x49, 0x46, 0x46, 0x32, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
            0x38, 0x20, 0x26, 0x00, 0x00, 0x00, 0x70, 0x01, 0x00, 0x9D, 0x01, 0x2A, 0x02, 0x00,
            0x02, 0x00, 0x02, 0xC0, 0x4C, 0x25, 0xA0, 0x02, 0x74, 0x01, 0xA0, 0x00, 0x00, 0xFC,
            0xCA, 0xC6, 0x13, 0x49, 0x3A, 0x3F, 0xF8, 0xB4, 0x3F, 0xA3, 0x0F, 0xE5, 0x6B, 0x17,
            0x80, 0x00,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_tiny_images_of_each_format_are_accepted() {
        assert_eq!(validate(&samples::png()), Ok(ImageFormat::Png));
        assert_eq!(validate(&samples::jpeg()), Ok(ImageFormat::Jpeg));
        assert_eq!(validate(&samples::webp()), Ok(ImageFormat::Webp));
    }

    #[test]
    fn truncated_images_are_unreadable() {
        for (image, format) in [
            (samples::png(), ImageFormat::Png),
            (samples::jpeg(), ImageFormat::Jpeg),
            (samples::webp(), ImageFormat::Webp),
        ] {
            for cut in [image.len() - 1, image.len() - 3, image.len() / 2, 12] {
                assert_eq!(
                    validate(&image[..cut]),
                    Err(ImageError::Unreadable(format)),
                    "{format:?} cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn a_flipped_byte_breaks_the_png_crc() {
        let mut png = samples::png();
        let at = png.len() - 20;
        png[at] ^= 0x40;
        assert_eq!(
            validate(&png),
            Err(ImageError::Unreadable(ImageFormat::Png))
        );
    }

    #[test]
    fn a_webp_whose_riff_length_disagrees_is_unreadable() {
        let mut webp = samples::webp();
        webp.push(0);
        assert_eq!(
            validate(&webp),
            Err(ImageError::Unreadable(ImageFormat::Webp))
        );
    }

    #[test]
    fn other_formats_and_empty_files_are_refused() {
        assert_eq!(validate(b""), Err(ImageError::Missing));
        assert_eq!(
            validate(b"GIF89a\x01\x00\x01\x00"),
            Err(ImageError::UnsupportedFormat)
        );
        assert_eq!(validate(b"%PDF-1.7\n"), Err(ImageError::UnsupportedFormat));
        assert_eq!(
            validate(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(ImageError::UnsupportedFormat)
        );
    }

    #[test]
    fn images_over_ten_megabytes_are_too_large() {
        let mut big = samples::jpeg();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(validate(&big), Err(ImageError::TooLarge));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}

#[cfg(test)]
mod fuzz {
    //! Property tests (a brief fuzzing run on every `cargo test`): image validation answers
    //! every input — random bytes, and real images cut short, grown or with bytes changed —
    //! without panicking.
    use super::{samples, validate};
    use proptest::prelude::*;

    fn real_image() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(samples::png()),
            Just(samples::jpeg()),
            Just(samples::webp()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = validate(&raw);
        }

        #[test]
        fn damaged_real_images_never_panic(
            image in real_image(),
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            tail in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut bytes = image;
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let _ = validate(&bytes);
            let len = cut.index(bytes.len() + 1);
            let _ = validate(&bytes[..len]);
            bytes.extend_from_slice(&tail);
            let _ = validate(&bytes);
        }
    }
}
