//! How an attempt ends, and the last page. The post that ended it (submitted, consent
//! declined, no camera) is answered here: to `return_url` when a link's flow submitted and
//! the session has one, else to verifyd's end page, with a link's binding cookie deleted
//! (the modal's frame simply forgets its binding when it closes). A second post of the final
//! form from the browser that already submitted lands on the same page. The end page shows
//! nothing about the session but its mode; in the modal it carries the result the frame
//! hands its parent.

use super::cookies::CookieJar;
use super::security::{return_url_target, Csp};
use super::templates::{self, Chrome, MessagePage, ModalResult, PageLink};
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
}

fn jar(app: &AppState) -> CookieJar {
    CookieJar::for_public_url(app.public_url())
}

/// The answer to the post that ended an attempt: to `return_url` (links that submitted,
/// when the session has one), else to verifyd's end page; a link's binding cookie is
/// deleted (the modal's frame simply forgets its binding when it closes).
pub(crate) fn finish(
    app: &AppState,
    session: &VerificationSession,
    channel: Channel,
    end: End,
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
            Redirect::to(&format!("/verify/s/{id}/end/{}?via={via}", end.slug())).into_response()
        }
    };
    if channel == Channel::Link {
        response
            .headers_mut()
            .append(header::SET_COOKIE, jar(app).clear_binding(id));
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
        .then(|| finish(app, &visit.session, by.channel, End::Submitted)))
}

/// `GET /verify/s/{session}/end/{kind}`: the last page. In the modal it carries the result
/// the frame hands to the parent page. It shows nothing about the session but its mode.
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
    let via_modal = query.as_deref() == Some("via=modal");
    let return_link = (!via_modal)
        .then(|| session.as_ref().and_then(|s| s.return_url.clone()))
        .flatten()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .map(|href| PageLink {
            href,
            text: "Return to the site".into(),
        });
    let (title, heading, paragraphs, result, testid): (&str, &str, Vec<String>, ModalResult, &'static str) = match end {
        End::Submitted => (
            "Submitted",
            "Thank you, you're all done",
            {
                let mut p = vec!["Your information was submitted for verification. You can close this page.".to_owned()];
                if test_mode {
                    p.push("Test mode: the outcome is applied within a few seconds.".to_owned());
                }
                p
            },
            ModalResult::submitted(),
            "submitted",
        ),
        End::Declined => (
            "Verification declined",
            "You declined the verification",
            vec![
                "Nothing was collected. The site that asked for this verification will be told that you declined.".to_owned(),
                "If you change your mind, ask the site for a new link.".to_owned(),
            ],
            ModalResult::error("consent_declined", "The user declined to give consent for the verification."),
            "declined",
        ),
        End::DeviceUnsupported => (
            "A camera is needed",
            "A camera is needed for this verification",
            vec![
                "This verification needs photos taken with your device's camera, and none could be used in this browser.".to_owned(),
                "Ask the site for a new link and open it on a phone or another device with a camera.".to_owned(),
            ],
            ModalResult::error("device_unsupported", "The user's device has no camera or camera access was denied."),
            "device-unsupported",
        ),
    };
    let mut chrome = Chrome::new(title, "end", test_mode);
    if via_modal {
        // The modal's frame hands this result to its parent and closes.
        chrome.channel = "modal";
        chrome.result = Some(result);
    }
    let page = MessagePage {
        chrome,
        heading: heading.to_owned(),
        paragraphs,
        link: if end == End::Submitted {
            None
        } else {
            return_link
        },
        testid,
    };
    Ok(templates::page(StatusCode::OK, &page, &Csp::deny_framing()))
}
