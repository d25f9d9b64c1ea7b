//! Per-key request rate limits on the API (`/v1/…`), answered as Stripe answers them: 429,
//! `invalid_request_error` with code `rate_limit`, `Stripe-Rate-Limited-Reason` and
//! `Stripe-Should-Retry: true` (so the SDKs back off and retry). Each API key that
//! authenticates (told apart by a hash; the key itself is not kept) has a token bucket refilled
//! at its mode's rate, holding one second's worth. It runs before the handlers and the
//! idempotency layer, like Stripe's limiters, so a limited request saves nothing. Limits are
//! per process.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Requests per second allowed to one key, per mode; 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub live_per_second: u32,
    pub test_per_second: u32,
}

impl Default for RateLimits {
    /// Stripe's global live-mode rate; test mode unlimited (an integrator's test suite is
    /// the usual test-mode client, and Stripe's sandbox limit would only slow it down).
    fn default() -> Self {
        Self {
            live_per_second: 100,
            test_per_second: 0,
        }
    }
}

/// Keys followed at once before idle buckets are dropped.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// The buckets of every key that made a request recently.
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<[u8; 16], Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any mode is limited.
    pub fn is_on(&self) -> bool {
        self.limits.live_per_second > 0 || self.limits.test_per_second > 0
    }

    /// Takes a token for `credential` (whatever was presented as the key); false when the
    /// key is over its rate.
    pub fn admit(&self, credential: &str, now: Instant) -> bool {
        let live = ["sk_live_", "rk_live_", "pk_live_"]
            .iter()
            .any(|p| credential.starts_with(p));
        let rate = if live {
            self.limits.live_per_second
        } else {
            self.limits.test_per_second
        };
        if rate == 0 {
            return true;
        }
        let rate = f64::from(rate);
        let mut id = [0u8; 16];
        id.copy_from_slice(&Sha256::digest(credential.as_bytes())[..16]);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&id) {
            // Full buckets of idle keys hold nothing worth keeping.
            buckets.retain(|_, b| now.duration_since(b.refilled).as_secs_f64() * rate < rate);
            if buckets.len() >= MAX_BUCKETS {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(id).or_insert(Bucket {
            tokens: rate,
            refilled: now,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The middleware: API requests over their key's rate get Stripe's 429. Only keys that
/// authenticate have a bucket (a request with an unknown key gets its 401 from the handler):
/// a flood of made-up keys cannot crowd out the buckets of real ones.
pub async fn rate_limit_layer(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/v1/") && app.rate_limiter().is_on() {
        if let Ok(credential) = crate::auth::presented_key(request.headers()) {
            let known = crate::auth::authenticate_secret(&app, request.headers())
                .await
                .is_ok();
            if known && !app.rate_limiter().admit(&credential, Instant::now()) {
                return too_many_requests();
            }
        }
    }
    next.run(request).await
}

fn too_many_requests() -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests hit the API too quickly. We recommend an exponential backoff of \
         your requests.",
    )
    .with_code("rate_limit")
    .into_response();
    let headers = response.headers_mut();
    headers.insert(
        "Stripe-Rate-Limited-Reason",
        HeaderValue::from_static("global-rate"),
    );
    headers.insert("Stripe-Should-Retry", HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_key_gets_its_rate_per_second_and_refills_over_time() {
        let limiter = RateLimiter::new(RateLimits {
            live_per_second: 4,
            test_per_second: 0,
        });
        let start = Instant::now();
        let key = "sk_live_abcdefghijklmnop";
        let admitted = (0..10).filter(|_| limiter.admit(key, start)).count();
        assert_eq!(admitted, 4);
        // Another key has its own bucket; test mode is unlimited here.
        assert!(limiter.admit("rk_live_abcdefghijklmnop", start));
        assert!((0..1000).all(|_| limiter.admit("sk_test_abcdefghijklmnop", start)));
        // Half a second refills two requests' worth.
        let later = start + Duration::from_millis(500);
        let admitted = (0..10).filter(|_| limiter.admit(key, later)).count();
        assert_eq!(admitted, 2);
    }
}
