//! Live mode when the live checkers cannot run (no image reader configured, or its models
//! failed to load): every submission fails with `document_unverified_other` (or
//! `id_number_unverified_other` for ID-number sessions) and a reason saying why. A check
//! that cannot decide never passes.

use super::{close_unreached, skeleton};
use crate::{apply_failure, CheckEngine, CheckResult, Plan};
use verifyd_core::session::{LastError, LastErrorCode, SessionType, VerificationSession};
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
        let mut result = skeleton(session, submission, Plan::for_session(session));
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
        apply_failure(&mut result, &error, session);
        close_unreached(&mut result);
        result
    }
}
