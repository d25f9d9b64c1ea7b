//! Events and webhooks: recording an event (with its outbox rows) in the transaction of the
//! state change that caused it, the `Stripe-Signature` scheme, and the delivery worker.

pub mod delivery;
pub mod events;
pub mod signature;
