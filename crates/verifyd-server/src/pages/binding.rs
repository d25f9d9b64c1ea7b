//! Which attempt a request holds: the binding secret it carries and how it carries it. A
//! link's attempt is bound to the browser by the binding cookie; the modal's to its iframe
//! by a secret that only the iframe's script holds and sends in the `Verifyd-Binding`
//! header (no cookie, so third-party cookie blocking cannot break it, and never in a URL).
//! Only the secret's SHA-256 leaves this module, and only the way a channel opened its
//! attempt counts for it: a modal attempt never accepts a cookie, a link attempt never the
//! header. Also the header that marks the modal's open request. Secrets never reach a log.

use super::cookies;
use axum::http::HeaderMap;
use verifyd_core::random_base62;
use verifyd_core::submission::Channel;
use verifyd_store::hash_key;

/// The request header in which the modal's frame sends its binding secret.
pub const BINDING_HEADER: &str = "verifyd-binding";

/// The request header (value `open`) the modal's frame sends with `POST /verify/modal/open`.
/// No cross-site form can send a header, and no other site's script can without a CORS
/// preflight, which verifyd never grants: with it the open request is known to come from
/// verifyd's own frame.
pub const MODAL_OPEN_HEADER: &str = "verifyd-modal";

/// Longest binding secret accepted from a request (ours are 32 characters).
const MAX_SECRET_LEN: usize = 128;

/// A new binding: the secret handed to the browser or frame, and the hash the session keeps.
pub fn new_binding() -> (String, String) {
    let secret = random_base62(32);
    let hash = hash_key(&secret);
    (secret, hash)
}

/// What a request showed of its binding to a session.
#[derive(Debug, Clone)]
pub struct Binding {
    /// SHA-256 (hex) of the secret it carried.
    pub hash: String,
    /// How it carried it: in the modal's header, or in the link's cookie.
    pub channel: Channel,
}

impl Binding {
    /// The binding `headers` carry for `session_id`: the modal's header if present (even
    /// empty or malformed, which then matches nothing), else the link's cookie.
    pub fn from_request(headers: &HeaderMap, session_id: &str) -> Option<Self> {
        if let Some(value) = headers.get(BINDING_HEADER) {
            let secret = value
                .to_str()
                .ok()
                .filter(|s| !s.is_empty() && s.len() <= MAX_SECRET_LEN)
                .unwrap_or("");
            return Some(Self {
                hash: hash_key(secret),
                channel: Channel::Modal,
            });
        }
        cookies::read(headers, &cookies::binding_name(session_id)).map(|secret| Self {
            hash: hash_key(&secret),
            channel: Channel::Link,
        })
    }

    /// Whether this binding may be used for an attempt opened through `channel`.
    pub fn fits(&self, channel: Channel) -> bool {
        self.channel == channel
    }
}

/// Whether the request came from the modal's frame (it carries the binding header), so that
/// a refusal is handed to the parent page as a `verifyIdentity()` result.
pub fn from_modal_frame(headers: &HeaderMap) -> bool {
    headers.contains_key(BINDING_HEADER)
}

/// Whether `POST /verify/modal/open` came from verifyd's own frame: it carries
/// `Verifyd-Modal: open`, and the browser does not say it came from another origin.
pub fn is_modal_open_request(headers: &HeaderMap) -> bool {
    let marked = headers
        .get(MODAL_OPEN_HEADER)
        .is_some_and(|v| v.as_bytes() == b"open");
    let same_origin = headers
        .get("sec-fetch-site")
        .is_none_or(|v| v.as_bytes() == b"same-origin");
    marked && same_origin
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    #[test]
    fn the_modal_header_wins_over_a_cookie_and_names_the_modal_channel() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("verifyd_b_vs_1=cookie"),
        );
        let link = Binding::from_request(&headers, "vs_1").unwrap();
        assert_eq!(link.channel, Channel::Link);
        assert_eq!(link.hash, hash_key("cookie"));
        assert!(link.fits(Channel::Link) && !link.fits(Channel::Modal));

        headers.insert(BINDING_HEADER, HeaderValue::from_static("frame"));
        let modal = Binding::from_request(&headers, "vs_1").unwrap();
        assert_eq!(modal.channel, Channel::Modal);
        assert_eq!(modal.hash, hash_key("frame"));
        assert!(from_modal_frame(&headers));
    }

    #[test]
    fn an_empty_or_oversized_header_matches_no_secret() {
        let mut headers = HeaderMap::new();
        headers.insert(BINDING_HEADER, HeaderValue::from_static(""));
        let empty = Binding::from_request(&headers, "vs_1").unwrap();
        assert_eq!(empty.hash, hash_key(""));
        headers.insert(
            BINDING_HEADER,
            HeaderValue::from_str(&"a".repeat(MAX_SECRET_LEN + 1)).unwrap(),
        );
        assert_eq!(
            Binding::from_request(&headers, "vs_1").unwrap().hash,
            hash_key("")
        );
        assert!(Binding::from_request(&HeaderMap::new(), "vs_1").is_none());
    }

    #[test]
    fn only_a_marked_same_origin_request_may_open_the_modal() {
        let mut headers = HeaderMap::new();
        assert!(!is_modal_open_request(&headers));
        headers.insert(MODAL_OPEN_HEADER, HeaderValue::from_static("open"));
        assert!(is_modal_open_request(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(is_modal_open_request(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!is_modal_open_request(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        headers.insert(MODAL_OPEN_HEADER, HeaderValue::from_static("1"));
        assert!(!is_modal_open_request(&headers));
    }
}
