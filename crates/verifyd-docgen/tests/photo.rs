//! Photographs: valid JPEGs of the requested size, a well-formed EXIF orientation, legibility
//! predictions, and determinism.

use std::io::Cursor;

use image::codecs::jpeg::JpegDecoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder};
use rand::rngs::StdRng;
use rand::SeedableRng;
use verifyd_docgen::{
    legibility, legibility_of_side, photograph, random_photo, random_spec, render, Background,
    Difficulty, DocumentKind, PhotoSpec, Side,
};

fn card(
    kind: DocumentKind,
    seed: u64,
) -> (
    verifyd_docgen::DocumentSpec,
    verifyd_docgen::RenderedDocument,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let spec = random_spec(kind, &mut rng);
    let doc = render(&spec, &mut rng);
    (spec, doc)
}

#[test]
fn photographs_are_valid_jpegs_of_the_requested_width() {
    let (_, doc) = card(DocumentKind::UsDrivingLicense, 1);
    let mut rng = StdRng::seed_from_u64(2);
    for difficulty in [Difficulty::Easy, Difficulty::Typical, Difficulty::Hard] {
        for _ in 0..3 {
            let mut photo = random_photo(&mut rng, difficulty);
            photo.exif_orientation = None;
            let jpeg = photograph(&doc.front, &photo, &mut rng);
            assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
            assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "EOI");
            let img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
                .expect("decodes as JPEG");
            assert_eq!(img.width(), photo.output_width, "{difficulty:?}");
            assert_eq!(img.height(), photo.output_width * 3 / 4);
        }
    }
}

#[test]
fn the_exif_orientation_segment_is_well_formed_and_means_what_it_says() {
    let (_, doc) = card(DocumentKind::IdCardTd1, 3);
    let base = PhotoSpec {
        output_width: 640,
        rotation_deg: 4.0,
        background: Background::Dark,
        ..PhotoSpec::default()
    };
    let upright = photograph(&doc.front, &base, &mut StdRng::seed_from_u64(9));
    let upright = image::load_from_memory(&upright).unwrap().to_luma8();
    for o in [3u8, 6, 8] {
        let photo = PhotoSpec {
            exif_orientation: Some(o),
            ..base.clone()
        };
        let jpeg = photograph(&doc.front, &photo, &mut StdRng::seed_from_u64(9));
        let mut dec = JpegDecoder::new(Cursor::new(&jpeg)).expect("JPEG header");
        assert_eq!(
            dec.orientation().expect("reads EXIF"),
            Orientation::from_exif(o).unwrap(),
            "orientation {o}"
        );
        let (w, h) = dec.dimensions();
        if o == 3 {
            assert_eq!((w, h), (640, 480));
        } else {
            assert_eq!((w, h), (480, 640), "stored rotated for {o}");
        }
        // Applying the orientation gives back the upright photo (up to JPEG error).
        let mut img = DynamicImage::from_decoder(dec).unwrap();
        img.apply_orientation(Orientation::from_exif(o).unwrap());
        let img = img.to_luma8();
        assert_eq!(img.dimensions(), upright.dimensions());
        let diff: f64 = img
            .pixels()
            .zip(upright.pixels())
            .map(|(a, b)| (a.0[0] as f64 - b.0[0] as f64).abs())
            .sum::<f64>()
            / (640.0 * 480.0);
        assert!(diff < 4.0, "orientation {o}: mean difference {diff}");
    }
    // No EXIF when none is asked for.
    let jpeg = photograph(&doc.front, &base, &mut StdRng::seed_from_u64(9));
    let mut dec = JpegDecoder::new(Cursor::new(&jpeg)).unwrap();
    assert_eq!(dec.orientation().unwrap(), Orientation::NoTransforms);
}

#[test]
fn output_is_deterministic_for_a_seed() {
    let run = |seed: u64| {
        let mut rng = StdRng::seed_from_u64(seed);
        let spec = random_spec(DocumentKind::CaDrivingLicense, &mut rng);
        let doc = render(&spec, &mut rng);
        let photo = random_photo(&mut rng, Difficulty::Hard);
        let jpeg = photograph(doc.back.as_ref().unwrap(), &photo, &mut rng);
        (
            serde_json::to_string(&doc.truth).unwrap(),
            doc.front.into_raw(),
            jpeg,
        )
    };
    let a = run(11);
    let b = run(11);
    assert!(a == b, "same seed, same output");
    let c = run(12);
    assert_ne!(a.0, c.0);
    assert_ne!(a.2, c.2);
}

#[test]
fn legibility_follows_the_issue_definition() {
    let (spec, _) = card(DocumentKind::UsDrivingLicense, 4);
    let mut spec = spec;
    spec.style.barcode_module_px = 3;
    let clear = PhotoSpec {
        output_width: 2000,
        card_fraction: 0.85,
        ..PhotoSpec::default()
    };
    let l = legibility(&spec, &clear);
    assert!(l.legible, "{l:?}");
    let m = l.barcode_module_px.unwrap();
    assert!((4.0..6.0).contains(&m), "module {m}");
    assert!(l.mrz_cap_height_px.is_none());

    let small = PhotoSpec {
        output_width: 800,
        card_fraction: 0.4,
        ..clear.clone()
    };
    assert!(!legibility(&spec, &small).legible);
    let blurred = PhotoSpec {
        blur_sigma: 2.0,
        ..clear.clone()
    };
    assert!(!legibility(&spec, &blurred).legible);
    let glare = PhotoSpec {
        glare: Some((0.5, 0.6, 0.15)),
        ..clear.clone()
    };
    let l = legibility(&spec, &glare);
    assert!(l.glare_over_code && !l.legible, "{l:?}");

    let (passport, _) = card(DocumentKind::PassportTd3, 5);
    let l = legibility(&passport, &clear);
    let cap = l.mrz_cap_height_px.unwrap();
    // 27 px at 300 dpi, the page spans 85 % of 2000 px.
    assert!(
        (27.0 * 1700.0 / 1476.0 - 1.0..27.0 * 1700.0 / 1476.0 + 1.0).contains(&cap),
        "{cap}"
    );
    assert!(l.legible);
    let l = legibility(&passport, &small);
    assert!(!l.legible && l.mrz_cap_height_px.unwrap() < 20.0, "{l:?}");
}

#[test]
fn glare_over_a_printed_field_the_front_is_compared_on_makes_the_front_illegible() {
    let (spec, doc) = card(DocumentKind::UsDrivingLicense, 4);
    let (w, h) = spec.kind.canonical_size();
    let clear = PhotoSpec {
        output_width: 2000,
        card_fraction: 0.85,
        ..PhotoSpec::default()
    };
    let number = doc
        .truth
        .texts
        .iter()
        .find(|t| t.side == Side::Front && t.field == "document_number")
        .expect("the front prints the number");
    let [x, y, bw, bh] = number.bbox;
    let on_number = PhotoSpec {
        glare: Some((
            (x + bw / 2) as f32 / w as f32,
            (y + bh / 2) as f32 / h as f32,
            0.05,
        )),
        ..clear.clone()
    };
    let front = legibility_of_side(&spec, &on_number, Side::Front, &doc.truth.texts);
    assert!(!front.legible, "{front:?}");
    assert!(
        front.reasons.iter().any(|r| r.contains("document_number")),
        "{front:?}"
    );
    // The same glare on the back, or no glare at all, changes nothing.
    let back = legibility_of_side(&spec, &on_number, Side::Back, &doc.truth.texts);
    assert_eq!(back, legibility(&spec, &on_number));
    let plain = legibility_of_side(&spec, &clear, Side::Front, &doc.truth.texts);
    assert!(plain.legible, "{plain:?}");
}

#[test]
fn easy_photos_are_mostly_legible_and_hard_ones_often_not() {
    let mut rng = StdRng::seed_from_u64(77);
    let mut count = |d: Difficulty| {
        (0..40)
            .filter(|i| {
                let kind = [
                    DocumentKind::UsDrivingLicense,
                    DocumentKind::PassportTd3,
                    DocumentKind::IdCardTd1,
                ][i % 3];
                let spec = random_spec(kind, &mut rng);
                let photo = random_photo(&mut rng, d);
                legibility(&spec, &photo).legible
            })
            .count()
    };
    let easy = count(Difficulty::Easy);
    let hard = count(Difficulty::Hard);
    assert!(easy >= 36, "easy legible {easy}/40");
    assert!(hard <= 30, "hard legible {hard}/40");
}
