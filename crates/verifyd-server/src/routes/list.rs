//! The parameters every list endpoint shares: `limit` (1–100, default 10),
//! `starting_after` / `ending_before` (mutually exclusive) and `created`.

use crate::error::{ApiError, ApiResult};
use crate::params::{Params, Shape};
use serde_json::Value;
use verifyd_store::{CreatedRange, Cursor};

pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: i64 = 100;

/// The shared list fields, to be extended with each endpoint's filters.
pub fn common_fields() -> Vec<(&'static str, Shape)> {
    vec![
        ("created", Shape::Created),
        ("ending_before", Shape::str5000()),
        ("expand", Shape::expand()),
        ("limit", Shape::Int),
        ("starting_after", Shape::str5000()),
    ]
}

pub struct Paging {
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub created: CreatedRange,
}

pub fn paging(params: &Params) -> ApiResult<Paging> {
    let limit = match params.int("limit") {
        None => DEFAULT_LIMIT,
        Some(n) if n < 1 => {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 1.")
                    .with_param("limit"),
            )
        }
        Some(n) if n > MAX_LIMIT => {
            return Err(ApiError::invalid(format!(
                "This value must be less than or equal to {MAX_LIMIT}."
            ))
            .with_param("limit"))
        }
        Some(n) => n as u32,
    };
    let cursor = match (
        params.string("starting_after"),
        params.string("ending_before"),
    ) {
        (Some(_), Some(_)) => return Err(ApiError::invalid(
            "Received both starting_after and ending_before parameters. Please pass in only one.",
        )),
        (Some(id), None) => Some(Cursor::StartingAfter(id)),
        (None, Some(id)) => Some(Cursor::EndingBefore(id)),
        (None, None) => None,
    };
    let created = match params.get("created") {
        None => CreatedRange::default(),
        Some(Value::Number(n)) => CreatedRange::exactly(n.as_i64().unwrap_or_default()),
        Some(Value::Object(range)) => CreatedRange {
            gt: range.get("gt").and_then(Value::as_i64),
            gte: range.get("gte").and_then(Value::as_i64),
            lt: range.get("lt").and_then(Value::as_i64),
            lte: range.get("lte").and_then(Value::as_i64),
        },
        Some(_) => CreatedRange::default(),
    };
    Ok(Paging {
        limit,
        cursor,
        created,
    })
}

/// The 400 for a cursor that names no object of this kind.
pub fn missing_cursor(object: &str, cursor: &Cursor) -> ApiError {
    let (param, id) = match cursor {
        Cursor::StartingAfter(id) => ("starting_after", id),
        Cursor::EndingBefore(id) => ("ending_before", id),
    };
    ApiError::no_such_param(object, id, param)
}
