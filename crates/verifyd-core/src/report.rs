//! The VerificationReport: the immutable record of one processed submission of a session,
//! with a section per check that ran (document, id_number, selfie). Reports are written by
//! processing and only ever change again to be redacted.

use crate::ids::{ReportId, SessionId};
use crate::session::{
    redact_string, string_enum, Address, Date, DocumentOptions, DocumentType, IdNumberType, Sex,
};
use serde::{Deserialize, Serialize};

string_enum!(
    /// `type` of a VerificationReport.
    ReportType {
        Document => "document",
        IdNumber => "id_number",
        VerificationFlow => "verification_flow",
    }
);

impl ReportType {
    /// The values the list endpoint's `type` filter accepts.
    pub const FILTERABLE_NAMES: &'static [&'static str] = &["document", "id_number"];
}

string_enum!(
    /// Outcome of one check.
    CheckStatus {
        Unverified => "unverified",
        Verified => "verified",
    }
);

/// `error` of a check: why it is `unverified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckError {
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// `document` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReport {
    pub status: CheckStatus,
    pub error: Option<CheckError>,
    pub address: Option<Address>,
    pub dob: Option<Date>,
    pub expiration_date: Option<Date>,
    pub files: Option<Vec<String>>,
    pub first_name: Option<String>,
    pub issued_date: Option<Date>,
    pub issuing_country: Option<String>,
    pub last_name: Option<String>,
    pub number: Option<String>,
    pub sex: Option<Sex>,
    #[serde(rename = "type")]
    pub document_type: Option<DocumentType>,
    pub unparsed_place_of_birth: Option<String>,
    pub unparsed_sex: Option<String>,
}

/// `id_number` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumberReport {
    pub status: CheckStatus,
    pub error: Option<CheckError>,
    pub dob: Option<Date>,
    pub first_name: Option<String>,
    pub id_number: Option<String>,
    pub id_number_type: Option<IdNumberType>,
    pub last_name: Option<String>,
}

/// `selfie` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfieReport {
    pub status: CheckStatus,
    pub error: Option<CheckError>,
    pub document: Option<String>,
    pub selfie: Option<String>,
}

/// `email` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailReport {
    pub status: CheckStatus,
    pub error: Option<CheckError>,
    pub email: Option<String>,
}

/// `phone` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneReport {
    pub status: CheckStatus,
    pub error: Option<CheckError>,
    pub phone: Option<String>,
}

/// `options` copied from the session when the report was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    pub document: Option<DocumentOptions>,
    pub id_number: bool,
}

/// A VerificationReport as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationReport {
    pub id: ReportId,
    pub livemode: bool,
    pub created: i64,
    #[serde(rename = "type")]
    pub report_type: ReportType,
    pub verification_session: Option<SessionId>,
    pub client_reference_id: Option<String>,
    pub verification_flow: Option<String>,
    pub options: ReportOptions,
    pub document: Option<DocumentReport>,
    pub id_number: Option<IdNumberReport>,
    pub selfie: Option<SelfieReport>,
    #[serde(default)]
    pub email: Option<EmailReport>,
    #[serde(default)]
    pub phone: Option<PhoneReport>,
}

impl VerificationReport {
    /// Erases the personal data of every section: strings become `[redacted]`, dates
    /// 1 January of year 1, the address keeps only its country.
    pub fn redact(&mut self) {
        if let Some(doc) = &mut self.document {
            if let Some(address) = &mut doc.address {
                address.redact();
            }
            for date in [&mut doc.dob, &mut doc.expiration_date, &mut doc.issued_date] {
                if date.is_some() {
                    *date = Some(Date::redacted());
                }
            }
            for field in [
                &mut doc.first_name,
                &mut doc.last_name,
                &mut doc.number,
                &mut doc.unparsed_place_of_birth,
                &mut doc.unparsed_sex,
            ] {
                redact_string(field);
            }
            if doc.sex.is_some() {
                doc.sex = Some(Sex::Redacted);
            }
        }
        if let Some(idn) = &mut self.id_number {
            if idn.dob.is_some() {
                idn.dob = Some(Date::redacted());
            }
            redact_string(&mut idn.first_name);
            redact_string(&mut idn.last_name);
            redact_string(&mut idn.id_number);
        }
        if let Some(email) = &mut self.email {
            redact_string(&mut email.email);
        }
        if let Some(phone) = &mut self.phone {
            redact_string(&mut phone.phone);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_erases_names_numbers_and_dates_but_keeps_country_and_status() {
        let mut report = VerificationReport {
            id: ReportId::generate(),
            livemode: false,
            created: 1,
            report_type: ReportType::Document,
            verification_session: Some(SessionId::generate()),
            client_reference_id: None,
            verification_flow: None,
            options: ReportOptions::default(),
            document: Some(DocumentReport {
                status: CheckStatus::Verified,
                error: None,
                address: Some(Address {
                    country: Some("US".into()),
                    city: Some("Springfield".into()),
                    ..Default::default()
                }),
                dob: Some(Date::new(1990, 1, 2)),
                expiration_date: None,
                files: Some(vec!["file_1".into()]),
                first_name: Some("Jenny".into()),
                issued_date: None,
                issuing_country: Some("US".into()),
                last_name: Some("Rosen".into()),
                number: Some("D1234567".into()),
                sex: Some(Sex::Female),
                document_type: Some(DocumentType::DrivingLicense),
                unparsed_place_of_birth: None,
                unparsed_sex: None,
            }),
            id_number: Some(IdNumberReport {
                status: CheckStatus::Verified,
                error: None,
                dob: Some(Date::new(1990, 1, 2)),
                first_name: Some("Jenny".into()),
                id_number: Some("1234".into()),
                id_number_type: Some(IdNumberType::UsSsn),
                last_name: None,
            }),
            selfie: None,
            email: None,
            phone: None,
        };
        report.redact();
        let doc = report.document.unwrap();
        assert_eq!(doc.first_name.as_deref(), Some("[redacted]"));
        assert_eq!(doc.number.as_deref(), Some("[redacted]"));
        assert_eq!(doc.dob, Some(Date::redacted()));
        assert_eq!(doc.expiration_date, None);
        assert_eq!(doc.sex, Some(Sex::Redacted));
        assert_eq!(doc.status, CheckStatus::Verified);
        let address = doc.address.unwrap();
        assert_eq!(address.country.as_deref(), Some("US"));
        assert_eq!(address.city.as_deref(), Some("[redacted]"));
        let idn = report.id_number.unwrap();
        assert_eq!(idn.id_number.as_deref(), Some("[redacted]"));
        assert_eq!(idn.last_name, None);
    }
}
