//! Generated MRZs: the ICAO specimen exactly, and correct check digits everywhere.

use rand::rngs::StdRng;
use rand::SeedableRng;
use verifyd_docgen::{
    mrz_lines, random_spec, render, Address, DocumentKind, DocumentSpec, MrzStyle, Person,
};

/// An independent 7-3-1 check digit, so the test does not trust the code under test.
fn cd(s: &str) -> char {
    let w = [7u32, 3, 1];
    let sum: u32 = s
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let v = match b {
                b'0'..=b'9' => (b - b'0') as u32,
                b'A'..=b'Z' => (b - b'A') as u32 + 10,
                _ => 0,
            };
            v * w[i % 3]
        })
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

fn at(s: &str, i: usize) -> char {
    s.as_bytes()[i] as char
}

fn optional_ok(field: &str, check: char) -> bool {
    if field.bytes().all(|b| b == b'<') {
        check == '<' || check == '0'
    } else {
        check == cd(field)
    }
}

fn specimen(kind: DocumentKind) -> DocumentSpec {
    let mut rng = StdRng::seed_from_u64(1);
    let mut spec = random_spec(kind, &mut rng);
    spec.person = Person {
        first_name: "ANNA".into(),
        middle_name: Some("MARIA".into()),
        last_name: "ERIKSSON".into(),
        dob: (1974, 8, 12),
        sex: 'F',
        address: Address {
            line1: "1 MAIN ST".into(),
            city: "ANYTOWN".into(),
            state: String::new(),
            postal_code: String::new(),
        },
    };
    spec.issuing_country = "UTO".into();
    spec.expiry = (2012, 4, 15);
    spec.issued = (2002, 4, 16);
    spec.mrz = MrzStyle {
        document_code: if kind == DocumentKind::PassportTd3 {
            "P<"
        } else {
            "I<"
        }
        .into(),
        nationality: "UTO".into(),
        optional_data: String::new(),
        optional_data_2: String::new(),
        filler_check_zero: false,
    };
    spec
}

#[test]
fn the_icao_td3_specimen_mrz_is_reproduced_exactly() {
    let mut spec = specimen(DocumentKind::PassportTd3);
    spec.document_number = "L898902C3".into();
    spec.mrz.optional_data = "ZE184226B".into();
    let lines = mrz_lines(&spec);
    assert_eq!(lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
    assert_eq!(lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    let doc = render(&spec, &mut StdRng::seed_from_u64(2));
    assert_eq!(doc.truth.mrz_lines.as_deref(), Some(&lines[..]));
    assert_eq!(
        doc.truth.issuing_country, None,
        "Utopia has no alpha-2 code"
    );
}

#[test]
fn the_icao_td1_and_td2_specimens_are_reproduced_exactly() {
    let mut spec = specimen(DocumentKind::IdCardTd1);
    spec.document_number = "D23145890".into();
    assert_eq!(
        mrz_lines(&spec),
        [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
        ]
    );
    let mut spec = specimen(DocumentKind::IdCardTd2);
    spec.document_number = "D23145890".into();
    assert_eq!(
        mrz_lines(&spec),
        [
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6"
        ]
    );
}

#[test]
fn random_mrzs_have_valid_check_digits_and_lengths() {
    let mut rng = StdRng::seed_from_u64(42);
    for i in 0..60 {
        let kind = [
            DocumentKind::PassportTd3,
            DocumentKind::IdCardTd1,
            DocumentKind::IdCardTd2,
        ][i % 3];
        let spec = random_spec(kind, &mut rng);
        let l = mrz_lines(&spec);
        for line in &l {
            assert!(
                line.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<'),
                "{line}"
            );
        }
        match kind {
            DocumentKind::PassportTd3 => {
                assert!(l.len() == 2 && l.iter().all(|s| s.len() == 44), "{l:?}");
                let s = &l[1];
                assert_eq!(at(s, 9), cd(&s[0..9]), "{s}");
                assert_eq!(at(s, 19), cd(&s[13..19]), "{s}");
                assert_eq!(at(s, 27), cd(&s[21..27]), "{s}");
                assert!(optional_ok(&s[28..42], at(s, 42)), "{s}");
                let comp = format!("{}{}{}", &s[0..10], &s[13..20], &s[21..43]);
                assert_eq!(at(s, 43), cd(&comp), "{s}");
            }
            DocumentKind::IdCardTd1 => {
                assert!(l.len() == 3 && l.iter().all(|s| s.len() == 30), "{l:?}");
                let (a, b) = (&l[0], &l[1]);
                assert_eq!(at(a, 14), cd(&a[5..14]), "{a}");
                assert_eq!(at(b, 6), cd(&b[0..6]), "{b}");
                assert_eq!(at(b, 14), cd(&b[8..14]), "{b}");
                let comp = format!("{}{}{}{}", &a[5..30], &b[0..7], &b[8..15], &b[18..29]);
                assert_eq!(at(b, 29), cd(&comp), "{a}/{b}");
            }
            _ => {
                assert!(l.len() == 2 && l.iter().all(|s| s.len() == 36), "{l:?}");
                let s = &l[1];
                assert_eq!(at(s, 9), cd(&s[0..9]), "{s}");
                assert_eq!(at(s, 19), cd(&s[13..19]), "{s}");
                assert_eq!(at(s, 27), cd(&s[21..27]), "{s}");
                let comp = format!("{}{}{}", &s[0..10], &s[13..20], &s[21..35]);
                assert_eq!(at(s, 35), cd(&comp), "{s}");
            }
        }
    }
}

#[test]
fn germany_is_written_d_with_fillers_and_names_are_transliterated() {
    let mut spec = specimen(DocumentKind::PassportTd3);
    spec.issuing_country = "D".into();
    spec.mrz.nationality = "D".into();
    spec.person.last_name = "O'BRIEN-MÜLLER".into();
    spec.document_number = "C01X00T47".into();
    let l = mrz_lines(&spec);
    assert!(
        l[0].starts_with("P<D<<OBRIEN<MULLER<<ANNA<MARIA<"),
        "{}",
        l[0]
    );
    assert_eq!(&l[1][10..13], "D<<");
}

#[test]
fn the_mrz_is_drawn_at_icao_size() {
    let mut rng = StdRng::seed_from_u64(5);
    for kind in [
        DocumentKind::PassportTd3,
        DocumentKind::IdCardTd1,
        DocumentKind::IdCardTd2,
    ] {
        let spec = random_spec(kind, &mut rng);
        let doc = render(&spec, &mut rng);
        let m = doc.truth.mrz.as_ref().unwrap();
        assert!((25.0..=30.0).contains(&m.cap_height_px));
        let lines: Vec<_> = doc
            .truth
            .texts
            .iter()
            .filter(|t| t.field == "mrz_line")
            .collect();
        assert_eq!(lines.len(), doc.truth.mrz_lines.as_ref().unwrap().len());
        for t in lines {
            // Ink height: cap height, plus the chevrons' and digits' overshoot.
            assert!((24..=34).contains(&t.bbox[3]), "{kind:?} {:?}", t.bbox);
            let chars = t.text.len() as f32;
            let per_char = t.bbox[2] as f32 / chars;
            assert!(
                (26.0..=31.0).contains(&per_char),
                "{kind:?} pitch {per_char}"
            );
        }
    }
}
