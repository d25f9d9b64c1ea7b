//! The security headers of the hosted pages: the Content-Security-Policy of each page (who
//! may frame it, where its forms may lead), the fixed headers every response of the pages
//! router carries (`nosniff`, `no-referrer`, `no-store`, a camera-only Permissions-Policy),
//! constant-time token comparison, and the parsing of the web origins that end up in those
//! headers. An origin only reaches a header after [`parse_origin`] has rebuilt it from
//! checked parts, so no caller-supplied text is ever copied into a header.

use axum::http::{header, HeaderValue};
use axum::response::Response;
use subtle::ConstantTimeEq;

/// Who may embed a page in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// Nobody (`frame-ancestors 'none'`): the link flow, error pages.
    Deny,
    /// Any web page (`frame-ancestors *`): only the modal's bootstrap page, which holds no
    /// data and is what integrators' pages load before handing over the client secret.
    Anyone,
    /// Only this origin: the modal flow after it was opened from that parent page.
    Origin(String),
}

/// The Content-Security-Policy of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    pub framing: Framing,
    /// Origins (besides `'self'`) that forms may post to or be redirected to after a post:
    /// the session's `return_url` origin when the last step redirects there (Chrome applies
    /// `form-action` to redirects that follow a form submission).
    pub form_targets: Vec<String>,
}

impl Csp {
    pub fn deny_framing() -> Self {
        Self {
            framing: Framing::Deny,
            form_targets: Vec::new(),
        }
    }

    pub fn header_value(&self) -> String {
        let frame_ancestors = match &self.framing {
            Framing::Deny => "'none'".to_owned(),
            Framing::Anyone => "*".to_owned(),
            Framing::Origin(origin) => origin.clone(),
        };
        let mut form_action = "'self'".to_owned();
        for target in &self.form_targets {
            form_action.push(' ');
            form_action.push_str(target);
        }
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
             media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action {form_action}; frame-ancestors {frame_ancestors}"
        )
    }
}

/// Stamps the headers every response of the pages router carries, leaving alone those a
/// handler set on purpose (a page's own CSP, an asset's cache policy).
pub async fn stamp_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| {
            HeaderValue::from_str(&Csp::deny_framing().header_value())
                .expect("static policy is a valid header")
        });
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=(), payment=()"),
    );
    response
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Parses `text` as a web origin (`http(s)://host[:port]`, nothing after) and returns it
/// rebuilt from its checked parts, or `None`.
pub fn parse_origin(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (host, port) = split_host_port(rest)?;
    let mut origin = format!("{scheme}://{host}");
    if let Some(port) = port {
        origin.push(':');
        origin.push_str(&port.to_string());
    }
    Some(origin)
}

/// The origin of a URL (`return_url`), in the same checked form, for `form-action`.
pub fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials in a URL (`user:pass@host`) are not part of the origin.
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    parse_origin(&format!("{scheme}://{authority}"))
}

/// The `form-action` source that lets a form's redirect reach `return_url`: its origin for
/// http(s) URLs, its scheme (`myapp:`) for an app's custom scheme. `None` for schemes a
/// browser must never be sent to from here (`javascript:`, `data:`, …): the flow then ends
/// on verifyd's own "submitted" page instead.
pub fn return_url_target(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => origin_of_url(url),
        "javascript" | "data" | "vbscript" | "file" | "blob" | "filesystem" | "about" => None,
        _ if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            Some(format!("{scheme}:"))
        }
        _ => None,
    }
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if authority.is_empty() {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        let (inside, after) = rest.split_once(']')?;
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_rebuilt_from_checked_parts() {
        assert_eq!(
            parse_origin("http://localhost:3000").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            parse_origin("HTTPS://Shop.Example.com").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            parse_origin("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        for bad in [
            "",
            "null",
            "javascript://x",
            "http://",
            "http://a b",
            "http://evil.com; script-src *",
            "http://x:99999",
            "http://x/path",
            "http://x:80\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_origin_of_a_return_url_drops_path_query_and_credentials() {
        assert_eq!(
            origin_of_url("https://user:pw@shop.example.com:8443/done?x=1#y").as_deref(),
            Some("https://shop.example.com:8443")
        );
        assert_eq!(
            origin_of_url("http://localhost:4000").as_deref(),
            Some("http://localhost:4000")
        );
        assert_eq!(origin_of_url("myapp://done"), None);
    }

    #[test]
    fn return_urls_become_form_targets_unless_their_scheme_is_dangerous() {
        assert_eq!(
            return_url_target("https://shop.example.com/done").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(return_url_target("myapp://done").as_deref(), Some("myapp:"));
        assert_eq!(return_url_target("javascript://%0aalert(1)"), None);
        assert_eq!(return_url_target("data://text/html,hi"), None);
    }

    #[test]
    fn the_policy_names_form_targets_and_framing() {
        let csp = Csp {
            framing: Framing::Origin("https://shop.example.com".into()),
            form_targets: vec!["https://shop.example.com".into()],
        };
        let value = csp.header_value();
        assert!(value.contains("form-action 'self' https://shop.example.com;"));
        assert!(value.ends_with("frame-ancestors https://shop.example.com"));
        assert!(value.contains("script-src 'self';"));
        assert!(!value.contains("unsafe-inline"));
        assert!(Csp::deny_framing()
            .header_value()
            .ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }
}
