//! PNG previews of docgen output (EXIF orientation applied, at most 1400 px wide):
//! `cargo run --release --example preview -- OUT_DIR image...`, or a 3-column contact sheet:
//! `cargo run --release --example preview -- --sheet OUT.png image...`

use image::{DynamicImage, ImageDecoder};

/// Decodes a JPEG (applying its EXIF orientation) or any other image.
fn load(f: &str) -> DynamicImage {
    let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}"));
    match image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&bytes)) {
        Ok(mut dec) => {
            let o = dec.orientation().expect("orientation");
            let mut img = DynamicImage::from_decoder(dec).expect("decode");
            img.apply_orientation(o);
            img
        }
        Err(_) => image::load_from_memory(&bytes).expect("decode"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, files)) = args.split_first() else {
        eprintln!("usage: preview OUT_DIR image... | preview --sheet OUT.png image...");
        std::process::exit(2);
    };
    if out == "--sheet" {
        let (target, files) = files.split_first().expect("--sheet OUT.png image...");
        let (cw, ch) = (460u32, 345u32);
        let rows = files.len().div_ceil(3) as u32;
        let mut sheet = image::RgbImage::from_pixel(cw * 3, ch * rows, image::Rgb([255, 255, 255]));
        for (i, f) in files.iter().enumerate() {
            let img = load(f)
                .resize(cw - 8, ch - 8, image::imageops::FilterType::Triangle)
                .to_rgb8();
            let (x, y) = ((i as u32 % 3) * cw + 4, (i as u32 / 3) * ch + 4);
            image::imageops::replace(&mut sheet, &img, x as i64, y as i64);
        }
        sheet.save(target).expect("save sheet");
        return;
    }
    std::fs::create_dir_all(out).expect("create output dir");
    for f in files {
        let img = load(f);
        let img = if img.width() > 1400 {
            img.resize(1400, 1400, image::imageops::FilterType::Triangle)
        } else {
            img
        };
        let name = std::path::Path::new(f)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        img.to_rgb8()
            .save(format!("{out}/{name}.png"))
            .expect("save");
    }
}
