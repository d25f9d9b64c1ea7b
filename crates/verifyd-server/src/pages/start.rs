//! Opening the flow. A link (`GET /verify/start/{token}`, the session's `url`) or a client
//! secret (the modal: `GET /verify/modal` then `POST /verify/modal/open`) is spent on first
//! use: the session gets a new attempt bound to this browser by a fresh binding cookie (the
//! session keeps only the cookie's hash) and a fresh CSRF token, and the browser is sent to
//! `/verify/s/{session}`. Anything else — unknown, used or expired credential, a session
//! not waiting for input — gets the expired page (410).
//!
//! The modal never carries the client secret in a URL: the bootstrap page receives it from
//! the parent window by `postMessage` and posts it in a form, together with the publishable
//! key (checked, and required to be of the session's mode) and the parent's origin as the
//! browser reported it (which then becomes the only origin allowed to frame the flow and to
//! receive its result). The bootstrap form is protected by a double-submit nonce cookie.

use super::cookies::{self, CookieJar, MODAL_NONCE};
use super::security::{parse_origin, same_secret, Csp, Framing};
use super::templates::{self, Chrome, MessagePage, ModalBootPage, ModalResult};
use super::{respond, ExpiredContext, PageError};
use crate::app::AppState;
use crate::auth::authenticate_publishable;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use verifyd_core::random_base62;
use verifyd_core::submission::Channel;
use verifyd_store::hash_key;

/// A new browser binding: the cookie's secret and the hash the session keeps.
fn new_binding() -> (String, String) {
    let secret = random_base62(32);
    let hash = hash_key(&secret);
    (secret, hash)
}

/// `GET /verify/start/{token}`.
pub async fn open_link(
    State(app): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
            if token.is_empty()
                || token.len() > 128
                || !token.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(PageError::expired());
            }
            let peek = app
                .store()
                .session_by_url_token(&token)
                .await?
                .ok_or_else(PageError::expired)?;
            let id = peek.id.as_str().to_owned();
            let (secret, hash) = new_binding();
            let csrf = random_base62(32);
            let now = app.clock().now_millis();
            let mut tx = app.store().begin().await?;
            let mut session = tx
                .session(peek.livemode, &id)
                .await?
                .ok_or_else(PageError::expired)?;
            if session
                .open_with_url_token(&token, hash, csrf, now)
                .is_err()
            {
                drop(tx);
                // Spent already. If this very browser holds the attempt, say so and let it
                // continue; the link itself never opens a second time.
                let own_attempt = cookies::read(&headers, &cookies::binding_name(&id))
                    .map(|c| hash_key(&c))
                    .is_some_and(|h| session.attempt_for(&h, now).is_ok());
                return Err(PageError::Expired(ExpiredContext {
                    test_mode: Some(!session.livemode),
                    continue_url: own_attempt.then(|| format!("/verify/s/{id}")),
                    parent_origin: None,
                }));
            }
            tx.update_session(&session).await?;
            // A new attempt: uploads of earlier attempts that no submission used are gone.
            tx.erase_unsubmitted_files_of_session(session.livemode, &id)
                .await?;
            tx.commit().await?;
            let jar = CookieJar::for_public_url(app.public_url());
            let mut response = Redirect::to(&format!("/verify/s/{id}")).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, jar.binding(&id, &secret, Channel::Link));
            Ok(response)
        }
        .await,
    )
}

/// `HEAD /verify/start/{token}`: link checkers probe links with HEAD; answering without
/// opening keeps them from spending the end user's single-use link.
pub async fn probe_link() -> Response {
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// `GET /verify/modal`: the page the drop-in loads in its iframe. It holds nothing secret;
/// any site may frame it.
pub async fn modal_boot(State(app): State<AppState>) -> Response {
    let nonce = random_base62(32);
    let page = ModalBootPage {
        chrome: Chrome {
            channel: "modal",
            ..Chrome::new("Starting your verification", "modal-boot", false)
        },
        nonce: nonce.clone(),
    };
    let csp = Csp {
        framing: Framing::Anyone,
        form_targets: Vec::new(),
    };
    let mut response = templates::page(StatusCode::OK, &page, &csp);
    let jar = CookieJar::for_public_url(app.public_url());
    response.headers_mut().append(
        header::SET_COOKIE,
        jar.set(MODAL_NONCE, &nonce, "/verify/modal", 3600, Channel::Modal),
    );
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct OpenModalForm {
    nonce: Option<String>,
    client_secret: Option<String>,
    key: Option<String>,
    parent_origin: Option<String>,
}

/// A failure to open the modal, shown in the iframe and handed to the parent as the
/// `verifyIdentity()` result.
fn modal_failure(
    status: StatusCode,
    parent_origin: Option<String>,
    test_mode: bool,
    code: &'static str,
    heading: &str,
    message: String,
) -> Response {
    let mut chrome = Chrome::new(heading, "modal-error", test_mode);
    chrome.channel = "modal";
    let framing = match &parent_origin {
        Some(origin) => {
            chrome.result = Some(ModalResult::error(code, message.clone()));
            Framing::Origin(origin.clone())
        }
        None => Framing::Anyone,
    };
    chrome.parent_origin = parent_origin;
    let page = MessagePage {
        chrome,
        heading: heading.to_owned(),
        paragraphs: vec![message],
        link: None,
        testid: "modal-error",
    };
    let csp = Csp {
        framing,
        form_targets: Vec::new(),
    };
    templates::page(status, &page, &csp)
}

/// `POST /verify/modal/open`.
pub async fn open_modal(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<OpenModalForm>, FormRejection>,
) -> Response {
    respond(
        async {
            let Ok(Form(form)) = form else {
                return Err(PageError::BadRequest);
            };
            let parent = form.parent_origin.as_deref().and_then(parse_origin);
            let fail = |status, test_mode, code, heading: &str, message: &str| {
                Ok(modal_failure(
                    status,
                    parent.clone(),
                    test_mode,
                    code,
                    heading,
                    message.to_owned(),
                ))
            };
            let Some(parent_origin) = parent.clone() else {
                return fail(
                    StatusCode::BAD_REQUEST,
                    false,
                    "invalid_request",
                    "This verification window could not start",
                    "The page that opened it could not be identified.",
                );
            };
            let nonce_cookie = cookies::read(&headers, MODAL_NONCE).unwrap_or_default();
            if nonce_cookie.is_empty() || !same_secret(&nonce_cookie, form.nonce.as_deref().unwrap_or("")) {
                return fail(
                    StatusCode::FORBIDDEN,
                    false,
                    "cookies_unavailable",
                    "This verification window could not start",
                    "This browser did not keep the cookie the verification window needs. Allow cookies for this site and try again.",
                );
            }
            let key = form.key.as_deref().unwrap_or("");
            let caller = match authenticate_publishable(&app, key).await {
                Ok(caller) => caller,
                Err(error) if error.status == StatusCode::UNAUTHORIZED => {
                    return fail(
                        StatusCode::UNAUTHORIZED,
                        false,
                        "invalid_publishable_key",
                        "This verification window could not start",
                        &error.message,
                    );
                }
                Err(_) => return Err(PageError::Internal),
            };
            let secret = form.client_secret.unwrap_or_default();
            let expired = |test_mode| {
                fail(
                    StatusCode::GONE,
                    test_mode,
                    "session_expired",
                    super::EXPIRED_HEADING,
                    "This verification session has expired or was already used. Retrieve the VerificationSession on your server for a new client_secret.",
                )
            };
            if secret.is_empty() || secret.len() > 256 {
                return expired(!caller.livemode);
            }
            let Some(peek) = app.store().session_by_client_secret(&secret).await? else {
                return expired(!caller.livemode);
            };
            if peek.livemode != caller.livemode {
                let (key_mode, session_mode) = if caller.livemode {
                    ("live", "test")
                } else {
                    ("test", "live")
                };
                return fail(
                    StatusCode::UNAUTHORIZED,
                    !peek.livemode,
                    "invalid_publishable_key",
                    "This verification window could not start",
                    &format!("The publishable key is a {key_mode} mode key, but the VerificationSession was created in {session_mode} mode."),
                );
            }
            let id = peek.id.as_str().to_owned();
            let (binding_secret, hash) = new_binding();
            let csrf = random_base62(32);
            let now = app.clock().now_millis();
            let mut tx = app.store().begin().await?;
            let Some(mut session) = tx.session(peek.livemode, &id).await? else {
                return expired(!peek.livemode);
            };
            if session
                .open_with_client_secret(&secret, hash, csrf, now)
                .is_err()
            {
                drop(tx);
                return expired(!session.livemode);
            }
            tx.update_session(&session).await?;
            tx.erase_unsubmitted_files_of_session(session.livemode, &id)
                .await?;
            tx.commit().await?;
            let jar = CookieJar::for_public_url(app.public_url());
            let mut response = Redirect::to(&format!("/verify/s/{id}")).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                jar.binding(&id, &binding_secret, Channel::Modal),
            );
            headers.append(
                header::SET_COOKIE,
                jar.set(
                    &cookies::parent_origin_name(&id),
                    &parent_origin,
                    "/verify",
                    cookies::attempt_lifetime_seconds(Channel::Modal),
                    Channel::Modal,
                ),
            );
            headers.append(
                header::SET_COOKIE,
                jar.clear(MODAL_NONCE, "/verify/modal", Channel::Modal),
            );
            Ok(response)
        }
        .await,
    )
}
