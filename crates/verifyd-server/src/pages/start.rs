//! Opening the flow. A link (`GET /verify/start/{token}`, the session's `url`) or a client
//! secret (the modal: `GET /verify/modal` then `POST /verify/modal/open`) is spent on first
//! use: the session gets a new attempt with a fresh binding secret (the session keeps only
//! its hash) and a fresh CSRF token. A link's binding secret becomes this browser's binding
//! cookie and the browser is sent to `/verify/s/{session}`; the modal's is handed to the
//! modal's frame, which keeps it in memory and sends it in a header (see `binding`).
//! Anything else — unknown, used or expired credential, a session not waiting for input —
//! gets the expired page (410).
//!
//! The modal never carries the client secret in a URL: its frame page (`/verify/modal`,
//! framable only by the origin named in `?parent=`) receives it from that parent window by
//! `postMessage` and sends it with a marked same-origin `fetch`, together with the
//! publishable key (checked, and required to be of the session's mode). The language the
//! integrator asked for (`Stripe(pk, {locale})`) comes the same way and is stored on the
//! attempt, as if the end user had chosen it.

use super::binding::{is_modal_open_request, new_binding};
use super::cookies::{self, CookieJar};
use super::i18n::{self, Locale};
use super::input::{self, PageForm};
use super::security::{parse_origin, Csp, Framing};
use super::templates::{self, Chrome, Message, MessagePage, ModalFramePage, ModalResult};
use super::{ExpiredContext, PageError};
use crate::app::AppState;
use crate::auth::authenticate_publishable;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use verifyd_core::random_base62;
use verifyd_store::hash_key;

/// `GET /verify/start/{token}`.
pub async fn open_link(
    State(app): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if token.is_empty() || token.len() > 128 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
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
            in_modal: false,
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
        .append(header::SET_COOKIE, jar.binding(&id, &secret));
    Ok(response)
}

/// `HEAD /verify/start/{token}`: link checkers probe links with HEAD; answering without
/// opening keeps them from spending the end user's single-use link.
pub async fn probe_link() -> Response {
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The value of `name` in a query string, percent-decoded (as `encodeURIComponent` writes
/// it); `None` if absent or not UTF-8.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    let value = query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)?;
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()
        .map(|v| v.into_owned())
}

/// The origin named by `?parent=`, rebuilt from its checked parts.
fn parent_origin_of(query: Option<&str>) -> Option<String> {
    parse_origin(&query_value(query, "parent")?)
}

/// The language the integrator asked for with `Stripe(pk, {locale})`, passed by the drop-in
/// as `?locale=`: `Ok(None)` when absent, `auto` (the browser's languages) or a language the
/// pages do not have (as Stripe.js falls back); the closest of the pages' languages
/// otherwise (`fr-CA` → `fr`). A value that is not a language tag at all is refused.
fn requested_locale_of(query: Option<&str>) -> Result<Option<Locale>, PageError> {
    let Some(value) = query_value(query, "locale") else {
        return Ok(None);
    };
    if value.is_empty()
        || value.len() > i18n::MAX_TAG_LEN
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(PageError::BadRequest);
    }
    if value == "auto" {
        return Ok(None);
    }
    Ok(Locale::closest(&value))
}

/// `GET /verify/modal?parent=<origin>[&locale=<tag>]`: the page the drop-in loads in its
/// iframe, where the whole modal is drawn and its flow runs. It holds nothing secret when
/// served; only the named origin may frame it, and it takes the client secret only from
/// that origin. With `locale`, it is shown in that language and hands the choice on to the
/// attempt it opens.
pub async fn modal_frame(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let parent = parent_origin_of(query.as_deref());
    let requested = requested_locale_of(query.as_deref())?;
    let chrome = |page| {
        let chrome = Chrome::new(app.branding(), page, false).in_modal(None);
        match requested {
            Some(lang) => chrome.in_language(lang),
            None => chrome,
        }
    };
    let Some(parent) = parent else {
        // Without its parent's origin the frame cannot work (an out-of-date drop-in, or
        // the page opened by hand): say so to whoever shows it; there is nothing to protect.
        let page = MessagePage {
            chrome: chrome("modal-error"),
            message: Message::ModalWithoutParent,
        };
        let csp = Csp {
            framing: Framing::Anyone,
            form_targets: Vec::new(),
        };
        return Ok(templates::page(StatusCode::BAD_REQUEST, &page, &csp));
    };
    let page = ModalFramePage {
        chrome: Chrome {
            parent_origin: Some(parent.clone()),
            requested_locale: requested.map(|lang| lang.tag().to_owned()),
            ..chrome("modal")
        },
    };
    let csp = Csp {
        framing: Framing::Origin(parent),
        form_targets: Vec::new(),
    };
    Ok(templates::page(StatusCode::OK, &page, &csp))
}

#[derive(Debug, Default, Deserialize)]
pub struct OpenModalForm {
    client_secret: Option<String>,
    key: Option<String>,
    /// The language the frame was asked for (its `?locale=`, one of the pages' tags).
    locale: Option<String>,
}

/// A failure to open the modal: a page the frame shows, marked with the `verifyIdentity()`
/// result it hands to its parent, whose message the page shows too (`expired`: the client
/// secret cannot be used). Fetched by the frame, never framed itself.
fn modal_failure(
    app: &AppState,
    status: StatusCode,
    test_mode: bool,
    code: &'static str,
    expired: bool,
    message: &str,
    lang: Option<Locale>,
) -> Result<Response, PageError> {
    let mut chrome = Chrome::new(app.branding(), "modal-error", test_mode)
        .in_modal(Some(ModalResult::error(code, message)));
    if let Some(lang) = lang {
        chrome = chrome.in_language(lang);
    }
    let page = MessagePage {
        chrome,
        message: Message::ModalNotOpened { expired },
    };
    Ok(templates::page(status, &page, &Csp::deny_framing()))
}

/// What the modal's frame gets when its attempt opened: the binding secret it must send
/// with every later request (it keeps it in memory only), and where the flow starts.
#[derive(Debug, serde::Serialize)]
struct OpenedModal {
    binding: String,
    flow: String,
}

/// `POST /verify/modal/open`, sent by the modal's frame with `fetch`.
pub async fn open_modal(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<PageForm<OpenModalForm>, PageError>,
) -> Result<Response, PageError> {
    // Only verifyd's own frame can send this request (a marked, same-origin fetch):
    // no other site can spend a client secret in this browser.
    if !is_modal_open_request(&headers) {
        return Err(PageError::Csrf { test_mode: false });
    }
    let Ok(PageForm(form)) = form else {
        return Err(PageError::BadRequest);
    };
    // Checked before anything is spent: a value the frame could not have sent is refused.
    let locale = match form.locale.as_deref() {
        None | Some("") => None,
        Some(tag) => Some(input::chosen_locale(Some(tag)).ok_or(PageError::BadRequest)?),
    };
    let key = form.key.as_deref().unwrap_or("");
    let caller = match authenticate_publishable(&app, key).await {
        Ok(caller) => caller,
        Err(error) if error.status == StatusCode::UNAUTHORIZED => {
            return modal_failure(
                &app,
                StatusCode::UNAUTHORIZED,
                false,
                "invalid_publishable_key",
                false,
                &error.message,
                locale,
            );
        }
        Err(_) => return Err(PageError::Internal),
    };
    let secret = form.client_secret.unwrap_or_default();
    let expired = |test_mode| {
        modal_failure(
            &app,
            StatusCode::GONE,
            test_mode,
            "session_expired",
            true,
            "This verification session has expired or was already used. Retrieve the VerificationSession on your server for a new client_secret.",
            locale,
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
        return modal_failure(
            &app,
            StatusCode::UNAUTHORIZED,
            !peek.livemode,
            "invalid_publishable_key",
            false,
            &format!("The publishable key is a {key_mode} mode key, but the VerificationSession was created in {session_mode} mode."),
            locale,
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
    if let Some(attempt) = session.attempt.as_mut() {
        attempt.locale = locale.map(|lang| lang.tag().to_owned());
    }
    tx.update_session(&session).await?;
    tx.erase_unsubmitted_files_of_session(session.livemode, &id)
        .await?;
    tx.commit().await?;
    let opened = OpenedModal {
        binding: binding_secret,
        flow: format!("/verify/s/{id}"),
    };
    Ok(axum::Json(opened).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modal_takes_a_language_tag_and_refuses_what_is_not_one() {
        let tag = |q: &str| requested_locale_of(Some(q)).map(|l| l.map(Locale::tag));
        assert_eq!(tag("parent=x").unwrap(), None);
        assert_eq!(tag("locale=auto").unwrap(), None);
        assert_eq!(tag("locale=fr").unwrap(), Some("fr"));
        assert_eq!(tag("locale=de-CH").unwrap(), Some("de"));
        assert_eq!(tag("locale=ja").unwrap(), None);
        for bad in [
            "locale=",
            "locale=f%20r",
            "locale=%3Cb%3E",
            &format!("locale={}", "a".repeat(40)),
        ] {
            assert!(tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_parent_origin_comes_percent_encoded_and_is_checked() {
        assert_eq!(
            parent_origin_of(Some("parent=http%3A%2F%2Flocalhost%3A4242")).as_deref(),
            Some("http://localhost:4242")
        );
        assert_eq!(
            parent_origin_of(Some("x=1&parent=https%3A%2F%2FShop.Example.com")).as_deref(),
            Some("https://shop.example.com")
        );
        for bad in [
            None,
            Some(""),
            Some("parent="),
            Some("parent=null"),
            Some("parent=http%3A%2F%2Fshop.example.com%2Fpath"),
            Some("parent=http%3A%2F%2Fa%20b"),
            Some("parent=%FF"),
        ] {
            assert_eq!(parent_origin_of(bad), None, "{bad:?}");
        }
    }
}
