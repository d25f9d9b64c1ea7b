//! Webhook delivery. A [`DeliveryWorker`] claims a batch of due deliveries under a lease,
//! POSTs each event (concurrently) with a fresh `Stripe-Signature`, and settles the batch in
//! one transaction: a 2xx is success; anything else
//! (other statuses, redirects — never followed —, timeouts, connection errors, a refused
//! private address) is a failure, retried on the mode's schedule with jitter until the
//! schedule runs out. Each attempt is recorded with its status, duration and what went
//! wrong; the response body is read up to [`RESPONSE_READ_BYTES`] and not kept (it may echo
//! the event's personal data, and nothing in verifyd needs it).

use crate::app::AppState;
use crate::webhooks::events::render;
use crate::webhooks::signature;
use rand::Rng;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use verifyd_core::event::EndpointStatus;
use verifyd_store::{AttemptRecord, ClaimedDelivery, DeliveryOutcome, StoreError};

/// How much of a response body is read (then dropped).
pub const RESPONSE_READ_BYTES: usize = 4096;
/// A claimed batch is ours this long; longer than any attempt can take.
/// Deliveries claimed, sent (concurrently) and settled together: two commits per batch
/// instead of two per delivery.
pub const BATCH: u32 = 32;

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Per-attempt timeout (default 10 s).
    pub timeout: Duration,
    /// Delays before each retry in test mode (default: 1 min, 30 min, 2 h: 3 retries).
    pub test_schedule: Vec<Duration>,
    /// Delays before each retry in live mode (default: from 1 min up to 3 days in all).
    pub live_schedule: Vec<Duration>,
    /// Let live mode deliver to private, loopback and link-local addresses.
    pub allow_private_in_live: bool,
    /// Deliveries sent at once by one process.
    pub concurrency: usize,
    /// How long a claimed batch of deliveries stays with the process that claimed it; if
    /// that process dies, another sends them once it expires (default 120 s; keep it well
    /// above `timeout`).
    pub lease: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        let m = |n: u64| Duration::from_secs(n * 60);
        let h = |n: u64| Duration::from_secs(n * 3600);
        Self {
            timeout: Duration::from_secs(10),
            test_schedule: vec![m(1), m(30), h(2)],
            live_schedule: vec![
                m(1),
                m(5),
                m(30),
                h(1),
                h(2),
                h(4),
                h(8),
                h(12),
                h(12),
                h(12),
                h(12),
                h(8),
            ],
            allow_private_in_live: false,
            concurrency: 4,
            lease: Duration::from_secs(120),
        }
    }
}

/// Parses a schedule given as comma-separated seconds (`60,1800,7200`).
pub fn parse_schedule(raw: &str) -> Result<Vec<Duration>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| format!("not a number of seconds: {s:?}"))
        })
        .collect()
}

/// Whether an address is one live mode refuses by default.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

pub struct DeliveryWorker {
    app: AppState,
    client: reqwest::Client,
}

struct Sent {
    status: Option<u16>,
    error: Option<String>,
}

fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!(
            "verifyd/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks)"
        ))
}

impl DeliveryWorker {
    pub fn new(app: AppState) -> Self {
        let client = client_builder(app.webhook_config().timeout)
            .build()
            .expect("HTTP client builds");
        Self { app, client }
    }

    /// Delivers a batch of due deliveries, if any. Returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let now = self.app.clock().now_millis();
        let batch = self
            .app
            .store()
            .claim_deliveries(
                now,
                self.app.webhook_config().lease.as_millis() as i64,
                BATCH,
            )
            .await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let claimed = batch.len();
        let mut sends = tokio::task::JoinSet::new();
        for delivery in batch {
            let worker = self.clone_handle();
            sends.spawn(async move {
                let (record, outcome) = worker.attempt(&delivery).await;
                (delivery, record, outcome)
            });
        }
        let mut settled = Vec::with_capacity(claimed);
        while let Some(done) = sends.join_next().await {
            settled.push(done.map_err(|e| StoreError::Corrupt(format!("delivery task: {e}")))?);
        }
        let count = self.app.store().settle_deliveries(&settled).await?;
        if count < settled.len() {
            tracing::warn!(
                lost = settled.len() - count,
                "delivery leases lost to another worker"
            );
        }
        Ok(claimed)
    }

    fn clone_handle(&self) -> Self {
        Self {
            app: self.app.clone(),
            client: self.client.clone(),
        }
    }

    async fn attempt(&self, delivery: &ClaimedDelivery) -> (AttemptRecord, DeliveryOutcome) {
        let started_ms = self.app.clock().now_millis();
        let give_up = |error: &str| {
            (
                AttemptRecord {
                    attempted_at: started_ms,
                    duration_ms: 0,
                    status_code: None,
                    error: Some(error.to_owned()),
                },
                DeliveryOutcome::GaveUp,
            )
        };
        let (Some(event), Some(endpoint)) = (&delivery.event, &delivery.endpoint) else {
            return give_up("the event or the endpoint no longer exists");
        };
        if endpoint.status != EndpointStatus::Enabled {
            return give_up("the endpoint is disabled");
        }
        let payload = render(event).to_string();
        let timestamp = self.app.clock().now_seconds();
        let signature = signature::header(
            &endpoint.secret,
            timestamp,
            payload.as_bytes(),
            event.livemode,
        );
        let started = Instant::now();
        let sent = self
            .send(&endpoint.url, payload, signature, event.livemode)
            .await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let success = sent.status.is_some_and(|s| (200..300).contains(&s));
        let outcome = if success {
            DeliveryOutcome::Succeeded
        } else {
            self.retry_or_give_up(delivery, started_ms)
        };
        (
            AttemptRecord {
                attempted_at: started_ms,
                duration_ms,
                status_code: sent.status.map(i64::from),
                error: sent.error,
            },
            outcome,
        )
    }

    fn retry_or_give_up(&self, delivery: &ClaimedDelivery, now_ms: i64) -> DeliveryOutcome {
        let config = self.app.webhook_config();
        let schedule = if delivery.livemode {
            &config.live_schedule
        } else {
            &config.test_schedule
        };
        let retry_index = (delivery.attempts - 1).max(0) as usize;
        match schedule.get(retry_index) {
            None => DeliveryOutcome::GaveUp,
            Some(delay) => {
                // Jitter downwards only, so a retry never comes later than the schedule
                // says (the first one stays within its minute).
                let factor = rand::thread_rng().gen_range(0.9..=1.0);
                let delay_ms = (delay.as_millis() as f64 * factor) as i64;
                DeliveryOutcome::RetryAt(now_ms + delay_ms.max(1))
            }
        }
    }

    async fn send(&self, url: &str, payload: String, signature: String, livemode: bool) -> Sent {
        let failed = |error: String| Sent {
            status: None,
            error: Some(error),
        };
        let parsed = match reqwest::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => return failed("invalid URL".into()),
        };
        let config = self.app.webhook_config();
        let client = if livemode && !config.allow_private_in_live {
            // Resolve once, refuse private addresses, and connect to exactly the address
            // that was checked (no second lookup an attacker could answer differently).
            let Some(host) = parsed.host_str().map(str::to_owned) else {
                return failed("invalid URL".into());
            };
            let port = parsed.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await
            {
                Ok(a) => a.collect(),
                Err(e) => return failed(format!("could not resolve host: {e}")),
            };
            let Some(addr) = addrs.first().copied() else {
                return failed("host resolves to no address".into());
            };
            if addrs.iter().any(|a| is_private(a.ip())) {
                return failed(
                    "refused: live-mode webhooks are not delivered to private, loopback or \
                     link-local addresses"
                        .into(),
                );
            }
            match client_builder(config.timeout).resolve(&host, addr).build() {
                Ok(c) => c,
                Err(e) => return failed(format!("client error: {e}")),
            }
        } else {
            self.client.clone()
        };
        let response = client
            .post(parsed)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Stripe-Signature", signature)
            .body(payload)
            .send()
            .await;
        let mut response = match response {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return failed("timed out".into()),
            Err(e) if e.is_connect() => return failed("connection failed".into()),
            Err(_) => return failed("request failed".into()),
        };
        let status = response.status().as_u16();
        // Read a little of the body (so the connection can be reused), keep none of it.
        let mut read = 0;
        while read < RESPONSE_READ_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        Sent {
            status: Some(status),
            error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
        }
    }

    /// Delivers until `stop` turns true.
    pub async fn run(
        self,
        wake: std::sync::Arc<tokio::sync::Notify>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if *stop.borrow() {
                return;
            }
            let woken = wake.notified();
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "delivery worker could not claim"),
            }
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn schedules_parse_from_seconds() {
        assert_eq!(
            parse_schedule("60, 1800").unwrap(),
            vec![Duration::from_secs(60), Duration::from_secs(1800)]
        );
        assert!(parse_schedule("a").is_err());
        let live: Duration = WebhookConfig::default().live_schedule.iter().sum();
        assert!(
            live <= Duration::from_secs(3 * 24 * 3600) && live > Duration::from_secs(2 * 24 * 3600)
        );
    }
}
