//! Measures the selfie check's face matching on the only faces verifyd may use (the two
//! public-domain photographs in `testdata/faces/`): each person's photo is printed as the
//! portrait of synthetic documents of every kind (verifyd-docgen), photographed like a phone
//! would (easy and typical photos), and compared with "selfies" cut from the same photograph
//! with other framing, size, light, blur, tilt and JPEG quality. Same-person pairs measure
//! robustness to printing and photographing; the cross pairs measure the one pair of
//! identities there is. docs/accuracy.md ("Selfies") reports the output.
//!
//! `cargo run --release -p verifyd-vision --example selfies -- [--documents N] [--selfies M] [--first-seed S]`

use image::imageops::FilterType;
use image::RgbImage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verifyd_checks::observation::{FaceObservation, Vision, Wanted};
use verifyd_checks::selfie::{usable_face, SelfieLimits, MATCH_MAX_DISTANCE};
use verifyd_docgen::{photograph, random_photo, random_spec, render, Difficulty, DocumentKind};
use verifyd_vision::DocumentReader;

struct Identity {
    name: &'static str,
    file: &'static str,
    /// Head and shoulders, `[x, y, w, h]`, for the document portrait.
    portrait: [u32; 4],
}

const IDENTITIES: [Identity; 2] = [
    Identity {
        name: "Eileen Collins",
        file: "astronaut.jpg",
        portrait: [140, 0, 180, 240],
    },
    Identity {
        name: "Grace Hopper",
        file: "grace_hopper.jpg",
        portrait: [150, 60, 270, 360],
    },
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .expect("JPEG encoding");
    out
}

/// A selfie cut from `photo`: a portrait-format crop around the face at a random offset and
/// size, scaled to a phone's size, tilted a little, lighter or darker, softened, as JPEG.
fn selfie(photo: &RgbImage, face: [u32; 4], rng: &mut StdRng) -> Vec<u8> {
    let [fx, fy, fw, fh] = face;
    let (cx, cy) = (fx + fw / 2, fy + fh / 2);
    let half_w = (fw as f32 * rng.gen_range(0.75..1.1)) as u32;
    let half_h = half_w * 4 / 3;
    let x0 = cx.saturating_sub(half_w) as i64 + rng.gen_range(-20..=20);
    let y0 = cy.saturating_sub(half_h) as i64 + rng.gen_range(-20..=20);
    let x0 = x0.clamp(0, (photo.width() - 8) as i64) as u32;
    let y0 = y0.clamp(0, (photo.height() - 8) as i64) as u32;
    let w = (2 * half_w).min(photo.width() - x0);
    let h = (2 * half_h).min(photo.height() - y0);
    let cut = image::imageops::crop_imm(photo, x0, y0, w, h).to_image();
    let out_w = rng.gen_range(720..1200u32);
    let out_h = out_w * h / w.max(1);
    let mut big = image::imageops::resize(&cut, out_w, out_h.max(8), FilterType::CatmullRom);
    let angle = rng.gen_range(-8.0f32..8.0).to_radians();
    big = imageproc::geometric_transformations::rotate_about_center(
        &big,
        angle,
        imageproc::geometric_transformations::Interpolation::Bilinear,
        imageproc::geometric_transformations::Border::Replicate,
    );
    let gain = rng.gen_range(0.7f32..1.25);
    for p in big.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (f32::from(*c) * gain).round().clamp(0.0, 255.0) as u8;
        }
    }
    let sigma = rng.gen_range(0.0f32..2.0);
    if sigma > 0.3 {
        big = imageproc::filter::gaussian_blur_f32(&big, sigma);
    }
    jpeg(&big, rng.gen_range(55..95))
}

fn largest(faces: Option<Vec<FaceObservation>>) -> Option<FaceObservation> {
    faces?.into_iter().max_by_key(|f| f.width)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let documents = value("--documents", 14) as usize;
    let selfies = value("--selfies", 10) as usize;
    let first_seed = value("--first-seed", 0);
    verifyd_docgen::fonts::check().expect("docgen fonts");
    let reader = DocumentReader::load(&repo().join("models")).expect("readers load");
    let wanted = Wanted {
        faces: true,
        ..Wanted::default()
    };
    let read = |bytes: &[u8]| {
        reader
            .observe(bytes, wanted, Instant::now() + Duration::from_secs(30))
            .ok()
            .and_then(|o| largest(o.faces))
    };
    let limits = SelfieLimits::default();

    // Per identity: the portraits read from document photos, and the usable selfie faces.
    let mut portraits: Vec<Vec<FaceObservation>> = Vec::new();
    let mut selfie_faces: Vec<Vec<FaceObservation>> = Vec::new();
    let mut document_ms = Vec::new();
    let mut selfie_ms = Vec::new();
    for (i, identity) in IDENTITIES.iter().enumerate() {
        let photo = image::open(repo().join("testdata/faces").join(identity.file))
            .expect("face photo")
            .to_rgb8();
        let [x, y, w, h] = identity.portrait;
        let portrait = image::imageops::crop_imm(&photo, x, y, w, h).to_image();
        let mut found = Vec::new();
        let mut missed = 0;
        for d in 0..documents {
            let seed = first_seed + (i as u64) * 1_000_000 + d as u64;
            let mut rng = StdRng::seed_from_u64(seed);
            let kind = DocumentKind::ALL[d % DocumentKind::ALL.len()];
            let mut spec = random_spec(kind, &mut rng);
            spec.portrait = Some(portrait.clone());
            let doc = render(&spec, &mut rng);
            let difficulty = if d % 3 == 0 {
                Difficulty::Easy
            } else {
                Difficulty::Typical
            };
            let photo_spec = random_photo(&mut rng, difficulty);
            let bytes = photograph(&doc.front, &photo_spec, &mut rng);
            let started = Instant::now();
            let face = read(&bytes);
            document_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            match face {
                Some(face) => found.push(face),
                None => {
                    missed += 1;
                    println!("  no face on {} seed {seed} ({difficulty:?})", kind.name());
                }
            }
        }
        println!(
            "{}: portrait found on {}/{} document photos",
            identity.name,
            found.len(),
            documents
        );
        if missed > 0 {
            println!("  (no face found on {missed}: selfie_document_missing_photo)");
        }
        portraits.push(found);
        let mut usable = Vec::new();
        let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
        for s in 0..selfies {
            let mut rng =
                StdRng::seed_from_u64(first_seed + 500_000 + (i as u64) * 1_000 + s as u64);
            let bytes = selfie(&photo, identity.portrait, &mut rng);
            let started = Instant::now();
            let observation = reader
                .observe(&bytes, wanted, Instant::now() + Duration::from_secs(30))
                .ok();
            selfie_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let faces = observation.and_then(|o| o.faces).unwrap_or_default();
            match usable_face(&faces, &limits) {
                Ok(face) => usable.push(face.clone()),
                Err(problem) => *refused.entry(problem.reason().to_owned()).or_default() += 1,
            }
        }
        println!(
            "{}: {}/{} selfies usable; refused: {refused:?}",
            identity.name,
            usable.len(),
            selfies
        );
        selfie_faces.push(usable);
    }

    let mut same = Vec::new();
    let mut different = Vec::new();
    for (i, ps) in portraits.iter().enumerate() {
        for (j, ss) in selfie_faces.iter().enumerate() {
            for p in ps {
                for s in ss {
                    if let Some(d) = p.distance(s) {
                        if i == j {
                            same.push(d)
                        } else {
                            different.push(d)
                        }
                    }
                }
            }
        }
    }
    same.sort_by(f32::total_cmp);
    different.sort_by(f32::total_cmp);
    let rejects = same.iter().filter(|d| **d > MATCH_MAX_DISTANCE).count();
    let accepts = different
        .iter()
        .filter(|d| **d <= MATCH_MAX_DISTANCE)
        .count();
    let q = |v: &[f32], p: f32| {
        v.get(((v.len() as f32 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f32::NAN)
    };
    println!(
        "same person: {} pairs, distance min {:.3} median {:.3} max {:.3}; rejected at {MATCH_MAX_DISTANCE}: {rejects}",
        same.len(),
        q(&same, 0.0),
        q(&same, 0.5),
        q(&same, 1.0)
    );
    println!(
        "different people: {} pairs, distance min {:.3} median {:.3} max {:.3}; accepted at {MATCH_MAX_DISTANCE}: {accepts}",
        different.len(),
        q(&different, 0.0),
        q(&different, 0.5),
        q(&different, 1.0)
    );
    let bins = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, f32::INFINITY];
    for (name, v) in [("same person", &same), ("different people", &different)] {
        let counts: Vec<String> = bins
            .windows(2)
            .map(|w| {
                let n = v.iter().filter(|d| **d >= w[0] && **d < w[1]).count();
                format!("[{:.1}, {:.1}): {n}", w[0], w[1])
            })
            .collect();
        println!("{name}: {}", counts.join(", "));
    }
    document_ms.sort_by(f64::total_cmp);
    selfie_ms.sort_by(f64::total_cmp);
    let m = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    println!(
        "face reading alone: document photo p50 {:.0} ms, selfie p50 {:.0} ms",
        m(&document_ms),
        m(&selfie_ms)
    );
}
