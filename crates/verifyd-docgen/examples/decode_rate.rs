//! How often plain rxing (no deskew) decodes the PDF417 in docgen photos, by difficulty and
//! by the legibility prediction: `cargo run --release --example decode_rate`.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rxing::{BarcodeFormat, DecodeHints};
use verifyd_docgen::{
    legibility, photograph, random_photo, random_spec, render, Difficulty, DocumentKind,
};

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    for d in [Difficulty::Easy, Difficulty::Typical, Difficulty::Hard] {
        let (mut n, mut legible, mut ok, mut ok_legible) = (0, 0, 0, 0);
        for _ in 0..20 {
            let spec = random_spec(DocumentKind::UsDrivingLicense, &mut rng);
            let doc = render(&spec, &mut rng);
            let mut photo = random_photo(&mut rng, d);
            photo.exif_orientation = None;
            photo.upside_down = false;
            let l = legibility(&spec, &photo);
            let jpeg = photograph(doc.back.as_ref().unwrap(), &photo, &mut rng);
            let luma = image::load_from_memory(&jpeg).unwrap().to_luma8();
            let (w, h) = luma.dimensions();
            let mut hints = DecodeHints {
                TryHarder: Some(true),
                ..Default::default()
            };
            let got = rxing::helpers::detect_in_luma_with_hints(
                luma.into_raw(),
                w,
                h,
                Some(BarcodeFormat::PDF_417),
                &mut hints,
            )
            .ok()
            .map(|r| r.getText().as_bytes() == doc.truth.aamva_payload.as_deref().unwrap())
            .unwrap_or(false);
            n += 1;
            legible += l.legible as u32;
            ok += got as u32;
            ok_legible += (got && l.legible) as u32;
        }
        println!(
            "{d:?}: decoded {ok}/{n}; predicted legible {legible}, of which decoded {ok_legible}"
        );
    }
}
