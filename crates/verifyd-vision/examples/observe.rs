//! Prints what the document reader sees in images: quality measures, the document's
//! outline, a PDF417 payload's length, MRZ lines and printed text, with timings.
//! `cargo run -p verifyd-vision --example observe -- [--models DIR] IMAGE...`

use std::time::{Duration, Instant};
use verifyd_checks::observation::{Vision, Wanted};
use verifyd_vision::DocumentReader;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut models = std::path::PathBuf::from("models");
    if args.first().map(String::as_str) == Some("--models") && args.len() > 1 {
        models = args[1].clone().into();
        args.drain(..2);
    }
    let started = Instant::now();
    let reader = DocumentReader::load(&models).expect("readers load");
    println!("loaded in {:?}", started.elapsed());
    let wanted = Wanted {
        barcode: true,
        mrz: true,
        text: true,
        faces: true,
        closer_look: false,
    };
    for path in args {
        let bytes = std::fs::read(&path).expect("image readable");
        stages(&models, &bytes);
        let started = Instant::now();
        let observed = reader.observe(&bytes, wanted, Instant::now() + Duration::from_secs(30));
        println!("== {path} ({:?})", started.elapsed());
        match observed {
            Err(e) => println!("  error: {e}"),
            Ok(o) => {
                let q = o.quality;
                println!(
                    "  {}x{} sharpness {:.0} brightness {:.0} glare {:.3} document {:?} width {}",
                    q.width,
                    q.height,
                    q.sharpness,
                    q.brightness,
                    q.glare,
                    q.document.map(|d| d.area_fraction),
                    q.document_width
                );
                if let Some(b) = &o.barcode {
                    println!(
                        "  barcode: {} bytes: {:?}",
                        b.len(),
                        String::from_utf8_lossy(&b[..b.len().min(60)])
                    );
                }
                if let Some(m) = &o.mrz {
                    for line in m.best_lines() {
                        println!("  mrz: {line}");
                    }
                }
                for line in o.text.unwrap_or_default() {
                    println!("  text {:.2}: {}", line.confidence, line.text);
                }
            }
        }
    }
}

/// Times each stage separately.
fn stages(models: &std::path::Path, bytes: &[u8]) {
    use verifyd_vision::{decode, document, mrz, pdf417, text};
    let far = Instant::now() + Duration::from_secs(60);
    let t = Instant::now();
    let gray = decode::decode(bytes).expect("decodes").to_luma8();
    let decode_time = t.elapsed();
    let t = Instant::now();
    let quad = document::find_document(&gray);
    let find_time = t.elapsed();
    let t = Instant::now();
    let page = quad
        .and_then(|q| document::rectify(&gray, &q, 1000, 2000))
        .unwrap_or_else(|| gray.clone());
    let rectify_time = t.elapsed();
    let t = Instant::now();
    let barcode = pdf417::read(&page, far).ok().flatten().is_some();
    let barcode_time = t.elapsed();
    let reader = mrz::MrzReader::load().unwrap();
    let t = Instant::now();
    let found = reader.read(&page, far).ok().flatten().is_some();
    let mrz_time = t.elapsed();
    let text_reader = text::TextReader::load(models).unwrap();
    let t = Instant::now();
    let lines = text_reader
        .read(&page, None, far)
        .map(|l| l.len())
        .unwrap_or(0);
    let text_time = t.elapsed();
    println!(
        "  stages: decode {decode_time:?}, find {find_time:?} ({}), rectify {rectify_time:?} ({}x{}), barcode {barcode_time:?} ({barcode}), mrz {mrz_time:?} ({found}), text {text_time:?} ({lines} lines)",
        quad.is_some(), page.width(), page.height()
    );
}
