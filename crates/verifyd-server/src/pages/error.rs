//! Every way a page request can fail ([`PageError`]), and the HTML page each failure gets:
//! its status, its words and, in the modal, the result the frame hands its parent.
//! Internal causes are logged once here, never shown.

use super::security::Csp;
use super::templates::{self, Chrome, MessagePage, ModalResult, PageLink};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
