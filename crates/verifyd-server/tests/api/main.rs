//! Integration tests of the HTTP API: the real server on a real port, a fresh SQLite file
//! per test, requests as Stripe's SDKs send them.

mod branding;
mod common;
mod errors;
mod expand;
mod idempotency;
mod languages;
mod lists;
mod live;
mod live_documents;
mod pages;
mod processing;
mod receiver;
mod sessions;
mod webhooks;
