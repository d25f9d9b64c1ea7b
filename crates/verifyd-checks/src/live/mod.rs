//! Live mode: Stripe's decisions from what the vision layer saw. The caller (the server's
//! worker) reads each image of a submission through a [`Vision`](crate::observation::Vision)
//! as [`LiveEngine::reading_plan`] asks, off the async runtime and within a time budget,
//! then hands the observations — or why an image could not be read — to
//! [`LiveEngine::decide`], which is pure: document type, machine-readable data (PDF417
//! barcode or MRZ), expiry, age, agreement between the printed front and the machine-
//! readable data, the ID number, and the report sections. A check that cannot decide says
//! so with `*_unverified_other` and a reason; it never passes.
//!
//! Matching an ID number against government records cannot be done offline: when an
//! operator configures an external verifier, `decide` returns the claim to send it and
//! [`LiveEngine::apply_external`] folds its answer in.

mod document;
pub mod feedback;
mod front;
mod id_number;
pub mod selfie;
#[cfg(test)]
mod tests;
mod unconfigured;

pub use document::DocumentData;
pub use id_number::{ExternalAnswer, IdNumberClaim};
pub use unconfigured::UnconfiguredLiveEngine;

use crate::observation::{ImageObservation, Side, VisionError, Wanted};
use crate::{apply_failure, check_error, CheckResult, Plan};
use verifyd_core::report::{CheckStatus, DocumentReport, IdNumberReport, SelfieReport};
use verifyd_core::session::{
    Date, DocumentType, LastError, LastErrorCode, SessionType, Verdict, VerificationSession,
    VerifiedOutputs,
};
use verifyd_core::submission::Submission;

/// The operator's settings for live decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePolicy {
    /// Holders younger than this fail with `under_supported_age` (default 18).
    pub age_of_majority: u32,
    /// Whether an ID number must be confirmed by the external verifier to pass (without
    /// one, a number that passes every offline rule is verified).
    pub require_external_id_check: bool,
    /// Whether an external verifier is configured at all.
    pub external_id_check_available: bool,
}

impl Default for LivePolicy {
    fn default() -> Self {
        Self {
            age_of_majority: 18,
            require_external_id_check: false,
            external_id_check_available: false,
        }
    }
}

/// Why an image of the submission has no observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    /// The vision layer refused the image (undecodable, too small, too large) or ran out
    /// of its own deadline.
    Vision(VisionError),
    /// The reader did not return within its time budget.
    TimedOut,
    /// The reader failed unexpectedly (it panicked or its worker died).
    Crashed,
    /// The file's contents are gone (erased) or were never stored.
    Missing,
}

impl ReadFailure {
    fn reason(&self, what: &str) -> String {
        match self {
            ReadFailure::Vision(VisionError::DeadlineExceeded) | ReadFailure::TimedOut => {
                format!("The {what} could not be checked within the time allowed.")
            }
            ReadFailure::Vision(VisionError::Undecodable) => {
                format!("The image of the {what} could not be decoded.")
            }
            ReadFailure::Vision(VisionError::TooSmall { .. }) => {
                format!("The image of the {what} is too small to read.")
            }
            ReadFailure::Vision(VisionError::TooLarge { .. }) => {
                format!("The image of the {what} has too many pixels to be processed.")
            }
            ReadFailure::Vision(VisionError::Unavailable(_)) => format!(
                "The {what} could not be checked: the image reader is unavailable on this server."
            ),
            ReadFailure::Crashed => {
                format!("The {what} could not be checked because the checker failed.")
            }
            ReadFailure::Missing => format!("The image of the {what} is missing."),
        }
    }
}

/// What was read from one image, or why nothing was.
pub type Reading = Result<ImageObservation, ReadFailure>;

/// The readings of a submission's images.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    pub front: Option<Reading>,
    pub back: Option<Reading>,
    pub selfie: Option<Reading>,
    /// Whether a closer look was taken (there is at most one round of them).
    pub closer_looked: bool,
}

impl Observed {
    /// Adds a closer look at `side` to its usual reading: the closer look's text lines
    /// follow the usual ones, and its MRZ readings become other readings of the zone,
    /// tried after the usual one. A closer look that failed adds nothing; nothing the
    /// usual reading saw is replaced.
    pub fn add_closer_look(&mut self, side: Side, closer: Reading) {
        self.closer_looked = true;
        let slot = match side {
            Side::Front => &mut self.front,
            Side::Back => &mut self.back,
            Side::Selfie => &mut self.selfie,
        };
        let (Some(Ok(usual)), Ok(closer)) = (slot.as_mut(), closer) else {
            return;
        };
        if let Some(lines) = closer.text {
            usual.text.get_or_insert_with(Vec::new).extend(lines);
        }
        usual.other_mrz_readings.extend(closer.mrz);
        usual.other_mrz_readings.extend(closer.other_mrz_readings);
    }
}

/// What `decide` concluded: the result, and — when an ID number passed every offline rule
/// and an external verifier is configured — the claim to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveDecision {
    pub result: CheckResult,
    pub external_claim: Option<IdNumberClaim>,
    /// When the document failed in a way a closer look at some images might change (and
    /// none was taken yet): what to read again, with `closer_look` set. The caller reads
    /// them, adds them with [`Observed::add_closer_look`] and decides again; the result
    /// above stands otherwise.
    pub closer_look: Vec<(Side, Wanted)>,
}

/// The live check engine. Cheap to build; holds only the policy.
#[derive(Debug, Clone, Default)]
pub struct LiveEngine {
    pub policy: LivePolicy,
}

impl LiveEngine {
    pub fn new(policy: LivePolicy) -> Self {
        Self { policy }
    }

    /// Which images to read and what to look for in each. Every document type is read for
    /// a barcode or an MRZ on the side where it may carry one, and for printed text on the
    /// front; a back is also searched for an MRZ (TD1 ID cards carry it there). With a
    /// matching selfie required, the front is also searched for the portrait and the
    /// selfie for the face.
    pub fn reading_plan(
        session: &VerificationSession,
        submission: &Submission,
    ) -> Vec<(Side, Wanted)> {
        let plan = Plan::for_session(session);
        if !plan.document {
            return Vec::new();
        }
        let mut reads = Vec::new();
        if submission.document_front.is_some() {
            reads.push((
                Side::Front,
                Wanted {
                    barcode: false,
                    mrz: true,
                    text: true,
                    faces: plan.selfie,
                    closer_look: false,
                },
            ));
        }
        if submission.document_back.is_some() {
            reads.push((
                Side::Back,
                Wanted {
                    barcode: true,
                    mrz: true,
                    text: false,
                    faces: false,
                    closer_look: false,
                },
            ));
        }
        if plan.selfie && submission.selfie.is_some() {
            reads.push((
                Side::Selfie,
                Wanted {
                    faces: true,
                    ..Wanted::default()
                },
            ));
        }
        reads
    }

    /// Decides a submission from what was read. `today` is the processing date.
    pub fn decide(
        &self,
        session: &VerificationSession,
        submission: &Submission,
        observed: &Observed,
        today: Date,
    ) -> LiveDecision {
        let plan = Plan::for_session(session);
        let mut result = skeleton(session, submission, plan);
        let mut outputs = VerifiedOutputs::default();

        let mut document_data = None;
        if plan.document {
            match document::check(session, submission, observed, today, &self.policy) {
                Ok(data) => {
                    fill_document_section(&mut result, &data);
                    outputs.first_name = data.first_name.clone();
                    outputs.last_name = data.last_name.clone();
                    outputs.dob = data.dob;
                    outputs.address = data.address.clone();
                    outputs.sex = data.sex;
                    document_data = Some(data);
                }
                Err(failure) => {
                    if let Some(data) = &failure.data {
                        fill_document_section(&mut result, data);
                    }
                    apply_failure(&mut result, &failure.error, session);
                    close_unreached(&mut result);
                    return LiveDecision {
                        result,
                        external_claim: None,
                        closer_look: failure.closer_look,
                    };
                }
            }
        }

        let mut external_claim = None;
        if plan.id_number {
            match id_number::check(
                session,
                submission,
                document_data.as_ref(),
                today,
                &self.policy,
            ) {
                Ok(checked) => {
                    if let Some(section) = &mut result.id_number {
                        checked.fill(section);
                    }
                    outputs.id_number = Some(checked.report_number());
                    outputs.id_number_type = Some(checked.kind.report_type());
                    if !plan.document {
                        outputs.first_name = checked.first_name.clone();
                        outputs.last_name = checked.last_name.clone();
                        outputs.dob = checked.dob;
                    }
                    if self.policy.external_id_check_available {
                        external_claim = Some(checked.claim());
                    }
                }
                Err(failure) => {
                    if let (Some(section), Some(checked)) =
                        (&mut result.id_number, failure.checked.as_ref())
                    {
                        checked.fill(section);
                    }
                    apply_failure(&mut result, &failure.error, session);
                    close_unreached(&mut result);
                    return LiveDecision {
                        result,
                        external_claim: None,
                        closer_look: Vec::new(),
                    };
                }
            }
        }

        if plan.selfie {
            match selfie::check(
                observed.front.as_ref(),
                observed.selfie.as_ref(),
                &selfie::SelfieLimits::default(),
            ) {
                Ok(()) => {
                    if let Some(section) = &mut result.selfie {
                        section.status = CheckStatus::Verified;
                        section.error = None;
                    }
                }
                Err(error) => {
                    apply_failure(&mut result, &error, session);
                    close_unreached(&mut result);
                    return LiveDecision {
                        result,
                        external_claim: None,
                        closer_look: Vec::new(),
                    };
                }
            }
        }

        result.verdict = Verdict::Verified(Box::new(outputs));
        if external_claim.is_none() && plan.id_number && self.policy.require_external_id_check {
            // Mandatory external confirmation without a verifier: never a pass.
            let error = LastError {
                code: Some(LastErrorCode::IdNumberUnverifiedOther),
                reason: Some(
                    "The ID number could not be confirmed: this server requires an external verifier and none is configured."
                        .into(),
                ),
            };
            apply_failure(&mut result, &error, session);
        }
        LiveDecision {
            result,
            external_claim,
            closer_look: Vec::new(),
        }
    }

    /// Folds the external verifier's answer into a decision whose ID number passed every
    /// offline rule.
    pub fn apply_external(
        &self,
        session: &VerificationSession,
        decision: &mut LiveDecision,
        answer: &ExternalAnswer,
    ) {
        if let Some(error) = id_number::external_error(answer, &self.policy) {
            apply_failure(&mut decision.result, &error, session);
        }
    }
}

/// Why a report section says `unverified` when an earlier check failed before it ran.
const NOT_CHECKED: &str = "Not checked: an earlier check of this verification failed.";

/// Gives every section that an earlier failure kept from being checked its own
/// `*_unverified_other` error, so that no unverified section is left without one.
fn close_unreached(result: &mut CheckResult) {
    let not_checked = |code| {
        check_error(&LastError {
            code: Some(code),
            reason: Some(NOT_CHECKED.into()),
        })
    };
    if let Some(d) = &mut result.document {
        if d.status == CheckStatus::Unverified && d.error.is_none() {
            d.error = Some(not_checked(LastErrorCode::DocumentUnverifiedOther));
        }
    }
    if let Some(i) = &mut result.id_number {
        if i.status == CheckStatus::Unverified && i.error.is_none() {
            i.error = Some(not_checked(LastErrorCode::IdNumberUnverifiedOther));
        }
    }
    if let Some(s) = &mut result.selfie {
        if s.status == CheckStatus::Unverified && s.error.is_none() {
            s.error = Some(not_checked(LastErrorCode::SelfieUnverifiedOther));
        }
    }
}

/// The report sections a session's plan calls for, all unverified until their check passes.
fn skeleton(session: &VerificationSession, submission: &Submission, plan: Plan) -> CheckResult {
    let files: Vec<String> = [&submission.document_front, &submission.document_back]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let unverified = CheckStatus::Unverified;
    CheckResult {
        document: plan.document.then(|| DocumentReport {
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
            document_type: expected_type(session, submission),
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
        verdict: Verdict::Failed(LastError {
            code: Some(if session.session_type == SessionType::IdNumber {
                LastErrorCode::IdNumberUnverifiedOther
            } else {
                LastErrorCode::DocumentUnverifiedOther
            }),
            reason: None,
        }),
    }
}

/// Writes what the document said into its section and marks it verified.
fn fill_document_section(result: &mut CheckResult, data: &DocumentData) {
    if let Some(section) = &mut result.document {
        section.status = CheckStatus::Verified;
        section.error = None;
        section.first_name = data.first_name.clone();
        section.last_name = data.last_name.clone();
        section.dob = data.dob;
        section.expiration_date = data.expiration_date;
        section.issued_date = data.issued_date;
        section.issuing_country = data.issuing_country.clone();
        section.number = data.number.clone();
        section.sex = data.sex;
        section.address = data.address.clone();
        section.document_type = Some(data.document_type);
    }
}

/// The document type a session expects when the user chose none (only one permitted).
pub fn expected_type(
    session: &VerificationSession,
    submission: &Submission,
) -> Option<DocumentType> {
    submission.document_type.or_else(|| {
        let permitted = session
            .options
            .document
            .clone()
            .unwrap_or_default()
            .permitted_types();
        (permitted.len() == 1).then(|| permitted[0])
    })
}
