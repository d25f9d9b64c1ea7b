//! Prefixed object identifiers (`vs_`, `vr_`) and the CSPRNG-backed random strings that
//! ids, secrets and tokens are made of. Distinct newtypes keep a report id from ever being
//! used where a session id is expected.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` characters drawn uniformly from [0-9A-Za-z] with a CSPRNG: rand's thread-local
/// ChaCha generator, seeded from the operating system (cheaper than a syscall per character).
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

/// Number of random characters after an object id's prefix, as in `vs_1NuNAILkdIwHu7ixh7OtGMLw`.
pub const ID_RANDOM_LEN: usize = 24;

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh random id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_base62(ID_RANDOM_LEN)))
            }

            /// Accepts any string that could be one of our ids. Strings that cannot (wrong
            /// prefix, odd characters, too long) are rejected so they never reach storage.
            pub fn parse(raw: &str) -> Option<Self> {
                let rest = raw.strip_prefix($prefix)?;
                if rest.is_empty()
                    || rest.len() > 255
                    || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return None;
                }
                Some(Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(SessionId, "vs_", "Id of a VerificationSession (`vs_…`).");
prefixed_id!(ReportId, "vr_", "Id of a VerificationReport (`vr_…`).");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_prefix_and_24_base62_characters() {
        let id = SessionId::generate();
        let rest = id.as_str().strip_prefix("vs_").unwrap();
        assert_eq!(rest.len(), 24);
        assert!(rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(SessionId::generate(), SessionId::generate());
    }

    #[test]
    fn parse_refuses_other_prefixes_and_characters() {
        assert!(SessionId::parse("vs_abc").is_some());
        assert!(SessionId::parse("vr_abc").is_none());
        assert!(SessionId::parse("vs_").is_none());
        assert!(SessionId::parse("vs_a'b").is_none());
        assert!(ReportId::parse("vr_abc").is_some());
    }
}
