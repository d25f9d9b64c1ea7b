//! `verifyd listen`: what `stripe listen` does for Stripe. It follows a running verifyd's
//! events of the key's mode through the events API, starting after the newest event that
//! exists when it starts, and forwards each new event, signed with this listener's
//! `whsec_…` secret, to a local URL, printing one line per event. It keeps its place by
//! event id, so when verifyd restarts it reconnects and picks up every event created in
//! between.

use sha2::{Digest, Sha256};
use std::time::Duration;
use verifyd_core::keys::key_shape;
use verifyd_server::webhooks::signature;

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
            None => {
                let mut all = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let extra: Vec<(&str, String)> = after
                        .iter()
                        .map(|a| ("starting_after", a.clone()))
                        .collect();
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
        }
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
    // Start after the newest existing event: only new events are forwarded.
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
    println!(
        "Ready! Your webhook signing secret is {} (^C to quit)",
        listener.secret
    );
    let mut unreachable = false;
    loop {
        match listener.new_events(cursor.as_deref()).await {
            Ok(events) => {
                if unreachable {
                    eprintln!("{}  reconnected to verifyd", now_text());
                    unreachable = false;
                }
                let full_page = events.len() >= 100;
                for event in &events {
                    listener.forward(event).await;
                    cursor = event["id"].as_str().map(str::to_owned);
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
