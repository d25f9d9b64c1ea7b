//! The end user's side: the hosted verification pages behind a session's `url`, the
//! modal opened with a `client_secret`, and the Stripe.js drop-in served at `/v3/`.
//! (Being built; see docs/hosted-flow.md.)

use crate::app::AppState;
use axum::Router;

/// Routes of the hosted flow, merged into the API router.
pub fn router() -> Router<AppState> {
    Router::new()
}
