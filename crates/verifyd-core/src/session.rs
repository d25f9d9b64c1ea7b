//! The VerificationSession aggregate and its status machine.
//!
//! `requires_input` → (submit) → `processing` → `verified` | `requires_input` (with
//! `last_error`); `cancel` only from `requires_input`; `redact` from `requires_input` (which
//! also cancels) or `verified`, never while `processing`; a redacted session accepts no
//! further writes. `client_secret` and `url` exist only in `requires_input`, expire (24 h and
//! 48 h) and are re-minted on retrieval once used or expired. Nothing here renders JSON or
//! touches storage: the server renders, the store persists this struct as it is.

use crate::ids::{random_base62, ReportId, SessionId};
use crate::metadata::{Metadata, MetadataError, MetadataUpdate};
use crate::submission::{Attempt, Channel, Submission};
use serde::{Deserialize, Serialize};

/// `client_secret` lifetime: 24 hours.
pub const CLIENT_SECRET_TTL_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// `url` lifetime: 48 hours.
pub const URL_TTL_MILLIS: i64 = 48 * 60 * 60 * 1000;
/// What redacted strings read.
pub const REDACTED: &str = "[redacted]";

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's wire name.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// `status` of a VerificationSession.
    SessionStatus {
        Canceled => "canceled",
        Processing => "processing",
        RequiresInput => "requires_input",
        Verified => "verified",
    }
);

string_enum!(
    /// `type` of a VerificationSession. `verification_flow` is response-only.
    SessionType {
        Document => "document",
        IdNumber => "id_number",
        VerificationFlow => "verification_flow",
    }
);

impl SessionType {
    /// The values a caller may pass as `type` on create and update.
    pub const SETTABLE_NAMES: &'static [&'static str] = &["document", "id_number"];
}

string_enum!(
    /// An identity document type (`options.document.allowed_types[]`).
    DocumentType {
        DrivingLicense => "driving_license",
        IdCard => "id_card",
        Passport => "passport",
    }
);

string_enum!(
    /// `last_error.code`: why a session is back in `requires_input`.
    LastErrorCode {
        Abandoned => "abandoned",
        ConsentDeclined => "consent_declined",
        CountryNotSupported => "country_not_supported",
        DeviceNotSupported => "device_not_supported",
        DocumentExpired => "document_expired",
        DocumentTypeNotSupported => "document_type_not_supported",
        DocumentUnverifiedOther => "document_unverified_other",
        EmailUnverifiedOther => "email_unverified_other",
        EmailVerificationDeclined => "email_verification_declined",
        IdNumberInsufficientDocumentData => "id_number_insufficient_document_data",
        IdNumberMismatch => "id_number_mismatch",
        IdNumberUnverifiedOther => "id_number_unverified_other",
        PhoneUnverifiedOther => "phone_unverified_other",
        PhoneVerificationDeclined => "phone_verification_declined",
        SelfieDocumentMissingPhoto => "selfie_document_missing_photo",
        SelfieFaceMismatch => "selfie_face_mismatch",
        SelfieManipulated => "selfie_manipulated",
        SelfieUnverifiedOther => "selfie_unverified_other",
        UnderSupportedAge => "under_supported_age",
    }
);

impl LastErrorCode {
    /// A human-readable reason for the code, as shown in `last_error.reason`.
    pub fn default_reason(self) -> &'static str {
        use LastErrorCode::*;
        match self {
            Abandoned => "The user started the verification but did not submit it.",
            ConsentDeclined => "The user declined to give consent for the verification.",
            CountryNotSupported => "Verifications from the user's country are not supported.",
            DeviceNotSupported => "The user's device has no camera or camera access was denied.",
            DocumentExpired => "The document is expired.",
            DocumentTypeNotSupported => {
                "The provided document type is not allowed for this verification."
            }
            DocumentUnverifiedOther => "The document could not be verified.",
            EmailUnverifiedOther => "The email address could not be verified.",
            EmailVerificationDeclined => "The user could not verify the email address.",
            IdNumberInsufficientDocumentData => {
                "The document did not contain enough data to match the ID number."
            }
            IdNumberMismatch => "The information provided could not be matched with the ID number.",
            IdNumberUnverifiedOther => "The ID number could not be verified.",
            PhoneUnverifiedOther => "The phone number could not be verified.",
            PhoneVerificationDeclined => "The user could not verify the phone number.",
            SelfieDocumentMissingPhoto => "The document does not contain a photo of a face.",
            SelfieFaceMismatch => "The selfie does not match the face on the document.",
            SelfieManipulated => "The selfie appears to have been manipulated.",
            SelfieUnverifiedOther => "The selfie could not be verified.",
            UnderSupportedAge => "The user is below the supported age.",
        }
    }

    /// The report section a code belongs to.
    pub fn section(self) -> ErrorSection {
        use LastErrorCode::*;
        match self {
            DocumentExpired | DocumentTypeNotSupported | DocumentUnverifiedOther => {
                ErrorSection::Document
            }
            SelfieDocumentMissingPhoto
            | SelfieFaceMismatch
            | SelfieManipulated
            | SelfieUnverifiedOther => ErrorSection::Selfie,
            IdNumberInsufficientDocumentData | IdNumberMismatch | IdNumberUnverifiedOther => {
                ErrorSection::IdNumber
            }
            EmailUnverifiedOther | EmailVerificationDeclined => ErrorSection::Email,
            PhoneUnverifiedOther | PhoneVerificationDeclined => ErrorSection::Phone,
            Abandoned | ConsentDeclined | CountryNotSupported | DeviceNotSupported
            | UnderSupportedAge => ErrorSection::Session,
        }
    }
}

/// Where a `last_error.code` is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSection {
    Document,
    Selfie,
    IdNumber,
    Email,
    Phone,
    /// A user-session failure, not the failure of one check.
    Session,
}

string_enum!(
    /// `verified_outputs.id_number_type` and `id_number.id_number_type`.
    IdNumberType {
        BrCpf => "br_cpf",
        SgNric => "sg_nric",
        UsSsn => "us_ssn",
    }
);

string_enum!(
    /// `sex` on verified outputs and document reports.
    Sex {
        Redacted => "[redacted]",
        Female => "female",
        Male => "male",
        Unknown => "unknown",
    }
);

string_enum!(
    /// `redaction.status`.
    RedactionStatus {
        Processing => "processing",
        Redacted => "redacted",
    }
);

/// `options.document`. Each field is `None` until the caller sets it, so the API echoes
/// back exactly what was set, as Stripe does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentOptions {
    pub allowed_types: Option<Vec<DocumentType>>,
    pub require_id_number: Option<bool>,
    pub require_live_capture: Option<bool>,
    pub require_matching_selfie: Option<bool>,
}

impl DocumentOptions {
    /// Leaf-level merge: fields present in `patch` replace ours (arrays as a whole).
    pub fn merge(&mut self, patch: &DocumentOptions) {
        if patch.allowed_types.is_some() {
            self.allowed_types = patch.allowed_types.clone();
        }
        if patch.require_id_number.is_some() {
            self.require_id_number = patch.require_id_number;
        }
        if patch.require_live_capture.is_some() {
            self.require_live_capture = patch.require_live_capture;
        }
        if patch.require_matching_selfie.is_some() {
            self.require_matching_selfie = patch.require_matching_selfie;
        }
    }

    pub fn requires_id_number(&self) -> bool {
        self.require_id_number.unwrap_or(false)
    }

    pub fn requires_live_capture(&self) -> bool {
        self.require_live_capture.unwrap_or(false)
    }

    pub fn requires_matching_selfie(&self) -> bool {
        self.require_matching_selfie.unwrap_or(false)
    }

    /// The document types the end user may present (all of them when none were listed).
    pub fn permitted_types(&self) -> Vec<DocumentType> {
        match &self.allowed_types {
            Some(types) if !types.is_empty() => types.clone(),
            _ => DocumentType::ALL.to_vec(),
        }
    }
}

/// The session's `options`. Only `document` is settable through the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOptions {
    pub document: Option<DocumentOptions>,
}

/// A change to `options.document`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentOptionsChange {
    /// `options[document]=`: remove the document options.
    Clear,
    /// Merge these fields into the document options.
    Merge(DocumentOptions),
}

/// `provided_details`: contact details the integrator supplied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidedDetails {
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl ProvidedDetails {
    pub fn merge(&mut self, patch: &ProvidedDetails) {
        if patch.email.is_some() {
            self.email = patch.email.clone();
        }
        if patch.phone.is_some() {
            self.phone = patch.phone.clone();
        }
    }
}

/// `related_person`: tokens of a Connect account and one of its Persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedPerson {
    pub account: String,
    pub person: String,
}

/// `last_error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    pub code: Option<LastErrorCode>,
    pub reason: Option<String>,
}

/// A postal address; every part may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub city: Option<String>,
    pub country: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postal_code: Option<String>,
    pub state: Option<String>,
}

impl Address {
    /// Every part becomes `[redacted]` except the country, which Stripe keeps.
    pub fn redact(&mut self) {
        for part in [
            &mut self.city,
            &mut self.line1,
            &mut self.line2,
            &mut self.postal_code,
            &mut self.state,
        ] {
            redact_string(part);
        }
    }
}

/// A calendar date whose parts may be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Date {
    pub day: Option<u32>,
    pub month: Option<u32>,
    pub year: Option<i32>,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Self {
        Self {
            day: Some(day),
            month: Some(month),
            year: Some(year),
        }
    }

    /// What a redacted date reads: 1 January of year 1.
    pub fn redacted() -> Self {
        Self::new(1, 1, 1)
    }
}

/// Replace a present string with the redaction placeholder; absent stays absent.
pub fn redact_string(value: &mut Option<String>) {
    if value.is_some() {
        *value = Some(REDACTED.to_owned());
    }
}

/// `verified_outputs`: the verified data of the person, set when the session is verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedOutputs {
    pub address: Option<Address>,
    pub dob: Option<Date>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub id_number: Option<String>,
    pub id_number_type: Option<IdNumberType>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub sex: Option<Sex>,
    pub unparsed_place_of_birth: Option<String>,
    pub unparsed_sex: Option<String>,
}

impl VerifiedOutputs {
    pub fn redact(&mut self) {
        if let Some(address) = &mut self.address {
            address.redact();
        }
        if self.dob.is_some() {
            self.dob = Some(Date::redacted());
        }
        for field in [
            &mut self.email,
            &mut self.first_name,
            &mut self.id_number,
            &mut self.last_name,
            &mut self.phone,
            &mut self.unparsed_place_of_birth,
            &mut self.unparsed_sex,
        ] {
            redact_string(field);
        }
        self.id_number_type = None;
        if self.sex.is_some() {
            self.sex = Some(Sex::Redacted);
        }
    }
}

/// `redaction`: present once a redaction was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub status: RedactionStatus,
}

/// The short-lived credentials handed to the end user's browser. Held only while the
/// session is in `requires_input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSecrets {
    pub client_secret: String,
    pub client_secret_issued_at: i64,
    pub client_secret_used: bool,
    pub url_token: String,
    pub url_issued_at: i64,
    pub url_used: bool,
}

impl SessionSecrets {
    fn mint(id: &SessionId, livemode: bool, now_millis: i64) -> Self {
        Self {
            client_secret: mint_client_secret(id, livemode),
            client_secret_issued_at: now_millis,
            client_secret_used: false,
            url_token: mint_url_token(),
            url_issued_at: now_millis,
            url_used: false,
        }
    }

    pub fn client_secret_valid(&self, now_millis: i64) -> bool {
        !self.client_secret_used
            && now_millis < self.client_secret_issued_at + CLIENT_SECRET_TTL_MILLIS
    }

    pub fn url_valid(&self, now_millis: i64) -> bool {
        !self.url_used && now_millis < self.url_issued_at + URL_TTL_MILLIS
    }
}

fn mint_client_secret(id: &SessionId, livemode: bool) -> String {
    let mode = if livemode { "live" } else { "test" };
    format!("{id}_secret_{mode}_{}", random_base62(32))
}

fn mint_url_token() -> String {
    random_base62(40)
}

/// What a caller asked for when creating a session, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSession {
    pub session_type: Option<SessionType>,
    pub client_reference_id: Option<String>,
    pub metadata: MetadataUpdate,
    pub document_options: Option<DocumentOptionsChange>,
    pub provided_details: Option<ProvidedDetails>,
    pub related_customer: Option<String>,
    pub related_customer_account: Option<String>,
    pub related_person: Option<RelatedPerson>,
    pub return_url: Option<String>,
}

/// What a caller asked to change on update, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionUpdate {
    pub session_type: Option<SessionType>,
    pub metadata: Option<MetadataUpdate>,
    pub document_options: Option<DocumentOptionsChange>,
    pub provided_details: Option<ProvidedDetails>,
}

/// Why an operation is refused in the session's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionStateError {
    #[error("This VerificationSession has been redacted and can no longer be updated or used.")]
    Redacted,
    #[error("You cannot update this VerificationSession because it has a status of {0}. Only a VerificationSession with a status of requires_input can be updated.")]
    NotUpdatable(SessionStatus),
    #[error("You cannot cancel this VerificationSession because it has a status of {0}. Only a VerificationSession with a status of requires_input can be canceled.")]
    NotCancelable(SessionStatus),
    #[error("You cannot redact this VerificationSession because it has a status of {0}. Only a VerificationSession with a status of requires_input or verified can be redacted; wait until processing finishes.")]
    NotRedactable(SessionStatus),
    #[error("This VerificationSession cannot be submitted because it has a status of {0}. Only a VerificationSession with a status of requires_input can be submitted.")]
    NotSubmittable(SessionStatus),
    #[error("This VerificationSession cannot be completed because it has a status of {0}. Only a VerificationSession with a status of processing can be completed.")]
    NotProcessing(SessionStatus),
}

/// Why a link or client secret cannot open (or continue) a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("this link has expired or was already used")]
    Expired,
    #[error("this verification is not waiting for input")]
    NotOpen,
}

/// The result of processing a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Verified(Box<VerifiedOutputs>),
    Failed(LastError),
}

/// Errors from applying caller input to a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    State(#[from] SessionStateError),
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

/// The VerificationSession aggregate as it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationSession {
    pub id: SessionId,
    pub livemode: bool,
    pub created: i64,
    pub status: SessionStatus,
    #[serde(rename = "type")]
    pub session_type: SessionType,
    pub client_reference_id: Option<String>,
    pub metadata: Metadata,
    pub options: SessionOptions,
    pub provided_details: Option<ProvidedDetails>,
    pub related_customer: Option<String>,
    pub related_customer_account: Option<String>,
    pub related_person: Option<RelatedPerson>,
    pub return_url: Option<String>,
    pub verification_flow: Option<String>,
    pub last_error: Option<LastError>,
    pub last_verification_report: Option<ReportId>,
    pub verified_outputs: Option<VerifiedOutputs>,
    pub redaction: Option<Redaction>,
    pub secrets: Option<SessionSecrets>,
    /// The end user's flow in progress, if one was opened.
    #[serde(default)]
    pub attempt: Option<Attempt>,
    /// The submission being processed (only while `processing`).
    #[serde(default)]
    pub submitted: Option<Submission>,
    /// The browser whose attempt made the last submission, until another attempt opens:
    /// a second post of that attempt's final form (a double click) lands on the page the
    /// first one reached instead of an "expired link".
    #[serde(default)]
    pub submitted_by: Option<SubmittedBy>,
}

/// Which browser (and through which channel) made a session's last submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedBy {
    pub channel: Channel,
    /// SHA-256 (hex) of that browser's binding secret (link cookie or modal frame).
    pub binding_hash: String,
}

impl SubmittedBy {
    /// Whether the browser whose binding secret hashes to `binding_hash` is this one
    /// (compared in constant time).
    pub fn is(&self, binding_hash: &str) -> bool {
        same_binding(&self.binding_hash, binding_hash)
    }
}

/// Whether two binding-secret hashes are equal, compared in constant time.
fn same_binding(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn apply_document_change(options: &mut SessionOptions, change: &DocumentOptionsChange) {
    match change {
        DocumentOptionsChange::Clear => options.document = None,
        DocumentOptionsChange::Merge(patch) => options
            .document
            .get_or_insert_with(DocumentOptions::default)
            .merge(patch),
    }
}

impl VerificationSession {
    /// A new session in `requires_input`, with a fresh `client_secret` and `url` token.
    /// `new.session_type` must be set (the caller checks `type` is present).
    pub fn create(new: NewSession, livemode: bool, now_millis: i64) -> Result<Self, MetadataError> {
        let id = SessionId::generate();
        let mut metadata = Metadata::new();
        metadata.apply(&new.metadata)?;
        let mut options = SessionOptions::default();
        if let Some(change) = &new.document_options {
            apply_document_change(&mut options, change);
        }
        let secrets = SessionSecrets::mint(&id, livemode, now_millis);
        Ok(Self {
            id,
            livemode,
            created: now_millis.div_euclid(1000),
            status: SessionStatus::RequiresInput,
            session_type: new.session_type.unwrap_or(SessionType::Document),
            client_reference_id: new.client_reference_id,
            metadata,
            options,
            provided_details: new.provided_details,
            related_customer: new.related_customer,
            related_customer_account: new.related_customer_account,
            related_person: new.related_person,
            return_url: new.return_url,
            verification_flow: None,
            last_error: None,
            last_verification_report: None,
            verified_outputs: None,
            redaction: None,
            secrets: Some(secrets),
            attempt: None,
            submitted: None,
            submitted_by: None,
        })
    }

    pub fn is_redacted(&self) -> bool {
        self.redaction.is_some()
    }

    fn ensure_not_redacted(&self) -> Result<(), SessionStateError> {
        if self.is_redacted() {
            Err(SessionStateError::Redacted)
        } else {
            Ok(())
        }
    }

    /// Applies an update. Only a non-redacted session in `requires_input` may change.
    pub fn update(&mut self, update: &SessionUpdate) -> Result<(), SessionError> {
        self.ensure_not_redacted()?;
        if self.status != SessionStatus::RequiresInput {
            return Err(SessionStateError::NotUpdatable(self.status).into());
        }
        let mut metadata = self.metadata.clone();
        if let Some(change) = &update.metadata {
            metadata.apply(change)?;
        }
        self.metadata = metadata;
        if let Some(session_type) = update.session_type {
            self.session_type = session_type;
        }
        if let Some(change) = &update.document_options {
            apply_document_change(&mut self.options, change);
        }
        if let Some(patch) = &update.provided_details {
            self.provided_details
                .get_or_insert_with(ProvidedDetails::default)
                .merge(patch);
        }
        Ok(())
    }

    /// `requires_input` → `canceled`; the secrets die with it.
    pub fn cancel(&mut self) -> Result<(), SessionStateError> {
        self.ensure_not_redacted()?;
        if self.status != SessionStatus::RequiresInput {
            return Err(SessionStateError::NotCancelable(self.status));
        }
        self.status = SessionStatus::Canceled;
        self.secrets = None;
        Ok(())
    }

    /// Starts a redaction: the session's own personal data is erased at once and
    /// `redaction.status` becomes `processing` until related objects are erased too
    /// ([`Self::finish_redaction`]). A `requires_input` session is canceled on the way.
    /// Returns whether the session was canceled by this call.
    pub fn begin_redaction(&mut self) -> Result<bool, SessionStateError> {
        self.redact_from(&[SessionStatus::RequiresInput, SessionStatus::Verified])
    }

    /// [`Self::begin_redaction`] for a session past the operator's retention period: a
    /// canceled session is redacted too (it may hold personal data as much as any other);
    /// only a session being processed must wait.
    pub fn begin_retention_redaction(&mut self) -> Result<bool, SessionStateError> {
        self.redact_from(&[
            SessionStatus::RequiresInput,
            SessionStatus::Verified,
            SessionStatus::Canceled,
        ])
    }

    /// Begins a redaction from one of `allowed` statuses; returns whether it canceled the
    /// session (redacting a `requires_input` session cancels it).
    fn redact_from(&mut self, allowed: &[SessionStatus]) -> Result<bool, SessionStateError> {
        self.ensure_not_redacted()?;
        if !allowed.contains(&self.status) {
            return Err(SessionStateError::NotRedactable(self.status));
        }
        let canceled = self.status == SessionStatus::RequiresInput;
        if canceled {
            self.status = SessionStatus::Canceled;
        }
        self.secrets = None;
        self.attempt = None;
        self.submitted = None;
        self.submitted_by = None;
        self.metadata.clear();
        if let Some(outputs) = &mut self.verified_outputs {
            outputs.redact();
        }
        if let Some(details) = &mut self.provided_details {
            redact_string(&mut details.email);
            redact_string(&mut details.phone);
        }
        self.redaction = Some(Redaction {
            status: RedactionStatus::Processing,
        });
        Ok(canceled)
    }

    /// Marks the redaction as complete once every related object has been erased.
    pub fn finish_redaction(&mut self) {
        self.redaction = Some(Redaction {
            status: RedactionStatus::Redacted,
        });
    }

    fn ensure_requires_input(&self) -> Result<(), AccessError> {
        if self.status == SessionStatus::RequiresInput && !self.is_redacted() {
            Ok(())
        } else {
            Err(AccessError::NotOpen)
        }
    }

    /// Opens the flow with the session's `url` token: single use, 48 h. Binds the new
    /// attempt to the browser whose binding secret (its cookie) hashes to `binding_hash`.
    pub fn open_with_url_token(
        &mut self,
        token: &str,
        binding_hash: String,
        csrf_token: String,
        now_millis: i64,
    ) -> Result<(), AccessError> {
        self.ensure_requires_input()?;
        let secrets = self.secrets.as_mut().ok_or(AccessError::Expired)?;
        if secrets.url_token != token || !secrets.url_valid(now_millis) {
            return Err(AccessError::Expired);
        }
        secrets.url_used = true;
        self.submitted_by = None;
        self.attempt = Some(Attempt {
            channel: Channel::Link,
            binding_hash,
            csrf_token,
            started_at: now_millis,
            consent: false,
            submission: Submission::default(),
            retakes: Default::default(),
            locale: None,
        });
        Ok(())
    }

    /// Opens the flow with the `client_secret` (the modal): single use, 24 h.
    pub fn open_with_client_secret(
        &mut self,
        client_secret: &str,
        binding_hash: String,
        csrf_token: String,
        now_millis: i64,
    ) -> Result<(), AccessError> {
        self.ensure_requires_input()?;
        let secrets = self.secrets.as_mut().ok_or(AccessError::Expired)?;
        if secrets.client_secret != client_secret || !secrets.client_secret_valid(now_millis) {
            return Err(AccessError::Expired);
        }
        secrets.client_secret_used = true;
        self.submitted_by = None;
        self.attempt = Some(Attempt {
            channel: Channel::Modal,
            binding_hash,
            csrf_token,
            started_at: now_millis,
            consent: false,
            submission: Submission::default(),
            retakes: Default::default(),
            locale: None,
        });
        Ok(())
    }

    /// The attempt of the browser (or modal frame) whose binding secret hashes to
    /// `binding_hash`, if it is still open: the session waits for input and the attempt is
    /// younger than its credential's lifetime (48 h for links, 24 h for the modal).
    pub fn attempt_for(
        &mut self,
        binding_hash: &str,
        now_millis: i64,
    ) -> Result<&mut Attempt, AccessError> {
        self.ensure_requires_input()?;
        let attempt = self.attempt.as_mut().ok_or(AccessError::Expired)?;
        let ttl = match attempt.channel {
            Channel::Link => URL_TTL_MILLIS,
            Channel::Modal => CLIENT_SECRET_TTL_MILLIS,
        };
        let same_browser = same_binding(&attempt.binding_hash, binding_hash);
        if !same_browser || now_millis >= attempt.started_at + ttl {
            return Err(AccessError::Expired);
        }
        Ok(attempt)
    }

    /// The end user's attempt ends with a user-session failure (`consent_declined`,
    /// `device_not_supported`, …): the session stays in `requires_input` with that
    /// `last_error`; no check ran, so no report is written.
    pub fn end_attempt(&mut self, code: LastErrorCode) -> Result<(), SessionStateError> {
        self.ensure_not_redacted()?;
        if self.status != SessionStatus::RequiresInput {
            return Err(SessionStateError::NotSubmittable(self.status));
        }
        self.attempt = None;
        self.last_error = Some(LastError {
            code: Some(code),
            reason: Some(code.default_reason().into()),
        });
        Ok(())
    }

    /// The end user declined consent (see [`Self::end_attempt`]).
    pub fn decline_consent(&mut self) -> Result<(), SessionStateError> {
        self.end_attempt(LastErrorCode::ConsentDeclined)
    }

    /// `requires_input` → `processing` with `submission`; the credentials and the attempt
    /// are spent.
    pub fn submit(&mut self, submission: Submission) -> Result<(), SessionStateError> {
        self.ensure_not_redacted()?;
        if self.status != SessionStatus::RequiresInput {
            return Err(SessionStateError::NotSubmittable(self.status));
        }
        self.status = SessionStatus::Processing;
        self.secrets = None;
        self.submitted_by = self.attempt.take().map(|attempt| SubmittedBy {
            channel: attempt.channel,
            binding_hash: attempt.binding_hash,
        });
        self.submitted = Some(submission);
        Ok(())
    }

    /// `processing` → `verified` or back to `requires_input`, recording the new report.
    /// After a failure the old credentials are gone: the next retrieve mints fresh ones.
    pub fn finish_processing(
        &mut self,
        verdict: Verdict,
        report: ReportId,
    ) -> Result<(), SessionStateError> {
        self.ensure_not_redacted()?;
        if self.status != SessionStatus::Processing {
            return Err(SessionStateError::NotProcessing(self.status));
        }
        match verdict {
            Verdict::Verified(outputs) => {
                self.status = SessionStatus::Verified;
                self.verified_outputs = Some(*outputs);
                self.last_error = None;
            }
            Verdict::Failed(error) => {
                self.status = SessionStatus::RequiresInput;
                self.last_error = Some(error);
            }
        }
        self.secrets = None;
        self.submitted = None;
        self.last_verification_report = Some(report);
        Ok(())
    }

    /// Re-mints the `client_secret` and/or `url` token of a `requires_input` session when
    /// they were used or have expired, so a retrieve always hands out working ones.
    /// Returns true if anything changed (and the session must be saved).
    pub fn refresh_secrets(&mut self, now_millis: i64) -> bool {
        if self.status != SessionStatus::RequiresInput || self.is_redacted() {
            return false;
        }
        match &mut self.secrets {
            None => {
                self.secrets = Some(SessionSecrets::mint(&self.id, self.livemode, now_millis));
                true
            }
            Some(secrets) => {
                let mut changed = false;
                if !secrets.client_secret_valid(now_millis) {
                    secrets.client_secret = mint_client_secret(&self.id, self.livemode);
                    secrets.client_secret_issued_at = now_millis;
                    secrets.client_secret_used = false;
                    changed = true;
                }
                if !secrets.url_valid(now_millis) {
                    secrets.url_token = mint_url_token();
                    secrets.url_issued_at = now_millis;
                    secrets.url_used = false;
                    changed = true;
                }
                changed
            }
        }
    }

    /// The `client_secret` to show, if the session is in `requires_input` and it still works.
    pub fn visible_client_secret(&self, now_millis: i64) -> Option<&str> {
        match (&self.status, &self.secrets) {
            (SessionStatus::RequiresInput, Some(s)) if s.client_secret_valid(now_millis) => {
                Some(&s.client_secret)
            }
            _ => None,
        }
    }

    /// The `url` token to show, under the same rule as the client secret.
    pub fn visible_url_token(&self, now_millis: i64) -> Option<&str> {
        match (&self.status, &self.secrets) {
            (SessionStatus::RequiresInput, Some(s)) if s.url_valid(now_millis) => {
                Some(&s.url_token)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod retention_tests {
    use super::*;

    #[test]
    fn retention_redacts_canceled_sessions_too_but_never_one_being_processed() {
        let mut s = VerificationSession::create(
            NewSession {
                session_type: Some(SessionType::Document),
                ..NewSession::default()
            },
            false,
            1_700_000_000_000,
        )
        .unwrap();
        s.status = SessionStatus::Canceled;
        assert!(s.clone().begin_redaction().is_err());
        assert_eq!(s.clone().begin_retention_redaction(), Ok(false));
        s.status = SessionStatus::Processing;
        assert!(s.clone().begin_retention_redaction().is_err());
        s.status = SessionStatus::RequiresInput;
        let mut r = s.clone();
        assert_eq!(r.begin_retention_redaction(), Ok(true));
        assert_eq!(r.status, SessionStatus::Canceled);
        assert!(r.begin_retention_redaction().is_err(), "only once");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn new_session() -> VerificationSession {
        let new = NewSession {
            session_type: Some(SessionType::Document),
            metadata: MetadataUpdate {
                clear_all: false,
                entries: vec![("user".into(), Some("42".into()))],
            },
            provided_details: Some(ProvidedDetails {
                email: Some("jenny@example.com".into()),
                phone: None,
            }),
            ..NewSession::default()
        };
        VerificationSession::create(new, false, NOW).unwrap()
    }

    #[test]
    fn a_new_session_requires_input_and_carries_secrets() {
        let s = new_session();
        assert_eq!(s.status, SessionStatus::RequiresInput);
        assert_eq!(s.created, NOW / 1000);
        let secret = s.visible_client_secret(NOW).unwrap();
        assert!(secret.starts_with(&format!("{}_secret_test_", s.id)));
        assert!(s.visible_url_token(NOW).is_some());
        assert_eq!(s.metadata.get("user"), Some("42"));
    }

    #[test]
    fn cancel_is_only_allowed_from_requires_input_and_clears_secrets() {
        let mut s = new_session();
        s.cancel().unwrap();
        assert_eq!(s.status, SessionStatus::Canceled);
        assert!(s.visible_client_secret(NOW).is_none());
        assert_eq!(
            s.cancel(),
            Err(SessionStateError::NotCancelable(SessionStatus::Canceled))
        );
        s.status = SessionStatus::Processing;
        assert!(s.cancel().is_err());
    }

    #[test]
    fn update_refuses_every_status_but_requires_input() {
        for status in [
            SessionStatus::Canceled,
            SessionStatus::Processing,
            SessionStatus::Verified,
        ] {
            let mut s = new_session();
            s.status = status;
            let err = s.update(&SessionUpdate::default()).unwrap_err();
            assert_eq!(
                err,
                SessionError::State(SessionStateError::NotUpdatable(status))
            );
        }
    }

    #[test]
    fn update_merges_document_options_and_can_clear_them() {
        let mut s = new_session();
        let mut patch = DocumentOptions {
            require_matching_selfie: Some(true),
            ..Default::default()
        };
        s.update(&SessionUpdate {
            document_options: Some(DocumentOptionsChange::Merge(patch.clone())),
            ..Default::default()
        })
        .unwrap();
        patch = DocumentOptions {
            allowed_types: Some(vec![DocumentType::Passport]),
            ..Default::default()
        };
        s.update(&SessionUpdate {
            document_options: Some(DocumentOptionsChange::Merge(patch)),
            ..Default::default()
        })
        .unwrap();
        let doc = s.options.document.clone().unwrap();
        assert_eq!(doc.require_matching_selfie, Some(true));
        assert_eq!(doc.allowed_types, Some(vec![DocumentType::Passport]));
        s.update(&SessionUpdate {
            document_options: Some(DocumentOptionsChange::Clear),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.options.document, None);
    }

    #[test]
    fn redacting_a_requires_input_session_cancels_it_and_erases_personal_data() {
        let mut s = new_session();
        assert_eq!(s.begin_redaction(), Ok(true));
        assert_eq!(s.status, SessionStatus::Canceled);
        assert!(s.metadata.is_empty());
        assert_eq!(
            s.provided_details.as_ref().unwrap().email.as_deref(),
            Some(REDACTED)
        );
        assert_eq!(s.redaction.unwrap().status, RedactionStatus::Processing);
        assert_eq!(s.begin_redaction(), Err(SessionStateError::Redacted));
        assert!(matches!(
            s.update(&SessionUpdate::default()),
            Err(SessionError::State(SessionStateError::Redacted))
        ));
        s.finish_redaction();
        assert_eq!(s.redaction.unwrap().status, RedactionStatus::Redacted);
    }

    #[test]
    fn redacting_a_verified_session_keeps_its_status_and_placeholders_its_outputs() {
        let mut s = new_session();
        s.status = SessionStatus::Verified;
        s.verified_outputs = Some(VerifiedOutputs {
            first_name: Some("Jenny".into()),
            dob: Some(Date::new(1990, 5, 17)),
            address: Some(Address {
                line1: Some("1 Main St".into()),
                country: Some("US".into()),
                ..Default::default()
            }),
            id_number_type: Some(IdNumberType::UsSsn),
            ..Default::default()
        });
        assert_eq!(s.begin_redaction(), Ok(false));
        assert_eq!(s.status, SessionStatus::Verified);
        let out = s.verified_outputs.unwrap();
        assert_eq!(out.first_name.as_deref(), Some(REDACTED));
        assert_eq!(out.dob, Some(Date::new(1, 1, 1)));
        let address = out.address.unwrap();
        assert_eq!(address.line1.as_deref(), Some(REDACTED));
        assert_eq!(address.country.as_deref(), Some("US"));
        assert_eq!(address.city, None);
        assert_eq!(out.id_number_type, None);
    }

    #[test]
    fn a_processing_session_cannot_be_redacted() {
        let mut s = new_session();
        s.status = SessionStatus::Processing;
        assert_eq!(
            s.begin_redaction(),
            Err(SessionStateError::NotRedactable(SessionStatus::Processing))
        );
        assert!(s.redaction.is_none());
    }

    #[test]
    fn expired_or_used_secrets_are_reminted_on_refresh() {
        let mut s = new_session();
        assert!(!s.refresh_secrets(NOW + 1000));
        let old_secret = s.visible_client_secret(NOW).unwrap().to_owned();
        let old_url = s.visible_url_token(NOW).unwrap().to_owned();
        let after_a_day = NOW + CLIENT_SECRET_TTL_MILLIS;
        assert!(s.visible_client_secret(after_a_day).is_none());
        assert!(s.visible_url_token(after_a_day).is_some());
        assert!(s.refresh_secrets(after_a_day));
        assert_ne!(s.visible_client_secret(after_a_day).unwrap(), old_secret);
        assert_eq!(s.visible_url_token(after_a_day).unwrap(), old_url);
        s.secrets.as_mut().unwrap().url_used = true;
        assert!(s.refresh_secrets(after_a_day));
        assert_ne!(s.visible_url_token(after_a_day).unwrap(), old_url);
    }
}
