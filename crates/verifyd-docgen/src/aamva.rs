//! AAMVA DL/ID card design standard payloads (the bytes inside a US/Canadian licence's PDF417),
//! composed from a [`DocumentSpec`] and its [`AamvaStyle`], including the deliberate
//! non-conformities real cards carry (shifted or zero subfile offsets, odd separators, the old
//! `AAMVA` file type, v01 full-name fields, CCYYMMDD dates). Bytes only; no drawing.

use crate::dates::Ymd;
use crate::people::{ascii_fold, compact, jurisdiction};
use crate::{AamvaStyle, DocumentKind, DocumentSpec};

fn date(d: Ymd, ccyymmdd: bool) -> String {
    let (y, m, dd) = d;
    if ccyymmdd {
        format!("{y:04}{m:02}{dd:02}")
    } else {
        format!("{m:02}{dd:02}{y:04}")
    }
}

fn sex_code(sex: char) -> &'static str {
    match sex {
        'M' => "1",
        'F' => "2",
        _ => "9",
    }
}

/// Height printed and encoded: inches for US cards, centimetres for Canadian ones. Derived
/// from the spec so the front and the barcode always agree.
pub fn height(spec: &DocumentSpec) -> u32 {
    let p = &spec.person;
    if spec.issuing_country == "CAN" {
        150 + (p.dob.2 * 7 + p.dob.1 * 3) % 45
    } else {
        60 + (p.dob.2 + p.dob.1) % 16
    }
}

/// Eye colour code (AAMVA D20 codes), derived from the spec like [`height`].
pub fn eyes(spec: &DocumentSpec) -> &'static str {
    let p = &spec.person;
    ["BRO", "BLU", "GRN", "HAZ", "GRY"][((p.dob.1 + p.dob.2) % 5) as usize]
}

/// The data elements of the DL/ID subfile, in order, as `(id, value)`.
pub fn elements(spec: &DocumentSpec) -> Vec<(&'static str, String)> {
    let st = &spec.aamva;
    let p = &spec.person;
    let v = st.version;
    let dl = matches!(
        spec.kind,
        DocumentKind::UsDrivingLicense | DocumentKind::CaDrivingLicense
    );
    let canada = spec.issuing_country == "CAN";
    let last = ascii_fold(&p.last_name.to_uppercase());
    let first = ascii_fold(&p.first_name.to_uppercase());
    let middle = p
        .middle_name
        .as_ref()
        .map(|m| ascii_fold(&m.to_uppercase()));
    let d = |x: Ymd| date(x, st.canadian_dates);
    let postal = if canada {
        p.address.postal_code.clone()
    } else {
        format!("{}0000  ", p.address.postal_code)
    };
    let height = if canada {
        format!("{:03} CM", height(spec))
    } else {
        format!("{:03} IN", height(spec))
    };
    let eyes = eyes(spec);
    let number = compact(&spec.document_number);
    let discriminator: String = {
        let seed: u64 = number
            .bytes()
            .fold(17u64, |a, b| a.wrapping_mul(31) ^ b as u64)
            ^ (p.dob.0 as u64).wrapping_mul(1_000_003);
        (0..20u64)
            .map(|i| {
                let x = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(i.wrapping_mul(1_442_695_040_888_963_407))
                    >> 33;
                char::from(b'0' + (x % 10) as u8)
            })
            .collect()
    };
    let mut e: Vec<(&'static str, String)> = Vec::new();
    if v <= 1 {
        e.push(("DAQ", number.clone()));
        if st.full_name_daa {
            let mut full = format!("{last},{first}");
            if let Some(m) = &middle {
                full.push(',');
                full.push_str(m);
            }
            e.push(("DAA", full));
        } else {
            e.push(("DAB", last.clone()));
            e.push(("DAC", first.clone()));
            if let Some(m) = &middle {
                e.push(("DAD", m.clone()));
            }
        }
        e.push(("DAG", p.address.line1.clone()));
        e.push(("DAI", p.address.city.clone()));
        e.push(("DAJ", p.address.state.clone()));
        e.push(("DAK", postal));
        if dl {
            e.push(("DAR", "C".into()));
            e.push(("DAS", "NONE".into()));
            e.push(("DAT", "NONE".into()));
        }
        e.push(("DBA", d(spec.expiry)));
        e.push(("DBB", d(p.dob)));
        e.push(("DBC", sex_code(p.sex).into()));
        e.push(("DBD", d(spec.issued)));
        e.push(("DAU", height));
        e.push(("DAY", eyes.into()));
        return e;
    }
    if dl {
        e.push(("DCA", if canada { "G" } else { "C" }.into()));
        e.push(("DCB", "NONE".into()));
        e.push(("DCD", "NONE".into()));
    }
    e.push(("DBA", d(spec.expiry)));
    e.push(("DCS", last.clone()));
    if v <= 3 {
        let mut given = first.clone();
        if let Some(m) = &middle {
            given.push(if v == 2 { ',' } else { ' ' });
            given.push_str(m);
        }
        e.push(("DCT", given));
    } else {
        e.push(("DAC", first.clone()));
        e.push(("DAD", middle.clone().unwrap_or_else(|| "NONE".into())));
    }
    e.push(("DBD", d(spec.issued)));
    e.push(("DBB", d(p.dob)));
    e.push(("DBC", sex_code(p.sex).into()));
    e.push(("DAY", eyes.into()));
    e.push(("DAU", height));
    e.push(("DAG", p.address.line1.clone()));
    e.push(("DAI", p.address.city.clone()));
    e.push(("DAJ", p.address.state.clone()));
    e.push(("DAK", postal));
    e.push(("DAQ", number));
    e.push(("DCF", discriminator));
    e.push(("DCG", if canada { "CAN" } else { "USA" }.into()));
    if v >= 4 {
        e.push(("DDE", "N".into()));
        e.push(("DDF", "N".into()));
        e.push(("DDG", "N".into()));
    }
    if v >= 5 {
        e.push((
            "DDB",
            date((2020 + (v as i32 % 5), 1, 15), st.canadian_dates),
        ));
    }
    if v >= 7 && dl {
        e.push(("DDK", "1".into()));
    }
    e
}

/// The complete barcode payload: header, subfile directory and subfile(s).
pub fn payload(spec: &DocumentSpec) -> Vec<u8> {
    let st: &AamvaStyle = &spec.aamva;
    let designator = match spec.kind {
        DocumentKind::UsDrivingLicense | DocumentKind::CaDrivingLicense => "DL",
        _ => "ID",
    };
    let mut subfiles: Vec<(String, Vec<u8>)> = Vec::new();
    let mut body = designator.as_bytes().to_vec();
    let els = elements(spec);
    for (i, (id, value)) in els.iter().enumerate() {
        body.extend_from_slice(id.as_bytes());
        body.extend_from_slice(value.as_bytes());
        body.push(if i + 1 == els.len() {
            0x0D
        } else {
            st.separator
        });
    }
    subfiles.push((designator.to_string(), body));
    if st.jurisdiction_subfile {
        let letter = spec.jurisdiction.chars().next().unwrap_or('X');
        let z = format!("Z{letter}");
        let mut b = z.as_bytes().to_vec();
        b.extend_from_slice(format!("{z}A{}", spec.jurisdiction).as_bytes());
        b.push(st.separator);
        b.extend_from_slice(format!("{z}B{}", spec.issued.0 % 100).as_bytes());
        b.push(0x0D);
        subfiles.push((z, b));
    }
    let iin = jurisdiction(&spec.jurisdiction)
        .map(|j| j.iin)
        .unwrap_or("636000");
    let mut header = vec![b'@'];
    header.extend_from_slice(&st.compliance_separator);
    let mut file_type = st.file_type.clone().into_bytes();
    file_type.resize(5, b' ');
    header.extend_from_slice(&file_type);
    header.extend_from_slice(iin.as_bytes());
    header.extend_from_slice(format!("{:02}", st.version.clamp(1, 99)).as_bytes());
    if st.version >= 2 {
        header.extend_from_slice(format!("{:02}", st.jurisdiction_version % 100).as_bytes());
    }
    header.extend_from_slice(format!("{:02}", subfiles.len()).as_bytes());
    let header_len = header.len() + 10 * subfiles.len();
    let mut offset = header_len;
    for (name, body) in &subfiles {
        header.extend_from_slice(name.as_bytes());
        if st.zero_offsets {
            header.extend_from_slice(b"00000000");
        } else {
            let shown = (offset as i64 + st.header_offset_error as i64).clamp(0, 9999);
            header.extend_from_slice(format!("{shown:04}{:04}", body.len()).as_bytes());
        }
        offset += body.len();
    }
    for (_, body) in subfiles {
        header.extend_from_slice(&body);
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{apply_variant, random_spec};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn spec(kind: DocumentKind, seed: u64) -> DocumentSpec {
        let mut s = random_spec(kind, &mut StdRng::seed_from_u64(seed));
        s.aamva = AamvaStyle::conformant(10, s.issuing_country == "CAN");
        s
    }

    fn text(p: &[u8]) -> String {
        String::from_utf8(p.to_vec()).unwrap()
    }

    /// (designator, offset, length) entries of a v02+ header with `ANSI ` and 3 separators.
    fn directory(p: &str, v01: bool) -> Vec<(String, usize, usize)> {
        let n_at = if v01 { 17 } else { 19 };
        let n: usize = p[n_at..n_at + 2].parse().unwrap();
        (0..n)
            .map(|i| {
                let e = &p[n_at + 2 + 10 * i..n_at + 12 + 10 * i];
                (
                    e[..2].to_string(),
                    e[2..6].parse().unwrap(),
                    e[6..].parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_conformant_header_points_at_its_subfile() {
        let s = spec(DocumentKind::UsDrivingLicense, 1);
        let p = text(&payload(&s));
        assert!(p.starts_with("@\n\u{1e}\rANSI "), "{p:?}");
        let iin = crate::people::jurisdiction(&s.jurisdiction).unwrap().iin;
        assert_eq!(&p[9..15], iin);
        assert_eq!(&p[15..17], "10");
        let dir = directory(&p, false);
        assert_eq!(dir.len(), 1);
        let (name, off, len) = &dir[0];
        assert_eq!(name, "DL");
        assert_eq!(*off, 31);
        assert_eq!(&p[*off..off + 2], "DL");
        assert_eq!(off + len, p.len());
        assert!(p.ends_with('\r'));
        assert!(
            p.contains(&format!("\nDCS{}\n", s.person.last_name)),
            "{p:?}"
        );
        let (y, m, d) = s.person.dob;
        assert!(
            p.contains(&format!("\nDBB{m:02}{d:02}{y:04}\n")),
            "US dates are MMDDCCYY"
        );
        assert!(p.contains("\nDCGUSA\n"));
    }

    #[test]
    fn id_cards_use_the_id_subfile_and_canada_uses_ccyymmdd() {
        let s = spec(DocumentKind::CaIdCard, 2);
        let p = text(&payload(&s));
        assert_eq!(directory(&p, false)[0].0, "ID");
        let (y, m, d) = s.person.dob;
        assert!(p.contains(&format!("\nDBB{y:04}{m:02}{d:02}\n")), "{p:?}");
        assert!(p.contains("\nDCGCAN\n"));
        assert!(!p.contains("\nDCA"), "ID cards have no licence class");
    }

    #[test]
    fn offset_errors_and_zero_offsets_are_written_as_asked() {
        let mut s = spec(DocumentKind::UsDrivingLicense, 3);
        let true_len = directory(&text(&payload(&s)), false)[0].2;
        apply_variant(&mut s, "offset+1").unwrap();
        assert_eq!(directory(&text(&payload(&s)), false)[0].1, 32);
        apply_variant(&mut s, "offset-2").unwrap();
        assert_eq!(directory(&text(&payload(&s)), false)[0].1, 29);
        apply_variant(&mut s, "offset-zero").unwrap();
        let p = text(&payload(&s));
        assert_eq!(&p[21..31], "DL00000000");
        assert_eq!(p.len() - 31, true_len);
    }

    #[test]
    fn separators_and_file_types_follow_the_style() {
        let mut s = spec(DocumentKind::UsDrivingLicense, 4);
        apply_variant(&mut s, "compliance-lf-lf").unwrap();
        apply_variant(&mut s, "sep-cr").unwrap();
        let p = text(&payload(&s));
        assert!(p.starts_with("@\n\nANSI "), "{p:?}");
        assert!(!p[30..].contains('\n'), "every element ends in CR: {p:?}");
        // The header is one byte shorter, and the offset says so.
        assert_eq!(&p[20..22], "DL");
        let n: usize = p[22..26].parse().unwrap();
        assert_eq!(n, 30);
        assert_eq!(&p[n..n + 2], "DL");

        let mut s = spec(DocumentKind::UsDrivingLicense, 5);
        apply_variant(&mut s, "compliance-fs").unwrap();
        assert!(payload(&s).starts_with(b"@\n\x1c\rANSI "));

        let mut s = spec(DocumentKind::UsDrivingLicense, 6);
        apply_variant(&mut s, "file-type-aamva").unwrap();
        let p = text(&payload(&s));
        assert!(p.starts_with("@\n\u{1e}\rAAMVA"), "{p:?}");
        assert_eq!(&p[15..17], "01");
        // v01: no jurisdiction version, so the entry count follows the version.
        let dir = directory(&p, true);
        assert_eq!(dir[0].0, "DL");
        assert_eq!(&p[dir[0].1..dir[0].1 + 2], "DL");
    }

    #[test]
    fn version_one_writes_the_full_name_in_daa() {
        let mut s = spec(DocumentKind::UsDrivingLicense, 7);
        s.person.middle_name = Some("QUINN".into());
        apply_variant(&mut s, "aamva-v01").unwrap();
        let p = text(&payload(&s));
        let want = format!("DAA{},{},QUINN", s.person.last_name, s.person.first_name);
        assert!(p.contains(&want), "{p:?}");
        assert!(!p.contains("DCS"));
        let (y, m, d) = s.person.dob;
        assert!(
            p.contains(&format!("DBB{y:04}{m:02}{d:02}")),
            "AAMVA 2000 dates are CCYYMMDD"
        );
    }

    #[test]
    fn versions_two_and_three_use_dct_for_given_names() {
        let mut s = spec(DocumentKind::UsDrivingLicense, 8);
        s.person.middle_name = Some("QUINN".into());
        apply_variant(&mut s, "aamva-v03").unwrap();
        let p = text(&payload(&s));
        assert!(
            p.contains(&format!("DCT{} QUINN", s.person.first_name)),
            "{p:?}"
        );
        assert!(!p.contains("\nDAC") && !p.contains("DDE"));
    }

    #[test]
    fn a_jurisdiction_subfile_follows_the_dl_subfile() {
        let mut s = spec(DocumentKind::UsDrivingLicense, 9);
        apply_variant(&mut s, "z-subfile").unwrap();
        let p = text(&payload(&s));
        let dir = directory(&p, false);
        assert_eq!(dir.len(), 2);
        assert_eq!(dir[0].1, 41);
        assert_eq!(dir[1].1, dir[0].1 + dir[0].2);
        assert!(dir[1].0.starts_with('Z'));
        assert_eq!(&p[dir[1].1..dir[1].1 + 2], dir[1].0);
        assert_eq!(dir[1].1 + dir[1].2, p.len());
    }
}
