//! `/v1/webhook_endpoints`: create, retrieve, update (including `disabled`), list, delete.
//! The `whsec_…` secret appears only in the create response. Disabling or deleting an
//! endpoint stops its pending deliveries.

use super::list::{missing_cursor, paging};
use crate::app::AppState;
use crate::auth::{authenticate_secret, Caller};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{self, Begin};
use crate::params::{Params, Shape};
use crate::render;
use crate::request::ApiRequest;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use verifyd_core::event::{known_api_versions, known_event_types, EndpointStatus, WebhookEndpoint};
use verifyd_core::keys::Permission;
use verifyd_core::metadata::Metadata;

/// Endpoints per mode, as Stripe allows per account.
pub const MAX_ENDPOINTS: i64 = 16;
const OBJECT_NAME: &str = "webhook endpoint";

fn render_endpoint(e: &WebhookEndpoint, with_secret: bool) -> Value {
    let mut out = json!({
        "id": e.id,
        "object": "webhook_endpoint",
        "api_version": e.api_version,
        "application": null,
        "created": e.created,
        "description": e.description,
        "enabled_events": e.enabled_events,
        "livemode": e.livemode,
        "metadata": e.metadata,
        "status": e.status.as_str(),
        "url": e.url,
    });
    if with_secret {
        out["secret"] = json!(e.secret);
    }
    out
}

fn check_url(url: &str) -> ApiResult<()> {
    let ok = reqwest::Url::parse(url)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("Invalid URL: {url}"))
            .with_code("url_invalid")
            .with_param("url"))
    }
}

fn enabled_events(params: &Params) -> ApiResult<Option<Vec<String>>> {
    let Some(Value::Array(items)) = params.get("enabled_events") else {
        return Ok(None);
    };
    let mut events = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = item.as_str().unwrap_or_default();
        if !known_event_types().any(|k| k == name) {
            return Err(ApiError::invalid(format!(
                "Invalid enabled_events[{i}]: must be * or one of Stripe's event types, such as \
                 identity.verification_session.verified"
            ))
            .with_param(format!("enabled_events[{i}]")));
        }
        if !events.iter().any(|e| e == name) {
            events.push(name.to_owned());
        }
    }
    if events.is_empty() {
        return Err(ApiError::missing_parameter("enabled_events"));
    }
    Ok(Some(events))
}

async fn caller(app: &AppState, req: &ApiRequest, permission: Permission) -> ApiResult<Caller> {
    let caller = authenticate_secret(app, &req.headers).await?;
    caller.require(permission, app.store().account_id())?;
    Ok(caller)
}

fn check_expand(params: &Params) -> ApiResult<()> {
    match params.expand().first() {
        Some(path) => Err(ApiError::invalid(format!(
            "This property cannot be expanded ({path})."
        ))),
        None => Ok(()),
    }
}

pub async fn create(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = caller(&app, &req, Permission::WebhookEndpointsWrite).await?;
    let params = req.params(vec![
        ("api_version", Shape::str5000()),
        ("connect", Shape::Bool),
        ("description", Shape::emptyable(Shape::str5000())),
        ("enabled_events", Shape::array(Shape::str5000())),
        ("expand", Shape::expand()),
        ("metadata", Shape::Metadata),
        ("url", Shape::Str(None)),
    ])?;
    check_expand(&params)?;
    let url = params
        .string("url")
        .ok_or_else(|| ApiError::missing_parameter("url"))?;
    let events =
        enabled_events(&params)?.ok_or_else(|| ApiError::missing_parameter("enabled_events"))?;
    check_url(&url)?;
    if let Some(version) = params.str("api_version") {
        if !known_api_versions().any(|v| v == version) {
            return Err(ApiError::invalid(format!("Invalid API version: {version}"))
                .with_param("api_version"));
        }
    }
    if params.get("connect").and_then(Value::as_bool) == Some(true) {
        return Err(ApiError::invalid(
            "Connect webhook endpoints are not supported: verifyd serves a single account.",
        )
        .with_param("connect"));
    }
    let mut metadata = Metadata::new();
    if let Some(update) = params.metadata_update("metadata") {
        metadata
            .apply(&update)
            .map_err(|e| ApiError::invalid(e.to_string()).with_param("metadata"))?;
    }
    let endpoint = WebhookEndpoint {
        id: WebhookEndpoint::new_id(),
        livemode: caller.livemode,
        created: app.clock().now_seconds(),
        url,
        enabled_events: events,
        description: params.string("description"),
        metadata,
        api_version: params.string("api_version"),
        status: EndpointStatus::Enabled,
        secret: WebhookEndpoint::new_secret(),
    };
    let claim = match idempotency::begin(&app, &req, &caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        if tx.count_webhook_endpoints(caller.livemode).await? >= MAX_ENDPOINTS {
            let mode = if caller.livemode { "live" } else { "test" };
            return Err(ApiError::invalid(format!(
                "You have reached the maximum of {MAX_ENDPOINTS} {mode} webhook endpoints."
            ))
            .during_execution());
        }
        tx.insert_webhook_endpoint(&endpoint).await?;
        Ok((tx, render_endpoint(&endpoint, true)))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn retrieve(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = caller(&app, &req, Permission::WebhookEndpointsWrite).await?;
    let params = req.params(vec![("expand", Shape::expand())])?;
    check_expand(&params)?;
    let id = req.segment(3);
    let endpoint = app
        .store()
        .webhook_endpoint(caller.livemode, &id)
        .await?
        .ok_or_else(|| ApiError::no_such(OBJECT_NAME, &id))?;
    Ok(Json(render_endpoint(&endpoint, false)).into_response())
}

pub async fn list(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = caller(&app, &req, Permission::WebhookEndpointsWrite).await?;
    let params = req.params(vec![
        ("ending_before", Shape::str5000()),
        ("expand", Shape::expand()),
        ("limit", Shape::Int),
        ("starting_after", Shape::str5000()),
    ])?;
    check_expand(&params)?;
    let paging = paging(&params)?;
    let page = app
        .store()
        .list_webhook_endpoints(caller.livemode, paging.limit, paging.cursor.as_ref())
        .await?
        .ok_or_else(|| {
            missing_cursor(OBJECT_NAME, paging.cursor.as_ref().expect("cursor given"))
        })?;
    let data = page
        .items
        .iter()
        .map(|e| render_endpoint(e, false))
        .collect();
    Ok(Json(render::list("/v1/webhook_endpoints", data, page.has_more)).into_response())
}

pub async fn update(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = caller(&app, &req, Permission::WebhookEndpointsWrite).await?;
    let params = req.params(vec![
        ("description", Shape::emptyable(Shape::str5000())),
        ("disabled", Shape::Bool),
        ("enabled_events", Shape::array(Shape::str5000())),
        ("expand", Shape::expand()),
        ("metadata", Shape::Metadata),
        ("url", Shape::Str(None)),
    ])?;
    check_expand(&params)?;
    let events = enabled_events(&params)?;
    if let Some(url) = params.str("url") {
        check_url(url)?;
    }
    let id = req.segment(3);
    let claim = match idempotency::begin(&app, &req, &caller).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Proceed(claim) => claim,
    };
    let result = async {
        let mut tx = app.store().begin().await?;
        let mut endpoint = tx
            .webhook_endpoint(caller.livemode, &id)
            .await?
            .ok_or_else(|| ApiError::no_such(OBJECT_NAME, &id))?;
        if let Some(update) = params.metadata_update("metadata") {
            endpoint
                .metadata
                .apply(&update)
                .map_err(|e| ApiError::invalid(e.to_string()).with_param("metadata"))?;
        }
        if params.has("description") {
            endpoint.description = params.string("description");
        }
        if let Some(url) = params.string("url") {
            endpoint.url = url;
        }
        if let Some(events) = events.clone() {
            endpoint.enabled_events = events;
        }
        match params.get("disabled").and_then(Value::as_bool) {
            Some(true) => {
                endpoint.status = EndpointStatus::Disabled;
                tx.cancel_pending_deliveries(&endpoint.id).await?;
            }
            Some(false) => endpoint.status = EndpointStatus::Enabled,
            None => {}
        }
        tx.update_webhook_endpoint(&endpoint).await?;
        Ok((tx, render_endpoint(&endpoint, false)))
    }
    .await;
    idempotency::settle(&app, claim, &req, result).await
}

pub async fn delete(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = caller(&app, &req, Permission::WebhookEndpointsWrite).await?;
    req.params(Vec::new())?;
    let id = req.segment(3);
    let deleted = json!({"id": id, "object": "webhook_endpoint", "deleted": true});
    let mut tx = app.store().begin().await?;
    if tx.webhook_endpoint(caller.livemode, &id).await?.is_none() {
        return Err(ApiError::no_such(OBJECT_NAME, &id));
    }
    // Saved responses that carry the endpoint (its create response holds the signing
    // secret) replay the deleted endpoint from now on, before its data key is destroyed.
    tx.replace_saved_responses(&id, &deleted.to_string(), verifyd_store::ACCOUNT_SCOPE)
        .await?;
    if !tx.delete_webhook_endpoint(caller.livemode, &id).await? {
        return Err(ApiError::no_such(OBJECT_NAME, &id));
    }
    tx.commit().await?;
    Ok(Json(deleted).into_response())
}
