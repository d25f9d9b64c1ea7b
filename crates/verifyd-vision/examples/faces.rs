//! Prints the faces found in each image and the descriptor distance between every pair:
//! `cargo run --release -p verifyd-vision --example faces -- [--models DIR] IMAGE…`.
//! (The face reader on its own, as `observe` is for documents.)

use std::path::PathBuf;
use std::time::{Duration, Instant};
use verifyd_checks::observation::{FaceObservation, Vision, Wanted};
use verifyd_vision::DocumentReader;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut models = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models"));
    if args.first().map(String::as_str) == Some("--models") && args.len() > 1 {
        models = PathBuf::from(args.remove(1));
        args.remove(0);
    }
    let reader = DocumentReader::load(&models).expect("readers load");
    let wanted = Wanted {
        faces: true,
        ..Wanted::default()
    };
    let mut found: Vec<(String, FaceObservation)> = Vec::new();
    for path in &args {
        let bytes = std::fs::read(path).expect("image readable");
        let started = Instant::now();
        let observation = reader
            .observe(&bytes, wanted, Instant::now() + Duration::from_secs(30))
            .expect("image read");
        let faces = observation.faces.unwrap_or_default();
        println!("{path}: {} face(s) in {:?}", faces.len(), started.elapsed());
        for f in &faces {
            println!(
                "  score {:.2} width {} eyes {:.0} px sharpness {:.0} brightness {:.0} on document {:?}",
                f.score, f.width, f.eye_distance, f.sharpness, f.brightness, f.on_document
            );
        }
        if let Some(best) = faces.into_iter().max_by_key(|f| f.width) {
            found.push((path.clone(), best));
        }
    }
    for (i, (a, fa)) in found.iter().enumerate() {
        for (b, fb) in &found[i + 1..] {
            println!("{a} ~ {b}: {:.3}", fa.distance(fb).unwrap_or(f32::NAN));
        }
    }
}
