//! verifyd-core: the domain of verifyd — identifiers, the VerificationSession and
//! VerificationReport types, the session status machine, metadata rules, redaction and
//! API keys. Pure logic: no I/O, no async, no HTTP and no SQL live here, so every rule can
//! be unit-tested in isolation and reused by every backend and transport.

pub mod clock;
pub mod event;
pub mod ids;
pub mod keys;
pub mod metadata;
pub mod report;
pub mod session;
pub mod submission;

pub use clock::{Clock, SystemClock};
pub use ids::{random_base62, ReportId, SessionId};
