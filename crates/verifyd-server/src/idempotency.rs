//! `Idempotency-Key` on POST requests, with Stripe's semantics: the first request's status
//! and body are saved in the same transaction as its state change and replayed (with
//! `Idempotent-Replayed: true`) to later requests with the same key and parameters; other
//! parameters or another endpoint → 400 `idempotency_error`; a request while the first is
//! still running → 409 `idempotency_key_in_use`. Parameter validation failures and our own
//! 500s are not saved. Keys are scoped per mode (one account per database) and kept 24 h.

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorType, Stage};
use crate::request::ApiRequest;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use verifyd_store::{IdempotencyClaim, IdempotencyRecord, Tx};

/// Keys are kept at least this long (24 h).
pub const RETENTION_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// An in-flight claim older than this belongs to a request that died; it may be taken over.
pub const LOCK_MILLIS: i64 = 60 * 1000;
/// Stripe's maximum key length.
pub const MAX_KEY_CHARS: usize = 255;

/// A claimed key, to be completed or abandoned.
#[derive(Debug, Clone)]
pub struct ClaimedKey {
    livemode: bool,
    key: String,
    /// The token that proves this request still holds the claim.
    owner: String,
}

/// The outcome of looking at a request's idempotency key.
pub enum Begin {
    /// Run the request (holding the claim, if it had a key).
    Proceed(Option<ClaimedKey>),
    /// Send this saved response again.
    Replay(Response),
}

/// Looks at the request's `Idempotency-Key` and claims it.
pub async fn begin(app: &AppState, req: &ApiRequest, caller: &Caller) -> ApiResult<Begin> {
    if req.method != Method::POST {
        return Ok(Begin::Proceed(None));
    }
    if req.header_is_not_ascii("idempotency-key") {
        // Never ignored: the same request sent twice would otherwise be done twice.
        return Err(ApiError::invalid(
            "Idempotency-Key must contain only printable ASCII characters.",
        )
        .with_type(ErrorType::IdempotencyError));
    }
    let Some(key) = req.header("idempotency-key").map(str::to_owned) else {
        return Ok(Begin::Proceed(None));
    };
    if key.is_empty() {
        return Ok(Begin::Proceed(None));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(ApiError::invalid(format!(
            "Idempotency-Key must be at most {MAX_KEY_CHARS} characters long."
        ))
        .with_type(ErrorType::IdempotencyError));
    }
    let now = app.clock().now_millis();
    let claim = app
        .store()
        .claim_idempotency_key(
            caller.livemode,
            &key,
            &req.fingerprint(),
            now,
            LOCK_MILLIS,
            RETENTION_MILLIS,
        )
        .await?;
    match claim {
        IdempotencyClaim::Proceed { owner } => Ok(Begin::Proceed(Some(ClaimedKey {
            livemode: caller.livemode,
            key,
            owner,
        }))),
        IdempotencyClaim::Replay(record) => Ok(Begin::Replay(replay(record))),
        IdempotencyClaim::Mismatch => Err(ApiError::invalid(format!(
            "Keys for idempotent requests can only be used with the same parameters they were \
             first used with. Try using a key other than '{key}' if you meant to execute a \
             different request."
        ))
        .with_type(ErrorType::IdempotencyError)),
        IdempotencyClaim::InFlight => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "There is currently another in-progress request using this Idempotent Key (that \
                 probably means you submitted twice, and the other request is still going \
                 through): {key}. Please try again later."
            ),
        )
        .with_type(ErrorType::IdempotencyError)
        .with_code("idempotency_key_in_use")),
    }
}

/// The object a saved response is, when it is a session or a webhook endpoint: its data key
/// seals the response, so that redacting the session (or deleting the endpoint, whose
/// signing secret the create response carries) reaches the saved copy.
fn subject_of(body: &Value) -> Option<String> {
    let object = body["object"].as_str()?;
    (object == "identity.verification_session" || object == "webhook_endpoint")
        .then(|| body["id"].as_str().map(str::to_owned))
        .flatten()
}

fn replay(record: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK);
    let mut response = (status, record.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(id) = record
        .request_id
        .and_then(|id| HeaderValue::from_str(&id).ok())
    {
        headers.insert("request-id", id);
    }
    response
}

/// Commits the request's transaction together with its saved response, and answers 200.
pub async fn commit_ok(
    mut tx: Tx,
    claim: Option<ClaimedKey>,
    req: &ApiRequest,
    body: Value,
) -> ApiResult<Response> {
    if let Some(claim) = &claim {
        let record = IdempotencyRecord {
            status: 200,
            body: body.to_string(),
            request_id: Some(req.request_id.clone()),
            subject: subject_of(&body),
        };
        // A request that outlived its lock and was taken over by a retry rolls back here
        // (dropping `tx`): the retry's result is the one, never both.
        tx.complete_idempotency_key(claim.livemode, &claim.key, &claim.owner, &record)
            .await?;
    }
    tx.commit().await?;
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

/// Settles a claim after the request failed: errors from execution (404, wrong state) are
/// saved and will replay; validation failures and server errors release the key.
pub async fn abandon(
    app: &AppState,
    claim: Option<ClaimedKey>,
    req: &ApiRequest,
    error: ApiError,
) -> ApiError {
    let Some(claim) = claim else {
        return error;
    };
    if error.code == Some("idempotency_key_in_use") {
        // The claim passed to another request: nothing of ours to save or release.
        return error;
    }
    // Like Stripe, no result is saved for a failure of ours or a lost race (lock_timeout):
    // the same key may be retried.
    let outcome = if error.stage == Stage::Execution
        && !error.status.is_server_error()
        && error.code != Some("lock_timeout")
    {
        save_error(app, &claim, req, &error).await
    } else {
        app.store()
            .release_idempotency_key(claim.livemode, &claim.key, &claim.owner)
            .await
    };
    match outcome {
        Ok(()) => error,
        // Another request took the key over meanwhile: its result is the key's, so this
        // client must not be told something else happened (it retries and gets that one).
        Err(verifyd_store::StoreError::ClaimLost) => {
            ApiError::from(verifyd_store::StoreError::ClaimLost)
        }
        Err(store_error) => {
            tracing::error!(error = %store_error, "could not settle an idempotency key");
            error
        }
    }
}

async fn save_error(
    app: &AppState,
    claim: &ClaimedKey,
    req: &ApiRequest,
    error: &ApiError,
) -> verifyd_store::Result<()> {
    let mut tx = app.store().begin().await?;
    let record = IdempotencyRecord {
        status: error.status.as_u16(),
        body: error.body().to_string(),
        request_id: Some(req.request_id.clone()),
        // Errors describe the request, not an object's data: the account's key seals them
        // (a path may name a session that does not exist).
        subject: None,
    };
    tx.complete_idempotency_key(claim.livemode, &claim.key, &claim.owner, &record)
        .await?;
    tx.commit().await
}

/// Finishes an idempotent write: on success commits the transaction with the saved response;
/// on failure settles the claim as [`abandon`] does.
pub async fn settle(
    app: &AppState,
    claim: Option<ClaimedKey>,
    req: &ApiRequest,
    result: ApiResult<(Tx, Value)>,
) -> ApiResult<Response> {
    match result {
        Ok((tx, body)) => match commit_ok(tx, claim.clone(), req, body).await {
            Ok(response) => Ok(response),
            Err(error) => Err(abandon(app, claim, req, error).await),
        },
        Err(error) => Err(abandon(app, claim, req, error).await),
    }
}
