//! The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed
//! by the endpoint secret>`, plus a decoy `v0` in test mode as Stripe sends. Stripe's own
//! verifiers (`stripe.Webhook.construct_event`, `stripe.webhooks.constructEvent`) accept it.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use verifyd_core::random_base62;

/// Hex HMAC-SHA256 of `"{timestamp}.{payload}"` keyed by `secret` (the whole `whsec_…`
/// string, as Stripe's libraries use it).
pub fn v1(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// The full header value for one delivery attempt.
pub fn header(secret: &str, timestamp: i64, payload: &[u8], livemode: bool) -> String {
    let mut value = format!("t={timestamp},v1={}", v1(secret, timestamp, payload));
    if !livemode {
        // A signature under a random key: verifiers must ignore every scheme but v1.
        let decoy = v1(&random_base62(32), timestamp, payload);
        value.push_str(&format!(",v0={decoy}"));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_is_the_hmac_of_timestamp_dot_payload() {
        // Computed independently: HMAC-SHA256(key="whsec_test", msg="1700000000.{}").
        let expected = {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_test").unwrap();
            mac.update(b"1700000000.{}");
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(v1("whsec_test", 1_700_000_000, b"{}"), expected);
        let h = header("whsec_test", 1_700_000_000, b"{}", false);
        assert!(h.starts_with(&format!("t=1700000000,v1={expected},v0=")));
        assert!(!header("whsec_test", 1, b"{}", true).contains("v0="));
    }
}
