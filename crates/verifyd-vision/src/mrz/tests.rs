//! End-to-end tests of the MRZ reader on committed fixtures (rendered by
//! `cargo run -p mrz-train -- fixtures`: Debian's OCR-B on a synthetic document, expected
//! lines in the `.txt` beside each image).

use std::time::{Duration, Instant};

use super::*;

fn fixture(png: &[u8]) -> image::GrayImage {
    image::load_from_memory(png)
        .expect("fixture decodes")
        .to_luma8()
}

fn expected(txt: &str) -> Vec<String> {
    txt.lines().map(str::to_string).collect()
}

fn read(png: &[u8]) -> Option<MrzReading> {
    let reader = MrzReader::load().expect("committed weights load");
    reader
        .read(&fixture(png), Instant::now() + Duration::from_secs(30))
        .expect("no deadline")
}

fn assert_reads(png: &[u8], txt: &str) {
    let reading = read(png).expect("an MRZ is found");
    let want = expected(txt);
    assert_eq!(reading.best_lines(), want);
    for line in &reading.lines {
        for ch in line {
            assert!(!ch.candidates.is_empty() && ch.candidates.len() <= MAX_CANDIDATES);
            assert!(ch
                .candidates
                .windows(2)
                .all(|w| w[0].1 >= w[1].1 && w[1].1 >= MIN_PROBABILITY));
            assert!(ch.candidates.iter().all(|c| ALPHABET.contains(c.0)));
            let sum: f32 = ch.candidates.iter().map(|c| c.1).sum();
            assert!(sum <= 1.0001, "probabilities sum to {sum}");
        }
    }
}

#[test]
fn reads_a_cleanly_rendered_td3_passport() {
    assert_reads(
        include_bytes!("../../tests/fixtures/mrz/td3-clean.png"),
        include_str!("../../tests/fixtures/mrz/td3-clean.txt"),
    );
}

#[test]
fn reads_a_cleanly_rendered_td1_card() {
    assert_reads(
        include_bytes!("../../tests/fixtures/mrz/td1-clean.png"),
        include_str!("../../tests/fixtures/mrz/td1-clean.txt"),
    );
}

#[test]
fn reads_a_rotated_card_photographed_on_a_table() {
    assert_reads(
        include_bytes!("../../tests/fixtures/mrz/td1-rotated.png"),
        include_str!("../../tests/fixtures/mrz/td1-rotated.txt"),
    );
}

#[test]
fn reads_an_upside_down_passport() {
    assert_reads(
        include_bytes!("../../tests/fixtures/mrz/td3-upside-down.png"),
        include_str!("../../tests/fixtures/mrz/td3-upside-down.txt"),
    );
}

/// The zone says which way up the document lies: the printed text is read that way.
#[test]
fn a_zone_says_whether_it_lies_upside_down() {
    let reader = MrzReader::load().expect("committed weights load");
    let deadline = Instant::now() + Duration::from_secs(30);
    for (png, turned) in [
        (
            &include_bytes!("../../tests/fixtures/mrz/td3-upside-down.png")[..],
            true,
        ),
        (
            &include_bytes!("../../tests/fixtures/mrz/td3-clean.png")[..],
            false,
        ),
    ] {
        let image = fixture(png);
        let (_, zone) = reader
            .read_located(&image, deadline)
            .expect("no deadline")
            .expect("an MRZ is found");
        assert_eq!(zone.upside_down, turned);
        let (w, h) = (image.width() as f32, image.height() as f32);
        assert_eq!(zone.turned(w, h).upside_down, !turned);
    }
}

#[test]
fn a_document_without_an_mrz_reads_as_none() {
    assert_eq!(
        read(include_bytes!("../../tests/fixtures/mrz/no-mrz.png")),
        None
    );
}

#[test]
fn a_blank_image_reads_as_none() {
    let blank = image::GrayImage::from_pixel(800, 500, image::Luma([230]));
    let reader = MrzReader::load().expect("weights load");
    assert_eq!(
        reader.read(&blank, Instant::now() + Duration::from_secs(30)),
        Ok(None)
    );
}

#[test]
fn an_expired_deadline_is_an_error() {
    let reader = MrzReader::load().expect("weights load");
    let image = fixture(include_bytes!("../../tests/fixtures/mrz/td3-clean.png"));
    let past = Instant::now() - Duration::from_millis(1);
    assert_eq!(reader.read(&image, past), Err(MrzDeadline));
}

#[test]
fn the_committed_weights_match_the_manifest_checksum() {
    let sha = manifest_sha256(MANIFEST, "ocrb-cnn.bin").expect("manifest entry");
    assert_eq!(sha, crate::models::sha256_hex(WEIGHTS));
    assert!(MrzReader::load().is_ok());
}

#[test]
fn altered_weights_are_refused_not_loaded() {
    let sha = manifest_sha256(MANIFEST, "ocrb-cnn.bin").expect("manifest entry");
    let mut altered = WEIGHTS.to_vec();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    assert!(matches!(
        MrzReader::from_weights(&altered, sha),
        Err(MrzModelError::Checksum { .. })
    ));
    // A wrong expected checksum is refused the same way.
    assert!(matches!(
        MrzReader::from_weights(WEIGHTS, &"0".repeat(64)),
        Err(MrzModelError::Checksum { .. })
    ));
    // Bytes that hash right but are not a network are a format error.
    let junk = b"not a network";
    assert!(matches!(
        MrzReader::from_weights(junk, &crate::models::sha256_hex(junk)),
        Err(MrzModelError::Format(_))
    ));
}

#[test]
fn the_manifest_entry_is_found_by_file_name() {
    let manifest = "file: other.bin\nsha256: aa\nfile: ocrb-cnn.bin\nsha256: bb\n";
    assert_eq!(manifest_sha256(manifest, "ocrb-cnn.bin"), Some("bb"));
    assert_eq!(manifest_sha256(manifest, "missing.bin"), None);
}

#[test]
fn uncertain_characters_keep_their_alternatives() {
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    let mut probs = vec![0.0f32; alphabet.len()];
    probs[0] = 0.55; // '0'
    probs[alphabet.iter().position(|&c| c == 'O').unwrap()] = 0.43;
    probs[alphabet.iter().position(|&c| c == 'D').unwrap()] = 0.015;
    probs[alphabet.iter().position(|&c| c == 'Q').unwrap()] = 0.005;
    let ch = to_char(&alphabet, &probs);
    assert_eq!(ch.candidates.iter().map(|c| c.0).collect::<String>(), "0OD");
}
