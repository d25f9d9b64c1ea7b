//! `/v1/events`: list (filters `type` with `*` wildcards, `types[]`, `created`,
//! `delivery_success`) and retrieve. Events are kept 30 days.

use super::list::{common_fields, missing_cursor, paging};
use crate::app::AppState;
use crate::auth::authenticate_secret;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, Shape};
use crate::render;
use crate::request::ApiRequest;
use crate::webhooks::events::render as render_event;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use verifyd_core::keys::Permission;
use verifyd_store::EventQuery;

/// Most entries `types[]` may hold.
pub const MAX_TYPES: usize = 20;

/// `expand[]` on events: `data` and `request` are the expandable fields (already inline).
fn check_expand(params: &Params, list: bool) -> ApiResult<()> {
    for path in params.expand() {
        let relative = if list {
            path.strip_prefix("data.").unwrap_or("")
        } else {
            path.as_str()
        };
        if !matches!(relative, "data" | "request") {
            return Err(ApiError::invalid(format!(
                "This property cannot be expanded ({path})."
            )));
        }
    }
    Ok(())
}

pub async fn retrieve(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    caller.require(Permission::EventsRead, app.store().account_id())?;
    let params = req.params(vec![("expand", Shape::expand())])?;
    check_expand(&params, false)?;
    let id = req.segment(3);
    let event = app
        .store()
        .event(caller.livemode, &id)
        .await?
        .ok_or_else(|| ApiError::no_such("event", &id))?;
    let mut body = render_event(&event);
    caller.hide_credentials_unless_allowed(&mut body["data"]["object"]);
    Ok(Json(body).into_response())
}

pub async fn list(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    caller.require(Permission::EventsRead, app.store().account_id())?;
    let mut fields = common_fields();
    fields.extend([
        ("delivery_success", Shape::Bool),
        ("type", Shape::str5000()),
        ("types", Shape::array(Shape::str5000())),
    ]);
    let params = req.params(fields)?;
    check_expand(&params, true)?;
    let paging = paging(&params)?;
    let types: Vec<String> = match params.get("types") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if params.has("type") && params.has("types") {
        return Err(ApiError::invalid(
            "You may only specify one of these parameters: type, types.",
        )
        .with_code("parameters_exclusive")
        .with_param("type"));
    }
    if types.len() > MAX_TYPES {
        return Err(ApiError::invalid(format!(
            "Invalid types: must contain at most {MAX_TYPES} event types"
        ))
        .with_param("types"));
    }
    let query = EventQuery {
        livemode: caller.livemode,
        limit: paging.limit,
        cursor: paging.cursor.clone(),
        created: paging.created,
        type_pattern: params.string("type"),
        types,
        delivery_success: params.get("delivery_success").and_then(Value::as_bool),
    };
    let page =
        app.store().list_events(&query).await?.ok_or_else(|| {
            missing_cursor("event", paging.cursor.as_ref().expect("cursor given"))
        })?;
    let data = page
        .items
        .iter()
        .map(|event| {
            let mut body = render_event(event);
            caller.hide_credentials_unless_allowed(&mut body["data"]["object"]);
            body
        })
        .collect();
    Ok(Json(render::list("/v1/events", data, page.has_more)).into_response())
}
