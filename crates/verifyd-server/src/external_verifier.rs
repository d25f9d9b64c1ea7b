//! The external ID-number verifier: an HTTP service an operator runs (or buys) that can
//! match an ID number against government or bureau records, which verifyd cannot do
//! offline. verifyd POSTs the claim as JSON, signed like a webhook
//! (`Verifyd-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`), with a fresh `request_id`;
//! the verifier answers `{"request_id": …, "result": "match" | "mismatch"}`, signed the same
//! way over its own body. Anything else — an error status, a timeout, a bad or missing
//! signature, a stale timestamp, another request's id — is "no answer", which never passes.
//! The number and the person's data go only to the configured URL and are never logged.

use crate::webhooks::signature;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use subtle::ConstantTimeEq;
use verifyd_checks::{ExternalAnswer, IdNumberClaim};
use verifyd_core::random_base62;

/// Header carrying the signature, on the request and on the answer.
pub const SIGNATURE_HEADER: &str = "Verifyd-Signature";
/// Largest accepted answer body.
const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// How far an answer's timestamp may be from now.
const MAX_CLOCK_SKEW_SECONDS: i64 = 300;

/// Where and how to reach the verifier.
#[derive(Clone)]
pub struct ExternalVerifierConfig {
    pub url: String,
    /// Shared secret for both signatures.
    pub secret: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for ExternalVerifierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalVerifierConfig")
            .field("url", &self.url)
            .field("secret", &"[hidden]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

pub struct ExternalVerifier {
    config: ExternalVerifierConfig,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer {
    request_id: String,
    result: String,
}

/// Whether `url` names this host (so plain HTTP never leaves the machine).
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ExternalVerifier {
    pub fn new(config: ExternalVerifierConfig) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(&config.url)
            .map_err(|e| format!("the ID verifier URL is not a URL: {e}"))?;
        match parsed.scheme() {
            "https" => {}
            // The request carries a full ID number, a name and a date of birth: in clear
            // text only to a verifier on this host.
            "http" if is_loopback(&parsed) => {}
            "http" => {
                return Err(
                    "the ID verifier URL must be https:// (http:// only for a verifier on this host: localhost, 127.0.0.1 or [::1])"
                        .into(),
                )
            }
            _ => return Err("the ID verifier URL must be https://".into()),
        }
        if config.secret.len() < 16 {
            return Err("the ID verifier secret must be at least 16 characters".into());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Straight to the configured URL: never through a proxy from the environment.
            .no_proxy()
            .timeout(config.timeout)
            .user_agent(concat!(
                "verifyd/",
                env!("CARGO_PKG_VERSION"),
                " (id-verifier)"
            ))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { config, client })
    }

    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    /// Asks the verifier about `claim`. `now_seconds` stamps the request and bounds the
    /// answer's timestamp.
    pub async fn verify(
        &self,
        claim: &IdNumberClaim,
        livemode: bool,
        session_id: &str,
        now_seconds: i64,
    ) -> ExternalAnswer {
        let request_id = format!("idv_{}", random_base62(24));
        let dob = claim
            .dob
            .map(|d| json!({"day": d.day, "month": d.month, "year": d.year}));
        let body = json!({
            "request_id": request_id,
            "livemode": livemode,
            "verification_session": session_id,
            "id_number_type": claim.kind.report_type().as_str(),
            "id_number": claim.number,
            "first_name": claim.first_name,
            "last_name": claim.last_name,
            "dob": dob,
        })
        .to_string();
        let header = format!(
            "t={now_seconds},v1={}",
            signature::v1(&self.config.secret, now_seconds, body.as_bytes())
        );
        let sent = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, header)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) if e.is_timeout() => return unavailable("timed out"),
            Err(_) => return unavailable("could not connect"),
        };
        let status = response.status();
        if !status.is_success() {
            return unavailable(&format!("HTTP {}", status.as_u16()));
        }
        let signed = response
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = match read_limited(response).await {
            Ok(bytes) => bytes,
            Err(why) => return unavailable(why),
        };
        let Some(signed) = signed else {
            return unavailable("unsigned answer");
        };
        if !self.signature_holds(&signed, &bytes, now_seconds) {
            return unavailable("bad answer signature");
        }
        let Ok(answer) = serde_json::from_slice::<Answer>(&bytes) else {
            return unavailable("malformed answer");
        };
        if answer.request_id != request_id {
            return unavailable("answer to another request");
        }
        match answer.result.as_str() {
            "match" => ExternalAnswer::Match,
            "mismatch" => ExternalAnswer::Mismatch,
            _ => unavailable("unknown result"),
        }
    }

    fn signature_holds(&self, header: &str, body: &[u8], now_seconds: i64) -> bool {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
                Some(("v1", v)) => signatures.push(v.to_owned()),
                _ => {}
            }
        }
        let Some(t) = timestamp else {
            return false;
        };
        if (t - now_seconds).abs() > MAX_CLOCK_SKEW_SECONDS {
            return false;
        }
        let expected = signature::v1(&self.config.secret, t, body);
        signatures
            .iter()
            .any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())))
    }
}

fn unavailable(why: &str) -> ExternalAnswer {
    ExternalAnswer::Unavailable(why.to_owned())
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, &'static str> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err("answer too large");
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err("timed out"),
            Err(_) => return Err("answer cut off"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> ExternalVerifierConfig {
        ExternalVerifierConfig {
            url: url.to_owned(),
            secret: "0123456789abcdef-secret".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn plain_http_is_refused_unless_the_verifier_is_on_this_host() {
        for ok in [
            "https://verifier.example/verify",
            "http://127.0.0.1:9000/verify",
            "http://localhost/verify",
            "http://[::1]:8080/verify",
        ] {
            assert!(ExternalVerifier::new(config(ok)).is_ok(), "{ok}");
        }
        for refused in [
            "http://verifier.example/verify",
            "http://10.0.0.5/verify",
            "http://localhost.example/verify",
            "ftp://127.0.0.1/verify",
            "not a url",
        ] {
            assert!(ExternalVerifier::new(config(refused)).is_err(), "{refused}");
        }
    }
}
