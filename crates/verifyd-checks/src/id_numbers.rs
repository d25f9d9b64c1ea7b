//! The ID numbers Stripe Identity's `id_number` check knows — US Social Security numbers
//! (full or last four), Brazilian CPFs and Singapore NRIC/FIN numbers: recognising which
//! one a typed string is, normalising it, and checking the rules the number itself carries
//! (ranges, check digits). It owns only what can be known offline from the number: a valid
//! number here may still belong to no one, or to someone else. It never logs or echoes a
//! number; its problems say which rule failed, not what the number was.

use verifyd_core::session::IdNumberType;

/// Which kind of ID number a string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdNumberKind {
    /// A full US Social Security number: nine digits.
    UsSsn,
    /// The last four digits of a US Social Security number. A valid shape establishes
    /// nothing by itself: any four digits but `0000` end some SSN.
    UsSsnLast4,
    /// A Brazilian Cadastro de Pessoas Físicas number: eleven digits, two check digits.
    BrCpf,
    /// A Singapore NRIC (citizens and permanent residents, S/T) or FIN (foreigners, F/G/M).
    SgNric,
}

impl IdNumberKind {
    /// The ISO 3166-1 alpha-2 code of the country that issues numbers of this kind.
    pub fn country(self) -> &'static str {
        match self {
            IdNumberKind::UsSsn | IdNumberKind::UsSsnLast4 => "US",
            IdNumberKind::BrCpf => "BR",
            IdNumberKind::SgNric => "SG",
        }
    }

    /// The `id_number_type` a report shows for this kind (the last four of an SSN are an SSN).
    pub fn report_type(self) -> IdNumberType {
        match self {
            IdNumberKind::UsSsn | IdNumberKind::UsSsnLast4 => IdNumberType::UsSsn,
            IdNumberKind::BrCpf => IdNumberType::BrCpf,
            IdNumberKind::SgNric => IdNumberType::SgNric,
        }
    }
}

/// Why a number of a known kind is not a valid number of that kind. The messages name the
/// rule, never the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberProblem {
    #[error("the number does not have the expected form ({expected})")]
    Shape { expected: &'static str },
    #[error("the area number (first three digits) is 000, which is never assigned")]
    SsnAreaZero,
    #[error("the area number (first three digits) is 666, which is never assigned")]
    SsnArea666,
    #[error("the number is an ITIN (Individual Taxpayer Identification Number), not an SSN")]
    Itin,
    #[error("area numbers 900 to 999 are never assigned to Social Security numbers")]
    SsnArea9xx,
    #[error("the group number (fourth and fifth digits) is 00, which is never assigned")]
    SsnGroupZero,
    #[error("the serial number (last four digits) is 0000, which is never assigned")]
    SsnSerialZero,
    #[error("the number was voided by the Social Security Administration after it was printed as an example")]
    SsnVoided,
    #[error("a CPF whose eleven digits are all the same is not a real CPF")]
    CpfRepeatedDigits,
    #[error("the CPF check digits do not match")]
    CpfCheckDigits,
    #[error("the NRIC/FIN check letter does not match")]
    NricCheckLetter,
}

/// Numbers the SSA says were never validly issued to their users: 078-05-1120, printed on
/// the sample card sold in wallets from 1938 and voided after thousands adopted it, and
/// 219-09-9999, printed on a 1940 Social Security Board pamphlet. Source: SSA History,
/// "Social Security Cards Issued by Woolworth", https://www.ssa.gov/history/ssn/misused.html.
/// The range SSA recommends for advertising, 987-65-4320 to 4329, is already excluded by
/// the rule that no SSN has an area number of 900–999.
const VOIDED_SSNS: &[&str] = &["078051120", "219099999"];

/// How the M-series FIN check letter is computed: the weighted sum plus 3, modulo 11,
/// indexes `XWUTRQPNJLK` (the F/G table with `J` instead of `M` at remainder 8). Verified
/// against SAP Knowledge Base Article 2572734 "Singapore NRIC/FIN Validation", which
/// tabulates the M letters by check digit (10 − remainder) as `KLJNPQRTUWX`; independent
/// public implementations agree. ICA's own announcement of the M series (issued from
/// 1 January 2022) was not found, so this rests on that vendor documentation.
pub const M_SERIES_FIN_RULE: &str =
    "weighted sum + 3, modulo 11, indexes XWUTRQPNJLK (SAP KBA 2572734)";

/// Which kind of number `raw` is and its normalised form: digits only for SSNs and CPFs,
/// upper case for NRIC/FIN. Accepts the usual ways of writing them (`123-45-6789`,
/// `123 45 6789`, `123.456.789-09`, `s1234567d`); four digits are the last four of an
/// SSN. Recognises the shape only: run [`validate`] for the rules.
pub fn classify(raw: &str) -> Option<(IdNumberKind, String)> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect::<String>()
        .to_ascii_uppercase();
    if is_nric_shape(&compact) {
        return Some((IdNumberKind::SgNric, compact));
    }
    if compact.is_empty() || !compact.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kind = match compact.len() {
        4 => IdNumberKind::UsSsnLast4,
        9 => IdNumberKind::UsSsn,
        11 => IdNumberKind::BrCpf,
        _ => return None,
    };
    Some((kind, compact))
}

/// Checks the rules of `kind` on a number normalised as [`classify`] returns it.
pub fn validate(kind: IdNumberKind, normalized: &str) -> Result<(), IdNumberProblem> {
    match kind {
        IdNumberKind::UsSsn => validate_ssn(normalized),
        IdNumberKind::UsSsnLast4 => validate_ssn_last4(normalized),
        IdNumberKind::BrCpf => validate_cpf(normalized),
        IdNumberKind::SgNric => validate_nric(normalized),
    }
}

/// The last four characters of a normalised number (all of it when shorter): what a report
/// may show of an SSN.
pub fn last4(normalized: &str) -> String {
    let chars: Vec<char> = normalized.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

fn digit_values(s: &str) -> Vec<u32> {
    s.bytes().map(|b| u32::from(b - b'0')).collect()
}

/// SSN rules from SSA's randomisation FAQ (https://www.ssa.gov/employer/randomizationfaqs.html):
/// since 25 June 2011 area numbers are assigned at random but never 000, 666 or 900–999;
/// group 00 and serial 0000 are never assigned. Area and group carry no state or date
/// meaning any more, so nothing else can be checked offline.
fn validate_ssn(ssn: &str) -> Result<(), IdNumberProblem> {
    if !all_digits(ssn, 9) {
        return Err(IdNumberProblem::Shape {
            expected: "9 digits",
        });
    }
    let area: u32 = ssn[..3].parse().unwrap_or(0);
    let group: u32 = ssn[3..5].parse().unwrap_or(0);
    let serial: u32 = ssn[5..].parse().unwrap_or(0);
    if area == 0 {
        return Err(IdNumberProblem::SsnAreaZero);
    }
    if area == 666 {
        return Err(IdNumberProblem::SsnArea666);
    }
    if area >= 900 {
        // The IRS issues ITINs in the SSN layout: area 9xx with the group in 50–65, 70–88,
        // 90–92 or 94–99 (Internal Revenue Manual, ITIN numbering). Saying "ITIN" tells the
        // end user what they typed instead of a bare "invalid".
        let itin_group = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
        return Err(if itin_group {
            IdNumberProblem::Itin
        } else {
            IdNumberProblem::SsnArea9xx
        });
    }
    if group == 0 {
        return Err(IdNumberProblem::SsnGroupZero);
    }
    if serial == 0 {
        return Err(IdNumberProblem::SsnSerialZero);
    }
    if VOIDED_SSNS.contains(&ssn) {
        return Err(IdNumberProblem::SsnVoided);
    }
    Ok(())
}

/// Four digits that could end an SSN: anything but `0000`. Valid shape only — this says
/// nothing about whether the person has such an SSN.
fn validate_ssn_last4(last4: &str) -> Result<(), IdNumberProblem> {
    if !all_digits(last4, 4) {
        return Err(IdNumberProblem::Shape {
            expected: "4 digits",
        });
    }
    if last4 == "0000" {
        return Err(IdNumberProblem::SsnSerialZero);
    }
    Ok(())
}

/// The CPF check digit over `digits`: weights from `digits.len() + 1` down to 2, remainder
/// of the sum modulo 11; a remainder below 2 gives 0, otherwise 11 minus the remainder.
fn cpf_check_digit(digits: &[u32]) -> u32 {
    let top = digits.len() as u32 + 1;
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (top - i as u32))
        .sum();
    match sum % 11 {
        r if r < 2 => 0,
        r => 11 - r,
    }
}

fn validate_cpf(cpf: &str) -> Result<(), IdNumberProblem> {
    if !all_digits(cpf, 11) {
        return Err(IdNumberProblem::Shape {
            expected: "11 digits",
        });
    }
    let digits = digit_values(cpf);
    // 000.000.000-00, 111.111.111-11 … satisfy both check digits but are placeholders.
    if digits.iter().all(|d| *d == digits[0]) {
        return Err(IdNumberProblem::CpfRepeatedDigits);
    }
    let first = cpf_check_digit(&digits[..9]);
    let second = cpf_check_digit(&digits[..10]);
    if digits[9] != first || digits[10] != second {
        return Err(IdNumberProblem::CpfCheckDigits);
    }
    Ok(())
}

fn is_nric_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && matches!(b[0], b'S' | b'T' | b'F' | b'G' | b'M')
        && b[1..8].iter().all(u8::is_ascii_digit)
        && b[8].is_ascii_uppercase()
}

/// The check letter of an NRIC/FIN: the seven digits weighted 2,7,6,5,4,3,2, plus 4 for the
/// T and G series (born or issued from 2000) and 3 for the M series, modulo 11, indexes the
/// series' letter table. Citizens' tables are in SAP KBA 2572734 (by check digit 10 − r)
/// and in many public implementations; see [`M_SERIES_FIN_RULE`] for the M series.
fn nric_check_letter(prefix: u8, digits: &[u32]) -> Option<char> {
    const WEIGHTS: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
    let (offset, table) = match prefix {
        b'S' => (0, "JZIHGFEDCBA"),
        b'T' => (4, "JZIHGFEDCBA"),
        b'F' => (0, "XWUTRQPNMLK"),
        b'G' => (4, "XWUTRQPNMLK"),
        b'M' => (3, "XWUTRQPNJLK"),
        _ => return None,
    };
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() + offset;
    table.chars().nth((sum % 11) as usize)
}

fn validate_nric(nric: &str) -> Result<(), IdNumberProblem> {
    if !is_nric_shape(nric) {
        return Err(IdNumberProblem::Shape {
            expected: "S, T, F, G or M, 7 digits and a letter",
        });
    }
    let b = nric.as_bytes();
    let digits = digit_values(&nric[1..8]);
    match nric_check_letter(b[0], &digits) {
        Some(letter) if letter == b[8] as char => Ok(()),
        _ => Err(IdNumberProblem::NricCheckLetter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(raw: &str) -> (IdNumberKind, String) {
        classify(raw).unwrap_or_else(|| panic!("{raw:?} was not classified"))
    }

    fn check(raw: &str) -> Result<(), IdNumberProblem> {
        let (kind, normalized) = classified(raw);
        validate(kind, &normalized)
    }

    /// A CPF with its two check digits computed from the documented algorithm.
    fn cpf_with_check_digits(first_nine: &str) -> String {
        let mut digits = digit_values(first_nine);
        let first = cpf_check_digit(&digits);
        digits.push(first);
        let second = cpf_check_digit(&digits);
        format!("{first_nine}{first}{second}")
    }

    /// The check letter from the documented algorithm, written out here independently of
    /// `nric_check_letter` (check digit = 10 − remainder into the "by check digit" tables).
    fn nric_letter_by_check_digit(prefix: char, digits: &str) -> char {
        let weights = [2, 7, 6, 5, 4, 3, 2];
        let mut sum: u32 = digits
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        sum += match prefix {
            'T' | 'G' => 4,
            'M' => 3,
            _ => 0,
        };
        let check_digit = 10 - (sum % 11) as usize;
        let table = match prefix {
            'S' | 'T' => "ABCDEFGHIZJ",
            'F' | 'G' => "KLMNPQRTUWX",
            _ => "KLJNPQRTUWX",
        };
        table.chars().nth(check_digit).unwrap()
    }

    #[test]
    fn ssns_are_recognised_with_dashes_spaces_or_bare() {
        for raw in ["123-45-6789", "123 45 6789", "123456789", " 123-45-6789 "] {
            assert_eq!(
                classified(raw),
                (IdNumberKind::UsSsn, "123456789".to_owned())
            );
        }
    }

    #[test]
    fn four_digits_are_the_last_four_of_an_ssn() {
        assert_eq!(
            classified("6789"),
            (IdNumberKind::UsSsnLast4, "6789".to_owned())
        );
        assert_eq!(check("6789"), Ok(()));
        assert_eq!(check("0000"), Err(IdNumberProblem::SsnSerialZero));
    }

    #[test]
    fn cpfs_are_recognised_formatted_or_bare() {
        for raw in ["529.982.247-25", "52998224725", "529 982 247 25"] {
            assert_eq!(
                classified(raw),
                (IdNumberKind::BrCpf, "52998224725".to_owned())
            );
        }
    }

    #[test]
    fn nrics_are_recognised_in_either_case() {
        assert_eq!(
            classified("s1234567d"),
            (IdNumberKind::SgNric, "S1234567D".to_owned())
        );
        assert_eq!(classified("M5012345J").0, IdNumberKind::SgNric);
    }

    #[test]
    fn strings_of_other_shapes_are_not_classified() {
        for raw in [
            "",
            "   ",
            "12345",
            "1234567890",
            "123-45-678a",
            "A1234567D",
            "S123456D",
            "S12345678D",
            "hello",
            "12/34",
        ] {
            assert_eq!(classify(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_ssns_pass() {
        for raw in [
            "123-45-6789",
            "001-01-0001",
            "665-99-9999",
            "667-01-0001",
            "899-99-9999",
        ] {
            assert_eq!(check(raw), Ok(()), "{raw}");
        }
    }

    #[test]
    fn ssns_with_a_never_assigned_part_fail_with_the_rule_that_failed() {
        assert_eq!(check("000-12-3456"), Err(IdNumberProblem::SsnAreaZero));
        assert_eq!(check("666-12-3456"), Err(IdNumberProblem::SsnArea666));
        assert_eq!(check("123-00-4567"), Err(IdNumberProblem::SsnGroupZero));
        assert_eq!(check("123-45-0000"), Err(IdNumberProblem::SsnSerialZero));
        // SSA's advertising range has an ITIN-shaped group: rejected either way.
        assert_eq!(check("987-65-4320"), Err(IdNumberProblem::Itin));
        assert_eq!(check("900-01-2345"), Err(IdNumberProblem::SsnArea9xx));
        assert_eq!(check("999-93-1234"), Err(IdNumberProblem::SsnArea9xx));
    }

    #[test]
    fn itins_are_rejected_as_itins_in_every_itin_group_range() {
        for group in [50, 65, 70, 88, 90, 92, 94, 99] {
            let itin = format!("912{group:02}3456");
            assert_eq!(
                validate(IdNumberKind::UsSsn, &itin),
                Err(IdNumberProblem::Itin),
                "{group}"
            );
        }
        for group in [49, 66, 69, 89, 93] {
            let other = format!("912{group:02}3456");
            assert_eq!(
                validate(IdNumberKind::UsSsn, &other),
                Err(IdNumberProblem::SsnArea9xx),
                "{group}"
            );
        }
    }

    #[test]
    fn numbers_voided_by_the_ssa_fail() {
        assert_eq!(check("078-05-1120"), Err(IdNumberProblem::SsnVoided));
        assert_eq!(check("219-09-9999"), Err(IdNumberProblem::SsnVoided));
    }

    #[test]
    fn a_cpf_with_computed_check_digits_passes() {
        for nine in [
            "123456789",
            "000000001",
            "987654321",
            "111444777",
            "529982247",
        ] {
            let cpf = cpf_with_check_digits(nine);
            assert_eq!(validate(IdNumberKind::BrCpf, &cpf), Ok(()), "{cpf}");
        }
        // The computation gives the well-known examples their published check digits.
        assert_eq!(cpf_with_check_digits("123456789"), "12345678909");
        assert_eq!(cpf_with_check_digits("111444777"), "11144477735");
        assert_eq!(cpf_with_check_digits("529982247"), "52998224725");
        assert_eq!(check("123.456.789-09"), Ok(()));
    }

    #[test]
    fn a_cpf_with_a_wrong_check_digit_fails() {
        assert_eq!(
            check("123.456.789-08"),
            Err(IdNumberProblem::CpfCheckDigits)
        );
        assert_eq!(
            check("123.456.789-19"),
            Err(IdNumberProblem::CpfCheckDigits)
        );
        assert_eq!(
            check("529.982.247-52"),
            Err(IdNumberProblem::CpfCheckDigits)
        );
    }

    #[test]
    fn a_cpf_of_one_repeated_digit_fails_although_its_check_digits_hold() {
        for d in 0..=9 {
            let cpf = d.to_string().repeat(11);
            assert_eq!(
                validate(IdNumberKind::BrCpf, &cpf),
                Err(IdNumberProblem::CpfRepeatedDigits)
            );
        }
    }

    #[test]
    fn published_nric_and_fin_examples_pass() {
        // S1234567D: the worked example of the public NRIC algorithm descriptions.
        // G5872776N: SAP KBA 2572734's worked example. M5012345J: an M-series example.
        for raw in ["S1234567D", "G5872776N", "M5012345J"] {
            assert_eq!(check(raw), Ok(()), "{raw}");
        }
    }

    #[test]
    fn nrics_with_computed_check_letters_pass_for_every_series() {
        for prefix in ['S', 'T', 'F', 'G', 'M'] {
            for digits in [
                "0000000", "1234567", "7654321", "9999999", "0412345", "5012345",
            ] {
                let letter = nric_letter_by_check_digit(prefix, digits);
                let nric = format!("{prefix}{digits}{letter}");
                assert_eq!(validate(IdNumberKind::SgNric, &nric), Ok(()), "{nric}");
            }
        }
    }

    #[test]
    fn the_m_series_differs_from_the_fg_series_only_at_remainder_8() {
        // 0,0,0,0,0,0,1 weighted is 2; + 3 = 5 for M. Find digits whose M sum is 8 mod 11:
        // 1 in the fourth place weighs 5, + 3 = 8.
        assert_eq!(validate(IdNumberKind::SgNric, "M0001000J"), Ok(()));
        assert_eq!(
            validate(IdNumberKind::SgNric, "M0001000M"),
            Err(IdNumberProblem::NricCheckLetter)
        );
        // F with the same weighted sum (5) indexes its own table at 5: Q.
        assert_eq!(validate(IdNumberKind::SgNric, "F0001000Q"), Ok(()));
    }

    #[test]
    fn an_nric_with_a_wrong_check_letter_fails() {
        assert_eq!(check("S1234567A"), Err(IdNumberProblem::NricCheckLetter));
        assert_eq!(check("T1234567D"), Err(IdNumberProblem::NricCheckLetter));
        assert_eq!(check("G5872776M"), Err(IdNumberProblem::NricCheckLetter));
    }

    #[test]
    fn validate_rejects_numbers_not_normalised_to_the_kind() {
        assert!(matches!(
            validate(IdNumberKind::UsSsn, "123-45-6789"),
            Err(IdNumberProblem::Shape { .. })
        ));
        assert!(matches!(
            validate(IdNumberKind::BrCpf, "123456789"),
            Err(IdNumberProblem::Shape { .. })
        ));
        assert!(matches!(
            validate(IdNumberKind::SgNric, "X1234567D"),
            Err(IdNumberProblem::Shape { .. })
        ));
        assert!(matches!(
            validate(IdNumberKind::UsSsnLast4, "67890"),
            Err(IdNumberProblem::Shape { .. })
        ));
    }

    #[test]
    fn problems_never_echo_the_number() {
        let problems = [
            check("078-05-1120").unwrap_err(),
            check("912-70-3456").unwrap_err(),
            check("123.456.789-08").unwrap_err(),
            check("S1234567A").unwrap_err(),
        ];
        for problem in problems {
            let message = problem.to_string();
            for fragment in ["078", "1120", "912", "3456", "456789", "1234567"] {
                assert!(!message.contains(fragment), "{message}");
            }
        }
    }

    #[test]
    fn last4_keeps_the_last_four_characters() {
        assert_eq!(last4("123456789"), "6789");
        assert_eq!(last4("6789"), "6789");
        assert_eq!(last4("89"), "89");
    }

    #[test]
    fn report_types_follow_stripes_three_values() {
        assert_eq!(IdNumberKind::UsSsn.report_type(), IdNumberType::UsSsn);
        assert_eq!(IdNumberKind::UsSsnLast4.report_type(), IdNumberType::UsSsn);
        assert_eq!(IdNumberKind::BrCpf.report_type(), IdNumberType::BrCpf);
        assert_eq!(IdNumberKind::SgNric.report_type(), IdNumberType::SgNric);
    }
}
