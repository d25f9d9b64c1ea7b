//! The cookies of the hosted flow: the binding cookie that ties an opened link or client
//! secret to one browser (its secret is random; the session keeps only its SHA-256), the
//! modal's parent-origin cookie, and the modal bootstrap nonce (double-submit). All are
//! `HttpOnly` and scoped to `/verify`. Attributes follow the public URL: over https they are
//! `Secure`, and the modal's are `SameSite=None; Secure; Partitioned` so they work inside an
//! integrator's page (partitioned per top-level site, so they survive third-party cookie
//! blocking); otherwise `SameSite=Lax`. Cookie values never reach a log.

use axum::http::{header, HeaderMap, HeaderValue};
use verifyd_core::session::{CLIENT_SECRET_TTL_MILLIS, URL_TTL_MILLIS};
use verifyd_core::submission::Channel;

/// Name of the modal bootstrap nonce cookie.
pub const MODAL_NONCE: &str = "verifyd_modal";

/// Name of the cookie binding `session_id`'s attempt to this browser.
pub fn binding_name(session_id: &str) -> String {
    format!("verifyd_b_{session_id}")
}

/// Name of the cookie holding the modal's parent origin for `session_id`.
pub fn parent_origin_name(session_id: &str) -> String {
    format!("verifyd_o_{session_id}")
}

/// The value of cookie `name` in the request, if present.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// How cookies are written, from the public URL's scheme.
#[derive(Debug, Clone, Copy)]
pub struct CookieJar {
    pub secure: bool,
}

impl CookieJar {
    pub fn for_public_url(public_url: &str) -> Self {
        Self {
            secure: public_url.to_ascii_lowercase().starts_with("https://"),
        }
    }

    fn attributes(&self, channel: Channel) -> &'static str {
        match (self.secure, channel) {
            (true, Channel::Modal) => "; Secure; SameSite=None; Partitioned",
            (true, Channel::Link) => "; Secure; SameSite=Lax",
            (false, _) => "; SameSite=Lax",
        }
    }

    /// A `Set-Cookie` value. `value` must be cookie-safe (random base62, or a checked origin).
    pub fn set(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age_seconds: i64,
        channel: Channel,
    ) -> HeaderValue {
        let text = format!(
            "{name}={value}; Path={path}; Max-Age={max_age_seconds}; HttpOnly{}",
            self.attributes(channel)
        );
        HeaderValue::from_str(&text).expect("cookie parts are header-safe")
    }

    /// A `Set-Cookie` value that deletes cookie `name`.
    pub fn clear(&self, name: &str, path: &str, channel: Channel) -> HeaderValue {
        self.set(name, "", path, 0, channel)
    }

    /// The binding cookie for a newly opened attempt; it lives as long as the credential.
    pub fn binding(&self, session_id: &str, secret: &str, channel: Channel) -> HeaderValue {
        self.set(
            &binding_name(session_id),
            secret,
            "/verify",
            attempt_lifetime_seconds(channel),
            channel,
        )
    }
}

/// How long an attempt opened through `channel` stays usable.
pub fn attempt_lifetime_seconds(channel: Channel) -> i64 {
    match channel {
        Channel::Link => URL_TTL_MILLIS / 1000,
        Channel::Modal => CLIENT_SECRET_TTL_MILLIS / 1000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; verifyd_b_vs_1=xyz; verifyd_b_vs_12=no"),
        );
        assert_eq!(read(&headers, "verifyd_b_vs_1").as_deref(), Some("xyz"));
        assert_eq!(read(&headers, "verifyd_b_vs_2"), None);
    }

    #[test]
    fn cookie_attributes_follow_the_scheme_and_channel() {
        let https = CookieJar::for_public_url("https://verify.example.com");
        let modal = https.binding("vs_1", "s", Channel::Modal);
        let modal = modal.to_str().unwrap();
        assert!(modal.contains("HttpOnly"));
        assert!(modal.contains("SameSite=None; Partitioned"));
        assert!(modal.contains("Secure"));
        assert!(modal.contains("Path=/verify;"));
        let link = https.binding("vs_1", "s", Channel::Link);
        assert!(link.to_str().unwrap().contains("Secure; SameSite=Lax"));
        let http = CookieJar::for_public_url("http://127.0.0.1:1");
        let plain = http.binding("vs_1", "s", Channel::Modal);
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(plain.to_str().unwrap().contains("SameSite=Lax"));
    }
}
