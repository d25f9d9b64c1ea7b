//! API keys: their kinds (secret, restricted, publishable), modes (test, live), the
//! permissions a restricted key may hold, and how a key is parsed from its prefix. Keys
//! are only ever stored as hashes; the plaintext exists once, when the key is created.

use crate::ids::random_base62;
use std::collections::BTreeSet;

/// Which of Stripe's three key kinds a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Secret,
    Restricted,
    Publishable,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Restricted => "restricted",
            KeyKind::Publishable => "publishable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "secret" => Some(KeyKind::Secret),
            "restricted" => Some(KeyKind::Restricted),
            "publishable" => Some(KeyKind::Publishable),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Secret => "sk",
            KeyKind::Restricted => "rk",
            KeyKind::Publishable => "pk",
        }
    }
}

/// The name earlier versions gave the recent-sensitive-results permission (still accepted:
/// keys stored with it keep working).
const LEGACY_RECENT_SENSITIVE: &str = "identity.sensitive_verification_results:read";

/// How long after a verification the "recent" sensitive-results permission reaches it.
pub const RECENT_SENSITIVE_RESULTS_SECONDS: i64 = 48 * 3600;

/// What a restricted key may do. Secret keys hold every permission, publishable keys none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Create, update, cancel and redact sessions.
    SessionsWrite,
    /// Retrieve and list sessions.
    SessionsRead,
    /// Retrieve and list reports.
    ReportsRead,
    /// Expand sensitive verification results (dob, id numbers, document numbers, ...) of
    /// verifications from the last 48 hours (Stripe's "recent sensitive verification
    /// results").
    SensitiveResultsRead,
    /// The same for verifications of any age (Stripe's "all sensitive verification results").
    AllSensitiveResultsRead,
    /// List and retrieve events.
    EventsRead,
    /// Create, update and delete webhook endpoints (and read them).
    WebhookEndpointsWrite,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::SessionsRead,
        Permission::SessionsWrite,
        Permission::ReportsRead,
        Permission::SensitiveResultsRead,
        Permission::AllSensitiveResultsRead,
        Permission::EventsRead,
        Permission::WebhookEndpointsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::SessionsWrite => "identity.verification_sessions:write",
            Permission::SessionsRead => "identity.verification_sessions:read",
            Permission::ReportsRead => "identity.verification_reports:read",
            Permission::SensitiveResultsRead => {
                "identity.recent_sensitive_verification_results:read"
            }
            Permission::AllSensitiveResultsRead => {
                "identity.all_sensitive_verification_results:read"
            }
            Permission::EventsRead => "events:read",
            Permission::WebhookEndpointsWrite => "webhook_endpoints:write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        if raw == LEGACY_RECENT_SENSITIVE {
            return Some(Permission::SensitiveResultsRead);
        }
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// What a restricted key holds unless told otherwise: read sessions and reports,
    /// including sensitive verification results.
    pub fn restricted_default() -> BTreeSet<Permission> {
        [
            Permission::SessionsRead,
            Permission::ReportsRead,
            Permission::SensitiveResultsRead,
        ]
        .into_iter()
        .collect()
    }
}

/// Parses a comma-separated permission list such as `identity.verification_sessions:read,…`.
pub fn parse_permissions(raw: &str) -> Result<BTreeSet<Permission>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Permission::parse(p).ok_or_else(|| p.to_owned()))
        .collect()
}

/// Serializes a permission set in the same comma-separated form.
pub fn format_permissions(perms: &BTreeSet<Permission>) -> String {
    perms
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The kind and mode a key's prefix announces (`sk_test_`, `rk_live_`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyShape {
    pub kind: KeyKind,
    pub livemode: bool,
}

/// Minimum random characters after the prefix for a key supplied by configuration.
pub const MIN_CONFIGURED_KEY_RANDOM: usize = 16;

/// Reads kind and mode from a key's prefix; `None` if it is not shaped like a key.
pub fn key_shape(key: &str) -> Option<KeyShape> {
    let (kind, rest) = if let Some(rest) = key.strip_prefix("sk_") {
        (KeyKind::Secret, rest)
    } else if let Some(rest) = key.strip_prefix("rk_") {
        (KeyKind::Restricted, rest)
    } else if let Some(rest) = key.strip_prefix("pk_") {
        (KeyKind::Publishable, rest)
    } else {
        return None;
    };
    let (livemode, random) = if let Some(r) = rest.strip_prefix("test_") {
        (false, r)
    } else if let Some(r) = rest.strip_prefix("live_") {
        (true, r)
    } else {
        return None;
    };
    if random.is_empty() || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(KeyShape { kind, livemode })
}

/// A fresh key of the given kind and mode: prefix plus 48 random base62 characters.
pub fn generate_key(kind: KeyKind, livemode: bool) -> String {
    let mode = if livemode { "live" } else { "test" };
    format!("{}_{}_{}", kind.prefix(), mode, random_base62(48))
}

/// The key as Stripe shows it in error messages: the prefix, stars, the last four.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        return format!("{}{}", "*".repeat(chars.len().saturating_sub(4)), tail);
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shapes_come_from_prefixes() {
        let shape = key_shape(&generate_key(KeyKind::Restricted, true)).unwrap();
        assert_eq!(shape.kind, KeyKind::Restricted);
        assert!(shape.livemode);
        assert_eq!(
            key_shape("pk_test_abc").map(|s| s.kind),
            Some(KeyKind::Publishable)
        );
        assert!(key_shape("sk_prod_abc").is_none());
        assert!(key_shape("sk_test_").is_none());
        assert!(key_shape("sk_test_a b").is_none());
        assert!(key_shape("whsec_abc").is_none());
    }

    #[test]
    fn masked_keys_keep_only_prefix_and_last_four() {
        let key = "sk_test_abcdefghijklmnop1234";
        let masked = mask_key(key);
        assert!(masked.starts_with("sk_test_"));
        assert!(masked.ends_with("1234"));
        assert!(!masked.contains("abcdef"));
        assert_eq!(masked.len(), key.len());
        assert_eq!(mask_key("short"), "*hort");
    }

    #[test]
    fn permission_lists_round_trip_and_reject_unknown_names() {
        let perms = parse_permissions(
            "identity.verification_sessions:read, identity.verification_reports:read",
        )
        .unwrap();
        assert_eq!(perms.len(), 2);
        let text = format_permissions(&perms);
        assert_eq!(parse_permissions(&text).unwrap(), perms);
        assert_eq!(
            parse_permissions("identity.nope:read"),
            Err("identity.nope:read".into())
        );
    }
}
