//! The PDF417 on a rendered US/Canadian card decodes back to the exact AAMVA payload.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rxing::{BarcodeFormat, DecodeHints};
use verifyd_docgen::{apply_variant, random_spec, render, DocumentKind};

fn decode(img: &image::RgbImage) -> Option<Vec<u8>> {
    let luma = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
    let (w, h) = luma.dimensions();
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    rxing::helpers::detect_in_luma_with_hints(
        luma.into_raw(),
        w,
        h,
        Some(BarcodeFormat::PDF_417),
        &mut hints,
    )
    .ok()
    .map(|r| r.getText().as_bytes().to_vec())
}

#[test]
fn a_rendered_us_licence_barcode_decodes_to_the_exact_payload_bytes() {
    for seed in 0..6u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut spec = random_spec(DocumentKind::UsDrivingLicense, &mut rng);
        // Cover every module width and error-correction level.
        spec.style.barcode_module_px = 2 + (seed % 3) as u32;
        spec.style.barcode_ec_level = 3 + (seed % 3) as u8;
        let doc = render(&spec, &mut rng);
        let payload = doc.truth.aamva_payload.clone().expect("payload");
        assert!(
            payload.starts_with(b"@\n\x1e\rANSI "),
            "{:?}",
            doc.truth.aamva_text()
        );
        let back = doc.back.as_ref().expect("a licence has a back");
        let decoded = decode(back).unwrap_or_else(|| panic!("seed {seed}: no PDF417 found"));
        assert_eq!(
            String::from_utf8_lossy(&decoded),
            String::from_utf8_lossy(&payload),
            "seed {seed}"
        );
        assert_eq!(decoded, payload, "seed {seed}");
    }
}

#[test]
fn every_aamva_kind_and_variant_decodes_to_its_payload() {
    let variants = [
        "aamva-v01",
        "aamva-v02",
        "offset+1",
        "offset-2",
        "offset-zero",
        "sep-cr",
        "sep-rs",
        "compliance-lf-lf",
        "compliance-fs",
        "file-type-aamva",
        "z-subfile",
    ];
    let kinds = [
        DocumentKind::UsIdCard,
        DocumentKind::CaDrivingLicense,
        DocumentKind::CaIdCard,
        DocumentKind::UsDrivingLicense,
    ];
    for (i, v) in variants.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(100 + i as u64);
        let mut spec = random_spec(kinds[i % kinds.len()], &mut rng);
        apply_variant(&mut spec, v).unwrap();
        let doc = render(&spec, &mut rng);
        let payload = doc.truth.aamva_payload.clone().unwrap();
        let decoded = decode(doc.back.as_ref().unwrap())
            .unwrap_or_else(|| panic!("variant {v}: no PDF417 found"));
        assert_eq!(decoded, payload, "variant {v}");
    }
}

#[test]
fn the_barcode_is_a_realistic_size_on_the_card() {
    let mut rng = StdRng::seed_from_u64(9);
    for _ in 0..10 {
        let spec = random_spec(DocumentKind::UsDrivingLicense, &mut rng);
        let doc = render(&spec, &mut rng);
        let b = doc.truth.barcode.as_ref().unwrap();
        let frac = b.bbox[2] as f32 / doc.truth.card_size.0 as f32;
        assert!(
            (0.6..=0.9).contains(&frac),
            "barcode spans {frac} of the card"
        );
        assert!((2..=4).contains(&b.module_px));
        assert!(b.bbox[1] + b.bbox[3] <= doc.truth.card_size.1);
    }
}
