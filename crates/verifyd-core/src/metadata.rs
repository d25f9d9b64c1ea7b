//! Metadata: the free-form string map on objects, with Stripe's limits (50 keys, keys up to
//! 40 characters, values up to 500) and its update rules (`metadata[k]=` removes one key,
//! `metadata=` removes all). The messages are Stripe's own wording.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_KEYS: usize = 50;
pub const MAX_KEY_CHARS: usize = 40;
pub const MAX_VALUE_CHARS: usize = 500;

/// Key/value pairs attached to an object. Ordered, so renders are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<String, String>);

/// A requested change to metadata, as decoded from a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataUpdate {
    /// `metadata=` was sent: drop every existing key before applying `entries`.
    pub clear_all: bool,
    /// `metadata[k]=v` sets `k`; `metadata[k]=` (None) removes it.
    pub entries: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("Invalid key: {0} must be a string under {MAX_KEY_CHARS} characters")]
    KeyTooLong(String),
    #[error("Invalid val: {0} must be a string under {MAX_VALUE_CHARS} characters")]
    ValueTooLong(String),
    #[error("Metadata can have up to {MAX_KEYS} keys, but you've set {0}. Email us at support+metadata@stripe.com for more information.")]
    TooManyKeys(usize),
}

impl Metadata {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Applies `update` and checks Stripe's limits on the result. On error `self` is untouched.
    pub fn apply(&mut self, update: &MetadataUpdate) -> Result<(), MetadataError> {
        for (key, value) in &update.entries {
            if key.chars().count() > MAX_KEY_CHARS {
                return Err(MetadataError::KeyTooLong(key.clone()));
            }
            if let Some(value) = value {
                if value.chars().count() > MAX_VALUE_CHARS {
                    return Err(MetadataError::ValueTooLong(value.clone()));
                }
            }
        }
        let mut next = if update.clear_all {
            BTreeMap::new()
        } else {
            self.0.clone()
        };
        for (key, value) in &update.entries {
            match value {
                Some(value) => {
                    next.insert(key.clone(), value.clone());
                }
                None => {
                    next.remove(key);
                }
            }
        }
        if next.len() > MAX_KEYS {
            return Err(MetadataError::TooManyKeys(next.len()));
        }
        self.0 = next;
        Ok(())
    }

    /// Redaction erases metadata entirely.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, Option<&str>)]) -> MetadataUpdate {
        MetadataUpdate {
            clear_all: false,
            entries: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    #[test]
    fn setting_and_unsetting_single_keys_merges_with_existing_ones() {
        let mut m = Metadata::new();
        m.apply(&set(&[("a", Some("1")), ("b", Some("2"))]))
            .unwrap();
        m.apply(&set(&[("a", None), ("c", Some("3"))])).unwrap();
        assert_eq!(m.get("a"), None);
        assert_eq!(m.get("b"), Some("2"));
        assert_eq!(m.get("c"), Some("3"));
    }

    #[test]
    fn clear_all_drops_every_key_before_new_entries() {
        let mut m = Metadata::new();
        m.apply(&set(&[("a", Some("1"))])).unwrap();
        let update = MetadataUpdate {
            clear_all: true,
            entries: vec![("z".into(), Some("9".into()))],
        };
        m.apply(&update).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("z"), Some("9"));
    }

    #[test]
    fn limits_are_enforced_with_stripes_messages_and_leave_metadata_untouched() {
        let mut m = Metadata::new();
        let long_key = "k".repeat(41);
        let err = m.apply(&set(&[(&long_key, Some("v"))])).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Invalid key: {long_key} must be a string under 40 characters")
        );
        let ok_key = "k".repeat(40);
        m.apply(&set(&[(&ok_key, Some(&"v".repeat(500)))])).unwrap();
        let err = m.apply(&set(&[("x", Some(&"v".repeat(501)))])).unwrap_err();
        assert!(matches!(err, MetadataError::ValueTooLong(_)));

        let many: Vec<(String, Option<String>)> = (0..50)
            .map(|i| (format!("key{i}"), Some("v".to_string())))
            .collect();
        let err = m
            .apply(&MetadataUpdate {
                clear_all: false,
                entries: many,
            })
            .unwrap_err();
        assert_eq!(err, MetadataError::TooManyKeys(51));
        assert_eq!(m.len(), 1);
    }
}
