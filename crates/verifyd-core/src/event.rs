//! Events and webhook endpoints as domain objects: the identity event types, which event a
//! status change emits, which endpoints receive which events (`*` matches everything except
//! `identity.verification_session.redacted`, which must be listed by name), and the
//! `Stripe-Signature` scheme (HMAC-SHA256 over `"{t}.{body}"`).

use crate::ids::random_base62;
use crate::metadata::Metadata;
use crate::session::{string_enum, SessionStatus};
use serde::{Deserialize, Serialize};

string_enum!(
    /// The events verifyd emits.
    EventType {
        Canceled => "identity.verification_session.canceled",
        Created => "identity.verification_session.created",
        Processing => "identity.verification_session.processing",
        Redacted => "identity.verification_session.redacted",
        RequiresInput => "identity.verification_session.requires_input",
        Verified => "identity.verification_session.verified",
    }
);

impl EventType {
    /// The event announcing that a session reached `status`.
    pub fn for_status(status: SessionStatus) -> Self {
        match status {
            SessionStatus::Canceled => EventType::Canceled,
            SessionStatus::Processing => EventType::Processing,
            SessionStatus::RequiresInput => EventType::RequiresInput,
            SessionStatus::Verified => EventType::Verified,
        }
    }

    /// Delivered only to endpoints that list it by name, never through `*`.
    pub fn explicit_only(self) -> bool {
        self == EventType::Redacted
    }
}

/// Every value Stripe's spec allows in `enabled_events[]` (`*` included).
pub fn known_event_types() -> impl Iterator<Item = &'static str> {
    include_str!("../data/event_types.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every value Stripe's spec allows as a webhook endpoint's `api_version`.
pub fn known_api_versions() -> impl Iterator<Item = &'static str> {
    include_str!("../data/api_versions.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether an event-type filter (`*` wildcards allowed anywhere) matches `event_type`.
pub fn type_matches(pattern: &str, event_type: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == event_type;
    }
    let mut rest = event_type;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

string_enum!(
    /// `status` of a webhook endpoint.
    EndpointStatus {
        Enabled => "enabled",
        Disabled => "disabled",
    }
);

/// A webhook endpoint as stored (secret included; it is shown only on create).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub livemode: bool,
    pub created: i64,
    pub url: String,
    pub enabled_events: Vec<String>,
    pub description: Option<String>,
    pub metadata: Metadata,
    pub api_version: Option<String>,
    pub status: EndpointStatus,
    pub secret: String,
}

impl WebhookEndpoint {
    pub fn new_id() -> String {
        format!("we_{}", random_base62(24))
    }

    pub fn new_secret() -> String {
        format!("whsec_{}", random_base62(32))
    }

    /// Whether this endpoint gets events of `event_type`.
    pub fn receives(&self, event_type: EventType) -> bool {
        if self.status != EndpointStatus::Enabled {
            return false;
        }
        let name = event_type.as_str();
        self.enabled_events.iter().any(|e| e == name)
            || (!event_type.explicit_only() && self.enabled_events.iter().any(|e| e == "*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(events: &[&str]) -> WebhookEndpoint {
        WebhookEndpoint {
            id: WebhookEndpoint::new_id(),
            livemode: false,
            created: 0,
            url: "http://localhost/hook".into(),
            enabled_events: events.iter().map(|e| e.to_string()).collect(),
            description: None,
            metadata: Metadata::new(),
            api_version: None,
            status: EndpointStatus::Enabled,
            secret: WebhookEndpoint::new_secret(),
        }
    }

    #[test]
    fn the_wildcard_endpoint_gets_everything_but_redacted() {
        let all = endpoint(&["*"]);
        assert!(all.receives(EventType::Verified));
        assert!(!all.receives(EventType::Redacted));
        let explicit = endpoint(&["*", "identity.verification_session.redacted"]);
        assert!(explicit.receives(EventType::Redacted));
        let one = endpoint(&["identity.verification_session.created"]);
        assert!(one.receives(EventType::Created));
        assert!(!one.receives(EventType::Canceled));
        let mut disabled = endpoint(&["*"]);
        disabled.status = EndpointStatus::Disabled;
        assert!(!disabled.receives(EventType::Created));
    }

    #[test]
    fn type_patterns_support_wildcards() {
        let t = "identity.verification_session.verified";
        assert!(type_matches("identity.verification_session.*", t));
        assert!(type_matches("*.verified", t));
        assert!(type_matches("*", t));
        assert!(type_matches(t, t));
        assert!(!type_matches("identity.verification_session.created", t));
        assert!(!type_matches("customer.*", t));
    }

    #[test]
    fn the_spec_lists_are_embedded() {
        assert_eq!(known_event_types().count(), 266);
        assert!(known_event_types().any(|e| e == "identity.verification_session.redacted"));
        assert!(known_api_versions().any(|v| v == "2026-07-29.dahlia"));
        for t in EventType::NAMES {
            assert!(known_event_types().any(|e| e == *t));
        }
    }
}
