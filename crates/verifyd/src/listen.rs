//! `verifyd listen`: what `stripe listen` does for Stripe. It follows a running verifyd's
//! events of the key's mode through the events API, starting after the newest event that
//! exists when it starts, and forwards each new event, signed with this listener's
//! `whsec_…` secret, to a local URL, printing one line per event. It keeps its place by
//! event id, so when verifyd restarts it reconnects and picks up every event created in
//! between.
//!
//! Events are listed in creation order, but on PostgreSQL an event can *commit* after a
//! newer one (two transactions of different processes): following the newest id alone would
//! pass it by. So besides following the newest id (for speed), the listener looks again,
//! every second, at every event of the last [`OVERLAP_SECONDS`] and forwards those it has
//! not forwarded yet (it remembers the ids it forwarded in that window).

use sha2::{Digest, Sha256};
use std::time::Duration;
use verifyd_core::keys::key_shape;
use verifyd_server::webhooks::signature;

/// How far back the listener looks again for events that committed late. verifyd's
/// transactions are short (each statement is cancelled after 30 s), so an event commits
/// well within this of its `created` time.
pub const OVERLAP_SECONDS: i64 = 60;
/// How often it looks again.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Pages of 100 one look-again reads at most (a burst larger than this within the window
/// is still followed by id; only its late commits could be missed).
const MAX_SWEEP_PAGES: usize = 100;

pub struct ListenOptions {
    pub forward_to: String,
    pub events: Vec<String>,
    pub api_key: String,
    pub api_base: String,
    pub print_secret: bool,
    pub poll_interval: Duration,
}

/// The listener's signing secret: derived from the API key (one-way), so it stays the same
/// across runs with the same key and integrators can configure it once.
pub fn listener_secret(api_key: &str) -> String {
    let digest = Sha256::digest(format!("verifyd-listen\0{api_key}").as_bytes());
    format!("whsec_{}", &hex::encode(digest)[..40])
}

fn now_text() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

struct Listener {
    options: ListenOptions,
    secret: String,
    livemode: bool,
    client: reqwest::Client,
}

impl Listener {
    async fn list(&self, extra: &[(&str, String)]) -> Result<serde_json::Value, String> {
        let mut query: Vec<(&str, String)> = vec![("limit", "100".into())];
        for t in &self.options.events {
            query.push(("types[]", t.clone()));
        }
        query.extend(extra.iter().cloned());
        let response = self
            .client
            .get(format!(
                "{}/v1/events",
                self.options.api_base.trim_end_matches('/')
            ))
            .bearer_auth(&self.options.api_key)
            .query(&query)
            .send()
            .await
            .map_err(|e| format!("cannot reach verifyd: {}", e.without_url()))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|_| "verifyd answered with something other than JSON".to_owned())?;
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("unknown error");
            return Err(format!("verifyd refused the request ({status}): {message}"));
        }
        Ok(body)
    }

    fn page(body: &serde_json::Value) -> (Vec<serde_json::Value>, bool) {
        let data = body["data"].as_array().cloned().unwrap_or_default();
        (data, body["has_more"].as_bool().unwrap_or(false))
    }

    /// Events newer than `cursor` (all events when there is none), oldest first.
    async fn new_events(&self, cursor: Option<&str>) -> Result<Vec<serde_json::Value>, String> {
        match cursor {
            Some(cursor) => {
                let body = self.list(&[("ending_before", cursor.to_owned())]).await?;
                let (mut data, _) = Self::page(&body);
                data.reverse();
                Ok(data)
            }
            None => self.every_page(&[], usize::MAX).await,
        }
    }

    /// Every event matching `filter` (up to `max_pages` pages of 100), oldest first.
    async fn every_page(
        &self,
        filter: &[(&str, String)],
        max_pages: usize,
    ) -> Result<Vec<serde_json::Value>, String> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..max_pages {
            let mut extra = filter.to_vec();
            if let Some(a) = &after {
                extra.push(("starting_after", a.clone()));
            }
            let body = self.list(&extra).await?;
            let (data, has_more) = Self::page(&body);
            after = data
                .last()
                .and_then(|e| e["id"].as_str())
                .map(str::to_owned);
            all.extend(data);
            if !has_more || after.is_none() {
                break;
            }
        }
        all.reverse();
        Ok(all)
    }

    /// Every event created at or after `since` (seconds), oldest first.
    async fn events_since(&self, since: i64) -> Result<Vec<serde_json::Value>, String> {
        self.every_page(&[("created[gte]", since.to_string())], MAX_SWEEP_PAGES)
            .await
    }

    async fn forward(&self, event: &serde_json::Value) {
        let payload = event.to_string();
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = signature::header(&self.secret, timestamp, payload.as_bytes(), self.livemode);
        let outcome = self
            .client
            .post(&self.options.forward_to)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Stripe-Signature", header)
            .body(payload)
            .send()
            .await;
        let result = match outcome {
            Ok(r) => format!("[{}]", r.status().as_u16()),
            Err(e) if e.is_timeout() => "[timed out]".to_owned(),
            Err(_) => "[connection failed]".to_owned(),
        };
        println!(
            "{}  {}  [{}]  --> POST {} {}",
            now_text(),
            event["type"].as_str().unwrap_or("?"),
            event["id"].as_str().unwrap_or("?"),
            self.options.forward_to,
            result
        );
    }
}

pub async fn run(options: ListenOptions) -> Result<(), String> {
    let shape = key_shape(&options.api_key).ok_or("the API key is not a verifyd/Stripe key")?;
    let secret = listener_secret(&options.api_key);
    if options.print_secret {
        println!("{secret}");
        return Ok(());
    }
    let listener = Listener {
        secret,
        livemode: shape.livemode,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?,
        options,
    };
    // Start after the newest existing event: only new events are forwarded. The events of
    // the overlap window that exist now count as seen.
    let mut cursor: Option<String> = loop {
        match listener.list(&[("limit", "1".into())]).await {
            Ok(body) => break body["data"][0]["id"].as_str().map(str::to_owned),
            Err(message) if message.starts_with("verifyd refused") => return Err(message),
            Err(message) => {
                eprintln!("{message}; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut seen = Seen {
        newest: started,
        ..Seen::default()
    };
    if let Ok(existing) = listener.events_since(started - OVERLAP_SECONDS).await {
        for event in &existing {
            seen.add(event);
        }
    }
    println!(
        "Ready! Your webhook signing secret is {} (^C to quit)",
        listener.secret
    );
    let mut unreachable = false;
    let mut last_sweep = std::time::Instant::now();
    loop {
        let mut result = listener.new_events(cursor.as_deref()).await;
        let mut full_page = false;
        if let Ok(events) = &result {
            full_page = events.len() >= 100;
            for event in events {
                if seen.add(event) {
                    listener.forward(event).await;
                }
                cursor = event["id"].as_str().map(str::to_owned);
            }
        }
        if result.is_ok() && last_sweep.elapsed() >= SWEEP_EVERY {
            last_sweep = std::time::Instant::now();
            // Look again at the overlap window for events that committed behind the cursor.
            match listener.events_since(seen.newest - OVERLAP_SECONDS).await {
                Ok(events) => {
                    for event in &events {
                        if seen.add(event) {
                            listener.forward(event).await;
                        }
                    }
                    seen.forget_before(seen.newest - 2 * OVERLAP_SECONDS);
                }
                Err(message) => result = Err(message),
            }
        }
        match result {
            Ok(_) => {
                if unreachable {
                    eprintln!("{}  reconnected to verifyd", now_text());
                    unreachable = false;
                }
                if full_page {
                    continue;
                }
            }
            Err(message) => {
                if !unreachable {
                    eprintln!("{}  {message}; will keep trying", now_text());
                    unreachable = true;
                }
            }
        }
        tokio::time::sleep(listener.options.poll_interval).await;
    }
}

/// The events forwarded (or present at start) within the overlap window, by id, with the
/// newest `created` seen.
#[derive(Default)]
struct Seen {
    ids: std::collections::HashMap<String, i64>,
    newest: i64,
}

impl Seen {
    /// Remembers `event`; returns whether it is new.
    fn add(&mut self, event: &serde_json::Value) -> bool {
        let Some(id) = event["id"].as_str() else {
            return false;
        };
        let created = event["created"].as_i64().unwrap_or(0);
        self.newest = self.newest.max(created);
        self.ids.insert(id.to_owned(), created).is_none()
    }

    fn forget_before(&mut self, cutoff: i64) {
        self.ids.retain(|_, created| *created >= cutoff);
    }
}
