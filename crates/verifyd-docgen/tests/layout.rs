//! Layout sanity over many random documents: texts stay on the card, never overlap each other,
//! the portrait, the barcode or the MRZ; the truth matches what is printed; tampering changes
//! only the front.

use rand::rngs::StdRng;
use rand::SeedableRng;
use verifyd_docgen::{
    not_a_document, random_spec, render, tamper, DocumentKind, Side, Tamper, TamperField,
};

fn overlap(a: [u32; 4], b: [u32; 4], slack: u32) -> bool {
    let (ax1, ay1) = (a[0] + a[2], a[1] + a[3]);
    let (bx1, by1) = (b[0] + b[2], b[1] + b[3]);
    a[0] + slack < bx1 && b[0] + slack < ax1 && a[1] + slack < by1 && b[1] + slack < ay1
}

#[test]
fn printed_texts_never_overlap_and_stay_on_the_card() {
    let mut rng = StdRng::seed_from_u64(2024);
    for i in 0..std::env::var("LAYOUT_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(28)
    {
        let kind = DocumentKind::ALL[i % 7];
        let spec = random_spec(kind, &mut rng);
        let doc = render(&spec, &mut rng);
        let t = &doc.truth;
        let (w, h) = t.card_size;
        for side in [Side::Front, Side::Back] {
            let texts: Vec<_> = t.texts.iter().filter(|x| x.side == side).collect();
            for (j, a) in texts.iter().enumerate() {
                assert!(a.bbox[2] > 0 && a.bbox[3] > 0, "{kind:?} empty box {a:?}");
                // Shrunk-to-fit text must stay readable (labels and fine print are small by
                // design; "SEX F" style one-letter values are short but not small).
                if !matches!(a.field.as_str(), "label" | "back_text" | "discriminator") {
                    assert!(a.bbox[3] >= 13, "{kind:?} tiny text {a:?}");
                }
                assert!(
                    a.bbox[0] + a.bbox[2] <= w && a.bbox[1] + a.bbox[3] <= h,
                    "{kind:?} off the card: {a:?}"
                );
                for b in &texts[j + 1..] {
                    assert!(
                        !overlap(a.bbox, b.bbox, 1),
                        "{kind:?} (seed index {i}) overlapping texts:\n{a:?}\n{b:?}"
                    );
                }
                if side == Side::Front {
                    assert!(
                        !overlap(a.bbox, t.portrait_bbox, 0),
                        "{kind:?} text on portrait: {a:?}"
                    );
                    assert!(
                        !overlap(a.bbox, t.ghost_bbox, 0),
                        "{kind:?} text on ghost: {a:?}"
                    );
                }
                if let Some(bc) = &t.barcode {
                    if bc.side == side {
                        assert!(
                            !overlap(a.bbox, bc.bbox, 0),
                            "{kind:?} text on barcode: {a:?}"
                        );
                    }
                }
                if let Some(m) = &t.mrz {
                    if m.side == side && a.field != "mrz_line" {
                        assert!(!overlap(a.bbox, m.bbox, 0), "{kind:?} text on MRZ: {a:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_front_prints_the_truth_unless_tampered() {
    let mut rng = StdRng::seed_from_u64(31);
    for kind in DocumentKind::ALL {
        let spec = random_spec(kind, &mut rng);
        let doc = render(&spec, &mut rng);
        let t = &doc.truth;
        let printed = |field: &str| {
            t.texts
                .iter()
                .filter(|x| x.field == field && x.side == Side::Front)
                .map(|x| x.text.clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert!(printed("last_name").contains(&t.last_name), "{kind:?}");
        assert!(printed("given_names").contains(&t.first_name), "{kind:?}");
        let number: String = printed("document_number")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        assert_eq!(number, t.document_number, "{kind:?}");
        assert!(printed("dob").contains(&format!("{}", t.dob.0)), "{kind:?}");
        assert_eq!(t.front.last_name, t.last_name);
    }
}

#[test]
fn tampering_changes_the_front_but_not_the_machine_readable_data() {
    let mut rng = StdRng::seed_from_u64(8);
    for (kind, field) in [
        (DocumentKind::UsDrivingLicense, TamperField::Name),
        (DocumentKind::PassportTd3, TamperField::Dob),
        (DocumentKind::IdCardTd1, TamperField::Number),
        (DocumentKind::CaIdCard, TamperField::Number),
    ] {
        let mut spec = random_spec(kind, &mut rng);
        let clean = render(&spec, &mut StdRng::seed_from_u64(1)).truth;
        tamper(&mut spec, field, &mut rng);
        let doc = render(&spec, &mut StdRng::seed_from_u64(1));
        let t = &doc.truth;
        assert_eq!(t.mrz_lines, clean.mrz_lines, "{kind:?}");
        assert_eq!(t.aamva_payload, clean.aamva_payload, "{kind:?}");
        match t.tamper.as_ref().unwrap() {
            Tamper::Name(n) => {
                assert_ne!(n, &t.last_name);
                assert_eq!(&t.front.last_name, n);
                assert!(t
                    .texts
                    .iter()
                    .any(|x| x.field == "last_name" && x.text.contains(n.as_str())));
            }
            Tamper::Dob(d) => {
                assert_ne!(*d, t.dob);
                assert_eq!(t.front.dob, *d);
            }
            Tamper::Number(n) => {
                assert_ne!(t.front.document_number, t.document_number);
                assert!(t
                    .texts
                    .iter()
                    .any(|x| x.field == "document_number" && &x.text == n));
            }
        }
    }
}

#[test]
fn negative_material_is_not_blank_and_varies() {
    let mut rng = StdRng::seed_from_u64(3);
    let imgs: Vec<_> = (0..10).map(|_| not_a_document(&mut rng)).collect();
    for img in &imgs {
        assert!(img.width() >= 600 && img.height() >= 400);
        let px = img.as_raw();
        let mean = px.iter().map(|&v| v as f64).sum::<f64>() / px.len() as f64;
        let var = px.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / px.len() as f64;
        assert!(var > 1.0, "a flat image is too easy a negative");
    }
    let sizes: std::collections::HashSet<_> = imgs.iter().map(|i| i.dimensions()).collect();
    assert!(sizes.len() >= 3, "several kinds of negative: {sizes:?}");
}

#[test]
fn truth_round_trips_through_json() {
    let mut rng = StdRng::seed_from_u64(4);
    for kind in DocumentKind::ALL {
        let spec = random_spec(kind, &mut rng);
        let t = render(&spec, &mut rng).truth;
        let json = serde_json::to_string(&t).unwrap();
        let back: verifyd_docgen::Truth = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        if let Some(p) = &t.aamva_payload {
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let s = v["aamva_payload"]
                .as_str()
                .expect("payload is a JSON string");
            assert_eq!(s.as_bytes(), &p[..]);
        }
    }
}
