//! Decoding an upload into pixels: JPEG, PNG or WebP, with the EXIF orientation applied (a
//! phone stores a portrait photo sideways and says so in EXIF), under strict limits on
//! dimensions and memory so that a small file cannot expand into gigabytes.

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;
use verifyd_checks::observation::VisionError;

/// Longest side accepted (Stripe asks for images under 8 000 × 8 000 px).
pub const MAX_SIDE: u32 = 8000;
/// Most pixels accepted (40 MP: a 12 MP phone photo has room to spare).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Shortest side accepted: smaller images cannot show a readable document.
pub const MIN_SIDE: u32 = 300;

/// Decodes `bytes`, upright.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, VisionError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| VisionError::Undecodable)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => VisionError::TooLarge {
            width: 0,
            height: 0,
        },
        _ => VisionError::Undecodable,
    })?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(VisionError::TooLarge { width, height });
    }
    if width.min(height) < MIN_SIDE {
        return Err(VisionError::TooSmall { width, height });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => VisionError::TooLarge { width, height },
        _ => VisionError::Undecodable,
    })?;
    image.apply_orientation(orientation);
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, _| image::Rgb([(x % 256) as u8, 90, 30]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .write_image(&img, width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// Inserts an APP1 EXIF segment holding only an Orientation tag after the SOI marker.
    fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes()); // count
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn exif_orientation_turns_the_image_upright() {
        let sideways = with_orientation(&jpeg(640, 400), 6);
        let image = decode(&sideways).unwrap();
        assert_eq!((image.width(), image.height()), (400, 640));
        assert_eq!(decode(&jpeg(640, 400)).unwrap().width(), 640);
    }

    #[test]
    fn tiny_huge_and_broken_images_are_refused() {
        assert!(matches!(
            decode(&jpeg(200, 150)),
            Err(VisionError::TooSmall { .. })
        ));
        assert_eq!(decode(b"not an image"), Err(VisionError::Undecodable));
        // Cut inside its headers. (A JPEG cut inside its scan decodes partially; the upload
        // path refuses such files before they are stored.)
        let cut = jpeg(640, 400);
        assert!(decode(&cut[..120]).is_err());
        // Wider than 8 000 pixels: refused from the header, before the pixels are decoded.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&vec![0u8; 8001], 8001, 1, image::ExtendedColorType::L8)
            .unwrap();
        assert!(matches!(decode(&png), Err(VisionError::TooLarge { .. })));
    }
}
