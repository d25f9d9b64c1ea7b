//! Every way a page request can fail ([`PageError`]), and the HTML page each failure gets:
//! its status, its words (in `templates/message.html`) and, in the modal, the result the
//! frame hands its parent. Internal causes are logged once here, never shown.
//!
//! A failure becomes a page in two steps, because the page needs what only the server and
//! the request know (the operator's branding, the browser's languages) and `IntoResponse`
//! is given nothing: `into_response` leaves the failure in the response's extensions, and
//! [`in_language_with_failures_drawn`], a layer of the pages router, draws it with the
//! server's branding in the language of the request's `Accept-Language`. The same layer
//! holds that language for the time of the request, for every page it renders.

use super::i18n;
use super::security::Csp;
use super::templates::{self, Chrome, Message, MessagePage, ModalResult};
use crate::app::AppState;
use crate::branding::Branding;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
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
#[derive(Debug, Clone)]
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

/// A failure on its way to [`in_language_with_failures_drawn`].
#[derive(Debug, Clone)]
struct Unrendered(PageError);

impl IntoResponse for PageError {
    /// The failure's status, with the failure itself for [`in_language_with_failures_drawn`]
    /// to draw.
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

/// The pages router's layer: negotiates the request's language from `Accept-Language`,
/// runs the request in it, and draws a failure left by [`PageError::into_response`] with
/// the server's branding in that language.
pub async fn in_language_with_failures_drawn(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let catalogues = app.catalogues();
    i18n::with_request_language(catalogues, accept.as_deref(), async move {
        let mut response = next.run(request).await;
        match response.extensions_mut().remove::<Unrendered>() {
            Some(Unrendered(error)) => error.render(app.branding()),
            None => response,
        }
    })
    .await
}

impl PageError {
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::Expired(_) => StatusCode::GONE,
            PageError::Csrf { .. } => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Timeout => StatusCode::REQUEST_TIMEOUT,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The failure's page, drawn with `brand`.
    pub fn render(self, brand: &Branding) -> Response {
        let plain = || Chrome::new(brand, "error", false);
        let (status, chrome, message) = match self {
            PageError::Expired(context) => {
                let mut chrome = Chrome::new(brand, "expired", context.test_mode == Some(true));
                if context.in_modal {
                    chrome = chrome.in_modal(Some(ModalResult::error(
                        "session_expired",
                        "This verification session has expired or was already used.",
                    )));
                }
                let message = match context.continue_url {
                    Some(continue_url) => Message::AlreadyOpened { continue_url },
                    None => Message::Expired,
                };
                (StatusCode::GONE, chrome, message)
            }
            PageError::Csrf { test_mode } => (
                StatusCode::FORBIDDEN,
                Chrome::new(brand, "error", test_mode),
                Message::FormExpired,
            ),
            PageError::BadRequest => (StatusCode::BAD_REQUEST, plain(), Message::BadRequest),
            PageError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, plain(), Message::TooLarge),
            PageError::Busy => (StatusCode::SERVICE_UNAVAILABLE, plain(), Message::Busy),
            PageError::Timeout => (StatusCode::REQUEST_TIMEOUT, plain(), Message::Timeout),
            PageError::NotFound => (StatusCode::NOT_FOUND, plain(), Message::NotFound),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                plain(),
                Message::Internal,
            ),
        };
        let mut response = templates::page(
            status,
            &MessagePage { chrome, message },
            &Csp::deny_framing(),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_failure_page_has_its_status_heading_and_words() {
        let cases = [
            (
                PageError::BadRequest,
                400,
                "Something is wrong with that request",
            ),
            (
                PageError::Csrf { test_mode: true },
                403,
                "This form has expired",
            ),
            (PageError::NotFound, 404, "Page not found"),
            (PageError::Timeout, 408, "The upload took too long"),
            (
                PageError::expired(),
                410,
                "This link has expired — ask for a new one",
            ),
            (PageError::TooLarge, 413, "Images can be up to 10 MB."),
            (PageError::Internal, 500, "This is a problem on our side."),
            (PageError::Busy, 503, "Please try again in a moment"),
        ];
        for (error, status, words) in cases {
            let response = error.render(&Branding::default());
            assert_eq!(response.status().as_u16(), status);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let html = String::from_utf8(body.to_vec()).unwrap();
            assert!(html.contains(words), "{status}: {html}");
        }
    }
}
