//! The document check: from the readings of the front and back to the document's data, or
//! to Stripe's failure code with a reason that says what went wrong. The machine-readable
//! data (a PDF417 barcode parsed as AAMVA, or an MRZ whose check digits hold) is the
//! source of truth; the printed front must agree with it.

use super::front::{self, FrontVerdict};
use super::{expected_type, LivePolicy, Observed, Reading};
use crate::observation::{ImageObservation, MrzReading, Side, Wanted};
use crate::{aamva, countries, dates, mrz};
use verifyd_core::session::{
    Address, Date, DocumentType, LastError, LastErrorCode, Sex, VerificationSession,
};
use verifyd_core::submission::Submission;

/// Where the document's data was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineSource {
    /// The PDF417 barcode of a US or Canadian licence or ID card.
    Barcode,
    /// A machine-readable zone.
    Mrz(mrz::MrzFormat),
}

/// The data of a document, as its machine-readable part states it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentData {
    pub source: MachineSource,
    pub document_type: DocumentType,
    pub first_name: Option<String>,
    /// Middle names, when the data keeps them apart from the first name (AAMVA).
    pub middle_names: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<Date>,
    pub expiration_date: Option<Date>,
    pub issued_date: Option<Date>,
    /// ISO 3166-1 alpha-2.
    pub issuing_country: Option<String>,
    pub number: Option<String>,
    pub sex: Option<Sex>,
    pub address: Option<Address>,
    /// An ID number the document itself carries (an SSN in old AAMVA barcodes, a CPF or
    /// NRIC in an MRZ), normalised to digits / uppercase.
    pub carried_id_number: Option<String>,
    /// Whether the MRZ's name field is full (names may have been truncated).
    pub name_truncated: bool,
}

/// A failed document check: the error, and the data read when it is trustworthy enough
/// to show in the report (an expired document's dates, say).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFailure {
    pub error: LastError,
    pub data: Option<Box<DocumentData>>,
    /// The sides whose closer look might change the outcome (a front whose printed text
    /// was not matched, an MRZ whose check digits failed), when none was taken yet.
    pub closer_look: Vec<(Side, Wanted)>,
}

fn failure(code: LastErrorCode, reason: impl Into<String>) -> DocumentFailure {
    DocumentFailure {
        error: LastError {
            code: Some(code),
            reason: Some(reason.into()),
        },
        data: None,
        closer_look: Vec::new(),
    }
}

fn other(reason: impl Into<String>) -> DocumentFailure {
    failure(LastErrorCode::DocumentUnverifiedOther, reason)
}

fn type_name(t: DocumentType) -> &'static str {
    match t {
        DocumentType::DrivingLicense => "driving licence",
        DocumentType::IdCard => "ID card",
        DocumentType::Passport => "passport",
    }
}

/// The observation of a side, or the failure to report for it.
fn observation<'a>(
    reading: Option<&'a Reading>,
    what: &str,
) -> Result<Option<&'a ImageObservation>, DocumentFailure> {
    match reading {
        None => Ok(None),
        Some(Ok(obs)) => Ok(Some(obs)),
        Some(Err(failure)) => Err(other(failure.reason(what))),
    }
}

pub(super) fn check(
    session: &VerificationSession,
    submission: &Submission,
    observed: &Observed,
    today: Date,
    policy: &LivePolicy,
) -> Result<DocumentData, DocumentFailure> {
    let expected = expected_type(session, submission);
    if submission.document_front.is_none() {
        return Err(other("The front of the document is missing."));
    }
    if submission.document_back.is_none() && expected.is_some_and(|t| t != DocumentType::Passport) {
        return Err(other("The back of the document is missing."));
    }
    let front = observation(observed.front.as_ref(), "front of the document")?;
    let back = observation(observed.back.as_ref(), "back of the document")?;
    let Some(front) = front else {
        return Err(other("The front of the document is missing."));
    };

    let permitted = session
        .options
        .document
        .clone()
        .unwrap_or_default()
        .permitted_types();
    let not_supported = |t: DocumentType| {
        let allowed: Vec<&str> = permitted.iter().map(|t| type_name(*t)).collect();
        failure(
            LastErrorCode::DocumentTypeNotSupported,
            format!(
                "The document is a {}; this verification accepts only: {}.",
                type_name(t),
                allowed.join(", ")
            ),
        )
    };
    let mut data = match machine_data(front, back, today, observed.closer_looked) {
        Ok(data) => data,
        Err(failure) => {
            // Nothing machine-readable, but the front says plainly what it is (a licence
            // shown where only passports are accepted has no MRZ to read).
            return Err(match printed_type(front) {
                Some(t) if !permitted.contains(&t) => {
                    // The report shows the type the front names, and nothing else.
                    let mut fail = not_supported(t);
                    fail.data = Some(Box::new(DocumentData {
                        source: MachineSource::Barcode,
                        document_type: t,
                        first_name: None,
                        middle_names: None,
                        last_name: None,
                        dob: None,
                        expiration_date: None,
                        issued_date: None,
                        issuing_country: None,
                        number: None,
                        sex: None,
                        address: None,
                        carried_id_number: None,
                        name_truncated: false,
                    }));
                    fail
                }
                _ => failure,
            });
        }
    };

    if !permitted.contains(&data.document_type) {
        let mut fail = not_supported(data.document_type);
        fail.data = Some(Box::new(type_only(&data)));
        return Err(fail);
    }

    let missing: Vec<&str> = [
        ("last name", data.last_name.is_none()),
        ("date of birth", data.dob.is_none()),
        ("expiry date", data.expiration_date.is_none()),
        ("document number", data.number.is_none()),
    ]
    .into_iter()
    .filter(|(_, absent)| *absent)
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        return Err(other(format!(
            "The document's machine-readable data is incomplete (no {}).",
            missing.join(", no ")
        )));
    }
    let dob = data.dob.unwrap_or_default();
    let expiry = data.expiration_date.unwrap_or_default();
    let dates_hold = dates::before(&dob, &today) == Some(true)
        && dates::age_on(&dob, &today).is_some_and(|age| age <= 130)
        && dates::before(&dob, &expiry) == Some(true)
        && data.issued_date.as_ref().is_none_or(|issued| {
            dates::before(&dob, issued) == Some(true)
                && dates::before(&today, issued) == Some(false)
                && dates::before(issued, &expiry) == Some(true)
        });
    if !dates_hold {
        return Err(other(
            "The dates on the document are inconsistent (birth, issue and expiry).",
        ));
    }

    // The front must agree with the machine-readable data. On passports and TD2 cards the
    // MRZ is on the front itself: its lines are left out of the printed text.
    let printed = front.text.as_deref();
    let machine = match data.source {
        MachineSource::Barcode => "barcode",
        MachineSource::Mrz(_) => "machine-readable zone",
    };
    let mut front_failure = match front::compare(printed, &data) {
        FrontVerdict::Agrees => None,
        FrontVerdict::Unreadable => Some(other(
            "The printed text on the front of the document could not be read.",
        )),
        FrontVerdict::Foreign => Some(other(format!(
            "The front of the document does not belong to the same document as its {machine}."
        ))),
        FrontVerdict::Disagrees(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            Some(other(format!(
                "The {} printed on the front of the document could not be matched with its {machine}.",
                join_and(&names)
            )))
        }
    };
    if let Some(mut fail) = front_failure.take() {
        // A closer look at the front may read what the usual one missed; a front printed
        // with other data reads the same either way.
        if !observed.closer_looked {
            fail.closer_look.push((
                Side::Front,
                Wanted {
                    text: true,
                    closer_look: true,
                    ..Wanted::default()
                },
            ));
        }
        return Err(fail);
    }

    if dates::before(&expiry, &today) == Some(true) {
        let mut fail = failure(LastErrorCode::DocumentExpired, "The document has expired.");
        fail.data = Some(Box::new(data));
        return Err(fail);
    }
    if dates::age_on(&dob, &today).is_some_and(|age| age < policy.age_of_majority as i32) {
        let mut fail = failure(
            LastErrorCode::UnderSupportedAge,
            format!(
                "The document's holder is under {}, the minimum age for this verification.",
                policy.age_of_majority
            ),
        );
        fail.data = Some(Box::new(data));
        return Err(fail);
    }
    if data.document_type == DocumentType::Passport {
        data.address = None;
    }
    Ok(data)
}

/// What the front's printed title says the document is, when it says exactly one thing
/// (`DRIVER LICENSE`, `PASSPORT / PASSEPORT`, `IDENTIFICATION CARD`, in the languages of
/// the documents verifyd reads).
fn printed_type(front: &ImageObservation) -> Option<DocumentType> {
    const TITLES: &[(DocumentType, &[&str])] = &[
        (
            DocumentType::DrivingLicense,
            &[
                "DRIVERLICENSE",
                "DRIVERSLICENSE",
                "DRIVERLICENCE",
                "DRIVERSLICENCE",
                "DRIVINGLICENCE",
                "DRIVINGLICENSE",
                "PERMISDECONDUIRE",
                "FUHRERSCHEIN",
                "LICENCIADECONDUCIR",
            ],
        ),
        (
            DocumentType::Passport,
            &[
                "PASSPORT",
                "PASSEPORT",
                "PASAPORTE",
                "REISEPASS",
                "PASSAPORTO",
                "PASPOORT",
            ],
        ),
        (
            DocumentType::IdCard,
            &[
                "IDENTIFICATIONCARD",
                "IDENTITYCARD",
                "CARTEDIDENTIT",
                "PERSONALAUSWEIS",
                "DOCUMENTONACIONALDEIDENTIDAD",
                "IDENTITEITSKAART",
                "CARTEIRADEIDENTIDADE",
            ],
        ),
    ];
    let printed = front.text.as_ref()?;
    let compact: Vec<String> = printed
        .iter()
        .filter(|l| l.confidence >= 0.7)
        .map(|l| {
            l.text
                .chars()
                .filter(char::is_ascii_alphabetic)
                .map(|c| c.to_ascii_uppercase())
                .collect()
        })
        .collect();
    let mut said = TITLES
        .iter()
        .filter(|(_, titles)| {
            compact
                .iter()
                .any(|line| titles.iter().any(|t| line.contains(t)))
        })
        .map(|(t, _)| *t);
    match (said.next(), said.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Only the type: what the report shows for a document of a type not accepted.
fn type_only(data: &DocumentData) -> DocumentData {
    DocumentData {
        source: data.source,
        document_type: data.document_type,
        first_name: None,
        middle_names: None,
        last_name: None,
        dob: None,
        expiration_date: None,
        issued_date: None,
        issuing_country: data.issuing_country.clone(),
        number: None,
        sex: None,
        address: None,
        carried_id_number: None,
        name_truncated: false,
    }
}

/// The document's machine-readable data: the barcode of either side parsed as AAMVA, or
/// the MRZ of either side with every check digit holding (each side's usual reading first,
/// then a closer look's). Without a closer look taken yet, an MRZ whose check digits fail
/// asks for one of the sides that carried it.
fn machine_data(
    front: &ImageObservation,
    back: Option<&ImageObservation>,
    today: Date,
    closer_looked: bool,
) -> Result<DocumentData, DocumentFailure> {
    let sides = [back, Some(front)];
    let barcodes: Vec<&Vec<u8>> = sides
        .iter()
        .flatten()
        .filter_map(|o| o.barcode.as_ref())
        .collect();
    let mut barcode_problem = None;
    for payload in &barcodes {
        match aamva::parse(payload) {
            Ok(record) => return Ok(from_aamva(record)),
            Err(error) => barcode_problem = Some(error),
        }
    }
    let mut mrz_problem = None;
    let usual = sides.iter().flatten().filter_map(|o| o.mrz.as_ref());
    let closer = sides
        .iter()
        .flatten()
        .flat_map(|o| o.other_mrz_readings.iter());
    let readings: Vec<&MrzReading> = usual.chain(closer).collect();
    for reading in readings {
        match mrz::parse(reading, today) {
            Ok(record) => return from_mrz(record),
            // The first reading's problem is the one to report.
            Err(error) => {
                mrz_problem.get_or_insert(error);
            }
        }
    }
    if let Some(error) = mrz_problem {
        let mut fail = other(format!(
            "The machine-readable zone of the document could not be verified: {error}."
        ));
        if !closer_looked {
            let carried = |o: Option<&ImageObservation>| o.is_some_and(|o| o.mrz.is_some());
            for (side, observation) in [(Side::Back, back), (Side::Front, Some(front))] {
                if carried(observation) {
                    fail.closer_look.push((
                        side,
                        Wanted {
                            mrz: true,
                            closer_look: true,
                            ..Wanted::default()
                        },
                    ));
                }
            }
        }
        return Err(fail);
    }
    if barcode_problem.is_some() {
        return Err(other(
            "The barcode on the document is not the barcode of a driving licence or ID card.",
        ));
    }
    let looks_like_document = sides
        .iter()
        .flatten()
        .any(|o| o.quality.document.is_some() || o.text.as_ref().is_some_and(|t| t.len() >= 3));
    if !looks_like_document {
        return Err(other("The images do not show an identity document."));
    }
    Err(other(
        "Neither the barcode nor a machine-readable zone of the document could be read.",
    ))
}

fn from_aamva(record: aamva::AamvaRecord) -> DocumentData {
    let document_type = match record.subfile {
        aamva::SubfileKind::DrivingLicense => DocumentType::DrivingLicense,
        aamva::SubfileKind::IdCard => DocumentType::IdCard,
    };
    DocumentData {
        source: MachineSource::Barcode,
        document_type,
        first_name: record.first_name,
        middle_names: record.middle_names,
        last_name: record.last_name,
        dob: record.dob,
        expiration_date: record.expiration_date,
        issued_date: record.issued_date,
        issuing_country: record.issuing_country,
        number: record.document_number,
        sex: record.sex,
        address: record.address,
        carried_id_number: record.ssn,
        name_truncated: false,
    }
}

fn from_mrz(record: mrz::MrzRecord) -> Result<DocumentData, DocumentFailure> {
    let document_type = match record.document_code.chars().next() {
        Some('P') => DocumentType::Passport,
        Some('I') | Some('A') | Some('C') => DocumentType::IdCard,
        Some('V') => return Err(other("The document is a visa, not an identity document.")),
        _ => {
            return Err(other(
                "The machine-readable zone is not that of a passport or ID card.",
            ))
        }
    };
    let non_empty = |s: &str| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    };
    let optional: String = format!("{}{}", record.optional_data, record.optional_data_2)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let carried_id_number = (!optional.is_empty()).then_some(optional);
    Ok(DocumentData {
        source: MachineSource::Mrz(record.format),
        document_type,
        first_name: non_empty(&record.given_names),
        middle_names: None,
        last_name: non_empty(&record.surname),
        dob: Some(record.birth_date),
        expiration_date: Some(record.expiry_date),
        issued_date: None,
        issuing_country: countries::alpha3_to_alpha2(record.issuing_state.trim_end_matches('<'))
            .map(str::to_owned),
        number: non_empty(&record.document_number),
        sex: record.sex,
        address: None,
        carried_id_number,
        name_truncated: record.name_truncated,
    })
}
