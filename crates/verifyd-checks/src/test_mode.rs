//! Test mode: no check runs. The tester's chosen outcome decides (an upload without a
//! chosen outcome verifies), every check that the session calls for gets a section, and
//! verified data is the synthetic person.

use crate::{apply_failure, synthetic, CheckEngine, CheckResult, Plan};
use verifyd_core::report::{CheckStatus, DocumentReport, IdNumberReport, SelfieReport};
use verifyd_core::session::{
    DocumentType, IdNumberType, LastError, LastErrorCode, Verdict, VerificationSession,
    VerifiedOutputs,
};
use verifyd_core::submission::{Submission, TestOutcome};

#[derive(Debug, Default, Clone, Copy)]
pub struct TestModeEngine;

impl TestModeEngine {
    /// The result of `outcome`, with `outputs` as the verified data when given (the test
    /// helpers let integrators choose them).
    pub fn decide(
        &self,
        session: &VerificationSession,
        submission: &Submission,
        outcome: TestOutcome,
        outputs: Option<VerifiedOutputs>,
    ) -> CheckResult {
        let plan = Plan::for_session(session);
        let outputs =
            outputs.unwrap_or_else(|| synthetic::verified_outputs(plan.document, plan.id_number));
        let document_type = submission.document_type.unwrap_or_else(|| {
            session
                .options
                .document
                .clone()
                .unwrap_or_default()
                .permitted_types()[0]
        });
        let files: Vec<String> = [&submission.document_front, &submission.document_back]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let mut result = CheckResult {
            document: plan.document.then(|| DocumentReport {
                status: CheckStatus::Verified,
                error: None,
                address: outputs.address.clone(),
                dob: outputs.dob,
                expiration_date: Some(synthetic::expiration_date()),
                files: Some(files),
                first_name: outputs.first_name.clone(),
                issued_date: Some(synthetic::issued_date()),
                issuing_country: Some(synthetic::ISSUING_COUNTRY.into()),
                last_name: outputs.last_name.clone(),
                number: Some(synthetic::DOCUMENT_NUMBER.into()),
                sex: outputs.sex,
                document_type: Some(document_type),
                unparsed_place_of_birth: outputs.unparsed_place_of_birth.clone(),
                unparsed_sex: outputs.unparsed_sex.clone(),
            }),
            id_number: plan.id_number.then(|| IdNumberReport {
                status: CheckStatus::Verified,
                error: None,
                dob: outputs.dob,
                first_name: outputs.first_name.clone(),
                id_number: outputs.id_number.clone(),
                id_number_type: outputs.id_number_type.or(Some(IdNumberType::UsSsn)),
                last_name: outputs.last_name.clone(),
            }),
            selfie: plan.selfie.then(|| SelfieReport {
                status: CheckStatus::Verified,
                error: None,
                document: submission.document_front.clone(),
                selfie: submission.selfie.clone(),
            }),
            email: None,
            phone: None,
            verdict: Verdict::Verified(Box::new(outputs)),
        };
        if let TestOutcome::Fail(code) = outcome {
            let error = LastError {
                code: Some(code),
                reason: Some(code.default_reason().into()),
            };
            self.fail(session, &mut result, &error);
        }
        result
    }
}

impl TestModeEngine {
    /// Turns a verified result into the failure `error`, shaping the document section the
    /// way the failure would look (an expired date, a type outside `allowed_types`).
    pub fn fail(&self, session: &VerificationSession, result: &mut CheckResult, error: &LastError) {
        if let Some(d) = &mut result.document {
            match error.code {
                Some(LastErrorCode::DocumentExpired) => {
                    d.expiration_date = Some(synthetic::expired_date());
                }
                Some(LastErrorCode::DocumentTypeNotSupported) => {
                    let permitted = session
                        .options
                        .document
                        .clone()
                        .unwrap_or_default()
                        .permitted_types();
                    d.document_type = DocumentType::ALL
                        .iter()
                        .copied()
                        .find(|t| !permitted.contains(t))
                        .or(d.document_type);
                }
                _ => {}
            }
        }
        apply_failure(result, error, session);
    }
}

impl CheckEngine for TestModeEngine {
    fn check(&self, session: &VerificationSession, submission: &Submission) -> CheckResult {
        let outcome = submission.test_outcome.unwrap_or(TestOutcome::Verified);
        self.decide(session, submission, outcome, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifyd_core::metadata::MetadataUpdate;
    use verifyd_core::session::{DocumentOptions, DocumentOptionsChange, NewSession, SessionType};

    fn session(kind: SessionType, selfie: bool, id_number: bool) -> VerificationSession {
        VerificationSession::create(
            NewSession {
                session_type: Some(kind),
                metadata: MetadataUpdate::default(),
                document_options: Some(DocumentOptionsChange::Merge(DocumentOptions {
                    require_matching_selfie: Some(selfie),
                    require_id_number: Some(id_number),
                    ..Default::default()
                })),
                ..Default::default()
            },
            false,
            0,
        )
        .unwrap()
    }

    #[test]
    fn verified_fills_every_planned_section_with_the_synthetic_person() {
        let s = session(SessionType::Document, true, true);
        let r = TestModeEngine.check(&s, &Submission::default());
        assert_eq!(
            r.document.as_ref().unwrap().first_name.as_deref(),
            Some("Jenny")
        );
        assert_eq!(r.selfie.as_ref().unwrap().status, CheckStatus::Verified);
        assert_eq!(
            r.id_number.as_ref().unwrap().id_number.as_deref(),
            Some("6789")
        );
        match r.verdict {
            Verdict::Verified(out) => {
                assert_eq!(out.last_name.as_deref(), Some("Rosen"));
                assert_eq!(out.id_number_type, Some(IdNumberType::UsSsn));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_failure_marks_its_own_section_and_sets_the_verdict() {
        let s = session(SessionType::Document, true, false);
        let sub = Submission {
            test_outcome: Some(TestOutcome::Fail(LastErrorCode::SelfieFaceMismatch)),
            ..Default::default()
        };
        let r = TestModeEngine.check(&s, &sub);
        assert_eq!(r.document.as_ref().unwrap().status, CheckStatus::Verified);
        let selfie = r.selfie.unwrap();
        assert_eq!(selfie.status, CheckStatus::Unverified);
        assert_eq!(
            selfie.error.unwrap().code.as_deref(),
            Some("selfie_face_mismatch")
        );
        assert!(
            matches!(r.verdict, Verdict::Failed(e) if e.code == Some(LastErrorCode::SelfieFaceMismatch))
        );
    }

    #[test]
    fn id_number_sessions_have_only_an_id_number_section() {
        let s = session(SessionType::IdNumber, false, false);
        let r = TestModeEngine.check(&s, &Submission::default());
        assert!(r.document.is_none() && r.selfie.is_none());
        assert!(r.id_number.is_some());
    }

    #[test]
    fn expired_documents_show_a_past_expiry() {
        let s = session(SessionType::Document, false, false);
        let sub = Submission {
            test_outcome: Some(TestOutcome::Fail(LastErrorCode::DocumentExpired)),
            ..Default::default()
        };
        let d = TestModeEngine.check(&s, &sub).document.unwrap();
        assert_eq!(d.expiration_date, Some(synthetic::expired_date()));
        assert_eq!(d.status, CheckStatus::Unverified);
    }
}
