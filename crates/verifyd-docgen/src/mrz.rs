//! Machine-readable zones per ICAO Doc 9303 parts 4 (TD3), 5 (TD1) and 6 (TD2): the 7-3-1
//! check digit, composite check digits, name-field truncation and `<` fillers. Composes text
//! only; drawing the zone is `cards`' job.

use crate::dates::{self, Ymd};
use crate::people::ascii_fold;

/// The value ICAO assigns to an MRZ character: digits 0–9, A–Z 10–35, `<` 0.
fn char_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

/// ICAO 9303 check digit: weights 7, 3, 1 repeating, sum modulo 10.
pub fn check_digit(s: &str) -> char {
    const W: [u32; 3] = [7, 3, 1];
    let sum: u32 = s
        .chars()
        .enumerate()
        .map(|(i, c)| char_value(c) * W[i % 3])
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

/// Upper-cases, folds accents, turns spaces and hyphens into `<`, drops anything else that is
/// not A–Z (apostrophes: O'BRIEN → OBRIEN).
pub fn mrz_text(s: &str) -> String {
    ascii_fold(&s.to_uppercase())
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' | '0'..='9' => Some(c),
            ' ' | '-' | ',' => Some('<'),
            _ => None,
        })
        .collect()
}

/// Pads with `<` (or truncates) to exactly `n` characters.
pub fn pad(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    while out.chars().count() < n {
        out.push('<');
    }
    out
}

/// The name field: `SURNAME<<GIVEN<NAMES`, truncated per Doc 9303 part 3 §4.6 when it does
/// not fit. Returns the field and whether it was truncated.
///
/// Truncation keeps the primary identifier whole when it can and cuts the secondary
/// identifier (given names) from the end, never leaving a trailing filler at the cut; when
/// even one given-name letter does not fit, the surname is cut too.
pub fn name_field(surname: &str, given: &str, width: usize) -> (String, bool) {
    let primary = mrz_text(surname);
    let secondary = mrz_text(given);
    let full = if secondary.is_empty() {
        primary.clone()
    } else {
        format!("{primary}<<{secondary}")
    };
    if full.len() <= width {
        return (pad(&full, width), false);
    }
    if primary.len() + 3 <= width && !secondary.is_empty() {
        let room = width - primary.len() - 2;
        let mut cut: String = secondary.chars().take(room).collect();
        while cut.ends_with('<') {
            cut.pop();
        }
        return (pad(&format!("{primary}<<{cut}"), width), true);
    }
    if secondary.is_empty() {
        let mut cut: String = primary.chars().take(width).collect();
        while cut.ends_with('<') {
            cut.pop();
        }
        return (pad(&cut, width), true);
    }
    let mut cut: String = primary.chars().take(width - 3).collect();
    while cut.ends_with('<') {
        cut.pop();
    }
    let first = secondary.chars().next().unwrap_or('X');
    (pad(&format!("{cut}<<{first}"), width), true)
}

/// MRZ sex character: M, F, or `<` for unspecified/X.
pub fn sex_char(sex: char) -> char {
    match sex {
        'M' | 'F' => sex,
        _ => '<',
    }
}

/// Check digit of an optional-data field; a field of fillers gets `<` or `0` (both allowed).
fn optional_check(field: &str, filler_check_zero: bool) -> char {
    if field.chars().all(|c| c == '<') {
        if filler_check_zero {
            '0'
        } else {
            '<'
        }
    } else {
        check_digit(field)
    }
}

/// Everything an MRZ needs, already in MRZ alphabet where it matters.
pub struct MrzInput<'a> {
    pub document_code: &'a str,
    pub issuing_state: &'a str,
    pub surname: &'a str,
    pub given_names: &'a str,
    pub document_number: &'a str,
    pub nationality: &'a str,
    pub dob: Ymd,
    pub sex: char,
    pub expiry: Ymd,
    pub optional_data: &'a str,
    pub optional_data_2: &'a str,
    pub filler_check_zero: bool,
}

/// A composed zone: its lines and whether the name had to be truncated.
pub struct Mrz {
    pub lines: Vec<String>,
    pub name_truncated: bool,
}

/// TD3 (passport data page): 2 lines of 44.
pub fn td3(i: &MrzInput) -> Mrz {
    let (name, truncated) = name_field(i.surname, i.given_names, 39);
    let l1 = format!(
        "{}{}{}",
        pad(i.document_code, 2),
        pad(i.issuing_state, 3),
        name
    );
    let number = pad(&mrz_text(i.document_number), 9);
    let n_cd = check_digit(&number);
    let dob = dates::mrz(i.dob);
    let exp = dates::mrz(i.expiry);
    let opt = pad(&mrz_text(i.optional_data), 14);
    let opt_cd = optional_check(&opt, i.filler_check_zero);
    let composite_src = format!(
        "{number}{n_cd}{dob}{}{exp}{}{opt}{opt_cd}",
        check_digit(&dob),
        check_digit(&exp)
    );
    let l2 = format!(
        "{number}{n_cd}{}{dob}{}{}{exp}{}{opt}{opt_cd}{}",
        pad(i.nationality, 3),
        check_digit(&dob),
        sex_char(i.sex),
        check_digit(&exp),
        check_digit(&composite_src)
    );
    Mrz {
        lines: vec![l1, l2],
        name_truncated: truncated,
    }
}

/// TD2: 2 lines of 36.
pub fn td2(i: &MrzInput) -> Mrz {
    let (name, truncated) = name_field(i.surname, i.given_names, 31);
    let l1 = format!(
        "{}{}{}",
        pad(i.document_code, 2),
        pad(i.issuing_state, 3),
        name
    );
    let number = pad(&mrz_text(i.document_number), 9);
    let n_cd = check_digit(&number);
    let dob = dates::mrz(i.dob);
    let exp = dates::mrz(i.expiry);
    let opt = pad(&mrz_text(i.optional_data), 7);
    let composite_src = format!(
        "{number}{n_cd}{dob}{}{exp}{}{opt}",
        check_digit(&dob),
        check_digit(&exp)
    );
    let l2 = format!(
        "{number}{n_cd}{}{dob}{}{}{exp}{}{opt}{}",
        pad(i.nationality, 3),
        check_digit(&dob),
        sex_char(i.sex),
        check_digit(&exp),
        check_digit(&composite_src)
    );
    Mrz {
        lines: vec![l1, l2],
        name_truncated: truncated,
    }
}

/// TD1 (ID-1 card): 3 lines of 30.
pub fn td1(i: &MrzInput) -> Mrz {
    let number = pad(&mrz_text(i.document_number), 9);
    let n_cd = check_digit(&number);
    let opt1 = pad(&mrz_text(i.optional_data), 15);
    let l1 = format!(
        "{}{}{number}{n_cd}{opt1}",
        pad(i.document_code, 2),
        pad(i.issuing_state, 3)
    );
    let dob = dates::mrz(i.dob);
    let exp = dates::mrz(i.expiry);
    let opt2 = pad(&mrz_text(i.optional_data_2), 11);
    let head = format!(
        "{dob}{}{}{exp}{}{}{opt2}",
        check_digit(&dob),
        sex_char(i.sex),
        check_digit(&exp),
        pad(i.nationality, 3)
    );
    // Composite: line 1 positions 6–30, line 2 positions 1–7, 9–15 and 19–29.
    let composite_src = format!(
        "{}{}{}{}",
        &l1[5..30],
        &head[0..7],
        &head[8..15],
        &head[18..29]
    );
    let l2 = format!("{head}{}", check_digit(&composite_src));
    let (name, truncated) = name_field(i.surname, i.given_names, 30);
    Mrz {
        lines: vec![l1, l2, name],
        name_truncated: truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specimen() -> MrzInput<'static> {
        MrzInput {
            document_code: "P",
            issuing_state: "UTO",
            surname: "ERIKSSON",
            given_names: "ANNA MARIA",
            document_number: "L898902C3",
            nationality: "UTO",
            dob: (1974, 8, 12),
            sex: 'F',
            expiry: (2012, 4, 15),
            optional_data: "ZE184226B",
            optional_data_2: "",
            filler_check_zero: false,
        }
    }

    #[test]
    fn the_icao_td3_specimen_is_reproduced_exactly() {
        let m = td3(&specimen());
        assert_eq!(m.lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        assert_eq!(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        assert!(!m.name_truncated);
    }

    #[test]
    fn the_icao_td1_specimen_is_reproduced_exactly() {
        let mut i = specimen();
        i.document_code = "I";
        i.document_number = "D23145890";
        i.optional_data = "";
        i.expiry = (2012, 4, 15);
        i.dob = (1974, 8, 12);
        let m = td1(&i);
        assert_eq!(m.lines[0], "I<UTOD231458907<<<<<<<<<<<<<<<");
        assert_eq!(m.lines[1], "7408122F1204159UTO<<<<<<<<<<<6");
        assert_eq!(m.lines[2], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    }

    #[test]
    fn the_icao_td2_specimen_is_reproduced_exactly() {
        let mut i = specimen();
        i.document_code = "I";
        i.document_number = "D23145890";
        i.optional_data = "";
        let m = td2(&i);
        assert_eq!(m.lines[0], "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<");
        assert_eq!(m.lines[1], "D231458907UTO7408122F1204159<<<<<<<6");
    }

    #[test]
    fn check_digits_use_weights_seven_three_one() {
        assert_eq!(check_digit("L898902C3"), '6');
        assert_eq!(check_digit("740812"), '2');
        assert_eq!(check_digit("120415"), '9');
        assert_eq!(check_digit("<<<<<<"), '0');
    }

    #[test]
    fn long_names_are_truncated_from_the_given_names_without_a_trailing_filler() {
        let (f, t) = name_field("VANDERHOEVEN-BLACKWOOD", "ALEXANDRA CHRISTINA", 30);
        assert!(t);
        assert_eq!(f.len(), 30);
        assert_eq!(f, "VANDERHOEVEN<BLACKWOOD<<ALEXAN");
        let (f, _) = name_field("O'BRIEN", "JEAN-PIERRE", 30);
        assert_eq!(f, "OBRIEN<<JEAN<PIERRE<<<<<<<<<<<");
    }
}
