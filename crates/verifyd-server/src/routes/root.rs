//! `GET /`: an unauthenticated health and identity probe.

use crate::app::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

pub async fn health(State(app): State<AppState>) -> Json<Value> {
    let _ = app.store();
    Json(json!({
        "object": "verifyd",
        "name": "verifyd",
        "version": env!("CARGO_PKG_VERSION"),
        "status": "ok",
        "api_version": crate::request::DEFAULT_API_VERSION,
    }))
}
