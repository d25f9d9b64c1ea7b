//! Does the printed front agree with the machine-readable data? The recognised lines of
//! the front are searched for the last name, the first given name, the date of birth and
//! the document number that the barcode or MRZ states. Comparisons forgive only what a
//! recogniser confuses and a forger gains nothing from: look-alike characters (`0`/`O`,
//! `1`/`I`, `5`/`S`…) and accents, letter case, spacing and punctuation. Names match
//! whole words; dates match in the document's own notations; nothing is fuzzy beyond
//! that, so a front with another name, date or number never agrees.

use super::document::{DocumentData, MachineSource};
use crate::dates;
use crate::observation::TextLine;
use verifyd_core::session::Date;

/// A field compared between the front and the machine-readable data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    LastName,
    FirstName,
    DateOfBirth,
    Number,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::LastName => "last name",
            Field::FirstName => "first name",
            Field::DateOfBirth => "date of birth",
            Field::Number => "document number",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontVerdict {
    /// Every field was found on the front.
    Agrees,
    /// The front is legible and some fields were found, but not these.
    Disagrees(Vec<Field>),
    /// Too little legible text to compare.
    Unreadable,
    /// The front is legible and not one field matches: another document.
    Foreign,
}

/// Lines a recogniser was at least this sure of count as legible.
const LEGIBLE_CONFIDENCE: f32 = 0.7;
/// A legible front has at least this many legible lines (a card has a dozen or more).
const LEGIBLE_LINES: usize = 3;

pub fn compare(printed: Option<&[TextLine]>, data: &DocumentData) -> FrontVerdict {
    let Some(printed) = printed else {
        return FrontVerdict::Unreadable;
    };
    // MRZ lines (on passports and TD2 cards) repeat the machine data: leave them out.
    let lines: Vec<&TextLine> = printed
        .iter()
        .filter(|l| !looks_like_mrz(&l.text))
        .collect();
    let legible = lines
        .iter()
        .filter(|l| l.confidence >= LEGIBLE_CONFIDENCE && l.text.trim().len() >= 3)
        .count();
    let tokens: Vec<Vec<String>> = lines.iter().map(|l| tokens(&l.text)).collect();

    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut note = |field: Field, ok: bool| {
        if ok {
            found.push(field)
        } else {
            missing.push(field)
        }
    };
    if let Some(last) = &data.last_name {
        note(Field::LastName, name_found(&tokens, last));
    }
    if let Some(given) = data.first_name.as_deref() {
        // The first given name alone, or every given name (middle names included) when a
        // recogniser ran them together.
        let all_given = match &data.middle_names {
            Some(middle) => format!("{given} {middle}"),
            None => given.to_owned(),
        };
        let found = first_word(given).is_some_and(|first| name_found(&tokens, &first))
            || name_found(&tokens, &all_given)
            || (data.name_truncated && truncated_name_found(&tokens, given));
        note(Field::FirstName, found);
    }
    if let Some(dob) = &data.dob {
        let us =
            data.issuing_country.as_deref() == Some("US") && data.source == MachineSource::Barcode;
        note(Field::DateOfBirth, date_found(&tokens, dob, us));
    }
    if let Some(number) = &data.number {
        note(Field::Number, number_found(&lines, number, data.source));
    }

    if missing.is_empty() {
        FrontVerdict::Agrees
    } else if legible < LEGIBLE_LINES {
        FrontVerdict::Unreadable
    } else if found.is_empty() {
        FrontVerdict::Foreign
    } else {
        FrontVerdict::Disagrees(missing)
    }
}

/// A recognised line that is (part of) a machine-readable zone: fillers, or one long run
/// of capitals and digits without spaces, as no printed field is.
fn looks_like_mrz(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let spaces = text.trim().chars().filter(|c| c.is_whitespace()).count();
    text.contains("<<")
        || (compact.chars().count() >= 26
            && spaces <= 1
            && compact
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "<«‹".contains(c)))
}

fn first_word(names: &str) -> Option<String> {
    names.split_whitespace().next().map(str::to_owned)
}

/// Folds accents and case: `Müller` → `MULLER`.
fn fold(c: char) -> Option<char> {
    let c = match c {
        'À'..='Å' | 'à'..='å' => 'A',
        'Ç' | 'ç' => 'C',
        'È'..='Ë' | 'è'..='ë' => 'E',
        'Ì'..='Ï' | 'ì'..='ï' => 'I',
        'Ñ' | 'ñ' => 'N',
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' => 'O',
        'Ù'..='Ü' | 'ù'..='ü' => 'U',
        'Ý' | 'ý' | 'ÿ' => 'Y',
        'ß' => 'S',
        c => c.to_ascii_uppercase(),
    };
    c.is_ascii_alphanumeric().then_some(c)
}

/// A line's words: runs of letters and digits, folded.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        match fold(c) {
            Some(c) => current.push(c),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The letter a recogniser may have read as a digit, in a word that is a name.
fn as_letter(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '5' => 'S',
        '6' => 'G',
        '8' => 'B',
        c => c,
    }
}

/// The digit a recogniser may have read as a letter, in a word that is a number.
fn as_digit(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' | 'T' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        c => c,
    }
}

/// Equivalence class of a character for document numbers, which mix letters and digits.
fn number_class(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' | '0' => '0',
        'I' | 'L' | '1' => '1',
        'Z' | '2' => '2',
        'S' | '5' => '5',
        'G' | '6' => '6',
        'B' | '8' => '8',
        c => c,
    }
}

/// A word as it may spell a name: look-alike digits read as letters; and, when it starts
/// with a field number run into it (`2ELENA`, the card's label "2" before the given
/// names), also without that number.
fn name_readings(word: &str) -> Vec<String> {
    let mut readings = vec![word.chars().map(as_letter).collect::<String>()];
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    let rest = &word[digits..];
    if (1..=2).contains(&digits) && rest.chars().filter(char::is_ascii_alphabetic).count() >= 2 {
        readings.push(rest.chars().map(as_letter).collect());
    }
    readings
}

/// An MRZ whose name field is full may have cut the given names short (`BENJAM` for
/// `BENJAMIN`): a printed word that starts with the machine's first given name counts,
/// when that name is the one the cut fell in (the machine has no further given name).
fn truncated_name_found(lines: &[Vec<String>], given: &str) -> bool {
    let words = tokens(given);
    let [only] = words.as_slice() else {
        return false;
    };
    only.len() >= 2
        && lines.iter().flatten().any(|w| {
            name_readings(w)
                .iter()
                .any(|r| r.starts_with(only.as_str()) && r.len() > only.len())
        })
}

/// Whether the name (one or more words) appears as consecutive whole words of a line,
/// with or without the spaces between its words.
fn name_found(lines: &[Vec<String>], name: &str) -> bool {
    let wanted: String = tokens(name).concat();
    if wanted.is_empty() {
        return false;
    }
    lines.iter().any(|raw| {
        let words: Vec<String> = raw
            .iter()
            .map(|w| w.chars().map(as_letter).collect())
            .collect();
        (0..words.len()).any(|start| {
            // Only the first word may carry a field number in front of the name.
            name_readings(&raw[start]).iter().any(|first| {
                let mut joined = first.clone();
                if joined == wanted {
                    return true;
                }
                for word in &words[start + 1..] {
                    if joined.len() >= wanted.len() {
                        break;
                    }
                    joined.push_str(word);
                    if joined == wanted {
                        return true;
                    }
                }
                false
            })
        })
    })
}

/// Whether the document number appears in a line, ignoring spaces and punctuation inside
/// it (numbers are often printed in groups). With a machine-readable zone as the source,
/// the number must also end where a word ends: a piece of the zone itself that the text
/// recogniser read as a separate line (`ZZ01Z4T663NLD4406183…`, the number run into its
/// check digit) repeats the machine's number, not the printed one, and must not vouch
/// for a front that prints another.
fn number_found(lines: &[&TextLine], number: &str, source: MachineSource) -> bool {
    let wanted: String = tokens(number).concat().chars().map(number_class).collect();
    if wanted.is_empty() {
        return false;
    }
    lines.iter().any(|line| {
        let words: Vec<String> = tokens(&line.text)
            .into_iter()
            .map(|w| w.chars().map(number_class).collect())
            .collect();
        let compact = words.concat();
        // Offsets in `compact` where a word ends.
        let ends: Vec<usize> = words
            .iter()
            .scan(0, |at, w| {
                *at += w.len();
                Some(*at)
            })
            .collect();
        compact
            .match_indices(&wanted)
            .any(|(at, _)| source == MachineSource::Barcode || ends.contains(&(at + wanted.len())))
    })
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

fn month_of(word: &str) -> Option<u32> {
    let word: String = word.chars().map(as_letter).collect();
    let prefix = word.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

fn number_of(word: &str) -> Option<u32> {
    let digits: String = word.chars().map(as_digit).collect();
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Every date written on a line, in the notations documents use: `MM/DD/YYYY` (US) or
/// `DD/MM/YYYY` (elsewhere), `YYYY/MM/DD`, `DD MON YYYY` (with an optional second-language
/// month, `12 AUG/AOUT 1974`), two-digit years with a month name, and eight-digit runs.
fn dates_in(words: &[String], us: bool) -> Vec<(i32, u32, u32)> {
    let mut found = Vec::new();
    let mut push = |y: i32, m: u32, d: u32| {
        if dates::is_valid(y, m, d) {
            found.push((y, m, d));
        }
    };
    let year = |word: &str| -> Option<i32> {
        let n = number_of(word)?;
        match word.len() {
            4 => Some(n as i32),
            2 => Some(n as i32), // two-digit: compared modulo 100 below
            _ => None,
        }
    };
    for i in 0..words.len() {
        let w = &words[i];
        // Eight digits in one word: MMDDYYYY / DDMMYYYY / YYYYMMDD.
        if w.len() == 8 {
            if let Some(n) = number_of(w) {
                let (a, b, c) = (n / 1_000_000, n / 10_000 % 100, n % 10_000);
                if us {
                    push(c as i32, a, b);
                } else {
                    push(c as i32, b, a);
                }
                push((n / 10_000) as i32, n / 100 % 100, n % 100);
            }
        }
        let next = |k: usize| words.get(i + k).map(String::as_str);
        // Day, month name, [second month name], year.
        if let (Some(d), Some(m)) = (
            number_of(w).filter(|_| w.len() <= 2),
            next(1).and_then(month_of),
        ) {
            for skip in [2, 3] {
                if let Some(y) = next(skip).and_then(year) {
                    push(y, m, d);
                }
            }
        }
        // Three numbers: YYYY MM DD, or MM DD YYYY (US) / DD MM YYYY.
        if let (Some(a), Some(b), Some(c)) = (
            number_of(w),
            next(1).and_then(number_of),
            next(2).and_then(number_of),
        ) {
            let lens = (
                w.len(),
                next(1).map_or(0, str::len),
                next(2).map_or(0, str::len),
            );
            match lens {
                (4, 1..=2, 1..=2) => push(a as i32, b, c),
                (1..=2, 1..=2, 4) if us => push(c as i32, a, b),
                (1..=2, 1..=2, 4) => push(c as i32, b, a),
                _ => {}
            }
        }
    }
    found
}

fn date_found(lines: &[Vec<String>], dob: &Date, us: bool) -> bool {
    let Some((y, m, d)) = dates::complete(dob) else {
        return false;
    };
    let parsed = lines.iter().any(|words| {
        dates_in(words, us)
            .into_iter()
            .any(|(fy, fm, fd)| (fm, fd) == (m, d) && (fy == y || (fy < 100 && fy == y % 100)))
    });
    parsed || date_run_found(lines, y, m, d, us)
}

/// Whether the date appears with its separators gone, as recognisers often give a date
/// run together with the label before it (`3DOB10/14/1949` read as `30810/14/1949`): the
/// line's characters without spaces or punctuation contain the date's digits in the
/// document's order (`MMDDYYYY` in the US, `DDMMYYYY` elsewhere, `YYYYMMDD` anywhere) or
/// with the month's name (`12AUG1974`, `12AUG74`).
fn date_run_found(lines: &[Vec<String>], y: i32, m: u32, d: u32, us: bool) -> bool {
    let numeric = [
        if us {
            format!("{m:02}{d:02}{y:04}")
        } else {
            format!("{d:02}{m:02}{y:04}")
        },
        format!("{y:04}{m:02}{d:02}"),
    ];
    let month = MONTHS[(m - 1) as usize];
    let named = [
        format!("{d:02}{month}{y:04}"),
        format!("{d:02}{month}{:02}", y % 100),
    ];
    lines.iter().any(|words| {
        let compact = words.concat();
        let as_digits: String = compact.chars().map(as_digit).collect();
        let as_letters: String = compact.chars().map(as_letter).collect();
        numeric.iter().any(|n| as_digits.contains(n.as_str()))
            || named.iter().any(|n| {
                // Digits stay digits and the month stays letters.
                let day_and_year_ok = compact.contains(n.as_str());
                day_and_year_ok
                    || as_letters.contains(&n.chars().map(as_letter).collect::<String>())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::document::MachineSource;
    use verifyd_core::session::DocumentType;

    fn data() -> DocumentData {
        DocumentData {
            source: MachineSource::Barcode,
            document_type: DocumentType::DrivingLicense,
            first_name: Some("JANE".into()),
            last_name: Some("VAN DER BERG".into()),
            dob: Some(Date::new(1990, 1, 7)),
            expiration_date: Some(Date::new(2030, 8, 14)),
            issued_date: Some(Date::new(2022, 8, 14)),
            issuing_country: Some("US".into()),
            number: Some("D1234567".into()),
            sex: None,
            address: None,
            carried_id_number: None,
            name_truncated: false,
            middle_names: None,
        }
    }

    fn line(text: &str) -> TextLine {
        TextLine {
            text: text.into(),
            confidence: 0.95,
        }
    }

    fn front(lines: &[&str]) -> Vec<TextLine> {
        let mut all: Vec<TextLine> = lines.iter().map(|l| line(l)).collect();
        all.push(line("CALIFORNIA DRIVER LICENSE"));
        all.push(line("CLASS C"));
        all
    }

    #[test]
    fn a_front_with_every_field_agrees_despite_look_alike_characters() {
        let printed = front(&[
            "4d DLN D123 4567",
            "1 VANDERBERG",
            "2 JANE Q",
            "3 DOB 01/07/1990",
        ]);
        assert_eq!(compare(Some(&printed), &data()), FrontVerdict::Agrees);
        let ocr_noise = front(&["DLN DI234S67", "VAN DER BERG", "JANE", "DOB O1/07/199O"]);
        assert_eq!(compare(Some(&ocr_noise), &data()), FrontVerdict::Agrees);
    }

    #[test]
    fn a_piece_of_the_mrz_read_as_a_line_does_not_vouch_for_the_printed_number() {
        let mut mrz = data();
        mrz.source = MachineSource::Mrz(crate::mrz::MrzFormat::Td3);
        mrz.issuing_country = Some("NL".into());
        // The front prints another number; the recogniser also read part of the zone's
        // second line, where the machine's number runs into its check digit.
        let tampered = front(&[
            "DLN D1234568",
            "VAN DER BERG",
            "JANE",
            "DOB 07 JAN 1990",
            "D12345673NLD9001071F3008148",
        ]);
        assert_eq!(
            compare(Some(&tampered), &mrz),
            FrontVerdict::Disagrees(vec![Field::Number])
        );
        // The printed number on its own, or run into the label before it, still matches.
        for printed in [
            "Document No. D1234567",
            "4dDLND1234567",
            "D123 4567 Passport No",
        ] {
            let genuine = front(&["VAN DER BERG", "JANE", "DOB 07 JAN 1990", printed]);
            assert_eq!(
                compare(Some(&genuine), &mrz),
                FrontVerdict::Agrees,
                "{printed}"
            );
        }
        // A barcode is not printed on the front, so no such piece exists: a number run
        // into the text after it still counts there.
        let run_on = front(&["D1234567DOB 01/07/1990", "VAN DER BERG", "JANE"]);
        assert_eq!(compare(Some(&run_on), &data()), FrontVerdict::Agrees);
    }

    #[test]
    fn another_date_name_or_number_disagrees() {
        let wrong_dob = front(&["DLN D1234567", "VAN DER BERG", "JANE", "DOB 07/01/1990"]);
        assert_eq!(
            compare(Some(&wrong_dob), &data()),
            FrontVerdict::Disagrees(vec![Field::DateOfBirth])
        );
        let wrong_name = front(&["DLN D1234567", "VAN DER BURG", "JANE", "DOB 01/07/1990"]);
        assert_eq!(
            compare(Some(&wrong_name), &data()),
            FrontVerdict::Disagrees(vec![Field::LastName])
        );
        let wrong_number = front(&["DLN D1234568", "VAN DER BERG", "JANE", "DOB 01/07/1990"]);
        assert_eq!(
            compare(Some(&wrong_number), &data()),
            FrontVerdict::Disagrees(vec![Field::Number])
        );
    }

    #[test]
    fn a_name_must_match_whole_words() {
        let mut d = data();
        d.last_name = Some("LI".into());
        let printed = front(&["DLN D1234567", "CLINTON", "JANE", "DOB 01/07/1990"]);
        assert_eq!(
            compare(Some(&printed), &d),
            FrontVerdict::Disagrees(vec![Field::LastName])
        );
    }

    #[test]
    fn an_illegible_front_is_unreadable_and_a_foreign_one_is_foreign() {
        assert_eq!(compare(None, &data()), FrontVerdict::Unreadable);
        let faint = vec![TextLine {
            text: "C4L1F".into(),
            confidence: 0.3,
        }];
        assert_eq!(compare(Some(&faint), &data()), FrontVerdict::Unreadable);
        let other = front(&["DLN X9876543", "SMITH", "JOHN", "DOB 03/04/1985"]);
        assert_eq!(compare(Some(&other), &data()), FrontVerdict::Foreign);
    }

    #[test]
    fn passport_dates_and_mrz_lines() {
        let mut d = data();
        d.source = MachineSource::Mrz(crate::mrz::MrzFormat::Td3);
        d.issuing_country = Some("FR".into());
        d.number = Some("L898902C3".into());
        let printed = vec![
            line("PASSPORT PASSEPORT"),
            line("VAN DER BERG"),
            line("JANE MARIA"),
            line("07 JAN/JANV 1990"),
            line("L898902C3"),
        ];
        assert_eq!(compare(Some(&printed), &d), FrontVerdict::Agrees);
        // The MRZ alone, without the printed zone, does not count, even read without its
        // fillers.
        let ocr_mrz = vec![
            line("L898902C36UTO9001074F3008144KKKKKKKKKKKKKK02"),
            line("VAN DER BERG"),
            line("JANE MARIA"),
            line("07 JAN/JANV 1990"),
            line("PASSPORT"),
        ];
        assert_eq!(
            compare(Some(&ocr_mrz), &d),
            FrontVerdict::Disagrees(vec![Field::Number])
        );
        let mrz_only = vec![
            line("P<UTOVAN<DER<BERG<<JANE<MARIA<<<<<<<<<<<<<<"),
            line("L898902C36UTO9001074F3008144<<<<<<<<<<<<<<02"),
            line("PASSPORT"),
            line("UTOPIA"),
            line("SPECIMEN"),
        ];
        assert!(matches!(
            compare(Some(&mrz_only), &d),
            FrontVerdict::Foreign
        ));
    }

    #[test]
    fn a_field_number_run_into_a_name_and_given_names_run_together_still_match() {
        let glued = front(&[
            "4d DLN D1234567",
            "1VAN DER BERG",
            "2JANE",
            "DOB 01/07/1990",
        ]);
        assert_eq!(compare(Some(&glued), &data()), FrontVerdict::Agrees);
        let mut d = data();
        d.middle_names = Some("ROSE".into());
        let run_together = front(&[
            "DLN D1234567",
            "VAN DER BERG",
            "2JANEROSE",
            "DOB 01/07/1990",
        ]);
        assert_eq!(compare(Some(&run_together), &d), FrontVerdict::Agrees);
        // A name that is only a suffix of a word does not count.
        let suffix = front(&["DLN D1234567", "VAN DER BERG", "MARYJANE", "DOB 01/07/1990"]);
        assert_eq!(
            compare(Some(&suffix), &data()),
            FrontVerdict::Disagrees(vec![Field::FirstName])
        );
    }

    #[test]
    fn a_truncated_mrz_given_name_matches_the_full_printed_one_only_when_truncated() {
        let mut d = data();
        d.first_name = Some("BENJAM".into());
        let printed = front(&["DLN D1234567", "VAN DER BERG", "BENJAMIN", "DOB 07/01/1990"]);
        d.issuing_country = Some("NL".into());
        assert_eq!(
            compare(Some(&printed), &d),
            FrontVerdict::Disagrees(vec![Field::FirstName])
        );
        d.name_truncated = true;
        assert_eq!(compare(Some(&printed), &d), FrontVerdict::Agrees);
    }

    #[test]
    fn a_date_run_together_with_its_label_is_found() {
        let printed = front(&["4d DLN D1234567", "VAN DER BERG", "JANE", "30801/07/1990"]);
        assert_eq!(compare(Some(&printed), &data()), FrontVerdict::Agrees);
        let other = front(&["4d DLN D1234567", "VAN DER BERG", "JANE", "30801/08/1990"]);
        assert_eq!(
            compare(Some(&other), &data()),
            FrontVerdict::Disagrees(vec![Field::DateOfBirth])
        );
    }

    #[test]
    fn non_us_slash_dates_are_day_first() {
        let mut d = data();
        d.issuing_country = Some("CA".into());
        let printed = front(&["DLN D1234567", "VAN DER BERG", "JANE", "DOB 07/01/1990"]);
        assert_eq!(compare(Some(&printed), &d), FrontVerdict::Agrees);
        let iso = front(&["DLN D1234567", "VAN DER BERG", "JANE", "DOB 1990-01-07"]);
        assert_eq!(compare(Some(&iso), &d), FrontVerdict::Agrees);
    }
}
