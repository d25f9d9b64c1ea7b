//! What an end user hands in: the in-progress attempt on the hosted page or modal (bound to
//! one browser), and the finished submission that processing checks. Also the outcomes a
//! tester may choose in test mode, and which of them apply to a session.

use crate::session::{string_enum, Date, DocumentType, LastErrorCode, SessionType};
use serde::{Deserialize, Serialize};

string_enum!(
    /// How the end user reached the flow.
    Channel {
        Link => "link",
        Modal => "modal",
    }
);

/// An outcome chosen by a tester in test mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestOutcome {
    Verified,
    /// Verified, after staying in `processing` for a few seconds.
    VerifiedDelayed,
    Fail(LastErrorCode),
}

impl TestOutcome {
    /// Stable name, as used in `data-testid="test-outcome-<name>"`.
    pub fn name(self) -> &'static str {
        match self {
            TestOutcome::Verified => "verified",
            TestOutcome::VerifiedDelayed => "verified_delayed",
            TestOutcome::Fail(code) => code.as_str(),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "verified" => Some(TestOutcome::Verified),
            "verified_delayed" => Some(TestOutcome::VerifiedDelayed),
            other => LastErrorCode::parse(other).map(TestOutcome::Fail),
        }
    }
}

/// The failure codes a tester can choose for a session of this type and options: the
/// document codes for document sessions, selfie codes when a selfie is required, ID number
/// codes when an ID number is checked.
pub fn applicable_failures(
    session_type: SessionType,
    require_matching_selfie: bool,
    require_id_number: bool,
) -> Vec<LastErrorCode> {
    use LastErrorCode::*;
    let mut codes = Vec::new();
    if session_type == SessionType::Document {
        codes.extend([
            DocumentExpired,
            DocumentTypeNotSupported,
            DocumentUnverifiedOther,
        ]);
        if require_matching_selfie {
            codes.extend([
                SelfieDocumentMissingPhoto,
                SelfieFaceMismatch,
                SelfieManipulated,
                SelfieUnverifiedOther,
            ]);
        }
    }
    if session_type == SessionType::IdNumber || require_id_number {
        codes.extend([
            IdNumberInsufficientDocumentData,
            IdNumberMismatch,
            IdNumberUnverifiedOther,
        ]);
    }
    codes
}

/// Everything submitted for one verification attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Test mode only: the outcome the tester picked instead of real documents.
    pub test_outcome: Option<TestOutcome>,
    pub document_type: Option<DocumentType>,
    /// File ids (`file_…`) of the document's front and back.
    pub document_front: Option<String>,
    pub document_back: Option<String>,
    /// File id of the selfie.
    pub selfie: Option<String>,
    /// Whether images came from the in-page camera rather than file uploads.
    pub live_capture: bool,
    pub id_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<Date>,
}

/// A flow in progress on the hosted page or in the modal. It is bound to one browser (the
/// link's cookie) or one modal frame (a secret the frame holds) by a binding secret whose
/// hash is kept here, and protected by a CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub channel: Channel,
    /// SHA-256 (hex) of the binding secret: the link's cookie, or the secret the modal's
    /// frame holds in memory.
    pub binding_hash: String,
    pub csrf_token: String,
    /// When the link or client secret was first opened (milliseconds).
    pub started_at: i64,
    pub consent: bool,
    pub submission: Submission,
    /// Retakes asked for so far in this attempt, per image (live mode's quick checks ask
    /// at most a few times, then let the user through and the worker decide).
    #[serde(default)]
    pub retakes: Retakes,
    /// The language the end user chose for the pages (a BCP 47 tag of one the pages have),
    /// or that the integrator asked for in the modal; `None`: the browser's. Absent in
    /// attempts stored before the pages had languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// How many times an attempt was asked to retake each image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retakes {
    pub front: u8,
    pub back: u8,
    /// Absent in attempts stored before selfies were checked live.
    #[serde(default)]
    pub selfie: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_stored_before_languages_decodes_without_one() {
        let old = serde_json::json!({
            "channel": "link",
            "binding_hash": "h",
            "csrf_token": "c",
            "started_at": 1,
            "consent": false,
            "submission": Submission::default(),
        });
        let attempt: Attempt = serde_json::from_value(old).unwrap();
        assert_eq!(attempt.locale, None);
        let chosen = Attempt {
            locale: Some("fr".to_owned()),
            ..attempt
        };
        let back: Attempt = serde_json::from_str(&serde_json::to_string(&chosen).unwrap()).unwrap();
        assert_eq!(back.locale.as_deref(), Some("fr"));
    }

    #[test]
    fn outcomes_round_trip_through_their_names() {
        for name in ["verified", "verified_delayed", "selfie_face_mismatch"] {
            assert_eq!(TestOutcome::parse(name).unwrap().name(), name);
        }
        assert_eq!(TestOutcome::parse("nope"), None);
    }

    #[test]
    fn applicable_failures_follow_type_and_options() {
        let plain = applicable_failures(SessionType::Document, false, false);
        assert_eq!(plain.len(), 3);
        let all = applicable_failures(SessionType::Document, true, true);
        assert_eq!(all.len(), 10);
        let idn = applicable_failures(SessionType::IdNumber, false, false);
        assert_eq!(
            idn,
            vec![
                LastErrorCode::IdNumberInsufficientDocumentData,
                LastErrorCode::IdNumberMismatch,
                LastErrorCode::IdNumberUnverifiedOther
            ]
        );
    }
}
