//! A tiny capturing HTTP receiver on 127.0.0.1 port 0 for webhook tests: it records every
//! request and answers with scripted behaviours (status codes, delays, redirects).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Behavior {
    Status(u16),
    Delay(Duration),
    Redirect,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub signature: String,
    pub body: String,
}

impl Hit {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct Shared {
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<VecDeque<Behavior>>>,
}

pub struct Receiver {
    pub url: String,
    shared: Shared,
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.hits.lock().unwrap().push(Hit {
        signature: headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let next = shared.script.lock().unwrap().pop_front();
    match next {
        None | Some(Behavior::Status(200)) => (StatusCode::OK, "ok").into_response(),
        Some(Behavior::Status(code)) => {
            (StatusCode::from_u16(code).unwrap(), "x".repeat(10_000)).into_response()
        }
        Some(Behavior::Delay(d)) => {
            tokio::time::sleep(d).await;
            (StatusCode::OK, "late").into_response()
        }
        Some(Behavior::Redirect) => (
            StatusCode::FOUND,
            [("location", "http://127.0.0.1:9/elsewhere")],
        )
            .into_response(),
    }
}

impl Receiver {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared }
    }

    /// Queues behaviours for the next requests (then 200s).
    pub fn script(&self, behaviors: impl IntoIterator<Item = Behavior>) {
        self.shared.script.lock().unwrap().extend(behaviors);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }
}

/// Verifies a `Stripe-Signature` header the way Stripe's libraries do: the `v1` entry must
/// be the HMAC-SHA256 of "t.body" under the secret; `v0` is ignored.
pub fn signature_valid(header: &str, body: &str, secret: &str) -> bool {
    use hmac::{Hmac, Mac};
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_owned()),
            Some(("v1", v)) => v1.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    v1.contains(&expected)
}
