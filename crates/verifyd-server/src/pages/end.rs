//! How an attempt ends, and the last page. The post that ended it (submitted, consent
//! declined, no camera) is answered here: to `return_url` when a link's flow submitted and
//! the session has one, else to verifyd's end page, with a link's binding cookie deleted
//! (the modal's frame simply forgets its binding when it closes). A second post of the final
//! form from the browser that already submitted lands on the same page. The end page shows
//! nothing about the session but its mode; in the modal it carries the result the frame
//! hands its parent. It is in the language the attempt chose (`&lang=` of the redirect),
//! else the browser's.

use super::cookies::CookieJar;
use super::i18n::Locale;
use super::security::{return_url_target, Csp};
use super::templates::{self, Chrome, Message, MessagePage, ModalResult};
use super::visit::Visit;
use super::{valid_session_id, PageError};
use crate::app::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use verifyd_core::session::VerificationSession;
use verifyd_core::submission::Channel;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Submitted,
    Declined,
    DeviceUnsupported,
}

impl End {
    fn slug(self) -> &'static str {
        match self {
            End::Submitted => "submitted",
            End::Declined => "declined",
            End::DeviceUnsupported => "device-unsupported",
        }
    }

    fn parse(slug: &str) -> Option<Self> {
        [End::Submitted, End::Declined, End::DeviceUnsupported]
            .into_iter()
            .find(|e| e.slug() == slug)
    }

    /// What `verifyIdentity()` resolves with when the modal ends this way.
    fn modal_result(self) -> ModalResult {
        match self {
            End::Submitted => ModalResult::submitted(),
            End::Declined => ModalResult::error(
                "consent_declined",
                "The user declined to give consent for the verification.",
            ),
            End::DeviceUnsupported => ModalResult::error(
                "device_unsupported",
                "The user's device has no camera or camera access was denied.",
            ),
        }
    }
}

/// The answer to the post that ended an attempt. `locale`: the language the attempt chose,
/// which the end page keeps (the attempt is gone by then).
pub(crate) fn finish(
    app: &AppState,
    session: &VerificationSession,
    channel: Channel,
    end: End,
    locale: Option<&str>,
) -> Response {
    let id = session.id.as_str();
    let return_to = session
        .return_url
        .as_deref()
        .filter(|url| return_url_target(url).is_some())
        .and_then(|url| HeaderValue::from_str(url).ok());
    let mut response = match (end, channel, return_to) {
        (End::Submitted, Channel::Link, Some(location)) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, location);
            r
        }
        _ => {
            let via = match channel {
                Channel::Link => "link",
                Channel::Modal => "modal",
            };
            let lang = locale
                .and_then(Locale::exact)
                .map(|lang| format!("&lang={}", lang.tag()))
                .unwrap_or_default();
            Redirect::to(&format!(
                "/verify/s/{id}/end/{}?via={via}{lang}",
                end.slug()
            ))
            .into_response()
        }
    };
    if channel == Channel::Link {
        let jar = CookieJar::for_public_url(app.public_url());
        response
            .headers_mut()
            .append(header::SET_COOKIE, jar.clear_binding(id));
    }
    response
}

/// A second post of the final form from the browser that just submitted (a double click,
/// a resent form): the page the first post reached, not an "expired link". Nothing
/// changes, and the page says nothing but that the submission was made.
pub(crate) async fn already_submitted(
    app: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<Option<Response>, PageError> {
    let visit = Visit::load(app, id, headers).await?;
    let (Some(binding), Some(by)) = (&visit.binding, &visit.session.submitted_by) else {
        return Ok(None);
    };
    Ok((by.is(&binding.hash) && binding.fits(by.channel))
        .then(|| finish(app, &visit.session, by.channel, End::Submitted, None)))
}

/// `GET /verify/s/{session}/end/{kind}`: the last page.
pub async fn end_page(
    State(app): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let end = End::parse(&kind).ok_or(PageError::NotFound)?;
    if !valid_session_id(&id) {
        return Err(PageError::NotFound);
    }
    let session = app.store().session_any_mode(&id).await?;
    let test_mode = session.as_ref().is_some_and(|s| !s.livemode);
    let pairs: Vec<(&str, &str)> = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let via_modal = pairs.contains(&("via", "modal"));
    // The attempt's chosen language, if the redirect says one (anything else: the browser's).
    let chosen = pairs
        .iter()
        .find(|(name, _)| *name == "lang")
        .and_then(|(_, tag)| Locale::exact(tag));
    let return_link = (!via_modal)
        .then(|| session.and_then(|s| s.return_url))
        .flatten()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    let message = match end {
        End::Submitted => Message::Submitted,
        End::Declined => Message::Declined { return_link },
        End::DeviceUnsupported => Message::DeviceUnsupported { return_link },
    };
    let mut chrome = Chrome::new(app.branding(), "end", test_mode);
    if let Some(lang) = chosen {
        chrome = chrome.in_language(lang);
    }
    if via_modal {
        // The modal's frame hands this result to its parent and closes.
        chrome = chrome.in_modal(Some(end.modal_result()));
    }
    let page = MessagePage { chrome, message };
    Ok(templates::page(StatusCode::OK, &page, &Csp::deny_framing()))
}
