//! The guard in front of every flow request after the link or client secret was spent:
//! which session a request is about and which attempt its browser holds (the link's cookie
//! or the modal frame's header, see `binding`), and, for a post, the write transaction in
//! which the session is read again, that attempt checked and the CSRF token compared
//! (constant time). Anything that does not hold is the expired page (or 403 for the token);
//! dropping the transaction changes nothing.

use super::binding::{from_modal_frame, Binding};
use super::security::same_secret;
use super::{valid_session_id, ExpiredContext, PageError};
use crate::app::AppState;
use axum::http::HeaderMap;
use verifyd_core::session::VerificationSession;
use verifyd_core::submission::Attempt;
use verifyd_store::Tx;

/// What a request told us about its session and browser before any change.
pub(crate) struct Visit {
    pub session: VerificationSession,
    /// The binding this request carried for the session, if any.
    pub binding: Option<Binding>,
    /// The request came from the modal's frame.
    pub in_modal: bool,
}

/// The open attempt of `session` that `binding` holds: the hash matches (constant time),
/// the attempt is still open, and it was opened through the channel that carries this
/// kind of binding (a cookie never opens a modal attempt, nor the header a link's).
fn held_attempt<'a>(
    session: &'a mut VerificationSession,
    binding: &Binding,
    now: i64,
) -> Option<&'a mut Attempt> {
    session
        .attempt_for(&binding.hash, now)
        .ok()
        .filter(|attempt| binding.fits(attempt.channel))
}

impl Visit {
    pub async fn load(app: &AppState, id: &str, headers: &HeaderMap) -> Result<Self, PageError> {
        if !valid_session_id(id) {
            return Err(PageError::expired());
        }
        let session = app
            .store()
            .session_any_mode(id)
            .await?
            .ok_or_else(PageError::expired)?;
        Ok(Self {
            binding: Binding::from_request(headers, id),
            in_modal: from_modal_frame(headers),
            session,
        })
    }

    pub fn expired(&self) -> PageError {
        PageError::Expired(ExpiredContext {
            test_mode: Some(!self.session.livemode),
            continue_url: None,
            in_modal: self.in_modal,
        })
    }

    /// The open attempt of this browser, as of the read.
    pub fn attempt(&self, now: i64) -> Result<(VerificationSession, Attempt), PageError> {
        let binding = self.binding.as_ref().ok_or_else(|| self.expired())?;
        let mut session = self.session.clone();
        let attempt = held_attempt(&mut session, binding, now)
            .ok_or_else(|| self.expired())?
            .clone();
        Ok((session, attempt))
    }
}

/// Opens the write transaction of a post: the session re-read, this browser's attempt
/// checked, the CSRF token compared. Dropping the transaction changes nothing.
pub(crate) async fn begin_post(
    app: &AppState,
    id: &str,
    headers: &HeaderMap,
    csrf_token: Option<&str>,
) -> Result<(Tx, VerificationSession), PageError> {
    let visit = Visit::load(app, id, headers).await?;
    let binding = visit.binding.clone().ok_or_else(|| visit.expired())?;
    let mut tx = app.store().begin().await?;
    let mut session = tx
        .session(visit.session.livemode, id)
        .await?
        .ok_or_else(|| visit.expired())?;
    let now = app.clock().now_millis();
    let attempt = held_attempt(&mut session, &binding, now).ok_or_else(|| visit.expired())?;
    if !same_secret(&attempt.csrf_token, csrf_token.unwrap_or("")) {
        return Err(PageError::Csrf {
            test_mode: !session.livemode,
        });
    }
    Ok((tx, session))
}

/// The attempt [`begin_post`] checked.
pub(crate) fn checked_attempt(session: &mut VerificationSession) -> &mut Attempt {
    session
        .attempt
        .as_mut()
        .expect("begin_post() checked that the attempt is open")
}
