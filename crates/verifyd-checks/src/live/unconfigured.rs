//! Live mode when the live checkers cannot run (no image reader configured, or its models
//! failed to load): every submission fails with `document_unverified_other` (or
//! `id_number_unverified_other` for ID-number sessions) and a reason saying why. A check
//! that cannot decide never passes.

use crate::{apply_failure, CheckEngine, CheckResult, Plan};
use verifyd_core::report::{CheckStatus, DocumentReport, IdNumberReport, SelfieReport};
use verifyd_core::session::{LastError, LastErrorCode, SessionType, Verdict, VerificationSession};
use verifyd_core::submission::Submission;

pub const NO_LIVE_CHECKER: &str =
    "No live checker is configured on this verifyd server, so the submission could not be verified.";

#[derive(Debug, Default, Clone)]
pub struct UnconfiguredLiveEngine {
    reason: Option<String>,
}

impl UnconfiguredLiveEngine {
    /// `reason` replaces the default explanation (e.g. which model failed to load).
    pub fn new(reason: Option<String>) -> Self {
        Self { reason }
    }
}

impl CheckEngine for UnconfiguredLiveEngine {
    fn check(&self, session: &VerificationSession, submission: &Submission) -> CheckResult {
        let plan = Plan::for_session(session);
        let unverified = CheckStatus::Unverified;
        let files: Vec<String> = [&submission.document_front, &submission.document_back]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let code = if session.session_type == SessionType::IdNumber {
            LastErrorCode::IdNumberUnverifiedOther
        } else {
            LastErrorCode::DocumentUnverifiedOther
        };
        let error = LastError {
            code: Some(code),
            reason: Some(
                self.reason
                    .clone()
                    .unwrap_or_else(|| NO_LIVE_CHECKER.into()),
            ),
        };
        let mut result = CheckResult {
            document: plan.document.then_some(DocumentReport {
                status: unverified,
                error: None,
                address: None,
                dob: None,
                expiration_date: None,
                files: Some(files),
                first_name: None,
                issued_date: None,
                issuing_country: None,
                last_name: None,
                number: None,
                sex: None,
                document_type: submission.document_type,
                unparsed_place_of_birth: None,
                unparsed_sex: None,
            }),
            id_number: plan.id_number.then_some(IdNumberReport {
                status: unverified,
                error: None,
                dob: None,
                first_name: None,
                id_number: None,
                id_number_type: None,
                last_name: None,
            }),
            selfie: plan.selfie.then(|| SelfieReport {
                status: unverified,
                error: None,
                document: submission.document_front.clone(),
                selfie: submission.selfie.clone(),
            }),
            email: None,
            phone: None,
            verdict: Verdict::Failed(error.clone()),
        };
        apply_failure(&mut result, &error, session);
        result
    }
}
