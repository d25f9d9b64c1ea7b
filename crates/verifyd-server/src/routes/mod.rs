//! The router: one module per resource. Unknown paths and methods get Stripe's
//! "Unrecognized request URL" 404.

mod events;
mod list;
mod reports;
mod root;
pub(crate) mod sessions;
mod test_helpers;
mod webhook_endpoints;

use crate::app::AppState;
use crate::error::ApiError;
use crate::request::request_id_layer;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(root::health))
        .route(
            "/v1/identity/verification_sessions",
            get(sessions::list).post(sessions::create),
        )
        .route(
            "/v1/identity/verification_sessions/{session}",
            get(sessions::retrieve).post(sessions::update),
        )
        .route(
            "/v1/identity/verification_sessions/{session}/cancel",
            post(sessions::cancel),
        )
        .route(
            "/v1/identity/verification_sessions/{session}/redact",
            post(sessions::redact),
        )
        .route("/v1/identity/verification_reports", get(reports::list))
        .route(
            "/v1/identity/verification_reports/{report}",
            get(reports::retrieve),
        )
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::retrieve))
        .route(
            "/v1/webhook_endpoints",
            get(webhook_endpoints::list).post(webhook_endpoints::create),
        )
        .route(
            "/v1/webhook_endpoints/{webhook_endpoint}",
            get(webhook_endpoints::retrieve)
                .post(webhook_endpoints::update)
                .delete(webhook_endpoints::delete),
        )
        .route(
            "/v1/test_helpers/identity/verification_sessions/{session}/process",
            post(test_helpers::process),
        )
        .route(
            "/v1/test_helpers/identity/verification_sessions/{session}/verify",
            post(test_helpers::verify),
        )
        .route(
            "/v1/test_helpers/identity/verification_sessions/{session}/require_input",
            post(test_helpers::require_input),
        )
        .merge(crate::pages::router(state.clone()))
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::rate_limit_layer,
        ))
        .layer(axum::middleware::from_fn(request_id_layer))
        .with_state(state)
}

async fn unrecognized(method: Method, uri: Uri) -> Response {
    ApiError::unrecognized_url(method.as_str(), uri.path()).into_response()
}
