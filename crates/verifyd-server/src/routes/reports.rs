//! `/v1/identity/verification_reports`: list and retrieve. Reports are written by session
//! processing; the API only reads them.

use super::list::{common_fields, missing_cursor, paging};
use crate::app::AppState;
use crate::auth::authenticate_secret;
use crate::error::{ApiError, ApiResult};
use crate::expand::{self, Target};
use crate::params::Shape;
use crate::render;
use crate::request::ApiRequest;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use verifyd_core::keys::Permission;
use verifyd_core::report::ReportType;
use verifyd_store::ReportQuery;

const OBJECT_NAME: &str = "VerificationReport";
const LIST_URL: &str = "/v1/identity/verification_reports";

pub async fn retrieve(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    let account = app.store().account_id();
    caller.require(Permission::ReportsRead, account)?;
    let params = req.params(vec![("expand", Shape::expand())])?;
    let expand = expand::parse(&params.expand(), Target::Report, false, &caller, account)?;
    let id = req.segment(4);
    let report = app
        .store()
        .report(caller.livemode, &id)
        .await?
        .ok_or_else(|| ApiError::no_such(OBJECT_NAME, &id))?;
    expand::allow_sensitive_read(&app, &caller, &expand, &id, Some(report.created)).await?;
    Ok(Json(render::verification_report(&report, &expand)).into_response())
}

pub async fn list(State(app): State<AppState>, req: ApiRequest) -> ApiResult<Response> {
    let caller = authenticate_secret(&app, &req.headers).await?;
    let account = app.store().account_id();
    caller.require(Permission::ReportsRead, account)?;
    let mut fields = common_fields();
    fields.extend([
        ("client_reference_id", Shape::str5000()),
        ("type", Shape::Enum(ReportType::FILTERABLE_NAMES)),
        ("verification_session", Shape::str5000()),
    ]);
    let params = req.params(fields)?;
    let expand = expand::parse(&params.expand(), Target::Report, true, &caller, account)?;
    let paging = paging(&params)?;
    let query = ReportQuery {
        livemode: caller.livemode,
        limit: paging.limit,
        cursor: paging.cursor.clone(),
        created: paging.created,
        report_type: params.string("type"),
        verification_session: params.string("verification_session"),
        client_reference_id: params.string("client_reference_id"),
    };
    let page = app.store().list_reports(&query).await?.ok_or_else(|| {
        missing_cursor(OBJECT_NAME, paging.cursor.as_ref().expect("cursor given"))
    })?;
    for report in &page.items {
        expand::allow_sensitive_read(
            &app,
            &caller,
            &expand,
            report.id.as_str(),
            Some(report.created),
        )
        .await?;
    }
    let data = page
        .items
        .iter()
        .map(|r| render::verification_report(r, &expand))
        .collect();
    Ok(Json(render::list(LIST_URL, data, page.has_more)).into_response())
}
