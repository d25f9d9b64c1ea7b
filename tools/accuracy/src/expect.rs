//! What verifyd should output for a genuine document, derived from docgen's [`Truth`] in
//! the form verifyd writes it (upper-case ASCII names as the barcode or MRZ holds them,
//! compact document numbers, ISO alpha-2 countries), and the field-by-field comparison
//! with what it did output. The comparison is exact: a difference is counted as an error,
//! never normalised away. Nothing here runs a reader or decides anything.

use serde::Serialize;
use verifyd_core::report::DocumentReport;
use verifyd_core::session::{Address, Date, DocumentType, Sex, VerifiedOutputs};
use verifyd_docgen::{DocumentKind, Truth, Ymd};

/// The fields compared, in report order.
pub const FIELDS: [&str; 10] = [
    "first_name",
    "last_name",
    "dob",
    "expiration_date",
    "issued_date",
    "number",
    "issuing_country",
    "sex",
    "address",
    "type",
];

/// One field of one document: right or wrong, and both values when wrong.
#[derive(Clone, Debug, Serialize)]
pub struct FieldResult {
    pub field: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
}

/// The values verifyd should output for a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Date,
    pub expiration_date: Date,
    /// Only documents that carry an issue date (the AAMVA ones); MRZs have none.
    pub issued_date: Option<Date>,
    pub number: String,
    pub issuing_country: Option<String>,
    pub sex: Sex,
    /// Only AAMVA documents carry an address.
    pub address: Option<Address>,
    pub document_type: DocumentType,
    /// The MRZ had to truncate the name: the expected names are the truncated ones.
    pub name_truncated: bool,
}

fn date((y, m, d): Ymd) -> Date {
    Date::new(y, m, d)
}

/// Upper case with docgen's accent folding (what the barcode and MRZ hold).
fn fold_upper(s: &str) -> String {
    s.to_uppercase()
        .chars()
        .map(|c| match c {
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
            'Ç' => 'C',
            'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'Ñ' => 'N',
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
            'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'Ý' => 'Y',
            other => other,
        })
        .collect()
}

/// A name as an MRZ carries it, read back as words: spaces, hyphens and commas separate
/// words, anything else outside A–Z and 0–9 is dropped (O'BRIEN → OBRIEN, SMITH-JONES →
/// SMITH JONES).
fn mrz_words(s: &str) -> String {
    let mapped: String = fold_upper(s)
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' | '0'..='9' => Some(c),
            ' ' | '-' | ',' => Some(' '),
            _ => None,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (surname, given names) from the name field of the true MRZ lines.
fn mrz_name_from_lines(kind: DocumentKind, lines: &[String]) -> Option<(String, String)> {
    let field: String = match kind {
        DocumentKind::PassportTd3 | DocumentKind::IdCardTd2 => {
            lines.first()?.chars().skip(5).collect()
        }
        DocumentKind::IdCardTd1 => lines.get(2)?.clone(),
        _ => return None,
    };
    let (surname, given) = match field.find("<<") {
        Some(i) => (&field[..i], &field[i + 2..]),
        None => (field.as_str(), ""),
    };
    let words = |part: &str| {
        part.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some((words(surname), words(given)))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The expected outputs for a genuine document.
pub fn expected(truth: &Truth) -> Expected {
    let kind = truth.kind;
    let (first_name, last_name, name_truncated) = if kind.is_aamva() {
        (
            non_empty(fold_upper(&truth.first_name)),
            non_empty(fold_upper(&truth.last_name)),
            false,
        )
    } else if truth.mrz_name_truncated {
        let (surname, given) = truth
            .mrz_lines
            .as_deref()
            .and_then(|lines| mrz_name_from_lines(kind, lines))
            .unwrap_or_default();
        (non_empty(given), non_empty(surname), true)
    } else {
        let given = match &truth.middle_name {
            Some(middle) => format!("{} {middle}", truth.first_name),
            None => truth.first_name.clone(),
        };
        (
            non_empty(mrz_words(&given)),
            non_empty(mrz_words(&truth.last_name)),
            false,
        )
    };
    let sex = match truth.sex {
        'M' => Sex::Male,
        'F' => Sex::Female,
        _ => Sex::Unknown,
    };
    let address = if kind.is_aamva() {
        truth.address.as_ref().map(|a| Address {
            city: Some(a.city.clone()),
            country: truth.issuing_country.clone(),
            line1: Some(a.line1.clone()),
            line2: None,
            postal_code: Some(a.postal_code.clone()),
            state: Some(a.state.clone()),
        })
    } else {
        None
    };
    Expected {
        first_name,
        last_name,
        dob: date(truth.dob),
        expiration_date: date(truth.expiry),
        issued_date: kind.is_aamva().then(|| date(truth.issued)),
        number: truth.document_number.clone(),
        issuing_country: truth.issuing_country.clone(),
        sex,
        address,
        document_type: crate::cases::document_type(kind),
        name_truncated,
    }
}

pub fn show_date(d: &Date) -> String {
    let part = |v: Option<i64>, w: usize| match v {
        Some(v) => format!("{v:0w$}"),
        None => "?".repeat(w),
    };
    format!(
        "{}-{}-{}",
        part(d.year.map(i64::from), 4),
        part(d.month.map(i64::from), 2),
        part(d.day.map(i64::from), 2)
    )
}

fn show_address(a: &Address) -> String {
    let p = |v: &Option<String>| v.clone().unwrap_or_else(|| "∅".into());
    format!(
        "{} / {} / {} / {} / {} / {}",
        p(&a.line1),
        p(&a.line2),
        p(&a.city),
        p(&a.state),
        p(&a.postal_code),
        p(&a.country)
    )
}

fn show<T>(v: &Option<T>, f: impl Fn(&T) -> String) -> String {
    v.as_ref().map(f).unwrap_or_else(|| "∅".into())
}

fn result<T: PartialEq>(
    field: &'static str,
    expected: &Option<T>,
    got: &Option<T>,
    f: impl Fn(&T) -> String,
) -> FieldResult {
    let ok = expected == got;
    FieldResult {
        field,
        ok,
        expected: (!ok).then(|| show(expected, &f)),
        got: (!ok).then(|| show(got, &f)),
    }
}

/// Compares a verified document's outputs with what was expected, field by field. Names,
/// date of birth, sex and address come from `verified_outputs`; dates, number, country and
/// type from the report's document section. `issued_date` is compared only where the
/// document carries one, `address` only for AAMVA documents (passports and ID cards with an
/// MRZ must have none: a present one counts as wrong).
pub fn compare(
    want: &Expected,
    outputs: &VerifiedOutputs,
    report: &DocumentReport,
) -> Vec<FieldResult> {
    let s = |v: &String| v.clone();
    let mut out = vec![
        result("first_name", &want.first_name, &outputs.first_name, s),
        result("last_name", &want.last_name, &outputs.last_name, s),
        result("dob", &Some(want.dob), &outputs.dob, show_date),
        result(
            "expiration_date",
            &Some(want.expiration_date),
            &report.expiration_date,
            show_date,
        ),
    ];
    if want.issued_date.is_some() {
        out.push(result(
            "issued_date",
            &want.issued_date,
            &report.issued_date,
            show_date,
        ));
    }
    out.push(result(
        "number",
        &Some(want.number.clone()),
        &report.number,
        s,
    ));
    out.push(result(
        "issuing_country",
        &want.issuing_country,
        &report.issuing_country,
        s,
    ));
    out.push(result("sex", &Some(want.sex), &outputs.sex, |x| {
        x.as_str().to_owned()
    }));
    out.push(result(
        "address",
        &want.address,
        &outputs.address,
        show_address,
    ));
    out.push(result(
        "type",
        &Some(want.document_type),
        &report.document_type,
        |t| t.as_str().to_owned(),
    ));
    out
}

/// Fields where `verified_outputs` and the report's document section disagree (they must
/// say the same thing).
pub fn inconsistencies(outputs: &VerifiedOutputs, report: &DocumentReport) -> Vec<&'static str> {
    let mut out = Vec::new();
    if outputs.first_name != report.first_name {
        out.push("first_name");
    }
    if outputs.last_name != report.last_name {
        out.push("last_name");
    }
    if outputs.dob != report.dob {
        out.push("dob");
    }
    if outputs.sex != report.sex {
        out.push("sex");
    }
    if outputs.address != report.address {
        out.push("address");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrz_names_are_words_of_the_mrz_alphabet() {
        assert_eq!(mrz_words("O'BRIEN"), "OBRIEN");
        assert_eq!(mrz_words("SMITH-JONES"), "SMITH JONES");
        assert_eq!(mrz_words("ANNE-MARIE  Zoé"), "ANNE MARIE ZOE");
    }

    #[test]
    fn the_truncated_name_is_read_from_the_true_lines() {
        let lines = vec![
            "I<UTOD231458907<<<<<<<<<<<<<<<".to_string(),
            "7408122F1204159UTO<<<<<<<<<<<6".to_string(),
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<".to_string(),
        ];
        assert_eq!(
            mrz_name_from_lines(DocumentKind::IdCardTd1, &lines),
            Some(("ERIKSSON".into(), "ANNA MARIA".into()))
        );
    }
}
