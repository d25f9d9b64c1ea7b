//! verifyd-server: everything HTTP. The Stripe wire format (form decoding with exact param
//! paths, errors, auth, idempotency, expand, pagination), one module per resource under
//! `routes`, the hosted pages, the background workers and the running of live checks
//! (off the async runtime, on a bounded pool). Domain rules come from `verifyd-core`; storage
//! goes through `verifyd-store`; no SQL lives here.

pub mod app;
pub mod auth;
pub mod branding;
pub mod cpu_pool;
pub mod error;
pub mod expand;
pub mod external_verifier;
pub mod form;
pub mod idempotency;
pub mod jobs;
pub mod live_checks;
pub mod pages;
pub mod params;
pub mod processing;
pub mod rate_limit;
pub mod render;
pub mod request;
pub mod routes;
pub mod serve;
pub mod webhooks;
pub mod workers;

pub use app::{run_workers_until_stopped, AppState, Application, BuildError, ServerConfig};
