//! The ID number check: the number's kind from its shape (`us_ssn`, `br_cpf`, `sg_nric`),
//! its offline rules (SSN issuance rules, CPF and NRIC/FIN check digits), the holder's
//! name and date of birth (typed for `type=id_number`, from the verified document
//! otherwise), and agreement with a number the document itself carries. What offline rules
//! cannot establish — that the number belongs to this person — is the external
//! verifier's to answer when one is configured.

use super::document::DocumentData;
use super::LivePolicy;
use crate::dates;
use crate::id_numbers::{self, IdNumberKind};
use verifyd_core::report::{CheckStatus, IdNumberReport};
use verifyd_core::session::{Date, LastError, LastErrorCode, SessionType, VerificationSession};
use verifyd_core::submission::Submission;

/// What an external verifier is asked: does this number belong to this person?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumberClaim {
    pub kind: IdNumberKind,
    /// Normalised: digits for SSN and CPF, uppercase for NRIC/FIN.
    pub number: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<Date>,
}

/// The external verifier's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalAnswer {
    /// The records hold this number for this person.
    Match,
    /// The records do not hold this number for this person.
    Mismatch,
    /// The verifier could not answer (error, timeout, bad response): never a pass.
    Unavailable(String),
}

/// An ID number that passed every offline rule, with the person it was checked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CheckedIdNumber {
    pub kind: IdNumberKind,
    pub number: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<Date>,
}

impl CheckedIdNumber {
    /// What the report and `verified_outputs` show: the last 4 digits of an SSN, the whole
    /// number otherwise (as Stripe does).
    pub fn report_number(&self) -> String {
        match self.kind {
            IdNumberKind::UsSsn | IdNumberKind::UsSsnLast4 => id_numbers::last4(&self.number),
            _ => self.number.clone(),
        }
    }

    pub fn fill(&self, section: &mut IdNumberReport) {
        section.status = CheckStatus::Verified;
        section.error = None;
        section.first_name = self.first_name.clone();
        section.last_name = self.last_name.clone();
        section.dob = self.dob;
        section.id_number = Some(self.report_number());
        section.id_number_type = Some(self.kind.report_type());
    }

    pub fn claim(&self) -> IdNumberClaim {
        IdNumberClaim {
            kind: self.kind,
            number: self.number.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            dob: self.dob,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IdNumberFailure {
    pub error: LastError,
    /// The number and person as far as they were established (for the report).
    pub checked: Option<Box<CheckedIdNumber>>,
}

fn fail(code: LastErrorCode, reason: impl Into<String>) -> IdNumberFailure {
    IdNumberFailure {
        error: LastError {
            code: Some(code),
            reason: Some(reason.into()),
        },
        checked: None,
    }
}

fn other(reason: impl Into<String>) -> IdNumberFailure {
    fail(LastErrorCode::IdNumberUnverifiedOther, reason)
}

pub(super) fn check(
    session: &VerificationSession,
    submission: &Submission,
    document: Option<&DocumentData>,
    today: Date,
    policy: &LivePolicy,
) -> Result<CheckedIdNumber, IdNumberFailure> {
    let raw = submission
        .id_number
        .as_deref()
        .ok_or_else(|| other("No ID number was provided."))?;
    let (kind, number) = id_numbers::classify(raw).ok_or_else(|| {
        other("The ID number is not a US Social Security number, a Brazilian CPF or a Singapore NRIC/FIN.")
    })?;
    if kind == IdNumberKind::UsSsnLast4 && !policy.external_id_check_available {
        return Err(other(
            "Only the last 4 digits of a Social Security number were given: without an external verifier a full number is needed.",
        ));
    }
    id_numbers::validate(kind, &number).map_err(|problem| other(format!("{problem}.")))?;

    let (first_name, last_name, dob) = if session.session_type == SessionType::IdNumber {
        (
            submission.first_name.clone(),
            submission.last_name.clone(),
            submission.dob,
        )
    } else {
        let Some(document) = document else {
            return Err(fail(
                LastErrorCode::IdNumberInsufficientDocumentData,
                "The document could not be read, so the ID number could not be matched with it.",
            ));
        };
        (
            document.first_name.clone(),
            document.last_name.clone(),
            document.dob,
        )
    };
    let checked = CheckedIdNumber {
        kind,
        number,
        first_name,
        last_name,
        dob,
    };
    let incomplete = checked.first_name.as_deref().is_none_or(str::is_empty)
        || checked.last_name.as_deref().is_none_or(str::is_empty)
        || checked.dob.as_ref().and_then(dates::complete).is_none();
    if incomplete {
        let (code, reason) = if session.session_type == SessionType::IdNumber {
            (
                LastErrorCode::IdNumberUnverifiedOther,
                "A first name, last name and date of birth are needed to check the ID number.",
            )
        } else {
            (
                LastErrorCode::IdNumberInsufficientDocumentData,
                "The document does not state the name and date of birth needed to check the ID number.",
            )
        };
        return Err(fail(code, reason));
    }
    let dob = checked.dob.unwrap_or_default();
    if dates::before(&dob, &today) != Some(true)
        || dates::age_on(&dob, &today).is_none_or(|age| age > 130)
    {
        return Err(other("The date of birth is not plausible."));
    }
    if session.session_type == SessionType::IdNumber
        && dates::age_on(&dob, &today).is_some_and(|age| age < policy.age_of_majority as i32)
    {
        return Err(IdNumberFailure {
            error: LastError {
                code: Some(LastErrorCode::UnderSupportedAge),
                reason: Some(format!(
                    "The person is under {}, the minimum age for this verification.",
                    policy.age_of_majority
                )),
            },
            checked: None,
        });
    }
    if let (Some(document), Some(carried)) = (
        document,
        document.and_then(|d| d.carried_id_number.as_deref()),
    ) {
        // Compare only with a number of the same kind on a document of the country that
        // issues that kind (an MRZ's optional data may hold something else entirely: a
        // foreign personal number can have a CPF's or an SSN's shape).
        let issued_there = document.issuing_country.as_deref() == Some(checked.kind.country());
        if let Some((carried_kind, carried)) =
            id_numbers::classify(carried).filter(|_| issued_there)
        {
            let same_kind = carried_kind == checked.kind
                || (checked.kind == IdNumberKind::UsSsnLast4
                    && carried_kind == IdNumberKind::UsSsn);
            if same_kind {
                let agrees = if checked.kind == IdNumberKind::UsSsnLast4 {
                    id_numbers::last4(&carried) == checked.number
                } else {
                    carried == checked.number
                };
                if !agrees {
                    return Err(IdNumberFailure {
                        error: LastError {
                            code: Some(LastErrorCode::IdNumberMismatch),
                            reason: Some(
                                "The ID number does not match the one the document carries.".into(),
                            ),
                        },
                        checked: None,
                    });
                }
            }
        }
    }
    Ok(checked)
}

/// The failure an external answer means, if any.
pub(super) fn external_error(answer: &ExternalAnswer, _policy: &LivePolicy) -> Option<LastError> {
    match answer {
        ExternalAnswer::Match => None,
        ExternalAnswer::Mismatch => Some(LastError {
            code: Some(LastErrorCode::IdNumberMismatch),
            reason: Some(
                "The ID number could not be matched with the name and date of birth in the records checked."
                    .into(),
            ),
        }),
        ExternalAnswer::Unavailable(why) => Some(LastError {
            code: Some(LastErrorCode::IdNumberUnverifiedOther),
            reason: Some(format!(
                "The ID number could not be confirmed: the external verifier gave no answer ({why})."
            )),
        }),
    }
}
