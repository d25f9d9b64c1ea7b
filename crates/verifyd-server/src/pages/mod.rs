//! The end user's side: the hosted verification pages behind a session's `url`, the same
//! flow opened in the modal with a `client_secret`, and the Stripe.js drop-in served at
//! `/v3/`. See docs/hosted-flow.md for the whole design.
//!
//! Routes (all HTML unless noted; errors are HTML pages too, never JSON):
//! - `GET  /verify/start/{token}` — opens the link: binds it to this browser, spends it,
//!   redirects into the flow ([`start`]).
//! - `GET  /verify/modal?parent=<origin>`, `POST /verify/modal/open` — the modal's frame
//!   page (the whole modal is drawn in it; it runs the flow with `fetch`, bound by a secret
//!   it holds in memory, see [`binding`]) and the request that opens the attempt with the
//!   client secret and publishable key ([`start`]).
//! - `GET  /verify/s/{session}` (`?step=`) and the `POST /verify/s/{session}/…` steps —
//!   consent, document type, images, ID number, details, test outcome, submit ([`flow`],
//!   [`upload`]); `GET /verify/s/{session}/end/{kind}` — the last page ([`end`]).
//! - `POST /verify/s/{session}/language` — the language switcher of every step page: stores
//!   the end user's choice on the attempt and goes back to the page ([`flow`], [`i18n`]).
//! - `GET  /verify/assets/{file}` and `GET /v3/` — CSS (with `brand.css`, generated from
//!   the operator's accent colour), the page script, the icon (the operator's at
//!   `brand-icon`) and the drop-in JavaScript ([`assets`]).
//!
//! A flow request passes the guard in [`visit`] (session, binding, attempt, CSRF), reads
//! its input through [`input`], and shows a step through [`views`]; every page's words are
//! in the catalogues of [`i18n`] (see [`templates`]), and every failure is a [`PageError`]
//! page. Every page is in the language of the attempt's explicit choice, else of the
//! request's `Accept-Language`, else English.
//!
//! Every response carries the security headers of [`security::stamp_headers`]. Request
//! logging (in `request`) records route templates only: paths here carry link tokens.

mod assets;
mod binding;
mod cookies;
mod end;
mod error;
mod flow;
pub mod i18n;
pub mod images;
mod input;
mod security;
mod start;
mod steps;
mod templates;
mod upload;
pub mod upload_gate;
mod views;
mod visit;

pub use error::{ExpiredContext, PageError};

use crate::app::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;

/// Body limit of the upload route: one image of up to 10 MB plus the form around it, with
/// room for multipart overhead. Anything larger is refused before it is buffered.
pub const UPLOAD_BODY_LIMIT: usize = 25 * 1024 * 1024;
/// Body limit of every other form of the flow.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// Routes of the hosted flow, merged into the API router.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/verify/start/{token}",
            page(get(start::open_link).head(start::probe_link)),
        )
        .route("/verify/modal", page(get(start::modal_frame)))
        .route("/verify/modal/open", page(post(start::open_modal)))
        .route("/verify/s/{session}", page(get(flow::show)))
        .route(
            "/verify/s/{session}/consent",
            page(get(flow::back_to_flow).post(flow::consent)),
        )
        .route(
            "/verify/s/{session}/document-type",
            page(get(flow::back_to_flow).post(flow::document_type)),
        )
        .route(
            "/verify/s/{session}/image/{slot}",
            page(
                get(flow::image)
                    .post(upload::upload)
                    .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
            ),
        )
        .route(
            "/verify/s/{session}/id-number",
            page(get(flow::back_to_flow).post(flow::id_number)),
        )
        .route(
            "/verify/s/{session}/details",
            page(get(flow::back_to_flow).post(flow::details)),
        )
        .route(
            "/verify/s/{session}/test-outcome",
            page(get(flow::back_to_flow).post(flow::test_outcome)),
        )
        .route(
            "/verify/s/{session}/submit",
            page(get(flow::back_to_flow).post(flow::submit)),
        )
        .route(
            "/verify/s/{session}/camera-unavailable",
            page(get(flow::back_to_flow).post(flow::camera_unavailable)),
        )
        .route(
            "/verify/s/{session}/language",
            page(get(flow::back_to_flow).post(flow::language)),
        )
        .route("/verify/s/{session}/end/{kind}", page(get(end::end_page)))
        .route("/verify/assets/{file}", page(get(assets::asset)))
        .route("/v3", page(get(assets::stripe_js)))
        .route("/v3/", page(get(assets::stripe_js)))
        .route("/verify", any(not_found))
        .route("/verify/", any(not_found))
        .route("/verify/{*rest}", any(not_found))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state,
            error::in_language_with_failures_drawn,
        ))
        .layer(axum::middleware::map_response(security::stamp_headers))
}

/// A flow route whose unsupported methods get the HTML not-found page (with the flow's
/// security headers), never the API's JSON error, which would echo the path and its token.
fn page(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(not_found)
}

async fn not_found() -> Response {
    PageError::NotFound.into_response()
}

/// Whether `id` looks like a session id (`vs_` and letters or digits). Anything else is
/// refused before it reaches the store or a header.
pub(crate) fn valid_session_id(id: &str) -> bool {
    id.len() <= 64
        && id
            .strip_prefix("vs_")
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}
