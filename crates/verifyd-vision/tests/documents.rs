//! The readers on synthetic documents from verifyd-docgen, photographed the way phones do
//! (easy photos: the readers must get these exactly right): the PDF417 payload of US and
//! Canadian cards byte for byte, MRZ lines character for character, and the printed text
//! of the fronts. Needs the text models (`scripts/fetch-models`) and the generator's fonts.

use rand::SeedableRng;
use std::time::{Duration, Instant};
use verifyd_checks::observation::{Vision, Wanted};
use verifyd_docgen::{photograph, random_photo, random_spec, render, Difficulty, DocumentKind};
use verifyd_vision::DocumentReader;

fn reader() -> DocumentReader {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    DocumentReader::load(&models).unwrap_or_else(|e| {
        panic!("the text models are needed for this test: run scripts/fetch-models ({e})")
    })
}

/// What the live engine asks of each side.
const FRONT: Wanted = Wanted {
    barcode: false,
    mrz: true,
    text: true,
    faces: false,
    closer_look: false,
};
const BACK: Wanted = Wanted {
    barcode: true,
    mrz: true,
    text: false,
    faces: false,
    closer_look: false,
};

#[test]
fn barcodes_mrzs_and_fronts_of_easy_photos_are_read_exactly() {
    let reader = reader();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261128);
    for kind in DocumentKind::ALL {
        let spec = random_spec(kind, &mut rng);
        let doc = render(&spec, &mut rng);
        let photo = random_photo(&mut rng, Difficulty::Easy);
        let deadline = || Instant::now() + Duration::from_secs(60);
        let front = reader
            .observe(&photograph(&doc.front, &photo, &mut rng), FRONT, deadline())
            .unwrap();
        let back = doc.back.as_ref().map(|back| {
            reader
                .observe(&photograph(back, &photo, &mut rng), BACK, deadline())
                .unwrap()
        });
        let truth = &doc.truth;
        if let Some(payload) = &truth.aamva_payload {
            let read = back.as_ref().and_then(|b| b.barcode.clone());
            assert_eq!(read.as_ref(), Some(payload), "{kind:?}: barcode");
        }
        if let Some(lines) = &truth.mrz_lines {
            let read = [Some(&front), back.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|o| o.mrz.as_ref())
                .map(|m| m.best_lines());
            assert_eq!(read.as_ref(), Some(lines), "{kind:?}: MRZ");
        }
        let printed = front.text.clone().unwrap_or_default();
        let all_text: String = printed
            .iter()
            .map(|l| l.text.to_uppercase())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            all_text.contains(&truth.front.last_name.to_uppercase()),
            "{kind:?}: last name not read from the front: {all_text}"
        );
    }
}

#[test]
fn an_image_that_is_not_a_document_has_no_barcode_or_mrz() {
    let reader = reader();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..3 {
        let picture = verifyd_docgen::not_a_document(&mut rng);
        let photo = random_photo(&mut rng, Difficulty::Easy);
        let o = reader
            .observe(
                &photograph(&picture, &photo, &mut rng),
                BACK,
                Instant::now() + Duration::from_secs(60),
            )
            .unwrap();
        assert!(o.barcode.is_none() && o.mrz.is_none());
    }
}
