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
//!   [`upload`]); `GET /verify/s/{session}/end/{kind}` — the last page.
//! - `GET  /verify/assets/{file}` and `GET /v3/` — CSS, the page script and the drop-in
//!   JavaScript ([`assets`]).
//!
//! Every response carries the security headers of [`security::stamp_headers`]. Request
//! logging (in `request`) records route templates only: paths here carry link tokens.

mod assets;
mod binding;
mod cookies;
mod flow;
pub mod images;
mod security;
mod start;
mod steps;
mod templates;
mod upload;
pub mod upload_gate;

use crate::app::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use security::Csp;
use templates::{Chrome, MessagePage, ModalResult, PageLink};

/// Body limit of the upload route: one image of up to 10 MB plus the form around it, with
/// room for multipart overhead. Anything larger is refused before it is buffered.
pub const UPLOAD_BODY_LIMIT: usize = 25 * 1024 * 1024;
/// Body limit of every other form of the flow.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// Routes of the hosted flow, merged into the API router.
pub fn router() -> Router<AppState> {
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
        .route("/verify/s/{session}/end/{kind}", page(get(flow::end)))
        .route("/verify/assets/{file}", page(get(assets::asset)))
        .route("/v3", page(get(assets::stripe_js)))
        .route("/v3/", page(get(assets::stripe_js)))
        .route("/verify", any(not_found))
        .route("/verify/", any(not_found))
        .route("/verify/{*rest}", any(not_found))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
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

/// Where an expired page is shown: what we know about the session and the browser.
#[derive(Debug, Clone, Default)]
pub struct ExpiredContext {
    /// `Some(!livemode)` when the session is known.
    pub test_mode: Option<bool>,
    /// This browser still holds a live attempt of the session: offer to continue it.
    pub continue_url: Option<String>,
    /// The request came from the modal's frame: the page carries the `session_expired`
    /// result for the frame to hand its parent.
    pub in_modal: bool,
}

/// Every way a page request can fail, each rendered as an HTML page.
#[derive(Debug)]
pub enum PageError {
    /// The link, client secret or attempt cannot be used (any reason: unknown, used,
    /// expired, another browser, session no longer waiting for input). Always 410.
    Expired(ExpiredContext),
    /// A form without the right CSRF token. 403; nothing changed.
    Csrf {
        test_mode: bool,
    },
    BadRequest,
    TooLarge,
    /// Another upload of the session is in progress, or the server has no place for one
    /// now. 503; nothing changed.
    Busy,
    /// The request's body stalled or took too long. 408; nothing changed.
    Timeout,
    NotFound,
    Internal,
}

impl PageError {
    pub fn expired() -> Self {
        PageError::Expired(ExpiredContext::default())
    }
}

impl From<verifyd_store::StoreError> for PageError {
    fn from(error: verifyd_store::StoreError) -> Self {
        // The store's errors carry no request data (no tokens, no personal data).
        tracing::error!(%error, "hosted page: storage error");
        PageError::Internal
    }
}

impl From<crate::processing::ProcessingError> for PageError {
    fn from(error: crate::processing::ProcessingError) -> Self {
        tracing::error!(%error, "hosted page: submission failed");
        PageError::Internal
    }
}

/// The message shown when a link or client secret cannot be used.
pub const EXPIRED_HEADING: &str = "This link has expired";

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let simple = |status: StatusCode, testid, heading: &str, paragraphs: &[&str]| {
            let page = MessagePage {
                chrome: Chrome::new(heading, "error", false),
                heading: heading.to_owned(),
                paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
                link: None,
                testid,
            };
            templates::page(status, &page, &Csp::deny_framing())
        };
        match self {
            PageError::Expired(context) => {
                let mut chrome =
                    Chrome::new(EXPIRED_HEADING, "expired", context.test_mode == Some(true));
                if context.in_modal {
                    chrome.channel = "modal";
                    chrome.result = Some(ModalResult::error(
                        "session_expired",
                        "This verification session has expired or was already used.",
                    ));
                }
                let continuing = context.continue_url.is_some();
                let mut paragraphs = vec![
                    "Verification links work once, in one browser, for a limited time. This one has already been used, has expired, or was opened in another browser.".to_owned(),
                    "Ask the site that sent you for a new one.".to_owned(),
                ];
                if continuing {
                    paragraphs = vec![
                        "This link was already opened in this browser, so it cannot be opened again.".to_owned(),
                        "You can continue the verification you started.".to_owned(),
                    ];
                }
                let page = MessagePage {
                    chrome,
                    heading: if continuing {
                        "This link was already used".to_owned()
                    } else {
                        format!("{EXPIRED_HEADING} — ask for a new one")
                    },
                    paragraphs,
                    link: context.continue_url.map(|href| PageLink {
                        href,
                        text: "Continue your verification".to_owned(),
                    }),
                    testid: "expired",
                };
                templates::page(StatusCode::GONE, &page, &Csp::deny_framing())
            }
            PageError::Csrf { test_mode } => {
                let heading = "This form has expired";
                let page = MessagePage {
                    chrome: Chrome::new(heading, "error", test_mode),
                    heading: heading.to_owned(),
                    paragraphs: vec![
                        "For your security, the form you sent could not be accepted, and nothing was changed.".to_owned(),
                        "Go back, reload the page and try again.".to_owned(),
                    ],
                    link: None,
                    testid: "forbidden",
                };
                templates::page(StatusCode::FORBIDDEN, &page, &Csp::deny_framing())
            }
            PageError::BadRequest => simple(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Something is wrong with that request",
                &["Go back, reload the page and try again."],
            ),
            PageError::TooLarge => simple(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "That file is too large",
                &["Images can be up to 10 MB. Go back and choose a smaller image."],
            ),
            PageError::Busy => {
                let mut response = simple(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Please try again in a moment",
                    &["Your photo could not be received just now, and nothing was changed. Go back and send it again in a moment."],
                );
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
                response
            }
            PageError::Timeout => simple(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "The upload took too long",
                &["Your photo did not arrive in time, and nothing was changed. Check your connection, go back and send it again."],
            ),
            PageError::NotFound => simple(
                StatusCode::NOT_FOUND,
                "not-found",
                "Page not found",
                &["Check the address, or open the verification link you were sent again."],
            ),
            PageError::Internal => simple(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong",
                &["This is a problem on our side. Please try again in a moment."],
            ),
        }
    }
}

/// Renders a handler's result, errors included.
pub(crate) fn respond(result: Result<Response, PageError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}
