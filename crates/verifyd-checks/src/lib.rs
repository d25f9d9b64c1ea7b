//! verifyd-checks: the check engine. One [`CheckEngine`] per mode decides the outcome of a
//! submission and fills the report sections for the checks that ran (document, selfie,
//! ID number). Test mode runs no checks: the tester's chosen outcome decides, with a fixed
//! synthetic person as the verified data. Live mode decides from what the vision layer
//! read in the images (see `live`); a check that cannot decide fails with
//! `*_unverified_other` — never a pass. Also the parsers of what documents carry (AAMVA
//! barcodes, MRZs) and the ID-number rules. Pure functions over domain types: no HTTP, no
//! SQL, no image code, no clock.

pub mod aamva;
pub mod countries;
pub mod dates;
pub mod id_numbers;
pub mod live;
pub mod mrz;
pub mod observation;
pub mod synthetic;
mod test_mode;

pub use live::{
    feedback, selfie, ExternalAnswer, IdNumberClaim, LiveDecision, LiveEngine, LivePolicy,
    Observed, ReadFailure, Reading, UnconfiguredLiveEngine,
};
pub use test_mode::TestModeEngine;

use verifyd_core::ids::ReportId;
use verifyd_core::report::{
    CheckError, CheckStatus, DocumentReport, EmailReport, IdNumberReport, PhoneReport,
    ReportOptions, ReportType, SelfieReport, VerificationReport,
};
use verifyd_core::session::{ErrorSection, LastError, SessionType, Verdict, VerificationSession};
use verifyd_core::submission::Submission;

/// What processing decided: the report sections and the session's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub document: Option<DocumentReport>,
    pub id_number: Option<IdNumberReport>,
    pub selfie: Option<SelfieReport>,
    pub email: Option<EmailReport>,
    pub phone: Option<PhoneReport>,
    pub verdict: Verdict,
}

/// Runs the checks a session calls for on one submission.
pub trait CheckEngine: Send + Sync {
    fn check(&self, session: &VerificationSession, submission: &Submission) -> CheckResult;
}

/// Which checks a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub document: bool,
    pub selfie: bool,
    pub id_number: bool,
}

impl Plan {
    pub fn for_session(session: &VerificationSession) -> Self {
        let doc = session.options.document.clone().unwrap_or_default();
        match session.session_type {
            SessionType::IdNumber => Plan {
                document: false,
                selfie: false,
                id_number: true,
            },
            _ => Plan {
                document: true,
                selfie: doc.requires_matching_selfie(),
                id_number: doc.requires_id_number(),
            },
        }
    }
}

/// The `error` of a failed check for `last_error`.
pub fn check_error(error: &LastError) -> CheckError {
    CheckError {
        code: error.code.map(|c| c.as_str().to_owned()),
        reason: error.reason.clone(),
    }
}

/// Writes a failure into the result's sections: the section the code belongs to becomes
/// `unverified` with the error; a user-session failure (consent, age, country, device,
/// abandoned) marks the primary section unverified with a null code and the reason.
pub fn apply_failure(result: &mut CheckResult, error: &LastError, session: &VerificationSession) {
    let section = error
        .code
        .map(|c| c.section())
        .unwrap_or(ErrorSection::Session);
    let check = check_error(error);
    let primary_is_document = session.session_type != SessionType::IdNumber;
    let unverified = CheckStatus::Unverified;
    match section {
        ErrorSection::Document => {
            if let Some(d) = &mut result.document {
                d.status = unverified;
                d.error = Some(check);
            }
        }
        ErrorSection::Selfie => {
            if let Some(s) = &mut result.selfie {
                s.status = unverified;
                s.error = Some(check);
            }
        }
        ErrorSection::IdNumber => {
            if let Some(i) = &mut result.id_number {
                i.status = unverified;
                i.error = Some(check);
            }
        }
        ErrorSection::Email => {
            result.email = Some(EmailReport {
                status: unverified,
                error: Some(check),
                email: session
                    .provided_details
                    .as_ref()
                    .and_then(|d| d.email.clone()),
            });
        }
        ErrorSection::Phone => {
            result.phone = Some(PhoneReport {
                status: unverified,
                error: Some(check),
                phone: session
                    .provided_details
                    .as_ref()
                    .and_then(|d| d.phone.clone()),
            });
        }
        ErrorSection::Session => {
            let session_error = Some(CheckError {
                code: None,
                reason: error.reason.clone(),
            });
            match (&mut result.document, &mut result.id_number) {
                (Some(d), _) if primary_is_document => {
                    d.status = unverified;
                    d.error = session_error;
                }
                (_, Some(i)) => {
                    i.status = unverified;
                    i.error = session_error;
                }
                (Some(d), None) => {
                    d.status = unverified;
                    d.error = session_error;
                }
                (None, None) => {}
            }
        }
    }
    result.verdict = Verdict::Failed(error.clone());
}

/// The VerificationReport recording `result` for `session`, created at `now_seconds`.
pub fn build_report(
    session: &VerificationSession,
    result: &CheckResult,
    now_seconds: i64,
) -> VerificationReport {
    let plan = Plan::for_session(session);
    let report_type = match session.session_type {
        SessionType::IdNumber => ReportType::IdNumber,
        SessionType::Document => ReportType::Document,
        SessionType::VerificationFlow => ReportType::VerificationFlow,
    };
    VerificationReport {
        id: ReportId::generate(),
        livemode: session.livemode,
        created: now_seconds,
        report_type,
        verification_session: Some(session.id.clone()),
        client_reference_id: session.client_reference_id.clone(),
        verification_flow: session.verification_flow.clone(),
        options: ReportOptions {
            document: plan
                .document
                .then(|| session.options.document.clone().unwrap_or_default()),
            id_number: plan.id_number,
        },
        document: result.document.clone(),
        id_number: result.id_number.clone(),
        selfie: result.selfie.clone(),
        email: result.email.clone(),
        phone: result.phone.clone(),
    }
}
