//! The link flow's binding cookie: it ties an opened link to one browser (its secret is
//! random; the session keeps only its SHA-256). `HttpOnly`, scoped to `/verify`,
//! `SameSite=Lax`, and `Secure` when the public URL is https. The modal uses no cookie
//! (see `binding`). Cookie values never reach a log.

use axum::http::{header, HeaderMap, HeaderValue};
use verifyd_core::session::URL_TTL_MILLIS;

/// Name of the cookie binding `session_id`'s link attempt to this browser.
pub fn binding_name(session_id: &str) -> String {
    format!("verifyd_b_{session_id}")
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

    /// A `Set-Cookie` value. `value` must be cookie-safe (random base62).
    fn set(&self, name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let text = format!(
            "{name}={value}; Path=/verify; Max-Age={max_age_seconds}; HttpOnly{secure}; SameSite=Lax"
        );
        HeaderValue::from_str(&text).expect("cookie parts are header-safe")
    }

    /// The binding cookie of a newly opened link; it lives as long as the link could.
    pub fn binding(&self, session_id: &str, secret: &str) -> HeaderValue {
        self.set(&binding_name(session_id), secret, URL_TTL_MILLIS / 1000)
    }

    /// A `Set-Cookie` value that deletes the binding cookie of `session_id`.
    pub fn clear_binding(&self, session_id: &str) -> HeaderValue {
        self.set(&binding_name(session_id), "", 0)
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
    fn cookie_attributes_follow_the_scheme() {
        let https = CookieJar::for_public_url("https://verify.example.com");
        let link = https.binding("vs_1", "s");
        let link = link.to_str().unwrap();
        assert!(link.contains("HttpOnly"));
        assert!(link.contains("Secure; SameSite=Lax"));
        assert!(link.contains("Path=/verify;"));
        assert!(!link.contains("Partitioned"));
        let http = CookieJar::for_public_url("http://127.0.0.1:1");
        let plain = http.binding("vs_1", "s");
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(plain.to_str().unwrap().contains("SameSite=Lax"));
        let cleared = http.clear_binding("vs_1");
        assert!(cleared
            .to_str()
            .unwrap()
            .starts_with("verifyd_b_vs_1=; Path=/verify; Max-Age=0;"));
    }
}
