//! Which steps an end user goes through, from the session's type and options, and where an
//! attempt stands: consent, document type (only when more than one type is allowed), the
//! document's front and back (a passport has one page), a selfie, an ID number, or — for
//! `type=id_number` — name, date of birth and ID number; then review. Pure: no I/O.

use verifyd_checks::Plan;
use verifyd_core::session::{DocumentType, LastErrorCode, SessionType, VerificationSession};
use verifyd_core::submission::{applicable_failures, Attempt, Submission};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Consent,
    DocumentType,
    Front,
    Back,
    Selfie,
    IdNumber,
    Details,
    Review,
}

impl Step {
    /// The step's name in URLs (`?step=front`).
    pub fn slug(self) -> &'static str {
        match self {
            Step::Consent => "consent",
            Step::DocumentType => "document-type",
            Step::Front => "front",
            Step::Back => "back",
            Step::Selfie => "selfie",
            Step::IdNumber => "id-number",
            Step::Details => "details",
            Step::Review => "review",
        }
    }

    pub fn parse(slug: &str) -> Option<Step> {
        [
            Step::Consent,
            Step::DocumentType,
            Step::Front,
            Step::Back,
            Step::Selfie,
            Step::IdNumber,
            Step::Details,
            Step::Review,
        ]
        .into_iter()
        .find(|s| s.slug() == slug)
    }
}

/// An image a step collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Front,
    Back,
    Selfie,
}

impl Slot {
    pub fn parse(name: &str) -> Option<Slot> {
        match name {
            "front" => Some(Slot::Front),
            "back" => Some(Slot::Back),
            "selfie" => Some(Slot::Selfie),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Slot::Front => "front",
            Slot::Back => "back",
            Slot::Selfie => "selfie",
        }
    }

    pub fn step(self) -> Step {
        match self {
            Slot::Front => Step::Front,
            Slot::Back => Step::Back,
            Slot::Selfie => Step::Selfie,
        }
    }

    /// The file id currently held for this slot.
    pub fn file(self, submission: &Submission) -> Option<&str> {
        match self {
            Slot::Front => submission.document_front.as_deref(),
            Slot::Back => submission.document_back.as_deref(),
            Slot::Selfie => submission.selfie.as_deref(),
        }
    }

    pub fn file_mut(self, submission: &mut Submission) -> &mut Option<String> {
        match self {
            Slot::Front => &mut submission.document_front,
            Slot::Back => &mut submission.document_back,
            Slot::Selfie => &mut submission.selfie,
        }
    }
}

/// What a session asks of the end user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowPlan {
    /// A document session (otherwise `type=id_number`: details only).
    pub document: bool,
    pub permitted: Vec<DocumentType>,
    pub selfie: bool,
    pub id_number: bool,
    pub live_capture: bool,
}

impl FlowPlan {
    pub fn for_session(session: &VerificationSession) -> Self {
        let plan = Plan::for_session(session);
        let options = session.options.document.clone().unwrap_or_default();
        Self {
            document: plan.document,
            permitted: options.permitted_types(),
            selfie: plan.selfie,
            id_number: plan.id_number,
            live_capture: plan.document && options.requires_live_capture(),
        }
    }

    /// The document type in effect: the one chosen, or the only one allowed.
    pub fn document_type(&self, submission: &Submission) -> Option<DocumentType> {
        submission
            .document_type
            .or(match self.permitted.as_slice() {
                [only] => Some(*only),
                _ => None,
            })
    }

    /// The steps, in order, for an attempt whose submission is `submission` (the back of
    /// the document disappears once a passport is chosen).
    pub fn steps(&self, submission: &Submission) -> Vec<Step> {
        let mut steps = vec![Step::Consent];
        if self.document {
            if self.permitted.len() > 1 {
                steps.push(Step::DocumentType);
            }
            steps.push(Step::Front);
            if self.document_type(submission) != Some(DocumentType::Passport) {
                steps.push(Step::Back);
            }
            if self.selfie {
                steps.push(Step::Selfie);
            }
            if self.id_number {
                steps.push(Step::IdNumber);
            }
        } else {
            steps.push(Step::Details);
        }
        steps.push(Step::Review);
        steps
    }

    pub fn is_done(&self, step: Step, attempt: &Attempt) -> bool {
        let s = &attempt.submission;
        match step {
            Step::Consent => attempt.consent,
            Step::DocumentType => self.document_type(s).is_some(),
            Step::Front => s.document_front.is_some(),
            Step::Back => s.document_back.is_some(),
            Step::Selfie => s.selfie.is_some(),
            Step::IdNumber => s.id_number.is_some(),
            Step::Details => {
                s.first_name.is_some()
                    && s.last_name.is_some()
                    && s.dob.is_some()
                    && s.id_number.is_some()
            }
            Step::Review => false,
        }
    }

    /// The first step not yet done (review once everything is).
    pub fn current(&self, attempt: &Attempt) -> Step {
        self.steps(&attempt.submission)
            .into_iter()
            .find(|&step| !self.is_done(step, attempt))
            .unwrap_or(Step::Review)
    }

    /// Whether `step` may be shown: it belongs to this flow and every step before it is done.
    pub fn reachable(&self, step: Step, attempt: &Attempt) -> bool {
        for s in self.steps(&attempt.submission) {
            if s == step {
                return true;
            }
            if !self.is_done(s, attempt) {
                return false;
            }
        }
        false
    }

    /// The failures a tester may choose as the outcome (test mode): those that apply to
    /// what this plan checks.
    pub fn test_failures(&self) -> Vec<LastErrorCode> {
        let session_type = if self.document {
            SessionType::Document
        } else {
            SessionType::IdNumber
        };
        applicable_failures(session_type, self.selfie, self.id_number)
    }

    /// `(position, count)` of `step` for "Step n of m", consent excluded from neither.
    pub fn position(&self, step: Step, submission: &Submission) -> (usize, usize) {
        let steps = self.steps(submission);
        let index = steps.iter().position(|&s| s == step).unwrap_or(0);
        (index + 1, steps.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifyd_core::session::DocumentOptions;
    use verifyd_core::submission::Channel;

    fn plan(types: Option<Vec<DocumentType>>, selfie: bool, idn: bool) -> FlowPlan {
        let new = verifyd_core::session::NewSession {
            session_type: Some(SessionType::Document),
            document_options: Some(verifyd_core::session::DocumentOptionsChange::Merge(
                DocumentOptions {
                    allowed_types: types,
                    require_id_number: Some(idn),
                    require_live_capture: None,
                    require_matching_selfie: Some(selfie),
                },
            )),
            ..Default::default()
        };
        FlowPlan::for_session(&VerificationSession::create(new, false, 0).unwrap())
    }

    fn attempt() -> Attempt {
        Attempt {
            channel: Channel::Link,
            binding_hash: String::new(),
            csrf_token: String::new(),
            started_at: 0,
            consent: true,
            submission: Submission::default(),
            retakes: Default::default(),
            locale: None,
        }
    }

    #[test]
    fn a_passport_only_session_has_no_type_choice_and_no_back() {
        let p = plan(Some(vec![DocumentType::Passport]), false, false);
        assert_eq!(
            p.steps(&Submission::default()),
            vec![Step::Consent, Step::Front, Step::Review]
        );
    }

    #[test]
    fn every_option_adds_its_step() {
        let p = plan(None, true, true);
        assert_eq!(
            p.steps(&Submission::default()),
            vec![
                Step::Consent,
                Step::DocumentType,
                Step::Front,
                Step::Back,
                Step::Selfie,
                Step::IdNumber,
                Step::Review
            ]
        );
    }

    #[test]
    fn steps_are_reachable_only_in_order() {
        let p = plan(None, false, false);
        let mut a = attempt();
        assert_eq!(p.current(&a), Step::DocumentType);
        assert!(!p.reachable(Step::Front, &a));
        a.submission.document_type = Some(DocumentType::IdCard);
        assert_eq!(p.current(&a), Step::Front);
        a.submission.document_front = Some("file_1".into());
        a.submission.document_back = Some("file_2".into());
        assert_eq!(p.current(&a), Step::Review);
        assert!(p.reachable(Step::Front, &a));
        assert!(!p.reachable(Step::Selfie, &a));
    }
}
