//! The AAMVA DL/ID card payload: the PDF417 barcode on the back of US and Canadian driving
//! licences and ID cards, versions 00 (pre-standard) to 10. It owns turning the decoded
//! bytes into a record — names, dates, sex, address, document number — and knowing which
//! jurisdiction issued them (the AAMVA issuer identification numbers).
//!
//! Real cards deviate from the standard in many ways, so it is lenient where leniency
//! cannot mislead: any separator bytes after the `@` compliance indicator, the file types
//! `ANSI `, `ANSI`, `AAMVA` and `AMVAA`, header offsets and lengths that are wrong (they are
//! never trusted: the subfile is found by its content), element separators LF, CR, RS or FS
//! in any mixture, padded values, placeholder values, trailing junk, US and Canadian date
//! layouts. It does not judge the document (expired, too young); that is the caller's
//! policy. Its errors never contain any of the payload's data.

use std::collections::BTreeMap;

use verifyd_core::session::{Address, Date, Sex};

use crate::countries;

/// Which subfile the payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubfileKind {
    /// A `DL` subfile: a driving licence.
    DrivingLicense,
    /// An `ID` subfile: an identification card.
    IdCard,
}

/// What an AAMVA payload says. Every data field is `None` when absent, empty or a
/// placeholder (`NONE`, `UNAVL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AamvaRecord {
    /// AAMVA version: 0 (pre-standard) to 10 (2020) and beyond.
    pub version: u8,
    /// The issuer identification number: six digits.
    pub iin: String,
    pub subfile: SubfileKind,
    /// ISO alpha-2 country: from `DCG` (`USA`/`CAN`), else from the IIN, else from the
    /// jurisdiction code.
    pub issuing_country: Option<String>,
    /// The state or province code: `DAJ`, else the IIN's jurisdiction.
    pub jurisdiction: Option<String>,
    pub first_name: Option<String>,
    /// Middle names separated by spaces.
    pub middle_names: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<Date>,
    pub expiration_date: Option<Date>,
    pub issued_date: Option<Date>,
    pub sex: Option<Sex>,
    pub address: Option<Address>,
    /// `DAQ`, the customer/document number.
    pub document_number: Option<String>,
    /// `DBM`: the Social Security number old versions carried; digits only.
    pub ssn: Option<String>,
}

/// Why a payload is not a readable AAMVA DL/ID payload. The messages describe the
/// structure only, never the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AamvaError {
    #[error("the barcode payload is empty")]
    Empty,
    #[error("the barcode payload has no AAMVA compliance indicator")]
    NoComplianceMarker,
    #[error("the barcode payload's file type is not ANSI or AAMVA")]
    UnknownFileType,
    #[error("the barcode payload ends inside its header")]
    Truncated,
    #[error("the barcode payload's issuer number or version is not numeric")]
    MalformedHeader,
    #[error("the barcode payload has no driving licence or ID card subfile")]
    NoSubfile,
    #[error("the driving licence or ID card subfile has no data elements")]
    NoElements,
}

/// Bytes that separate the header's parts and the data elements on real cards: LF (the
/// standard's element separator), CR (segment terminator), RS (record separator) and FS,
/// which some cards use instead of RS.
const SEPARATORS: &[u8] = b"\n\r\x1e\x1c";
/// How far into the payload the compliance indicator may be (scanners sometimes prefix
/// a symbology identifier or whitespace).
const MARKER_SEARCH: usize = 16;
/// How many separator bytes may follow the compliance indicator before the file type.
const MAX_HEADER_SEPARATORS: usize = 6;
/// File types seen on cards: the standard `ANSI ` (the space is skipped separately),
/// Maryland's early `AAMVA`, and a transposed `AMVAA`.
const FILE_TYPES: &[&[u8]] = &[b"ANSI", b"AAMVA", b"AMVAA"];

/// AAMVA issuer identification numbers: (IIN, jurisdiction code, ISO country). From AAMVA's
/// IIN list as republished in LEADTOOLS' `AAMVAJurisdiction` reference and in the IdParser
/// project's table (which cites aamva.org/IIN-and-RID), cross-checked against each other;
/// Alberta (604432) and the Northwest Territories (604434) come from one public table only.
const IINS: &[(&str, &str, &str)] = &[
    ("604426", "PE", "CA"),
    ("604427", "AS", "US"),
    ("604428", "QC", "CA"),
    ("604429", "YT", "CA"),
    ("604430", "MP", "US"),
    ("604431", "PR", "US"),
    ("604432", "AB", "CA"),
    ("604433", "NU", "CA"),
    ("604434", "NT", "CA"),
    ("636000", "VA", "US"),
    ("636001", "NY", "US"),
    ("636002", "MA", "US"),
    ("636003", "MD", "US"),
    ("636004", "NC", "US"),
    ("636005", "SC", "US"),
    ("636006", "CT", "US"),
    ("636007", "LA", "US"),
    ("636008", "MT", "US"),
    ("636009", "NM", "US"),
    ("636010", "FL", "US"),
    ("636011", "DE", "US"),
    ("636012", "ON", "CA"),
    ("636013", "NS", "CA"),
    ("636014", "CA", "US"),
    ("636015", "TX", "US"),
    ("636016", "NL", "CA"),
    ("636017", "NB", "CA"),
    ("636018", "IA", "US"),
    ("636019", "GU", "US"),
    ("636020", "CO", "US"),
    ("636021", "AR", "US"),
    ("636022", "KS", "US"),
    ("636023", "OH", "US"),
    ("636024", "VT", "US"),
    ("636025", "PA", "US"),
    ("636026", "AZ", "US"),
    // The US Department of State (diplomatic licences): no state.
    ("636027", "", "US"),
    ("636028", "BC", "CA"),
    ("636029", "OR", "US"),
    ("636030", "MO", "US"),
    ("636031", "WI", "US"),
    ("636032", "MI", "US"),
    ("636033", "AL", "US"),
    ("636034", "ND", "US"),
    ("636035", "IL", "US"),
    ("636036", "NJ", "US"),
    ("636037", "IN", "US"),
    ("636038", "MN", "US"),
    ("636039", "NH", "US"),
    ("636040", "UT", "US"),
    ("636041", "ME", "US"),
    ("636042", "SD", "US"),
    ("636043", "DC", "US"),
    ("636044", "SK", "CA"),
    ("636045", "WA", "US"),
    ("636046", "KY", "US"),
    ("636047", "HI", "US"),
    ("636048", "MB", "CA"),
    ("636049", "NV", "US"),
    ("636050", "ID", "US"),
    ("636051", "MS", "US"),
    ("636052", "RI", "US"),
    ("636053", "TN", "US"),
    ("636054", "NE", "US"),
    ("636055", "GA", "US"),
    ("636056", "CU", "MX"), // Coahuila
    ("636057", "HG", "MX"), // Hidalgo
    ("636058", "OK", "US"),
    ("636059", "AK", "US"),
    ("636060", "WY", "US"),
    ("636061", "WV", "US"),
    ("636062", "VI", "US"),
];

/// US state, district, territory and armed-forces codes, for telling the country from `DAJ`.
const US_JURISDICTIONS: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "AA", "AE", "AP",
];

/// Canadian province and territory codes, with the older `NF` (Newfoundland) and `PQ`
/// (Quebec) that early cards use.
const CANADIAN_JURISDICTIONS: &[&str] = &[
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT", "NF", "PQ",
];

/// The jurisdiction code and ISO country of an IIN, when it is in AAMVA's list.
pub fn iin_jurisdiction(iin: &str) -> Option<(&'static str, &'static str)> {
    IINS.iter()
        .find(|(known, _, _)| *known == iin)
        .map(|(_, jurisdiction, country)| (*jurisdiction, *country))
}

/// Parses an AAMVA DL/ID payload as decoded from the PDF417 barcode.
pub fn parse(payload: &[u8]) -> Result<AamvaRecord, AamvaError> {
    if payload.is_empty() {
        return Err(AamvaError::Empty);
    }
    let header = parse_header(payload)?;
    let (subfile, elements_start) = find_subfile(payload, header.end)?;
    let elements = read_elements(&payload[elements_start..]);
    if elements.is_empty() {
        return Err(AamvaError::NoElements);
    }
    Ok(build_record(header, subfile, &elements))
}

struct Header {
    iin: String,
    version: u8,
    /// Where the header's fixed part (through the version) ends.
    end: usize,
}

fn parse_header(payload: &[u8]) -> Result<Header, AamvaError> {
    let marker = payload
        .iter()
        .take(MARKER_SEARCH)
        .position(|b| *b == b'@')
        .ok_or(AamvaError::NoComplianceMarker)?;
    let mut i = marker + 1;
    while i < payload.len()
        && i - marker <= MAX_HEADER_SEPARATORS
        && (SEPARATORS.contains(&payload[i]) || payload[i] == b' ')
    {
        i += 1;
    }
    if i >= payload.len() {
        return Err(AamvaError::Truncated);
    }
    let file_type = FILE_TYPES
        .iter()
        .find(|t| payload[i..].starts_with(t))
        .ok_or_else(|| {
            // A payload cut inside the file type is truncated, not of another type.
            let rest = &payload[i..];
            if FILE_TYPES.iter().any(|t| t.starts_with(rest)) {
                AamvaError::Truncated
            } else {
                AamvaError::UnknownFileType
            }
        })?;
    i += file_type.len();
    while payload.get(i) == Some(&b' ') {
        i += 1;
    }
    // IIN (6 digits) and AAMVA version (2 digits). What follows — the jurisdiction version
    // (absent in version 01), the entry count and the subfile designators — is not needed:
    // the subfile is found by its content.
    let fixed = payload.get(i..i + 8).ok_or(AamvaError::Truncated)?;
    if !fixed.iter().all(u8::is_ascii_digit) {
        return Err(AamvaError::MalformedHeader);
    }
    let iin = String::from_utf8_lossy(&fixed[..6]).into_owned();
    let version = (fixed[6] - b'0') * 10 + (fixed[7] - b'0');
    Ok(Header {
        iin,
        version,
        end: i + 8,
    })
}

fn subfile_kind(tag: &[u8]) -> Option<SubfileKind> {
    match tag {
        b"DL" => Some(SubfileKind::DrivingLicense),
        b"ID" => Some(SubfileKind::IdCard),
        _ => None,
    }
}

/// Whether `bytes` starts with a DL/ID element id: `D` and two upper-case letters.
fn starts_with_element_id(bytes: &[u8]) -> bool {
    bytes.len() >= 3 && bytes[0] == b'D' && bytes[1..3].iter().all(u8::is_ascii_uppercase)
}

/// The subfile's kind and where its first element starts. The header's offsets are often
/// wrong (off by a few bytes, or zero), so the subfile is found by its content: `DL` or
/// `ID` directly followed by an element id (`DLDAQ…`). Failing that, the header's subfile
/// designator (`DL` + eight digits) gives the kind, and the first element that follows a
/// separator is the start.
fn find_subfile(payload: &[u8], from: usize) -> Result<(SubfileKind, usize), AamvaError> {
    let rest = payload.get(from..).unwrap_or(&[]);
    for (offset, window) in rest.windows(5).enumerate() {
        // The marker follows the header's digits or a separator; after a letter it is
        // part of a value (`RIDDLE RD`), not a subfile.
        let after_letter = offset > 0 && rest[offset - 1].is_ascii_alphabetic();
        if let Some(kind) = subfile_kind(&window[..2]) {
            if !after_letter && starts_with_element_id(&window[2..]) {
                return Ok((kind, from + offset + 2));
            }
        }
    }
    let designated = rest.windows(10).find_map(|w| {
        let kind = subfile_kind(&w[..2])?;
        w[2..].iter().all(u8::is_ascii_digit).then_some(kind)
    });
    let kind = designated.ok_or(AamvaError::NoSubfile)?;
    let start = (1..rest.len())
        .find(|i| SEPARATORS.contains(&rest[i - 1]) && starts_with_element_id(&rest[*i..]))
        .ok_or(AamvaError::NoSubfile)?;
    Ok((kind, from + start))
}

/// The data elements from `body` on, by id; the first occurrence of an id wins. Anything
/// that does not start with an element id (a jurisdiction's `Z` subfile, junk) is skipped.
fn read_elements(body: &[u8]) -> BTreeMap<String, String> {
    let mut elements = BTreeMap::new();
    for chunk in body.split(|b| SEPARATORS.contains(b)) {
        let mut chunk = chunk;
        // A chunk may begin a further subfile (`IDDAQ…` after a `DL` subfile's end).
        if subfile_kind(chunk.get(..2).unwrap_or(&[])).is_some()
            && starts_with_element_id(&chunk[2..])
        {
            chunk = &chunk[2..];
        }
        if !starts_with_element_id(chunk) {
            continue;
        }
        let id = String::from_utf8_lossy(&chunk[..3]).into_owned();
        // AAMVA payloads are ASCII, sometimes Latin-1: map each byte to its code point.
        let value: String = chunk[3..].iter().map(|b| char::from(*b)).collect();
        elements.entry(id).or_insert(value);
    }
    elements
}

/// A value without its padding, or `None` when it is empty or a placeholder.
fn clean(value: &str) -> Option<String> {
    let trimmed = value.trim_matches(|c: char| c == ' ' || c.is_control());
    let placeholder = ["NONE", "UNAVL", "UNAVAIL", "N/A"]
        .iter()
        .any(|p| trimmed.eq_ignore_ascii_case(p));
    (!trimmed.is_empty() && !placeholder).then(|| trimmed.to_owned())
}

fn build_record(
    header: Header,
    subfile: SubfileKind,
    elements: &BTreeMap<String, String>,
) -> AamvaRecord {
    let get = |id: &str| elements.get(id).and_then(|v| clean(v));
    let iin_info = iin_jurisdiction(&header.iin);
    let daj = get("DAJ").map(|s| s.to_ascii_uppercase());
    let jurisdiction = daj.clone().or_else(|| {
        iin_info
            .map(|(j, _)| j)
            .filter(|j| !j.is_empty())
            .map(str::to_owned)
    });
    let issuing_country = get("DCG")
        .and_then(|dcg| country_code(&dcg))
        .or_else(|| iin_info.map(|(_, country)| country.to_owned()))
        .or_else(|| daj.as_deref().and_then(jurisdiction_country));
    let canadian = issuing_country.as_deref() == Some("CA");
    let date = |id: &str| get(id).and_then(|raw| parse_date(&raw, canadian));

    let (first_name, middle_names, last_name) = names(&get);
    let address = Address {
        line1: get("DAG"),
        line2: get("DAH"),
        city: get("DAI"),
        state: daj,
        postal_code: get("DAK").and_then(|raw| clean_postal_code(&raw)),
        country: issuing_country.clone(),
    };
    let has_address = address.line1.is_some()
        || address.line2.is_some()
        || address.city.is_some()
        || address.state.is_some()
        || address.postal_code.is_some();
    AamvaRecord {
        version: header.version,
        iin: header.iin,
        subfile,
        issuing_country,
        jurisdiction,
        first_name,
        middle_names,
        last_name,
        dob: date("DBB"),
        expiration_date: date("DBA"),
        issued_date: date("DBD"),
        sex: get("DBC").map(|raw| sex(&raw)),
        address: has_address.then_some(address),
        document_number: get("DAQ"),
        ssn: get("DBM")
            .map(|raw| raw.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|digits| !digits.is_empty()),
    }
}

/// `DCG` as an ISO alpha-2 code: `USA` -> `US`, `CAN` -> `CA` (two-letter values are
/// taken as they are).
fn country_code(dcg: &str) -> Option<String> {
    let upper = dcg.to_ascii_uppercase();
    match upper.len() {
        2 if upper.bytes().all(|b| b.is_ascii_uppercase()) => Some(upper),
        _ => countries::alpha3_to_alpha2(&upper).map(str::to_owned),
    }
}

fn jurisdiction_country(code: &str) -> Option<String> {
    if US_JURISDICTIONS.contains(&code) {
        Some("US".to_owned())
    } else if CANADIAN_JURISDICTIONS.contains(&code) {
        Some("CA".to_owned())
    } else {
        None
    }
}

/// (first, middle, last) from whichever elements the version uses: `DCS`/`DAC`/`DAD`
/// (versions 04+), `DCS` + `DCT` given names (02–03), `DAB`/`DAC`/`DAD` or the full name
/// `DAA` (01). Elements are combined leniently because jurisdictions mix them.
fn names(
    get: &impl Fn(&str) -> Option<String>,
) -> (Option<String>, Option<String>, Option<String>) {
    let mut last = get("DCS").or_else(|| get("DAB"));
    let mut first = get("DAC");
    let mut middle = get("DAD");
    if first.is_none() {
        if let Some(given) = get("DCT") {
            let (f, m) = split_given_names(&given);
            first = f;
            middle = middle.or(m);
        }
    }
    if last.is_none() || first.is_none() {
        if let Some(full) = get("DAA") {
            let (l, f, m) = split_full_name(&full);
            last = last.or(l);
            if first.is_none() {
                first = f;
                middle = middle.or(m);
            }
        }
    }
    (first, middle, last)
}

fn non_empty(parts: &[&str]) -> Option<String> {
    let joined = parts
        .iter()
        .flat_map(|p| p.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// `FIRST,MIDDLE` or `FIRST MIDDLE` (`DCT`): the first name, and the rest as middle names.
fn split_given_names(given: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = given.split([',', ' ']).filter(|w| !w.is_empty()).collect();
    match words.split_first() {
        Some((first, rest)) => (non_empty(&[first]), non_empty(rest)),
        None => (None, None),
    }
}

/// Version 01's `DAA`: `LAST,FIRST,MIDDLE` (the standard's form, authoritative when there
/// is a comma), or without commas `LAST FIRST MIDDLE` in the same order.
fn split_full_name(full: &str) -> (Option<String>, Option<String>, Option<String>) {
    if full.contains(',') {
        let mut parts = full.split(',');
        let last = parts.next().and_then(|l| non_empty(&[l]));
        let given = parts.collect::<Vec<_>>().join(" ");
        let (first, middle) = split_given_names(&given);
        (last, first, middle)
    } else {
        let words: Vec<&str> = full.split_whitespace().collect();
        match words.as_slice() {
            [] => (None, None, None),
            [last] => (non_empty(&[last]), None, None),
            [last, first, rest @ ..] => (non_empty(&[last]), non_empty(&[first]), non_empty(rest)),
        }
    }
}

/// `DBC`: 1 or M male, 2 or F female; 9, X or anything else is not specified.
fn sex(raw: &str) -> Sex {
    match raw.to_ascii_uppercase().as_str() {
        "1" | "M" => Sex::Male,
        "2" | "F" => Sex::Female,
        _ => Sex::Unknown,
    }
}

/// `DAK` cleaned: a US ZIP as `90001`, or `90001-1234` when the +4 part is given and not
/// `0000` (cards pad `900010000  `); a Canadian postal code as `A1A 1A1`; anything else
/// trimmed as it is.
fn clean_postal_code(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = compact.as_bytes();
    let canadian = bytes.len() >= 6
        && bytes[..6].iter().enumerate().all(|(i, b)| {
            if i % 2 == 0 {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_digit()
            }
        });
    if canadian {
        return Some(format!("{} {}", &compact[..3], &compact[3..6]));
    }
    if bytes.len() >= 5 && bytes.iter().all(u8::is_ascii_digit) {
        let zip = &compact[..5];
        return Some(match compact.get(5..9) {
            Some(plus4) if plus4 != "0000" => format!("{zip}-{plus4}"),
            _ => zip.to_owned(),
        });
    }
    clean(raw)
}

/// An AAMVA date: `MMDDCCYY` (US) or `CCYYMMDD` (Canada, and version 01 generally), with
/// `canadian` choosing which to try first; the other is tried when the first does not give
/// a real calendar date with a year in 1900–2150 (the two cannot both succeed: a month is at
/// most 12, a plausible century is 19–21). Separators (`/`, `-`, `.`, spaces) are ignored.
/// Anything else is `None`.
pub fn parse_date(raw: &str, canadian: bool) -> Option<Date> {
    let digits: Vec<u32> = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '/' | '-' | '.'))
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 8 {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits[range].iter().fold(0, |n, d| n * 10 + d);
    let us = || calendar_date(number(4..8), number(0..2), number(2..4));
    let canada = || calendar_date(number(0..4), number(4..6), number(6..8));
    if canadian {
        canada().or_else(us)
    } else {
        us().or_else(canada)
    }
}

fn calendar_date(year: u32, month: u32, day: u32) -> Option<Date> {
    let year = year as i32;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    let plausible = (1900..=2150).contains(&year) && (1..=days).contains(&day);
    plausible.then(|| Date::new(year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload laid out as the standard says: `@`, LF RS CR, `ANSI `, IIN, version,
    /// jurisdiction version (not in version 01), one subfile designator with correct offset
    /// and length, then the subfile: its type, elements separated by LF, ended by CR.
    fn conformant(iin: &str, version: &str, kind: &str, elements: &[&str]) -> String {
        let body = format!("{kind}{}\r", elements.join("\n"));
        let jurisdiction_version = if version == "01" { "" } else { "00" };
        let header_len = 4 + 5 + 6 + 2 + jurisdiction_version.len() + 2 + 10;
        format!(
            "@\n\x1e\rANSI {iin}{version}{jurisdiction_version}01{kind}{header_len:04}{:04}{body}",
            body.len()
        )
    }

    /// The version 10 California licence of the research notes (Appendix A).
    fn v10_licence() -> String {
        conformant(
            "636014",
            "10",
            "DL",
            &[
                "DCAD",
                "DCBNONE",
                "DCDNONE",
                "DBA08142030",
                "DCSSAMPLE",
                "DACJANE",
                "DADQ",
                "DBD08142022",
                "DBB01071990",
                "DBC2",
                "DAYBRO",
                "DAU065 IN",
                "DAG123 MAIN ST",
                "DAIANYTOWN",
                "DAJCA",
                "DAK900010000  ",
                "DAQD1234567",
                "DCF00000000000000000000",
                "DCGUSA",
                "DDEN",
                "DDFN",
                "DDGN",
            ],
        )
    }

    fn parsed(payload: &str) -> AamvaRecord {
        parse(payload.as_bytes()).unwrap_or_else(|e| panic!("{e}: {payload:?}"))
    }

    #[test]
    fn a_conformant_version_10_licence_reads_completely() {
        let record = parsed(&v10_licence());
        assert_eq!(record.version, 10);
        assert_eq!(record.iin, "636014");
        assert_eq!(record.subfile, SubfileKind::DrivingLicense);
        assert_eq!(record.issuing_country.as_deref(), Some("US"));
        assert_eq!(record.jurisdiction.as_deref(), Some("CA"));
        assert_eq!(record.first_name.as_deref(), Some("JANE"));
        assert_eq!(record.middle_names.as_deref(), Some("Q"));
        assert_eq!(record.last_name.as_deref(), Some("SAMPLE"));
        assert_eq!(record.dob, Some(Date::new(1990, 1, 7)));
        assert_eq!(record.expiration_date, Some(Date::new(2030, 8, 14)));
        assert_eq!(record.issued_date, Some(Date::new(2022, 8, 14)));
        assert_eq!(record.sex, Some(Sex::Female));
        assert_eq!(record.document_number.as_deref(), Some("D1234567"));
        assert_eq!(record.ssn, None);
        assert_eq!(
            record.address,
            Some(Address {
                line1: Some("123 MAIN ST".to_owned()),
                line2: None,
                city: Some("ANYTOWN".to_owned()),
                state: Some("CA".to_owned()),
                postal_code: Some("90001".to_owned()),
                country: Some("US".to_owned()),
            })
        );
    }

    #[test]
    fn a_version_8_id_card_reads_as_an_id_card() {
        let payload = conformant(
            "636015",
            "08",
            "ID",
            &[
                "DAQ12345678",
                "DCSDOE",
                "DACJOHN",
                "DADNONE",
                "DBB12311985",
                "DBA12312029",
                "DBD01022021",
                "DBC1",
                "DAG1 ELM ST",
                "DAIAUSTIN",
                "DAJTX",
                "DAK787011234",
                "DCGUSA",
            ],
        );
        let record = parsed(&payload);
        assert_eq!(record.subfile, SubfileKind::IdCard);
        assert_eq!(record.version, 8);
        assert_eq!(record.jurisdiction.as_deref(), Some("TX"));
        assert_eq!(record.last_name.as_deref(), Some("DOE"));
        assert_eq!(record.first_name.as_deref(), Some("JOHN"));
        assert_eq!(record.middle_names, None);
        assert_eq!(record.dob, Some(Date::new(1985, 12, 31)));
        assert_eq!(record.sex, Some(Sex::Male));
        assert_eq!(
            record.address.unwrap().postal_code.as_deref(),
            Some("78701-1234")
        );
    }

    #[test]
    fn version_3_given_names_split_into_first_and_middle() {
        for given in ["DCTJOHN,MICHAEL PAUL", "DCTJOHN MICHAEL PAUL"] {
            let payload = conformant(
                "636020",
                "03",
                "DL",
                &["DAQ991234567", "DCSSMITH", given, "DBB07041976", "DAJCO"],
            );
            let record = parsed(&payload);
            assert_eq!(record.last_name.as_deref(), Some("SMITH"));
            assert_eq!(record.first_name.as_deref(), Some("JOHN"));
            assert_eq!(record.middle_names.as_deref(), Some("MICHAEL PAUL"));
            assert_eq!(record.dob, Some(Date::new(1976, 7, 4)));
        }
    }

    #[test]
    fn version_1_with_the_aamva_file_type_and_a_full_name_reads() {
        // Maryland's early cards: `AAMVA` file type, no jurisdiction version, the full name
        // in DAA, CCYYMMDD dates, the SSN in DBM.
        let payload = "@\n\x1e\rAAMVA6360030101DL00290120DLDAAPUBLIC,JOHN,QUINCY\nDAG12 BAY RD\n\
                       DAIBALTIMORE\nDAJMD\nDAK21201\nDAQM123456789012\nDBA20300131\n\
                       DBB19700131\nDBCM\nDBM123-45-6789\r";
        let record = parsed(payload);
        assert_eq!(record.version, 1);
        assert_eq!(record.iin, "636003");
        assert_eq!(record.issuing_country.as_deref(), Some("US"));
        assert_eq!(record.last_name.as_deref(), Some("PUBLIC"));
        assert_eq!(record.first_name.as_deref(), Some("JOHN"));
        assert_eq!(record.middle_names.as_deref(), Some("QUINCY"));
        assert_eq!(record.dob, Some(Date::new(1970, 1, 31)));
        assert_eq!(record.expiration_date, Some(Date::new(2030, 1, 31)));
        assert_eq!(record.sex, Some(Sex::Male));
        assert_eq!(record.ssn.as_deref(), Some("123456789"));
        assert_eq!(
            record.address.unwrap().postal_code.as_deref(),
            Some("21201")
        );
    }

    #[test]
    fn version_1_separate_name_elements_and_a_spaced_full_name_read() {
        let separate = conformant("636001", "01", "DL", &["DABROE", "DACRICHARD", "DADA B"]);
        let record = parsed(&separate);
        assert_eq!(record.last_name.as_deref(), Some("ROE"));
        assert_eq!(record.first_name.as_deref(), Some("RICHARD"));
        assert_eq!(record.middle_names.as_deref(), Some("A B"));
        let spaced = conformant("636001", "01", "DL", &["DAAROE RICHARD A"]);
        let record = parsed(&spaced);
        assert_eq!(record.last_name.as_deref(), Some("ROE"));
        assert_eq!(record.first_name.as_deref(), Some("RICHARD"));
        assert_eq!(record.middle_names.as_deref(), Some("A"));
    }

    #[test]
    fn wrong_subfile_offsets_and_lengths_are_ignored() {
        let good = v10_licence();
        let designator = good.find("DL").unwrap();
        let offset: i32 = good[designator + 2..designator + 6].parse().unwrap();
        for delta in [-2, -1, 1, 2] {
            let mut bad = good.clone();
            bad.replace_range(
                designator + 2..designator + 6,
                &format!("{:04}", offset + delta),
            );
            assert_eq!(parsed(&bad).last_name.as_deref(), Some("SAMPLE"), "{delta}");
        }
        let mut zeroed = good.clone();
        zeroed.replace_range(designator + 2..designator + 10, "00000000");
        assert_eq!(parsed(&zeroed).last_name.as_deref(), Some("SAMPLE"));
    }

    #[test]
    fn file_separator_bytes_work_in_the_header_and_between_elements() {
        let payload = v10_licence()
            .replacen("@\n\x1e\r", "@\n\x1c\r", 1)
            .replace('\n', "\x1c");
        let record = parsed(&payload);
        assert_eq!(record.first_name.as_deref(), Some("JANE"));
        assert_eq!(record.document_number.as_deref(), Some("D1234567"));
    }

    #[test]
    fn a_header_of_at_and_two_line_feeds_is_accepted() {
        let payload = v10_licence().replacen("@\n\x1e\r", "@\n\n", 1);
        assert_eq!(parsed(&payload).last_name.as_deref(), Some("SAMPLE"));
    }

    #[test]
    fn the_file_type_may_lack_its_space_or_be_transposed() {
        for file_type in ["ANSI", "AMVAA", "AAMVA"] {
            let payload = v10_licence().replacen("ANSI ", file_type, 1);
            assert_eq!(parsed(&payload).iin, "636014", "{file_type}");
        }
    }

    #[test]
    fn carriage_returns_alone_or_mixed_separate_elements() {
        let cr_only = v10_licence().replace('\n', "\r");
        let record = parsed(&cr_only);
        assert_eq!(record.first_name.as_deref(), Some("JANE"));
        assert_eq!(record.dob, Some(Date::new(1990, 1, 7)));
        let mixed = v10_licence()
            .replace("\nDAC", "\r\nDAC")
            .replace("\nDBB", "\x1eDBB");
        let record = parsed(&mixed);
        assert_eq!(record.first_name.as_deref(), Some("JANE"));
        assert_eq!(record.dob, Some(Date::new(1990, 1, 7)));
    }

    #[test]
    fn a_canadian_version_10_licence_uses_ccyymmdd_dates_and_canadian_postal_codes() {
        let payload = conformant(
            "636012",
            "10",
            "DL",
            &[
                "DCAG",
                "DBA20300615",
                "DCSTREMBLAY",
                "DACMARIE",
                "DADNONE",
                "DBD20250615",
                "DBB19900107",
                "DBC2",
                "DAG100 QUEEN ST W",
                "DAITORONTO",
                "DAJON",
                "DAKM5V3L9     ",
                "DAQT1234-56789-00107",
                "DCGCAN",
            ],
        );
        let record = parsed(&payload);
        assert_eq!(record.issuing_country.as_deref(), Some("CA"));
        assert_eq!(record.jurisdiction.as_deref(), Some("ON"));
        assert_eq!(record.dob, Some(Date::new(1990, 1, 7)));
        assert_eq!(record.expiration_date, Some(Date::new(2030, 6, 15)));
        assert_eq!(record.issued_date, Some(Date::new(2025, 6, 15)));
        let address = record.address.unwrap();
        assert_eq!(address.postal_code.as_deref(), Some("M5V 3L9"));
        assert_eq!(address.country.as_deref(), Some("CA"));
    }

    #[test]
    fn placeholder_values_are_absent() {
        let payload = conformant(
            "636014",
            "09",
            "DL",
            &[
                "DCSSAMPLE",
                "DACNONE",
                "DADunavl",
                "DAHUNAVL",
                "DAG   ",
                "DAIANYTOWN",
                "DAQD1",
                "DBCX",
            ],
        );
        let record = parsed(&payload);
        assert_eq!(record.first_name, None);
        assert_eq!(record.middle_names, None);
        assert_eq!(record.sex, Some(Sex::Unknown));
        let address = record.address.unwrap();
        assert_eq!(address.line1, None);
        assert_eq!(address.line2, None);
    }

    #[test]
    fn an_unknown_iin_takes_its_country_from_the_jurisdiction_code() {
        let payload = conformant(
            "999999",
            "10",
            "DL",
            &["DCSLEE", "DACKIM", "DAJBC", "DBB19881231", "DAKV6B 1A1"],
        );
        let record = parsed(&payload);
        assert_eq!(record.issuing_country.as_deref(), Some("CA"));
        assert_eq!(record.jurisdiction.as_deref(), Some("BC"));
        assert_eq!(record.dob, Some(Date::new(1988, 12, 31)));
        let unknown = conformant("999999", "10", "DL", &["DCSLEE", "DAJZZ"]);
        assert_eq!(parsed(&unknown).issuing_country, None);
    }

    #[test]
    fn the_iin_gives_the_jurisdiction_when_the_address_has_no_state() {
        let payload = conformant("636045", "10", "DL", &["DCSLEE", "DACKIM"]);
        let record = parsed(&payload);
        assert_eq!(record.jurisdiction.as_deref(), Some("WA"));
        assert_eq!(record.issuing_country.as_deref(), Some("US"));
        assert_eq!(record.address, None);
    }

    #[test]
    fn jurisdiction_subfiles_and_trailing_junk_are_ignored() {
        let payload = format!(
            "{}ZCZCAGREEN\nZCBDAQ999\r\0\0garbage DAQ-not-this \x7f",
            v10_licence()
        );
        let record = parsed(&payload);
        assert_eq!(record.document_number.as_deref(), Some("D1234567"));
        assert_eq!(record.last_name.as_deref(), Some("SAMPLE"));
    }

    #[test]
    fn a_subfile_without_its_type_prefix_is_found_from_the_designator() {
        let payload = v10_licence().replacen("DLDCA", "\nDCA", 1);
        let record = parsed(&payload);
        assert_eq!(record.subfile, SubfileKind::DrivingLicense);
        assert_eq!(record.first_name.as_deref(), Some("JANE"));
    }

    #[test]
    fn payloads_that_are_not_aamva_are_errors() {
        assert_eq!(parse(b""), Err(AamvaError::Empty));
        assert_eq!(parse(b"hello world"), Err(AamvaError::NoComplianceMarker));
        assert_eq!(parse(b"user@example.com"), Err(AamvaError::UnknownFileType));
        assert_eq!(parse(b"@\n\x1e\rAN"), Err(AamvaError::Truncated));
        assert_eq!(parse(b"@\n\x1e\rANSI 63601"), Err(AamvaError::Truncated));
        assert_eq!(parse(b"@\n\x1e\r"), Err(AamvaError::Truncated));
        assert_eq!(
            parse(b"@\n\x1e\rANSI ABCDEF100001DL00410278"),
            Err(AamvaError::MalformedHeader)
        );
        assert_eq!(
            parse(b"@\n\x1e\rANSI 636014100001ZV00410010ZVZVA1\r"),
            Err(AamvaError::NoSubfile)
        );
        assert_eq!(
            parse(b"@\n\x1e\rANSI 636014100001DL00410010\r\nZZZ\n"),
            Err(AamvaError::NoSubfile)
        );
    }

    #[test]
    fn error_messages_carry_no_payload_data() {
        let errors = [
            AamvaError::Empty,
            AamvaError::NoComplianceMarker,
            AamvaError::UnknownFileType,
            AamvaError::Truncated,
            AamvaError::MalformedHeader,
            AamvaError::NoSubfile,
            AamvaError::NoElements,
        ];
        for error in errors {
            assert!(!error.to_string().chars().any(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn dates_parse_in_either_layout_and_fall_back_to_the_other() {
        assert_eq!(parse_date("01071990", false), Some(Date::new(1990, 1, 7)));
        assert_eq!(parse_date("19900107", true), Some(Date::new(1990, 1, 7)));
        assert_eq!(parse_date("19900107", false), Some(Date::new(1990, 1, 7)));
        assert_eq!(parse_date("01071990", true), Some(Date::new(1990, 1, 7)));
        assert_eq!(
            parse_date("02/29/2024", false),
            Some(Date::new(2024, 2, 29))
        );
        assert_eq!(parse_date("2024-02-29", true), Some(Date::new(2024, 2, 29)));
        assert_eq!(
            parse_date(" 12312150 ", false),
            Some(Date::new(2150, 12, 31))
        );
    }

    #[test]
    fn impossible_or_implausible_dates_are_none() {
        for raw in [
            "02302024",
            "13012024",
            "00012024",
            "02292023",
            "20230229",
            "01011899",
            "01012151",
            "18990101",
            "0107199",
            "010719900",
            "0107199O",
            "",
            "NONE",
            "00000000",
            "99999999",
        ] {
            assert_eq!(parse_date(raw, false), None, "{raw:?}");
            assert_eq!(parse_date(raw, true), None, "{raw:?}");
        }
    }

    #[test]
    fn postal_codes_are_cleaned() {
        let clean = |raw| clean_postal_code(raw);
        assert_eq!(clean("900010000  ").as_deref(), Some("90001"));
        assert_eq!(clean("900011234").as_deref(), Some("90001-1234"));
        assert_eq!(clean("90001-1234").as_deref(), Some("90001-1234"));
        assert_eq!(clean("90001").as_deref(), Some("90001"));
        assert_eq!(clean("90001    ").as_deref(), Some("90001"));
        assert_eq!(clean("k1a0b1").as_deref(), Some("K1A 0B1"));
        assert_eq!(clean("K1A 0B1").as_deref(), Some("K1A 0B1"));
        assert_eq!(clean("   ").as_deref(), None);
    }

    #[test]
    fn sex_codes_map_to_male_female_or_unknown() {
        for (raw, expected) in [
            ("1", Sex::Male),
            ("M", Sex::Male),
            ("m", Sex::Male),
            ("2", Sex::Female),
            ("F", Sex::Female),
            ("9", Sex::Unknown),
            ("X", Sex::Unknown),
            ("U", Sex::Unknown),
        ] {
            assert_eq!(sex(raw), expected, "{raw}");
        }
    }

    #[test]
    fn the_iin_table_has_unique_six_digit_entries_for_every_state_and_province() {
        let mut seen = std::collections::BTreeSet::new();
        for (iin, jurisdiction, country) in IINS {
            assert!(
                iin.len() == 6 && iin.bytes().all(|b| b.is_ascii_digit()),
                "{iin}"
            );
            assert!(seen.insert(*iin), "{iin} twice");
            assert!(["US", "CA", "MX"].contains(country));
            if !jurisdiction.is_empty() && *country != "MX" {
                assert_eq!(
                    jurisdiction_country(jurisdiction).as_deref(),
                    Some(*country)
                );
            }
        }
        for state in &US_JURISDICTIONS[..51] {
            assert!(
                IINS.iter().any(|(_, j, _)| j == state),
                "{state} has no IIN"
            );
        }
        for province in &CANADIAN_JURISDICTIONS[..13] {
            assert!(
                IINS.iter().any(|(_, j, _)| j == province),
                "{province} has no IIN"
            );
        }
        assert_eq!(iin_jurisdiction("636014"), Some(("CA", "US")));
        assert_eq!(iin_jurisdiction("636012"), Some(("ON", "CA")));
        assert_eq!(iin_jurisdiction("123456"), None);
    }

    /// A small deterministic generator for the robustness tests (no dependency needed).
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_bytes_never_panic_and_are_never_a_licence() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        for _ in 0..2000 {
            let len = rng.below(300);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            assert!(parse(&bytes).is_err());
        }
    }

    #[test]
    fn corrupted_and_truncated_licences_never_panic() {
        let good = v10_licence().into_bytes();
        let mut rng = XorShift(7);
        for _ in 0..2000 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(6) {
                let i = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[i] = rng.next() as u8,
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, b"\n\r\x1e\x1c@DL0"[rng.below(8)]),
                }
            }
            let cut = rng.below(bytes.len() + 1);
            let _ = parse(&bytes[..cut]);
            let _ = parse(&bytes);
        }
    }
}
